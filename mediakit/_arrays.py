"""Array-likes and value-range rules shared by the pixel kinds (Image, Video).

Array-likes (torch, jax, tensorflow, cupy...) are read through ``__array__`` or ``.numpy()``;
none of those libraries is ever imported here. The narrow float types of mixed-precision
training (bfloat16, float8: torch tensors, and the ``ml_dtypes`` numpy types that jax and
tensorflow hand out) are widened to float32, which holds every one of their values exactly.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Literal

import numpy as np

from ._errors import LimitError, MediaTypeError, ValidationError, shown

Normalize = Literal["auto", "clip", "minmax", "none"]
NORMALIZE_CHOICES = ("auto", "clip", "minmax", "none")


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn, attributing the warning to the first caller outside mediakit.

    A fixed ``stacklevel`` is wrong as soon as the same check is reached through another path
    (``Image(...)``, ``Image.from_array(...)``, ``mk.decode``, a subclass), so the level is found
    by walking up the stack past mediakit's own frames.
    """
    frame = sys._getframe(1)
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)


def is_array_like(x: Any) -> bool:
    """True for numpy arrays and objects exposing ``__array__`` or ``.numpy()``."""
    return isinstance(x, np.ndarray) or hasattr(x, "__array__") or callable(getattr(x, "numpy", None))


def to_numpy(x: Any, *, field: str = "data") -> np.ndarray:
    """Convert an array-like to a numpy array without importing its library.

    bfloat16 and float8 values (torch tensors, ``ml_dtypes`` arrays) come back as float32,
    4-bit and 2-bit integers as int8/uint8: the same values, in a type numpy computes with.
    """
    if isinstance(x, np.ndarray):
        return _widen(x) if x.dtype.kind in "Vf" else x
    obj = x
    # torch: tensors that require grad or live on a GPU must be detached and moved first.
    if callable(getattr(obj, "detach", None)):
        obj = obj.detach()
    if callable(getattr(obj, "cpu", None)):
        obj = obj.cpu()
    # torch cannot hand out bfloat16/float8 as numpy (numpy has no such types): widen first.
    if _narrow_torch_float(getattr(obj, "dtype", None)) and callable(getattr(obj, "float", None)):
        obj = obj.float()
    try:
        if callable(getattr(obj, "numpy", None)) and not hasattr(obj, "__array__"):
            arr = obj.numpy()
        else:
            arr = np.asarray(obj)
    except MemoryError as e:
        msg = f"{field}: the {type(x).__name__} needs more memory than is available as an array ({shown(str(e), 160)})"
        raise LimitError(msg) from None
    except Exception as e:
        msg = f"{field}: could not convert {type(x).__name__} to a numpy array: {e}"
        raise MediaTypeError(msg) from e
    if not isinstance(arr, np.ndarray):
        arr = np.asarray(arr)
    if arr.dtype.kind in "Vf":
        arr = _widen(arr)
    if arr.dtype == object:
        msg = f"{field}: expected a numeric array, got an array of Python objects (shape {arr.shape})"
        raise MediaTypeError(msg)
    return arr


def _narrow_torch_float(dtype: Any) -> bool:
    if dtype is None or isinstance(dtype, np.dtype):
        return False
    name = str(dtype)
    return name.startswith("torch.") and ("bfloat16" in name or "float8" in name)


def _widen(arr: np.ndarray) -> np.ndarray:
    """``ml_dtypes`` arrays (bfloat16, float8_*, int4 ...) as float32 / int8 / uint8, exactly.

    Other structured or void arrays are returned as they are (callers refuse their dtype).
    """
    if getattr(arr.dtype.type, "__module__", "") != "ml_dtypes":
        return arr
    name = arr.dtype.name
    if name.startswith("float") or name.startswith("bfloat"):
        return arr.astype(np.float32)
    if name.startswith("uint"):
        return arr.astype(np.uint8)
    if name.startswith("int"):
        return arr.astype(np.int8)
    return arr


def check_normalize(normalize: object) -> str:
    if normalize not in NORMALIZE_CHOICES:
        msg = f"normalize: expected one of {NORMALIZE_CHOICES}, got {shown(normalize)}"
        raise ValidationError(msg)
    return str(normalize)


def to_pixels(arr: np.ndarray, normalize: str, *, field: str = "data") -> tuple[np.ndarray, str | None]:
    """Map an array's values to uint8 (or keep uint16) following the ``normalize`` rule.

    Returns the new array and what was applied (``None`` when values were kept as they are):

    - ``"unit"``: floats in [0, 1] scaled to [0, 255];
    - ``"signed_unit"``: floats in [-1, 1] mapped to [0, 255];
    - ``"byte"``: floats or integers already in [0, 255], rounded;
    - ``"minmax"``: stretched from [min, max] to [0, 255] (with a warning under ``"auto"``);
    - ``"clip"``: clipped to [0, 255] (floats in [0, 1] are scaled first).
    """
    normalize = check_normalize(normalize)
    kind = arr.dtype.kind
    if kind not in "biuf":
        msg = f"{field}: expected a numeric array (bool, int, uint or float), got dtype {arr.dtype}"
        raise MediaTypeError(msg)
    if kind == "b":
        return arr.astype(np.uint8) * np.uint8(255), "bool"
    if arr.dtype == np.uint8 and normalize in ("auto", "none", "clip"):
        return arr, None
    if arr.dtype == np.uint16 and normalize in ("auto", "none"):
        return arr, None
    if kind == "f":
        finite = np.isfinite(arr)
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            where = "[" + ", ".join(str(int(i)) for i in bad) + "]"
            msg = f"{field}: expected finite values, got {shown(arr[tuple(bad)])} at index {where}"
            raise ValidationError(msg)
    if arr.size == 0:
        return arr.astype(np.uint8), None
    lo, hi = float(arr.min()), float(arr.max())
    if normalize == "none":
        if lo < 0 or hi > 255:
            msg = f"{field}: normalize='none' needs values in [0, 255], got range [{lo:g}, {hi:g}]"
            raise ValidationError(msg)
        return _round_u8(arr), "byte"
    if normalize == "clip":
        if kind == "f" and lo >= 0 and hi <= 1:
            return _round_u8(arr * 255.0), "unit"
        return _round_u8(np.clip(arr, 0, 255)), "clip"
    if normalize == "minmax":
        return _minmax(arr, lo, hi), "minmax"
    # auto
    if kind == "f" and lo >= 0 and hi <= 1:
        return _round_u8(arr * 255.0), "unit"
    if kind == "f" and lo >= -1 and hi <= 1:
        return _round_u8((arr.astype(np.float64) + 1.0) * 127.5), "signed_unit"
    if lo >= 0 and hi <= 255:
        return _round_u8(arr), "byte"
    warn_user(
        f"{field}: values span [{lo:g}, {hi:g}], outside [0, 1], [-1, 1] and [0, 255]; "
        "stretched min-max to [0, 255] (pass normalize='minmax' or 'clip' to choose explicitly)"
    )
    return _minmax(arr, lo, hi), "minmax"


def _round_u8(a: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def _minmax(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if hi == lo:
        return np.zeros(a.shape, np.uint8)
    return _round_u8((a.astype(np.float64) - lo) * (255.0 / (hi - lo)))
