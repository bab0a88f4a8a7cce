"""Chart thumbnails: the descriptor's Vega-Lite spec rendered with its table's rows.

Backend: vl-convert-python (``pip install 'mediakit[plot]'``), Vega-Lite 5.21 bundled: no browser,
no network (``allowed_base_urls=[]`` refuses every external URL a hostile spec might name). Above
:data:`MAX_RENDER_POINTS` rows the data is thinned deterministically per series (every k-th point,
first and last kept) so a thumbnail stays well under a second.
"""

from __future__ import annotations

import copy
import io
import json
import math
from typing import Any

from PIL import Image as PILImage

from .._errors import DecodeError, LimitError
from .._lazy import require
from .._limits import Limits
from ..formats.jsontable import parse_json_table
from ..kinds.chart import DATASET, MAX_SPEC_BYTES, records
from ..store import Store
from .table import MAX_RENDER_BYTES

VL_VERSION = "5.21"
MAX_RENDER_POINTS = 10_000
MAX_VIEW_SIDE = 2_000
_SERIES_FIELDS = ("class", "stroke", "lineKey", "color")


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    vlc = require("vl_convert", extra="plot", feature="Chart thumbnails")
    rows = chart_records(desc, store, limits)
    spec = thumbnail_view(safe_spec(desc["spec"], limits))
    spec["datasets"] = {DATASET: rows}
    # Drawn at the thumbnail's size (the long side is ``size``): a first pass at scale 1 gives
    # the chart's natural size, a second draws it at the scale that fills ``size`` exactly.
    im = _draw(vlc, spec, 1.0, limits)
    if max(im.size) != size:
        # Rounded up a little: Vega rounds the canvas down; api.finish trims a pixel over.
        im = _draw(vlc, spec, min((size + 0.9) / max(im.size), 8.0), limits)
    return im


def _draw(vlc: Any, spec: dict[str, Any], scale: float, limits: Limits) -> PILImage.Image:
    try:
        png = vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale, allowed_base_urls=[])
    except ValueError as e:
        msg = f"spec: Vega-Lite could not render the chart: {' '.join(str(e).split())[:300]}"
        raise DecodeError(msg) from None
    im = PILImage.open(io.BytesIO(png))
    w, h = im.size
    if w * h > limits.max_pixels or max(w, h) > limits.max_side:
        msg = f"spec: the chart renders at {w}x{h} pixels, beyond the limits"
        raise LimitError(msg)
    im.load()
    return im


#: What a thumbnail changes in a chart's spec: a compact view and larger text, so a chart read
#: at 256 px has legible titles, ticks and labels (the stored spec is untouched).
THUMB_VIEW = (260, 200)
THUMB_CONFIG: dict[str, dict[str, Any]] = {
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "titlePadding": 6, "labelLimit": 90},
    "legend": {"labelFontSize": 13, "titleFontSize": 13, "symbolSize": 120, "labelLimit": 90},
    "title": {"fontSize": 17, "anchor": "middle", "limit": 320},
    "header": {"labelFontSize": 13, "titleFontSize": 14},
    "text": {"fontSize": 14},
}


def thumbnail_view(spec: dict[str, Any]) -> dict[str, Any]:
    """A single-view (or layered) chart gets the compact :data:`THUMB_VIEW`; every chart gets
    larger fonts unless its own ``config`` sets them. Concatenated and faceted charts keep their
    layout."""
    if not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        w, h = THUMB_VIEW
        if "width" not in spec or isinstance(spec["width"], (int, float)):
            spec["width"] = w
        if "height" not in spec or isinstance(spec["height"], (int, float)):
            spec["height"] = h
    given = spec.get("config")
    config: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
    for group, values in THUMB_CONFIG.items():
        own = config.get(group)
        config[group] = {**values, **(own if isinstance(own, dict) else {})}
    spec["config"] = config
    return spec


def chart_records(desc: dict[str, Any], store: Store, limits: Limits) -> list[dict[str, Any]]:
    """The rows of a chart's table as Vega-Lite records, thinned above MAX_RENDER_POINTS."""
    tdesc = desc["table"]
    ref = tdesc["preview"] if tdesc["format"] == "parquet" else tdesc
    cap = min(limits.max_file_bytes, MAX_RENDER_BYTES)
    if ref["size"] > cap:
        msg = f"table.path: table file of {ref['size']:,} bytes is larger than the {cap:,} bytes a thumbnail reads"
        raise LimitError(msg)
    doc = parse_json_table(store.read(ref["path"]), field="table.path")
    rows = doc["data"]
    series = next((desc["fields"][k] for k in _SERIES_FIELDS if k in desc["fields"]), None)
    if len(rows) > MAX_RENDER_POINTS:
        rows = thin(rows, doc["columns"].index(series) if series in doc["columns"] else None, MAX_RENDER_POINTS)
    return records(doc["columns"], rows)


def thin(rows: list[list[Any]], group_col: int | None, budget: int) -> list[list[Any]]:
    """Every k-th row of each series (first and last kept), in the original order."""
    step = math.ceil(len(rows) / budget)
    groups: dict[Any, list[int]] = {}
    for i, r in enumerate(rows):
        key = json.dumps(r[group_col]) if group_col is not None else None
        groups.setdefault(key, []).append(i)
    keep: set[int] = set()
    for idx in groups.values():
        keep.update(idx[::step])
        keep.add(idx[-1])
    return [rows[i] for i in sorted(keep)]


def safe_spec(spec: Any, limits: Limits) -> dict[str, Any]:
    """A copy of an untrusted spec with bounded view sizes and generated data."""
    if len(json.dumps(spec, separators=(",", ":"))) > MAX_SPEC_BYTES:
        msg = f"spec: more than {MAX_SPEC_BYTES:,} bytes of JSON"
        raise LimitError(msg)
    out = copy.deepcopy(spec)
    out.pop("datasets", None)
    out["data"] = {"name": DATASET}

    def walk(v: Any, path: str) -> None:
        if isinstance(v, dict):
            for key in ("width", "height"):
                if isinstance(v.get(key), (int, float)) and not isinstance(v.get(key), bool) and v[key] > MAX_VIEW_SIDE:
                    v[key] = MAX_VIEW_SIDE
            seq = v.get("sequence")
            if isinstance(seq, dict):
                try:
                    n = abs((float(seq.get("stop", 0)) - float(seq.get("start", 0))) / float(seq.get("step", 1) or 1))
                except (TypeError, ValueError):
                    n = math.inf
                if not n <= limits.max_points:
                    msg = f"{path}.sequence: generates more than {limits.max_points:,} values"
                    raise LimitError(msg)
            vals = v.get("values")
            if isinstance(vals, list) and len(vals) > limits.max_points:
                msg = f"{path}.values: more than {limits.max_points:,} inline values"
                raise LimitError(msg)
            for k, x in v.items():
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")

    walk(out, "spec")
    return out
