"""Point clouds into PLY records: the row checks and casts of :func:`check_points`, slice by
slice on the shared worker threads for big clouds, with the file's sha256 computed meanwhile.

Backend: numpy (core). Every function here reports what failed (bounds, a flag) and the caller,
``_obj3d_scene.check_points``, names the failing element.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .. import _native
from .._threads import pool, workers
from ..palette import PALETTE

#: Categories of ``(N, 4)`` clouds (the reference docs' range).
CATEGORY_RANGE = (1, 14)


#: Colours of categories 1-14 in the stored PLY (so viewers show them): the shared class palette.
def _category_lut() -> np.ndarray:
    return np.array([(0, 0, 0), *PALETTE[: CATEGORY_RANGE[1]]], np.uint8)


def _column_bounds(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Column by column: numpy's axis-0 reductions of (N, 3) arrays are several times slower.
    cols = [a[:, i] for i in range(a.shape[1])]
    return np.array([c.min() for c in cols], np.float64), np.array([c.max() for c in cols], np.float64)


def _fill_hashing(arr: np.ndarray, rec: np.ndarray, buf: np.ndarray, pieces: list[slice]) -> tuple[list[Any], str]:
    """Fill the slices on the worker threads while this thread hashes the file: the header,
    then each slice's bytes once its fill is done, in order."""
    import hashlib

    head = len(buf) - len(rec) * rec.dtype.itemsize
    size = rec.dtype.itemsize
    view = buf.data  # a memoryview of the 1-D uint8 buffer: byte offsets
    h = hashlib.sha256(view[:head])
    jobs = [pool().submit(_fill_slice, arr, rec, sl) for sl in pieces]
    parts = []
    try:
        for job, sl in zip(jobs, pieces):
            parts.append(job.result())
            h.update(view[head + sl.start * size : head + sl.stop * size])
    finally:
        for job in jobs:
            job.cancel()
        for job in jobs:  # none may write into ``buf`` after we return (an error leaves nothing running)
            if not job.cancelled():
                job.exception()
    return parts, h.hexdigest()


#: Clouds of at least twice this many points are checked (and hashed) in slices on the shared
#: worker threads.
_SLICE_ROWS = 1 << 18
#: Rows per slice then: small enough that the hash, which follows the fills slice by slice,
#: finishes soon after the last one.
_PIPE_ROWS = 1 << 17


def _slices(n: int) -> list[slice]:
    if n < 2 * _SLICE_ROWS:
        return [slice(0, n)]
    parts = max(workers(), n // _PIPE_ROWS)
    step = -(-n // parts)
    return [slice(i, min(n, i + step)) for i in range(0, n, step)]


def _fill_slice(arr: np.ndarray, rec: np.ndarray, sl: slice) -> tuple[np.ndarray, np.ndarray, bool, float]:
    """Cast rows ``sl`` of ``arr`` into the PLY records: (xyz minima, xyz maxima, whether a
    category or colour failed its rule, the largest colour value)."""
    if arr.shape[1] == 6:
        return _fill_rgb_slice(arr, rec, sl)
    src = arr[sl]
    xyz = rec["xyz"][sl]
    with np.errstate(over="ignore", invalid="ignore"):
        xyz[...] = src[:, :3]  # values beyond float32 become inf: caught with NaN by the caller
    if len(xyz):
        lo, hi = _column_bounds(xyz)
    else:
        lo = hi = np.zeros(3)
    bad = False
    if arr.shape[1] == 4 and len(src):
        c = src[:, 3]
        c_lo, c_hi = CATEGORY_RANGE
        bad = not (c_lo <= c.min() and c.max() <= c_hi)  # also true for NaN
        if not bad and arr.dtype.kind == "f":
            bad = bool((c != np.floor(c)).any())
        if not bad:
            rec["category"][sl] = c
            colors = _category_lut()[rec["category"][sl]]  # in the slice: it is hashed once filled
            out = rec["rgb"][sl]
            for i in range(3):
                out[:, i] = colors[:, i]
    return lo, hi, bad, 0.0


#: Rows of ``(N, 6)`` clouds handled at once (a few MB of temporaries: they stay in cache).
_BLOCK_ROWS = 1 << 18
#: Rows folded into one wide row for the column minima and maxima.
_WIDE = 64
#: The ``(N, 6)`` record as raw bytes: 12 of xyz, 3 of rgb.
_RAW_XYZ_RGB = np.dtype({"names": ["xyz", "rgb"], "formats": ["V12", "V3"], "offsets": [0, 12], "itemsize": 15})


def _fill_rgb_slice(arr: np.ndarray, rec: np.ndarray, sl: slice) -> tuple[np.ndarray, np.ndarray, bool, float]:
    """``(N, 6)`` rows, block by block: one contiguous cast to float32 ``(rows, 6)`` (fast, where
    casts of 3-wide strided columns are slow); the six columns' minima and maxima from one
    reduction over rows folded ``_WIDE`` at a time (NaN propagates: caught with inf by the
    caller); colours rounded half up by a float32 ``+ 0.5`` cast straight to uint8 (the cast
    truncates); xyz and rgb copied into the 15-byte records as raw bytes."""
    native = _native.speedups()
    if native is not None and arr.dtype in (np.float64, np.float32) and arr.flags.c_contiguous and sys.byteorder == "little":
        # The same casts, rounding and bounds in one pass in C (mediakit._speedups), GIL released.
        lo6, hi6 = native.fill_points(arr, rec.view(np.uint8), 0, sl.start, sl.stop)
        lo_, hi_ = np.array(lo6, np.float32), np.array(hi6, np.float32)
        bad = not (lo_[3:].min() >= 0 and hi_[3:].max() <= 255)  # NaN fails both
        return lo_[:3].astype(np.float64), hi_[:3].astype(np.float64), bad, float(hi_[3:].max()) if sl.stop > sl.start else 0.0
    raw = rec.view(_RAW_XYZ_RGB)
    is_float = arr.dtype.kind == "f"
    los, his = [np.full(6, np.inf, np.float32)], [np.full(6, -np.inf, np.float32)]
    bad = False
    for a in range(sl.start, sl.stop, _BLOCK_ROWS):
        b = min(sl.stop, a + _BLOCK_ROWS)
        m = b - a
        f = np.empty((m, 6), np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            f[...] = arr[a:b]  # values beyond float32 become inf
        q = m - m % _WIDE
        los.append(f[q:].min(axis=0) if q < m else los[0])
        his.append(f[q:].max(axis=0) if q < m else his[0])
        if q:
            wide = f[:q].reshape(-1, _WIDE * 6)
            los.append(np.minimum.reduce(wide, axis=0).reshape(_WIDE, 6).min(axis=0))
            his.append(np.maximum.reduce(wide, axis=0).reshape(_WIDE, 6).max(axis=0))
        raw["xyz"][a:b] = np.ndarray((m,), "V12", f.data, 0, (24,))
        c_lo, c_hi = np.min(los, axis=0)[3:].min(), np.max(his, axis=0)[3:].max()  # numpy's: NaN propagates
        if not (c_lo >= 0 and c_hi <= 255):  # NaN fails both
            bad = True
            break
        u8 = np.empty((m, 6), np.uint8)
        with np.errstate(over="ignore", invalid="ignore"):  # the xyz columns' bytes are not used
            if is_float:
                np.add(f, np.float32(0.5), out=u8, casting="unsafe")
            else:
                np.copyto(u8, f, casting="unsafe")
        raw["rgb"][a:b] = np.ndarray((m,), "V3", u8.data, 3, (6,))
    lo = np.min(los, axis=0)
    hi = np.max(his, axis=0)
    return lo[:3].astype(np.float64), hi[:3].astype(np.float64), bad, float(hi[3:].max()) if sl.stop > sl.start else 0.0
