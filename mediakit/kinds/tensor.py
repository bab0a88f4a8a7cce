"""Arrays in summaries: statistics plus a histogram, optionally the full array as ``.npy``."""

from __future__ import annotations

import io
import math
import sys
from typing import Any, ClassVar

import numpy as np

from .._errors import DecodeError, MediaTypeError
from ..store import Store
from ._base import Kind
from .histogram import histogram

PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


class TensorSummary(Kind):
    """Summary statistics (min, max, mean, var, percentiles) and a 64-bin histogram of an array.

    ``keep=True`` also stores the whole array as a ``.npy`` file, which ``decode`` reads back.
    ``dtype`` is the input's own type name (``"bfloat16"`` for a torch/JAX/ml_dtypes bfloat16
    tensor) although the statistics are computed on its exact float32 widening (which is also
    what the ``.npy`` file holds for such types).
    """

    TYPE: ClassVar[str] = "tensor"
    VERSION: ClassVar[int] = 1

    def __init__(self, array: Any, *, keep: bool = False, num_bins: int = 64) -> None:
        from .._arrays import to_numpy

        original = dtype_name(array)  # before to_numpy widens bfloat16/float8 to float32
        arr = to_numpy(array, field="array")
        if arr.dtype.kind not in "biuf":
            msg = f"array: expected a numeric array, got dtype {arr.dtype}"
            raise MediaTypeError(msg)
        self.array = arr if keep else None
        self.shape = [int(s) for s in arr.shape]
        self.dtype = original or str(arr.dtype)
        flat = arr.reshape(-1)
        if flat.dtype.kind == "b":
            flat = flat.astype(np.uint8)
        values, edges, nonfinite = histogram(flat, num_bins)
        finite = flat[np.isfinite(flat)] if flat.dtype.kind == "f" and any(nonfinite.values()) else flat
        self.stats: dict[str, Any] = {"count": int(finite.size), "nonfinite": nonfinite}
        if finite.size:
            f64 = finite.astype(np.float64)
            mean, var, pct = _moments(f64)
            self.stats.update(
                min=float(f64.min()),
                max=float(f64.max()),
                mean=mean,
                var=var,
                percentiles={str(p): float(v) for p, v in zip(PERCENTILES, pct)},
            )
        self.histogram = {"values": values.tolist(), "bins": edges.tolist()}

    def __repr__(self) -> str:
        return f"TensorSummary(shape={self.shape}, dtype={self.dtype})"

    def _encode(self, store: Store) -> dict[str, Any]:
        desc: dict[str, Any] = {**self._header(), "shape": self.shape, "dtype": self.dtype, **self.stats, "histogram": self.histogram}
        if self.array is not None:
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(self.array), allow_pickle=False)
            desc["array"] = store.put(buf.getvalue(), suffix=".npy").to_dict()
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> TensorSummary:
        obj = cls.__new__(cls)
        obj.shape, obj.dtype, obj.histogram = desc["shape"], desc["dtype"], desc["histogram"]
        obj.stats = {k: desc[k] for k in ("count", "nonfinite", "min", "max", "mean", "var", "percentiles") if k in desc}
        obj.array = None
        if "array" in desc:
            try:
                obj.array = np.load(io.BytesIO(store.read(desc["array"]["path"])), allow_pickle=False)
            except ValueError as e:
                msg = f"array.path: not a readable .npy file: {e}"
                raise DecodeError(msg) from None
        return obj

    def _content(self) -> tuple[Any, ...]:
        return (self.shape, self.dtype, self.stats, self.histogram, self.array)



def _moments(f64: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Mean, variance and percentiles of finite float64 values, finite whatever their size: values
    near the float64 limit overflow the sums (mean, variance) and the interpolation between two
    of them (percentiles); then they are computed on the values scaled by a power of two (exact)
    and scaled back. A variance beyond the largest float64 (values of both signs near 1e308, or
    spread over more than about 1e154) is reported as that largest float64."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean, var, pct = float(f64.mean()), float(f64.var()), np.percentile(f64, PERCENTILES)
    if math.isfinite(mean) and math.isfinite(var) and bool(np.isfinite(pct).all()):
        return mean, var, pct
    exp = int(np.frexp(float(np.abs(f64).max()))[1])  # |f64| < 2**exp
    scaled = np.ldexp(f64, -exp)
    with np.errstate(over="ignore"):
        var = float(np.ldexp(scaled.var(), 2 * exp))
    return float(np.ldexp(scaled.mean(), exp)), min(var, sys.float_info.max), np.ldexp(np.percentile(scaled, PERCENTILES), exp)


def dtype_name(x: Any) -> str | None:
    """The element type's name of an array-like as its library names it, without the library
    prefix: ``"bfloat16"`` for ``torch.bfloat16``, a JAX/ml_dtypes bfloat16 array or a TF tensor."""
    dt = getattr(x, "dtype", None)
    if dt is None:
        return None
    name = dt.name if isinstance(getattr(dt, "name", None), str) else str(dt)
    return name.removeprefix("torch.") or None
