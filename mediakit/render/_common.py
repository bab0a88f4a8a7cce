"""Shared drawing helpers: fonts, colours of the cards, fitting, text (the class palette is
:mod:`mediakit.palette`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

BACKGROUND = (255, 255, 255)
INK = (31, 35, 40)
ACCENT = (0, 130, 200)


@lru_cache(maxsize=16)
def font(px: int) -> Any:
    """Pillow's bundled font at ``px`` pixels (no system fonts needed; same on every machine)."""
    try:
        return ImageFont.load_default(size=max(6, px))
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def fit(w: int, h: int, size: int) -> tuple[int, int]:
    """Scale (w, h) so the long side is at most ``size``; never upscale."""
    scale = min(1.0, size / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def text_image(lines: list[str], size: int, *, title: str | None = None) -> PILImage.Image:
    """A square card with a title bar and wrapped text lines."""
    im = PILImage.new("RGB", (size, size), BACKGROUND)
    d = ImageDraw.Draw(im)
    fs = max(8, size // 18)
    f = font(fs)
    y = 4
    if title:
        d.rectangle((0, 0, size, fs + 8), fill=(240, 243, 246))
        d.text((4, 4), ellipsize(d, title, f, size - 8), fill=INK, font=f)
        y = fs + 12
    for line in lines:
        if y + fs > size:
            break
        d.text((4, y), ellipsize(d, line, f, size - 8), fill=INK, font=f)
        y += fs + 3
    return im


#: Characters per pixel of line width that are ever measured or drawn: no font draws glyphs a
#: quarter of a pixel wide, so longer text (a 100,000-character title) is cut before measuring.
CHARS_PER_PIXEL = 4


def one_line(text: str) -> str:
    """``text`` with its line breaks as spaces: labels are drawn on one line (and Pillow cannot
    measure the width of text that has several)."""
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def ellipsize(d: ImageDraw.ImageDraw, text: str, f: Any, width: int) -> str:
    """``text`` on one line, or its longest prefix that fits ``width`` pixels with "…"
    appended: a binary search over prefix lengths (O(log n) measurements, not one per character
    dropped)."""
    text = one_line(text)
    cap = max(1, width) * CHARS_PER_PIXEL
    if len(text) <= cap and d.textlength(text, font=f) <= width:
        return text
    text = text[:cap]
    lo, hi = 0, len(text)  # the longest prefix text[:lo] + "…" that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if d.textlength(text[:mid] + "…", font=f) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


def wrap(d: ImageDraw.ImageDraw, text: str, f: Any, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels."""
    out: list[str] = []
    cap = max(1, width) * CHARS_PER_PIXEL  # a longer word overflows the line anyway: cut it
    for para in text.splitlines() or [""]:
        line = ""
        for word in para.split(" "):
            word = word[:cap]
            trial = f"{line} {word}" if line else word
            if d.textlength(trial, font=f) <= width:
                line = trial
            else:
                if line:
                    out.append(line)
                line = word
            if len(out) >= max_lines:
                return out
        out.append(line)
        if len(out) >= max_lines:
            break
    return out[:max_lines]
