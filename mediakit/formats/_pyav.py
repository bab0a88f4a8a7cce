"""MP4 (H.264) and WebM (VP9) from frames, encoded in-process with PyAV (extra ``video``).

An ffmpeg subprocess spends 30-40 ms starting up for every clip, as long as encoding a short
clip takes; PyAV releases the GIL while the codec works. Same encoders and settings as the
ffmpeg binary's (Theora is not in PyAV's FFmpeg build); the two give different, each
reproducible, bytes.
"""

from __future__ import annotations

import io
import struct
import tempfile
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ValidationError
from . import _yuv
from ._ffmpeg import Progress

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


#: Clips of at most this many bytes of raw frames (when the frame count is known) are written
#: to memory, and an MP4's index is moved to the front here (:func:`faststart`); longer or
#: unbounded ones go to a temporary file, where the muxer moves it. Both give the same bytes.
IN_MEMORY_RAW_BYTES = 1 << 29


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
    _, _, muxer_options = SETTINGS[fmt]
    w, h = width, height
    rate = Fraction(fps).limit_denominator(100_000)
    common: dict[str, Any] = {
        **{"fmt": fmt, "muxer": muxer, "rate": rate, "w": w, "h": h},
        **{"count": count, "progress": progress},
    }
    in_memory = count is not None and count * w * h * first.shape[2] <= IN_MEMORY_RAW_BYTES
    if in_memory:
        # No temporary folder and file (two inodes, and a re-read of the file for the MP4's
        # faststart pass): the muxer writes to memory, and faststart() moves the index.
        buf = io.BytesIO()
        fast = {k: v for k, v in muxer_options.items() if k != "movflags"}
        _mux(av, buf, frames, muxer_options=fast, **common)
        data = buf.getvalue()
        del buf
        return faststart(data) if "movflags" in muxer_options else data
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        path = Path(tmp) / f"out{suffix}"
        _mux(av, str(path), frames, muxer_options=muxer_options, **common)
        return path.read_bytes()


def _mux(
    av: Any, dest: Any, frames: Iterable[np.ndarray], *, fmt: str, muxer: str, muxer_options: dict[str, str], rate: Fraction,
    w: int, h: int, count: int | None, progress: Progress | None,
) -> None:  # fmt: skip
    """Encode and mux ``frames`` into ``dest`` (a path or a seekable binary file object)."""
    codec_name, options, _ = SETTINGS[fmt]
    try:
        with av.open(dest, "w", format=muxer, options={"fflags": "+bitexact", **muxer_options}) as out:
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
                vf = av.VideoFrame(w, h, "yuv420p")
                _yuv.fill(frame, vf.planes)  # the encoder's own input format: no converter
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


def _boxes(data: bytes | bytearray | memoryview, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """``(type, offset, header size, total size)`` of the ISO-BMFF boxes in ``data[start:end]``."""
    out = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        head = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            head = 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            msg = f"MP4: box {kind!r} at byte {pos} has a bad size {size}"
            raise ValidationError(msg)
        out.append((kind, pos, head, size))
        pos += size
    return out


_CONTAINERS = {b"trak", b"mdia", b"minf", b"stbl"}  # the path from moov to the chunk offsets


def _shift_offsets(moov: bytearray, start: int, end: int, shift: int) -> None:
    """Add ``shift`` to every chunk offset (``stco``/``co64``) under ``moov[start:end]``."""
    for kind, pos, head, size in _boxes(moov, start, end):
        if kind in _CONTAINERS:
            _shift_offsets(moov, pos + head, pos + size, shift)
        elif kind in (b"stco", b"co64"):
            wide = kind == b"co64"
            (n,) = struct.unpack_from(">I", moov, pos + head + 4)  # after version + flags
            fmt = f">{n}{'Q' if wide else 'I'}"
            at = pos + head + 8
            offsets = [o + shift for o in struct.unpack_from(fmt, moov, at)]
            if not wide and offsets and max(offsets) > 0xFFFFFFFF:
                msg = "MP4: chunk offsets past 4 GiB after moving the index to the front"
                raise ValidationError(msg)
            struct.pack_into(fmt, moov, at, *offsets)


def faststart(data: bytes) -> bytes:
    """An MP4 written with its index (``moov``) last, rewritten with it right after ``ftyp``,
    every chunk offset moved by its size: what the mov muxer's ``+faststart`` does (byte for
    byte), for output written to memory, where the muxer cannot re-read it."""
    top = _boxes(data, 0, len(data))
    kinds = [k for k, *_ in top]
    if kinds[:1] != [b"ftyp"] or kinds.count(b"moov") != 1 or b"mdat" not in kinds or kinds.index(b"moov") < kinds.index(b"mdat"):
        return data  # already with the index in front (or not the muxer's layout): as written
    _, mpos, mhead, msize = top[kinds.index(b"moov")]
    _, _, _, fsize = top[0]
    moov = bytearray(data[mpos : mpos + msize])
    _shift_offsets(moov, mhead, msize, msize)
    view = memoryview(data)  # slices without copies; join copies each part once
    return b"".join((view[:fsize], moov, view[fsize:mpos], view[mpos + msize :]))
