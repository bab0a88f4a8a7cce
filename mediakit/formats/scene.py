"""Mesh files through trimesh (extra ``3d``): :func:`load_scene` reads obj/gltf/glb/stl/ply/off
bytes into a ``trimesh.Scene`` (after the checks trimesh does not make), :func:`scene_parts`
flattens a scene into world-space meshes and point sets for counting and rendering, and
:func:`parts_stats` gives the counts and bounds descriptors carry. Shared by the object3d kind,
its renderer and ``mediakit convert``.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._arrays import warn_user
from .._errors import DecodeError, LimitError, MediaFileNotFoundError, shown
from .._lazy import require
from . import glb, jsondoc
from .gltf import check_relative_uri
from .obj import MTLLIB

#: ``source_format`` values whose stored file is a point-cloud PLY written by
#: :func:`mediakit.formats.ply.write_points`.
OWN_POINT_SOURCES = ("array", "lidar/beta", "trimesh")
#: Formats trimesh reads for us, by the suffix mediakit uses.
MESH_FORMATS = ("glb", "gltf", "obj", "off", "ply", "stl")


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
    if file_type == "glb":
        glb.read(blob, field=field, warn=False)  # the container and node graph (glb.check_nodes)
    elif file_type == "gltf":
        try:
            doc = jsondoc.loads(blob.decode("utf-8-sig"), field=field, what="glTF JSON")
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None  # trimesh says what is wrong
        if isinstance(doc, dict):
            glb.check_nodes(doc, field)
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
    # +0.0 turns -0.0 into 0.0: which zero a min/max returns when both occur depends on the
    # order the reduction meets them (SIMD lanes, file order), and bounds must not.
    return {"min": [float(x) + 0.0 for x in lo], "max": [float(x) + 0.0 for x in hi]}


def export_glb(scene_or_geometry: Any, *, field: str = "data") -> bytes:
    """A trimesh object as GLB bytes (deterministic for equal input)."""
    try:
        return bytes(scene_or_geometry.export(file_type="glb"))
    except Exception as e:
        msg = f"{field}: could not be written as GLB ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


def finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# -- files beside a model ---------------------------------------------------------------------------


def file_reader(base: Path | None, field: str, *, max_bytes: int) -> Callable[[str], bytes] | None:
    """``read(relative_path) -> bytes`` for files beside a model in ``base`` (None without a
    folder): paths resolving outside it and files over ``max_bytes`` are refused."""
    if base is None:
        return None
    root = base.resolve()

    def read(rel: str) -> bytes:
        p = (root / rel).resolve()
        if root not in p.parents and p != root:
            msg = f"{field}: {rel!r} resolves outside the model's folder (symlink?); refused"
            raise LimitError(msg)
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            msg = f"{field}: the file {rel!r} it refers to does not exist beside it"
            raise MediaFileNotFoundError(msg) from None
        if size > max_bytes:
            msg = f"{field}: {rel!r} has {size} bytes, more than the limit of {max_bytes}"
            raise LimitError(msg)
        return p.read_bytes()

    return read


def obj_resolver(blob: bytes, base: Path | None, field: str) -> Any:
    """A trimesh resolver for an OBJ's material library, when it is there to be read."""
    libs = [m.group(1).decode("utf-8", "replace") for m in MTLLIB.finditer(blob[: 1 << 20])]
    if not libs:
        return None
    for lib in libs:
        check_relative_uri(lib, f"{field}: mtllib")
    if base is not None and all((base / lib).is_file() for lib in libs):
        trimesh = trimesh_module()
        return trimesh.resolvers.FilePathResolver(str(base / "model.obj"))
    where = f"is not beside it in {str(base)!r}" if base is not None else "cannot be read from a file object (pass the path)"
    warn_user(f"{field}: the OBJ's material library {', '.join(map(repr, libs))} {where}; the geometry is stored without materials")
    return None


def check_parts(parts: list[Part], ft: str, field: str) -> None:
    """Refuse scenes without geometry, with non-finite vertices or faces naming missing vertices."""
    if not parts:
        msg = f"{field}: the {ft.upper()} file holds no geometry (no vertices)"
        raise DecodeError(msg)
    for p in parts:
        if not np.isfinite(p.vertices).all():
            i = int(np.argwhere(~np.isfinite(p.vertices))[0][0])
            msg = f"{field}: vertex {i} of the {ft.upper()} file has a non-finite coordinate {shown(p.vertices[i].tolist())}"
            raise DecodeError(msg)
        if p.faces is not None and len(p.faces):
            lo, hi = int(p.faces.min()), int(p.faces.max())
            if lo < 0 or hi >= len(p.vertices):
                msg = f"{field}: a face of the {ft.upper()} file refers to vertex {hi if hi >= len(p.vertices) else lo}, but there are {len(p.vertices)} vertices"
                raise DecodeError(msg)
