"""Plotly thumbnails drawn by mediakit with Pillow: no browser, no kaleido, no plotly needed.

A static sketch of the figure's main axes: scatter/line traces (``scatter``, ``scattergl``),
bars (vertical and horizontal), histograms (binned with numpy) and heat maps, with the title, axis
titles and the value range on each axis. Categorical and date axes are placed in order; log axes
are honoured. Other trace types are counted in a note rather than drawn. Point counts are bounded
by ``limits.max_points``; long series are thinned (every k-th point) for drawing only.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from .._errors import DecodeError, LimitError
from .._limits import MAX_JSON_BYTES, Limits
from ..formats.jsondoc import check_depth
from ..kinds.plotly import check_figure, decode_array
from ..store import Store
from ._common import BACKGROUND, INK, ellipsize, fit, font, one_line

#: The default of ``Limits.max_json_bytes``: larger figures are not read for a thumbnail.
MAX_RENDER_BYTES = MAX_JSON_BYTES
MAX_DRAWN = 20_000
COLORWAY = ("#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52")
GRID = (225, 229, 235)
MUTED = (110, 118, 129)
_LINEAR = ("scatter", "scattergl", "bar", "histogram", "heatmap")


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    cap = min(limits.max_file_bytes, limits.max_json_bytes)
    if desc["size"] > cap:
        msg = f"path: plotly JSON of {desc['size']:,} bytes is larger than the {cap:,} bytes a thumbnail reads (max_json_bytes)"
        raise LimitError(msg)
    blob = store.read(desc["path"])
    check_depth(blob, "path", limits.max_json_depth)
    try:
        doc = check_figure(json.loads(blob, parse_constant=lambda _c: None), "path")
    except ValueError as e:
        if isinstance(e, (DecodeError, LimitError)):
            raise
        msg = f"path: not plotly JSON: {e}"
        raise DecodeError(msg) from None
    return sketch(doc, size, limits)


def _color(trace: dict[str, Any], i: int, colorway: tuple[str, ...]) -> str:
    for key in ("line", "marker"):
        c = trace.get(key, {}).get("color") if isinstance(trace.get(key), dict) else None
        if isinstance(c, str) and _valid_color(c):
            return c
    return colorway[i % len(colorway)]


def _valid_color(c: str) -> bool:
    from PIL import ImageColor

    try:
        ImageColor.getrgb(c)
    except ValueError:
        return False
    return True


class _Axis:
    """One axis: numeric, date or categorical values mapped to floats, optional log scale."""

    def __init__(self, kind: str) -> None:
        self.log = kind == "log"
        self.categories: dict[str, int] = {}
        self.dates = False
        self.lo, self.hi = np.inf, -np.inf

    def values(self, raw: Any) -> np.ndarray:
        if isinstance(raw, np.ndarray):
            arr = raw.astype(np.float64).reshape(-1)
        elif isinstance(raw, list):
            if raw and all((isinstance(v, (int, float)) and not isinstance(v, bool)) or v is None for v in raw):
                arr = np.array([np.nan if v is None else v for v in raw], dtype=np.float64)
            else:
                arr = self._text(raw)
        else:
            return np.zeros(0)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                arr = np.where(arr > 0, np.log10(arr), np.nan)
        return arr

    def _text(self, raw: list[Any]) -> np.ndarray:
        strs = ["" if v is None else str(v) for v in raw]
        try:
            if not self.categories:
                dates = np.array(strs, dtype="datetime64[ms]")
                self.dates = True
                return dates.astype(np.int64).astype(np.float64)
        except ValueError:
            pass
        out = np.empty(len(strs))
        for i, s in enumerate(strs):
            out[i] = self.categories.setdefault(s, len(self.categories))
        return out

    def include(self, arr: np.ndarray) -> None:
        fin = arr[np.isfinite(arr)]
        if fin.size:
            self.lo, self.hi = min(self.lo, float(fin.min())), max(self.hi, float(fin.max()))

    def span(self) -> tuple[float, float]:
        lo, hi = (self.lo, self.hi) if self.lo <= self.hi else (0.0, 1.0)
        if self.categories:
            lo, hi = min(lo, -0.5), max(hi, len(self.categories) - 0.5)
        if hi == lo:
            lo, hi = lo - 0.5, hi + 0.5
        pad = (hi - lo) * (0.06 if not self.categories else 0.0)  # room for the extreme markers
        return lo - pad, hi + pad

    def label(self, v: float) -> str:
        if self.dates:
            return str(np.datetime64(int(v), "ms"))[:10]
        return f"{10 ** v:.3g}" if self.log else f"{v:.4g}"


def sketch(doc: dict[str, Any], size: int, limits: Limits) -> PILImage.Image:
    """Draw a plotly figure document into an image that fits ``size``."""
    layout = doc.get("layout", {})
    lw, lh = layout.get("width"), layout.get("height")
    w0 = int(lw) if isinstance(lw, (int, float)) and not isinstance(lw, bool) and 50 <= lw <= 10_000 else 700
    h0 = int(lh) if isinstance(lh, (int, float)) and not isinstance(lh, bool) and 50 <= lh <= 10_000 else 450
    # Axes, labels and margins need room: small thumbnails are drawn at 128 px and scaled down.
    w, h = fit(w0, h0, max(size, 128))
    colorway = tuple(c for c in layout.get("colorway", []) if isinstance(c, str) and _valid_color(c)) or COLORWAY
    xa = _Axis(_axis_type(layout, "xaxis"))
    ya = _Axis(_axis_type(layout, "yaxis"))
    budget = limits.max_points
    series: list[tuple[str, dict[str, Any], np.ndarray, np.ndarray, Any]] = []
    skipped = 0
    for t in doc["data"]:
        kind = t.get("type", "scatter")
        if kind not in _LINEAR:
            skipped += 1
            continue
        got = _trace_points(kind, t, xa, ya, budget)
        if got is None:
            skipped += 1
            continue
        x, y, extra = got
        budget -= x.size
        series.append((kind, t, x, y, extra))
        xa.include(x)
        ya.include(y)
        if kind in ("bar", "histogram"):
            (ya if t.get("orientation", "v") != "h" else xa).include(np.zeros(1))
    im = PILImage.new("RGB", (w, h), BACKGROUND)
    d = ImageDraw.Draw(im)
    fs = max(8, min(w, h) // 22)
    f = font(fs)
    tfs = round(fs * 1.4)  # the title reads as a title, not as one more label
    tf = font(tfs)
    title = _text(layout.get("title"))
    r = max(2, fs // 4)  # marker radius: visible at every size
    top = (tfs + 10 if title else 6) + r
    (x0, x1), (y0, y1) = xa.span(), ya.span()
    ylabels = _ends(ya, y0, y1)
    yt = _text(_axis(layout, "yaxis").get("title"))
    left = int(max(d.textlength(t, font=f) for t in ylabels)) + 6 + (fs + 6 if yt else 0)
    left = min(left, w // 3)
    bottom, right = fs * 2 + 6, max(8, int(d.textlength(_ends(xa, x0, x1)[1], font=f) // 2))
    box = (left, top, w - right, h - bottom)
    if title:
        d.text((w // 2, 4), ellipsize(d, title, tf, w - 8), fill=INK, font=tf, anchor="ma")
    d.rectangle(box, outline=GRID)

    def px(xv: np.ndarray, yv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sx = box[0] + (xv - x0) / (x1 - x0) * (box[2] - box[0])
        sy = box[3] - (yv - y0) / (y1 - y0) * (box[3] - box[1])
        return sx, sy

    nbars = sum(1 for s in series if s[0] in ("bar", "histogram"))
    bar_i = 0
    for i, (kind, t, x, y, extra) in enumerate(series):
        color = _color(t, i, colorway)
        if kind == "heatmap":
            _heatmap(im, box, extra)
        elif kind in ("bar", "histogram"):
            _bars(d, t, x, y, extra, px, color, bar_i, nbars, box)
            bar_i += 1
        else:
            _scatter(d, t, x, y, px, color, r)
    d.rectangle(box, outline=MUTED)
    for axis, lo, hi, horizontal in ((xa, x0, x1, True), (ya, y0, y1, False)):
        (a, b), (pa, pb) = _ends(axis, lo, hi), _end_positions(axis, lo, hi)
        if horizontal:
            sa, sb = box[0] + pa * (box[2] - box[0]), box[0] + pb * (box[2] - box[0])
            d.line((sa, box[3], sa, box[3] + 3), fill=MUTED)
            d.line((sb, box[3], sb, box[3] + 3), fill=MUTED)
            for pos, label in ((sa, a), (sb, b)):
                half = d.textlength(label, font=f) / 2
                d.text((min(max(pos, half + 1), w - half - 1), box[3] + 3), label, fill=MUTED, font=f, anchor="ma")
        else:
            sa, sb = box[3] - pa * (box[3] - box[1]), box[3] - pb * (box[3] - box[1])
            d.line((box[0] - 3, sa, box[0], sa), fill=MUTED)
            d.line((box[0] - 3, sb, box[0], sb), fill=MUTED)
            d.text((box[0] - 4, sa), a, fill=MUTED, font=f, anchor="rm")
            d.text((box[0] - 4, sb), b, fill=MUTED, font=f, anchor="rm")
    xt = _text(_axis(layout, "xaxis").get("title"))
    if xt:
        d.text(((box[0] + box[2]) // 2, h - fs - 2), ellipsize(d, xt, f, box[2] - box[0]), fill=INK, font=f, anchor="ma")
    if yt:
        tw = int(min(d.textlength(yt, font=f) + 4, box[3] - box[1]))
        lab = PILImage.new("RGB", (max(1, tw), fs + 4), BACKGROUND)
        ImageDraw.Draw(lab).text((2, 1), ellipsize(d, yt, f, tw - 4), fill=INK, font=f)
        lab = lab.rotate(90, expand=True)
        im.paste(lab, (1, (box[1] + box[3] - lab.height) // 2))
    if skipped:
        d.text((box[2] - 4, box[1] + 4), f"{skipped} trace(s) not drawn", fill=MUTED, font=f, anchor="ra")
    return im


def _ends(axis: _Axis, lo: float, hi: float) -> tuple[str, str]:
    """Labels for the two ticks: the data's extremes (first and last category)."""
    if axis.categories:
        names = list(axis.categories)
        return one_line(names[0]), one_line(names[-1])
    a, b = (axis.lo, axis.hi) if axis.lo <= axis.hi else (lo, hi)
    return axis.label(a), axis.label(b)


def _end_positions(axis: _Axis, lo: float, hi: float) -> tuple[float, float]:
    if axis.categories:
        a, b = 0.0, float(len(axis.categories) - 1)
    else:
        a, b = (axis.lo, axis.hi) if axis.lo <= axis.hi else (lo, hi)
    return (a - lo) / (hi - lo), (b - lo) / (hi - lo)


def _axis(layout: dict[str, Any], key: str) -> dict[str, Any]:
    a = layout.get(key)
    return a if isinstance(a, dict) else {}


def _axis_type(layout: dict[str, Any], key: str) -> str:
    t = _axis(layout, key).get("type")
    return t if isinstance(t, str) else "linear"


def _text(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("text")
    return one_line(title) if isinstance(title, str) else ""


def _trace_points(kind: str, t: dict[str, Any], xa: _Axis, ya: _Axis, budget: int) -> tuple[np.ndarray, np.ndarray, Any] | None:
    if budget <= 0:
        msg = "data: the figure has more points than the point limit"
        raise LimitError(msg)
    if kind == "heatmap":
        z = decode_array(t.get("z"), max_items=budget)
        try:
            zz = np.asarray(z, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if zz.ndim != 2 or zz.size == 0:
            return None
        if zz.size > budget:
            msg = f"data: heatmap of {zz.size:,} cells exceeds the point limit"
            raise LimitError(msg)
        rows, cols = zz.shape
        return np.array([-0.5, cols - 0.5]), np.array([-0.5, rows - 0.5]), zz
    horizontal = t.get("orientation") == "h"
    if kind == "histogram":
        raw = decode_array(t.get("y" if horizontal else "x"), max_items=budget)
        axis = ya if horizontal else xa
        vals = axis.values(raw) if raw is not None else np.zeros(0)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            return None
        counts, edges = np.histogram(vals, bins=min(30, max(1, int(np.sqrt(vals.size)))))
        centers = (edges[:-1] + edges[1:]) / 2
        width = float(edges[1] - edges[0])
        c = counts.astype(np.float64)
        return (c, centers, width) if horizontal else (centers, c, width)
    xr, yr = decode_array(t.get("x"), max_items=budget), decode_array(t.get("y"), max_items=budget)
    if xr is None and yr is None:
        return None
    if horizontal:
        xs = xa.values(xr) if xr is not None else np.zeros(0)
        ys = ya.values(yr) if yr is not None else np.arange(xs.size, dtype=np.float64)
    else:
        ys = ya.values(yr) if yr is not None else np.zeros(0)
        xs = xa.values(xr) if xr is not None else np.arange(ys.size, dtype=np.float64)
    n = min(xs.size, ys.size)
    return xs[:n], ys[:n], None


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.size <= MAX_DRAWN:
        return x, y
    step = -(-x.size // MAX_DRAWN)
    idx = np.r_[np.arange(0, x.size, step), x.size - 1]
    return x[idx], y[idx]


def _scatter(d: ImageDraw.ImageDraw, t: dict[str, Any], x: np.ndarray, y: np.ndarray, px: Any, color: str, r: int = 2) -> None:
    mode = t.get("mode")
    if not isinstance(mode, str):
        mode = "lines+markers" if x.size < 20 else "lines"
    x, y = _thin(x, y)
    sx, sy = px(x, y)
    ok = np.isfinite(sx) & np.isfinite(sy)
    if "lines" in mode:
        # Break the line at missing points, as plotly does.
        breaks = np.flatnonzero(~ok)
        start = 0
        for stop in [*breaks.tolist(), sx.size]:
            seg = list(zip(sx[start:stop].tolist(), sy[start:stop].tolist()))
            if len(seg) >= 2:
                d.line(seg, fill=color, width=2)
            start = stop + 1
    if "markers" in mode or "lines" not in mode:
        for a, b in zip(sx[ok].tolist(), sy[ok].tolist()):
            d.ellipse((a - r, b - r, a + r, b + r), fill=color)


def _bars(d: ImageDraw.ImageDraw, t: dict[str, Any], x: np.ndarray, y: np.ndarray, width: Any, px: Any, color: str, k: int, n: int, box: tuple[int, int, int, int]) -> None:
    horizontal = t.get("orientation") == "h"
    pos, val = (y, x) if horizontal else (x, y)
    ok = np.isfinite(pos) & np.isfinite(val)
    pos, val = pos[ok], val[ok]
    if pos.size == 0:
        return
    if width is None:
        gaps = np.diff(np.unique(pos))
        width = float(gaps.min()) * 0.8 if gaps.size else 0.8
        width /= max(1, n)
        offset = (k - (n - 1) / 2) * width
    else:
        offset = 0.0
    a0, a1 = pos + offset - width / 2, pos + offset + width / 2
    if horizontal:
        (sx0, sy0), (sx1, sy1) = px(np.zeros_like(val), a0), px(val, a1)
    else:
        (sx0, sy0), (sx1, sy1) = px(a0, np.zeros_like(val)), px(a1, val)
    for p0, q0, p1, q1 in zip(sx0.tolist(), sy0.tolist(), sx1.tolist(), sy1.tolist()):
        xa, xb = sorted((p0, p1))
        ya, yb = sorted((q0, q1))
        x0, y0, x1, y1 = max(box[0], xa), max(box[1], ya), min(box[2], max(xa, xb - 1)), min(box[3], max(ya, yb))
        if x1 >= x0 and y1 >= y0:  # a bar wholly outside the plot area (clipped away) is not drawn
            d.rectangle((x0, y0, x1, y1), fill=color)


def _heatmap(im: PILImage.Image, box: tuple[int, int, int, int], z: np.ndarray) -> None:
    fin = np.isfinite(z)
    lo, hi = (float(z[fin].min()), float(z[fin].max())) if fin.any() else (0.0, 1.0)
    t = np.where(fin, (z - lo) / (hi - lo) if hi > lo else 0.5, 0.0)
    # A compact blue-to-yellow ramp (perceptually ordered enough for a thumbnail).
    stops = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float64)
    pos = t * (len(stops) - 1)
    i = np.clip(pos.astype(int), 0, len(stops) - 2)
    frac = (pos - i)[..., None]
    rgb = stops[i] * (1 - frac) + stops[i + 1] * frac
    rgb[~fin] = 255
    tile = PILImage.fromarray(np.rint(rgb[::-1]).astype(np.uint8))
    bw, bh = max(1, box[2] - box[0]), max(1, box[3] - box[1])
    im.paste(tile.resize((bw, bh), PILImage.Resampling.NEAREST), (box[0], box[1]))
