"""Point clouds as JSON (``.pts.json``): a list of ``[x, y, z, ...]`` rows or a ``lidar/beta``
scene ``{"type", "points", "boxes", "vectors"}``. The registry matches the longest suffix, so
``x.pts.json`` is this format and ``x.json`` a descriptor or table. Validation of the points and
boxes is the object3d kind's."""

from __future__ import annotations

import json
from typing import Any

from .._errors import DecodeError
from . import jsondoc
from ._spec import FormatSpec, Source

NAME = "pts.json"


def read(source: Any, field: str = "data") -> Any:
    """The parsed JSON document (a list of rows or a scene dict), not yet validated."""
    src = source if isinstance(source, Source) else Source(source, field=field, what="3-D")
    try:
        return jsondoc.loads(src.read().decode("utf-8-sig"), field=field, what="pts.json document")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"{field}: not a pts.json file: {e}"
        raise DecodeError(msg) from None


def probe(source: Any) -> dict[str, Any]:
    doc = read(source)
    if isinstance(doc, dict):
        pts, boxes, vectors = doc.get("points"), doc.get("boxes"), doc.get("vectors")
        return {
            "format": NAME,
            "type": doc.get("type"),
            "points": len(pts) if isinstance(pts, list) else 0,
            "boxes": len(boxes) if isinstance(boxes, list) else 0,
            "vectors": len(vectors) if isinstance(vectors, list) else 0,
        }
    return {"format": NAME, "points": len(doc) if isinstance(doc, list) else 0}


SPEC = FormatSpec(
    name=NAME,
    kinds=("object3d",),
    suffixes=(".pts.json",),
    media_type="application/json",
    stored=False,
    probe=probe,
    decode=read,
    converts_to=("glb", "ply"),
    description="Point cloud or lidar/beta scene as JSON",
)
