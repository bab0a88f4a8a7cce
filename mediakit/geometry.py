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
    """(x0, y0, x1, y1) in pixels of an image of this size."""
    x0, y0, x1, y1 = box_extent(box)
    if box.get("domain") == "pixel":
        return x0, y0, x1, y1
    return x0 * width, y0 * height, x1 * width, y1 * height
