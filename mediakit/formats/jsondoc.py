"""Parsing untrusted JSON documents (tables, Plotly figures, glTF, GLB JSON chunks, ``.pts.json``):
nesting too deep for the parser is a :class:`~mediakit.LimitError` naming the field, never a
``RecursionError``. Other parse errors are left to the caller's own message."""

from __future__ import annotations

import json
import re
from typing import Any

from .._errors import LimitError


def too_deep(field: str, what: str = "JSON") -> LimitError:
    """The error for a document nested deeper than Python can parse or walk."""
    return LimitError(f"{field}: the {what} is nested too deeply to read; flatten it (a few dozen levels are plenty)")


def too_deep_for_limit(field: str) -> LimitError:
    """The error for JSON nested deeper than ``Limits.max_json_depth``."""
    return LimitError(f"{field}: the JSON is nested too deeply, beyond the limit (max_json_depth); flatten it or raise the limit")


def loads(text: bytes | str, *, field: str, what: str = "JSON", **kwargs: Any) -> Any:
    """``json.loads`` for untrusted text (``kwargs`` as there)."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise too_deep(field, what) from None


#: Bytes scanned per numpy pass by :func:`closing`: the first pass is small (a table row), each
#: next one twice as big up to the largest.
_FIRST_PASS = 4096
_LARGEST_PASS = 4 << 20
_BACKSLASH = 92
#: Byte -> 1 + its change of the nesting level: brackets and braces 2 (open) or 0 (close), else 1.
_LEVEL = bytes(2 if c in b"[{" else 0 if c in b"]}" else 1 for c in range(256))


def closing(buf: bytes, pos: int, *, field: str, max_depth: int | None = None) -> int:
    """The index of the bracket closing the JSON array or object ``buf[pos - 1]`` opened.

    Nothing is parsed: strings (escapes included) are masked out and brackets counted with numpy,
    a few megabytes at a time, so skipping millions of rows costs a few milliseconds per megabyte
    and no objects. With ``max_depth``, nesting deeper than that (counting the open container as
    level 1) is a :class:`LimitError`. Unbalanced text is a ``DecodeError``.
    """
    import numpy as np

    from .._errors import DecodeError

    n = len(buf)
    depth = 1
    inside = False  # whether the scan is inside a string
    step = _FIRST_PASS
    while pos < n:
        end = min(n, pos + step)
        while end < n and buf[end - 1] == _BACKSLASH:  # an escape never straddles two passes
            end += 1
        chunk = buf[pos:end]
        delta = np.frombuffer(chunk.translate(_LEVEL), np.int8) - np.int8(1)
        if inside or 34 in chunk:
            if _BACKSLASH in chunk:  # escaped quotes and backslashes are not quotes
                chunk = chunk.replace(b"\\\\", b"__").replace(b'\\"', b"__")
            quotes = np.frombuffer(chunk, np.uint8) == 34
            in_str = np.cumsum(quotes, dtype=np.int32) & 1
            if inside:
                in_str ^= 1
            delta[in_str.astype(bool)] = 0
            inside = bool(in_str[-1])
        levels = np.cumsum(delta, dtype=np.int32)
        if max_depth is not None and depth + int(levels.max()) > max_depth:
            stop = np.flatnonzero(levels == -depth)
            if not len(stop) or depth + int(levels[: stop[0]].max()) > max_depth:
                raise too_deep_for_limit(field)
        if int(levels.min()) <= -depth:
            return pos + int(np.argmax(levels <= -depth))
        depth += int(levels[-1])
        pos = end
        step = min(step * 2, _LARGEST_PASS)
    msg = f"{field}: the JSON ends before this array or object is closed (truncated file?)"
    raise DecodeError(msg)


def check_depth(blob: bytes, field: str, max_depth: int) -> None:
    """Refuse (:class:`LimitError`) JSON text nested deeper than ``max_depth`` levels (the
    outermost array or object is level 1) before it is parsed; other text is left to the parser."""
    m = re.match(rb"(?:\xef\xbb\xbf)?[ \t\n\r]*[\[{]", blob)
    if m is None:
        return
    if max_depth < 1:
        raise too_deep_for_limit(field)
    try:
        closing(blob, m.end(), field=field, max_depth=max_depth)
    except LimitError:
        raise
    except ValueError:
        return  # unbalanced: the parser says where
