"""Thumbnails of spectra: the values as a line over a white card."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw


def render(desc: dict[str, Any], store: Any, *, size: int, limits: Any) -> PILImage.Image:
    values = np.load(io.BytesIO(store.read(desc["path"])), allow_pickle=False).astype(np.float64)
    w, h = size, max(8, size // 2)
    if values.size > w:  # one point per pixel column
        values = values[np.linspace(0, values.size - 1, w).astype(np.int64)]
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo or 1.0
    xs = np.linspace(2, w - 3, values.size) if values.size > 1 else np.array([w / 2])
    ys = (h - 3) - (values - lo) / span * (h - 5)
    im = PILImage.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    points = list(zip(xs.tolist(), ys.tolist()))
    if len(points) > 1:
        draw.line(points, fill=(0, 130, 200), width=max(1, size // 128))
    else:
        draw.point(points, fill=(0, 130, 200))
    return im
