"""Chart thumbnails: the descriptor's Vega-Lite spec rendered with its table's rows.

Backend: vl-convert-python (``pip install 'mediakit[plot]'``), Vega-Lite 5.21 bundled: no browser,
no network (``allowed_base_urls=[]`` refuses every external URL a hostile spec might name). Above
:data:`MAX_RENDER_POINTS` rows the data is thinned deterministically per series (every k-th point,
first and last kept) so a thumbnail stays well under a second.

Specs are untrusted: :func:`safe_spec` clamps every numeric layout property (:data:`LAYOUT_BOUNDS`)
and refuses generators beyond :data:`MAX_GENERATED` rows before rendering, and vl-convert runs in
a worker process with time and memory limits (:mod:`._vlworker`), so whatever a spec makes the
renderer do, the caller gets a :class:`LimitError` or :class:`DecodeError`, never a dead process.
"""

from __future__ import annotations

import copy
import io
import json
import math
from typing import Any

from PIL import Image as PILImage

from .._errors import DecodeError, LimitError
from .._lazy import available, require
from .._limits import Limits
from ..formats.jsondoc import check_depth
from ..formats.jsontable import parse_json_table
from ..kinds.chart import DATASET, MAX_SPEC_BYTES, records
from ..store import Store
from ._vlworker import render_png

VL_VERSION = "5.21"
MAX_RENDER_POINTS = 10_000
MAX_VIEW_SIDE = 2_000
_SERIES_FIELDS = ("class", "stroke", "lineKey", "color")


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    if not available("vl_convert"):
        require("vl_convert", extra="plot", feature="Chart thumbnails")  # raises the install hint
    rows = chart_records(desc, store, limits)
    spec = thumbnail_view(safe_spec(desc["spec"], limits))
    spec["datasets"] = {DATASET: rows}
    # Drawn at the thumbnail's size (the long side is ``size``): a first pass at scale 1 gives
    # the chart's natural size, a second draws it at the scale that fills ``size`` exactly.
    im = _draw(spec, 1.0, limits)
    if max(im.size) != size:
        # Rounded up a little: Vega rounds the canvas down; api.finish trims a pixel over.
        im = _draw(spec, min((size + 0.9) / max(im.size), 8.0), limits)
    return im


def _draw(spec: dict[str, Any], scale: float, limits: Limits) -> PILImage.Image:
    png = render_png(spec, scale, limits)
    try:
        im = PILImage.open(io.BytesIO(png))
    except Exception as e:
        msg = f"spec: the chart renderer returned no image ({type(e).__name__})"
        raise DecodeError(msg) from None
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
    cap = min(limits.max_file_bytes, limits.max_json_bytes)
    if ref["size"] > cap:
        msg = f"table.path: table file of {ref['size']:,} bytes is larger than the {cap:,} bytes a thumbnail reads (max_json_bytes)"
        raise LimitError(msg)
    blob = store.read(ref["path"])
    check_depth(blob, "table.path", limits.max_json_depth)
    doc = parse_json_table(blob, field="table.path")
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


#: Most rows a spec may generate itself (``sequence`` data, impute ``keyvals``) or hold inline.
MAX_GENERATED = 100_000
#: Bounds for numeric layout properties, by key (exact name or suffix): a hostile ``padding``,
#: ``fontSize`` or ``step`` otherwise sizes the canvas (``padding: 1e6`` asks for a 16 TB image).
_FONT = (0.0, 200.0)
_PAD = (-200.0, 200.0)
_OFFSET = (-1000.0, 1000.0)
_SIDE = (0.0, float(MAX_VIEW_SIDE))
_AREA = (0.0, 10_000.0)
_COUNT = (0.0, 1000.0)
LAYOUT_EXACT: dict[str, tuple[float, float]] = {
    "fontSize": _FONT, "padding": _PAD, "spacing": _PAD, "dx": _OFFSET, "dy": _OFFSET, "offset": _OFFSET,
    "width": _SIDE, "height": _SIDE, "step": (0.0, 200.0), "size": (0.0, 2500.0), "strokeWidth": (0.0, 100.0),
    "radius": _SIDE, "radius2": _SIDE, "innerRadius": _SIDE, "outerRadius": _SIDE, "thickness": _SIDE,
    "x": (-4.0 * MAX_VIEW_SIDE, 4.0 * MAX_VIEW_SIDE), "y": (-4.0 * MAX_VIEW_SIDE, 4.0 * MAX_VIEW_SIDE),
    "x2": (-4.0 * MAX_VIEW_SIDE, 4.0 * MAX_VIEW_SIDE), "y2": (-4.0 * MAX_VIEW_SIDE, 4.0 * MAX_VIEW_SIDE),
    "maxbins": (1.0, 1000.0), "tickCount": _COUNT, "columns": _COUNT, "symbolLimit": _COUNT,
    "binSpacing": _SIDE, "tickSize": (0.0, 100.0), "gridDash": (0.0, 1000.0), "strokeDash": (0.0, 1000.0), "strokeDashOffset": _OFFSET, "limit": (0.0, 10.0 * MAX_VIEW_SIDE),
}  # fmt: skip
LAYOUT_SUFFIXES: tuple[tuple[str, tuple[float, float]], ...] = (
    ("FontSize", _FONT), ("Padding", _PAD), ("Offset", _OFFSET), ("Width", _SIDE), ("Height", _SIDE),
    ("Size", _AREA), ("Radius", _SIDE), ("Length", _SIDE), ("Thickness", _SIDE), ("Limit", (0.0, 10.0 * MAX_VIEW_SIDE)),
    ("Spacing", _PAD), ("Dx", _OFFSET), ("Dy", _OFFSET), ("X", (-4.0 * MAX_VIEW_SIDE, 4.0 * MAX_VIEW_SIDE)),
    ("Y", (-4.0 * MAX_VIEW_SIDE, 4.0 * MAX_VIEW_SIDE)),
)  # fmt: skip
#: Keys whose values are data (records, domains, filter operands): never clamped.
_DATA_KEYS = frozenset({"values", "datum", "domain", "equal", "oneOf", "range", "init", "value", "lt", "lte", "gt", "gte",
                        "sort", "in", "field", "fields", "as", "groupby", "extent", "keyvals", "format", "scheme"})  # fmt: skip


def layout_bounds(key: str) -> tuple[float, float] | None:
    """The ``(low, high)`` a numeric layout property ``key`` is clamped to, or ``None``."""
    b = LAYOUT_EXACT.get(key)
    if b is None:
        b = next((v for suffix, v in LAYOUT_SUFFIXES if key.endswith(suffix) and key != suffix), None)
    return b


def _clamp(v: Any, lo: float, hi: float) -> Any:
    """A number, list of numbers, padding object or ``{"expr": ...}`` brought within bounds."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        if not math.isfinite(v):
            return lo if v < 0 else hi
        return v if lo <= v <= hi else (lo if v < lo else hi)
    if isinstance(v, list):
        return [_clamp(x, lo, hi) for x in v]
    if isinstance(v, dict):
        if isinstance(v.get("expr"), str):
            return {**v, "expr": f"clamp(+({v['expr']}), {lo:g}, {hi:g})"}
        if set(v) <= {"top", "bottom", "left", "right"}:
            return {k: _clamp(x, lo, hi) for k, x in v.items()}
    return v


def _generated(d: dict[str, Any], path: str) -> None:
    """Refuse a ``{start, stop, step}`` generator of more than :data:`MAX_GENERATED` values."""
    try:
        n = abs((float(d.get("stop", 0)) - float(d.get("start", 0))) / float(d.get("step", 1) or 1))
    except (TypeError, ValueError, OverflowError):
        n = math.inf
    if not n <= MAX_GENERATED:
        msg = f"{path}: generates more than {MAX_GENERATED:,} values; a chart's data belongs in its table"
        raise LimitError(msg)


def safe_spec(spec: Any, limits: Limits) -> dict[str, Any]:
    """A copy of an untrusted spec whose layout and generated data are bounded: every numeric
    layout property (:func:`layout_bounds`, expressions included) is clamped, and generators
    (``sequence``, impute ``keyvals``) and inline ``values`` beyond :data:`MAX_GENERATED` rows are
    a :class:`LimitError`. Data (records, domains, filter operands) is left as it is."""
    if len(json.dumps(spec, separators=(",", ":"))) > MAX_SPEC_BYTES:
        msg = f"spec: more than {MAX_SPEC_BYTES:,} bytes of JSON"
        raise LimitError(msg)
    out = copy.deepcopy(spec)
    out.pop("datasets", None)
    out["data"] = {"name": DATASET}
    cap = min(MAX_GENERATED, limits.max_points)

    def walk(v: Any, path: str) -> None:
        if isinstance(v, dict):
            for key in ("sequence", "keyvals"):
                if isinstance(v.get(key), dict):
                    _generated(v[key], f"{path}.{key}")
            vals = v.get("values")
            if isinstance(vals, list) and len(vals) > cap:
                msg = f"{path}.values: more than {cap:,} inline values"
                raise LimitError(msg)
            for k, x in v.items():
                if not isinstance(k, str) or k in _DATA_KEYS:
                    continue
                b = layout_bounds(k)
                if b is not None:
                    v[k] = x = _clamp(x, *b)
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")

    walk(out, "spec")
    return out
