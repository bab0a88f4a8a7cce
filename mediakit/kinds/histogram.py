"""Histogram: binned values of a sequence, or a precomputed ``np.histogram`` result.

Backend: numpy (core). Binning walks the input in fixed-size chunks, so peak extra memory is a
few chunk-sized buffers whatever the input's size, and gives exactly ``np.histogram``'s counts
(same edges, same half-open bins with a closed last bin) while skipping its sort-free slow paths.
"""

from __future__ import annotations

import math
import queue
from typing import Any, ClassVar

import numpy as np

from .._arrays import is_array_like, to_numpy
from .._errors import MediaTypeError, ValidationError, shown
from .._limits import MAX_BINS
from ..store import Store
from ._base import Kind

CHUNK = 1 << 18  # elements per pass: 256k x 8 B = 2 MiB working buffers


class Histogram(Kind):
    """A histogram.

    Parameters
    ----------
    sequence:
        Numbers (list, array, array-like) to bin; non-finite values are excluded and counted.
    np_histogram:
        ``(values, bin_edges)`` as returned by ``np.histogram`` (second argument, as in the
        trackers' ``Histogram(sequence=None, np_histogram=None, num_bins=64)``).
    num_bins:
        Number of equal-width bins for ``sequence`` (default 64, at most 512).
    """

    TYPE: ClassVar[str] = "histogram"
    VERSION: ClassVar[int] = 1

    def __init__(self, sequence: Any = None, np_histogram: Any = None, num_bins: int = 64) -> None:
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)):
            msg = f"num_bins: expected an int, got {type(num_bins).__name__} {shown(num_bins)}"
            raise MediaTypeError(msg)
        if not 1 <= num_bins <= MAX_BINS:
            msg = f"num_bins: expected 1 to {MAX_BINS} bins, got {shown(num_bins)}"
            raise ValidationError(msg)
        if (sequence is None) == (np_histogram is None):
            msg = "Histogram: give exactly one of 'sequence' or 'np_histogram'"
            raise ValidationError(msg)
        self.nonfinite = {"nan": 0, "neginf": 0, "posinf": 0}
        if np_histogram is not None:
            self.values, self.bins = _check_np_histogram(np_histogram)
            self.count = float(self.values.sum()) if self.values.dtype.kind == "f" else int(self.values.sum())
        else:
            arr = _as_array(sequence)
            self.values, self.bins, self.nonfinite = histogram(arr, int(num_bins))
            self.count = int(self.values.sum())

    @classmethod
    def from_sequence(cls, sequence: Any, *, num_bins: int = 64) -> Histogram:
        return cls(sequence, num_bins=num_bins)

    @classmethod
    def from_np_histogram(cls, values: Any, bin_edges: Any) -> Histogram:
        return cls(np_histogram=(values, bin_edges))

    def __repr__(self) -> str:
        return f"Histogram({len(self.values)} bins, count={self.count})"

    def _encode(self, store: Store) -> dict[str, Any]:
        return {
            **self._header(),
            "values": self.values.tolist(),
            "bins": self.bins.tolist(),
            "count": self.count,
            "nonfinite": dict(self.nonfinite),
        }

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Histogram:
        ints = all(isinstance(v, int) and -(2**63) <= v < 2**63 for v in desc["values"])  # else float64
        values = _floats(desc["values"], "values", np.int64 if ints else np.float64)
        h = cls(np_histogram=(values, _floats(desc["bins"], "bins", np.float64)))
        h.nonfinite = dict(desc["nonfinite"])
        return h

    def _content(self) -> tuple[Any, ...]:
        return (self.values, self.bins, self.nonfinite)


def _floats(values: list[Any], field: str, dtype: Any) -> np.ndarray:
    """A descriptor's numbers as ``dtype``; JSON allows integers past float64's range, which
    are a ValidationError naming the field."""
    try:
        return np.asarray(values, dtype=dtype)
    except OverflowError:
        i = next((i for i, v in enumerate(values) if _overflows(v)), 0)
        msg = f"{field}[{i}]: {shown(values[i])} is beyond the float64 range"
        raise ValidationError(msg) from None


def _overflows(v: Any) -> bool:
    try:
        float(v)
    except OverflowError:
        return True
    return False


def _as_array(sequence: Any) -> np.ndarray:
    if isinstance(sequence, (str, bytes, dict)):
        msg = f"sequence: expected a sequence of numbers, got {type(sequence).__name__}"
        raise MediaTypeError(msg)
    if _looks_like_np_histogram(sequence):
        msg = "sequence: got a (values, bin_edges) pair as returned by np.histogram; pass it as Histogram(np_histogram=np.histogram(data))"
        raise MediaTypeError(msg)
    arr = to_numpy(sequence, field="sequence") if is_array_like(sequence) else None
    if arr is None:
        try:
            arr = np.asarray(sequence, dtype=np.float64)
        except (TypeError, ValueError) as e:
            msg = f"sequence: expected a sequence of numbers, got {type(sequence).__name__} ({e})"
            raise MediaTypeError(msg) from None
    if arr.dtype.kind not in "biuf":
        msg = f"sequence: expected numbers, got an array of dtype {arr.dtype}"
        raise MediaTypeError(msg)
    return arr.reshape(-1)


def _looks_like_np_histogram(v: Any) -> bool:
    """A 2-tuple of 1-D arrays whose second is one longer: what ``np.histogram`` returns."""
    if not (isinstance(v, tuple) and len(v) == 2 and all(isinstance(a, np.ndarray) for a in v)):
        return False
    a, b = v
    return bool(a.ndim == 1 and b.ndim == 1 and b.size == a.size + 1)


def _check_np_histogram(pair: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        msg = f"np_histogram: expected (values, bin_edges) as returned by np.histogram, got {type(pair).__name__}"
        raise MediaTypeError(msg)
    values = np.asarray(to_numpy(pair[0], field="np_histogram[0]") if is_array_like(pair[0]) else pair[0])
    edges = np.asarray(to_numpy(pair[1], field="np_histogram[1]") if is_array_like(pair[1]) else pair[1])
    for arr, name in ((values, "np_histogram[0] (values)"), (edges, "np_histogram[1] (bin_edges)")):
        if arr.ndim != 1 or arr.dtype.kind not in "iuf":
            msg = f"{name}: expected a 1-D array of numbers, got shape {arr.shape} dtype {arr.dtype}"
            raise ValidationError(msg)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            i = int(np.flatnonzero(~np.isfinite(arr))[0])
            msg = f"{name}[{i}]: expected a finite number, got {arr[i].item()!r}"
            raise ValidationError(msg)
    if (values < 0).any():
        # Counts, densities and weights of a histogram are never negative (the descriptor's
        # count, their sum, must be >= 0 too): refuse now rather than at encode time.
        i = int(np.flatnonzero(values < 0)[0])
        msg = f"np_histogram[0] (values)[{i}]: expected a count >= 0, got {values[i].item()!r}"
        raise ValidationError(msg)
    if len(values) < 1 or len(values) > MAX_BINS:
        msg = f"np_histogram[0] (values): expected 1 to {MAX_BINS} bins, got {len(values)}"
        raise ValidationError(msg)
    if len(edges) != len(values) + 1:
        msg = f"np_histogram: expected len(bin_edges) == len(values) + 1, got {len(edges)} edges for {len(values)} values"
        raise ValidationError(msg)
    steps = np.diff(edges.astype(np.float64))
    if (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0])
        msg = f"np_histogram[1] (bin_edges)[{i + 1}]: edges must increase strictly, got {edges[i].item()!r} then {edges[i + 1].item()!r}"
        raise ValidationError(msg)
    values = values.astype(np.int64) if values.dtype.kind in "iu" else values.astype(np.float64)
    return values, edges.astype(np.float64)


def histogram(arr: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Counts, edges and non-finite tallies of ``arr`` with ``bins`` equal-width bins.

    Identical to ``np.histogram(arr[np.isfinite(arr)], bins)`` (same edge dtype, same rounding
    corrections), computed chunk by chunk on up to two threads.
    """
    n = arr.size
    if arr.dtype.kind == "b":
        arr = arr.view(np.uint8)
    # np.histogram computes edges in the result type of the data and a float (float32 stays
    # float32) and compares samples against them in that type; doing the same keeps the counts
    # identical.
    work = np.result_type(arr.dtype, np.float16) if arr.dtype.kind == "f" else np.dtype(np.float64)
    chunks = [(s, min(n, s + CHUNK)) for s in range(0, n, CHUNK)]

    def scan(span: tuple[int, int]) -> tuple[float, float, int, int, int]:
        c = arr[span[0] : span[1]]
        lo, hi = c.min(), c.max()
        if arr.dtype.kind != "f" or (np.isfinite(lo) and np.isfinite(hi)):
            return float(lo), float(hi), 0, 0, 0
        fin = np.isfinite(c)
        bad = c[~fin]
        good = c[fin]
        nan, pos = int(np.isnan(bad).sum()), int((bad == np.inf).sum())
        if good.size == 0:
            return np.inf, -np.inf, nan, pos, bad.size - nan - pos
        return float(good.min()), float(good.max()), nan, pos, bad.size - nan - pos

    parts = list(_map(scan, chunks))
    lo = min((p[0] for p in parts), default=np.inf)
    hi = max((p[1] for p in parts), default=-np.inf)
    nonfinite = {
        "nan": sum(p[2] for p in parts),
        "neginf": sum(p[4] for p in parts),
        "posinf": sum(p[3] for p in parts),
    }
    has_bad = any(nonfinite.values())
    # With no finite values np.histogram uses the range (0, 1) as Python numbers, so its edges
    # are computed in float64 and then cast; otherwise they are computed in the data's type.
    empty = lo > hi
    if empty:
        lo, hi = 0.0, 1.0
    data_lo, data_hi = lo, hi
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = _edges(lo, hi, bins, work, native=not empty)
    if edges is None and work != np.float64:
        # The range overflows the narrow float type, or is too narrow for this many distinct
        # edges in it (np.histogram raises in both cases): bin in float64 instead.
        work = np.dtype(np.float64)
        edges = _edges(lo, hi, bins, work)
    if edges is None and math.isfinite(hi - lo):
        # Too many bins for a range this narrow even in float64 (np.histogram raises "Too many
        # bins for data range"): widen it around the data, as np.histogram does for lo == hi.
        pad = max(0.5, float(np.finfo(np.float64).eps) * 8 * bins * max(abs(lo), abs(hi)))
        lo, hi = lo - pad, hi + pad
        edges = _edges(lo, hi, bins, work)
    if edges is None:
        msg = f"sequence: values span [{data_lo:g}, {data_hi:g}]; that range overflows float64 and cannot be binned"
        raise ValidationError(msg)
    # Bin indices are estimated arithmetically and only samples that may sit on the wrong side
    # of an edge are checked against the edges themselves. How close counts as "may" depends on
    # the rounding of the edges (in the data's float type) and of the estimate.
    est = np.dtype(np.float64) if work == np.float64 else np.dtype(np.float32)
    lo_w, hi_w = float(edges[0]), float(edges[-1])
    scale_f = bins / (hi_w - lo_w)
    with np.errstate(over="ignore"):
        lo_e, scale = est.type(lo_w), est.type(scale_f)
    mag = max(abs(lo_w), abs(hi_w)) * scale_f
    fw, fe = np.finfo(work), np.finfo(est)
    # In bin widths: rounding of the edges (linspace adds i * step to lo, so its error grows
    # with the bin count) and of the estimate, relative and in subnormal spacing.
    tol = 1e-3 + 4 * (
        float(fw.eps) * (bins + mag)
        + float(fe.eps) * (bins + 2 * mag)
        + (float(fw.smallest_subnormal) + float(fe.smallest_subnormal)) * scale_f * (bins + 2)
    )
    exact = not (math.isfinite(tol) and tol < 0.25 and np.isfinite(scale))

    spare: queue.SimpleQueue[tuple[np.ndarray, ...]] = queue.SimpleQueue()

    def count(span: tuple[int, int]) -> np.ndarray:
        c = arr[span[0] : span[1]]
        if has_bad:
            c = c[np.isfinite(c)]
        if exact:
            # The estimate may be a bin or more off (narrow float types, subnormals, huge
            # offsets): do what np.histogram does, in its arithmetic, for every sample.
            x = c.astype(work, copy=False)
            lo_n, hi_n = edges[0], edges[-1]
            idx = ((x - lo_n) / (hi_n - lo_n) * bins).astype(np.intp)
            idx[idx == bins] -= 1
            idx[x < edges[idx]] -= 1
            idx[(x >= edges[idx + 1]) & (idx != bins - 1)] += 1
            return np.bincount(idx, minlength=bins)
        # Work arrays are reused from chunk to chunk (one set per thread at work) and written in
        # place: fresh chunk-sized arrays cost page faults on every pass, more than the
        # arithmetic itself.
        try:
            bufs = spare.get_nowait()
        except queue.Empty:
            bufs = _buffers(est)
        try:
            return _count_into(c, bufs)
        finally:
            spare.put(bufs)

    def _count_into(c: np.ndarray, bufs: tuple[np.ndarray, ...]) -> np.ndarray:
        n = c.size
        f, idx, m1, m2 = (b[:n] for b in bufs[:4])
        np.subtract(c, lo_e, out=f, dtype=est, casting="unsafe")
        f *= scale
        # f is in [0, bins] (give or take rounding), so int32 holds it; float -> int32 and a
        # same-type subtraction are several times faster than going through int64 or float64.
        np.copyto(idx, f, casting="unsafe")
        np.subtract(f, idx, out=f, dtype=est, casting="unsafe")
        np.less(f, tol, out=m1)
        np.greater(f, 1 - tol, out=m2)
        m1 |= m2
        near = np.flatnonzero(m1)
        if near.size:
            xs = c[near].astype(work, copy=False)
            ids = np.minimum(idx[near], bins - 1)
            ids -= xs < edges[ids]
            ids += (xs >= edges[ids + 1]) & (ids != bins - 1)
            idx[near] = ids
        return _bincount(idx, bins, bufs[4])

    counts = np.zeros(bins, np.int64)
    for part in _map(count, chunks):
        counts += part
    return counts, edges.astype(np.float64), nonfinite


def _buffers(est: np.dtype) -> tuple[np.ndarray, ...]:
    """Work arrays for one chunk estimated in ``est``: estimate, int32 index, two masks and the
    paired codes for :func:`_bincount`."""
    return (
        np.empty(CHUNK, est),
        np.empty(CHUNK, np.int32),
        np.empty(CHUNK, bool),
        np.empty(CHUNK, bool),
        np.empty(CHUNK // 2, np.intp),
    )


def _bincount(idx: np.ndarray, bins: int, code: np.ndarray) -> np.ndarray:
    """``np.bincount(idx, minlength=bins)`` for int32 ``idx`` in ``[0, bins)``, with ``code`` a
    work array of at least ``idx.size // 2`` intp.

    ``np.bincount`` holds the GIL, so it is the serial part of the threaded count; pairing two
    indices into one code of ``bins * bins`` values halves the elements it walks, and the
    pairing itself is GIL-free arithmetic.
    """
    h = idx.size // 2
    if h < 4096:
        return np.bincount(idx, minlength=bins)
    code = code[:h]
    np.multiply(idx[:h], bins, out=code)
    code += idx[h : 2 * h]
    grid = np.bincount(code, minlength=bins * bins).reshape(bins, bins)
    counts = grid.sum(axis=1) + grid.sum(axis=0)
    if idx.size % 2:
        counts[idx[-1]] += 1
    return counts


def _edges(lo: float, hi: float, bins: int, work: np.dtype, *, native: bool = True) -> np.ndarray | None:
    """``bins + 1`` equal-width edges in ``work`` as ``np.histogram`` makes them, or ``None``
    when they are not finite and strictly increasing in that type. ``native=False`` computes
    them in float64 before the cast."""
    a, b = (work.type(lo), work.type(hi)) if native else (lo, hi)
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(a, b, bins + 1, endpoint=True, dtype=work)
        ok = bool(np.isfinite(b - a)) and bool(np.isfinite(edges).all()) and bool((edges[1:] > edges[:-1]).all())
    return edges if ok else None


def _map(fn: Any, items: list[Any]) -> Any:
    if len(items) < 8:
        return map(fn, items)
    from .._threads import pool as _pool

    return _pool().map(fn, items)
