"""Thumbnails of grouped media: a grid of the first items' thumbnails."""

from __future__ import annotations

import math
from typing import Any

from PIL import Image as PILImage

from .._errors import LimitError
from .._limits import Limits
from .._registry import get_renderer
from ..store import Store
from ._common import BACKGROUND

MAX_TILES = 16
#: A list may hold lists (drawn as grids in their cells), but no deeper: every level multiplies
#: the work by up to MAX_TILES, so a hostile descriptor nested a few levels deep would cost
#: millions of renders.
MAX_NESTING = 1


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    return _grid(desc, store, size=size, limits=limits, depth=0)


def _grid(desc: dict[str, Any], store: Store, *, size: int, limits: Limits, depth: int) -> PILImage.Image:
    items = desc["items"][:MAX_TILES]
    cols = math.ceil(math.sqrt(len(items)))
    rows = math.ceil(len(items) / cols)
    cell = max(8, size // cols)
    canvas = PILImage.new("RGB", (cols * cell, rows * cell), BACKGROUND)
    for i, item in enumerate(items):
        if item["_type"] == "list":
            if depth >= MAX_NESTING:
                msg = f"items[{i}]: lists nested more than {MAX_NESTING + 1} deep are not rendered"
                raise LimitError(msg)
            tile = _grid(item, store, size=cell, limits=limits, depth=depth + 1)
        else:
            tile = get_renderer(item["_type"])(item, store, size=cell, limits=limits)
        if max(tile.size) > cell:
            tile.thumbnail((cell, cell), PILImage.Resampling.LANCZOS)
        x, y = (i % cols) * cell, (i // cols) * cell
        tile = tile.convert("RGBA")
        canvas.paste(tile, (x + (cell - tile.width) // 2, y + (cell - tile.height) // 2), tile)
    return canvas
