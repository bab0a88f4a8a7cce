"""Parsing untrusted JSON documents (tables, Plotly figures, glTF, GLB JSON chunks, ``.pts.json``):
nesting too deep for the parser is a :class:`~mediakit.LimitError` naming the field, never a
``RecursionError``. Other parse errors are left to the caller's own message."""

from __future__ import annotations

import json
from typing import Any

from .._errors import LimitError


def too_deep(field: str, what: str = "JSON") -> LimitError:
    """The error for a document nested deeper than Python can parse or walk."""
    return LimitError(f"{field}: the {what} is nested too deeply to read; flatten it (a few dozen levels are plenty)")


def loads(text: bytes | str, *, field: str, what: str = "JSON", **kwargs: Any) -> Any:
    """``json.loads`` for untrusted text (``kwargs`` as there)."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise too_deep(field, what) from None
