"""Audio thumbnails: a waveform, one lane per channel, drawn as the min/max envelope of the
samples under each pixel column. Decoded with soundfile (extra ``audio``) block by block, so
memory stays bounded however long the clip; deterministic (no dithering, no antialiasing)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .._errors import DecodeError, LimitError
from .._lazy import require
from .._limits import Limits
from ..store import Store
from ._common import ACCENT, BACKGROUND

#: At most this many lanes are drawn (more channels: the first ones).
MAX_LANES = 8
_AXIS = (200, 205, 212)
_SEPARATOR = (225, 228, 232)


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    blob = store.read(desc["path"])
    if len(blob) > limits.max_file_bytes:
        msg = f"path: audio file of {len(blob)} bytes exceeds the limit of {limits.max_file_bytes}"
        raise LimitError(msg)
    lo, hi = envelope(blob, size, max_samples=limits.max_points, max_declared=limits.max_audio_samples)
    return with_time_axis(draw(lo, hi, size), float(desc.get("duration") or 0.0), lo, hi)


def envelope(blob: bytes, columns: int, *, max_samples: int, field: str = "path", max_declared: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-column minimum and maximum ``(channels, columns)`` of an audio file's samples.

    When the file holds more than ``max_samples`` samples, each column looks at an evenly placed
    window of ``max_samples / columns`` samples instead of all of them (bounded work on long or
    hostile files). A header declaring more than ``max_declared`` samples (frames x channels;
    the readers' limit) is refused before anything is decoded."""
    sf = require("soundfile", extra="audio", feature="Audio thumbnails")
    try:
        f = sf.SoundFile(io.BytesIO(blob))
    except Exception as e:
        msg = f"{field}: audio file could not be read ({e})"
        raise DecodeError(msg) from None
    with f:
        channels = min(int(f.channels), MAX_LANES)
        frames = int(f.frames)
        if max_declared is not None and frames * int(f.channels) > max_declared:
            msg = f"{field}: the audio file declares {frames:,} frames x {int(f.channels)} channels, more than the {max_declared:,} samples of the limit (max_audio_samples)"
            raise LimitError(msg)
        lo = np.zeros((channels, columns), np.float32)
        hi = np.zeros((channels, columns), np.float32)
        if frames <= 0:
            return lo, hi
        edges = np.linspace(0, frames, columns + 1).astype(np.int64)
        budget = max(1, max_samples // max(1, columns * int(f.channels)))
        sequential = frames * int(f.channels) <= max_samples
        for c in range(columns):
            start, stop = int(edges[c]), int(edges[c + 1])
            if stop <= start:
                start, stop = min(start, frames - 1), min(start, frames - 1) + 1
            if not sequential:
                stop = min(stop, start + budget)
                f.seek(start)
            elif f.tell() != start:
                f.seek(start)
            try:
                block = f.read(stop - start, dtype="float32", always_2d=True)
            except Exception as e:
                msg = f"{field}: audio data could not be decoded ({e})"
                raise DecodeError(msg) from None
            if len(block):
                block = np.nan_to_num(block[:, :channels], nan=0.0, posinf=1.0, neginf=-1.0)
                lo[:, c] = block.min(axis=0)
                hi[:, c] = block.max(axis=0)
    return np.clip(lo, -1, 1), np.clip(hi, -1, 1)


#: Quiet clips (peak below this) are drawn scaled up to fill the lanes, with the gain written on.
QUIET_PEAK = 0.25


def _gain(lo: np.ndarray, hi: np.ndarray) -> float:
    peak = float(max(np.abs(lo).max(initial=0.0), np.abs(hi).max(initial=0.0)))
    return 0.9 / peak if 0 < peak < QUIET_PEAK else 1.0


def with_time_axis(wave: PILImage.Image, duration: float, lo: np.ndarray, hi: np.ndarray) -> PILImage.Image:
    """The waveform over a time axis (round ticks in seconds, the duration at the right) and,
    for a quiet clip drawn scaled up, its gain in the corner."""
    from PIL import ImageDraw

    from ._common import INK, font
    from .histogram import _nice_ticks

    w = wave.width
    fs = max(8, w // 20)
    f = font(fs)
    out = PILImage.new("RGB", (w, wave.height + fs + 8), BACKGROUND)
    out.paste(wave, (0, 0))
    d = ImageDraw.Draw(out)
    y0 = wave.height
    d.line((0, y0, w, y0), fill=INK)
    total = f"{duration:.3g} s"
    total_w = d.textlength(total, font=f)
    d.text((w - total_w - 1, y0 + 3), total, fill=INK, font=f)
    if duration > 0:
        for t in _nice_ticks(0.0, duration, 5):
            x = min(w - 1, round(t / duration * (w - 1)))
            d.line((x, y0, x, y0 + 3), fill=INK)
            lab = f"{t:g}"
            if x + d.textlength(lab, font=f) < w - total_w - 6:
                d.text((max(0, x - (d.textlength(lab, font=f) / 2 if x else 0)), y0 + 3), lab, fill=INK, font=f)
    gain = _gain(lo, hi)
    if gain > 1:
        note = f"x{gain:.0f} gain" if gain >= 10 else f"x{gain:.1f} gain"
        d.rectangle((0, 0, d.textlength(note, font=f) + 6, fs + 4), fill=BACKGROUND)
        d.text((3, 2), note, fill=INK, font=f)
    return out


def draw(lo: np.ndarray, hi: np.ndarray, size: int) -> PILImage.Image:
    """The waveform picture: ``size`` wide, lanes stacked, half as high as wide (at most square).
    A quiet clip is scaled up to fill its lanes (see :data:`QUIET_PEAK`)."""
    gain = _gain(lo, hi)
    lo, hi = np.clip(lo * gain, -1, 1), np.clip(hi * gain, -1, 1)
    channels, width = lo.shape
    lane = max(8, (size // 2) // channels if channels <= 2 else size // channels)
    height = lane * channels
    img = np.empty((height, width, 3), np.uint8)
    img[:] = BACKGROUND
    rows = np.arange(lane)[:, None]
    half = (lane - 1) / 2
    for ch in range(channels):
        top = np.floor(half - hi[ch] * half + 0.5).astype(np.int64)
        bottom = np.floor(half - lo[ch] * half + 0.5).astype(np.int64)
        bottom = np.maximum(bottom, top)  # silence still draws a one-pixel line
        band = img[ch * lane : (ch + 1) * lane]
        band[int(np.floor(half + 0.5))] = _AXIS
        band[(rows >= top) & (rows <= bottom)] = ACCENT
        if ch:
            band[0] = _SEPARATOR
    return PILImage.fromarray(img, "RGB")
