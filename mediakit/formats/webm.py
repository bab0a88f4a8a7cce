"""WebM (VP9 written; VP8, VP9 and AV1 kept; Opus sound when converted from a file with sound).
Written from frames by PyAV in-process or the ffmpeg binary, read through the ffmpeg binary
(extra ``video``); see :mod:`._ffvideo`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from . import _ffvideo
from ._ffmpeg import Progress
from ._spec import FormatSpec
from .video import convert, decode, facts

EBML = b"\x1a\x45\xdf\xa3"


def encode(frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """``spec.encode``: VP9 WebM of ``(H, W, C)`` uint8 frames."""
    return _ffvideo.encode_frames(frames, width=width, height=height, fps=fps, fmt="webm", count=count, progress=progress)


def sniff(head: bytes) -> bool:
    """A Matroska file whose EBML DocType is ``webm``."""
    return head[:4] == EBML and b"\x42\x82\x84webm" in head[:64]


SPEC = FormatSpec(
    name="webm",
    kinds=("video",),
    suffixes=(".webm",),
    media_type="video/webm",
    sniff=sniff,
    extra="video",
    probe=facts,
    decode=decode,
    encode=encode,
    convert=convert,
    converts_to=("gif", "mp4", "ogv"),
    description="WebM with VP8/VP9/AV1 video",
    notes={"codec": "vp9", "container": "webm"},
)
