"""Thumbnails of non-finite numbers: a card with the value's name."""

from __future__ import annotations

from typing import Any

from PIL import Image as PILImage

from .._limits import Limits
from ..store import Store
from ._common import text_image


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    return text_image([desc["value"]], size, title="number")
