"""Histogram thumbnails: bars (Pillow only) with a count axis and round value ticks."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from .._limits import Limits
from ..store import Store
from ._common import ACCENT, BACKGROUND, INK, font


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    return bars(desc["values"], desc["bins"], size)


def render_tensor(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    return bars(desc["histogram"]["values"], desc["histogram"]["bins"], size)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values within [lo, hi] (steps of 1, 2 or 5 times a power of ten)."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = np.ceil(lo / step) * step
    return [float(t) for t in np.arange(first, hi + step * 1e-9, step)][: n + 2]


def _label(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def bars(values: list[float], bins: list[float], size: int) -> PILImage.Image:
    """Bars with a y axis (counts, ticks at round values) and an x axis with round ticks."""
    w = h = size
    im = PILImage.new("RGB", (w, h), BACKGROUND)
    d = ImageDraw.Draw(im)
    fs = max(8, size // 18)
    f = font(fs)
    pad = max(3, size // 64)
    v = np.asarray(values, np.float64)
    top = float(v.max()) if v.size and v.max() > 0 else 1.0
    y_ticks = [t for t in _nice_ticks(0.0, top, 4) if t <= top]
    left = pad + max(int(d.textlength(_label(t), font=f)) for t in y_ticks) + 4
    right = w - pad - fs // 2
    bottom = h - fs - 2 * pad - 3
    plot_top = pad + fs // 2
    plot_h = bottom - plot_top
    n = max(1, len(v))
    x_edges = np.linspace(left + 1, right, n + 1)
    for i, val in enumerate(v):
        bh = val / top * plot_h
        if bh <= 0:
            continue
        x0, x1 = x_edges[i], max(x_edges[i] + 1, x_edges[i + 1] - (1 if n <= size // 4 else 0))
        d.rectangle((x0, bottom - bh, max(x0, x1 - 1), bottom), fill=ACCENT)
    d.line((left, plot_top, left, bottom), fill=INK)
    d.line((left, bottom, right, bottom), fill=INK)
    for t in y_ticks:
        y = bottom - t / top * plot_h
        d.line((left - 3, y, left, y), fill=INK)
        lab = _label(t)
        d.text((left - 4 - d.textlength(lab, font=f), y - fs / 2 - 1), lab, fill=INK, font=f)
    lo, hi = float(bins[0]), float(bins[-1])
    last_end = -1e9
    for t in _nice_ticks(lo, hi, 5) if hi > lo else [lo]:
        x = left + 1 + (t - lo) / (hi - lo) * (right - left - 1) if hi > lo else (left + right) / 2
        lab = _label(t)
        tw = d.textlength(lab, font=f)
        tx = min(max(0.0, x - tw / 2), w - tw - 1)
        d.line((x, bottom, x, bottom + 3), fill=INK)
        if tx > last_end + 4:
            d.text((tx, bottom + 4), lab, fill=INK, font=f)
            last_end = tx + tw
    return im
