"""Raster files through Pillow, shared by the image format modules (``png``, ``jpeg``, ``webp``,
``bmp``, ``gif``'s still frames) and usable by other packages: guarded decoding of untrusted
bytes, pixels as arrays, header facts, and file conversion.

Decoding reads the header first and refuses images beyond the pixel and side limits before any
pixel data is decompressed (decompression bombs), and turns Pillow's own bomb warning into an
error. Encoding (in each format's module) is deterministic: no metadata, fixed parameters.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .._errors import DecodeError, LimitError, MediaFileNotFoundError, ValidationError
from .._files import write_atomic
from .._limits import MAX_PIXELS, MAX_SIDE
from ._spec import Source
from .png import decode_png_fast


def _image_names() -> str:
    from . import by_kind

    names = [{"webp": "WebP"}.get(s.name, s.name.upper()) for s in by_kind("image")]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def probe(data: bytes, *, field: str = "data", max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> PILImage.Image:
    """Open (header only) and check limits; the caller may then ``load()`` safely."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            im = PILImage.open(io.BytesIO(data))
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as e:
        msg = f"{field}: refused as a decompression bomb: {e}"
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
        msg = f"{field}: image of {w}x{h} = {w * h} pixels exceeds the limit of {max_pixels} (decompression-bomb guard)"
        raise LimitError(msg)


def load(data: bytes, *, field: str = "data", max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> PILImage.Image:
    """Open and fully decode an image file, with the limits of :func:`probe`."""
    im = probe(data, field=field, max_pixels=max_pixels, max_side=max_side)
    _load(im, field)
    return im


def _load(im: PILImage.Image, field: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            im.load()
    except Exception as e:  # as above: truncated data, bad chunks, decoder errors
        msg = f"{field}: image data could not be decoded ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


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
    """Decode any supported image file to an array (fast path for mediakit's own PNGs)."""
    try:
        fast = decode_png_fast(data, max_pixels=max_pixels)
    except (DecodeError, LimitError) as e:
        msg = f"{field}: {e}"
        raise type(e)(msg) from None
    if fast is not None:
        return fast
    return pil_to_array(load(data, field=field, max_pixels=max_pixels))


# -- what the Pillow-read format modules plug into their specs ---------------------------------


def probe_source(source: Source, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> dict[str, Any]:
    """Header facts of an image file (nothing decoded): width, height, mode, pages."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        im = probe(source.read(), field=source.where, max_pixels=max_pixels, max_side=max_side)
    return {"width": im.size[0], "height": im.size[1], "mode": im.mode, "pages": int(getattr(im, "n_frames", 1) or 1)}


def decode_source(
    source: Source, *, page: int | None = None, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE
) -> tuple[np.ndarray, int]:
    """Decode one page (frame) of an image file: ``(pixels, page count)``. The header is read
    once, the pixels once; mediakit's own PNGs take the fast reader (16-bit colour kept)."""
    data = source.read()
    field = source.where
    if page in (None, 0):
        try:
            fast = decode_png_fast(data, max_pixels=max_pixels)
        except (DecodeError, LimitError) as e:
            msg = f"{field}: {e}"
            raise type(e)(msg) from None
        if fast is not None:
            return fast, 1
    im = probe(data, field=field, max_pixels=max_pixels, max_side=max_side)
    pages = int(getattr(im, "n_frames", 1) or 1)
    if page:
        check_page(page, pages, field=field)
        try:
            im.seek(page)
        except Exception as e:
            msg = f"{field}: page {page} could not be decoded ({type(e).__name__}: {e})"
            raise DecodeError(msg) from None
    _load(im, field)
    return pil_to_array(im), pages


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
