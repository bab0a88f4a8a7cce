"""3-D file formats: binary PLY point clouds, GLB containers, and mesh files read through trimesh.

- Point clouds are written as binary little-endian PLY (float32 ``x y z`` + uint8 ``red green
  blue`` and, for segmentation clouds, a uint8 ``category``): 15-16 bytes a point, readable by
  browsers (three.js ``PLYLoader``) and every point-cloud tool. Reading them back needs numpy only.
- :func:`pack_gltf` turns a ``.gltf`` (JSON + external or ``data:`` buffers and images) into one
  self-contained GLB without re-encoding anything (extensions, animations and skins survive).
- :func:`load_scene` reads obj/gltf/glb/stl/ply/off through trimesh (extra ``3d``) and
  :func:`scene_parts` flattens a scene into world-space meshes and point sets for counting and
  rendering.

Backends: numpy and the standard library; trimesh (``pip install 'mediakit[3d]'``) for mesh files.
"""

from __future__ import annotations

import base64
import io
import json
import math
import posixpath
import re
import struct
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError, ValidationError
from .._lazy import require

GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942
#: ``source_format`` values whose stored file is a point-cloud PLY written by :func:`write_points_ply`.
OWN_POINT_SOURCES = ("array", "lidar/beta", "trimesh")
#: Formats trimesh reads for us, by the suffix mediakit uses.
MESH_FORMATS = ("glb", "gltf", "obj", "off", "ply", "stl")

# -- PLY point clouds ----------------------------------------------------------------------------

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


def write_points_ply(xyz: np.ndarray, rgb: np.ndarray | None = None, category: np.ndarray | None = None) -> bytes:
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
        elif parts[0] == "element" and len(parts) == 3 and parts[2].isdigit():
            elements.append((parts[1], int(parts[2]), []))
        elif parts[0] == "property" and elements:
            if parts[1] == "list" and len(parts) == 5:
                elements[-1][2].append((parts[4], "list"))
            elif len(parts) == 3 and parts[1] in _PLY_TYPES:
                elements[-1][2].append((parts[2], _PLY_TYPES[parts[1]]))
            else:
                msg = f"{field}: PLY header line {ln} is not a valid property: {line!r}"
                raise DecodeError(msg)
        else:
            msg = f"{field}: PLY header line {ln} is not understood: {line!r}"
            raise DecodeError(msg)
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        msg = f"{field}: PLY format must be ascii, binary_little_endian or binary_big_endian, got {fmt!r}"
        raise DecodeError(msg)
    return PlyHeader(fmt, elements, data_start)


def read_points_ply(blob: bytes, *, max_points: int, field: str = "data") -> dict[str, np.ndarray]:
    """The vertex properties of a binary PLY whose first element is ``vertex`` with scalar
    properties (what :func:`write_points_ply` writes), as arrays by property name."""
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


# -- GLB ---------------------------------------------------------------------------------------


def read_glb(blob: bytes, *, field: str = "data") -> tuple[dict[str, Any], bytes]:
    """Check a GLB container (header, chunk layout, JSON) and return its JSON and BIN chunk."""
    if len(blob) < 20 or blob[:4] != GLB_MAGIC:
        msg = f"{field}: not a GLB file (no 'glTF' magic)"
        raise DecodeError(msg)
    version, length = struct.unpack_from("<II", blob, 4)
    if version != 2:
        msg = f"{field}: GLB version {version} is not supported; expected 2"
        raise DecodeError(msg)
    if length != len(blob):
        msg = f"{field}: GLB header says {length} bytes, the file has {len(blob)} (truncated or padded)"
        raise DecodeError(msg)
    pos, doc, bin_chunk = 12, None, b""
    while pos < length:
        if pos + 8 > length:
            msg = f"{field}: GLB chunk header at byte {pos} is truncated"
            raise DecodeError(msg)
        clen, ctype = struct.unpack_from("<II", blob, pos)
        if pos + 8 + clen > length:
            msg = f"{field}: GLB chunk at byte {pos} claims {clen} bytes past the end of the file"
            raise DecodeError(msg)
        body = blob[pos + 8 : pos + 8 + clen]
        if doc is None:
            if ctype != _CHUNK_JSON:
                msg = f"{field}: the first GLB chunk must be JSON"
                raise DecodeError(msg)
            try:
                doc = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                msg = f"{field}: GLB JSON chunk is not valid JSON ({e})"
                raise DecodeError(msg) from None
        elif ctype == _CHUNK_BIN and not bin_chunk:
            bin_chunk = body
        pos += 8 + clen
    if not isinstance(doc, dict) or not isinstance(doc.get("asset"), dict):
        msg = f"{field}: GLB JSON has no 'asset' object; not a glTF 2.0 document"
        raise DecodeError(msg)
    return doc, bin_chunk


def write_glb(doc: dict[str, Any], bin_chunk: bytes) -> bytes:
    """Assemble a GLB: JSON chunk padded with spaces, BIN chunk padded with zeros."""
    js = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    js += b" " * (-len(js) % 4)
    out = [struct.pack("<II", len(js), _CHUNK_JSON), js]
    if bin_chunk:
        b = bin_chunk + b"\x00" * (-len(bin_chunk) % 4)
        out += [struct.pack("<II", len(b), _CHUNK_BIN), b]
    body = b"".join(out)
    return GLB_MAGIC + struct.pack("<II", 2, 12 + len(body)) + body


_DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w=.+-]+)*?(;base64)?,", re.IGNORECASE)
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".ktx2": "image/ktx2"}


def _data_uri(uri: str, field: str) -> tuple[bytes, str | None]:
    m = _DATA_URI.match(uri)
    if not m:
        msg = f"{field}: malformed data URI {uri[:40]!r}"
        raise DecodeError(msg)
    payload = uri[m.end() :]
    try:
        data = base64.b64decode(payload, validate=False) if m.group(3) else urllib.parse.unquote_to_bytes(payload)
    except ValueError as e:
        msg = f"{field}: data URI is not valid base64 ({e})"
        raise DecodeError(msg) from None
    return data, m.group(1)


def check_relative_uri(uri: str, field: str) -> str:
    """A glTF/OBJ asset reference must be a relative path that stays beside the model."""
    if "://" in uri or uri.startswith(("//", "\\")):
        msg = f"{field}: external reference {uri!r} is a URL; only files beside the model (or data: URIs) are read"
        raise ValidationError(msg)
    path = urllib.parse.unquote(uri).replace("\\", "/")
    norm = posixpath.normpath(path)
    if path.startswith("/") or (len(path) > 1 and path[1] == ":") or norm == ".." or norm.startswith("../") or "\x00" in path:
        msg = f"{field}: external reference {uri!r} points outside the model's folder; refused"
        raise LimitError(msg)
    return norm


def pack_gltf(text: bytes, resolve: Callable[[str], bytes] | None, *, field: str = "data", max_bytes: int) -> bytes:
    """A self-contained GLB from glTF JSON whose buffers and images are files or data URIs.

    ``resolve(relative_path) -> bytes`` reads files beside the ``.gltf`` (``None``: only data
    URIs are allowed). Buffers are concatenated (8-byte aligned) into the BIN chunk and images
    referenced by URI become buffer views; nothing is decoded or re-encoded.
    """
    try:
        doc = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"{field}: not a glTF file: the JSON does not parse ({e})"
        raise DecodeError(msg) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("asset"), dict):
        msg = f"{field}: not a glTF 2.0 document (no 'asset' object)"
        raise DecodeError(msg)
    if not str(doc["asset"].get("version", "")).startswith("2"):
        msg = f"{field}: glTF asset.version must be 2.x, got {doc['asset'].get('version')!r}"
        raise DecodeError(msg)
    total = 0

    def fetch(uri: Any, where: str) -> tuple[bytes, str | None]:
        nonlocal total
        if not isinstance(uri, str):
            msg = f"{field}: {where}.uri: expected a string, got {uri!r}"
            raise DecodeError(msg)
        if uri.lower().startswith("data:"):
            data, mime = _data_uri(uri, f"{field}: {where}.uri")
        else:
            rel = check_relative_uri(uri, f"{field}: {where}.uri")
            if resolve is None:
                msg = f"{field}: {where} refers to the file {uri!r}; pass the .gltf as a path so files beside it can be read"
                raise ValidationError(msg)
            data = resolve(rel)
            mime = _IMAGE_TYPES.get(posixpath.splitext(rel)[1].lower())
        total += len(data)
        if total > max_bytes:
            msg = f"{field}: glTF buffers and images exceed {max_bytes} bytes"
            raise LimitError(msg)
        return data, mime

    blobs: list[bytes] = []
    offsets: list[int] = []
    pos = 0
    for i, buf in enumerate(doc.get("buffers") or []):
        if not isinstance(buf, dict) or "uri" not in buf:
            msg = f"{field}: buffers[{i}] has no uri (only a GLB may hold an unnamed buffer)"
            raise DecodeError(msg)
        data, _ = fetch(buf["uri"], f"buffers[{i}]")
        need = buf.get("byteLength")
        if not isinstance(need, int) or need < 0 or need > len(data):
            msg = f"{field}: buffers[{i}].byteLength is {need!r} but its data has {len(data)} bytes"
            raise DecodeError(msg)
        pad = -pos % 8
        blobs.append(b"\x00" * pad)
        pos += pad
        offsets.append(pos)
        blobs.append(data[:need])
        pos += need
    for j, view in enumerate(doc.get("bufferViews") or []):
        b = view.get("buffer") if isinstance(view, dict) else None
        if not isinstance(b, int) or not 0 <= b < len(offsets):
            msg = f"{field}: bufferViews[{j}].buffer {b!r} does not name a buffer"
            raise DecodeError(msg)
        view["buffer"] = 0
        view["byteOffset"] = int(view.get("byteOffset", 0)) + offsets[b]
    views = doc.setdefault("bufferViews", [])
    for k, img in enumerate(doc.get("images") or []):
        if isinstance(img, dict) and "uri" in img:
            data, mime = fetch(img.pop("uri"), f"images[{k}]")
            pad = -pos % 8
            blobs.append(b"\x00" * pad)
            pos += pad
            views.append({"buffer": 0, "byteOffset": pos, "byteLength": len(data)})
            img["bufferView"] = len(views) - 1
            img["mimeType"] = img.get("mimeType") or mime or "image/png"
            blobs.append(data)
            pos += len(data)
    if not views:
        doc.pop("bufferViews")
    if pos:
        doc["buffers"] = [{"byteLength": pos}]
    else:
        doc.pop("buffers", None)
    return write_glb(doc, b"".join(blobs))


# -- trimesh -----------------------------------------------------------------------------------


def trimesh_module() -> Any:
    return require("trimesh", extra="3d", feature="Reading 3-D mesh files")


_FACE_LINE = re.compile(rb"^[ \t]*f[ \t]+(.*)$", re.MULTILINE)


def precheck(blob: bytes, file_type: str, *, field: str = "data") -> bytes:
    """Checks trimesh does not make (or makes with a confusing message), and text that is not
    UTF-8 re-encoded for it. Returns the bytes to hand to trimesh (the caller keeps the original)."""
    if file_type == "stl" and not blob.lstrip()[:5].lower() == b"solid":
        if len(blob) < 84:
            msg = f"{field}: not a valid STL file: {len(blob)} bytes is shorter than a binary STL header (84)"
            raise DecodeError(msg)
        (count,) = struct.unpack_from("<I", blob, 80)
        if len(blob) != 84 + 50 * count:
            msg = f"{field}: not a valid STL file: the binary header declares {count} triangles ({84 + 50 * count} bytes), the file has {len(blob)} bytes"
            raise DecodeError(msg)
    ascii_stl = (
        file_type == "stl"
        and blob.lstrip()[:5].lower() == b"solid"
        and not (len(blob) >= 84 and len(blob) == 84 + 50 * struct.unpack_from("<I", blob, 80)[0])
    )
    if file_type in ("obj", "off") or ascii_stl or (file_type == "ply" and b"format ascii" in blob[:256]):
        try:
            blob.decode("utf-8")
        except UnicodeDecodeError:
            blob = blob.decode("latin-1").encode("utf-8")  # trimesh would need charset_normalizer
    if file_type == "obj":
        for m in _FACE_LINE.finditer(blob):
            refs = [t for t in m.group(1).split(b"#")[0].split() if t]
            if len(refs) < 3:
                line = blob.count(b"\n", 0, m.start()) + 1
                msg = f"{field}: not a valid OBJ file: line {line} is a face with {len(refs)} vertex indices (at least 3 are needed): {m.group(0).strip()[:60].decode('utf-8', 'replace')!r}"
                raise DecodeError(msg)
    return blob


def load_scene(blob: bytes, file_type: str, *, field: str = "data", resolver: Any = None) -> Any:
    """Parse mesh-file bytes with trimesh into a ``trimesh.Scene`` (errors become DecodeError)."""
    trimesh = trimesh_module()
    blob = precheck(blob, file_type, field=field)
    try:
        return trimesh.load_scene(io.BytesIO(blob), file_type=file_type, resolver=resolver, process=False)
    except MemoryError:
        msg = f"{field}: the {file_type.upper()} file declares more data than fits in memory"
        raise LimitError(msg) from None
    except Exception as e:
        msg = f"{field}: not a valid {file_type.upper()} file ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


@dataclass
class Part:
    """One drawable piece of a scene in world coordinates."""

    kind: str  # "mesh" | "points"
    vertices: np.ndarray  # (n, 3) float64
    faces: np.ndarray | None = None  # (m, 3) int64, meshes only
    colors: np.ndarray | None = None  # (m, 3) face colours for meshes, (n, 3) for points; uint8


DEFAULT_MESH_COLOR = (176, 186, 204)


def scene_parts(scene: Any, *, colors: bool = True) -> list[Part]:
    """Every mesh and point-cloud instance of a trimesh scene, transformed to world space."""
    trimesh = trimesh_module()
    parts: list[Part] = []
    for node in sorted(scene.graph.nodes_geometry):
        transform, name = scene.graph[node]
        geom = scene.geometry.get(name)
        if geom is None:
            continue
        v = np.asarray(geom.vertices, np.float64)
        if v.ndim != 2 or v.shape[-1] != 3 or len(v) == 0:
            continue
        v = v @ transform[:3, :3].T + transform[:3, 3] if not np.allclose(transform, np.eye(4)) else v
        if isinstance(geom, trimesh.Trimesh) and len(geom.faces):
            f = np.asarray(geom.faces, np.int64).reshape(-1, 3)
            parts.append(Part("mesh", v, f, _face_colors(geom, f) if colors else None))
        elif isinstance(geom, trimesh.Trimesh):
            parts.append(Part("points", v, None, None))  # vertices without faces: a point set
        elif isinstance(geom, trimesh.PointCloud):
            c = None
            if colors:
                vc = getattr(geom, "colors", None)
                if vc is not None and len(vc) == len(v):
                    c = np.asarray(vc)[:, :3].astype(np.uint8)
            parts.append(Part("points", v, None, c))
    return parts


def _face_colors(mesh: Any, faces: np.ndarray) -> np.ndarray:
    n, nv = len(faces), len(mesh.vertices)
    default = np.broadcast_to(np.array(DEFAULT_MESH_COLOR, np.uint8), (n, 3)).copy()
    try:
        visual = mesh.visual
        kind = getattr(visual, "kind", None)
        if kind == "texture":
            mat = getattr(visual, "material", None)
            image = (getattr(mat, "image", None) or getattr(mat, "baseColorTexture", None)) if mat is not None else None
            uv = getattr(visual, "uv", None)
            if image is not None and uv is not None and len(uv) == nv:
                visual = visual.to_color()  # samples the texture at each vertex
                kind = getattr(visual, "kind", None)
            else:
                main = np.asarray(getattr(mat, "main_color", None) if mat is not None else None)
                if main.shape[-1:] in ((3,), (4,)) and not _is_trimesh_default(main):
                    return np.broadcast_to(main[:3].astype(np.uint8), (n, 3)).copy()
                return default
        if kind == "face":
            fc = np.asarray(visual.face_colors)
            if fc.ndim == 2 and fc.shape[0] == n and fc.shape[1] >= 3:
                return fc[:, :3].astype(np.uint8)
        if kind == "vertex":
            vc = np.asarray(visual.vertex_colors)
            if vc.ndim == 2 and vc.shape[0] == nv and vc.shape[1] >= 3:
                if nv and (vc[:, :3] == vc[0, :3]).all() and _is_trimesh_default(vc[0]):
                    return default  # a placeholder texture (missing image file), not a colour
                return np.clip(vc[:, :3].astype(np.float32)[faces].mean(axis=1) + 0.5, 0, 255).astype(np.uint8)
    except Exception:
        pass
    return default


def _is_trimesh_default(color: np.ndarray) -> bool:
    # trimesh gives material-less meshes a grey SimpleMaterial; show our neutral colour instead.
    return bool(np.all(np.abs(np.asarray(color[:3], np.int64) - 101) <= 2))


def parts_stats(parts: list[Part]) -> dict[str, Any]:
    """Counts and bounds of scene parts (for descriptors)."""
    points = sum(len(p.vertices) for p in parts if p.kind == "points")
    vertices = sum(len(p.vertices) for p in parts if p.kind == "mesh")
    faces = sum(len(p.faces) for p in parts if p.kind == "mesh" and p.faces is not None)
    kinds = {p.kind for p in parts}
    geometry = "mixed" if len(kinds) > 1 else (kinds.pop() if kinds else "empty")
    if parts:
        lo = np.min([p.vertices.min(axis=0) for p in parts], axis=0)
        hi = np.max([p.vertices.max(axis=0) for p in parts], axis=0)
        bounds = bounds_json(lo, hi)
    else:
        bounds = None
    return {"geometry": geometry, "points": int(points), "vertices": int(vertices), "faces": int(faces), "bounds": bounds}


def bounds_json(lo: np.ndarray, hi: np.ndarray) -> dict[str, list[float]] | None:
    lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return None
    return {"min": [float(x) for x in lo], "max": [float(x) for x in hi]}


def export_glb(scene_or_geometry: Any, *, field: str = "data") -> bytes:
    """A trimesh object as GLB bytes (deterministic for equal input)."""
    try:
        return bytes(scene_or_geometry.export(file_type="glb"))
    except Exception as e:
        msg = f"{field}: could not be written as GLB ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


def finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
