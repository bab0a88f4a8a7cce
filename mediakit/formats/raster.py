"""Raster files through Pillow, shared by the image format modules (``png``, ``jpeg``, ``webp``,
``bmp``, ``gif``'s still frames) and usable by other packages: guarded decoding of untrusted
bytes, pixels as arrays, header facts, and file conversion.

Decoding reads the header first and refuses images beyond the pixel and side limits before any
pixel data is decompressed (decompression bombs), and turns Pillow's own bomb warning into an
error. Encoding (in each format's module) is deterministic: no metadata, fixed parameters.

EXIF orientation: files carry their pixels as the sensor stored them and an EXIF tag (0x0112)
saying how to turn them for display, which every browser applies. :func:`decode_source`,
:func:`decode_pixels` and :func:`probe_source` give pixels and sizes *as displayed*;
:func:`orientation` reads the tag and :func:`oriented` applies it to a Pillow image.
"""

from __future__ import annotations

import io
import struct
import warnings
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .._errors import DecodeError, LimitError, MediaFileNotFoundError, ValidationError
from .._files import write_atomic
from .._limits import MAX_PIXELS, MAX_SIDE
from .._record import FrozenRecord
from ._spec import Source
from .png import CHANNELS as PNG_CHANNELS
from .png import chunks as png_chunks
from .png import decode_png_fast


def _image_names() -> str:
    from . import by_kind

    names = [{"webp": "WebP"}.get(s.name, s.name.upper()) for s in by_kind("image")]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def probe(data: bytes, *, field: str = "data", max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> PILImage.Image:
    """Open (header only) and check limits; the caller may then ``load()`` safely.

    The one pixel limit is ``max_pixels`` (``mk.Limits.max_pixels``), checked by
    :func:`check_size`; Pillow's own default (a warning at 89 MP) is not applied on top of it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            im = PILImage.open(io.BytesIO(data))
    except PILImage.DecompressionBombError:  # beyond twice Pillow's default: beyond MAX_PIXELS too
        msg = f"{field}: the image has more pixels than Pillow opens by default ({2 * (PILImage.MAX_IMAGE_PIXELS or 0):,}); the limit is {max_pixels:,} pixels (mk.Limits.max_pixels)"
        raise LimitError(msg) from None
    except PILImage.UnidentifiedImageError:
        from . import sniff

        spec = sniff(data[:64], kind="image")
        if spec is not None:
            msg = f"{field}: {spec.name.upper()} signature found, but the file could not be decoded ({len(data)} bytes; truncated or corrupt)"
        else:
            msg = f"{field}: not a readable image file (no {_image_names()} signature; {len(data)} bytes)"
        raise DecodeError(msg) from None
    except Exception as e:  # Pillow raises many kinds of errors for unreadable files
        msg = f"{field}: not a readable image file ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None
    check_size(im.size[0], im.size[1], field=field, max_pixels=max_pixels, max_side=max_side)
    return im


def check_size(w: int, h: int, *, field: str, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> None:
    """Refuse sides outside 1..max_side and more than max_pixels pixels (before decoding)."""
    if w < 1 or h < 1 or w > max_side or h > max_side:
        msg = f"{field}: image of {w}x{h} pixels; each side must be between 1 and {max_side}"
        raise LimitError(msg)
    if w * h > max_pixels:
        msg = f"{field}: image of {w}x{h} = {w * h:,} pixels is larger than the limit of {max_pixels:,} pixels (mk.Limits.max_pixels)"
        raise LimitError(msg)


def load(data: bytes, *, field: str = "data", max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> PILImage.Image:
    """Open and fully decode an image file, with the limits of :func:`probe`."""
    im = probe(data, field=field, max_pixels=max_pixels, max_side=max_side)
    _load(im, field)
    return im


def frame_count(im: PILImage.Image, field: str) -> int:
    """How many frames (pages) ``im`` holds. Pillow counts a GIF's frames by reading through all
    of them, so a broken frame past the first raises here (IndexError, struct.error, ...)."""
    try:
        return int(getattr(im, "n_frames", 1) or 1)
    except Exception as e:
        msg = f"{field}: the frames could not be counted, the file is broken past its first frame ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


def _load(im: PILImage.Image, field: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)  # checked by probe
            im.load()
    except Exception as e:  # as above: truncated data, bad chunks, decoder errors
        msg = f"{field}: image data could not be decoded ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


#: EXIF orientation (tag 0x0112) -> the Pillow transpose that shows the picture upright.
_TRANSPOSE = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112


def orientation(im: PILImage.Image) -> int:
    """The EXIF orientation of an opened image file, 1 to 8 (1, upright, when there is no tag
    or it is unreadable or out of range)."""
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a corrupt EXIF block is no reason to refuse the picture
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def oriented(im: PILImage.Image, value: int | None = None) -> PILImage.Image:
    """The image turned as its EXIF orientation (or ``value``) says it is displayed (the same
    image when it is upright)."""
    value = orientation(im) if value is None else value
    return im.transpose(_TRANSPOSE[value]) if value in _TRANSPOSE else im


def oriented_size(width: int, height: int, value: int) -> tuple[int, int]:
    """The displayed ``(width, height)`` of a ``width`` x ``height`` file with EXIF orientation
    ``value`` (5 to 8 turn it by a quarter)."""
    return (height, width) if value in (5, 6, 7, 8) else (width, height)


def file_orientation(data: bytes) -> int:
    """The EXIF orientation of an image file's bytes (header only; 1 when there is none)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return orientation(PILImage.open(io.BytesIO(data)))
    except Exception:  # unreadable headers are the decoder's business, not this one's
        return 1


def _may_have_exif(data: bytes) -> bool:
    """Whether a PNG may carry an ``eXIf`` chunk (then Pillow reads it, not the fast path)."""
    return data.startswith(b"\x89PNG") and b"eXIf" in data


def pil_to_array(im: PILImage.Image) -> np.ndarray:
    """Pixels of a Pillow image as uint8 ``(H, W)`` L, ``(H, W, 2)`` LA, ``(H, W, 3)`` RGB or
    ``(H, W, 4)`` RGBA (uint16 for 16-bit grey); other modes are converted to the nearest of these."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(im, dtype=np.uint16)
    if mode == "I":
        arr = np.asarray(im)
        if arr.min() >= 0 and arr.max() <= 65535:
            return arr.astype(np.uint16)
        return arr
    if mode == "F":
        return np.asarray(im)
    if mode in ("L", "LA", "RGB", "RGBA"):
        return np.asarray(im)
    if mode == "1":
        return np.asarray(im.convert("L"))
    if mode == "La":  # premultiplied alpha: Pillow converts it to LA only
        return np.asarray(im.convert("LA"))
    if mode == "PA" or (mode == "P" and "transparency" in im.info) or mode == "RGBa":
        return np.asarray(im.convert("RGBA"))
    return np.asarray(im.convert("RGB"))


def decode_pixels(data: bytes, *, field: str = "data", max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode any supported image file to an array, as displayed (EXIF orientation applied;
    fast path for mediakit's own PNGs)."""
    try:
        fast = None if _may_have_exif(data) else decode_png_fast(data, max_pixels=max_pixels)
    except (DecodeError, LimitError) as e:
        msg = f"{field}: {e}"
        raise type(e)(msg) from None
    if fast is not None:
        return fast
    return pil_to_array(oriented(load(data, field=field, max_pixels=max_pixels)))


# -- what the Pillow-read format modules plug into their specs ---------------------------------


def probe_source(source: Source, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> dict[str, Any]:
    """Header facts of an image file (nothing decoded): width and height as displayed, mode,
    pages, and ``orientation`` (the EXIF tag, when it turns the picture)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        im = probe(source.read(), field=source.where, max_pixels=max_pixels, max_side=max_side)
        turn = orientation(im)
    w, h = oriented_size(im.size[0], im.size[1], turn)
    facts: dict[str, Any] = {"width": w, "height": h, "mode": im.mode, "pages": frame_count(im, source.where)}
    if turn != 1:
        facts["orientation"] = turn
    return facts


def decode_source(
    source: Source, *, page: int | None = None, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE
) -> tuple[np.ndarray, int]:
    """Decode one page (frame) of an image file: ``(pixels, page count)``, as displayed (EXIF
    orientation applied). The header is read once, the pixels once; mediakit's own PNGs take
    the fast reader (16-bit colour kept)."""
    data = source.read()
    field = source.where
    if page in (None, 0) and not _may_have_exif(data):
        try:
            fast = decode_png_fast(data, max_pixels=max_pixels)
        except (DecodeError, LimitError) as e:
            msg = f"{field}: {e}"
            raise type(e)(msg) from None
        if fast is not None:
            return fast, 1
    im = probe(data, field=field, max_pixels=max_pixels, max_side=max_side)
    pages = frame_count(im, field)
    if page:
        check_page(page, pages, field=field)
        try:
            im.seek(page)
        except Exception as e:
            msg = f"{field}: page {page} could not be decoded ({type(e).__name__}: {e})"
            raise DecodeError(msg) from None
    _load(im, field)
    return pil_to_array(oriented(im)), pages


def check_page(page: int, pages: int, *, field: str) -> None:
    if not 0 <= page < pages:
        msg = f"page: {field} has {pages} page{'s' if pages != 1 else ''} (0 to {pages - 1}), got page={page}"
        raise ValidationError(msg)


def convert(src: Any, dst: Any, *, progress: Any = None) -> None:
    """Convert an image file to any image format that can be written (chosen by ``dst``'s suffix)."""
    from pathlib import Path

    from . import by_kind, spec_for_suffix

    src, dst = Path(src), Path(dst)
    spec = spec_for_suffix(dst.suffix)
    writable = [s.for_kind("image") for s in by_kind("image")]
    writable = [s for s in writable if s.encode is not None and s.stored]
    if spec is None or spec not in writable:
        choices = ", ".join(sfx for s in writable for sfx in s.suffixes)
        msg = f"output: images convert to {choices}, got {dst.suffix!r}"
        raise ValidationError(msg)
    if not src.exists():
        msg = f"input: file {str(src)!r} does not exist"
        raise MediaFileNotFoundError(msg)
    arr = read_any(Source(src, field="input"))
    fmt = spec.name
    if fmt in ("jpeg", "bmp") and arr.ndim == 3 and arr.shape[2] in (2, 4):
        # Neither format holds alpha (Pillow's 32-bit BMP is read back without it): drop it.
        arr = arr[:, :, :-1] if arr.shape[2] == 4 else arr[:, :, 0]
    if arr.dtype != np.uint8 and fmt != "png":
        arr = (arr >> 8).astype(np.uint8) if arr.dtype == np.uint16 else arr.astype(np.uint8)
    assert spec.encode is not None  # checked above
    write_atomic(dst, spec.encode(arr))
    if progress is not None:
        progress(1, 1)


def read_any(source: Source, *, page: int | None = None) -> np.ndarray:
    """Pixels of any image file a registered image format (or, failing that, Pillow) reads,
    as uint8/uint16 arrays (float data mapped like ``Image(normalize="auto")``)."""
    from .._arrays import to_pixels
    from . import sniff

    spec = sniff(source.head(64), kind="image")
    spec = spec.for_kind("image") if spec is not None else None
    decode = spec.decode if spec is not None and spec.decode is not None else decode_source
    px, _pages = decode(source, page=page)
    if px.dtype not in (np.uint8, np.uint16):
        px, _ = to_pixels(px, "auto", field=source.where)
    return px


# -- encoding helpers for the Pillow-written formats ---------------------------------------------


def pil_encode(arr: np.ndarray, pil_format: str, **kwargs: Any) -> bytes:
    """Encode pixels with Pillow deterministically (no metadata)."""
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, format=pil_format, **kwargs)
    return buf.getvalue()


# -- big files kept as they are: checked in bounded memory, pixels decoded only when asked -------

#: Files of more pixels than this that are kept byte-for-byte (PNG, JPEG) are proven whole without
#: holding their pixels: a PNG's image data is inflated in slices and counted, a JPEG is decoded at
#: an eighth of its size (every coefficient is still read). The pixels are decoded on first use.
EAGER_PIXELS = 1 << 24
_SLICE = 1 << 22


class KeptFile(FrozenRecord):
    """What an Image needs of a big kept file, without its pixels."""

    __slots__ = __match_args__ = ("width", "height", "mode", "bit_depth", "orientation")

    width: int  # as displayed
    height: int
    mode: str
    bit_depth: int
    orientation: int

    def __init__(self, width: int, height: int, mode: str, bit_depth: int, orientation: int) -> None:
        self._init(width, height, mode, bit_depth, orientation)


def check_big_file(data: bytes, fmt: str, *, field: str, eager_pixels: int | None = None) -> KeptFile | None:
    """For a single-page PNG or JPEG of more than ``eager_pixels`` pixels (and within the
    limits) whose decoded mode is plain L/LA/RGB/RGBA or 16-bit grey: prove it decodes, in
    bounded memory, and return its facts. None for anything else (the caller decodes it)."""
    eager_pixels = EAGER_PIXELS if eager_pixels is None else eager_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = PILImage.open(io.BytesIO(data))
        except Exception:
            return None  # the full decoder reports it
        w, h = im.size
        if w * h <= eager_pixels or w * h > MAX_PIXELS or max(w, h) > MAX_SIDE or getattr(im, "n_frames", 1) != 1:
            return None
        if "transparency" in im.info:
            return None
        if im.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
            mode, depth = "I;16", 16
        elif im.mode in ("L", "LA", "RGB", "RGBA"):
            mode, depth = im.mode, 8
        else:
            return None
        if fmt == "png":
            header = _png_check(data, field)
            if header is None:
                return None
            depth = 16 if header[2] == 16 else 8
            turn = _png_orientation(data)
        elif fmt == "jpeg" and im.format == "JPEG":
            turn = orientation(im)
            try:
                im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
                im.load()
            except Exception as e:
                msg = f"{field}: the JPEG data is broken or truncated ({type(e).__name__}: {e})"
                raise DecodeError(msg) from None
        else:
            return None
    dw, dh = oriented_size(w, h, turn)
    return KeptFile(dw, dh, mode, depth, turn)


def _png_check(data: bytes, field: str) -> tuple[int, ...] | None:
    """Walk a PNG's chunks (CRCs checked) and inflate its image data in slices, checking every
    row's filter byte and the total length; the IHDR fields, or None for interlaced files."""
    try:
        return _png_inflate_check(data)
    except DecodeError as e:
        msg = f"{field}: {e}"
        raise DecodeError(msg) from None


def _png_inflate_check(data: bytes) -> tuple[int, ...] | None:
    import zlib

    header, d, total, stride, expected, ended = None, zlib.decompressobj(), 0, 0, 0, False
    for tag, body in png_chunks(data, crc=True):
        if tag == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
            w, h, depth, ctype, _c, _f, interlace = header
            if interlace or ctype not in PNG_CHANNELS:
                return None
            stride = 1 + (w * PNG_CHANNELS[ctype] * depth + 7) // 8
            expected = h * stride
        elif tag == b"IDAT" and header is not None:
            chunk: bytes = bytes(body)
            while chunk:
                try:
                    out = d.decompress(chunk, _SLICE)
                except zlib.error as e:
                    msg = f"PNG: corrupt image data ({e})"
                    raise DecodeError(msg) from None
                if out:
                    first = (-total) % stride
                    bad = np.frombuffer(out, np.uint8)[first::stride] > 4
                    if bad.any():
                        msg = f"PNG: corrupt image data (row {(total + first) // stride + int(np.argmax(bad))} has an unknown filter)"
                        raise DecodeError(msg)
                    total += len(out)
                    if total > expected:
                        msg = f"PNG: image data is longer than {expected} bytes (corrupt)"
                        raise DecodeError(msg)
                chunk = d.unconsumed_tail
        elif tag == b"IEND":
            ended = True
    if header is None:
        return None
    if not ended or total != expected or not d.eof:
        msg = f"PNG: image data has {total} bytes, expected {expected} (truncated or corrupt)"
        raise DecodeError(msg)
    return header


def _png_orientation(data: bytes) -> int:
    """The orientation in a PNG's ``eXIf`` chunk, found by walking the chunks (Pillow would
    decode the whole image to reach a chunk after the image data)."""
    try:
        exif_chunk = next((bytes(body) for tag, body in png_chunks(data) if tag == b"eXIf"), None)
    except DecodeError:
        return 1
    if exif_chunk is None:
        return 1
    exif = PILImage.Exif()
    try:
        exif.load(b"Exif\x00\x00" + exif_chunk)
    except Exception:
        return 1
    value = exif.get(_EXIF_ORIENTATION, 1)
    return value if isinstance(value, int) and value in _TRANSPOSE else 1
