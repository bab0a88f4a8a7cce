"""Video codecs: GIF, MP4 (H.264), WebM (VP9) and Ogg (Theora); probing, decoding, conversion.

Backends:

- GIF: Pillow (core). Each frame gets its own palette from Pillow's fast octree quantiser
  (``Quantize.FASTOCTREE``, about 25x faster than the default median cut) and is written as a
  full frame with its own delay; the container is assembled here so that no frame is merged or
  dropped (Pillow's ``save_all`` folds identical frames together, which changes the frame count).
- MP4/WebM/Ogg: the ffmpeg binary bundled by ``imageio-ffmpeg`` (extra ``video``), run as a
  subprocess. Raw frames are streamed through its stdin one at a time, so memory stays bounded
  and the GIL stays free while it encodes. Every run has a timeout: a corrupt file is a
  :class:`~mediakit.DecodeError`, never a hang. Probing, decoding and conversions of files
  always use the subprocess (untrusted input stays out of this process).
- MP4/WebM from frames: PyAV (also in the ``video`` extra) in-process when it is installed,
  same encoders and settings, frames streamed one at a time with the GIL released in the codec;
  it saves the subprocess's 30-40 ms start-up per clip (see :data:`USE_PYAV`).

Output is reproducible: fixed encoder parameters and thread counts, ``-fflags +bitexact`` (which
also fixes the Ogg serial numbers and Matroska UIDs) and ``-map_metadata -1``.
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError, MediaFileNotFoundError, MissingDependencyError, ValidationError
from .._files import write_atomic
from .._lazy import require
from .._limits import MAX_PIXELS

Progress = Callable[[int, "int | None"], None]

FORMATS = ("gif", "mp4", "webm", "ogg")
SUFFIX = {"gif": ".gif", "mp4": ".mp4", "webm": ".webm", "ogg": ".ogv"}
CODEC = {"gif": "gif", "mp4": "h264", "webm": "vp9", "ogg": "theora"}
#: Largest frame side we encode (H.264 level 6.2 allows 8192x4320; x264 and VP9 go to 16384).
MAX_SIDE = 16_384
#: GIF delays are whole centiseconds and browsers play delays under 2 cs at 10 fps.
GIF_MAX_FPS = 50.0
#: Seconds one ffmpeg run may take before it is killed (probe, decode, encode).
TIMEOUT = 300.0
#: Largest decoded frame array :func:`read_frames` returns (bytes).
MAX_DECODED_BYTES = 4 << 30

# Fixed encoder settings (thread counts too: x264 and libvpx give identical bytes for a fixed
# thread count, whatever the machine).
_VIDEO_ARGS: dict[str, list[str]] = {
    "mp4": [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-profile:v", "high", "-threads", "2", "-tag:v", "avc1", "-movflags", "+faststart",
    ],
    "webm": [
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "0", "-crf", "30",
        "-pix_fmt", "yuv420p", "-row-mt", "1", "-threads", "2",
    ],
    "ogg": [
        "-c:v", "libtheora", "-q:v", "7", "-pix_fmt", "yuv420p", "-threads", "1",
    ],
}  # fmt: skip
_AUDIO_ARGS = {
    "mp4": ["-c:a", "aac", "-b:a", "128k"],
    "webm": ["-c:a", "libopus", "-b:a", "96k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "4"],
}
_REPRODUCIBLE = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]  # fmt: skip
_MUXER = {"mp4": "mp4", "webm": "webm", "ogg": "ogg"}
_RAW_PIX = {1: "gray", 3: "rgb24", 4: "rgba"}
_ALPHA_PIX = ("yuva", "rgba", "bgra", "argb", "abgr", "ya8", "ya16", "gbrap")

#: Per container: the video codecs, pixel formats and audio codecs every major browser plays.
_BROWSER_SAFE = {
    "mp4": ({"h264"}, {"yuv420p", "yuvj420p"}, {"aac", "mp3"}),
    "webm": ({"vp8", "vp9", "av1"}, {"yuv420p", "yuva420p"}, {"vorbis", "opus"}),
    "ogg": ({"theora"}, {"yuv420p"}, {"vorbis", "opus"}),
}


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled by imageio-ffmpeg."""
    iio = require("imageio_ffmpeg", extra="video", feature="Video encoding and probing")
    return str(iio.get_ffmpeg_exe())


def encoded_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Frame size of the file ``fmt`` stores for ``width`` x ``height`` frames (padded with black
    rows/columns: even sides for H.264 4:2:0; heights in multiples of 16 for Theora, because
    ffmpeg's Theora encoder garbles the last rows of a cropped coded frame)."""
    if fmt == "mp4":
        return width + (width & 1), height + (height & 1)
    if fmt == "ogg":
        return width, -(-height // 16) * 16
    return width, height


_PAD_ANY = {"mp4": ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"], "ogg": ["-vf", "pad=iw:ceil(ih/16)*16"]}


def _video_args(fmt: str, width: int, height: int) -> list[str]:
    """Encoder arguments, with a pad filter only when the frame size needs one (a filter costs
    a few milliseconds of ffmpeg start-up)."""
    w, h = encoded_size(fmt, width, height)
    pad = ["-vf", f"pad={w}:{h}"] if (w, h) != (width, height) else []
    return [*_VIDEO_ARGS[fmt], *pad]


def fps_arg(fps: float) -> str:
    """A frame rate as an exact ffmpeg rational (``30000/1001``, ``4/1``)."""
    f = Fraction(fps).limit_denominator(100_000)
    return f"{f.numerator}/{f.denominator}"


# -- what a probe finds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInfo:
    """The facts about a video file that go into its descriptor."""

    container: str  # gif, mp4, webm, ogg, mov, mkv, avi, or ffmpeg's demuxer name
    codec: str
    width: int
    height: int
    frames: int
    fps: float
    duration: float
    pix_fmt: str = ""
    audio_codec: str | None = None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def channels(self) -> int:
        """Channels of the decoded frames: 4 when the stream has alpha, else 3."""
        return 4 if self.pix_fmt.startswith(_ALPHA_PIX) else 3

    @property
    def browser_safe(self) -> bool:
        """Whether the file plays as it is in every major browser (then it is kept)."""
        if self.container == "gif":
            return True
        rule = _BROWSER_SAFE.get(self.container)
        if rule is None:
            return False
        codecs, pix_fmts, audio = rule
        return self.codec in codecs and self.pix_fmt in pix_fmts and (self.audio_codec is None or self.audio_codec in audio)


# -- running ffmpeg ----------------------------------------------------------------------------------

_LEVEL = re.compile(r"\[(panic|fatal|error|warning|info|verbose|debug|trace)\] ?(.*)$")


def _log_lines(stderr: bytes) -> list[tuple[str, str]]:
    out = []
    for raw in stderr.decode("utf-8", "replace").splitlines():
        m = _LEVEL.search(raw)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return out


def _first_error(lines: list[tuple[str, str]]) -> str | None:
    errors = [t for lvl, t in lines if lvl in ("panic", "fatal", "error") and t]
    if not errors:
        return None
    for t in errors:  # prefer the most telling message
        if "max pixel count" in t or "matches no streams" in t:
            return t
    return errors[0]


def _raise_for(error: str, field: str, what: str, *, encoding: bool = False) -> None:
    if "Unknown encoder" in error or "Encoder not found" in error:
        msg = (
            f"{field}: {what}: the ffmpeg at {ffmpeg_exe()!r} lacks an encoder ({error}); use the one bundled with "
            "imageio-ffmpeg (pip install 'mediakit[video]', and unset IMAGEIO_FFMPEG_EXE)"
        )
        raise MissingDependencyError(msg)
    if "max pixel count" in error:
        msg = f"{field}: {what}: frames exceed the pixel limit ({error})"
        raise LimitError(msg)
    if "matches no streams" in error:
        msg = f"{field}: {what}: the file has no video stream"
        raise DecodeError(msg)
    msg = f"{field}: {what}: {error}"
    if encoding:  # raw frames in, so the input was not the problem: a setting ffmpeg refused
        raise ValidationError(msg)
    raise DecodeError(msg)


def _run(args: list[str], *, field: str, what: str, timeout: float | None = None) -> tuple[bytes, list[tuple[str, str]]]:
    """Run ffmpeg to completion; returns stdout and the parsed log. Errors become DecodeError."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "repeat+level+info", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout or TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        msg = f"{field}: {what} did not finish within {timeout or TIMEOUT:g} s (corrupt or hostile file?)"
        raise DecodeError(msg) from None
    lines = _log_lines(proc.stderr)
    err = _first_error(lines)
    if err is not None or proc.returncode != 0:
        _raise_for(err or f"ffmpeg exited with status {proc.returncode}", field, what)
    return proc.stdout, lines


class _Watchdog:
    """Kill a process that runs longer than ``timeout`` seconds."""

    def __init__(self, proc: subprocess.Popen[bytes], timeout: float) -> None:
        self.fired = False
        self._proc = proc
        self._timer = threading.Timer(timeout, self._kill)
        self._timer.daemon = True
        self._timer.start()

    def _kill(self) -> None:
        self.fired = True
        self._proc.kill()

    def cancel(self) -> None:
        self._timer.cancel()


@contextmanager
def temp_input(blob: bytes, suffix: str = ".bin") -> Iterator[Path]:
    """``blob`` in a private temporary file (ffmpeg needs a seekable file for MP4), removed after."""
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(blob)
        yield path


# -- probing ---------------------------------------------------------------------------------------------


def _split_top(s: str) -> list[str]:
    """Split ffmpeg's stream description on the commas outside parentheses."""
    return [part.strip() for part in re.split(r",(?![^()]*\))", s)]


def _rate(tokens: list[str], unit: str) -> float | None:
    for t in tokens:
        m = re.fullmatch(r"([\d.]+)(k?) " + unit, t)
        if m:
            return float(m.group(1)) * (1000 if m.group(2) else 1)
    return None


def _container(demuxer: str, brand: str | None, head: bytes, codec: str) -> str:
    names = demuxer.split(",")
    if "mp4" in names or "mov" in names:
        return "mov" if (brand or "").startswith("qt") else "mp4"
    if "matroska" in names or "webm" in names:
        # The EBML header's DocType says whether this is WebM or general Matroska.
        return "webm" if b"\x42\x82\x84webm" in head[:64] else "mkv"
    return names[0]


def probe(
    path: str | os.PathLike[str], *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS,
    timeout: float | None = None,
) -> VideoInfo:  # fmt: skip
    """Identify a video file and decode every frame of its first video stream.

    Raises :class:`DecodeError` if it is not a video or does not decode to the end, and
    :class:`LimitError` if its frames or frame count exceed the limits.
    """
    p = Path(path)
    with open(p, "rb") as f:
        head = f.read(4096)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return probe_gif(p.read_bytes(), field=field, max_frames=max_frames, max_pixels=max_pixels)
    out, lines = _run(
        ["-max_pixels", str(max_pixels), "-i", str(p), "-map", "0:V:0", "-frames:v", str(max_frames + 1),
         "-fps_mode", "passthrough", "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
        field=field, what="not a decodable video", timeout=timeout,
    )  # fmt: skip
    demuxer = brand = None
    duration = None
    video: list[str] | None = None
    audio = None
    for lvl, text in lines:
        if lvl != "info":
            continue
        if text.startswith(("Stream mapping", "Output #")):
            break
        if m := re.match(r"Input #0, (.+), from ", text):
            demuxer = m.group(1)
        elif (m := re.match(r"major_brand\s*:\s*(\S+)", text)) and brand is None:
            brand = m.group(1)
        elif m := re.match(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text):
            duration = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        elif (m := re.match(r"Stream #0:\d+\S*: Video: (.*)", text)) and video is None and "(attached pic)" not in text:
            video = _split_top(m.group(1))
        elif (m := re.match(r"Stream #0:\d+\S*: Audio: (\w+)", text)) and audio is None:
            audio = m.group(1)
    if head[:4] == b"OggS":
        from .audio import check_ogg_complete

        check_ogg_complete(p.read_bytes(), field=field)
    counts = re.findall(rb"^frame=(\d+)", out, re.MULTILINE)
    if demuxer is None or video is None or not counts:
        msg = f"{field}: not a decodable video (ffmpeg found no video stream)"
        raise DecodeError(msg)
    frames = int(counts[-1])
    if frames == 0:
        msg = f"{field}: the video stream holds no decodable frames"
        raise DecodeError(msg)
    if frames > max_frames:
        msg = f"{field}: the video has more than {max_frames} frames (the limit)"
        raise LimitError(msg)
    dims = next((m for t in video if (m := re.match(r"(\d+)x(\d+)", t))), None)
    if dims is None:
        msg = f"{field}: ffmpeg reported no frame size for the video stream"
        raise DecodeError(msg)
    codec = video[0].split()[0]
    pix_fmt = video[1].split("(")[0] if len(video) > 1 else ""
    fps = _rate(video, "fps") or _rate(video, "tbr")
    if not duration:
        duration = frames / fps if fps else 0.0
    if not fps:
        fps = frames / duration if duration else 25.0
    return VideoInfo(
        container=_container(demuxer, brand, head, codec), codec=codec, width=int(dims.group(1)), height=int(dims.group(2)),
        frames=frames, fps=round(fps, 6), duration=round(duration, 6), pix_fmt=pix_fmt, audio_codec=audio,
    )  # fmt: skip


def probe_bytes(blob: bytes, *, field: str = "data", **kw: Any) -> VideoInfo:
    """:func:`probe` for bytes (GIFs are probed in memory; others through a temporary file)."""
    if blob[:6] in (b"GIF87a", b"GIF89a"):
        return probe_gif(blob, field=field, max_frames=kw.get("max_frames", 100_000), max_pixels=kw.get("max_pixels", MAX_PIXELS))
    with temp_input(blob) as path:
        return probe(path, field=field, **kw)


# -- GIF (Pillow) ---------------------------------------------------------------------------------------------


def _gif_delays(fps: float) -> Iterator[int]:
    """Per-frame delays in centiseconds whose running sum tracks ``i / fps`` (so 30 fps plays
    as 3, 3, 4, 3, 3, 4 ... cs rather than drifting at 3 cs)."""
    prev, i = 0, 0
    while True:
        i += 1
        t = round(100 * i / fps)
        yield max(2, t - prev)
        prev = t


_GREY_PALETTE = bytes(i // 3 for i in range(768))


def _pil_rgb(frame: np.ndarray) -> Any:
    """``(H, W, 3+)`` uint8 as a Pillow RGB image without a per-frame transpose when the frame
    is a view of channel-first data (the usual ``(T, C, H, W)`` input): each channel plane is
    then contiguous and Pillow merges the planes (7x faster than numpy's interleaving copy)."""
    from PIL import Image as PILImage

    h, w = frame.shape[:2]
    if frame.shape[2] == 3 and frame.flags.c_contiguous:
        return PILImage.frombuffer("RGB", (w, h), frame, "raw", "RGB", 0, 1)
    planes = [np.ascontiguousarray(frame[:, :, k]) for k in range(3)]
    return PILImage.merge("RGB", [PILImage.frombuffer("L", (w, h), p, "raw", "L", 0, 1) for p in planes])


def _gif_frame(frame: np.ndarray) -> tuple[Any, bytes, int | None]:
    """One ``(H, W, C)`` frame as a palette image, its colour table, and its transparent index."""
    from PIL import Image as PILImage

    c = frame.shape[2]
    if c == 1:
        im = PILImage.fromarray(np.ascontiguousarray(frame[:, :, 0]), "L")
        im.putpalette(_GREY_PALETTE)  # a grey ramp: grey frames are stored losslessly
        return im, _GREY_PALETTE, None
    im = _pil_rgb(frame).quantize(255 if c == 4 else 256, method=PILImage.Quantize.FASTOCTREE)
    palette = bytes(im.getpalette() or [])
    if c == 3:
        return im, palette, None
    idx = np.array(im)
    idx[frame[:, :, 3] < 128] = 255  # GIF transparency is on/off: alpha below half is transparent
    out = PILImage.fromarray(idx, "P")
    palette = palette[: 255 * 3].ljust(768, b"\x00")
    out.putpalette(palette)
    return out, palette, 255


def _gif_image_block(im: Any, palette: bytes, delay_cs: int, transparent: int | None) -> bytes:
    """Graphic control extension, image descriptor with a local colour table, LZW data."""
    size_bits = max(1, (max(1, len(palette) // 3) - 1).bit_length())
    table = palette.ljust(3 << size_bits, b"\x00")[: 3 << size_bits]
    # Disposal 2 (restore to background) for frames with transparency, so holes show through.
    packed = (2 << 2 | 1) if transparent is not None else 0
    gce = b"!\xf9\x04" + bytes([packed]) + delay_cs.to_bytes(2, "little") + bytes([transparent or 0]) + b"\x00"
    w, h = im.size
    desc = b"," + b"\x00\x00\x00\x00" + w.to_bytes(2, "little") + h.to_bytes(2, "little") + bytes([0x80 | (size_bits - 1)])
    # Pillow's GIF encoder (a public encoder name for Image.tobytes) gives the LZW sub-blocks for
    # 8-bit codes; the block terminator follows.
    return gce + desc + table + b"\x08" + im.tobytes("gif", "P") + b"\x00"


def encode_gif(
    frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None, progress: Progress | None = None
) -> bytes:  # fmt: skip
    """An animated GIF (looping) of frames of ``(H, W, C)`` uint8, C in {1, 3, 4} (``count``,
    if known, is only for ``progress``). Every frame is a full frame with its own palette."""
    out = io.BytesIO()
    out.write(b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little") + b"\x00\x00\x00")
    out.write(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    written = 0
    for frame, delay in zip(frames, _gif_delays(fps)):
        im, palette, transparent = _gif_frame(frame)
        out.write(_gif_image_block(im, palette, delay, transparent))
        written += 1
        if progress:
            progress(written, count)
    out.write(b";")
    return out.getvalue()


def _open_gif(blob: bytes, field: str, max_pixels: int) -> Any:
    from PIL import Image as PILImage

    w, h = int.from_bytes(blob[6:8], "little"), int.from_bytes(blob[8:10], "little")
    if w * h > max_pixels:
        msg = f"{field}: GIF of {w}x{h} exceeds the pixel limit ({max_pixels})"
        raise LimitError(msg)
    try:
        return PILImage.open(io.BytesIO(blob), formats=["GIF"])
    except Exception as e:
        msg = f"{field}: not a decodable GIF ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


def gif_frames(
    blob: bytes, *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS, channels: int | None = None
) -> Iterator[tuple[np.ndarray, int]]:
    """Decode a GIF's frames (composited, ``(H, W, C)`` uint8) with their delays in ms. C is
    ``channels`` (1, 3 or 4), by default 4 if the GIF has transparency, else 3."""
    im = _open_gif(blob, field, max_pixels)
    with im:
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels or (4 if "transparency" in im.info else 3)]
        i = 0
        while True:
            if i >= max_frames:
                msg = f"{field}: the GIF has more than {max_frames} frames (the limit)"
                raise LimitError(msg)
            try:
                im.seek(i)
                arr = np.asarray(im.convert(mode))
                if arr.ndim == 2:
                    arr = arr[:, :, None]
            except EOFError:
                if i == 0:
                    msg = f"{field}: the GIF holds no frames"
                    raise DecodeError(msg) from None
                return
            except Exception as e:
                msg = f"{field}: GIF frame {i} could not be decoded ({type(e).__name__}: {e})"
                raise DecodeError(msg) from None
            yield arr, int(im.info.get("duration") or 0)
            i += 1


def _effective_delay(ms: int) -> int:
    return ms if ms >= 20 else 100  # browsers play delays under 20 ms at 100 ms


def probe_gif(blob: bytes, *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS) -> VideoInfo:
    if not blob.rstrip(b"\x00").endswith(b";"):
        # Pillow stops quietly at a cut between frames; a complete GIF ends with its trailer.
        msg = f"{field}: truncated GIF: the file does not end with the GIF trailer"
        raise DecodeError(msg)
    n, total, alpha = 0, 0, False
    w = h = 0
    for arr, delay in gif_frames(blob, field=field, max_frames=max_frames, max_pixels=max_pixels):
        n += 1
        total += _effective_delay(delay)
        h, w = arr.shape[:2]
        alpha = arr.shape[2] == 4
    duration = total / 1000
    return VideoInfo("gif", "gif", w, h, n, round(n / duration, 6), round(duration, 6), "rgba" if alpha else "rgb24")


# -- encoding with ffmpeg ------------------------------------------------------------------------------------------


def encode_frames(
    frames: Iterable[np.ndarray], *, width: int, height: int, channels: int, fps: float, fmt: str, count: int | None = None,
    progress: Progress | None = None,
) -> bytes:  # fmt: skip
    """Encode frames of ``(H, W, C)`` uint8 as ``fmt`` (gif, mp4, webm, ogg), streaming
    them one at a time (to ffmpeg's stdin for the video formats)."""
    if fmt == "gif":
        return encode_gif(frames, width=width, height=height, fps=fps, count=count, progress=progress)
    it = iter(frames)
    first = next(it, None)
    if first is None:
        msg = "data: no frames to encode"
        raise ValidationError(msg)
    frames = itertools.chain([first], it)
    if fmt in _PYAV_SETTINGS and (av := _pyav()) is not None:
        return _encode_pyav(av, frames, first, width=width, height=height, fps=fps, fmt=fmt, count=count, progress=progress)
    pix_fmt, order = _raw_layout(first)
    args = ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}", "-framerate", fps_arg(fps), "-i", "pipe:0"]
    args += [*_video_args(fmt, width, height), "-an", *_REPRODUCIBLE, "-f", _MUXER[fmt]]
    buffers = _frame_buffers(frames, order)
    return _ffmpeg_to_bytes(args, SUFFIX[fmt], feed=buffers, count=count, progress=progress, what=f"{fmt} encoding")


# -- encoding in-process with PyAV ----------------------------------------------------------------------

#: Encode MP4 and WebM frames in-process with PyAV when it is installed (the ``video`` extra
#: brings it): an ffmpeg subprocess spends 30-40 ms starting up for every clip, as long as
#: encoding a short clip takes. PyAV releases the GIL while the codec works. Set to False to
#: always use the ffmpeg binary (the two give different, each reproducible, bytes).
USE_PYAV = True

# Same encoders and settings as _VIDEO_ARGS (Theora is not in PyAV's FFmpeg build).
_PYAV_SETTINGS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "mp4": ("libx264", {"preset": "veryfast", "crf": "20", "profile": "high"}, {"movflags": "+faststart"}),
    "webm": ("libvpx-vp9", {"deadline": "realtime", "cpu-used": "8", "b": "0", "crf": "30", "row-mt": "1"}, {}),
}


def _pyav() -> Any:
    if not USE_PYAV:
        return None
    try:
        import av
    except ImportError:
        return None
    return av


def _encode_pyav(
    av: Any, frames: Iterable[np.ndarray], first: np.ndarray, *, width: int, height: int, fps: float, fmt: str,
    count: int | None, progress: Progress | None,
) -> bytes:  # fmt: skip
    codec_name, options, muxer_options = _PYAV_SETTINGS[fmt]
    w, h = encoded_size(fmt, width, height)
    pix_fmt, order = _raw_layout(first)
    rate = Fraction(fps).limit_denominator(100_000)
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        path = Path(tmp) / f"out{SUFFIX[fmt]}"
        try:
            with av.open(str(path), "w", format=_MUXER[fmt], options={"fflags": "+bitexact", **muxer_options}) as out:
                stream = out.add_stream(codec_name, rate=rate)
                stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
                stream.codec_context.time_base = 1 / rate
                stream.codec_context.thread_count = 2  # fixed: same bytes on every machine
                stream.options = {**options, "flags": "+bitexact"}
                for i, frame in enumerate(frames):
                    if (frame.shape[1], frame.shape[0]) != (w, h):  # pad to the encodable size, black
                        padded = np.zeros((h, w, frame.shape[2]), np.uint8)
                        padded[: frame.shape[0], : frame.shape[1]] = frame
                        frame = padded
                    planar = order is not None and not frame.flags.c_contiguous
                    vf = av.VideoFrame.from_ndarray(
                        frame if planar or frame.shape[2] != 1 else frame[:, :, 0],
                        format=pix_fmt if planar else _RAW_PIX[frame.shape[2]],
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


#: Planar raw formats (and the plane order they want) for channel-first frames.
_PLANAR = {3: ("gbrp", (1, 2, 0)), 4: ("gbrap", (1, 2, 0, 3))}


def _raw_layout(first: np.ndarray) -> tuple[str, tuple[int, ...] | None]:
    """The raw pixel format to feed ffmpeg. Frames that are views of ``(T, C, H, W)`` data go
    in as planes (``gbrp``), written straight from the array: no per-frame transpose copy."""
    c = first.shape[2]
    if c in _PLANAR and not first.flags.c_contiguous and all(first[:, :, k].flags.c_contiguous for k in range(c)):
        return _PLANAR[c]
    return _RAW_PIX[c], None


def _frame_buffers(frames: Iterable[np.ndarray], order: tuple[int, ...] | None) -> Iterator[tuple[np.ndarray, ...]]:
    for f in frames:
        if order is None:
            yield (np.ascontiguousarray(f),)
        else:
            yield tuple(np.ascontiguousarray(f[:, :, k]) for k in order)


def _ffmpeg_to_bytes(
    args: list[str], suffix: str, *, feed: Iterable[tuple[np.ndarray, ...]] | None = None, count: int | None = None,
    progress: Progress | None = None, what: str, field: str = "data", timeout: float | None = None,
) -> bytes:  # fmt: skip
    """Run ffmpeg writing a temporary output file (MP4's faststart needs a seekable file) and
    return its bytes. ``feed`` frames go to stdin; with no feed, ``-progress`` drives ``progress``."""
    timeout = timeout or TIMEOUT
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        out_path, log_path = Path(tmp) / f"out{suffix}", Path(tmp) / "log"
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "repeat+level+error"]
        if feed is None and progress is not None:
            cmd += ["-progress", "pipe:1", "-nostats"]
        cmd += [*args, "-y", str(out_path)]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE if feed is None and progress is not None else subprocess.DEVNULL,
                stderr=log,
            )
            dog = _Watchdog(proc, timeout)
            try:
                if feed is not None:
                    _feed(proc, feed, count, progress)
                elif progress is not None:
                    _follow_progress(proc, count, progress)
                rc = proc.wait()
            finally:
                dog.cancel()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if dog.fired:
            msg = f"{field}: {what} did not finish within {timeout:g} s"
            raise DecodeError(msg)
        err = _first_error(_log_lines(log_path.read_bytes()))
        if rc != 0 or err:
            _raise_for(err or f"ffmpeg exited with status {rc}", field, f"{what} failed", encoding=feed is not None)
        return out_path.read_bytes()


def _feed(
    proc: subprocess.Popen[bytes], frames: Iterable[tuple[np.ndarray, ...]], count: int | None, progress: Progress | None
) -> None:
    assert proc.stdin is not None
    try:
        for i, buffers in enumerate(frames, 1):
            for buf in buffers:
                proc.stdin.write(buf.data.cast("B"))
            if progress:
                progress(i, count)
    except BrokenPipeError:
        pass  # ffmpeg stopped reading: its log says why
    finally:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass


def _follow_progress(proc: subprocess.Popen[bytes], total: int | None, progress: Progress) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b"frame="):
            try:
                progress(int(line[6:].strip()), total)
            except ValueError:
                pass


# -- decoding frames ----------------------------------------------------------------------------------------------


def iter_frames(
    path: str | os.PathLike[str], info: VideoInfo, *, channels: int | None = None, size: tuple[int, int] | None = None,
    max_frames: int | None = None, field: str = "data", timeout: float | None = None, max_pixels: int = MAX_PIXELS,
) -> Generator[np.ndarray, None, None]:  # fmt: skip
    """Yield decoded frames ``(H, W, C)`` uint8 one at a time, optionally scaled to ``size``
    (width, height). C is ``channels`` (1, 3 or 4), by default 4 with alpha, else 3."""
    c = channels or info.channels
    if info.container == "gif":
        yield from _gif_iter(Path(path).read_bytes(), c, size, max_frames, field, max_pixels)
        return
    w, h = size or (info.width, info.height)
    args = ["-max_pixels", str(max_pixels), "-i", str(path), "-map", "0:V:0", "-fps_mode", "passthrough"]
    if size is not None:
        args += ["-vf", f"scale={w}:{h}:flags=area"]
    if max_frames is not None:
        args += ["-frames:v", str(max_frames)]
    args += ["-f", "rawvideo", "-pix_fmt", _RAW_PIX[c], "pipe:1"]
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "repeat+level+error", *args]
    frame_bytes = w * h * c
    timeout = timeout or TIMEOUT
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        dog = _Watchdog(proc, timeout)
        try:
            assert proc.stdout is not None
            while True:
                buf = proc.stdout.read(frame_bytes)
                if len(buf) < frame_bytes:
                    break
                yield np.frombuffer(buf, np.uint8).reshape(h, w, c)
            rc = proc.wait()
        finally:
            dog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        log.seek(0)
        err = _first_error(_log_lines(log.read()))
    if dog.fired:
        msg = f"{field}: decoding did not finish within {timeout:g} s"
        raise DecodeError(msg)
    if rc != 0 or err:
        _raise_for(err or f"ffmpeg exited with status {rc}", field, "video could not be decoded")


def _gif_iter(
    blob: bytes, c: int, size: tuple[int, int] | None, max_frames: int | None, field: str, max_pixels: int
) -> Iterator[np.ndarray]:
    from PIL import Image as PILImage

    for i, (arr, _) in enumerate(gif_frames(blob, field=field, channels=c, max_pixels=max_pixels)):
        if max_frames is not None and i >= max_frames:
            return
        if size is not None and (arr.shape[1], arr.shape[0]) != size:
            im = PILImage.fromarray(arr[:, :, 0] if c == 1 else arr).resize(size, PILImage.Resampling.BOX)
            arr = np.asarray(im).reshape(size[1], size[0], c)
        yield arr


def read_frames(path: str | os.PathLike[str], info: VideoInfo, *, channels: int | None = None, field: str = "data") -> np.ndarray:
    """All frames as one ``(T, H, W, C)`` uint8 array (bounded by :data:`MAX_DECODED_BYTES`)."""
    c = channels or info.channels
    need = info.frames * info.width * info.height * c
    if need > MAX_DECODED_BYTES:
        msg = f"{field}: decoding all {info.frames} frames needs {need} bytes, more than the limit of {MAX_DECODED_BYTES}"
        raise LimitError(msg)
    out = np.empty((info.frames, info.height, info.width, c), np.uint8)
    n = 0
    for frame in iter_frames(path, info, channels=c, field=field):
        if n == len(out):  # the decoder produced more frames than the probe counted
            out = np.concatenate([out, frame[None]])
        else:
            out[n] = frame
        n += 1
    return out[:n]


# -- conversion -----------------------------------------------------------------------------------------------------


def transcode(
    path: str | os.PathLike[str], info: VideoInfo, fmt: str, *, progress: Progress | None = None, field: str = "data"
) -> bytes:
    """Re-encode a probed video file as ``fmt`` (audio is kept, except in GIFs)."""
    if fmt == "gif":
        if info.fps > GIF_MAX_FPS:
            msg = f"{field}: a {info.fps:g} fps video cannot be a GIF (browsers play GIFs at most {GIF_MAX_FPS:g} fps); choose mp4 or webm"
            raise ValidationError(msg)
        frames = iter_frames(path, info, field=field)
        return encode_gif(frames, width=info.width, height=info.height, fps=info.fps, count=info.frames, progress=progress)
    args = ["-i", str(path), "-map", "0:V:0"]
    if info.container == "gif":
        args += ["-r", fps_arg(info.fps)]  # GIF delays vary; give the target a constant rate
    args += [*_VIDEO_ARGS[fmt], *_PAD_ANY.get(fmt, [])]  # sizes by expression: the source may be rotated
    args += ["-map", "0:a:0?", *_AUDIO_ARGS[fmt]] if info.has_audio else ["-an"]
    args += [*_REPRODUCIBLE, "-f", _MUXER[fmt]]
    return _ffmpeg_to_bytes(args, SUFFIX[fmt], count=info.frames, progress=progress, what=f"conversion to {fmt}", field=field)


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
    info = probe(src, field=f"src ({str(src)!r})")
    out = transcode(src, info, fmt, progress=progress, field=f"src ({str(src)!r})")
    write_atomic(dst, out, field="dst")
