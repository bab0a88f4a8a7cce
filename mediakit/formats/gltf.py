"""glTF (``.gltf``): glTF 2.0 JSON with external or ``data:`` buffers and images. Never stored
as such: :func:`pack` turns it into one self-contained GLB without re-encoding anything
(extensions, animations and skins survive); references must stay beside the model."""

from __future__ import annotations

import base64
import json
import posixpath
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from .._arrays import warn_user
from .._errors import DecodeError, LimitError, ValidationError, shown
from . import jsondoc
from ._spec import FormatSpec, Source
from .glb import check as check_glb
from .glb import check_nodes, gltf_counts, summary
from .glb import write as write_glb

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
        msg = f"{field}: external reference {shown(uri)} is a URL; only files beside the model (or data: URIs) are read"
        raise ValidationError(msg)
    path = urllib.parse.unquote(uri).replace("\\", "/")
    norm = posixpath.normpath(path)
    if path.startswith("/") or (len(path) > 1 and path[1] == ":") or norm == ".." or norm.startswith("../") or "\x00" in path:
        msg = f"{field}: external reference {shown(uri)} points outside the model's folder; refused"
        raise LimitError(msg)
    return norm


def pack(text: bytes, resolve: Callable[[str], bytes] | None, *, field: str = "data", max_bytes: int) -> bytes:
    """A self-contained GLB from glTF JSON whose buffers and images are files or data URIs.

    ``resolve(relative_path) -> bytes`` reads files beside the ``.gltf`` (``None``: only data
    URIs are allowed). Buffers are concatenated (8-byte aligned) into the BIN chunk and images
    referenced by URI become buffer views; nothing is decoded or re-encoded. Accessor
    ``min``/``max`` that are not the data's are replaced by the data's, with a warning.
    """
    try:
        doc = jsondoc.loads(text.decode("utf-8-sig"), field=field, what="glTF JSON")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"{field}: not a glTF file: the JSON does not parse ({e})"
        raise DecodeError(msg) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("asset"), dict):
        msg = f"{field}: not a glTF 2.0 document (no 'asset' object)"
        raise DecodeError(msg)
    if not str(doc["asset"].get("version", "")).startswith("2"):
        msg = f"{field}: glTF asset.version must be 2.x, got {shown(doc['asset'].get('version'))}"
        raise DecodeError(msg)
    check_nodes(doc, field)
    total = 0

    def fetch(uri: Any, where: str) -> tuple[bytes, str | None]:
        nonlocal total
        if not isinstance(uri, str):
            msg = f"{field}: {where}.uri: expected a string, got {shown(uri)}"
            raise DecodeError(msg)
        if uri.lower().startswith("data:"):
            data, mime = _data_uri(uri, f"{field}: {where}.uri")
        else:
            rel = check_relative_uri(uri, f"{field}: {where}.uri")
            if resolve is None:
                msg = f"{field}: {where} refers to the file {shown(uri)}; pass the .gltf as a path so files beside it can be read"
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
            msg = f"{field}: buffers[{i}].byteLength is {shown(need)} but its data has {len(data)} bytes"
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
            msg = f"{field}: bufferViews[{j}].buffer {shown(b)} does not name a buffer"
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
    bin_chunk = b"".join(blobs)
    # Exporters often write accessor bounds that are not the data's (the glTF validator's
    # ACCESSOR_MIN/MAX_MISMATCH): the GLB written here carries the data's own. What cannot be
    # mended is reported when the GLB is read (glb.read).
    _, fixed = check_glb(doc, bin_chunk, fix=True)
    if fixed:
        warn_user(
            f"{field}: {len(fixed)} accessor{'s' if len(fixed) != 1 else ''} declared min/max that the glTF validator "
            f"rejects: {summary(fixed)}; the stored GLB has the data's values"
        )
    return write_glb(doc, bin_chunk)


def probe(source: Any) -> dict[str, Any]:
    """Counts from the JSON (no buffer is read)."""
    src = source if isinstance(source, Source) else Source(source, what="3-D")
    try:
        doc = jsondoc.loads(src.read().decode("utf-8-sig"), field=src.field, what="glTF JSON")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"{src.field}: not a glTF file: the JSON does not parse ({e})"
        raise DecodeError(msg) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("asset"), dict):
        msg = f"{src.field}: not a glTF 2.0 document (no 'asset' object)"
        raise DecodeError(msg)
    check_nodes(doc, src.field)
    return {"format": "gltf", **gltf_counts(doc)}


SPEC = FormatSpec(
    name="gltf",
    kinds=("object3d",),
    suffixes=(".gltf",),
    media_type="model/gltf+json",
    stored=False,
    probe=probe,
    converts_to=("glb", "obj", "off", "ply", "stl"),
    description="glTF 2.0 JSON (packed into GLB when stored)",
)
