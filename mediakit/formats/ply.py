"""PLY (``.ply``): point clouds and meshes.

Point clouds are written as binary little-endian PLY (float32 ``x y z`` + uint8 ``red green
blue`` and, for segmentation clouds, a uint8 ``category``): 15-16 bytes a point, readable by
browsers (three.js ``PLYLoader``) and every point-cloud tool. Reading them back needs numpy only;
PLY meshes (and ASCII PLY) are read through trimesh (:mod:`mediakit.formats.scene`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError, shown
from ._spec import FormatSpec, Source

_PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}  # fmt: skip


def ply_point_records(n: int, *, rgb: bool, category: bool) -> tuple[np.ndarray, np.ndarray]:
    """An uninitialised buffer holding a whole binary little-endian PLY of ``n`` points (header
    written) and a structured view of its records (fields ``xyz`` float32 x 3, ``rgb`` uint8 x 3,
    ``category`` uint8), so callers cast their arrays straight into the file's bytes.

    The header is fixed text (no timestamps, no generator version): equal points, equal bytes.
    """
    fields: list[tuple[Any, ...]] = [("xyz", "<f4", (3,))]
    props = ["float x", "float y", "float z"]
    if rgb:
        fields.append(("rgb", "u1", (3,)))
        props += ["uchar red", "uchar green", "uchar blue"]
    if category:
        fields.append(("category", "u1"))
        props.append("uchar category")
    header = ["ply", "format binary_little_endian 1.0", "comment mediakit point cloud", f"element vertex {n}"]
    header += [f"property {p}" for p in props]
    head = ("\n".join([*header, "end_header"]) + "\n").encode("ascii")
    dt = np.dtype(fields)
    buf = np.empty(len(head) + n * dt.itemsize, np.uint8)
    buf[: len(head)] = np.frombuffer(head, np.uint8)
    return buf, buf[len(head) :].view(dt)


def write_points(xyz: np.ndarray, rgb: np.ndarray | None = None, category: np.ndarray | None = None) -> bytes:
    """A binary little-endian PLY of points (float32 xyz, optional uint8 rgb and category)."""
    buf, rec = ply_point_records(len(xyz), rgb=rgb is not None, category=category is not None)
    rec["xyz"] = xyz
    if rgb is not None:
        for i in range(3):  # 1-D strided copies are much faster than one 2-D copy here
            rec["rgb"][:, i] = rgb[:, i]
    if category is not None:
        rec["category"] = category
    return buf.tobytes()


@dataclass
class PlyHeader:
    fmt: str  # "binary_little_endian" | "binary_big_endian" | "ascii"
    elements: list[tuple[str, int, list[tuple[str, str]]]]  # name, count, [(property, dtype or "list")]
    data_start: int


def parse_ply_header(blob: bytes, *, field: str = "data") -> PlyHeader:
    """Parse a PLY header strictly (magic, format, elements, properties, ``end_header``)."""
    if not blob.startswith(b"ply"):
        msg = f"{field}: not a PLY file (it does not start with 'ply')"
        raise DecodeError(msg)
    end = blob.find(b"end_header", 0, 1 << 16)
    if end < 0:
        msg = f"{field}: PLY header has no 'end_header' line in its first 64 KiB"
        raise DecodeError(msg)
    nl = blob.find(b"\n", end)
    data_start = len(blob) if nl < 0 else nl + 1
    lines = blob[:end].decode("ascii", "replace").replace("\r", "").split("\n")
    fmt = None
    elements: list[tuple[str, int, list[tuple[str, str]]]] = []
    for ln, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if not parts or parts[0] in ("comment", "obj_info"):
            continue
        if parts[0] == "format" and len(parts) == 3:
            fmt = parts[1]
        elif parts[0] == "element" and len(parts) == 3 and parts[2].isascii() and parts[2].isdigit():
            elements.append((parts[1], int(parts[2]), []))
        elif parts[0] == "property" and elements:
            if parts[1] == "list" and len(parts) == 5:
                elements[-1][2].append((parts[4], "list"))
            elif len(parts) == 3 and parts[1] in _PLY_TYPES:
                elements[-1][2].append((parts[2], _PLY_TYPES[parts[1]]))
            else:
                msg = f"{field}: PLY header line {ln} is not a valid property: {shown(line)}"
                raise DecodeError(msg)
        else:
            msg = f"{field}: PLY header line {ln} is not understood: {shown(line)}"
            raise DecodeError(msg)
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        msg = f"{field}: PLY format must be ascii, binary_little_endian or binary_big_endian, got {shown(fmt)}"
        raise DecodeError(msg)
    return PlyHeader(fmt, elements, data_start)


def read_points(blob: bytes, *, max_points: int, field: str = "data") -> dict[str, np.ndarray]:
    """The vertex properties of a binary PLY whose first element is ``vertex`` with scalar
    properties (what :func:`write_points` writes), as arrays by property name."""
    h = parse_ply_header(blob, field=field)
    if h.fmt == "ascii" or not h.elements or h.elements[0][0] != "vertex":
        msg = f"{field}: expected a binary PLY whose first element is 'vertex'"
        raise DecodeError(msg)
    _, count, props = h.elements[0]
    if any(t == "list" for _, t in props):
        msg = f"{field}: PLY vertex element has list properties; expected scalars only"
        raise DecodeError(msg)
    if count > max_points:
        msg = f"{field}: PLY declares {count} points, more than the limit of {max_points}"
        raise LimitError(msg)
    order = "<" if h.fmt == "binary_little_endian" else ">"
    dt = np.dtype([(name, order + t) for name, t in props])
    need = count * dt.itemsize
    if len(blob) - h.data_start < need:
        msg = f"{field}: PLY is truncated: {count} points need {need} bytes of data, got {len(blob) - h.data_start}"
        raise DecodeError(msg)
    rec = np.frombuffer(blob, dtype=dt, count=count, offset=h.data_start)
    return {name: rec[name] for name in dt.names or ()}


def probe(source: Any) -> dict[str, Any]:
    """Counts from the header alone: ``points`` (vertices of a PLY without faces) or ``vertices``
    and ``faces``, and the PLY encoding."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    h = parse_ply_header(src.head(1 << 16), field=src.field)
    counts = {name: count for name, count, _ in h.elements}
    v, f = counts.get("vertex", 0), counts.get("face", 0)
    if f:
        return {"format": "ply", "encoding": h.fmt, "vertices": v, "faces": f}
    return {"format": "ply", "encoding": h.fmt, "points": v}


SPEC = FormatSpec(
    name="ply",
    kinds=("object3d",),
    suffixes=(".ply",),
    media_type="model/ply",
    magic=(b"ply\n", b"ply\r\n"),
    probe=probe,
    converts_to=("glb", "obj", "off", "ply", "stl"),
    description="Polygon File Format (Stanford): point clouds and meshes",
)
