"""One logged value -> what the page draws (a small JSON "item"), writing the files it needs into
the site: media copied (verified by hash), thumbnails rendered with :func:`mediakit.thumbnail`,
and file payloads (tables, Plotly figures, 3-D files, molecules, HTML) as lazily loaded data
scripts, because a page opened from ``file://`` cannot ``fetch``.

Every descriptor is validated first; a value that fails becomes ``{"t": "error", "msg": ...}``
naming the problem, and nothing it names is read.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from .._descriptor import validate
from .._errors import MediakitError
from ..geometry import box_pixels
from ..palette import color_for

#: Long side of pre-rendered thumbnails (images larger than this get one; drawn kinds always).
THUMB = 384
#: Files above this are not embedded for the interactive views (the thumbnail stays).
MAX_EMBED = 64 << 20
#: Video formats Chromium does not play (the page also asks the browser: canPlayType).
NOT_IN_CHROMIUM = {"ogv": "Theora video (.ogv) does not play in Chrome or Edge (support was removed in Chromium 123); Firefox plays it."}


def hexcolor(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def js_literal(value: Any) -> str:
    """JSON that is safe inside a <script> file (no ``</script>``, no HTML comment openers)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class Writer:
    """Writes into the site folder, once per content (everything is keyed by sha256)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._done: set[str] = set()
        self.kinds: set[str] = set()  # item types written (which scripts the site needs)

    def data(self, rel: str, ident: str, value: Any) -> None:
        """``rel`` (under data/) as a script calling ``MKG.d(ident, value)``."""
        path = self.out / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"MKG.d({js_literal(ident)},{js_literal(value)});\n", encoding="utf-8")

    def copy_media(self, root: Path, desc: dict[str, Any]) -> str:
        """Copy a descriptor's file into the site (verified by size and sha256); its site path."""
        rel = desc["path"]
        if rel in self._done:
            return rel
        src, dst = root / rel, self.out / rel
        if not src.is_file():
            msg = f"path: the file {rel} is missing from {root}"
            raise MediakitError(msg)
        if src.resolve() != dst.resolve():
            data = src.read_bytes()
            if len(data) != desc.get("size", len(data)) or hashlib.sha256(data).hexdigest() != desc["sha256"]:
                msg = f"sha256: the file {rel} does not match its descriptor (changed or damaged since it was logged)"
                raise MediakitError(msg)
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(dst.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, dst)
        self._done.add(rel)
        return rel

    def thumb(self, root: Path, desc: dict[str, Any]) -> str | None:
        """A thumbnail rendered with mk.thumbnail (None when the kind cannot be drawn)."""
        from ..api import thumbnail
        from ..store import LocalStore

        key = hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:32]
        rel = f"thumbs/{key[:2]}/{key}.png"
        if rel not in self._done:
            try:
                png = thumbnail(desc, LocalStore(root), size=THUMB)
            except MediakitError:
                return None
            path = self.out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
            self._done.add(rel)
        return rel

    def payload(self, ident: str, make: Any) -> str:
        """A data script ``data/f/<id>.js`` holding ``make()`` (made once); returns its id."""
        if ident not in self._done:
            self.data(f"f/{ident[:2]}/{ident}.js", ident, make())
            self._done.add(ident)
        return ident


def item(value: Any, root: Path, w: Writer, *, depth: int = 0) -> dict[str, Any]:
    """The page's view of one logged value."""
    out = _item(value, root, w, depth)
    w.kinds.add(out["t"])
    return out


def _item(value: Any, root: Path, w: Writer, depth: int) -> dict[str, Any]:
    from ._source import Bad

    if isinstance(value, Bad):
        return {"t": "error", "msg": value.message}
    if value is None or isinstance(value, (bool, str)):
        return {"t": "text", "value": value}
    if isinstance(value, (int, float)):
        return {"t": "scalar", "value": value if math.isfinite(value) else str(value)}
    if not isinstance(value, dict) or "_type" not in value:
        return {"t": "json", "value": value}
    try:
        desc = validate(value)
        return _KINDS.get(desc["_type"], _other)(desc, root, w, depth)
    except MediakitError as e:
        return {"t": "error", "kind": value.get("_type"), "msg": str(e)}


def _image(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    src = w.copy_media(root, d)
    width, height = d["width"], d["height"]
    out: dict[str, Any] = {"t": "image", "src": src, "w": width, "h": height, "caption": d.get("caption")}
    if max(width, height) > THUMB:
        plain = {k: v for k, v in d.items() if k not in ("masks", "boxes")}
        out["thumb"] = w.thumb(root, plain)
    masks = []
    for name, m in sorted((d.get("masks") or {}).items()):
        labels = {int(k): v for k, v in (m.get("class_labels") or {}).items()}
        ids, url = _mask_ids(root, m, w)
        classes = [[i, labels.get(i, f"class {i}"), hexcolor(color_for(i))] for i in ids if i != 0]
        masks.append({"name": name, "data": url, "classes": classes})
    boxes = []
    for name, g in sorted((d.get("boxes") or {}).items()):
        labels = {int(k): v for k, v in (g.get("class_labels") or {}).items()}
        rows, used = [], set()
        for b in g["box_data"]:
            x0, y0, x1, y1 = box_pixels(b, width, height)
            cid = b.get("class_id", 0)
            used.add(cid)
            rows.append([round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2), cid, b.get("box_caption"), b.get("scores") or {}])
        classes = [[i, labels.get(i, f"class {i}"), hexcolor(color_for(i))] for i in sorted(used | set(labels))]
        boxes.append({"name": name, "boxes": rows, "classes": classes})
    if masks:
        out["masks"] = masks
    if boxes:
        out["boxes"] = boxes
    return out


def _mask_ids(root: Path, m: dict[str, Any], w: Writer) -> tuple[list[int], str]:
    """The class ids of a mask and the mask as an id-coded RGBA PNG data URL (R = id & 255,
    G = id >> 8, A = 255): data URLs do not taint a canvas, so the page colours it per class."""
    import numpy as np
    from PIL import Image as PILImage

    w.copy_media(root, m)  # verifies the hash
    with PILImage.open(root / m["path"]) as im:
        ids = np.asarray(im).astype(np.int64)
    if ids.ndim == 3:
        ids = ids[..., 0]
    rgba = np.zeros((*ids.shape, 4), np.uint8)
    rgba[..., 0] = ids & 255
    rgba[..., 1] = (ids >> 8) & 255
    rgba[..., 3] = 255
    buf = io.BytesIO()
    PILImage.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=False, compress_level=6)
    return sorted(int(i) for i in np.unique(ids)), "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _list(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    return {"t": "list", "count": d["count"], "items": [item(x, root, w, depth=depth + 1) for x in d["items"]]}


def _audio(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    return {"t": "audio", "src": w.copy_media(root, d), "mime": d["media_type"], "thumb": w.thumb(root, d),
            "caption": d.get("caption"), "duration": d.get("duration"), "format": d.get("format")}  # fmt: skip


def _video(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    fmt = d.get("format")
    out = {"t": "video", "src": w.copy_media(root, d), "mime": d["media_type"], "thumb": w.thumb(root, d),
           "caption": d.get("caption"), "format": fmt, "w": d.get("width"), "h": d.get("height")}  # fmt: skip
    if fmt in NOT_IN_CHROMIUM:
        out["note"] = NOT_IN_CHROMIUM[fmt]
    return out


def _html(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    rel = w.copy_media(root, d)
    ident = w.payload(d["sha256"], lambda: (w.out / rel).read_text(encoding="utf-8", errors="replace"))
    return {"t": "html", "file": ident, "title": d.get("title")}


def _plotly(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    rel = w.copy_media(root, d)
    ident = w.payload(d["sha256"], lambda: json.loads((w.out / rel).read_text(encoding="utf-8")))
    return {"t": "plotly", "file": ident, "thumb": w.thumb(root, d), "caption": d.get("caption")}


def _histogram(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    return {"t": "histogram", "bins": d["bins"], "values": d["values"]}


def _tensor(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    stats = {k: d[k] for k in ("dtype", "shape", "count", "min", "max", "mean", "var", "nonfinite", "percentiles") if k in d}
    h = d.get("histogram")
    return {"t": "tensor", "stats": stats, **({"bins": h["bins"], "values": h["values"]} if h else {})}


def _chart(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    from ._tables import rows_as_records

    spec = d["spec"]
    out: dict[str, Any] = {"t": "chart", "spec": spec, "thumb": None}
    table = d.get("table")
    if table is not None:
        validate(table)
        w.copy_media(root, table)
        out["file"] = w.payload("r" + table["sha256"], lambda: rows_as_records(root, table, w))
    return out


def _table(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    from ._tables import table_item

    return table_item(d, root, w, lambda v: item(v, root, w, depth=depth + 1))


def _molecule(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    from ._threed import molecule_payload

    rel = w.copy_media(root, d)
    out: dict[str, Any] = {"t": "molecule", "thumb": w.thumb(root, d), "caption": d.get("caption"),
                           "atoms": d.get("atoms"), "format": d.get("format")}  # fmt: skip
    if d["size"] <= MAX_EMBED:
        out["file"] = w.payload("m" + d["sha256"], lambda: molecule_payload(w.out / rel, d["format"]))
    return out


def _object3d(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    rel = w.copy_media(root, d)
    out: dict[str, Any] = {"t": "object3d", "thumb": w.thumb(root, d), "caption": d.get("caption"), "format": d["format"],
                           "geometry": d.get("geometry"), "up": d.get("up_axis", "y"), "boxes": d.get("boxes") or [],
                           "vectors": d.get("vectors") or []}  # fmt: skip
    if d["size"] <= MAX_EMBED:
        out["file"] = w.payload(d["sha256"], lambda: base64.b64encode((w.out / rel).read_bytes()).decode())
    return out


def _number(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    return {"t": "scalar", "value": str(d.get("value"))}


def _other(d: dict[str, Any], root: Path, w: Writer, depth: int) -> dict[str, Any]:
    """A plugin kind (or one the gallery has no view for): its thumbnail and its fields."""
    return {"t": "other", "kind": d["_type"], "thumb": w.thumb(root, d), "fields": {k: v for k, v in d.items() if not isinstance(v, (dict, list))}}


_KINDS = {
    "audio": _audio,
    "chart": _chart,
    "histogram": _histogram,
    "html": _html,
    "image": _image,
    "list": _list,
    "molecule": _molecule,
    "number": _number,
    "object3d": _object3d,
    "plotly": _plotly,
    "table": _table,
    "tensor": _tensor,
    "video": _video,
}
