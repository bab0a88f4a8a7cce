"""Geometry of 2-D boxes as descriptors hold them, shared by the image kind (validation) and the
renderers (drawing): a box's ``position`` is ``{minX, minY, maxX, maxY}`` or ``{middle: [x, y],
width, height}``, in pixels (``domain: "pixel"``) or as fractions of the image size."""

from __future__ import annotations

from typing import Any


def box_extent(box: dict[str, Any]) -> tuple[float, float, float, float]:
    """(minX, minY, maxX, maxY) in the box's own domain."""
    p = box["position"]
    if "minX" in p:
        return p["minX"], p["minY"], p["maxX"], p["maxY"]
    (mx, my), w, h = p["middle"], p["width"], p["height"]
    return mx - w / 2, my - h / 2, mx + w / 2, my + h / 2


def box_pixels(box: dict[str, Any], width: int, height: int) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in pixels of an image of this size, clamped to a margin of the image's
    own size around it: a schema-valid coordinate such as 1e308 draws as an edge off the
    picture instead of overflowing integer conversions."""
    x0, y0, x1, y1 = box_extent(box)
    if box.get("domain") != "pixel":
        x0, y0, x1, y1 = x0 * width, y0 * height, x1 * width, y1 * height
    mx, my = float(max(width, 1)), float(max(height, 1))
    return _clamp(x0, mx), _clamp(y0, my), _clamp(x1, mx), _clamp(y1, my)


def _clamp(v: float, side: float) -> float:
    v = float(v)  # middle +- width / 2 may be inf for finite inputs near the float limit
    if v != v:  # NaN from inf - inf
        return 0.0
    return min(max(v, -side), 2.0 * side)
