"""Classifier curves and counts with numpy only: PR and ROC curves over all thresholds, AUC,
average precision, confusion counts, and curve reduction with a bounded error.

Backend: numpy (core); scikit-learn is not needed. Definitions follow scikit-learn's (so numbers
agree with ``sklearn.metrics``): thresholds are the distinct scores; ROC starts at (0, 0);
the PR curve ends at (recall 0, precision 1); AP = sum over thresholds of
``(R_n - R_{n-1}) * P_n``; AUC is the trapezoidal area under the ROC curve.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _native
from .._arrays import is_array_like, to_numpy
from .._errors import LimitError, MediaTypeError, ValidationError, shown

#: Reduction tolerance: points closer than this (in axis units of the [0, 1] square) to the kept
#: polyline are dropped. One pixel of an 800-pixel-wide chart.
TOLERANCE = 1.0 / 800
#: Most points kept over all curves of one chart (the tolerance grows until they fit).
MAX_POINTS = 10_000
#: Most classes a confusion matrix may have (its counts are a dense n x n array).
MAX_CLASSES = 1_000


def as_array(x: Any, field: str) -> np.ndarray:
    if x is None:
        msg = f"{field}: expected an array or list, got None"
        raise ValidationError(msg)
    if isinstance(x, (str, bytes, dict)):
        msg = f"{field}: expected an array or list, got {type(x).__name__}"
        raise MediaTypeError(msg)
    if is_array_like(x) and not isinstance(x, (list, tuple)):
        arr = to_numpy(x, field=field) if not isinstance(x, np.ndarray) else x
        if arr.dtype == object:
            arr = np.asarray(arr.tolist())
        return arr
    try:
        return np.asarray(x)
    except ValueError as e:
        msg = f"{field}: expected a rectangular array: {e}"
        raise ValidationError(msg) from None


@dataclass
class Classes:
    """Ground truth as class indices plus the class names."""

    index: np.ndarray  # (N,) int64 in [0, len(names))
    names: list[str]


def class_indices(y_true: Any, n_classes: int | None, labels: Any, field: str = "y_true", *, check: bool = True) -> Classes:
    """Turn ``y_true`` (class indices, labels, or a one-hot matrix) into indices and names.

    ``n_classes`` is the number of score columns (None for the confusion matrix, where the classes
    come from the data or ``labels``). ``check=False`` skips the range check of integer indices
    when the number of classes is known: for a caller that checks them as it uses them (and then
    calls again with the check, which names the value out of range).
    """
    y = as_array(y_true, field)
    names = _labels(labels, n_classes, "labels")
    if y.ndim == 2 and n_classes is not None and y.shape[1] == n_classes and y.dtype.kind in "biuf":
        if not np.isin(y, (0, 1)).all() or not (y.sum(axis=1) == 1).all():
            msg = f"{field}: a 2-D y_true must be one-hot (one 1 per row), got shape {y.shape} with other values"
            raise ValidationError(msg)
        y = y.argmax(axis=1)
    if y.ndim != 1:
        msg = f"{field}: expected a 1-D array of class indices or labels, got shape {y.shape}"
        raise ValidationError(msg)
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or not (np.floor(y) == y).all():
            i = int(np.flatnonzero(~np.isfinite(y) | (np.floor(y) != y))[0])
            msg = f"{field}[{i}]: expected a class index (whole number) or label, got {shown(y[i].item())}"
            raise ValidationError(msg)
        y = y.astype(np.int64)
    if y.dtype.kind in "iu":
        known = n_classes if n_classes is not None else (len(names) if names is not None else None)
        if not check and known is not None:
            names = names if names is not None else [str(i) for i in range(known)]
            return Classes(y.astype(np.int64, copy=False), names)
        lo, hi = (int(y.min()), int(y.max())) if y.size else (0, -1)  # two reductions, no temporary arrays
        k = known if known is not None else hi + 1
        if lo < 0 or hi >= k:
            i = int(np.flatnonzero((y < 0) | (y >= k))[0])
            msg = f"{field}[{i}]: class index {int(y[i])} is outside 0..{k - 1} ({k} classes)"
            raise ValidationError(msg)
        names = names if names is not None else [str(i) for i in range(k)]
        return Classes(y.astype(np.int64, copy=False), names)
    if y.dtype.kind in "UO":
        uniq, inv = np.unique(y.astype(str), return_inverse=True)
        if names is None:
            names = [str(u) for u in uniq]
            if n_classes is not None and len(names) != n_classes:
                msg = f"{field}: holds {len(names)} distinct labels but the scores have {n_classes} columns; pass labels= (one name per column)"
                raise ValidationError(msg)
        pos = {n: i for i, n in enumerate(names)}
        missing = [u for u in uniq.tolist() if u not in pos]
        if missing:
            i = int(np.flatnonzero(y.astype(str) == missing[0])[0])
            msg = f"{field}[{i}]: label {shown(missing[0])} is not one of the class names {shown(names[:20], 300)}"
            raise ValidationError(msg)
        lut = np.array([pos[u] for u in uniq.tolist()], dtype=np.int64)
        return Classes(lut[inv.reshape(-1)], names)
    msg = f"{field}: expected class indices (ints) or labels (strings), got dtype {y.dtype}"
    raise MediaTypeError(msg)


def _labels(labels: Any, n: int | None, field: str) -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        msg = f"{field}: expected a list of class names, got {type(labels).__name__} {shown(labels)}"
        raise MediaTypeError(msg)
    names = [str(x) for x in list(labels)]
    if n is not None and len(names) != n:
        msg = f"{field}: expected {n} names (one per score column), got {len(names)}"
        raise ValidationError(msg)
    if len(set(names)) != len(names):
        msg = f"{field}: class names must be unique, got {shown(names[:20], 300)}"
        raise ValidationError(msg)
    return names


def scores(y_probas: Any, n: int, field: str = "y_probas") -> np.ndarray:
    """Scores as a float (N, C) array; a 1-D array is the positive class of a binary problem."""
    p = as_array(y_probas, field)
    if p.dtype.kind not in "biuf":
        msg = f"{field}: expected numbers, got dtype {p.dtype}"
        raise MediaTypeError(msg)
    if p.ndim == 1:
        p = np.stack([-p.astype(np.float64), p.astype(np.float64)], axis=1)
    if p.ndim != 2:
        msg = f"{field}: expected shape (n_samples, n_classes), got {p.shape}"
        raise ValidationError(msg)
    if p.shape[0] != n:
        msg = f"{field}: has {p.shape[0]} rows but y_true has {n} values; they must be equal"
        raise ValidationError(msg)
    fin = np.isfinite(p)
    if not fin.all():
        i, j = (int(v) for v in np.argwhere(~fin)[0])
        msg = f"{field}[{i}, {j}]: expected a finite score, got {float(p[i, j])!r}"
        raise ValidationError(msg)
    return p


def pick_classes(classes_to_plot: Any, names: list[str], field: str = "classes_to_plot") -> list[int]:
    """Class indices to plot, from indices or names (default: all)."""
    if classes_to_plot is None:
        return list(range(len(names)))
    items = list(classes_to_plot) if not isinstance(classes_to_plot, (str, int, np.integer)) else [classes_to_plot]
    out: list[int] = []
    pos = {n: i for i, n in enumerate(names)}
    for k, c in enumerate(items):
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool) and str(c) not in pos:
            if not 0 <= int(c) < len(names):
                msg = f"{field}[{k}]: class index {int(c)} is outside 0..{len(names) - 1}"
                raise ValidationError(msg)
            idx = int(c)
        elif str(c) in pos:
            idx = pos[str(c)]
        else:
            msg = f"{field}[{k}]: {shown(c)} is not a class (classes: {shown(names[:20], 300)})"
            raise ValidationError(msg)
        if idx not in out:
            out.append(idx)
    return out


def binary_counts(score: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positive counts at each distinct threshold (descending) and the thresholds."""
    order = np.argsort(score)[::-1]
    s = score[order]
    tp = np.cumsum(positive[order], dtype=np.int64)
    ends = np.r_[np.flatnonzero(s[1:] != s[:-1]), s.size - 1]
    tps = tp[ends]
    fps = ends + 1 - tps
    return tps, fps, s[ends]


def roc(tps: np.ndarray, fps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float | None]:
    """(fpr, tpr, auc); AUC is None when a class has no positives or no negatives."""
    p, n = int(tps[-1]), int(fps[-1])
    tpr = np.r_[0.0, tps / p] if p else np.r_[0.0, np.zeros(tps.size)]
    fpr = np.r_[0.0, fps / n] if n else np.r_[0.0, np.zeros(fps.size)]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0) if p and n else None
    return fpr, tpr, auc


def pr(tps: np.ndarray, fps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float | None]:
    """(recall, precision, average precision), from high recall to recall 0 then (0, 1)."""
    p = int(tps[-1])
    precision = tps / (tps + fps)
    recall = tps / p if p else np.zeros(tps.size)
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision)) if p else None
    # Ascending thresholds order (as scikit-learn returns): recall falls to 0, precision ends at 1.
    return np.r_[recall[::-1], 0.0], np.r_[precision[::-1], 1.0], ap


def roc_turns(tps: np.ndarray, fps: np.ndarray) -> np.ndarray:
    """Indices (into :func:`roc`'s arrays) of the points where the ROC curve changes direction.

    The others lie exactly on the segment between their neighbours (checked on the integer
    counts, so exactly), and dropping them changes nothing; the bounded-error reduction then runs
    on far fewer points.
    """
    x, y = np.r_[0, fps], np.r_[0, tps]
    dx, dy = np.diff(x), np.diff(y)
    turn = dx[:-1] * dy[1:] != dy[:-1] * dx[1:]
    return np.flatnonzero(np.r_[True, turn, True])


def pr_turns(tps: np.ndarray) -> np.ndarray:
    """Indices (into :func:`pr`'s arrays) of the PR points not inside a run of equal true
    positives (such runs are vertical segments: recall is constant, precision falls steadily)."""
    t = tps[::-1]
    inner = (t[:-2] == t[1:-1]) & (t[1:-1] == t[2:])
    return np.flatnonzero(np.r_[True, ~inner, True, True])


def reduce(x: np.ndarray, y: np.ndarray, tol: float, *, limit: int | None = None) -> np.ndarray | None:
    """Indices of the points kept by Ramer-Douglas-Peucker: every dropped point lies within
    ``tol`` of the segment between its kept neighbours; the first and last points are kept.

    A segment is split at its farthest point, or at its middle when the farthest point sits in
    the outer eighth of a long segment: either keeps the error bound, and the second keeps the
    work at O(n log n) on curves (saw teeth, noise) where plain RDP peels one point at a time.
    Returns None as soon as more than ``limit`` points would be kept.
    """
    n = x.size
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    native = _native.speedups()
    if native is not None and x.dtype == np.float64 and y.dtype == np.float64:
        # The same loop in C (mediakit._speedups), the same arithmetic: the same points.
        done = native.rdp(np.ascontiguousarray(x), np.ascontiguousarray(y), float(tol), limit, keep)
        if done is not None:
            return None if done < 0 else np.flatnonzero(keep)
    kept = 2
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        xs, ys = x[i + 1 : j], y[i + 1 : j]
        dx, dy = x[j] - x[i], y[j] - y[i]
        norm = float(np.hypot(dx, dy))
        if norm == 0.0:
            d = np.hypot(xs - x[i], ys - y[i])
        else:
            d = np.abs(dy * (xs - x[i]) - dx * (ys - y[i])) / norm
        k = int(np.argmax(d))
        if d[k] > tol:
            m = i + 1 + k
            span = j - i
            if span > 64 and min(m - i, j - m) < span // 8:
                m = (i + j) // 2
            keep[m] = True
            kept += 1
            if limit is not None and kept > limit:
                return None
            stack.append((i, m))
            stack.append((m, j))
    return np.flatnonzero(keep)


def reduce_all(curves: list[tuple[np.ndarray, np.ndarray]], *, tol: float = TOLERANCE, budget: int = MAX_POINTS) -> tuple[list[np.ndarray], float]:
    """Reduce several curves together; the tolerance doubles until all fit in ``budget`` points."""
    budget = max(budget, 2 * len(curves))
    while True:
        kept: list[np.ndarray] = []
        left = budget
        for x, y in curves:
            k = reduce(x, y, tol, limit=left - 2 * (len(curves) - len(kept) - 1))
            if k is None:
                break
            kept.append(k)
            left -= k.size
        else:
            return kept, tol
        tol *= 2


def degenerate_warning(kind: str, names: list[str]) -> None:
    if names:
        warnings.warn(
            f"{kind}: classes {shown(names[:10], 300)} have no positive (or no negative) samples; their curves are flat and their metric is null",
            UserWarning,
            stacklevel=4,
        )


def confusion_counts(y: np.ndarray, p: np.ndarray, n: int) -> np.ndarray | None:
    """(n, n) int64 counts: rows are actual classes, columns predicted classes (int64 indices).
    With the C extension, one pass that also checks every index is in 0..n-1 (None if one is
    not); without it the indices must have been checked."""
    if n > MAX_CLASSES:
        msg = f"class_names: at most {MAX_CLASSES} classes, got {n}"
        raise LimitError(msg)
    native = _native.speedups()
    if native is not None:  # always this path when built: callers skip their range check then
        if n == 0:
            return None
        out = np.zeros(n * n, np.int64)
        ok = native.confusion(np.ascontiguousarray(y), np.ascontiguousarray(p), n, out)
        return out.reshape(n, n) if ok else None
    cells = y * n
    cells += p  # in place: one temporary array, not two
    return np.bincount(cells, minlength=n * n).reshape(n, n)
