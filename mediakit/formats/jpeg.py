"""JPEG: read through Pillow (guarded), written by Pillow at fixed settings (deterministic)."""

from __future__ import annotations

import numpy as np

from . import raster
from ._spec import FormatSpec


def encode(arr: np.ndarray, *, quality: int | None = None) -> bytes:
    """Baseline JPEG; quality 90 by default, 4:4:4 chroma at quality >= 90."""
    q = quality or 90
    return raster.pil_encode(arr, "JPEG", quality=q, optimize=False, progressive=False, subsampling=0 if q >= 90 else 2)


SPEC = FormatSpec(
    name="jpeg",
    kinds=("image",),
    suffixes=(".jpg", ".jpeg", ".jpe", ".jfif"),
    media_type="image/jpeg",
    magic=(b"\xff\xd8\xff",),
    aliases=("jpg",),
    probe=raster.probe_source,
    decode=raster.decode_source,
    encode=encode,
    convert=raster.convert,
    converts_to=("png", "webp", "bmp"),
    description="JPEG (lossy; no alpha)",
)
