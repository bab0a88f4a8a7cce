"""Plotly: a plotly figure stored as plotly JSON (``plotly-json``), and matplotlib conversion.

Backend: stdlib ``json`` for storing; plotly (``pip install 'mediakit[plotly]'``) only to read
plotly figure objects and to give a figure object back (:attr:`Plotly.figure`). A figure given as
a plain dict (``{"data": [...], "layout": {...}}``) needs no plotly at all. Thumbnails are drawn
by mediakit itself with Pillow (no browser, no kaleido): see :mod:`mediakit.render.plotly`.

:func:`from_matplotlib` turns a matplotlib figure (or ``pyplot``) into a Plotly chart when it has
no raster content, through ``plotly.tools.mpl_to_plotly`` or, when that fails or plotly is
missing, mediakit's own conversion of lines, scatter points and bars; figures with images
(``imshow``) or artists neither can convert become an :class:`~mediakit.Image`.
"""

from __future__ import annotations

import base64
import math
import os
import re
import types
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._descriptor import dumps
from .._errors import DecodeError, LimitError, MediaFileNotFoundError, MediaTypeError, ValidationError, shown
from .._lazy import require
from .._schema import check_plain
from ..formats import jsondoc
from ..store import Store
from ._base import Kind, check_caption

#: Largest plotly JSON accepted (bytes).
MAX_JSON_BYTES = 256 << 20
_TRACE_TYPE = re.compile(r"^[a-z0-9_]+$")
_TYPED = {"i1": np.int8, "u1": np.uint8, "i2": np.int16, "u2": np.uint16, "i4": np.int32, "u4": np.uint32, "f4": np.float32, "f8": np.float64}


class Plotly(Kind):
    """A plotly figure.

    Parameters
    ----------
    figure:
        A plotly ``Figure``/``FigureWidget``, a figure dict (``{"data": [...], "layout": {...}}``),
        a JSON string of one, or a path to a ``.json`` file holding one. A matplotlib figure is
        converted with :func:`from_matplotlib` (and refused if it holds images: use ``mk.Image``).
    caption:
        Free text kept in the descriptor.
    """

    TYPE: ClassVar[str] = "plotly"
    VERSION: ClassVar[int] = 1

    def __init__(self, figure: Any, *, caption: str | None = None) -> None:
        self.caption = check_caption(caption)
        if isinstance(figure, Plotly):
            self.figure_json: dict[str, Any] = figure.figure_json
            self.caption = caption if caption is not None else figure.caption
            return
        self.figure_json = _figure_dict(figure)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Plotly:
        """From a plotly JSON file."""
        return cls(Path(path), **kwargs)

    @property
    def figure(self) -> Any:
        """A ``plotly.graph_objects.Figure`` (needs plotly)."""
        go = require("plotly.graph_objects", extra="plotly", feature="Plotly.figure")
        return go.Figure(self.figure_json)

    @property
    def traces(self) -> list[dict[str, Any]]:
        return self.figure_json["data"]

    def __repr__(self) -> str:
        return f"Plotly({len(self.traces)} traces: {', '.join(_trace_types(self.figure_json)) or 'none'})"

    def _encode(self, store: Store) -> dict[str, Any]:
        blob = dumps(self.figure_json)
        ref = store.put(blob, suffix=".json")
        layout = self.figure_json.get("layout", {})
        desc: dict[str, Any] = {
            **self._header(),
            **ref.to_dict(),
            "format": "plotly-json",
            "traces": len(self.traces),
            "trace_types": _trace_types(self.figure_json),
            "title": _title(layout),
            "caption": self.caption,
        }
        for key in ("width", "height"):
            v = layout.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 10:
                desc[key] = int(v)
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Plotly:
        blob = store.read(desc["path"])
        return cls(_parse(blob, "path"), caption=desc.get("caption"))

    def _content(self) -> tuple[Any, ...]:
        return (self.figure_json, self.caption)


def _trace_types(fig: dict[str, Any]) -> list[str]:
    return sorted({str(t.get("type", "scatter")) for t in fig["data"]})


def _title(layout: dict[str, Any]) -> str | None:
    t = layout.get("title")
    if isinstance(t, dict):
        t = t.get("text")
    return t if isinstance(t, str) else None


# -- input forms ---------------------------------------------------------------------------------


def _figure_dict(figure: Any) -> dict[str, Any]:
    mod = type(figure).__module__.split(".")[0]
    if mod == "plotly" and callable(getattr(figure, "to_plotly_json", None)):
        pio = require("plotly.io", extra="plotly", feature="Plotly figures")
        text = pio.to_json(figure, validate=False, engine="json", pretty=False)
        return check_figure(jsondoc.loads(text, field="figure", what="Plotly JSON", parse_constant=lambda _c: None), "figure")
    if mod == "matplotlib" or (isinstance(figure, types.ModuleType) and figure.__name__ == "matplotlib.pyplot"):
        converted = from_matplotlib(figure)
        if not isinstance(converted, Plotly):
            msg = "figure: this matplotlib figure holds raster images (imshow) or artists that cannot be converted to plotly; log it with mk.Image(fig)"
            raise ValidationError(msg)
        return converted.figure_json
    if isinstance(figure, dict):
        return check_figure(_jsonify(figure, "figure"), "figure")
    if isinstance(figure, (Path, os.PathLike)) or (isinstance(figure, str) and not figure.lstrip().startswith("{")):
        path = os.fspath(figure)
        try:
            with open(path, "rb") as f:
                blob = f.read(MAX_JSON_BYTES + 1)
        except FileNotFoundError:
            msg = f"figure: plotly JSON file {path!r} does not exist"
            raise MediaFileNotFoundError(msg) from None
        return _parse(blob, f"figure ({path!r})")
    if isinstance(figure, (str, bytes)):
        return _parse(figure.encode() if isinstance(figure, str) else figure, "figure")
    msg = f"figure: expected a plotly Figure, a figure dict, plotly JSON or a path to it, got {type(figure).__module__}.{type(figure).__name__}"
    raise MediaTypeError(msg)


def _parse(blob: bytes, field: str) -> dict[str, Any]:
    if len(blob) > MAX_JSON_BYTES:
        msg = f"{field}: plotly JSON larger than {MAX_JSON_BYTES:,} bytes"
        raise LimitError(msg)
    try:
        doc = jsondoc.loads(blob, field=field, what="Plotly JSON", parse_constant=lambda _c: None)
    except LimitError:
        raise
    except ValueError as e:
        msg = f"{field}: not plotly JSON: {e}"
        raise DecodeError(msg) from None
    return check_figure(doc, field)


def check_figure(doc: Any, field: str) -> dict[str, Any]:
    """Check a parsed plotly figure (untrusted: a user's dict or a stored file) and return its
    ``data``, ``layout`` (and ``frames``); used by the kind and by the plotly renderer."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data", []), list):
        msg = f"{field}: expected a plotly figure {{'data': [traces], 'layout': {{...}}}}, got {shown(doc)}"
        raise DecodeError(msg) if not isinstance(doc, dict) else ValidationError(msg)
    extra = set(doc) - {"data", "layout", "frames", "config"}
    if extra:
        msg = f"{field}: unexpected top-level keys {sorted(extra)} (a plotly figure has data, layout, frames)"
        raise ValidationError(msg)
    out = {"data": doc.get("data", []), "layout": doc.get("layout", {})}
    if "frames" in doc:
        out["frames"] = doc["frames"]
    for i, t in enumerate(out["data"]):
        if not isinstance(t, dict):
            msg = f"{field}.data[{i}]: expected a trace (dict), got {type(t).__name__}"
            raise ValidationError(msg)
        if "type" in t and not (isinstance(t["type"], str) and _TRACE_TYPE.match(t["type"])):
            msg = f"{field}.data[{i}].type: expected a plotly trace type name (such as 'scatter'), got {shown(t['type'])}"
            raise ValidationError(msg)
    if not isinstance(out["layout"], dict):
        msg = f"{field}.layout: expected a dict, got {type(out['layout']).__name__}"
        raise ValidationError(msg)
    return out


def _jsonify(v: Any, field: str) -> Any:
    """Plain JSON for a figure dict: numpy arrays as plotly typed arrays, NaN/inf in lists as null."""
    check_plain(v, field)
    return _jsonify_rec(v, field)


def _jsonify_rec(v: Any, field: str) -> Any:
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                msg = f"{field}: expected string keys, got {type(k).__name__} {shown(k)}"
                raise MediaTypeError(msg)
            out[k] = _jsonify_rec(x, f"{field}.{k}")
        return out
    if isinstance(v, (list, tuple)):
        return [_jsonify_rec(x, f"{field}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, np.ndarray):
        return typed_array(v) if v.dtype.kind in "iuf" and v.dtype.itemsize <= 8 and v.dtype.name != "int64" and v.dtype.name != "uint64" else _jsonify_rec(v.tolist(), field)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    msg = f"{field}: expected JSON data or numpy arrays in a figure dict, got {type(v).__name__}"
    raise MediaTypeError(msg)


def typed_array(a: np.ndarray) -> dict[str, Any]:
    """A numpy array as a plotly typed array (``{"dtype", "bdata", "shape"}``, little-endian)."""
    code = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4", "float32": "f4", "float64": "f8"}.get(a.dtype.name)
    if code is None:
        a, code = a.astype(np.float64), "f8"
    out: dict[str, Any] = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).decode("ascii")}
    if a.ndim > 1:
        out["shape"] = ", ".join(str(s) for s in a.shape)
    return out


def decode_array(v: Any, *, max_items: int) -> np.ndarray | list[Any] | None:
    """A trace's data array (list or plotly typed array) as numpy (numbers) or a list."""
    if isinstance(v, dict) and "bdata" in v:
        dt = _TYPED.get(v.get("dtype", ""))
        if dt is None or not isinstance(v["bdata"], str):
            return None
        if len(v["bdata"]) * 3 // 4 > max_items * 8:
            msg = f"typed array of {len(v['bdata']):,} base64 characters exceeds the point limit"
            raise LimitError(msg)
        try:
            arr = np.frombuffer(base64.b64decode(v["bdata"], validate=True), dtype=np.dtype(dt).newbyteorder("<"))
        except ValueError:
            return None
        shape = v.get("shape")
        if isinstance(shape, str):
            try:
                dims = tuple(int(s) for s in shape.split(","))
                arr = arr.reshape(dims)
            except ValueError:
                return None
        return arr.astype(np.float64)
    if isinstance(v, list):
        if len(v) > max_items:
            msg = f"array of {len(v):,} items exceeds the point limit of {max_items:,}"
            raise LimitError(msg)
        return v
    return None


# -- matplotlib --------------------------------------------------------------------------------


def from_matplotlib(fig_or_pyplot: Any) -> Kind:
    """A matplotlib figure (or the ``pyplot`` module: its current figure) as a Plotly chart, or
    as an Image when it holds raster content (``imshow``, ``figimage``) or artists that cannot be
    converted.

    Tries ``plotly.tools.mpl_to_plotly`` first, then mediakit's own conversion of lines, scatter
    points and bars (which needs no plotly).
    """
    from .image import Image

    fig = fig_or_pyplot.gcf() if isinstance(fig_or_pyplot, types.ModuleType) else fig_or_pyplot
    if not hasattr(fig, "axes") or not hasattr(fig, "savefig"):
        msg = f"fig_or_pyplot: expected a matplotlib Figure or pyplot, got {type(fig_or_pyplot).__name__}"
        raise MediaTypeError(msg)
    if has_raster(fig):
        return Image(fig)
    converted = _via_plotly(fig)
    if converted is None:
        converted = _own_conversion(fig)
    if converted is None:
        return Image(fig)
    return Plotly(converted)


def has_raster(fig: Any) -> bool:
    """True when the figure shows raster images (``imshow``, ``figimage``, ``pcolorfast`` images)."""
    if getattr(fig, "images", None):
        return True
    return any(getattr(ax, "images", None) for ax in fig.axes)


def _via_plotly(fig: Any) -> dict[str, Any] | None:
    try:
        tools = require("plotly.tools", extra="plotly", feature="matplotlib to plotly conversion")
        pio = require("plotly.io", extra="plotly", feature="matplotlib to plotly conversion")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pfig = tools.mpl_to_plotly(fig)
            text = pio.to_json(pfig, validate=False, engine="json", pretty=False)
    except Exception:
        return None
    doc = check_figure(jsondoc.loads(text, field="figure", what="Plotly JSON", parse_constant=lambda _c: None), "figure")
    for t in doc["data"]:
        if isinstance(t.get("name"), str) and t["name"].startswith("_"):
            del t["name"]  # matplotlib's internal artist names ("_child0") are not labels
    return doc


_CONVERTIBLE = ("Line2D", "PathCollection", "Spine", "Legend", "XAxis", "YAxis")


def _own_conversion(fig: Any) -> dict[str, Any] | None:
    """Lines, scatter points and bars of a single-axes figure as plotly traces; None when the
    figure has anything else that shows (other artists, free text, several axes), so that nothing
    is dropped silently."""
    from matplotlib.colors import to_hex

    axes = [ax for ax in fig.axes if ax.get_visible()]
    if len(axes) != 1 or fig.texts or fig.legends:
        return None
    ax = axes[0]
    bar_patches = {id(p) for c in ax.containers for p in getattr(c, "patches", [])}
    titles = {id(t) for t in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)) if t is not None}
    for child in ax.get_children():
        if not child.get_visible():
            continue
        name = type(child).__name__
        if child is ax.patch or id(child) in bar_patches or id(child) in titles or name in _CONVERTIBLE:
            continue
        if name == "Text" and not child.get_text():
            continue
        return None
    traces: list[dict[str, Any]] = []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        x, y = np.asarray(line.get_xdata(), dtype=np.float64), np.asarray(line.get_ydata(), dtype=np.float64)
        has_line = line.get_linestyle() not in ("None", "none", " ", "")
        has_marker = line.get_marker() not in (None, "None", "none", " ", "")
        mode = "+".join(m for m, ok in (("lines", has_line), ("markers", has_marker)) if ok) or "lines"
        t: dict[str, Any] = {"type": "scatter", "mode": mode, "x": typed_array(x), "y": typed_array(y), "line": {"color": to_hex(line.get_color())}}
        _label(t, line.get_label())
        traces.append(t)
    for coll in ax.collections:
        if type(coll).__name__ != "PathCollection" or not coll.get_visible():
            continue
        off = np.asarray(coll.get_offsets(), dtype=np.float64).reshape(-1, 2)
        fc = coll.get_facecolors()
        t = {"type": "scatter", "mode": "markers", "x": typed_array(off[:, 0]), "y": typed_array(off[:, 1])}
        if len(fc):
            t["marker"] = {"color": to_hex(fc[0])}
        _label(t, coll.get_label())
        traces.append(t)
    for c in ax.containers:
        if type(c).__name__ != "BarContainer":
            continue
        rects = [p for p in c.patches if p.get_visible()]
        horizontal = getattr(c, "orientation", "vertical") == "horizontal"
        if horizontal:
            pos = np.array([r.get_y() + r.get_height() / 2 for r in rects])
            val = np.array([r.get_width() for r in rects])
        else:
            pos = np.array([r.get_x() + r.get_width() / 2 for r in rects])
            val = np.array([r.get_height() for r in rects])
        t = {"type": "bar", "orientation": "h" if horizontal else "v", "x": typed_array(val if horizontal else pos), "y": typed_array(pos if horizontal else val)}
        if rects:
            t["marker"] = {"color": to_hex(rects[0].get_facecolor())}
        _label(t, c.get_label())
        traces.append(t)
    if not traces:
        return None
    w, h = fig.get_size_inches() * fig.dpi
    layout: dict[str, Any] = {
        "width": round(float(w)),
        "height": round(float(h)),
        "xaxis": {"title": {"text": ax.get_xlabel()}, "type": "log" if ax.get_xscale() == "log" else "linear"},
        "yaxis": {"title": {"text": ax.get_ylabel()}, "type": "log" if ax.get_yscale() == "log" else "linear"},
        "showlegend": ax.get_legend() is not None,
    }
    if ax.get_title():
        layout["title"] = {"text": ax.get_title()}
    return {"data": traces, "layout": layout}


def _label(trace: dict[str, Any], label: Any) -> None:
    if isinstance(label, str) and label and not label.startswith("_"):
        trace["name"] = label
