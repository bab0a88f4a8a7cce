"""Html thumbnails: a text preview (title, then the visible text), no browser involved."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw

from .._limits import Limits
from ..store import Store
from ._common import font, text_image, wrap

# Each pattern also ends at the end of the text: without that, every unclosed "<script" or "<"
# makes the engine rescan to the end, quadratic time on hostile markup ("<script>" * 100_000).
# An unclosed element or tag swallows the rest, as it does in a browser.
_DROP = re.compile(r"<(script|style|head|template|noscript)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<\s*(br|/p|/div|/h[1-6]|/li|/tr|hr)\b[^>]*(?:>|\Z)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*(?:>|\Z)")
MAX_PREVIEW_BYTES = 1 << 20


def visible_text(markup: str) -> str:
    text = _DROP.sub(" ", markup)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = htmllib.unescape(text)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    blob = store.read(desc["path"])[:MAX_PREVIEW_BYTES]
    markup = blob.decode("utf-8", errors="replace")
    text = visible_text(markup)
    probe = ImageDraw.Draw(PILImage.new("RGB", (1, 1)))
    fs = max(8, size // 18)
    lines = wrap(probe, text, font(fs), size - 8, max_lines=size // (fs + 3) + 1)
    return text_image(lines, size, title=desc.get("title") or "HTML")
