"""MP4 (H.264, yuv420p, faststart; AAC sound when converted from a file with sound). Written from
frames by PyAV in-process or the ffmpeg binary, read through the ffmpeg binary (extra ``video``);
see :mod:`._ffvideo`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from . import _ffvideo
from ._ffmpeg import Progress
from ._spec import FormatSpec
from .video import convert, decode, facts


def encode(frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """``spec.encode``: H.264 MP4 of ``(H, W, C)`` uint8 frames (odd sides padded to even)."""
    return _ffvideo.encode_frames(frames, width=width, height=height, fps=fps, fmt="mp4", count=count, progress=progress)


def sniff(head: bytes) -> bool:
    """An ISO base media file whose brand is not QuickTime's."""
    return head[4:8] == b"ftyp" and not head[8:10] == b"qt"


SPEC = FormatSpec(
    name="mp4",
    kinds=("video",),
    suffixes=(".mp4",),
    media_type="video/mp4",
    sniff=sniff,
    extra="video",
    probe=facts,
    decode=decode,
    encode=encode,
    convert=convert,
    converts_to=("gif", "webm", "ogv"),
    description="MP4 with H.264 video",
    notes={"codec": "h264", "container": "mp4"},
)
