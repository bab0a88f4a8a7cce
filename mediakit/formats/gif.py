"""GIF: our animated-GIF writer, frame reading and probing (Pillow, core).

Frames share one palette (the global colour table) made by Pillow's fast octree quantiser
(``Quantize.FASTOCTREE``) from a sample of the first frames, and are mapped to it by Pillow's
cached nearest-colour search; a scene the palette fits badly gets a palette of its own (see
:func:`encode_gif`). Each frame is written whole with its own delay; the container is assembled here so that no frame is merged or dropped (Pillow's
``save_all`` folds identical frames together, which changes the frame count).

A GIF is a video when it is animated, else an image (:func:`classify`); still GIFs as images are
decoded by :mod:`mediakit.formats.raster`.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError
from .._limits import MAX_CANVAS_FRAMES, MAX_PIXELS
from ._ffmpeg import Progress
from ._ffvideo import VideoInfo
from ._spec import FormatSpec, Source

MAGIC = (b"GIF87a", b"GIF89a")
#: GIF delays are whole centiseconds and browsers play delays under 2 cs at 10 fps.
GIF_MAX_FPS = 50.0


# -- writing -----------------------------------------------------------------------------------------


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
#: Frames buffered (and pixels sampled) to build the shared palette before the first is written.
PALETTE_FRAMES = 16
PALETTE_SAMPLE_PIXELS = 1 << 17
#: A frame whose mean error against the palette in use (per channel, 0-255) passes this, and
#: twice the error the palette had where it was made, gets a palette of its own (a scene change).
REPALETTE_ERROR = 3.0
#: Mean change (per channel, 0-255, on a sparse grid) since the last check that makes the writer
#: measure the palette's fit again.
CHANGE_LEVELS = 6.0


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


class _Palette:
    """One colour table (Pillow quantiser output) and the mean error it had on its sample."""

    def __init__(self, frames: list[np.ndarray], colours: int) -> None:
        from PIL import Image as PILImage

        h, w = frames[0].shape[:2]
        # A strided sample of every buffered frame: the octree sees all of them, at most
        # PALETTE_SAMPLE_PIXELS pixels in all.
        step = 1
        while len(frames) * ((h + step - 1) // step) * ((w + step - 1) // step) > PALETTE_SAMPLE_PIXELS:
            step += 1
        sh, sw = (h + step - 1) // step, (w + step - 1) // step
        sample = np.empty((len(frames) * sh, sw, 3), np.uint8)
        for i, f in enumerate(frames):
            sample[i * sh : (i + 1) * sh] = f[::step, ::step, :3]
        self.image = PILImage.fromarray(sample, "RGB").quantize(colours, method=PILImage.Quantize.FASTOCTREE)
        raw = bytes(self.image.getpalette() or [])[: 3 * colours]
        self.rgb = np.frombuffer(raw.ljust(3 * colours, b"\x00"), np.uint8).reshape(-1, 3)
        self.table = raw
        self.error = self.sample_error(self.image, sample)

    def sample_error(self, indexed: Any, frame: np.ndarray) -> float:
        """Mean absolute error (0-255) of ``indexed`` (P image of ``frame``) on a sparse grid."""
        idx = np.asarray(indexed)
        s = max(1, min(idx.shape) // 32)
        return float(np.abs(self.rgb[idx[::s, ::s]].astype(np.int16) - frame[::s, ::s, :3]).mean())

    def map(self, frame: np.ndarray) -> Any:
        from PIL import Image as PILImage

        return _pil_rgb(frame).quantize(palette=self.image, dither=PILImage.Dither.NONE)


def _table_bits(table: bytes) -> int:
    return max(1, (max(1, len(table) // 3) - 1).bit_length())


def _gif_image_block(im: Any, table: bytes | None, delay_cs: int, transparent: int | None) -> bytes:
    """Graphic control extension, image descriptor (with a local colour table unless ``table``
    is None: the global one applies), LZW data."""
    packed = (2 << 2 | 1) if transparent is not None else 0  # disposal 2: holes show through
    gce = b"!\xf9\x04" + bytes([packed]) + delay_cs.to_bytes(2, "little") + bytes([transparent or 0]) + b"\x00"
    w, h = im.size
    flags = b"\x00"
    local = b""
    if table is not None:
        bits = _table_bits(table)
        local = table.ljust(3 << bits, b"\x00")[: 3 << bits]
        flags = bytes([0x80 | (bits - 1)])
    desc = b"," + b"\x00\x00\x00\x00" + w.to_bytes(2, "little") + h.to_bytes(2, "little") + flags
    # Pillow's GIF encoder (a public encoder name for Image.tobytes) gives the LZW sub-blocks for
    # 8-bit codes; the block terminator follows.
    return gce + desc + local + b"\x08" + im.tobytes("gif", "P") + b"\x00"


def _indexed(frame: np.ndarray, palette: _Palette, *, check: bool = True) -> tuple[Any, int | None, float]:
    """``frame`` mapped to ``palette`` (RGBA frames get index 255 where alpha is below half),
    and the palette's sampled error on it (transparent pixels included: they keep colour; 0.0
    when ``check`` is off)."""
    from PIL import Image as PILImage

    im = palette.map(frame)
    err = palette.sample_error(im, frame) if check else 0.0
    if frame.shape[2] != 4:
        return im, None, err
    idx = np.array(im)
    idx[frame[:, :, 3] < 128] = 255  # GIF transparency is on/off
    return PILImage.frombuffer("P", (idx.shape[1], idx.shape[0]), idx, "raw", "P", 0, 1), 255, err


def _changed(frame: np.ndarray, seen: np.ndarray | None) -> tuple[bool, np.ndarray]:
    """Whether ``frame`` differs from the frame last checked against the palette (``seen``, a
    sparse grid of it) by more than :data:`CHANGE_LEVELS` on average; and the frame's grid."""
    s = max(1, min(frame.shape[:2]) // 16)
    grid = frame[::s, ::s, :3].astype(np.int16)
    return seen is None or float(np.abs(grid - seen).mean()) > CHANGE_LEVELS, grid


def encode_gif(
    frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None, progress: Progress | None = None
) -> bytes:  # fmt: skip
    """An animated GIF (looping) of frames of ``(H, W, C)`` uint8, C in {1, 3, 4} (``count``,
    if known, is only for ``progress``). Every frame is written whole with its own delay.

    Colour: one palette (the global colour table) is built by Pillow's fast octree from a
    sample of the first :data:`PALETTE_FRAMES` frames and every frame is mapped to it (nearest
    colour, no dithering); a frame the palette in use fits badly (a scene change) gets its own
    palette as a local colour table, used by the frames after it while it fits. Grey frames use
    a grey ramp (lossless)."""
    from PIL import Image as PILImage

    it = iter(frames)
    head: list[np.ndarray] = []
    for frame in it:
        head.append(frame)
        if len(head) >= PALETTE_FRAMES:
            break
    out = io.BytesIO()
    out.write(b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little"))
    grey = bool(head) and head[0].shape[2] == 1
    alpha = bool(head) and head[0].shape[2] == 4
    glob: _Palette | None = None
    if grey:
        out.write(b"\xf7\x00\x00" + _GREY_PALETTE)  # global table of 256 greys
    elif head:
        glob = _Palette(head, 255 if alpha else 256)
        bits = _table_bits(glob.table)
        out.write(bytes([0x80 | (bits - 1) << 4 | (bits - 1), 0, 0]) + glob.table.ljust(3 << bits, b"\x00"))
    else:
        out.write(b"\x00\x00\x00")
    out.write(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    current = glob
    written = 0
    seen: np.ndarray | None = None  # grid of the frame last checked against the palette in use
    for frame, delay in zip(itertools.chain(head, it), _gif_delays(fps)):
        if grey:
            im = PILImage.frombuffer("P", (frame.shape[1], frame.shape[0]), np.ascontiguousarray(frame[:, :, 0]), "raw", "P", 0, 1)
            block = _gif_image_block(im, None, delay, None)
        else:
            assert current is not None and glob is not None
            # The palette's fit is measured only when the picture has moved on since it was last
            # measured (a cut, or a slow drift adding up): most frames of a scene are not.
            check, grid = _changed(frame, seen)
            if check:
                seen = grid
            im, transparent, err = _indexed(frame, current, check=check)
            if err > REPALETTE_ERROR and err > 2 * current.error + 1:
                current = _Palette([frame], 255 if alpha else 256)
                im, transparent, _ = _indexed(frame, current, check=False)
            block = _gif_image_block(im, None if current is glob else current.table, delay, transparent)
        out.write(block)
        written += 1
        if progress:
            progress(written, count)
    out.write(b";")
    return out.getvalue()


# -- reading -----------------------------------------------------------------------------------------


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
        area = max(1, im.size[0] * im.size[1])
        i = 0
        while True:
            if i >= max_frames:
                msg = f"{field}: the GIF has more than {max_frames} frames (the limit)"
                raise LimitError(msg)
            if (i + 1) * area > MAX_CANVAS_FRAMES:
                _refuse_canvas(field, im.size[0], im.size[1], i + 1)
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


def _refuse_canvas(field: str, w: int, h: int, frames: int) -> None:
    msg = (
        f"{field}: the GIF composites {frames:,} frames on a {w}x{h} screen, more than the limit of "
        f"{MAX_CANVAS_FRAMES:,} pixels x frames; shrink the animation or give it fewer frames"
    )
    raise LimitError(msg)


def check_canvas(blob: bytes, *, field: str = "data", max_frames: int | None = None) -> None:
    """Refuse, from the blocks alone (no pixel decoded), a GIF whose logical screen x frames (the
    first ``max_frames`` when given) exceeds :data:`~mediakit._limits.MAX_CANVAS_FRAMES`: Pillow
    composites every frame at the full logical screen size. A GIF whose blocks do not scan is left
    to the decoder (which also counts as it goes)."""
    if len(blob) < 13:
        return
    w, h = int.from_bytes(blob[6:8], "little"), int.from_bytes(blob[8:10], "little")
    area = max(1, w * h)
    cap = MAX_CANVAS_FRAMES // area + 1
    if max_frames is not None:
        cap = min(cap, max_frames)
    try:
        n = scan(blob, stop_after=cap)[2]
    except DecodeError:
        return
    if n * area > MAX_CANVAS_FRAMES:
        _refuse_canvas(field, w, h, n)


def iter_frames(
    blob: bytes, channels: int, size: tuple[int, int] | None, max_frames: int | None, field: str, max_pixels: int
) -> Iterator[np.ndarray]:
    """Decoded frames ``(H, W, C)``, optionally box-scaled to ``size`` (width, height)."""
    from PIL import Image as PILImage

    check_canvas(blob, field=field, max_frames=max_frames)
    c = channels
    for i, (arr, _) in enumerate(gif_frames(blob, field=field, channels=c, max_pixels=max_pixels)):
        if max_frames is not None and i >= max_frames:
            return
        if size is not None and (arr.shape[1], arr.shape[0]) != size:
            im = PILImage.fromarray(arr[:, :, 0] if c == 1 else arr).resize(size, PILImage.Resampling.BOX)
            arr = np.asarray(im).reshape(size[1], size[0], c)
        yield arr


def _effective_delay(ms: int) -> int:
    return ms if ms >= 20 else 100  # browsers play delays under 20 ms at 100 ms


def probe_gif(blob: bytes, *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS) -> VideoInfo:
    """Identify a GIF and decode every frame (a GIF that does not decode to its end is a
    :class:`DecodeError`)."""
    if not blob.rstrip(b"\x00").endswith(b";"):
        # Pillow stops quietly at a cut between frames; a complete GIF ends with its trailer.
        msg = f"{field}: truncated GIF: the file does not end with the GIF trailer"
        raise DecodeError(msg)
    check_canvas(blob, field=field)
    n, total, alpha = 0, 0, False
    w = h = 0
    for arr, delay in gif_frames(blob, field=field, max_frames=max_frames, max_pixels=max_pixels):
        n += 1
        total += _effective_delay(delay)
        h, w = arr.shape[:2]
        alpha = arr.shape[2] == 4
    duration = total / 1000
    return VideoInfo("gif", "gif", w, h, n, round(n / duration, 6), round(duration, 6), "rgba" if alpha else "rgb24")


# -- cheap facts (no LZW decoding) -------------------------------------------------------------------


def _skip_sub_blocks(blob: bytes, pos: int) -> int:
    while True:
        if pos >= len(blob):
            msg = "truncated GIF"
            raise DecodeError(msg)
        n = blob[pos]
        pos += 1 + n
        if n == 0:
            return pos


def scan(blob: bytes, *, stop_after: int | None = None) -> tuple[int, int, int, int, bool]:
    """Walk a GIF's blocks without decoding pixels: ``(width, height, frames, total delay in ms
    as browsers play it, has transparency)``; stops after ``stop_after`` frames when given."""
    if blob[:6] not in MAGIC or len(blob) < 13:
        msg = "not a GIF"
        raise DecodeError(msg)
    w, h, packed = int.from_bytes(blob[6:8], "little"), int.from_bytes(blob[8:10], "little"), blob[10]
    pos = 13 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0)
    frames = total = delay = 0
    alpha = False
    while pos < len(blob) and blob[pos] != 0x3B and (stop_after is None or frames < stop_after):
        if blob[pos] == 0x21 and pos + 1 < len(blob):
            if blob[pos + 1] == 0xF9 and pos + 6 < len(blob) and blob[pos + 2] >= 4:
                alpha = alpha or bool(blob[pos + 3] & 1)
                delay = int.from_bytes(blob[pos + 4 : pos + 6], "little") * 10
            pos = _skip_sub_blocks(blob, pos + 2)
        elif blob[pos] == 0x2C and pos + 10 < len(blob):
            packed = blob[pos + 9]
            pos += 10 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0) + 1  # + LZW minimum code size
            pos = _skip_sub_blocks(blob, pos)
            frames += 1
            total += _effective_delay(delay)
            delay = 0
        else:
            msg = f"corrupt GIF (unexpected byte at {pos})"
            raise DecodeError(msg)
    return w, h, frames, total, alpha


def scan_info(blob: bytes, *, field: str = "data") -> VideoInfo:
    """:func:`probe_gif`'s facts from the blocks alone, for GIFs known to be sound (our own)."""
    try:
        w, h, n, total, alpha = scan(blob)
    except DecodeError as e:
        msg = f"{field}: {e}"
        raise DecodeError(msg) from None
    duration = total / 1000
    fps = round(n / duration, 6) if duration else 0.0
    return VideoInfo("gif", "gif", w, h, n, fps, round(duration, 6), "rgba" if alpha else "rgb24")


def probe(src: Source) -> dict[str, Any]:
    """``spec.probe``: size, frame count, timing and transparency from the GIF's blocks."""
    blob = src.read()
    info = scan_info(blob, field=src.field)
    return {**info.facts(len(blob)), "animated": info.frames > 1}


def classify(src: Source) -> str:
    """An animated GIF is a video, a still one an image."""
    try:
        return "video" if scan(src.read(), stop_after=2)[2] > 1 else "image"
    except DecodeError:
        return "image"


def decode(src: Source) -> np.ndarray:
    """``spec.decode`` (as a video): every frame, ``(T, H, W, C)`` uint8."""
    from .video import decode as decode_video

    return decode_video(src)


def convert(src: Any, dst: Any, *, progress: Progress | None = None) -> None:
    """``spec.convert`` (as a video): see :func:`mediakit.formats.video.convert`."""
    from .video import convert as convert_video

    convert_video(src, dst, progress=progress)


def encode(frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """``spec.encode``: an animated GIF of ``(H, W, C)`` uint8 frames (see :func:`encode_gif`)."""
    return encode_gif(frames, width=width, height=height, fps=fps, count=count, progress=progress)


def _image_convert(src: Any, dst: Any, *, progress: Any = None) -> None:
    from . import raster

    raster.convert(src, dst, progress=progress)


def _image_decode(source: Source, *, page: int | None = None) -> tuple[np.ndarray, int]:
    from . import raster

    return raster.decode_source(source, page=page)


SPEC = FormatSpec(
    name="gif",
    kinds=("image", "video"),
    suffixes=(".gif",),
    media_type="image/gif",
    magic=MAGIC,
    probe=probe,
    decode=decode,
    encode=encode,
    converts_to=("mp4", "webm", "ogv"),
    convert=convert,
    classify=classify,
    description="GIF (animated: a video, written by mediakit's own container writer; still: an image)",
    notes={"codec": "gif", "container": "gif", "max_fps": GIF_MAX_FPS},
    # A GIF given to Image is read through Pillow one page at a time and kept when it is a still;
    # mediakit writes GIFs only as video.
    by_kind={
        "image": {
            "decode": _image_decode,
            "encode": None,
            "converts_to": ("png", "jpeg", "webp", "bmp"),
            "convert": _image_convert,
        }
    },
)
