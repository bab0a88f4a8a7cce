"""Shared drawing helpers: fonts, the class palette, fitting, text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

#: 20 well-separated colours for class ids (id 0 is background in masks and is not drawn).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
)  # fmt: skip

BACKGROUND = (255, 255, 255)
INK = (31, 35, 40)
ACCENT = (0, 130, 200)


def color_for(class_id: int) -> tuple[int, int, int]:
    return PALETTE[(class_id - 1) % len(PALETTE)] if class_id > 0 else (0, 0, 0)


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


def ellipsize(d: ImageDraw.ImageDraw, text: str, f: Any, width: int) -> str:
    if d.textlength(text, font=f) <= width:
        return text
    while text and d.textlength(text + "…", font=f) > width:
        text = text[:-1]
    return text + "…"


def wrap(d: ImageDraw.ImageDraw, text: str, f: Any, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels."""
    out: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for word in para.split(" "):
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
