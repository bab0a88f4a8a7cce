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
    lo, hi = envelope(blob, size, max_samples=limits.max_points)
    return draw(lo, hi, size)


def envelope(blob: bytes, columns: int, *, max_samples: int, field: str = "path") -> tuple[np.ndarray, np.ndarray]:
    """Per-column minimum and maximum ``(channels, columns)`` of an audio file's samples.

    When the file holds more than ``max_samples`` samples, each column looks at an evenly placed
    window of ``max_samples / columns`` samples instead of all of them (bounded work on long or
    hostile files)."""
    sf = require("soundfile", extra="audio", feature="Audio thumbnails")
    try:
        f = sf.SoundFile(io.BytesIO(blob))
    except Exception as e:
        msg = f"{field}: audio file could not be read ({e})"
        raise DecodeError(msg) from None
    with f:
        channels = min(int(f.channels), MAX_LANES)
        frames = int(f.frames)
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


def draw(lo: np.ndarray, hi: np.ndarray, size: int) -> PILImage.Image:
    """The waveform picture: ``size`` wide, lanes stacked, half as high as wide (at most square)."""
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
