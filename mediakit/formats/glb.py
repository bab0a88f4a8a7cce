"""GLB (``.glb``): binary glTF 2.0, the container meshes are stored in. Read (header, chunk
layout, JSON) and written here with the standard library; its meshes are read through trimesh
(:mod:`mediakit.formats.scene`)."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from .._arrays import warn_user
from .._errors import DecodeError, LimitError, shown
from . import jsondoc
from ._spec import FormatSpec, Source

GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942


def read(blob: bytes, *, field: str = "data", warn: bool = True) -> tuple[dict[str, Any], bytes]:
    """Check a GLB container (header, chunk layout, JSON) and return its JSON and BIN chunk.
    With ``warn``, what the glTF validator would also reject (:func:`check`) is a warning."""
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
                doc = jsondoc.loads(body.decode("utf-8"), field=field, what="GLB JSON chunk")
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                msg = f"{field}: GLB JSON chunk is not valid JSON ({e})"
                raise DecodeError(msg) from None
        elif ctype == _CHUNK_BIN and not bin_chunk:
            bin_chunk = body
        pos += 8 + clen
    if not isinstance(doc, dict) or not isinstance(doc.get("asset"), dict):
        msg = f"{field}: GLB JSON has no 'asset' object; not a glTF 2.0 document"
        raise DecodeError(msg)
    check_nodes(doc, field)
    if warn:
        problems, _ = check(doc, bin_chunk)
        if problems:
            warn_user(
                f"{field}: the glTF validator would reject this model ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''}): {summary(problems)}; viewers may show it wrongly or not at all"
            )
    return doc, bin_chunk


def write(doc: dict[str, Any], bin_chunk: bytes) -> bytes:
    """Assemble a GLB: JSON chunk padded with spaces, BIN chunk padded with zeros."""
    js = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    js += b" " * (-len(js) % 4)
    out = [struct.pack("<II", len(js), _CHUNK_JSON), js]
    if bin_chunk:
        b = bin_chunk + b"\x00" * (-len(bin_chunk) % 4)
        out += [struct.pack("<II", len(b), _CHUNK_BIN), b]
    body = b"".join(out)
    return GLB_MAGIC + struct.pack("<II", 2, 12 + len(body)) + body


#: Most nodes in one glTF document (trimesh spends about a millisecond per node instance between
#: loading, counting and drawing), and the deepest chain of parents a node may have.
MAX_NODES = 10_000
MAX_NODE_DEPTH = 1_000


def check_nodes(doc: dict[str, Any], field: str = "data") -> None:
    """Check that the node graph is what glTF 2.0 requires before trimesh walks it: a set of
    disjoint trees (no cycle, no node its own child, one parent per node), scenes listing root
    nodes once each, at most :data:`MAX_NODES` nodes and :data:`MAX_NODE_DEPTH` levels.

    trimesh loops on a cycle until it gives up with a ``ValueError``, and a node with several
    parents is drawn once per path to it (exponentially many for a lattice of shared children).
    """
    nodes = doc.get("nodes", [])
    if not isinstance(nodes, list):
        msg = f"{field}: nodes: expected a list of node objects, got {type(nodes).__name__}"
        raise DecodeError(msg)
    n = len(nodes)
    if n > MAX_NODES:
        msg = f"{field}: nodes: {n:,} nodes are more than the {MAX_NODES:,} a model may have; merge meshes that share a transform"
        raise LimitError(msg)
    parent = [-1] * n
    children: list[list[int]] = []
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            msg = f"{field}: nodes[{i}]: expected an object, got {type(node).__name__}"
            raise DecodeError(msg)
        kids = node.get("children", [])
        if not isinstance(kids, list):
            msg = f"{field}: nodes[{i}].children: expected a list of node indices, got {type(kids).__name__}"
            raise DecodeError(msg)
        for c in kids:
            if type(c) is not int or not 0 <= c < n:
                msg = f"{field}: nodes[{i}].children: {shown(c, 20)} is not a node index (0 to {n - 1})"
                raise DecodeError(msg)
            if c == i:
                msg = f"{field}: nodes[{i}].children: the node lists itself as a child; the node graph must be a set of trees"
                raise DecodeError(msg)
            if parent[c] != -1:
                msg = f"{field}: nodes[{i}].children: node {c} is already a child of node {parent[c]}; a glTF node has at most one parent"
                raise DecodeError(msg)
            parent[c] = i
        children.append(kids)
    # Breadth first from the roots: a node never reached sits on (or under) a cycle.
    depth = [-1] * n
    level = [i for i in range(n) if parent[i] == -1]
    d = 0
    while level:
        for i in level:
            depth[i] = d
        level = [c for i in level for c in children[i]]
        d += 1
        if level and d > MAX_NODE_DEPTH:
            msg = f"{field}: nodes[{parent[level[0]]}].children: the node tree is deeper than {MAX_NODE_DEPTH:,} levels; flatten it"
            raise LimitError(msg)
    if -1 in depth:
        k = depth.index(-1)
        seen = set()
        while k not in seen:  # climb to a node on the cycle
            seen.add(k)
            k = parent[k]
        msg = f"{field}: nodes[{parent[k]}].children: node {k} is its own ancestor (a cycle in the node graph); the node graph must be a set of trees"
        raise DecodeError(msg)
    scenes = doc.get("scenes", [])
    if not isinstance(scenes, list):
        msg = f"{field}: scenes: expected a list of scene objects, got {type(scenes).__name__}"
        raise DecodeError(msg)
    for s, scene in enumerate(scenes):
        roots = scene.get("nodes", []) if isinstance(scene, dict) else None
        if not isinstance(roots, list):
            msg = f"{field}: scenes[{s}]: expected an object with a list of root node indices 'nodes'"
            raise DecodeError(msg)
        listed: set[int] = set()
        for k in roots:
            if type(k) is not int or not 0 <= k < n:
                msg = f"{field}: scenes[{s}].nodes: {shown(k, 20)} is not a node index (0 to {n - 1})"
                raise DecodeError(msg)
            if k in listed:
                msg = f"{field}: scenes[{s}].nodes: node {k} is listed twice; list each root node once"
                raise DecodeError(msg)
            if parent[k] != -1:
                msg = f"{field}: scenes[{s}].nodes: node {k} is a child of node {parent[k]}; a scene lists root nodes only"
                raise DecodeError(msg)
            listed.add(k)
    default = doc.get("scene")
    if default is not None and (type(default) is not int or not 0 <= default < len(scenes)):
        msg = f"{field}: scene: {shown(default, 20)} is not a scene index ({len(scenes)} scenes)"
        raise DecodeError(msg)


def gltf_counts(doc: dict[str, Any]) -> dict[str, Any]:
    """Vertices and faces a glTF document declares (each mesh once, from its accessors: POSITION
    counts, and indices / 3 or POSITION / 3 for triangle primitives; instancing not counted)."""
    acc = doc.get("accessors") or []

    def count(i: Any) -> int:
        a = acc[i] if isinstance(i, int) and 0 <= i < len(acc) and isinstance(acc[i], dict) else {}
        c = a.get("count", 0)
        return c if isinstance(c, int) else 0

    vertices = faces = points = 0
    for mesh in doc.get("meshes") or []:
        for prim in (mesh.get("primitives") or []) if isinstance(mesh, dict) else []:
            if not isinstance(prim, dict):
                continue
            n = count((prim.get("attributes") or {}).get("POSITION"))
            mode = prim.get("mode", 4)
            if mode == 0:
                points += n
            else:
                vertices += n
                if mode == 4:
                    faces += (count(prim["indices"]) if "indices" in prim else n) // 3
    return {"meshes": len(doc.get("meshes") or []), "vertices": vertices, "faces": faces, "points": points}


# -- the Khronos validator's cheap checks ---------------------------------------------------------------

_COMPONENT = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
#: Problems named in one warning (a broken exporter repeats the same one for every accessor).
MAX_LISTED = 5


def _accessor_data(acc: dict[str, Any], views: list[Any], bin_chunk: bytes, readable: set[int]) -> np.ndarray | None:
    """An accessor's elements ``(count, width)`` read from the BIN chunk, or None when it is
    sparse, its view is not in the BIN chunk, or it is a matrix (whose columns may be padded)."""
    dtype, width = _COMPONENT[acc["componentType"]], _WIDTH[acc["type"]]
    if "sparse" in acc or acc["type"].startswith("MAT") or acc.get("bufferView") not in readable:
        return None
    view = views[acc["bufferView"]]
    size = np.dtype(dtype).itemsize
    stride = view.get("byteStride") or size * width
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    if start % size:
        return None  # misaligned: reported, not read
    return np.ndarray((acc["count"], width), dtype=dtype, buffer=bin_chunk, offset=start, strides=(stride, size))


def _same(declared: Any, actual: list[Any], floats: bool) -> bool:
    """Whether a declared min or max is the data's (floats compared as float32, as stored)."""
    if not isinstance(declared, list) or len(declared) != len(actual):
        return False
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in declared):
        return False
    if floats:
        with np.errstate(over="ignore"):
            return bool(np.array_equal(np.asarray(declared, np.float64).astype(np.float32), np.asarray(actual, np.float32)))
    return declared == actual


def check(doc: dict[str, Any], bin_chunk: bytes, *, fix: bool = False) -> tuple[list[str], list[str]]:
    """What the Khronos glTF validator would report and can be checked cheaply on a GLB's JSON
    and BIN chunk: buffer views inside the buffer, accessors inside their views, accessor
    ``min``/``max`` equal to the data's (required on ``POSITION``), indices below the vertex
    count, equal attribute counts per primitive. Returns ``(problems, fixed)``; with ``fix``,
    wrong or missing ``min``/``max`` are replaced in ``doc`` by the data's and listed in ``fixed``."""
    problems: list[str] = []
    fixed: list[str] = []
    buffers = doc.get("buffers") or []
    views = doc.get("bufferViews") or []
    accessors = doc.get("accessors") or []
    if not all(isinstance(x, dict) for x in (*buffers, *views, *accessors)):
        return ["buffers, bufferViews and accessors must be objects"], []
    readable: set[int] = set()  # views inside the BIN chunk
    bad_views: set[int] = set()
    for j, view in enumerate(views):
        b, length, offset = view.get("buffer"), view.get("byteLength"), view.get("byteOffset", 0)
        if not (isinstance(b, int) and 0 <= b < len(buffers) and isinstance(length, int) and isinstance(offset, int)):
            problems.append(f"bufferViews[{j}]: no valid buffer, byteOffset and byteLength")
            bad_views.add(j)
            continue
        in_bin = b == 0 and "uri" not in buffers[0]
        have = len(bin_chunk) if in_bin else buffers[b].get("byteLength", 0)
        stride = view.get("byteStride")
        if offset < 0 or length < 1 or offset + length > have:
            problems.append(f"bufferViews[{j}]: bytes {offset}..{offset + length} lie outside buffers[{b}] ({have} bytes)")
            bad_views.add(j)
        elif stride is not None and not (isinstance(stride, int) and 4 <= stride <= 252 and stride % 4 == 0):
            problems.append(f"bufferViews[{j}]: byteStride {shown(stride)} is not a multiple of 4 from 4 to 252")
            bad_views.add(j)
        elif in_bin:
            readable.add(j)
    sound: set[int] = set()
    for i, acc in enumerate(accessors):
        ctype, atype, count = acc.get("componentType"), acc.get("type"), acc.get("count")
        if ctype not in _COMPONENT or atype not in _WIDTH or not isinstance(count, int) or count < 1:
            problems.append(f"accessors[{i}]: invalid componentType, type or count")
            continue
        v = acc.get("bufferView")
        if v is None:
            continue
        if not isinstance(v, int) or not 0 <= v < len(views) or v in bad_views:
            problems.append(f"accessors[{i}]: bufferView {shown(v)} is not a valid buffer view")
            continue
        size, width = np.dtype(_COMPONENT[ctype]).itemsize, _WIDTH[atype]
        view = views[v]
        stride = view.get("byteStride") or size * width
        offset = acc.get("byteOffset", 0)
        end = offset + (count - 1) * stride + size * width
        if not isinstance(offset, int) or offset < 0 or offset % size or (view.get("byteOffset", 0) + offset) % size:
            problems.append(f"accessors[{i}]: byteOffset {shown(offset)} is not aligned to its {size}-byte components")
        elif stride < size * width:
            problems.append(f"accessors[{i}]: bufferViews[{v}].byteStride {stride} is less than its {size * width}-byte elements")
        elif end > view["byteLength"]:
            problems.append(f"accessors[{i}]: {count} elements need {end} bytes of bufferViews[{v}], which has {view['byteLength']}")
        else:
            sound.add(i)
    positions = {
        p["attributes"]["POSITION"]
        for mesh in doc.get("meshes") or [] if isinstance(mesh, dict)
        for p in mesh.get("primitives") or [] if isinstance(p, dict) and isinstance(p.get("attributes"), dict)
        and isinstance(p["attributes"].get("POSITION"), int)
    }  # fmt: skip
    for i in sorted(sound):
        acc = accessors[i]
        declared = "min" in acc or "max" in acc or i in positions
        data = _accessor_data(acc, views, bin_chunk, readable) if declared else None
        if data is None:
            continue
        if acc["componentType"] == 5126 and not np.isfinite(data).all():
            problems.append(f"accessors[{i}]: holds NaN or infinite values")
            continue
        lo, hi = data.min(axis=0).tolist(), data.max(axis=0).tolist()
        floats = acc["componentType"] == 5126
        if _same(acc.get("min"), lo, floats) and _same(acc.get("max"), hi, floats):
            continue
        what = f"accessors[{i}]{' (POSITION)' if i in positions else ''}"
        if "min" not in acc or "max" not in acc:
            text = f"{what}: no min/max (required for POSITION)"
        else:
            text = f"{what}: min/max {acc['min']}/{acc['max']} differ from the data's {lo}/{hi}"
        if fix:
            acc["min"], acc["max"] = lo, hi
            fixed.append(text)
        else:
            problems.append(text)
    for m, mesh in enumerate(doc.get("meshes") or []):
        for k, prim in enumerate((mesh.get("primitives") or []) if isinstance(mesh, dict) else []):
            attrs = prim.get("attributes") if isinstance(prim, dict) else None
            if not isinstance(attrs, dict):
                continue
            counts = {accessors[a]["count"] for a in attrs.values() if isinstance(a, int) and a in sound}
            if len(counts) > 1:
                problems.append(f"meshes[{m}].primitives[{k}]: its attributes have different counts {sorted(counts)}")
            ind, pos = prim.get("indices"), attrs.get("POSITION")
            if isinstance(ind, int) and ind in sound and isinstance(pos, int) and pos in sound:
                data = _accessor_data(accessors[ind], views, bin_chunk, readable)
                if data is not None and data.size and int(data.max()) >= accessors[pos]["count"]:
                    problems.append(f"meshes[{m}].primitives[{k}]: index {int(data.max())} is past the last vertex ({accessors[pos]['count'] - 1})")
    return problems, fixed


def summary(items: list[str]) -> str:
    """The first :data:`MAX_LISTED` items joined, and how many more there are."""
    more = f"; and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return "; ".join(items[:MAX_LISTED]) + more


def probe(source: Any) -> dict[str, Any]:
    """Counts from the JSON chunk (no buffer is decoded)."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    doc, _ = read(src.read(), field=src.field, warn=False)
    return {"format": "glb", **gltf_counts(doc)}


SPEC = FormatSpec(
    name="glb",
    kinds=("object3d",),
    suffixes=(".glb",),
    media_type="model/gltf-binary",
    magic=(GLB_MAGIC,),
    probe=probe,
    converts_to=("glb", "obj", "off", "ply", "stl"),
    description="Binary glTF 2.0",
)
