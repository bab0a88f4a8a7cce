"""Wavefront OBJ (``.obj``): text meshes, read through trimesh (:mod:`mediakit.formats.scene`).
Stored byte-for-byte, or as GLB when its material library sits beside it (browsers do not read
loose ``.mtl``/texture files)."""

from __future__ import annotations

import re
from typing import Any

from ._spec import FormatSpec, Source

_VERTEX = re.compile(rb"^[ \t]*v[ \t]", re.MULTILINE)
_FACE = re.compile(rb"^[ \t]*f[ \t]", re.MULTILINE)
#: ``mtllib`` lines: the material libraries an OBJ refers to.
MTLLIB = re.compile(rb"^[ \t]*mtllib[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def probe(source: Any) -> dict[str, Any]:
    """Vertex and face counts from the ``v`` and ``f`` lines (polygons count once), and the
    material libraries named."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    blob = src.read()
    libs = [m.group(1).decode("utf-8", "replace") for m in MTLLIB.finditer(blob[: 1 << 20])]
    return {"format": "obj", "vertices": len(_VERTEX.findall(blob)), "faces": len(_FACE.findall(blob)), "mtllib": libs}


SPEC = FormatSpec(
    name="obj",
    kinds=("object3d",),
    suffixes=(".obj",),
    media_type="model/obj",
    probe=probe,
    converts_to=("glb", "obj", "off", "ply", "stl"),
    description="Wavefront OBJ",
)
