"""MP4 (H.264) and WebM (VP9) from frames, encoded in-process with PyAV (extra ``video``).

An ffmpeg subprocess spends 30-40 ms starting up for every clip, as long as encoding a short
clip takes; PyAV releases the GIL while the codec works. Same encoders and settings as the
ffmpeg binary's (Theora is not in PyAV's FFmpeg build); the two give different, each
reproducible, bytes.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
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


#: Small frames (one encoder thread) are converted to the encoder's ``yuv420p`` on the shared
#: worker threads, :data:`PREP_BATCH` frames per job and :data:`PREP_AHEAD` jobs ahead, while
#: x264 encodes on this thread (both release the GIL): the conversion is the one the encoder would
#: make itself (same bytes), off its path. Jobs of several frames: a hand-over per frame would cost
#: more than it saves.
PREP_BATCH = 4
PREP_AHEAD = 3
_LOCAL = threading.local()


def _frame_maker(av: Any, w: int, h: int, pix_fmt: str, order: tuple[int, ...] | None) -> Any:
    """``(H, W, C)`` uint8 frame -> ``av.VideoFrame`` (padded with black to ``w`` x ``h``)."""

    def make(frame: np.ndarray) -> Any:
        if (frame.shape[1], frame.shape[0]) != (w, h):  # pad to the encodable size, black
            padded = np.zeros((h, w, frame.shape[2]), np.uint8)
            padded[: frame.shape[0], : frame.shape[1]] = frame
            frame = padded
        planar = order is not None and not frame.flags.c_contiguous
        return av.VideoFrame.from_ndarray(
            frame if planar or frame.shape[2] != 1 else frame[:, :, 0],
            format=pix_fmt if planar else RAW_PIX[frame.shape[2]],
        )

    return make


def _converted(make: Any, batch: list[np.ndarray], w: int, h: int) -> list[Any]:
    """A job: frames made and converted to ``yuv420p`` by this thread's reformatter (as PyAV's
    encoder converts them: same size, format and defaults)."""
    from av.video.reformatter import VideoReformatter

    fmt = getattr(_LOCAL, "reformatter", None)
    if fmt is None:
        fmt = _LOCAL.reformatter = VideoReformatter()
    return [fmt.reformat(make(f), w, h, "yuv420p") for f in batch]


def _ahead(frames: Iterable[np.ndarray], make: Any, w: int, h: int) -> Iterator[Any]:
    """``frames`` as ``yuv420p`` VideoFrames, in order, converted on the worker threads ahead of
    the caller (frames are pulled from ``frames`` on this thread)."""
    from .._threads import pool

    jobs: deque[Any] = deque()
    it = iter(frames)
    try:
        while True:
            batch = list(itertools.islice(it, PREP_BATCH))
            if batch:
                jobs.append(pool().submit(_converted, make, batch, w, h))
            if jobs and (len(jobs) > PREP_AHEAD or not batch):
                yield from jobs.popleft().result()
            elif not batch:
                return
    finally:  # an error or an early stop: jobs not started are dropped
        for job in jobs:
            job.cancel()


def encode(
    av: Any, frames: Iterable[np.ndarray], first: np.ndarray, *, width: int, height: int, fps: float, fmt: str, muxer: str,
    suffix: str, count: int | None, progress: Progress | None,
) -> bytes:  # fmt: skip
    """Encode ``(H, W, C)`` uint8 frames (``first`` is the first of them) padded with black to
    ``width`` x ``height``, the encodable size."""
    from .._threads import in_pool

    codec_name, options, muxer_options = SETTINGS[fmt]
    w, h = width, height
    pix_fmt, order = raw_layout(first)
    rate = Fraction(fps).limit_denominator(100_000)
    threads = encoder_threads(fmt, w, h)
    make = _frame_maker(av, w, h, pix_fmt, order)
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        path = Path(tmp) / f"out{suffix}"
        try:
            with av.open(str(path), "w", format=muxer, options={"fflags": "+bitexact", **muxer_options}) as out:
                stream = out.add_stream(codec_name, rate=rate)
                stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
                stream.codec_context.time_base = 1 / rate
                stream.codec_context.thread_count = threads  # same bytes on every machine
                stream.options = {**options, "flags": "+bitexact"}
                # Small frames: converted on the worker threads (x264 has one thread then).
                pipelined = threads == 1 and PREP_BATCH > 0 and not in_pool()
                source = _ahead(frames, make, w, h) if pipelined else map(make, frames)
                try:
                    for i, vf in enumerate(source):
                        vf.pts = i
                        for packet in stream.encode(vf):
                            out.mux(packet)
                        if progress:
                            progress(i + 1, count)
                finally:
                    close = getattr(source, "close", None)
                    if close is not None:
                        close()
                for packet in stream.encode():
                    out.mux(packet)
        except av.error.FFmpegError as e:
            msg = f"data: {fmt} encoding failed ({e})"
            raise ValidationError(msg) from None
        return path.read_bytes()
