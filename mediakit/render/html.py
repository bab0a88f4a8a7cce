"""Html thumbnails: a text preview (title, then the visible text), no browser involved."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw

from .._limits import Limits
from ..store import Store
from ._common import INK, font, text_image, wrap

# Each pattern also ends at the end of the text: without that, every unclosed "<script" or "<"
# makes the engine rescan to the end, quadratic time on hostile markup ("<script>" * 100_000).
# An unclosed element or tag swallows the rest, as it does in a browser.
_DROP = re.compile(r"<(script|style|head|template|noscript)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<\s*(br|/p|/div|/h[1-6]|/li|/tr|hr)\b[^>]*(?:>|\Z)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*(?:>|\Z)")
_HEADING = re.compile(r"<\s*h([1-6])\b[^>]*(?:>|\Z)", re.IGNORECASE)
#: Marks the start of a heading line in :func:`visible_text` output (then its level digit).
HEADING_MARK = "\x01"
#: Font size of headings h1..h3 relative to body text (h4-h6: body size, bold).
_HEADING_SCALE = {1: 1.6, 2: 1.35, 3: 1.15}
MAX_PREVIEW_BYTES = 1 << 20


def visible_text(markup: str, *, headings: bool = False) -> str:
    text = _DROP.sub(" ", markup)
    if headings:
        text = _HEADING.sub(lambda m: f"\n{HEADING_MARK}{m.group(1)}", text)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = htmllib.unescape(text)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    """The title bar, then the visible text: headings larger and bold, body text wrapped."""
    blob = store.read(desc["path"])[:MAX_PREVIEW_BYTES]
    markup = blob.decode("utf-8", errors="replace").replace(HEADING_MARK, " ")
    text = visible_text(markup, headings=True)
    im = text_image([], size, title=desc.get("title") or "HTML")
    d = ImageDraw.Draw(im)
    body = max(8, size // 18)
    y = body + 14
    for para in text.split("\n"):
        level = 0
        if para.startswith(HEADING_MARK) and len(para) > 1 and para[1] in "0123456789":
            level, para = int(para[1]), para[2:].strip()
            if not para:
                continue
        fs = round(body * _HEADING_SCALE.get(level, 1.0))
        f = font(fs)
        for line in wrap(d, para, f, size - 8, max_lines=size // (fs + 3) + 1):
            if y + fs > size:
                return im
            d.text((4, y), line, fill=INK, font=f)
            if level:
                d.text((5, y), line, fill=INK, font=f)  # bold by overprinting
            y += fs + 3
        y += 3 if level else 0
    return im
