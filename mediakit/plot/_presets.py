"""The chart presets (``mk.plot.line`` ...) and ``plot_table``: each builds a table, checks the
field mapping against it, fills a Vega-Lite template and returns a :class:`~mediakit.kinds.chart.Chart`.

Backend: numpy (core). Curves are computed by :mod:`mediakit.plot._curves`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import MediaFileNotFoundError, MediaTypeError, ValidationError
from ..kinds._table_columns import Column, from_array
from ..kinds.chart import Chart
from ..kinds.table import Table
from . import _curves as cv
from . import _templates as tpl

#: Above this many classes the confusion matrix keeps only its non-zero cells (and no numbers).
DENSE_MATRIX_CLASSES = 100
TEXT_MATRIX_CLASSES = 20


def _as_table(t: Any, field: str = "table") -> Table:
    if isinstance(t, Table):
        return t
    mod = type(t).__module__.split(".")[0]
    if mod in ("pandas", "polars") and type(t).__name__ == "DataFrame":
        return Table.from_dataframe(t, max_rows=None)
    msg = f"{field}: expected a mediakit Table (or a pandas/polars DataFrame), got {type(t).__module__}.{type(t).__name__}"
    raise MediaTypeError(msg)


def _table(columns: dict[str, Any]) -> Table:
    cols = []
    for name, values in columns.items():
        cols.append(from_array(name, values) if isinstance(values, np.ndarray) else Column(name, "string", list(values)))
    return Table._from_columns(cols, max_rows=None, storage="json")


def _title(title: Any, default: str) -> str:
    if title is None:
        return default
    if not isinstance(title, str):
        msg = f"title: expected a str, got {type(title).__name__} {title!r}"
        raise MediaTypeError(msg)
    return title


def _types(table: Table) -> dict[str, dict[str, Any]]:
    return dict(zip(table.columns, table.column_types))


def _preset(name: str, table: Table, fields: dict[str, Any], strings: dict[str, Any], *, strict: bool = True) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]:
    """Fill preset ``name``: returns (spec, fields, strings, canonical name)."""
    template = tpl.find(name)
    if template is None:  # pragma: no cover - preset names are fixed
        msg = f"vega_spec_name: no preset {name!r}"
        raise ValidationError(msg)
    types = _types(table)
    mapping = tpl.check_mapping(template["name"], template["fields"], fields, table.columns, types, strict=strict)
    strs = tpl.check_strings(template["name"], template.get("strings", {}), strings, strict=strict)
    spec = tpl.fill(template["spec"], mapping, strs, types)
    return spec, mapping, strs, template["name"]


def plot_table(vega_spec_name: str, data_table: Any, fields: dict[str, str], string_fields: dict[str, Any] | None = None, *, spec: Any = None) -> Chart:
    """A chart of ``data_table`` from a named Vega-Lite spec and a field mapping.

    Parameters
    ----------
    vega_spec_name:
        A preset (``mediakit/line``, ``mediakit/scatter``, ``mediakit/bar``, ``mediakit/histogram``,
        ``mediakit/line-series``, ``mediakit/pr-curve``, ``mediakit/roc-curve``,
        ``mediakit/confusion-matrix``, or the reference documents' names such as
        ``wandb/line/v0``), or the name of your own spec. For your own name, pass the spec as
        ``spec=`` (a dict or a path to a JSON file, using ``${field:name}`` and
        ``${string:name}`` placeholders); without it the chart gets a generic point chart of the
        mapped fields and keeps your name, so a viewer that knows the name can use its own spec.
    data_table:
        The :class:`~mediakit.Table` (or a pandas/polars frame).
    fields:
        Chart field -> table column. Every column must exist in the table.
    string_fields:
        Chart string settings, e.g. ``{"title": "My chart"}``.
    spec:
        Your own Vega-Lite v5 template (dict or path to a ``.json`` file).
    """
    if not isinstance(vega_spec_name, str) or not vega_spec_name:
        msg = f"vega_spec_name: expected a non-empty str, got {vega_spec_name!r}"
        raise MediaTypeError(msg)
    table = _as_table(data_table, "data_table")
    if spec is not None:
        user = _load_spec(spec)
        fnames, snames = tpl.placeholders(user)
        mapping = tpl.check_mapping(vega_spec_name, {k: {} for k in sorted(fnames)}, fields, table.columns, _types(table), strict=False)
        strs = tpl.check_strings(vega_spec_name, {k: "" for k in sorted(snames)}, string_fields, strict=False)
        filled = tpl.fill(user, mapping, strs, _types(table))
        title = strs.get("title") if isinstance(strs.get("title"), str) else None
        return Chart(filled, table, name=vega_spec_name, fields=mapping, string_fields=strs, title=title, source="user")
    if tpl.find(vega_spec_name) is not None:
        filled, mapping, strs, name = _preset(vega_spec_name, table, fields, string_fields or {})
        return Chart(filled, table, name=name, fields=mapping, string_fields=strs, title=strs.get("title") or "", source="preset")
    if not isinstance(fields, dict) or not fields:
        msg = f"fields: expected a non-empty dict of chart field -> table column, got {fields!r}"
        raise (ValidationError if isinstance(fields, dict) else MediaTypeError)(msg)
    mapping = tpl.check_mapping(vega_spec_name, {k: {} for k in fields}, fields, table.columns, _types(table), strict=False)
    strs = tpl.check_strings(vega_spec_name, {}, string_fields, strict=False)
    title = str(strs["title"]) if isinstance(strs.get("title"), str) else ""
    return Chart(_fallback(vega_spec_name, mapping, _types(table), title), table, name=vega_spec_name, fields=mapping, string_fields=strs, title=title, source="fallback")


def _load_spec(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        p = Path(spec)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            msg = f"spec: file {str(p)!r} does not exist"
            raise MediaFileNotFoundError(msg) from None
        try:
            doc = json.loads(text)
        except ValueError as e:
            msg = f"spec: {str(p)!r} is not JSON: {e}"
            raise ValidationError(msg) from None
        if not isinstance(doc, dict):
            msg = f"spec: {str(p)!r} does not hold a Vega-Lite spec (a JSON object)"
            raise ValidationError(msg)
        return doc
    msg = f"spec: expected a Vega-Lite spec (dict) or a path to a JSON file, got {type(spec).__name__}"
    raise MediaTypeError(msg)


def _channel(col: str, ctype: str) -> dict[str, Any]:
    kind = {"number": "quantitative", "datetime": "temporal"}.get(ctype, "nominal")
    ch = {"field": tpl.escape_field(col), "type": kind}
    if ch["field"] != col:
        ch["title"] = col
    return ch


def _fallback(name: str, mapping: dict[str, str | None], types: dict[str, dict[str, Any]], title: str) -> dict[str, Any]:
    """A generic chart of the mapped fields, for a spec name mediakit does not have."""
    given = {k: v for k, v in mapping.items() if v is not None}
    keys = list(given)
    xk = "x" if "x" in given else keys[0]
    rest = [k for k in keys if k != xk]
    yk = next((k for k in ("y", "value") if k in given and k != xk), rest[0] if rest else None)
    ck = next((k for k in ("color", "class", "stroke", "lineKey", "group") if k in given and k not in (xk, yk)), None)
    enc: dict[str, Any] = {"x": _channel(given[xk], types[given[xk]]["type"])}
    if yk is None:
        if enc["x"]["type"] == "quantitative":
            enc["x"]["bin"] = {"maxbins": 30}
        enc["y"] = {"aggregate": "count", "type": "quantitative", "title": "count"}
        mark: dict[str, Any] = {"type": "bar", "tooltip": True}
    else:
        enc["y"] = _channel(given[yk], types[given[yk]]["type"])
        mark = {"type": "point", "filled": True, "tooltip": True}
        enc["tooltip"] = [_channel(c, types[c]["type"]) for c in dict.fromkeys(given.values())]
    if ck is not None:
        enc["color"] = _channel(given[ck], types[given[ck]]["type"])
    return {
        "$schema": tpl.VEGA_LITE_SCHEMA,
        "title": title,
        "data": {"name": "table"},
        "width": 400,
        "height": 250,
        "mark": mark,
        "encoding": enc,
        "usermeta": {"mediakit": {"fallback_for": name}},
    }


# -- table presets -------------------------------------------------------------------------------


def line(table: Any, x: str, y: str, stroke: str | None = None, title: str = "") -> Chart:
    """A line through the (x, y) points of ``table``, one line per ``stroke`` value if given."""
    t = _as_table(table)
    return _chart("mediakit/line", t, {"x": x, "y": y, "stroke": stroke}, {"title": _title(title, "")})


def scatter(table: Any, x: str, y: str, title: str = "") -> Chart:
    """Points at (x, y)."""
    t = _as_table(table)
    return _chart("mediakit/scatter", t, {"x": x, "y": y}, {"title": _title(title, "")})


def bar(table: Any, label: str, value: str, title: str = "") -> Chart:
    """One bar per ``label`` with length ``value``."""
    t = _as_table(table)
    return _chart("mediakit/bar", t, {"label": label, "value": value}, {"title": _title(title, "")})


def histogram(table: Any, value: str, title: str = "") -> Chart:
    """Counts of the ``value`` column in equal-width bins."""
    t = _as_table(table)
    return _chart("mediakit/histogram", t, {"value": value}, {"title": _title(title, "")})


def _chart(name: str, table: Table, fields: dict[str, Any], strings: dict[str, Any], **extra: Any) -> Chart:
    for key, col in fields.items():
        if col is not None and not isinstance(col, str):
            msg = f"{key}: expected a column name (str), got {type(col).__name__} {col!r}"
            raise MediaTypeError(msg)
    spec, mapping, strs, canonical = _preset(name, table, fields, strings)
    return Chart(spec, table, name=canonical, fields=mapping, string_fields=strs, title=strs.get("title") or "", source="preset", **extra)


def line_series(xs: Any, ys: Any, keys: Any = None, title: str = "", xname: str = "x") -> Chart:
    """Several lines over shared x values (``xs`` one sequence) or their own (a list of them).

    Raises ``ValidationError`` naming the series whose length differs from its x values.
    """
    series = _series(ys, "ys")
    if not series:
        msg = "ys: expected at least one series, got none"
        raise ValidationError(msg)
    nested = isinstance(xs, (list, tuple)) and len(xs) > 0 and isinstance(xs[0], (list, tuple, np.ndarray))
    xarr = None if nested else cv.as_array(xs, "xs")
    if xarr is not None and xarr.dtype.kind in "biufM" and xarr.ndim == 1:
        xlist = [xarr] * len(series)
        per = False
    else:
        xlist = _series(xs, "xs")
        per = True
        if len(xlist) != len(series):
            msg = f"xs: {len(xlist)} x sequences for {len(series)} series in ys"
            raise ValidationError(msg)
    for i, (x, y) in enumerate(zip(xlist, series)):
        if x.size != y.size:
            where = f"xs[{i}]" if per else "xs"
            msg = f"ys[{i}]: {y.size} values but {where} has {x.size}; every point needs an x and a y"
            raise ValidationError(msg)
    if keys is None:
        names = [f"key_{i}" for i in range(len(series))]
    else:
        if isinstance(keys, (str, bytes)) or not hasattr(keys, "__len__"):
            msg = f"keys: expected a list of series names, got {type(keys).__name__} {keys!r}"
            raise MediaTypeError(msg)
        names = [str(k) for k in keys]
        if len(names) != len(series):
            msg = f"keys: {len(names)} names for {len(series)} series in ys"
            raise ValidationError(msg)
    if not isinstance(xname, str):
        msg = f"xname: expected a str, got {type(xname).__name__} {xname!r}"
        raise MediaTypeError(msg)
    step = np.concatenate([x.astype(np.float64) if x.dtype.kind != "M" else x for x in xlist]) if xlist else np.zeros(0)
    vals = np.concatenate([y.astype(np.float64) for y in series])
    key_col = [n for n, y in zip(names, series) for _ in range(y.size)]
    table = _table({"step": step, "lineKey": key_col, "lineVal": vals})
    return _chart("mediakit/line-series", table, {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"}, {"title": _title(title, ""), "xname": xname})


def _series(v: Any, field: str) -> list[np.ndarray]:
    if isinstance(v, np.ndarray) and v.ndim == 2:
        return [v[i] for i in range(v.shape[0])]
    if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
        msg = f"{field}: expected a list of sequences of numbers, got {type(v).__name__}"
        raise MediaTypeError(msg)
    out = []
    for i, s in enumerate(v):
        a = cv.as_array(s, f"{field}[{i}]")
        if a.ndim != 1 or a.dtype.kind not in "biufM":
            msg = f"{field}[{i}]: expected a 1-D sequence of numbers, got shape {a.shape} dtype {a.dtype}"
            raise ValidationError(msg)
        out.append(a)
    return out


# -- classifier presets ----------------------------------------------------------------------------


def _curve_inputs(y_true: Any, y_probas: Any, labels: Any, classes_to_plot: Any) -> tuple[cv.Classes, np.ndarray, list[int]]:
    p0 = cv.as_array(y_probas, "y_probas")
    n_classes = p0.shape[1] if p0.ndim == 2 else 2
    cls = cv.class_indices(y_true, n_classes, labels)
    if cls.index.size == 0:
        msg = "y_true: no samples"
        raise ValidationError(msg)
    p = cv.scores(p0, cls.index.size)
    return cls, p, cv.pick_classes(classes_to_plot, cls.names)


def pr_curve(y_true: Any, y_probas: Any, labels: Any = None, classes_to_plot: Any = None, title: str = "Precision-Recall Curve") -> Chart:
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
    """
    cls, p, idx = _curve_inputs(y_true, y_probas, labels, classes_to_plot)
    return _curves_chart("pr", cls, p, idx, _title(title, "Precision-Recall Curve"))


def roc_curve(y_true: Any, y_probas: Any, labels: Any = None, classes_to_plot: Any = None, title: str = "ROC Curve") -> Chart:
    """One-vs-rest ROC curves, one per class, with the area under each (AUC).

    Parameters are as for :func:`pr_curve`.
    """
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
        Class names (index ``i`` -> ``class_names[i]``). Without them, integer classes are
        named ``"0"``, ``"1"``, ... and labels are sorted.
    normalize:
        ``None`` (counts only), ``"true"`` (rows sum to 1), ``"pred"`` (columns sum to 1) or
        ``"all"``; the fractions go in a ``normalized`` column and colour the cells, the integer
        counts stay in ``nPredictions``.

    Notes
    -----
    The reference documents call ``confusion_matrix(predictions, ground_truth, class_names)``
    positionally, which puts the class names in ``preds``. Since ``probs`` and ``preds`` cannot
    both be predictions, a list of distinct strings in ``preds`` next to ``probs`` (and no
    ``class_names``) is read as the class names; and a 1-D ``probs`` (class indices or labels,
    not scores) is read as ``preds``. So that call works whether ``predictions`` holds scores or
    predicted classes.
    """
    if normalize not in (None, "true", "pred", "all"):
        msg = f"normalize: expected None, 'true', 'pred' or 'all', got {normalize!r}"
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
            top = max(int(pv.max()) if pv.size else -1, int(yv.max()) if yv.size else -1)
            names = [str(i) for i in range(top + 1)] if top >= 0 else []
        truth = cv.class_indices(yv, None, names)
        pred_idx = cv.class_indices(pv, None, names, field="preds").index
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
    return _matrix_chart(counts, names, _title(title, "Confusion Matrix"), normalize)


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
