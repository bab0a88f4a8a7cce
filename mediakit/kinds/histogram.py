"""Histogram: binned values of a sequence, or a precomputed ``np.histogram`` result.

Backend: numpy (core). Binning walks the input in fixed-size chunks, so peak extra memory is a
few chunk-sized buffers whatever the input's size, and gives exactly ``np.histogram``'s counts
(same edges, same half-open bins with a closed last bin) while skipping its sort-free slow paths.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
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
    corrections), computed chunk by chunk on the shared pool's threads.
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

    def scan_all(spans: Iterator[tuple[int, int]]) -> list[tuple[float, float, int, int, int]]:
        return [scan(span) for span in spans]

    parts = [p for got in _share(scan_all, chunks) for p in got]
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
    mag = max(abs(lo_w), abs(hi_w)) * scale_f
    fw, fe = np.finfo(work), np.finfo(est)
    # In bin widths: rounding of the edges (linspace adds i * step to lo, so its error grows
    # with the bin count) and of the estimate, relative and in subnormal spacing.
    tol = 1e-3 + 4 * (
        float(fw.eps) * (bins + mag)
        + float(fe.eps) * (bins + 2 * mag)
        + (float(fw.smallest_subnormal) + float(fe.smallest_subnormal)) * scale_f * (bins + 2)
    )
    # The estimate is x * scale + shift = (x - lo) * scale + 1 + t: a sample is "near" an edge
    # when it and x * scale + shift - 2t truncate to different integers. t = 2 * tol leaves
    # tol for the product and the rounding of the shifts and sums (each a few eps * mag).
    t = 2 * tol
    with np.errstate(over="ignore"):
        scale = est.type(scale_f)
        shift, shift_lo = est.type(1 + t - lo_w * scale_f), est.type(1 - t - lo_w * scale_f)
    exact = not (math.isfinite(t) and t < 0.25 and np.isfinite(scale) and np.isfinite(shift) and np.isfinite(shift_lo))
    # Shifted indices run 1 to bins + 1 (bins + 1 only for a sample near the top edge, fixed
    # later): uint8 up to 254 bins, counted two at a time (see _count), uint16 above.
    w = bins + 2
    ind = np.dtype(np.uint8) if bins <= 254 else np.dtype(np.uint16)

    def count_exact(spans: Iterator[tuple[int, int]]) -> np.ndarray:
        # The estimate may be a bin or more off (narrow float types, subnormals, huge
        # offsets): do what np.histogram does, in its arithmetic, for every sample.
        counts = np.zeros(bins, np.int64)
        for span in spans:
            x = _finite(arr[span[0] : span[1]], has_bad).astype(work, copy=False)
            lo_n, hi_n = edges[0], edges[-1]
            idx = ((x - lo_n) / (hi_n - lo_n) * bins).astype(np.intp)
            idx[idx == bins] -= 1
            idx[x < edges[idx]] -= 1
            idx[(x >= edges[idx + 1]) & (idx != bins - 1)] += 1
            counts += np.bincount(idx, minlength=bins)
        return counts

    def count(spans: Iterator[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Counts of the estimated shifted indices (of paired codes for uint8) over the chunks
        this thread takes, and the corrections for the samples near an edge."""
        tally = np.zeros(w * w if ind == np.uint8 else w, np.int64)
        fix = np.zeros(w, np.int64)
        pending: list[tuple[np.ndarray, np.ndarray]] = []
        held = 0
        # Work arrays are reused from chunk to chunk and written in place: fresh chunk-sized
        # arrays cost page faults on every pass, more than the arithmetic itself.
        bufs: tuple[np.ndarray, ...] = ()
        for span in spans:
            c = _finite(arr[span[0] : span[1]], has_bad)
            bufs = bufs or _buffers(est, ind)
            g, a, b, m = (buf[: c.size] for buf in bufs[:4])
            np.multiply(c, scale, out=g, dtype=est, casting="unsafe")
            # g + shift is in [1, bins + 2) give or take rounding, so the small unsigned type
            # holds it (float -> uint8 is the cheapest conversion numpy has); each sum is cast
            # as it is made, in one call (every call is a trip through the GIL).
            np.add(g, shift, out=a, casting="unsafe")
            np.add(g, shift_lo, out=b, casting="unsafe")
            np.not_equal(a, b, out=m)
            near = np.flatnonzero(m)
            tally += _count(a, w, bufs[4], bufs[5])
            # Near samples are checked against the edges a batch at a time (a handful of small
            # operations, not worth doing per chunk); the batch stays under a chunk's size.
            pending.append((c[near], a[near]))
            held += near.size
            if held > CHUNK:
                fix += _settle(pending, edges, w)
                pending, held = [], 0
        return tally, fix + _settle(pending, edges, w)

    if exact:
        return sum(_share(count_exact, chunks[::-1]), np.zeros(bins, np.int64)), edges.astype(np.float64), nonfinite
    counts = np.zeros(w, np.int64)
    # Last chunk first: the scan just read them in order, so the last ones may still be cached.
    for tally, fix in _share(count, chunks[::-1]):
        counts += fix
        if ind == np.uint8:
            sq = tally.reshape(w, w)
            counts += sq.sum(axis=1) + sq.sum(axis=0)
        else:
            counts += tally
    # Index 0 holds the odd-sized chunks' middle samples' partners (see _count); bins + 1 is
    # empty once the near samples are settled.
    return counts[1 : bins + 1].copy(), edges.astype(np.float64), nonfinite


def _finite(c: np.ndarray, has_bad: bool) -> np.ndarray:
    return c[np.isfinite(c)] if has_bad else c


def _settle(pending: list[tuple[np.ndarray, np.ndarray]], edges: np.ndarray, w: int) -> np.ndarray:
    """Corrections to the shifted counts for samples that were near an edge: their estimated
    index out, the index ``np.histogram`` gives them (compared against the edges) in."""
    if not pending:
        return np.zeros(w, np.int64)
    xs = np.concatenate([p[0] for p in pending]).astype(edges.dtype, copy=False)
    est_ids = np.concatenate([p[1] for p in pending]).astype(np.intp)
    bins = w - 2
    ids = np.minimum(est_ids - 1, bins - 1)
    ids -= xs < edges[ids]
    ids += (xs >= edges[ids + 1]) & (ids != bins - 1)
    return np.bincount(ids + 1, minlength=w) - np.bincount(est_ids, minlength=w)


def _buffers(est: np.dtype, ind: np.dtype) -> tuple[np.ndarray, ...]:
    """Work arrays for one chunk estimated in ``est``: estimate, two shifted indices in ``ind``,
    a mask and the paired codes for :func:`_count` (uint16, and intp for ``np.bincount``)."""
    return (
        np.empty(CHUNK, est),
        np.empty(CHUNK, ind),
        np.empty(CHUNK, ind),
        np.empty(CHUNK, bool),
        np.empty(CHUNK // 2 + 1, np.uint16),
        np.empty(CHUNK // 2 + 1, np.intp),
    )


def _count(a: np.ndarray, w: int, code: np.ndarray, wide: np.ndarray) -> np.ndarray:
    """``np.bincount(a, minlength=w)`` for indices ``a`` in ``[1, w)``, or for uint8 ``a`` the
    counts of index pairs: ``w * w`` codes ``a[i] * w + a[k + i]`` (``k = ceil(a.size / 2)``,
    the middle sample of an odd size paired with 0), with ``code`` (uint16) and ``wide`` (intp)
    work arrays of at least ``k``. Row plus column sums of the ``w`` by ``w`` grid give the
    counts (plus junk at index 0 from the pairs with 0).

    ``np.bincount`` holds the GIL, so it is the serial part of the threaded count; pairing
    halves the elements it walks, and the pairing and the widening to intp (which bincount
    would otherwise do itself, under the GIL, in a fresh array) are GIL-free ufuncs.
    """
    if a.dtype != np.uint8:
        return np.bincount(a, minlength=w)
    h = a.size // 2
    k = h + a.size % 2
    code = code[:k]
    np.multiply(a[:k], w, out=code, dtype=np.uint16)
    np.add(code[:h], a[k:], out=wide[:h], dtype=np.uint16)
    wide[h:k] = code[h:]
    return np.bincount(wide[:k], minlength=w * w)


def _edges(lo: float, hi: float, bins: int, work: np.dtype, *, native: bool = True) -> np.ndarray | None:
    """``bins + 1`` equal-width edges in ``work`` as ``np.histogram`` makes them, or ``None``
    when they are not finite and strictly increasing in that type. ``native=False`` computes
    them in float64 before the cast."""
    a, b = (work.type(lo), work.type(hi)) if native else (lo, hi)
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(a, b, bins + 1, endpoint=True, dtype=work)
        ok = bool(np.isfinite(b - a)) and bool(np.isfinite(edges).all()) and bool((edges[1:] > edges[:-1]).all())
    return edges if ok else None


def _share(task: Callable[[Iterator[Any]], Any], items: list[Any]) -> list[Any]:
    """``task`` run on each of the pool's threads, all drawing from ``items`` (each item goes to
    whichever thread is free): one result per thread. One task per thread rather than one per
    item keeps the hand-offs between threads (and the GIL trips they cost) to a few."""
    if len(items) < 8:
        return [task(iter(items))]
    from .._threads import in_pool, pool, workers

    if in_pool():  # waiting on the pool from one of its threads could wait for itself
        return [task(iter(items))]
    lock = threading.Lock()
    source = iter(items)

    def draw() -> Iterator[Any]:
        while True:
            with lock:
                item = next(source, None)
            if item is None:
                return
            yield item

    futures = [pool().submit(task, draw()) for _ in range(min(workers(), len(items)))]
    return [f.result() for f in futures]
