"""JSON (``.json``): descriptors, and the JSON table file a table is stored as.

A ``.json`` file is a table when it holds ``{"columns": [...], "data": [...]}`` without
``_type`` (:func:`classify`), else a descriptor. The table file is
``{"columns": [...], "column_types": [...], "data": [[row], ...]}`` plus, only when needed, two
side records keyed by column name:

- ``nonfinite``: ``{"nan": [rows], "posinf": [rows], "neginf": [rows]}``. JSON has no NaN or
  infinities, so those cells are written as ``null`` (what a plain JSON reader shows) and listed
  here, which makes the file lossless without inventing non-standard JSON.
- ``media_rows``: rows of a ``mixed`` column whose cell is a media descriptor (in media columns
  every non-null cell is one).

- ``nested_media``: ``[[row, key or index, ...], ...]``: where media descriptors sit inside
  list/dict cells (a dict key ``_type`` elsewhere is the user's data, never decoded).

Datetime cells are ISO 8601 text: time-zone aware columns as UTC instants with a ``Z`` suffix
(the zone is the column type's ``tz``), naive ones without an offset.

Written canonically (sorted keys, compact separators, no NaN, UTF-8) by :func:`dumps` with the
standard library, or by :func:`dumps_fast` with orjson (``pip install 'mediakit[table]'``, about
20x faster on big tables) giving the *same bytes*: orjson writes some floats differently from
Python's ``repr`` (``1e-5`` for ``1e-05``, ``0.00009`` for ``9e-05``), so :func:`exact_cells`
hands it those cells, nested values and integers beyond 64 bits as JSON text written by the
standard library (``orjson.Fragment``). :func:`parse_json_table` checks the structure of
untrusted files (the table kind and the table and chart renderers read them through it).
Backend: the standard library; orjson when installed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError, ValidationError, shown
from .._lazy import available, require
from .._limits import MAX_JSON_DEPTH
from . import jsondoc
from ._spec import FormatSpec, Source

NAME = "json"
#: The column types a table file may declare.
COLUMN_TYPES = ("number", "bool", "datetime", "string", "list", "dict", "array", "media", "null", "mixed")
_UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns")


def dumps(doc: Any) -> bytes:
    """Canonical JSON bytes of a table document (sorted keys, compact, UTF-8, no NaN)."""
    try:
        return _py_dumps(doc).encode("utf-8")
    except UnicodeEncodeError as e:
        msg = f"data: text {e.object[max(0, e.start - 20):e.end + 20]!r} holds a lone surrogate, which is not Unicode text; fix or drop that character"
        raise ValidationError(msg) from None


def _py_dumps(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_UNSET: Any = object()
_FAST: Any = _UNSET
#: orjson writes floats with 0 < |x| < SMALL_FLOAT differently from ``repr`` (see the module docs).
SMALL_FLOAT = 1e-4


def fast_encoder() -> Any:
    """The orjson module when it is installed (the ``table`` extra), else None."""
    global _FAST
    if _FAST is _UNSET:
        _FAST = require("orjson", extra="table", feature="fast JSON table writing") if available("orjson") else None
    return _FAST


def dumps_fast(doc: Any) -> bytes:
    """The bytes of :func:`dumps`, written by orjson: ``doc``'s cells must have gone through
    :func:`exact_cells` (other parts of the document hold only strings, bools, ints and lists)."""
    orjson = fast_encoder()
    try:
        return bytes(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    except TypeError:  # text with lone surrogates, or a value orjson does not know: the reference path decides
        return dumps(doc)


def exact_cells(cells: list[Any], column_type: str, values: np.ndarray | None = None) -> list[Any]:
    """Cells of one column ready for :func:`dumps_fast`: those orjson would write differently
    from the standard library become ``orjson.Fragment`` of the standard library's text.

    ``values``: a number column's numpy values (checked vectorised for small floats).
    """
    orjson = fast_encoder()
    frag = orjson.Fragment
    if column_type in ("string", "bool", "datetime", "null"):
        return cells
    if column_type == "number":
        if values is None or values.dtype.kind != "f":
            return cells
        with np.errstate(invalid="ignore"):
            # In float64: the cells are Python floats, and float32 0.0001 is 9.99999974e-05 there.
            wide = values.astype(np.float64, copy=False)
            small = np.flatnonzero((np.abs(wide) < SMALL_FLOAT) & (wide != 0))
        if not len(small):
            return cells
        cells = list(cells)
        for i in small.tolist():
            if cells[i] is not None:
                cells[i] = frag(float.__repr__(cells[i]).encode())
        return cells
    out = list(cells)
    for i, c in enumerate(out):
        t = type(c)
        if c is None or t is str or t is bool:
            continue
        if t is int:
            if not -(2**63) <= c < 2**64:
                out[i] = frag(int.__repr__(c).encode())
        elif t is float:
            if c != 0 and abs(c) < SMALL_FLOAT:
                out[i] = frag(float.__repr__(c).encode())
        else:  # lists, dicts (nested values, descriptors): the standard library writes them
            try:
                out[i] = frag(_py_dumps(c).encode("utf-8"))
            except UnicodeEncodeError:
                return cells  # dumps_fast falls back to dumps, which raises the clear error
    return out


def is_table(doc: Any) -> bool:
    """Whether a parsed ``.json`` document is a table file rather than a descriptor."""
    return isinstance(doc, dict) and "_type" not in doc and "columns" in doc and "data" in doc


def classify(source: Source) -> str:
    """``"table"`` for a table file, ``"descriptor"`` for anything else (unreadable JSON too)."""
    try:
        doc = jsondoc.loads(source.read(), field=source.field)
    except (OSError, ValueError):
        return "descriptor"
    return "table" if is_table(doc) else "descriptor"


def parse_json_table(blob: bytes, field: str = "path") -> dict[str, Any]:
    """Parse and structurally check a JSON table file (untrusted input)."""
    from .._descriptor import loads
    from .._errors import SchemaError

    try:
        doc = loads(blob)
    except RecursionError:
        raise jsondoc.too_deep(field, "JSON table") from None
    except SchemaError as e:
        msg = f"{field}: not a JSON table file: {e}"
        raise DecodeError(msg) from None
    return check_table(doc, field)


def check_table(doc: Any, field: str, *, nested: bool = True) -> dict[str, Any]:
    """The structural checks of :func:`parse_json_table` on a parsed document (``nested``: check
    ``nested_media`` too, which needs every row)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list) or not isinstance(doc.get("data"), list):
        msg = f"{field}: not a JSON table file (expected an object with 'columns' and 'data')"
        raise DecodeError(msg)
    names = doc["columns"]
    if not all(isinstance(c, str) for c in names) or len(set(names)) != len(names):
        msg = f"{field}.columns: expected unique column names (strings), got {shown(names, 300)}"[:300]
        raise DecodeError(msg)
    ncols = len(names)
    for i, row in enumerate(doc["data"]):
        if not isinstance(row, list) or len(row) != ncols:
            msg = f"{field}.data[{i}]: expected a list of {ncols} values, got {shown(row)}"
            raise DecodeError(msg)
    types = doc.get("column_types")
    if isinstance(types, dict):
        # Another tracker's table file (wandb writes its own type tree here): infer the types.
        doc.pop("column_types")
        types = None
    if types is not None:
        if not isinstance(types, list) or len(types) != ncols:
            msg = f"{field}.column_types: expected {ncols} entries, got {shown(types)}"[:300]
            raise DecodeError(msg)
        for j, info in enumerate(types):
            check_info(info, f"{field}.column_types[{j}]")
    for key in ("nonfinite", "media_rows", "nested_media"):
        side = doc.get(key, {})
        if not isinstance(side, dict) or any(k not in names for k in side):
            msg = f"{field}.{key}: expected an object keyed by column names"
            raise DecodeError(msg)
    if nested:
        for name, places in doc.get("nested_media", {}).items():
            check_nested_places(places, len(doc["data"]), f"{field}.nested_media[{shown(name)}]")
    return doc


#: What :func:`read_head` reads besides the first rows (``nested_media`` is not drawn).
HEAD_KEYS = ("columns", "column_types", "media_rows", "nonfinite")
#: Largest of those values read for a thumbnail (after row lists are thinned, see read_head).
MAX_HEAD_KEY_BYTES = 8 << 20
_THIN_FROM = 64 << 10
_WS = re.compile(rb"[ \t\n\r]*")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(rb"[^,:\[\]{}\s]+")
_STRING_OR_ROWS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|\[[0-9,\s]*\]', re.S)


def read_head(blob: bytes, *, rows: int, field: str = "path", max_depth: int | None = None) -> dict[str, Any]:
    """The checked table document of a JSON table file holding only its first ``rows`` rows.

    For thumbnails: the top-level object is read key by key; the first ``rows`` rows of ``data``
    are parsed and the rest is skipped without building anything (:func:`jsondoc.closing`, a numpy
    bracket count), as are keys the grid does not draw. ``columns``, ``column_types``,
    ``media_rows`` and ``nonfinite`` are parsed, each at most :data:`MAX_HEAD_KEY_BYTES`
    (beyond: :class:`LimitError` naming the key); row lists in the two side records keep only the
    rows below ``rows`` first, so a column with millions of NaN does not count against that.
    ``max_depth``: deepest nesting read (the document is level 1)."""
    enc = json.detect_encoding(blob[:4])
    pos = 0
    if enc == "utf-8-sig":
        pos = 3
    elif enc != "utf-8":
        try:
            blob = blob.decode(enc).encode("utf-8")
        except UnicodeError:
            msg = f"{field}: not a JSON table file: the text is not valid {enc}"
            raise DecodeError(msg) from None
    pos = _ws(blob, pos)
    if blob[pos : pos + 1] != b"{":
        jsondoc.check_depth(blob[pos:], field, MAX_JSON_DEPTH if max_depth is None else max_depth)
        msg = f"{field}: not a JSON table file (expected an object with 'columns' and 'data')"
        raise DecodeError(msg)
    depth = None if max_depth is None else max_depth - 1  # levels below the document
    doc: dict[str, Any] = {}
    pos = _ws(blob, pos + 1)
    more = blob[pos : pos + 1] != b"}"
    if not more:
        pos = _ws(blob, pos + 1)
    while more:
        m = _STRING.match(blob, pos)
        if not m:
            raise _bad(field, pos, blob)
        key = _value(m.group(0), field)
        pos = _ws(blob, m.end())
        if blob[pos : pos + 1] != b":":
            raise _bad(field, pos, blob)
        start = _ws(blob, pos + 1)
        where = f"{field}.{key}" if isinstance(key, str) else field
        if key == "data" and blob[start : start + 1] == b"[":
            doc["data"], end = _head_rows(blob, start, rows, where, None if depth is None else depth - 1)
        else:
            end = _value_end(blob, start, where, depth)
            if key in HEAD_KEYS:
                text = blob[start:end]
                if key in ("media_rows", "nonfinite") and len(text) > _THIN_FROM:
                    text = _STRING_OR_ROWS.sub(lambda m: _rows_below(m.group(0), rows), text)
                if len(text) > MAX_HEAD_KEY_BYTES:
                    msg = f"{where}: {end - start:,} bytes of JSON, more than the {MAX_HEAD_KEY_BYTES:,} a thumbnail reads of it"
                    raise LimitError(msg)
                doc[key] = _value(text, where)
        pos = _ws(blob, end)
        sep = blob[pos : pos + 1]
        if sep not in (b",", b"}"):
            raise _bad(field, pos, blob)
        more = sep == b","
        pos = _ws(blob, pos + 1)
    if pos != len(blob):
        msg = f"{field}: not a JSON table file: text after the end of the JSON object (byte {pos})"
        raise DecodeError(msg)
    return check_table(doc, field, nested=False)


def _ws(blob: bytes, pos: int) -> int:
    m = _WS.match(blob, pos)
    return m.end() if m else pos


def _bad(field: str, pos: int, blob: bytes) -> DecodeError:
    if pos >= len(blob):
        return DecodeError(f"{field}: not a JSON table file: the JSON ends early (truncated file?)")
    return DecodeError(f"{field}: not a JSON table file: the JSON is malformed at byte {pos}")


def _value(text: bytes, field: str) -> Any:
    from .._descriptor import loads
    from .._errors import SchemaError

    try:
        return loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        msg = f"{field}: not a JSON table file: the text is not UTF-8"
        raise DecodeError(msg) from None
    except SchemaError as e:
        msg = f"{field}: not a JSON table file: {e}"
        raise DecodeError(msg) from None


def _value_end(blob: bytes, start: int, field: str, depth: int | None) -> int:
    """The end of the JSON value at ``start`` (found, not parsed)."""
    first = blob[start : start + 1]
    if first in (b"[", b"{"):
        if depth is not None and depth < 1:
            raise jsondoc.too_deep_for_limit(field)
        return jsondoc.closing(blob, start + 1, field=field, max_depth=depth) + 1
    m = (_STRING if first == b'"' else _SCALAR).match(blob, start)
    if not m:
        raise _bad(field, start, blob)
    return m.end()


def _head_rows(blob: bytes, start: int, rows: int, field: str, depth: int | None) -> tuple[list[Any], int]:
    """The first ``rows`` rows of the ``data`` array opening at ``start``, and the array's end."""
    out: list[Any] = []
    pos = _ws(blob, start + 1)
    if blob[pos : pos + 1] == b"]":
        return out, pos + 1
    while len(out) < rows:
        end = _value_end(blob, pos, f"{field}[{len(out)}]", depth)
        out.append(_value(blob[pos:end], f"{field}[{len(out)}]"))
        pos = _ws(blob, end)
        sep = blob[pos : pos + 1]
        if sep == b"]":
            return out, pos + 1
        if sep != b",":
            raise _bad(field, pos, blob)
        pos = _ws(blob, pos + 1)
    return out, jsondoc.closing(blob, pos, field=field, max_depth=None if depth is None else depth + 1) + 1


def _rows_below(token: bytes, rows: int) -> bytes:
    """A JSON list of row numbers cut to those below ``rows`` (strings come back unchanged)."""
    if token[:1] == b'"':
        return token
    body = b"," + token[1:-1].translate(None, b" \t\n\r") + b","
    keep = [b"%d" % k for k in range(rows) if b",%d," % k in body]
    return b"[" + b",".join(keep) + b"]"


def check_nested_places(places: Any, nrows: int, field: str) -> None:
    """Check a ``nested_media`` entry: ``[[row, key or index, ...], ...]``."""
    ok = isinstance(places, list) and all(
        isinstance(p, list)
        and len(p) >= 2
        and type(p[0]) is int
        and 0 <= p[0] < nrows
        and all(isinstance(k, str) or (type(k) is int and k >= 0) for k in p[1:])
        for p in places
    )
    if not ok:
        msg = f"{field}: expected a list of [row, key or index, ...] places, rows below {nrows}"
        raise DecodeError(msg)


def check_info(info: Any, field: str) -> None:
    """Check one ``column_types`` entry from an untrusted file."""
    if not isinstance(info, dict) or info.get("type") not in COLUMN_TYPES or not isinstance(info.get("optional"), bool):
        msg = f"{field}: expected a column type {{'type': one of {COLUMN_TYPES}, 'optional': bool, ...}}, got {shown(info)}"[:300]
        raise DecodeError(msg)
    dt = info.get("dtype")
    if dt is not None:
        try:
            ok = np.dtype(dt).kind in "biuf" and np.dtype(dt).name == dt
        except TypeError:
            ok = False
        if not ok:
            msg = f"{field}.dtype: expected a numeric numpy dtype name, got {shown(dt)}"
            raise DecodeError(msg)
    unit = info.get("unit")
    if unit is not None and unit not in _UNITS:
        msg = f"{field}.unit: expected a datetime unit, got {shown(unit)}"
        raise DecodeError(msg)


def decode(source: Any, *, field: str = "path") -> dict[str, Any]:
    """The checked table document of a JSON table file (path, bytes or file object)."""
    src = source if isinstance(source, Source) else Source(source, field=field, what="table")
    return parse_json_table(src.read(), field=field)


def probe(source: Any) -> dict[str, Any]:
    """A table file's rows and columns, or a descriptor's ``_type``."""
    src = source if isinstance(source, Source) else Source(source, what="JSON")
    try:
        doc = jsondoc.loads(src.read(), field=src.field)
    except LimitError:
        raise
    except ValueError as e:
        msg = f"{src.field}: not valid JSON ({e})"
        raise DecodeError(msg) from None
    if is_table(doc):
        doc = parse_json_table(src.read(), field=src.field)
        return {"format": NAME, "kind": "table", "rows": len(doc["data"]), "columns": len(doc["columns"])}
    return {"format": NAME, "kind": "descriptor", "type": doc.get("_type") if isinstance(doc, dict) else None}


SPEC = FormatSpec(
    name=NAME,
    kinds=("descriptor", "table"),
    suffixes=(".json",),
    media_type="application/json",
    probe=probe,
    decode=decode,
    classify=classify,
    by_kind={"table": {"converts_to": ("csv", "json", "parquet", "tsv")}},
    description="JSON: descriptors and JSON table files",
)
