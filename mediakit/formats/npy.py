"""NumPy ``.npy`` arrays: point clouds ``(N, 3|4|6)`` for the object3d kind. Pickled object
arrays are refused (loading them could run code)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from .._errors import DecodeError
from ._spec import FormatSpec, Source

MAGIC = b"\x93NUMPY"


def _header(f: io.BytesIO, field: str) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """Shape, Fortran order and dtype from a ``.npy`` header. numpy parses the header as Python
    literals and lets tokenizer and parser errors out: every failure here is a DecodeError."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(f)  # type: ignore[no-any-return]
        if version in ((2, 0), (3, 0)):
            return np.lib.format.read_array_header_2_0(f)  # type: ignore[no-any-return]
        msg = f"{field}: unsupported .npy version {version}"
        raise DecodeError(msg)
    except DecodeError:
        raise
    except Exception as e:
        msg = f"{field}: not a valid .npy file: its header does not parse ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


def read(source: Any, field: str = "data") -> np.ndarray:
    """The array of a ``.npy`` file (path, bytes or file object). The header's shape is checked
    against the bytes actually present before anything is allocated."""
    src = source if isinstance(source, Source) else Source(source, field=field, what="3-D")
    blob = src.read()
    f = io.BytesIO(blob)
    shape, fortran, dtype = _header(f, field)
    if dtype.hasobject:
        msg = f"{field}: not a plain .npy array (object arrays are refused: loading them could run code)"
        raise DecodeError(msg)
    if dtype.itemsize == 0:
        msg = f"{field}: not a plain .npy array (its dtype {dtype} has no size)"
        raise DecodeError(msg)
    need = int(np.prod([int(n) for n in shape], dtype=object)) * dtype.itemsize
    have = len(blob) - f.tell()
    if need > have:
        msg = f"{field}: the .npy header claims shape {tuple(shape)} of {dtype} ({need:,} bytes), but the file holds {have:,} bytes of data"
        raise DecodeError(msg)
    data = np.frombuffer(blob, dtype=dtype, count=need // dtype.itemsize, offset=f.tell())
    return data.reshape(shape, order="F" if fortran else "C").copy()


def probe(source: Any) -> dict[str, Any]:
    """Shape and dtype from the header (no data read); ``points`` for a 2-D array."""
    src = source if isinstance(source, Source) else Source(source, what="array")
    shape, _fortran, dtype = _header(io.BytesIO(src.head(1 << 16)), src.field)
    out: dict[str, Any] = {"format": "npy", "shape": list(shape), "dtype": str(dtype)}
    if len(shape) == 2:
        out["points"] = shape[0]
    return out


SPEC = FormatSpec(
    name="npy",
    kinds=("object3d",),
    suffixes=(".npy",),
    media_type="application/x-npy",
    magic=(MAGIC,),
    stored=False,
    probe=probe,
    decode=read,
    converts_to=("glb", "ply"),
    description="NumPy array of points (N, 3), (N, 4) or (N, 6)",
)
