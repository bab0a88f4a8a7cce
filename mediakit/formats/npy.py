"""NumPy ``.npy`` arrays: point clouds ``(N, 3|4|6)`` for the object3d kind. Pickled object
arrays are refused (loading them could run code)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from .._errors import DecodeError
from ._spec import FormatSpec, Source

MAGIC = b"\x93NUMPY"


def read(source: Any, field: str = "data") -> np.ndarray:
    """The array of a ``.npy`` file (path, bytes or file object)."""
    src = source if isinstance(source, Source) else Source(source, field=field, what="3-D")
    try:
        return np.load(io.BytesIO(src.read()), allow_pickle=False)
    except ValueError as e:  # pickled object arrays are refused: loading them could run code
        msg = f"{field}: not a plain .npy array ({e})"
        raise DecodeError(msg) from None
    except (OSError, EOFError) as e:
        msg = f"{field}: not a valid .npy file ({e})"
        raise DecodeError(msg) from None


def probe(source: Any) -> dict[str, Any]:
    """Shape and dtype from the header (no data read); ``points`` for a 2-D array."""
    src = source if isinstance(source, Source) else Source(source, what="array")
    f = io.BytesIO(src.head(1 << 16))
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            arr = read(src)
            shape, dtype = arr.shape, arr.dtype
    except (ValueError, OSError, EOFError) as e:
        msg = f"{src.field}: not a valid .npy file ({e})"
        raise DecodeError(msg) from None
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
