"""The ``spectrum`` kind: validation, encoding, decoding; only mediakit's public API is used."""

from __future__ import annotations

import io
import os
from typing import Any, ClassVar

import numpy as np

import mediakit as mk
from mediakit.formats import Source

MAX_LENGTH = 1_000_000


class Spectrum(mk.Kind):
    """A 1-D spectrum: finite float values, stored as a float64 ``.npy`` file."""

    TYPE: ClassVar[str] = "spectrum"
    VERSION: ClassVar[int] = 1
    SCHEMA: ClassVar[str] = "spectrum.schema.json"  # next to this module
    RENDERER: ClassVar[str] = "plugin_kind.render:render"

    def __init__(self, values: Any, *, caption: str | None = None) -> None:
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            msg = f"values: expected a 1-D array of numbers, got {type(values).__name__}"
            raise mk.MediaTypeError(msg)
        arr = np.asarray(values)
        if arr.dtype.kind not in "iuf":
            msg = f"values: expected numbers, got dtype {arr.dtype}"
            raise mk.MediaTypeError(msg)
        if arr.ndim != 1 or not 1 <= arr.size <= MAX_LENGTH:
            msg = f"values: expected a 1-D array of 1 to {MAX_LENGTH} values, got shape {arr.shape}"
            raise mk.ValidationError(msg)
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            msg = "values: expected finite numbers, got NaN or infinity"
            raise mk.ValidationError(msg)
        if caption is not None and not isinstance(caption, str):
            msg = f"caption: expected a str or None, got {type(caption).__name__}"
            raise mk.MediaTypeError(msg)
        self.values = arr
        self.caption = caption

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Spectrum:
        """From a ``.npy`` file (``*.spectrum.npy`` for ``mediakit encode``)."""
        return cls(_load_npy(Source(path, field="path", what="spectrum").read(), field="path"), **kwargs)

    def _encode(self, store: Any) -> dict[str, Any]:
        buf = io.BytesIO()
        np.save(buf, self.values, allow_pickle=False)
        ref = store.put(buf.getvalue(), suffix=".npy").to_dict()
        desc = {**self._header(), **ref, "length": int(self.values.size), "min": float(self.values.min()), "max": float(self.values.max())}
        if self.caption is not None:
            desc["caption"] = self.caption
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Any) -> Spectrum:
        values = _load_npy(store.read(desc["path"]), field="path")
        if values.shape != (desc["length"],):
            msg = f"path: expected {desc['length']} values, the file holds shape {values.shape}"
            raise mk.DecodeError(msg)
        return cls(values, caption=desc.get("caption"))

    def _content(self) -> tuple[Any, ...]:
        return (self.values, self.caption)


def _load_npy(blob: bytes, *, field: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(blob), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        msg = f"{field}: not a readable .npy file: {e}"
        raise mk.DecodeError(msg) from None
