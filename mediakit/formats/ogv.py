"""Ogg video (Theora; Vorbis sound when converted from a file with sound), stored as ``.ogv``;
descriptors and ``file_type=`` call it ``ogg``. Written and read through the ffmpeg binary
(extra ``video``; PyAV's FFmpeg build has no Theora); see :mod:`._ffvideo`. Ogg audio is
:mod:`.ogg`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from . import _ffvideo
from ._ffmpeg import Progress
from ._oggpages import MAGIC, has_theora
from ._spec import FormatSpec
from .video import convert, decode, facts


def encode(frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """``spec.encode``: Ogg/Theora of ``(H, W, C)`` uint8 frames (heights padded to a multiple of 16)."""
    return _ffvideo.encode_frames(frames, width=width, height=height, fps=fps, fmt="ogg", count=count, progress=progress)


def sniff(head: bytes) -> bool:
    """An Ogg file whose first pages announce a Theora stream."""
    return head[:4] == MAGIC and has_theora(head)


SPEC = FormatSpec(
    name="ogv",
    kinds=("video",),
    suffixes=(".ogv",),
    media_type="video/ogg",
    sniff=sniff,
    extra="video",
    probe=facts,
    decode=decode,
    encode=encode,
    convert=convert,
    converts_to=("gif", "mp4", "webm"),
    description="Ogg with Theora video",
    notes={"codec": "theora", "container": "ogg", "descriptor_format": "ogg"},
)
