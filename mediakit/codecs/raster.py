"""Raster files through Pillow: guarded decoding of untrusted bytes, encoding to PNG/JPEG/WebP/BMP.

Decoding reads the header first and refuses images beyond the pixel and side limits before any
pixel data is decompressed (decompression bombs), and turns Pillow's own bomb warning into an
error. Encoding is deterministic: no metadata, fixed parameters.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .._errors import DecodeError, LimitError
from .._files import write_atomic
from .._limits import MAX_PIXELS, MAX_SIDE
from .png import decode_png_fast, encode_png

#: Pillow format name -> our format name and file suffix.
FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "BMP": "bmp", "GIF": "gif"}
SUFFIX = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "bmp": ".bmp", "gif": ".gif"}
PIL_FORMAT = {v: k for k, v in FORMATS.items()}


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
        msg = f"{field}: not a readable image file (no PNG, JPEG, WebP, BMP, GIF or TIFF signature; {len(data)} bytes)"
        raise DecodeError(msg) from None
    except Exception as e:  # Pillow raises many kinds of errors for unreadable files
        msg = f"{field}: not a readable image file ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None
    w, h = im.size
    if w < 1 or h < 1 or w > max_side or h > max_side:
        msg = f"{field}: image of {w}x{h} pixels; each side must be between 1 and {max_side}"
        raise LimitError(msg)
    if w * h > max_pixels:
        msg = f"{field}: image of {w}x{h} = {w * h} pixels exceeds the limit of {max_pixels} (decompression-bomb guard)"
        raise LimitError(msg)
    return im


def load(data: bytes, *, field: str = "data", max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> PILImage.Image:
    """Open and fully decode an image file, with the limits of :func:`probe`."""
    im = probe(data, field=field, max_pixels=max_pixels, max_side=max_side)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            im.load()
    except Exception as e:  # as above: truncated data, bad chunks, decoder errors
        msg = f"{field}: image data could not be decoded ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None
    return im


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


def encode(arr: np.ndarray, fmt: str, *, quality: int | None = None) -> bytes:
    """Encode pixels as ``fmt`` (png, jpeg, webp, bmp) deterministically."""
    if fmt == "png":
        return encode_png(arr)
    im = PILImage.fromarray(arr)
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if fmt == "jpeg":
        kwargs = {"quality": quality or 90, "optimize": False, "progressive": False, "subsampling": 0 if (quality or 90) >= 90 else 2}
    elif fmt == "webp":
        kwargs = {"quality": quality or 90, "method": 4, "lossless": quality == 100, "exact": True}
    im.save(buf, format=PIL_FORMAT[fmt], **kwargs)
    return buf.getvalue()


def convert(src: Any, dst: Any, *, progress: Any = None) -> None:
    """Convert an image file to png, jpeg, webp or bmp (chosen by ``dst``'s suffix)."""
    from pathlib import Path

    from .._errors import MediaFileNotFoundError, ValidationError

    src, dst = Path(src), Path(dst)
    fmt = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp", ".bmp": "bmp"}.get(dst.suffix.lower())
    if fmt is None:
        msg = f"output: images convert to .png, .jpg, .webp or .bmp, got {dst.suffix!r}"
        raise ValidationError(msg)
    try:
        data = src.read_bytes()
    except FileNotFoundError:
        msg = f"input: file {str(src)!r} does not exist"
        raise MediaFileNotFoundError(msg) from None
    arr = pil_to_array(load(data, field="input"))
    if fmt in ("jpeg", "bmp") and arr.ndim == 3 and arr.shape[2] in (2, 4):
        # Neither format holds alpha (Pillow's 32-bit BMP is read back without it): drop it.
        arr = arr[:, :, :-1] if arr.shape[2] == 4 else arr[:, :, 0]
    if arr.dtype != np.uint8 and fmt != "png":
        arr = (arr >> 8).astype(np.uint8) if arr.dtype == np.uint16 else arr.astype(np.uint8)
    out = encode(arr, fmt)
    write_atomic(dst, out)
    if progress is not None:
        progress(1, 1)
