"""Thumbnails of grouped media: a grid of the first items' thumbnails."""

from __future__ import annotations

import math
from typing import Any

from PIL import Image as PILImage

from .._limits import Limits
from .._registry import get_renderer
from ..store import Store
from ._common import BACKGROUND

MAX_TILES = 16


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    items = desc["items"][:MAX_TILES]
    cols = math.ceil(math.sqrt(len(items)))
    rows = math.ceil(len(items) / cols)
    cell = max(8, size // cols)
    canvas = PILImage.new("RGB", (cols * cell, rows * cell), BACKGROUND)
    for i, item in enumerate(items):
        # A nested list is shown by its first item: drawing it as a grid of its own would
        # multiply the work by MAX_TILES per level for a hostile descriptor.
        while item["_type"] == "list":
            item = item["items"][0]
        tile = get_renderer(item["_type"])(item, store, size=cell, limits=limits)
        if max(tile.size) > cell:
            tile.thumbnail((cell, cell), PILImage.Resampling.LANCZOS)
        x, y = (i % cols) * cell, (i // cols) * cell
        tile = tile.convert("RGBA")
        canvas.paste(tile, (x + (cell - tile.width) // 2, y + (cell - tile.height) // 2), tile)
    return canvas
