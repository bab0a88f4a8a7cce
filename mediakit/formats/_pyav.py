"""MP4 (H.264) and WebM (VP9) from frames, encoded in-process with PyAV (extra ``video``).

An ffmpeg subprocess spends 30-40 ms starting up for every clip, as long as encoding a short
clip takes; PyAV releases the GIL while the codec works. Same encoders and settings as the
ffmpeg binary's (Theora is not in PyAV's FFmpeg build); the two give different, each
reproducible, bytes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ValidationError
from ._ffmpeg import RAW_PIX, Progress, raw_layout

#: Encode MP4 and WebM frames in-process with PyAV when it is installed. Set to False to always
#: use the ffmpeg binary.
USE_PYAV = True

# Encoder settings. H.264: x264's default quality (crf 23, what trackers get from ffmpeg/moviepy
# at preset "medium") at preset "veryfast": on the benchmark clip 1.04x the bytes of "medium" at
# 0.4 dB lower PSNR, in about half the time; "superfast" and faster drop the tools that keep
# files small (nearly 2x the bytes). Threads follow the frame size, never the machine
# (:func:`encoder_threads`): x264 and libvpx are deterministic for a given thread count, so
# every machine writes the same bytes; one thread for small frames is faster and smaller.
SETTINGS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "mp4": ("libx264", {"preset": "veryfast", "crf": "23", "profile": "high"}, {"movflags": "+faststart"}),
    "webm": ("libvpx-vp9", {"deadline": "realtime", "cpu-used": "8", "b": "0", "crf": "30", "row-mt": "1"}, {}),
}


#: Frames of fewer pixels than this are encoded on one thread: for small frames a second
#: thread costs more in synchronisation than it saves (and x264 writes smaller files on one).
ONE_THREAD_PIXELS = 640 * 360


def encoder_threads(fmt: str, width: int, height: int) -> int:
    """Encoder threads for a frame size: 1 for small frames and Theora, else 2. A function of
    the size only, so every machine writes the same bytes."""
    return 1 if fmt == "ogg" or width * height < ONE_THREAD_PIXELS else 2


def available() -> Any:
    """The ``av`` module, or None when it is not installed or :data:`USE_PYAV` is off."""
    if not USE_PYAV:
        return None
    try:
        import av
    except ImportError:
        return None
    return av


def encode(
    av: Any, frames: Iterable[np.ndarray], first: np.ndarray, *, width: int, height: int, fps: float, fmt: str, muxer: str,
    suffix: str, count: int | None, progress: Progress | None,
) -> bytes:  # fmt: skip
    """Encode ``(H, W, C)`` uint8 frames (``first`` is the first of them) padded with black to
    ``width`` x ``height``, the encodable size."""
    codec_name, options, muxer_options = SETTINGS[fmt]
    w, h = width, height
    pix_fmt, order = raw_layout(first)
    rate = Fraction(fps).limit_denominator(100_000)
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        path = Path(tmp) / f"out{suffix}"
        try:
            with av.open(str(path), "w", format=muxer, options={"fflags": "+bitexact", **muxer_options}) as out:
                stream = out.add_stream(codec_name, rate=rate)
                stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
                stream.codec_context.time_base = 1 / rate
                stream.codec_context.thread_count = encoder_threads(fmt, w, h)  # same bytes on every machine
                stream.options = {**options, "flags": "+bitexact"}
                for i, frame in enumerate(frames):
                    if (frame.shape[1], frame.shape[0]) != (w, h):  # pad to the encodable size, black
                        padded = np.zeros((h, w, frame.shape[2]), np.uint8)
                        padded[: frame.shape[0], : frame.shape[1]] = frame
                        frame = padded
                    planar = order is not None and not frame.flags.c_contiguous
                    vf = av.VideoFrame.from_ndarray(
                        frame if planar or frame.shape[2] != 1 else frame[:, :, 0],
                        format=pix_fmt if planar else RAW_PIX[frame.shape[2]],
                    )
                    vf.pts = i
                    for packet in stream.encode(vf):
                        out.mux(packet)
                    if progress:
                        progress(i + 1, count)
                for packet in stream.encode():
                    out.mux(packet)
        except av.error.FFmpegError as e:
            msg = f"data: {fmt} encoding failed ({e})"
            raise ValidationError(msg) from None
        return path.read_bytes()
