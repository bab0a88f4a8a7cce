"""TIFF, through imageio v3's ``tifffile`` plugin (the ``image`` extra): what scientific tools
write — multi-page stacks, planar (channel-first) RGB, 8/16-bit integer and float samples.

TIFF is not web-ready: an ``Image`` made from a TIFF stores the chosen page as PNG (16-bit kept;
float samples mapped by the ``normalize`` rule). A multi-page file is never silently cut: the
caller's ``page=`` picks one, and without it the first page is taken with a warning.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError
from .._lazy import require
from .._limits import MAX_PIXELS, MAX_SIDE
from ._spec import FormatSpec, Source

_FEATURE = "Reading TIFF files"


def _open(source: Source) -> Any:
    """The file's page directory (headers only), through tifffile, imageio's TIFF backend."""
    import io

    tifffile = require("tifffile", extra="image", feature=_FEATURE)
    try:
        return tifffile.TiffFile(source.path if source.path is not None else io.BytesIO(source.read()))
    except Exception as e:  # tifffile raises many kinds of errors for broken files
        msg = f"{source.where}: TIFF signature found, but the file could not be read ({type(e).__name__}: {_first_line(e)})"
        raise DecodeError(msg) from None


def _read_page(source: Source, k: int) -> np.ndarray:
    """Pixels of page ``k``, read by imageio v3's tifffile plugin."""
    iio = require("imageio.v3", extra="image", feature=_FEATURE)
    return np.asarray(iio.imread(source.path if source.path is not None else source.read(), plugin="tifffile", page=k))


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [""])[0][:200]


def _page_facts(page: Any, field: str) -> tuple[int, int, int, str]:
    """(width, height, samples, dtype) of a TIFF page, from its header."""
    try:  # tifffile derives these lazily from tags that a broken file garbles in many ways
        shape = tuple(int(x) for x in page.shape)
        axes = str(page.axes)
        dtype = str(page.dtype)
    except Exception as e:
        msg = f"{field}: TIFF page header could not be read ({type(e).__name__}: {_first_line(e)})"
        raise DecodeError(msg) from None
    if "Y" not in axes or "X" not in axes:
        msg = f"{field}: TIFF page with axes {axes!r} has no 2-D image plane"
        raise DecodeError(msg)
    h, w = shape[axes.index("Y")], shape[axes.index("X")]
    samples = shape[axes.index("S")] if "S" in axes else 1
    extra = [n for a, n in zip(axes, shape) if a not in "YXS" and n != 1]
    if extra:
        msg = f"{field}: TIFF page of shape {shape} (axes {axes!r}) is not a 2-D image"
        raise DecodeError(msg)
    return w, h, samples, dtype


def probe(source: Source, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> dict[str, Any]:
    """Header facts: width, height, samples per pixel, dtype, pages (nothing decoded)."""
    with _open(source) as f:
        pages = f.pages
        try:
            n = len(pages)
            first = pages.first
        except Exception as e:
            msg = f"{source.where}: TIFF signature found, but its page directory could not be read ({type(e).__name__}: {_first_line(e)})"
            raise DecodeError(msg) from None
        w, h, samples, dtype = _page_facts(first, source.where)
    return {"width": w, "height": h, "samples": samples, "dtype": dtype, "pages": n}


def decode(source: Source, *, page: int | None = None, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> tuple[np.ndarray, int]:
    """One page as ``(H, W)`` or ``(H, W, C)`` (planar pages transposed), and the page count.
    Sizes are checked from the page header before its pixels are read."""
    from . import raster

    field = source.where
    with _open(source) as f:
        try:
            pages = f.pages
            n = len(pages)
        except Exception as e:
            msg = f"{field}: TIFF signature found, but its page directory could not be read ({type(e).__name__}: {_first_line(e)})"
            raise DecodeError(msg) from None
        k = 0 if page is None else page
        raster.check_page(k, n, field=field)
        try:
            p = pages[k]
        except Exception as e:
            msg = f"{field}: TIFF page {k} could not be read ({type(e).__name__}: {_first_line(e)})"
            raise DecodeError(msg) from None
        w, h, samples, _dtype = _page_facts(p, field)
        raster.check_size(w, h, field=field, max_pixels=max_pixels, max_side=max_side)
        if samples > 4:
            msg = f"{field}: TIFF page with {samples} samples per pixel; images have 1 to 4 channels"
            raise DecodeError(msg)
        try:
            arr = _read_page(source, k)
        except (LimitError, DecodeError):
            raise
        except Exception as e:
            msg = f"{field}: TIFF page {k} could not be decoded ({type(e).__name__}: {_first_line(e)})"
            raise DecodeError(msg) from None
        axes = str(p.axes)
    arr = arr.reshape([n_ for a, n_ in zip(axes, arr.shape) if a in "YXS"] if arr.ndim == len(axes) else arr.shape)
    kept = [a for a in axes if a in "YXS"]
    if arr.ndim == 3 and kept and kept[0] == "S":
        arr = np.moveaxis(arr, 0, -1)  # planar (channel-first) -> (H, W, C)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.uint8) * np.uint8(255)
    elif arr.dtype.kind in "iu" and arr.dtype.itemsize <= 2 and arr.dtype != np.uint8 and arr.dtype != np.uint16:
        with contextlib.suppress(Exception):
            if arr.min() >= 0:
                arr = arr.astype(np.uint16 if arr.dtype.itemsize == 2 else np.uint8)
    return np.ascontiguousarray(arr), n


def _convert(src: Any, dst: Any, *, progress: Any = None) -> None:
    from . import raster

    raster.convert(src, dst, progress=progress)


def _sniff(head: bytes) -> bool:
    return head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF


SPEC = FormatSpec(
    name="tiff",
    kinds=("image",),
    suffixes=(".tif", ".tiff"),
    media_type="image/tiff",
    sniff=_sniff,
    stored=False,
    extra="image",
    aliases=("tif",),
    probe=probe,
    decode=decode,
    converts_to=("png", "jpeg", "webp", "bmp"),
    convert=_convert,
    description="TIFF (multi-page stacks, planar, 16-bit and float; read only, stored as PNG)",
)
