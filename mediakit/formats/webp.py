"""WebP: read through Pillow (guarded; animated files have pages), written by Pillow."""

from __future__ import annotations

import numpy as np

from . import raster
from ._spec import FormatSpec


def encode(arr: np.ndarray, *, quality: int | None = None) -> bytes:
    """Lossy WebP at quality 90 by default; quality 100 is lossless. Transparent pixels keep
    their colour (``exact``)."""
    q = quality or 90
    return raster.pil_encode(arr, "WEBP", quality=q, method=4, lossless=quality == 100, exact=True)


def _sniff(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


SPEC = FormatSpec(
    name="webp",
    kinds=("image",),
    suffixes=(".webp",),
    media_type="image/webp",
    sniff=_sniff,
    probe=raster.probe_source,
    decode=raster.decode_source,
    encode=encode,
    convert=raster.convert,
    converts_to=("png", "jpeg", "bmp"),
    description="WebP (lossy or lossless, with alpha)",
)
