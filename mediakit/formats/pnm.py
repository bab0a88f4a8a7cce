"""Netpbm images (PBM/PGM/PPM, 8 and 16 bits), as microscopy and vision tools write them: read
through Pillow (guarded); not web-ready, so an ``Image`` stores their pixels as PNG."""

from __future__ import annotations

from . import raster
from ._spec import FormatSpec


def _sniff(head: bytes) -> bool:
    return len(head) >= 3 and head[0:1] == b"P" and head[1:2] in b"123456" and head[2:3] in b" \t\r\n#"


SPEC = FormatSpec(
    name="pnm",
    kinds=("image",),
    suffixes=(".pnm", ".ppm", ".pgm", ".pbm"),
    media_type="image/x-portable-anymap",
    sniff=_sniff,
    stored=False,
    aliases=("ppm", "pgm", "pbm"),
    probe=raster.probe_source,
    decode=raster.decode_source,
    convert=raster.convert,
    converts_to=("png", "jpeg", "webp", "bmp"),
    description="Netpbm PBM/PGM/PPM (8/16-bit; read only, stored as PNG)",
)
