"""What the containers ffmpeg reads share (mp4, webm, ogv and the input-only mov, mkv, avi, m4v):
probing, decoding frames, encoding frames, converting files.

Output is reproducible: fixed encoder parameters and thread counts, ``-fflags +bitexact`` (which
also fixes the Ogg serial numbers and Matroska UIDs) and ``-map_metadata -1``. MP4 and WebM from
frames go through PyAV in-process when it is installed (:mod:`._pyav`), Theora and every file
through the ffmpeg binary (:mod:`._ffmpeg`).

Containers are named as in descriptors: ``ogg`` is Ogg/Theora (the ``ogv`` format, stored as
``.ogv``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .._errors import DecodeError, LimitError, ValidationError
from .._limits import MAX_PIXELS
from . import _ffmpeg, _pyav
from ._ffmpeg import Progress
from ._oggpages import MAGIC as OGG_MAGIC
from ._oggpages import _ogg_crc, check_ogg_complete
from ._spec import Source

#: Largest frame side we encode (H.264 level 6.2 allows 8192x4320; x264 and VP9 go to 16384).
MAX_SIDE = 16_384
#: Codec written for each container.
CODEC = {"mp4": "h264", "webm": "vp9", "ogg": "theora"}
#: Temporary output suffix of each container (the store suffix).
SUFFIX = {"mp4": ".mp4", "webm": ".webm", "ogg": ".ogv"}

# Fixed encoder settings, the same as PyAV's (formats/_pyav.py). Thread counts are not the
# machine's: x264 and libvpx give identical bytes for a given thread count, which
# :func:`._pyav.encoder_threads` derives from the frame size alone.
VIDEO_ARGS: dict[str, list[str]] = {
    "mp4": [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-profile:v", "high", "-tag:v", "avc1", "-movflags", "+faststart",
    ],
    "webm": [
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "0", "-crf", "30",
        "-pix_fmt", "yuv420p", "-row-mt", "1",
    ],
    "ogg": [
        "-c:v", "libtheora", "-q:v", "7", "-pix_fmt", "yuv420p",
    ],
}  # fmt: skip
def _video_args(fmt: str, width: int, height: int) -> list[str]:
    return [*VIDEO_ARGS[fmt], "-threads", str(_pyav.encoder_threads(fmt, width, height))]


_AUDIO_ARGS = {
    "mp4": ["-c:a", "aac", "-b:a", "128k"],
    "webm": ["-c:a", "libopus", "-b:a", "96k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "4"],
}
_REPRODUCIBLE = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]  # fmt: skip
MUXER = {"mp4": "mp4", "webm": "webm", "ogg": "ogg"}
_ALPHA_PIX = ("yuva", "rgba", "bgra", "argb", "abgr", "ya8", "ya16", "gbrap")
#: Narrowest Theora picture FFmpeg's decoder opens ("Invalid frame dimensions" below it).
THEORA_MIN_WIDTH = 18

#: Containers of standard streams that some major browsers still do not play: Ogg/Theora plays
#: in Firefox only (Chrome and Edge report DEMUXER_ERROR_NO_SUPPORTED_STREAMS, Safari never had it).
NOT_EVERYWHERE = ("ogg",)
#: Per container: the video codecs, pixel formats and audio codecs its browsers play.
_BROWSER_SAFE = {
    "mp4": ({"h264"}, {"yuv420p", "yuvj420p"}, {"aac", "mp3"}),
    "webm": ({"vp8", "vp9", "av1"}, {"yuv420p", "yuva420p"}, {"vorbis", "opus"}),
    "ogg": ({"theora"}, {"yuv420p"}, {"vorbis", "opus"}),
}


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
    #: Whether the container states its duration (a WebM written as a live stream does not:
    #: players then show no length and no seek bar).
    timed: bool = True

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def channels(self) -> int:
        """Channels of the decoded frames: 4 when the stream has alpha, else 3."""
        return 4 if self.pix_fmt.startswith(_ALPHA_PIX) else 3

    @property
    def standard(self) -> bool:
        """Whether the streams are the ones the container's players expect (the file may then be
        kept when its container is asked for)."""
        if self.container == "gif":
            return True
        rule = _BROWSER_SAFE.get(self.container)
        if rule is None:
            return False
        codecs, pix_fmts, audio = rule
        return self.codec in codecs and self.pix_fmt in pix_fmts and (self.audio_codec is None or self.audio_codec in audio)

    @property
    def browser_safe(self) -> bool:
        """Whether the file plays as it is in every major browser (then it is kept by default).
        Theora does not: Chromium-based browsers dropped it and Safari never had it."""
        return self.standard and self.container not in NOT_EVERYWHERE

    def facts(self, size: int) -> dict[str, object]:
        """The probe facts of a format spec (``spec.probe``)."""
        return {
            "format": self.container, "codec": self.codec, "width": self.width, "height": self.height,
            "frames": self.frames, "fps": self.fps, "duration": self.duration, "pix_fmt": self.pix_fmt,
            "has_audio": self.has_audio, "audio_codec": self.audio_codec, "browser_safe": self.browser_safe, "size": size,
            "container_duration": self.timed,
        }  # fmt: skip


def encoded_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Frame size the file ``fmt`` stores (and its descriptor states) for ``width`` x ``height``
    frames. VP9 (and GIF) store any size. H.264 4:2:0 has no odd sides: one column or row is
    added. Theora stores any height, and widths from :data:`THEORA_MIN_WIDTH` up (narrower
    pictures get columns added). Added columns and rows repeat the edge pixels (never black)."""
    if fmt == "mp4":
        return width + (width & 1), height + (height & 1)
    if fmt == "ogg":
        return max(width, THEORA_MIN_WIDTH), height
    return width, height


def _coded_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Frame size the encoder is given: Theora codes whole 16x16 macroblocks, and FFmpeg's
    encoder fills the part beyond the picture with whatever memory holds, which smears into
    the picture's last rows. So frames go in padded (edges repeated) to whole macroblocks, and
    the picture size is set in the stream header afterwards (:func:`_set_theora_picture`)."""
    w, h = encoded_size(fmt, width, height)
    return (-(-w // 16) * 16, -(-h // 16) * 16) if fmt == "ogg" else (w, h)


def pad_edges(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """``frame`` (H, W, C) grown to ``width`` x ``height`` by repeating its last column and row."""
    h, w = frame.shape[:2]
    if (w, h) == (width, height):
        return frame
    return np.pad(frame, ((0, height - h), (0, width - w), (0, 0)), mode="edge")


def _pad_filter(width: int, height: int, to: tuple[int, int]) -> list[str]:
    """An ffmpeg filter growing ``width`` x ``height`` frames to ``to``, repeating the edges."""
    if (width, height) == to:
        return []
    w, h = to
    return ["-vf", f"pad={w}:{h}:0:0,fillborders=right={w - width}:bottom={h - height}:mode=smear"]


def _set_theora_picture(blob: bytes, width: int, height: int, *, field: str = "data") -> bytes:
    """Declare the picture region of an Ogg/Theora file whose frames were coded at a larger
    size: the top-left ``width`` x ``height`` pixels (Theora counts the Y offset from the
    bottom). Rewrites the identification header on the first page and that page's checksum."""
    out = bytearray(blob)
    nseg = out[26] if len(out) > 27 else 0
    start = 27 + nseg
    end = start + sum(out[27:start])
    if out[:4] != OGG_MAGIC or out[start : start + 7] != b"\x80theora" or end - start < 42:
        msg = f"{field}: the Theora encoder wrote no identification header on the first page"
        raise ValidationError(msg)
    fmbw, fmbh = int.from_bytes(out[start + 10 : start + 12], "big"), int.from_bytes(out[start + 12 : start + 14], "big")
    if not (0 < width <= fmbw * 16 and 0 < height <= fmbh * 16 and fmbh * 16 - height < 256):
        msg = f"{field}: a {width}x{height} picture does not fit the coded {fmbw * 16}x{fmbh * 16} frame"
        raise ValidationError(msg)
    out[start + 14 : start + 17] = width.to_bytes(3, "big")
    out[start + 17 : start + 20] = height.to_bytes(3, "big")
    out[start + 20] = 0  # PICX
    out[start + 21] = fmbh * 16 - height  # PICY, from the bottom
    out[22:26] = b"\0\0\0\0"
    out[22:26] = _ogg_crc(bytes(out[:end])).to_bytes(4, "little")
    return bytes(out)


# -- probing ---------------------------------------------------------------------------------------


def _split_top(s: str) -> list[str]:
    """Split ffmpeg's stream description on the commas outside parentheses."""
    return [part.strip() for part in re.split(r",(?![^()]*\))", s)]


def _rate(tokens: list[str], unit: str) -> float | None:
    for t in tokens:
        m = re.fullmatch(r"([\d.]+)(k?) " + unit, t)
        if m:
            return float(m.group(1)) * (1000 if m.group(2) else 1)
    return None


def _container(demuxer: str, brand: str | None, head: bytes) -> str:
    names = demuxer.split(",")
    if "mp4" in names or "mov" in names:
        return "mov" if (brand or "").startswith("qt") else "mp4"
    if "matroska" in names or "webm" in names:
        # The EBML header's DocType says whether this is WebM or general Matroska.
        return "webm" if b"\x42\x82\x84webm" in head[:64] else "mkv"
    return names[0]


def probe(
    src: Source, *, field: str = "data", max_frames: int | None = 100_000, max_pixels: int = MAX_PIXELS,
    timeout: float | None = None, decode: bool = True,
) -> VideoInfo:  # fmt: skip
    """Identify a video file and count the frames of its first video stream: by decoding every
    one (``decode=True``: a file that does not decode to the end is a :class:`DecodeError`), or
    by reading its packets without decoding them (``decode=False``: cheap, for files whose
    soundness is known or not at stake). ``max_frames`` (None: no limit) and ``max_pixels`` are
    :class:`LimitError`. ffmpeg reads the caller's file when ``src`` is a path."""
    head = src.head(4096)
    count = ["-frames:v", str(max_frames + 1)] if max_frames is not None else []
    mode = ["-fps_mode", "passthrough"] if decode else ["-c:v", "copy"]
    with src.as_path() as p:
        out, lines = _ffmpeg.run(
            ["-max_pixels", str(max_pixels), "-i", str(p), "-map", "0:V:0", *count, *mode,
             "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
            field=field, what="not a decodable video", timeout=timeout,
        )  # fmt: skip
    demuxer = brand = None
    duration = None
    video: list[str] | None = None
    audio = None
    rotation = 0.0
    alpha = False
    in_video = False  # the lines under the video stream picked (its side data)
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
            in_video = True
            continue
        elif (m := re.match(r"Stream #0:\d+\S*: Audio: (\w+)", text)) and audio is None:
            audio = m.group(1)
        elif (m := re.match(r"Display Matrix: rotation of (-?[\d.]+) degrees", text)) and in_video:
            rotation = float(m.group(1))
        elif re.match(r"alpha_mode\s*:\s*1", text) and in_video:
            alpha = True  # VP8/VP9 alpha lives beside the frames (WebM BlockAdditional)
        if text.startswith("Stream #"):
            in_video = False
    if decode and head[:4] == b"OggS":
        check_ogg_complete(src.read(), field=field)
    counts = re.findall(rb"^frame=(\d+)", out, re.MULTILINE)
    if demuxer is None or video is None or not counts:
        msg = f"{field}: not a decodable video (ffmpeg found no video stream)"
        raise DecodeError(msg)
    frames = int(counts[-1])
    if frames == 0:
        msg = f"{field}: the video stream holds no decodable frames"
        raise DecodeError(msg)
    if max_frames is not None and frames > max_frames:
        msg = f"{field}: the video has more than {max_frames} frames (the limit)"
        raise LimitError(msg)
    dims = next((m for t in video if (m := re.match(r"(\d+)x(\d+)", t))), None)
    if dims is None:
        msg = f"{field}: ffmpeg reported no frame size for the video stream"
        raise DecodeError(msg)
    codec = video[0].split()[0]
    width, height = int(dims.group(1)), int(dims.group(2))
    if round(abs(rotation)) % 180 == 90:  # players (and ffmpeg's decoder) turn it: describe it as shown
        width, height = height, width
    pix_fmt = video[1].split("(")[0] if len(video) > 1 else ""
    if alpha and pix_fmt == "yuv420p":
        pix_fmt = "yuva420p"  # what libvpx decodes it to: the native decoder would drop the alpha
    fps = _rate(video, "fps") or _rate(video, "tbr")
    timed = bool(duration)
    if not duration:
        duration = frames / fps if fps else 0.0
    if not fps:
        fps = frames / duration if duration else 25.0
    return VideoInfo(
        container=_container(demuxer, brand, head), codec=codec, width=width, height=height,
        frames=frames, fps=round(fps, 6), duration=round(duration, 6), pix_fmt=pix_fmt, audio_codec=audio, timed=timed,
    )  # fmt: skip


def decoder_args(info: VideoInfo) -> list[str]:
    """Input options choosing the decoder: libvpx for VP8/VP9 with alpha (ffmpeg's own VP8/VP9
    decoders ignore the alpha channel WebM carries beside the frames)."""
    if info.pix_fmt.startswith("yuva") and info.codec in ("vp8", "vp9"):
        return ["-c:v", "libvpx-vp9" if info.codec == "vp9" else "libvpx"]
    return []


# -- decoding frames ---------------------------------------------------------------------------------


def iter_frames(
    src: Source, info: VideoInfo, *, channels: int | None = None, size: tuple[int, int] | None = None,
    max_frames: int | None = None, field: str = "data", timeout: float | None = None, max_pixels: int = MAX_PIXELS,
) -> Generator[np.ndarray, None, None]:  # fmt: skip
    """Yield decoded frames ``(H, W, C)`` uint8 one at a time, optionally scaled to ``size``
    (width, height). C is ``channels`` (1, 3 or 4), by default 4 with alpha, else 3. Closing
    the generator stops the decoder."""
    c = channels or info.channels
    w, h = size or (info.width, info.height)
    frame_bytes = w * h * c
    with src.as_path() as path:
        args = ["-max_pixels", str(max_pixels), *decoder_args(info), "-i", str(path), "-map", "0:V:0", "-fps_mode", "passthrough"]
        if size is not None:
            args += ["-vf", f"scale={w}:{h}:flags=area"]
        if max_frames is not None:
            args += ["-frames:v", str(max_frames)]
        args += ["-f", "rawvideo", "-pix_fmt", _ffmpeg.RAW_PIX[c], "pipe:1"]
        with _ffmpeg.spawn(args, stdout=True, timeout=timeout) as r:
            assert r.proc.stdout is not None
            while True:
                buf = r.proc.stdout.read(frame_bytes)
                if len(buf) < frame_bytes:
                    break
                yield np.frombuffer(buf, np.uint8).reshape(h, w, c)
    r.check(field=field, what="video could not be decoded", timed_out="decoding")


# -- encoding frames ---------------------------------------------------------------------------------


def encode_frames(
    frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, fmt: str, count: int | None = None,
    progress: Progress | None = None,
) -> bytes:  # fmt: skip
    """Encode frames of ``(H, W, C)`` uint8 as ``fmt`` (mp4, webm or ogg), streaming them one at
    a time (into PyAV's encoder, or to ffmpeg's stdin). The file holds frames of
    :func:`encoded_size`; what is added repeats the edge pixels."""
    it = iter(frames)
    first = next(it, None)
    if first is None:
        msg = "data: no frames to encode"
        raise ValidationError(msg)
    cw, ch = _coded_size(fmt, width, height)
    frames = itertools.chain([first], it)
    if (cw, ch) != (width, height):
        frames = (pad_edges(f, cw, ch) for f in frames)
        first = pad_edges(first, cw, ch)
    if fmt in _pyav.SETTINGS and (av := _pyav.available()) is not None:
        return _pyav.encode(av, frames, first, width=cw, height=ch, fps=fps, fmt=fmt, muxer=MUXER[fmt], suffix=SUFFIX[fmt],
                            count=count, progress=progress)  # fmt: skip
    pix_fmt, order = _ffmpeg.raw_layout(first)
    args = ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{cw}x{ch}", "-framerate", _ffmpeg.fps_arg(fps), "-i", "pipe:0"]
    args += [*_video_args(fmt, cw, ch), "-an", *_REPRODUCIBLE, "-f", MUXER[fmt]]
    buffers = _frame_buffers(frames, order)
    blob = _ffmpeg.to_bytes(args, SUFFIX[fmt], feed=buffers, count=count, progress=progress, what=f"{fmt} encoding")
    if fmt == "ogg" and (cw, ch) != encoded_size(fmt, width, height):
        blob = _set_theora_picture(blob, *encoded_size(fmt, width, height))
    return blob


def _frame_buffers(frames: Iterable[np.ndarray], order: tuple[int, ...] | None) -> Iterator[tuple[np.ndarray, ...]]:
    for f in frames:
        if order is None:
            yield (np.ascontiguousarray(f),)
        else:
            yield tuple(np.ascontiguousarray(f[:, :, k]) for k in order)


# -- conversion ----------------------------------------------------------------------------------------


def transcode(src: Source, info: VideoInfo, fmt: str, *, progress: Progress | None = None, field: str = "data") -> bytes:
    """Re-encode a probed video file as ``fmt`` (mp4, webm or ogg; its audio is kept), at
    :func:`encoded_size` of its displayed size (edges repeated where sides are added)."""
    size = encoded_size(fmt, info.width, info.height)
    coded = _coded_size(fmt, info.width, info.height)
    with src.as_path() as path:
        args = ["-i", str(path), "-map", "0:V:0"]
        if info.container == "gif":
            args += ["-r", _ffmpeg.fps_arg(info.fps)]  # GIF delays vary; give the target a constant rate
        args += [*_video_args(fmt, *coded), *_pad_filter(info.width, info.height, coded)]
        args += ["-map", "0:a:0?", *_AUDIO_ARGS[fmt]] if info.has_audio else ["-an"]
        args += [*_REPRODUCIBLE, "-f", MUXER[fmt]]
        blob = _ffmpeg.to_bytes(args, SUFFIX[fmt], count=info.frames, progress=progress, what=f"conversion to {fmt}", field=field)
    return _set_theora_picture(blob, *size, field=field) if fmt == "ogg" and coded != size else blob


def remux(src: Source, info: VideoInfo, *, field: str = "data") -> bytes:
    """The same streams, not re-encoded (``-c copy``), in a new ``info.container`` file: the
    muxer writes what a file written as a stream lacks (WebM from a browser's MediaRecorder:
    the duration and the seek index), so players show its length and a seek bar."""
    fmt = info.container
    with src.as_path() as path:
        args = ["-i", str(path), "-map", "0:V", "-map", "0:a?", "-c", "copy", "-fflags", "+bitexact", "-f", MUXER[fmt]]
        return _ffmpeg.to_bytes(args, SUFFIX[fmt], what=f"rewriting the {fmt} container", field=field)


def facts(src: Source) -> dict[str, object]:
    """``spec.probe`` of the ffmpeg-read containers: what the container says and its packet
    count, without decoding a frame."""
    return probe(src, field=src.field, max_frames=None, decode=False).facts(src.size)
