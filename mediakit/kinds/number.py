"""Non-finite metric values (``NaN``, ``±Infinity``), which JSON cannot hold as numbers: kept
losslessly as a ``number`` descriptor naming the value."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .._errors import MediaTypeError, ValidationError, shown
from ..store import Store
from ._base import Kind


class NonFinite(Kind):
    """A non-finite number (``nan``, ``inf``, ``-inf``) in a logged value, kept losslessly."""

    TYPE: ClassVar[str] = "number"
    VERSION: ClassVar[int] = 1
    _NAMES: ClassVar[dict[str, float]] = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

    def __init__(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            msg = f"value: expected a float (nan, inf or -inf), got {type(value).__name__} {shown(value)}"
            raise MediaTypeError(msg)
        if math.isfinite(value):
            msg = f"value: expected a non-finite number (nan, inf or -inf), got {shown(value)}; finite numbers are plain JSON"
            raise ValidationError(msg)
        self.value = float(value)

    @property
    def name(self) -> str:
        if math.isnan(self.value):
            return "NaN"
        return "Infinity" if self.value > 0 else "-Infinity"

    def _encode(self, store: Store) -> dict[str, Any]:
        return {**self._header(), "value": self.name}

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> float:
        return cls._NAMES[desc["value"]]

    def _content(self) -> tuple[Any, ...]:
        return (self.name,)
