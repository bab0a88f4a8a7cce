"""Object File Format (``.off``): text meshes read through trimesh (:mod:`mediakit.formats.scene`);
stored as GLB (browsers do not read OFF)."""

from __future__ import annotations

from typing import Any

from .._errors import DecodeError
from ._spec import FormatSpec, Source


def probe(source: Any) -> dict[str, Any]:
    """Vertex and face counts from the header (``OFF`` then ``vertices faces edges``)."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    words: list[str] = []
    for line in src.head(1 << 16).decode("latin-1").splitlines():
        words += line.split("#")[0].split()
        if len(words) >= 3:
            break
    if not words or not words[0].upper().endswith("OFF"):
        msg = f"{src.field}: not an OFF file (it does not start with 'OFF')"
        raise DecodeError(msg)
    counts = words[1:3] if words[0].upper() == words[0] and len(words[0]) <= 4 else []
    if len(counts) != 2 or not all(c.isascii() and c.isdigit() for c in counts):
        msg = f"{src.field}: the OFF header has no vertex and face counts"
        raise DecodeError(msg)
    return {"format": "off", "vertices": int(counts[0]), "faces": int(counts[1])}


SPEC = FormatSpec(
    name="off",
    kinds=("object3d",),
    suffixes=(".off",),
    media_type="model/off",
    stored=False,
    probe=probe,
    converts_to=("glb", "obj", "off", "ply", "stl"),
    description="Object File Format (stored as GLB)",
)
