"""GLB (``.glb``): binary glTF 2.0, the container meshes are stored in. Read (header, chunk
layout, JSON) and written here with the standard library; its meshes are read through trimesh
(:mod:`mediakit.formats.scene`)."""

from __future__ import annotations

import json
import struct
from typing import Any

from .._errors import DecodeError
from ._spec import FormatSpec, Source

GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942


def read(blob: bytes, *, field: str = "data") -> tuple[dict[str, Any], bytes]:
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


def probe(source: Any) -> dict[str, Any]:
    """Counts from the JSON chunk (no buffer is decoded)."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    doc, _ = read(src.read(), field=src.field)
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
