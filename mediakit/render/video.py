"""Video thumbnails: a poster frame (the first frame that is not blank) with a small play badge,
and on request an animated preview (:func:`animated_preview`, GIF or WebP bytes).

GIFs are decoded with Pillow (in memory); other formats with the ffmpeg binary of imageio-ffmpeg
(extra ``video``, through :mod:`mediakit.formats.video`) in a subprocess with a timeout and a pixel limit, scaled down by ffmpeg itself so
only thumbnail-sized frames ever reach Python. Descriptors are untrusted: their sizes and
counts are checked against the :class:`~mediakit._limits.Limits` first.
"""

from __future__ import annotations

import io
import math
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from typing import Any, Literal

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from .._errors import LimitError, ValidationError, shown
from .._limits import DEFAULT_LIMITS, Limits
from ..formats import Source, gif
from ..formats import video as codec
from ..store import Store
from ._common import BACKGROUND, fit

#: Frames looked at when searching for a poster (about 5 s at 24 fps).
POSTER_SCAN = 120
#: A frame whose pixel values spread less than this (standard deviation, 0-255) is blank.
BLANK_STD = 3.0
#: Seconds a thumbnail's ffmpeg run may take.
THUMB_TIMEOUT = 60.0


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    """The poster frame, fitted into ``size``, with a play badge."""
    blob = _checked_file(desc, store, limits)
    tw, th = fit(desc["width"], desc["height"], size)
    with _frames(blob, desc, (tw, th), limits, max_frames=POSTER_SCAN) as frames:
        poster = None
        for frame in frames:
            if poster is None:
                poster = frame
            if float(frame.std()) >= BLANK_STD:
                poster = frame
                break
    if poster is None:
        from .._errors import DecodeError

        msg = "path: the video has no decodable frames"
        raise DecodeError(msg)
    im = PILImage.fromarray(np.ascontiguousarray(poster), "RGB")
    return _play_badge(im)


def animated_preview(
    desc: dict[str, Any], store: Store, size: int = 256, *, max_frames: int = 48, format: Literal["gif", "webp"] = "gif",
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:  # fmt: skip
    """A small looping animation of the video: at most ``max_frames`` frames picked evenly
    through it, fitted into ``size``, as GIF (FASTOCTREE palettes) or WebP bytes."""
    if format not in ("gif", "webp"):
        msg = f"format: expected 'gif' or 'webp', got {shown(format)}"
        raise ValidationError(msg)
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or not 1 <= max_frames <= 1000:
        msg = f"max_frames: expected an int from 1 to 1000, got {shown(max_frames)}"
        raise ValidationError(msg)
    if isinstance(size, bool) or not isinstance(size, int) or not 8 <= size <= 4096:
        msg = f"size: expected an int from 8 to 4096, got {shown(size)}"
        raise ValidationError(msg)
    blob = _checked_file(desc, store, limits)
    tw, th = fit(desc["width"], desc["height"], size)
    step = max(1, math.ceil(desc["frames"] / max_frames))
    fps = float(desc["fps"]) / step
    while format == "gif" and fps > gif.GIF_MAX_FPS:
        step += 1
        fps = float(desc["fps"]) / step
    with _frames(blob, desc, (tw, th), limits, max_frames=min(limits.max_frames, step * max_frames)) as frames:
        picked = [f for i, f in enumerate(frames) if i % step == 0][:max_frames]
    if not picked:
        from .._errors import DecodeError

        msg = "path: the video has no decodable frames"
        raise DecodeError(msg)
    if format == "gif":
        return gif.encode_gif(iter(picked), width=tw, height=th, fps=fps)
    ims = [PILImage.fromarray(np.ascontiguousarray(f), "RGB") for f in picked]
    buf = io.BytesIO()
    delays = [max(20, round(1000 * (i + 1) / fps) - round(1000 * i / fps)) for i in range(len(ims))]
    ims[0].save(buf, format="WEBP", save_all=True, append_images=ims[1:], duration=delays, loop=0, quality=80, method=4)
    return buf.getvalue()


def _checked_file(desc: dict[str, Any], store: Store, limits: Limits) -> bytes:
    w, h, n = desc["width"], desc["height"], desc["frames"]
    if w * h > limits.max_pixels or max(w, h) > limits.max_side:
        msg = f"width, height: {w}x{h} frames exceed the limits (pixels <= {limits.max_pixels}, side <= {limits.max_side})"
        raise LimitError(msg)
    if n > limits.max_frames:
        msg = f"frames: {n} exceeds the limit of {limits.max_frames}"
        raise LimitError(msg)
    if desc["size"] > limits.max_file_bytes:
        msg = f"size: {desc['size']} bytes exceeds the limit of {limits.max_file_bytes}"
        raise LimitError(msg)
    blob = store.read(desc["path"])
    if len(blob) > limits.max_file_bytes:
        msg = f"path: the stored file has {len(blob)} bytes, more than the limit of {limits.max_file_bytes}"
        raise LimitError(msg)
    return blob


@contextmanager
def _frames(
    blob: bytes, desc: dict[str, Any], size: tuple[int, int], limits: Limits, *, max_frames: int
) -> Iterator[Generator[np.ndarray, None, None]]:
    """RGB frames scaled to ``size``; leaving the block stops the decoder."""
    fmt = "gif" if blob[:6] in gif.MAGIC else desc["format"]
    # VP8/VP9 may carry alpha beside the frames: decode with libvpx (ffmpeg's own decoders drop
    # it) and lay transparent pixels over the thumbnail background rather than black.
    vpx = desc["codec"] in ("vp8", "vp9")
    info = codec.VideoInfo(
        fmt, desc["codec"], desc["width"], desc["height"], desc["frames"], float(desc["fps"]), float(desc["duration"]),
        pix_fmt="yuva420p" if vpx else "",
    )
    gen = codec.iter_frames(
        Source(blob, field="path"),
        info,
        channels=4 if vpx else 3,
        size=size,
        max_frames=max_frames,
        field="path",
        timeout=THUMB_TIMEOUT,
        max_pixels=limits.max_pixels,
    )
    with closing(gen):
        yield (_over_background(f) for f in gen) if vpx else gen


def _over_background(frame: np.ndarray) -> np.ndarray:
    """An RGBA frame over the thumbnail background, as RGB."""
    a = frame[:, :, 3:4].astype(np.uint16)
    bg = np.asarray(BACKGROUND, np.uint16)
    return ((frame[:, :, :3].astype(np.uint16) * a + bg * (255 - a) + 127) // 255).astype(np.uint8)


def _play_badge(im: PILImage.Image) -> PILImage.Image:
    """A translucent disc with a triangle in the lower left corner: this is a video."""
    r = max(5, min(im.size) // 10)
    if 4 * r > min(im.size):
        return im
    base = im.convert("RGBA")
    overlay = PILImage.new("RGBA", base.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    cx, cy = r + r // 2, base.height - r - r // 2
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(0, 0, 0, 140))
    k = r * 0.5
    d.polygon([(cx - k * 0.7, cy - k), (cx - k * 0.7, cy + k), (cx + k, cy)], fill=(255, 255, 255, 230))
    return PILImage.alpha_composite(base, overlay).convert("RGB")
