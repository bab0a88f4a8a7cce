"""Video files for the kinds, renderers and the CLI: one entry point over the video formats
(:mod:`.gif` through Pillow; :mod:`.mp4`, :mod:`.webm`, :mod:`.ogv` and the input-only
containers of :mod:`.video_inputs` through ffmpeg). Declares no format itself.

Formats are named as in descriptors and ``file_type=``: ``gif``, ``mp4``, ``webm`` and ``ogg``
(Ogg/Theora, the ``ogv`` format spec, stored as ``.ogv``).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import LimitError, MediaFileNotFoundError, ValidationError
from .._files import write_atomic
from .._limits import MAX_PIXELS
from . import _ffvideo, gif
from ._ffmpeg import Progress as Progress
from ._ffmpeg import ffmpeg_exe as ffmpeg_exe
from ._ffvideo import MAX_SIDE as MAX_SIDE
from ._ffvideo import VideoInfo as VideoInfo
from ._spec import FormatSpec, Source
from .gif import GIF_MAX_FPS as GIF_MAX_FPS

#: The formats video is stored in, as descriptors name them.
FORMATS = ("gif", "mp4", "webm", "ogg")
#: ``file_type=`` spellings of them.
ALIASES = {"gif": "gif", "mp4": "mp4", "webm": "webm", "ogg": "ogg", "ogv": "ogg"}
#: Descriptor format -> the name of its format spec.
SPEC_NAME = {"gif": "gif", "mp4": "mp4", "webm": "webm", "ogg": "ogv"}
#: Largest decoded frame array :func:`read_frames` returns (bytes).
MAX_DECODED_BYTES = 4 << 30


def spec(fmt: str) -> FormatSpec:
    """The format spec of a descriptor format name (``"ogg"`` -> the ``ogv`` spec)."""
    from . import get

    return get(SPEC_NAME[fmt], kind="video")


def codec(fmt: str) -> str:
    """The video codec files of ``fmt`` are written with."""
    return "gif" if fmt == "gif" else _ffvideo.CODEC[fmt]


def encoded_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Frame size the file ``fmt`` stores for ``width`` x ``height`` frames (see
    :func:`mediakit.formats._ffvideo.encoded_size`)."""
    return _ffvideo.encoded_size(fmt, width, height)


def _is_gif(src: Source) -> bool:
    return src.head(6) in gif.MAGIC


def probe(
    data: Any, *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS, timeout: float | None = None,
    decode: bool = True,
) -> VideoInfo:  # fmt: skip
    """Identify a video file (a :class:`Source`, path or bytes) and, with ``decode`` (the
    default), decode every frame of its first video stream: a file that does not decode to the
    end is a :class:`DecodeError`, frames or a frame count over the limits a :class:`LimitError`.
    ``decode=False`` counts packets instead (for files this library just wrote)."""
    src = data if isinstance(data, Source) else Source(data, field=field)
    if _is_gif(src):
        if not decode:
            return gif.scan_info(src.read(), field=field)
        return gif.probe_gif(src.read(), field=field, max_frames=max_frames, max_pixels=max_pixels)
    return _ffvideo.probe(src, field=field, max_frames=max_frames, max_pixels=max_pixels, timeout=timeout, decode=decode)


def iter_frames(
    src: Source, info: VideoInfo, *, channels: int | None = None, size: tuple[int, int] | None = None,
    max_frames: int | None = None, field: str = "data", timeout: float | None = None, max_pixels: int = MAX_PIXELS,
) -> Generator[np.ndarray, None, None]:  # fmt: skip
    """Yield decoded frames ``(H, W, C)`` uint8 one at a time, optionally scaled to ``size``
    (width, height). C is ``channels`` (1, 3 or 4), by default 4 with alpha, else 3."""
    c = channels or info.channels
    if info.container == "gif":
        yield from gif.iter_frames(src.read(), c, size, max_frames, field, max_pixels)
        return
    yield from _ffvideo.iter_frames(
        src, info, channels=c, size=size, max_frames=max_frames, field=field, timeout=timeout, max_pixels=max_pixels
    )


def read_frames(src: Source, info: VideoInfo, *, channels: int | None = None, field: str = "data") -> np.ndarray:
    """All frames as one ``(T, H, W, C)`` uint8 array (bounded by :data:`MAX_DECODED_BYTES`)."""
    c = channels or info.channels
    need = info.frames * info.width * info.height * c
    if need > MAX_DECODED_BYTES:
        msg = f"{field}: decoding all {info.frames} frames needs {need} bytes, more than the limit of {MAX_DECODED_BYTES}"
        raise LimitError(msg)
    out = np.empty((info.frames, info.height, info.width, c), np.uint8)
    n = 0
    for frame in iter_frames(src, info, channels=c, field=field):
        if n == len(out):  # the decoder produced more frames than the probe counted
            out = np.concatenate([out, frame[None]])
        else:
            out[n] = frame
        n += 1
    return out[:n]


def encode_frames(
    frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, fmt: str, count: int | None = None,
    progress: Progress | None = None,
) -> bytes:  # fmt: skip
    """Encode frames of ``(H, W, C)`` uint8 as ``fmt`` (gif, mp4, webm, ogg), streaming them one
    at a time, through the format's ``spec.encode``."""
    encode = spec(fmt).encode
    assert encode is not None
    return bytes(encode(frames, width=width, height=height, fps=fps, count=count, progress=progress))


def transcode(src: Source, info: VideoInfo, fmt: str, *, progress: Progress | None = None, field: str = "data") -> bytes:
    """Re-encode a probed video file as ``fmt`` (audio is kept, except in GIFs)."""
    if fmt == "gif":
        if info.fps > GIF_MAX_FPS:
            msg = f"{field}: a {info.fps:g} fps video cannot be a GIF (browsers play GIFs at most {GIF_MAX_FPS:g} fps); choose mp4 or webm"
            raise ValidationError(msg)
        frames = iter_frames(src, info, field=field)
        return gif.encode_gif(frames, width=info.width, height=info.height, fps=info.fps, count=info.frames, progress=progress)
    return _ffvideo.transcode(src, info, fmt, progress=progress, field=field)


#: Containers whose files are rewritten (streams copied) when they do not state their duration.
REMUX = ("webm", "mp4")


def needs_remux(info: VideoInfo) -> bool:
    """Whether a file kept as it is would play without a length or seek bar (its container
    states no duration): then :func:`remux` rewrites it, streams untouched."""
    return info.container in REMUX and not info.timed


def remux(src: Source, info: VideoInfo, *, field: str = "data") -> bytes:
    """The file's streams copied, not re-encoded, into a new file of its container, which
    states the duration (and, for WebM, the seek index)."""
    return _ffvideo.remux(src, info, field=field)


def decode(src: Source) -> np.ndarray:
    """``spec.decode`` of every video format: all frames ``(T, H, W, C)`` uint8 of a file,
    probed (decoded through once) first."""
    info = probe(src, field=src.field)
    return read_frames(src, info, field=src.field)


def facts(src: Source) -> dict[str, Any]:
    """``spec.probe`` of the ffmpeg-read containers (see :func:`mediakit.formats._ffvideo.facts`)."""
    return _ffvideo.facts(src)


# -- conversion for the CLI ---------------------------------------------------------------------------------

_OUT_BY_SUFFIX = {".gif": "gif", ".mp4": "mp4", ".m4v": "mp4", ".webm": "webm", ".ogv": "ogg", ".ogg": "ogg"}


def convert(src: str | os.PathLike[str], dst: str | os.PathLike[str], *, progress: Progress | None = None) -> None:
    """Convert a video file (mp4, webm, mov, gif, ogv, mkv, avi ...) to gif, mp4, webm or ogg
    (Theora), chosen by ``dst``'s suffix (``.gif``, ``.mp4``, ``.webm``, ``.ogv``/``.ogg``).

    The output is written beside ``dst`` under a temporary name and renamed into place.
    """
    src, dst = Path(src), Path(dst)
    fmt = _OUT_BY_SUFFIX.get(dst.suffix.lower())
    if fmt is None:
        msg = f"dst: expected a .gif, .mp4, .webm, .ogv or .ogg file name, got {str(dst)!r}"
        raise ValidationError(msg)
    if not src.is_file():
        msg = f"src: video file {str(src)!r} does not exist"
        raise MediaFileNotFoundError(msg)
    field = f"src ({str(src)!r})"
    source = Source(src, field="src", what="video")
    info = probe(source, field=field)
    out = transcode(source, info, fmt, progress=progress, field=field)
    write_atomic(dst, out, field="dst")
