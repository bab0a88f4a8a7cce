"""Arrays in summaries: statistics plus a histogram, optionally the full array as ``.npy``."""

from __future__ import annotations

import io
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
    """

    TYPE: ClassVar[str] = "tensor"
    VERSION: ClassVar[int] = 1

    def __init__(self, array: Any, *, keep: bool = False, num_bins: int = 64) -> None:
        from .._arrays import to_numpy

        arr = to_numpy(array, field="array")
        if arr.dtype.kind not in "biuf":
            msg = f"array: expected a numeric array, got dtype {arr.dtype}"
            raise MediaTypeError(msg)
        self.array = arr if keep else None
        self.shape = [int(s) for s in arr.shape]
        self.dtype = str(arr.dtype)
        flat = arr.reshape(-1)
        if flat.dtype.kind == "b":
            flat = flat.astype(np.uint8)
        values, edges, nonfinite = histogram(flat, num_bins)
        finite = flat[np.isfinite(flat)] if flat.dtype.kind == "f" and any(nonfinite.values()) else flat
        self.stats: dict[str, Any] = {"count": int(finite.size), "nonfinite": nonfinite}
        if finite.size:
            f64 = finite.astype(np.float64)
            pct = np.percentile(f64, PERCENTILES)
            self.stats.update(
                min=float(f64.min()),
                max=float(f64.max()),
                mean=float(f64.mean()),
                var=float(f64.var()),
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

