"""STL (``.stl``): triangle soups, binary or ASCII, read through trimesh
(:mod:`mediakit.formats.scene`, which checks a binary file's size against its triangle count)."""

from __future__ import annotations

import re
import struct
from typing import Any

from .._errors import DecodeError
from ._spec import FormatSpec, Source

_FACET = re.compile(rb"^[ \t]*facet[ \t]", re.MULTILINE)


def is_binary(blob: bytes) -> bool:
    """A binary STL: 84-byte header and 50 bytes a triangle, exactly."""
    return len(blob) >= 84 and len(blob) == 84 + 50 * struct.unpack_from("<I", blob, 80)[0]


def probe(source: Any) -> dict[str, Any]:
    """Triangle count (the binary header's, or the ASCII ``facet`` lines)."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    blob = src.read()
    if is_binary(blob):
        return {"format": "stl", "encoding": "binary", "faces": struct.unpack_from("<I", blob, 80)[0]}
    if blob.lstrip()[:5].lower() != b"solid":
        msg = f"{src.field}: not a valid STL file (neither 'solid' text nor a binary STL of the declared size)"
        raise DecodeError(msg)
    return {"format": "stl", "encoding": "ascii", "faces": len(_FACET.findall(blob))}


SPEC = FormatSpec(
    name="stl",
    kinds=("object3d",),
    suffixes=(".stl",),
    media_type="model/stl",
    probe=probe,
    converts_to=("glb", "obj", "off", "ply", "stl"),
    description="Stereolithography triangle mesh",
)
