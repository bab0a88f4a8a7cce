"""Histogram thumbnails: bars (Pillow only), with the value range along the bottom."""

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


def bars(values: list[float], bins: list[float], size: int) -> PILImage.Image:
    w = h = size
    im = PILImage.new("RGB", (w, h), BACKGROUND)
    d = ImageDraw.Draw(im)
    fs = max(8, size // 20)
    f = font(fs)
    pad = 4
    plot_h = h - fs - 2 * pad - 2
    v = np.asarray(values, np.float64)
    top = float(v.max()) if v.size and v.max() > 0 else 1.0
    n = max(1, len(v))
    x_edges = np.linspace(pad, w - pad, n + 1)
    for i, val in enumerate(v):
        bh = val / top * (plot_h - pad)
        if bh <= 0:
            continue
        x0, x1 = x_edges[i], max(x_edges[i] + 1, x_edges[i + 1] - (1 if n <= size // 4 else 0))
        d.rectangle((x0, pad + plot_h - bh, max(x0, x1 - 1), pad + plot_h), fill=ACCENT)
    d.line((pad, pad + plot_h, w - pad, pad + plot_h), fill=INK)
    lo, hi = f"{bins[0]:.3g}", f"{bins[-1]:.3g}"
    d.text((pad, h - fs - pad), lo, fill=INK, font=f)
    d.text((w - pad - d.textlength(hi, font=f), h - fs - pad), hi, fill=INK, font=f)
    return im
