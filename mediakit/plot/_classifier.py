"""The classifier presets: ``pr_curve``, ``roc_curve`` (one-vs-rest, every threshold) and
``confusion_matrix``; each returns a :class:`~mediakit.kinds.chart.Chart`.

Backend: numpy (core). Curves and counts are computed by :mod:`mediakit.plot._curves`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _native
from .._arrays import warn_user
from .._errors import MediaTypeError, ValidationError, shown
from ..kinds.chart import Chart
from . import _curves as cv
from ._presets import _chart, _check_split_table, _preset, _table, _title

#: Above this many classes the confusion matrix keeps only its non-zero cells (and no numbers).
DENSE_MATRIX_CLASSES = 100
TEXT_MATRIX_CLASSES = 20



def _curve_inputs(y_true: Any, y_probas: Any, labels: Any, classes_to_plot: Any) -> tuple[cv.Classes, np.ndarray, list[int]]:
    p0 = cv.as_array(y_probas, "y_probas")
    n_classes = p0.shape[1] if p0.ndim == 2 else 2
    cls = cv.class_indices(y_true, n_classes, labels)
    if cls.index.size == 0:
        msg = "y_true: no samples"
        raise ValidationError(msg)
    p = cv.scores(p0, cls.index.size)
    return cls, p, cv.pick_classes(classes_to_plot, cls.names)


def pr_curve(
    y_true: Any,
    y_probas: Any,
    labels: Any = None,
    classes_to_plot: Any = None,
    interp_size: int | None = None,
    title: str = "Precision-Recall Curve",
    split_table: bool = False,
) -> Chart:
    """One-vs-rest precision-recall curves, one per class, with average precision per class.

    Parameters
    ----------
    y_true:
        ``(N,)`` class indices (``0..C-1``), or labels (strings: matched against ``labels``, or
        sorted to give the class order when ``labels`` is None), or a one-hot ``(N, C)`` array.
    y_probas:
        ``(N, C)`` scores, column ``j`` for class ``j`` (a 1-D array is the positive class of a
        binary problem).
    labels:
        Class names, one per column (index 0 -> ``labels[0]``).
    classes_to_plot:
        Classes to include, by index or name (default: all).
    interp_size:
        Accepted for the trackers' call form (which interpolates each curve to this many
        points) and ignored with a warning: mediakit keeps every threshold, reducing the curves
        for display only within a bounded error.
    split_table:
        Accepted for the trackers' call form; no effect.
    """
    _check_split_table(split_table)
    if interp_size is not None:
        _interp_size_ignored(interp_size)
    cls, p, idx = _curve_inputs(y_true, y_probas, labels, classes_to_plot)
    return _curves_chart("pr", cls, p, idx, _title(title, "Precision-Recall Curve"))


def _interp_size_ignored(interp_size: Any) -> None:
    if isinstance(interp_size, str):
        msg = f"interp_size: expected an int, got str {shown(interp_size)}; pass the title by name: pr_curve(y_true, y_probas, title={shown(interp_size)})"
        raise MediaTypeError(msg)
    if isinstance(interp_size, bool) or not isinstance(interp_size, (int, np.integer)) or interp_size < 1:
        msg = f"interp_size: expected an int >= 1, got {type(interp_size).__name__} {shown(interp_size)}"
        raise ValidationError(msg)
    warn_user(
        f"pr_curve: interp_size={int(interp_size)} is ignored: mediakit keeps every threshold "
        f"(no interpolation; curves are reduced for display within {cv.TOLERANCE:g} of the axes)"
    )


def roc_curve(y_true: Any, y_probas: Any, labels: Any = None, classes_to_plot: Any = None, title: str = "ROC Curve", split_table: bool = False) -> Chart:
    """One-vs-rest ROC curves, one per class, with the area under each (AUC).

    Parameters are as for :func:`pr_curve`.
    """
    _check_split_table(split_table)
    cls, p, idx = _curve_inputs(y_true, y_probas, labels, classes_to_plot)
    return _curves_chart("roc", cls, p, idx, _title(title, "ROC Curve"))


def _one_curve(kind: str, cls: cv.Classes, p: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
    """One class's curve (exactly-redundant points dropped), its size before that, its metrics."""
    pos = cls.index == c
    tps, fps, thr = cv.binary_counts(p[:, c], pos)
    if kind == "pr":
        x, y, metric = cv.pr(tps, fps)
        turns = cv.pr_turns(tps)
        name = "average_precision"
    else:
        x, y, metric = cv.roc(tps, fps)
        turns = cv.roc_turns(tps, fps)
        name = "auc"
    info = {"class": cls.names[c], name: metric, "positives": int(pos.sum()), "thresholds": int(thr.size)}
    return x[turns], y[turns], int(x.size), info


def _curves_chart(kind: str, cls: cv.Classes, p: np.ndarray, idx: list[int], title: str) -> Chart:
    if len(idx) > 1 and p.shape[0] >= 10_000:
        from .._threads import pool as _pool  # mediakit's shared worker threads: numpy sorts release the GIL

        parts = list(_pool().map(lambda c: _one_curve(kind, cls, p, c), idx))
    else:
        parts = [_one_curve(kind, cls, p, c) for c in idx]
    curves = [(x, y) for x, y, _, _ in parts]
    per_class = [info for _, _, _, info in parts]
    metric = "average_precision" if kind == "pr" else "auc"
    cv.degenerate_warning(f"{kind}_curve", [info["class"] for info in per_class if info[metric] is None])
    points_in = sum(n for _, _, n, _ in parts)
    if kind == "pr":
        return _curve_chart("mediakit/pr-curve", cls, idx, curves, points_in, ("recall", "precision"), per_class, title, ("Recall", "Precision"))
    return _curve_chart("mediakit/roc-curve", cls, idx, curves, points_in, ("fpr", "tpr"), per_class, title, ("False positive rate", "True positive rate"))


def _curve_chart(
    name: str,
    cls: cv.Classes,
    idx: list[int],
    curves: list[tuple[np.ndarray, np.ndarray]],
    points_in: int,
    cols: tuple[str, str],
    per_class: list[dict[str, Any]],
    title: str,
    axis: tuple[str, str],
) -> Chart:
    kept, tol = cv.reduce_all(curves)
    xs = np.concatenate([x[k] for (x, _), k in zip(curves, kept)])
    ys = np.concatenate([y[k] for (_, y), k in zip(curves, kept)])
    names = [cls.names[c] for c, k in zip(idx, kept) for _ in range(k.size)]
    for pc, k in zip(per_class, kept):
        pc["points"] = int(k.size)
    table = _table({"class": names, cols[0]: xs, cols[1]: ys})
    reduction = {
        "method": "ramer-douglas-peucker",
        "tolerance": tol,
        "points_in": int(points_in),
        "points_out": int(xs.size),
    }
    fields = {"x": cols[0], "y": cols[1], "class": "class"}
    strings = {"title": title, "x-axis-title": axis[0], "y-axis-title": axis[1], "classes": [cls.names[c] for c in idx]}
    return _chart(name, table, fields, strings, metrics={"classes": per_class}, reduction=reduction)


def confusion_matrix(
    probs: Any = None,
    y_true: Any = None,
    preds: Any = None,
    class_names: Any = None,
    title: str = "Confusion Matrix",
    split_table: bool = False,
    *,
    normalize: str | None = None,
) -> Chart:
    """A confusion matrix of predictions against the truth.

    Parameters
    ----------
    probs:
        ``(N, C)`` scores (the prediction is each row's arg-max). Give ``probs`` or ``preds``.
    y_true:
        ``(N,)`` true classes: indices into ``class_names``, or labels.
    preds:
        ``(N,)`` predicted classes: indices or labels.
    class_names:
        Class names (index ``i`` -> ``class_names[i]``). Without them the classes are the
        values that occur in ``preds`` and ``y_true``, sorted (labels ``{2, 4, 6}`` give a 3 x 3
        matrix named ``"2"``, ``"4"``, ``"6"``); with ``probs``, the score columns ``"0"``,
        ``"1"``, ...
    normalize:
        ``None`` (counts only), ``"true"`` (rows sum to 1), ``"pred"`` (columns sum to 1) or
        ``"all"``; the fractions go in a ``normalized`` column and colour the cells, the integer
        counts stay in ``nPredictions``.
    split_table:
        Accepted for the trackers' call form; no effect.

    Notes
    -----
    The reference documents call ``confusion_matrix(predictions, ground_truth, class_names)``
    positionally, which puts the class names in ``preds``. Since ``probs`` and ``preds`` cannot
    both be predictions, a list of distinct strings in ``preds`` next to ``probs`` (and no
    ``class_names``) is read as the class names; and a 1-D ``probs`` (class indices or labels,
    not scores) is read as ``preds``. So that call works whether ``predictions`` holds scores or
    predicted classes.
    """
    _check_split_table(split_table)
    if normalize not in (None, "true", "pred", "all"):
        msg = f"normalize: expected None, 'true', 'pred' or 'all', got {shown(normalize)}"
        raise ValidationError(msg)
    if class_names is None and probs is not None and preds is not None and _looks_like_names(preds):
        class_names, preds = preds, None
    if probs is not None and preds is None and cv.as_array(probs, "probs").ndim == 1:
        probs, preds = None, probs
    if probs is not None and preds is not None:
        msg = "confusion_matrix: give probs (scores) or preds (predicted classes), not both"
        raise ValidationError(msg)
    if probs is None and preds is None:
        msg = "confusion_matrix: give probs (scores) or preds (predicted classes)"
        raise ValidationError(msg)
    if y_true is None:
        msg = "y_true: expected the true classes, got None"
        raise ValidationError(msg)
    names = cv._labels(class_names, None, "class_names")
    if probs is not None:
        pa = cv.as_array(probs, "probs")
        if pa.ndim != 2 or pa.dtype.kind not in "biuf":
            msg = f"probs: expected scores of shape (n_samples, n_classes), got shape {pa.shape} dtype {pa.dtype}"
            raise ValidationError(msg)
        if names is not None and pa.shape[1] != len(names):
            msg = f"probs: {pa.shape[1]} score columns but {len(names)} class_names"
            raise ValidationError(msg)
        n = pa.shape[1]
        pred_idx = pa.argmax(axis=1).astype(np.int64)
        truth = cv.class_indices(y_true, n, names)
        names = truth.names
    else:
        pv, yv = cv.as_array(preds, "preds"), cv.as_array(y_true, "y_true")
        if names is None and (pv.dtype.kind in "UO" or yv.dtype.kind in "UO"):
            names = sorted({str(v) for v in np.unique(pv.astype(str))} | {str(v) for v in np.unique(yv.astype(str))})
        if names is None and pv.dtype.kind in "biuf" and yv.dtype.kind in "biuf":
            # The classes are the values that occur, sorted; y_true and preds become indices.
            pv, yv = _whole(pv, "preds"), _whole(yv, "y_true")
            occurring = np.union1d(pv, yv)
            names = [str(v) for v in occurring.tolist()]
            pv, yv = np.searchsorted(occurring, pv), np.searchsorted(occurring, yv)
        # With the C extension the indices' range is checked while counting (one pass).
        check = _native.speedups() is None
        truth = cv.class_indices(yv, None, names, check=check)
        pred_idx = cv.class_indices(pv, None, names, field="preds", check=check).index
        names = truth.names
        n = len(names)
    y = truth.index
    if y.size != pred_idx.size:
        msg = f"y_true: {y.size} values but there are {pred_idx.size} predictions; they must be equal"
        raise ValidationError(msg)
    if y.size == 0:
        msg = "y_true: no samples"
        raise ValidationError(msg)
    counts = cv.confusion_counts(y, pred_idx, n)
    if counts is None:  # an index out of range: the checks name it
        y = cv.class_indices(y, None, names).index
        pred_idx = cv.class_indices(pred_idx, None, names, field="preds").index
        counts = cv.confusion_counts(y, pred_idx, n)
        assert counts is not None
    return _matrix_chart(counts, names, _title(title, "Confusion Matrix"), normalize)


def _whole(a: np.ndarray, field: str) -> np.ndarray:
    """Class values as int64 (bools and whole floats converted; other floats refused)."""
    if a.ndim != 1:
        msg = f"{field}: expected a 1-D array of class indices or labels, got shape {a.shape}"
        raise ValidationError(msg)
    if a.dtype.kind == "f":
        bad = ~np.isfinite(a) | (np.floor(a) != a)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            msg = f"{field}[{i}]: expected a class index (whole number) or label, got {shown(a[i].item())}"
            raise ValidationError(msg)
    return a.astype(np.int64)


def _looks_like_names(v: Any) -> bool:
    if isinstance(v, (str, bytes)) or not isinstance(v, (list, tuple, np.ndarray)):
        return False
    items = list(v)
    return bool(items) and all(isinstance(x, str) for x in items) and len(set(items)) == len(items)


def _matrix_chart(counts: np.ndarray, names: list[str], title: str, normalize: str | None) -> Chart:
    n = len(names)
    actual, predicted = np.divmod(np.arange(n * n), n)
    flat = counts.reshape(-1)
    reduction = None
    if n > DENSE_MATRIX_CLASSES:
        nz = np.flatnonzero(flat)
        reduction = {"method": "zero-cells-omitted", "cells": n * n, "kept": int(nz.size)}
        actual, predicted, flat = actual[nz], predicted[nz], flat[nz]
    cols: dict[str, Any] = {
        "Actual": [names[i] for i in actual.tolist()],
        "Predicted": [names[i] for i in predicted.tolist()],
        "nPredictions": flat.astype(np.int64),
    }
    fields: dict[str, Any] = {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"}
    if normalize is not None:
        cols["normalized"] = _normalized(counts, normalize)[actual, predicted]
        fields["color"] = "normalized"
    table = _table(cols)
    total = int(counts.sum())
    metrics = {"accuracy": float(np.trace(counts)) / total, "samples": total, "classes_count": n, "normalize": normalize}
    spec, mapping, strs, canonical = _preset("mediakit/confusion-matrix", table, fields, {"title": title, "classes": names})
    if n > TEXT_MATRIX_CLASSES:
        spec["layer"] = spec["layer"][:1]  # numbers in cells are unreadable beyond this size
    if normalize is not None:
        spec["layer"][0]["encoding"]["color"]["title"] = f"fraction ({normalize})"
    return Chart(spec, table, name=canonical, fields=mapping, string_fields=strs, title=title, source="preset", metrics=metrics, reduction=reduction)


def _normalized(counts: np.ndarray, how: str) -> np.ndarray:
    c = counts.astype(np.float64)
    if how == "all":
        return c / max(1.0, c.sum())
    axis = 1 if how == "true" else 0
    sums = c.sum(axis=axis, keepdims=True)
    return np.divide(c, sums, out=np.zeros_like(c), where=sums > 0)
