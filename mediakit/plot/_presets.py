"""The chart presets (``mk.plot.line`` ...) and ``plot_table``: each builds a table, checks the
field mapping against it, fills a Vega-Lite template and returns a :class:`~mediakit.kinds.chart.Chart`.

Backend: numpy (core). The classifier presets (PR, ROC, confusion matrix) are in
:mod:`mediakit.plot._classifier`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import MediaFileNotFoundError, MediaTypeError, ValidationError, shown
from .._schema import check_plain
from ..kinds.chart import Chart
from ..kinds.table import Column, Table, from_array
from . import _curves as cv
from . import _templates as tpl


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
        msg = f"title: expected a str, got {type(title).__name__} {shown(title)}"
        raise MediaTypeError(msg)
    return title


def _check_split_table(split_table: Any) -> None:
    """``split_table`` (the trackers' option to show the chart's table in its own UI section)
    is accepted and has no effect: a mediakit chart always carries its table."""
    if not isinstance(split_table, bool):
        msg = f"split_table: expected True or False, got {type(split_table).__name__} {shown(split_table)}"
        raise MediaTypeError(msg)


def _types(table: Table) -> dict[str, dict[str, Any]]:
    return dict(zip(table.columns, table.column_types))


def _preset(name: str, table: Table, fields: dict[str, Any], strings: dict[str, Any], *, strict: bool = True) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]:
    """Fill preset ``name``: returns (spec, fields, strings, canonical name)."""
    template = tpl.find(name)
    if template is None:  # pragma: no cover - preset names are fixed
        msg = f"vega_spec_name: no preset {shown(name)}"
        raise ValidationError(msg)
    types = _types(table)
    mapping = tpl.check_mapping(template["name"], template["fields"], fields, table.columns, types, strict=strict)
    strs = tpl.check_strings(template["name"], template.get("strings", {}), strings, strict=strict)
    spec = tpl.fill(template["spec"], mapping, strs, types)
    return spec, mapping, strs, template["name"]


def plot_table(
    vega_spec_name: str, data_table: Any, fields: dict[str, str], string_fields: dict[str, Any] | None = None, split_table: bool = False, *, spec: Any = None
) -> Chart:
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
    split_table:
        Accepted for the trackers' call form; no effect (the chart always carries its table).
    spec:
        Your own Vega-Lite v5 template (dict or path to a ``.json`` file).
    """
    _check_split_table(split_table)
    if not isinstance(vega_spec_name, str) or not vega_spec_name:
        msg = f"vega_spec_name: expected a non-empty str, got {shown(vega_spec_name)}"
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
        msg = f"fields: expected a non-empty dict of chart field -> table column, got {shown(fields)}"
        raise (ValidationError if isinstance(fields, dict) else MediaTypeError)(msg)
    mapping = tpl.check_mapping(vega_spec_name, {k: {} for k in fields}, fields, table.columns, _types(table), strict=False)
    strs = tpl.check_strings(vega_spec_name, {}, string_fields, strict=False)
    title = str(strs["title"]) if isinstance(strs.get("title"), str) else ""
    return Chart(_fallback(vega_spec_name, mapping, _types(table), title), table, name=vega_spec_name, fields=mapping, string_fields=strs, title=title, source="fallback")


def _load_spec(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        check_plain(spec, "spec")
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


def line(table: Any, x: str, y: str, stroke: str | None = None, title: str = "", split_table: bool = False) -> Chart:
    """A line through the (x, y) points of ``table``, one line per ``stroke`` value if given."""
    _check_split_table(split_table)
    t = _as_table(table)
    return _chart("mediakit/line", t, {"x": x, "y": y, "stroke": stroke}, {"title": _title(title, "")})


def scatter(table: Any, x: str, y: str, title: str = "", split_table: bool = False) -> Chart:
    """Points at (x, y)."""
    _check_split_table(split_table)
    t = _as_table(table)
    return _chart("mediakit/scatter", t, {"x": x, "y": y}, {"title": _title(title, "")})


def bar(table: Any, label: str, value: str, title: str = "", split_table: bool = False) -> Chart:
    """One bar per ``label`` with length ``value``."""
    _check_split_table(split_table)
    t = _as_table(table)
    return _chart("mediakit/bar", t, {"label": label, "value": value}, {"title": _title(title, "")})


def histogram(table: Any, value: str, title: str = "", split_table: bool = False) -> Chart:
    """Counts of the ``value`` column in equal-width bins."""
    _check_split_table(split_table)
    t = _as_table(table)
    return _chart("mediakit/histogram", t, {"value": value}, {"title": _title(title, "")})


def _chart(name: str, table: Table, fields: dict[str, Any], strings: dict[str, Any], **extra: Any) -> Chart:
    for key, col in fields.items():
        if col is not None and not isinstance(col, str):
            msg = f"{key}: expected a column name (str), got {type(col).__name__} {shown(col)}"
            raise MediaTypeError(msg)
    spec, mapping, strs, canonical = _preset(name, table, fields, strings)
    return Chart(spec, table, name=canonical, fields=mapping, string_fields=strs, title=strs.get("title") or "", source="preset", **extra)


def line_series(xs: Any, ys: Any, keys: Any = None, title: str = "", xname: str = "x", split_table: bool = False) -> Chart:
    """Several lines over shared x values (``xs`` one sequence) or their own (a list of them).

    x values are numbers, datetimes, or strings (categories, IDs: drawn in the order given).
    Unnamed series are called ``line_0``, ``line_1``, ... Raises ``ValidationError`` naming the
    series whose length differs from its x values.
    """
    _check_split_table(split_table)
    series = _series(ys, "ys")
    if not series:
        msg = "ys: expected at least one series, got none"
        raise ValidationError(msg)
    nested = isinstance(xs, (list, tuple)) and len(xs) > 0 and isinstance(xs[0], (list, tuple, np.ndarray))
    xarr = None if nested else cv.as_array(xs, "xs")
    if xarr is not None and xarr.ndim == 1 and (xarr.dtype.kind in "biufM" or _strings(xarr)):
        xlist = [xarr] * len(series)
        per = False
    else:
        xlist = _series(xs, "xs", strings=True)
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
        names = [f"line_{i}" for i in range(len(series))]
    else:
        if isinstance(keys, (str, bytes)) or not hasattr(keys, "__len__"):
            msg = f"keys: expected a list of series names, got {type(keys).__name__} {shown(keys)}"
            raise MediaTypeError(msg)
        if len(keys) != len(series):
            msg = f"keys: {len(keys)} names for {len(series)} series in ys"
            raise ValidationError(msg)
        names = [_series_name(k, f"keys[{i}]") for i, k in enumerate(keys)]
    if not isinstance(xname, str):
        msg = f"xname: expected a str, got {type(xname).__name__} {shown(xname)}"
        raise MediaTypeError(msg)
    text = [_strings(x) for x in xlist]
    step: Any
    if any(text):
        if not all(text):
            i = text.index(False) if per else 0
            msg = f"xs[{i}]: holds numbers while other x values are strings; give all series numbers or all strings"
            raise ValidationError(msg)
        step = [str(v) for x in xlist for v in x.tolist()]
    else:
        step = np.concatenate([x.astype(np.float64) if x.dtype.kind != "M" else x for x in xlist])
    vals = np.concatenate([y.astype(np.float64) for y in series])
    key_col = [n for n, y in zip(names, series) for _ in range(y.size)]
    table = _table({"step": step, "lineKey": key_col, "lineVal": vals})
    return _chart("mediakit/line-series", table, {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"}, {"title": _title(title, ""), "xname": xname})


def _series_name(k: Any, field: str) -> str:
    """A series name: a str, or a number written as text (``str()`` of anything else, such as a
    list holding one list thousands of times, could take minutes)."""
    if isinstance(k, str):
        return k
    if (isinstance(k, (int, np.integer)) and -(2**63) <= k < 2**64) or isinstance(k, (float, np.floating)):
        return str(k)
    if isinstance(k, (int, np.integer)):
        msg = f"{field}: expected a series name, got an int of more than 64 bits ({shown(k)})"
        raise ValidationError(msg)
    msg = f"{field}: expected a series name (str or number), got {type(k).__name__} {shown(k)}"
    raise MediaTypeError(msg)


def _strings(a: np.ndarray) -> bool:
    """A 1-D array of text (numpy strings, or Python strings in an object array)."""
    if a.dtype.kind == "U":
        return True
    return a.dtype == object and a.size > 0 and all(isinstance(v, str) for v in a.tolist())


def _series(v: Any, field: str, *, strings: bool = False) -> list[np.ndarray]:
    if isinstance(v, np.ndarray) and v.ndim == 2:
        return [v[i] for i in range(v.shape[0])]
    if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
        msg = f"{field}: expected a list of sequences of numbers, got {type(v).__name__}"
        raise MediaTypeError(msg)
    out = []
    for i, s in enumerate(v):
        a = cv.as_array(s, f"{field}[{i}]")
        if a.ndim != 1 or not (a.dtype.kind in "biufM" or (strings and _strings(a))):
            what = "numbers, datetimes or strings" if strings else "numbers"
            msg = f"{field}[{i}]: expected a 1-D sequence of {what}, got shape {a.shape} dtype {a.dtype}"
            raise ValidationError(msg)
        out.append(a)
    return out
