"""BMP: read through Pillow (guarded), written by Pillow (24-bit; no alpha)."""

from __future__ import annotations

import numpy as np

from . import raster
from ._spec import FormatSpec


def encode(arr: np.ndarray, *, quality: int | None = None) -> bytes:
    """Uncompressed BMP (``quality`` is ignored)."""
    return raster.pil_encode(arr, "BMP")


SPEC = FormatSpec(
    name="bmp",
    kinds=("image",),
    suffixes=(".bmp",),
    media_type="image/bmp",
    magic=(b"BM",),
    probe=raster.probe_source,
    decode=raster.decode_source,
    encode=encode,
    convert=raster.convert,
    converts_to=("png", "jpeg", "webp"),
    description="Windows bitmap",
)
