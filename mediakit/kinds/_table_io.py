"""Columns <-> table files: the table document of the JSON table file and the Arrow table written
as Parquet are made from :class:`Column` objects here, and columns are rebuilt from them (every
stored cell checked against its declared type). The files themselves (parsing, structural checks,
canonical writing, reading CSV/TSV/JSONL/Parquet) are the format modules
:mod:`mediakit.formats.jsontable`, :mod:`~mediakit.formats.parquet`,
:mod:`~mediakit.formats.delimited` and :mod:`~mediakit.formats.jsonlines`.

In the JSON table file, NaN/±inf cells are ``null`` listed in a ``nonfinite`` side record and
media descriptors of mixed columns are listed in ``media_rows``. In Parquet, numbers, bools, datetimes and strings are native columns (NaN is native there);
nested values and media descriptors are JSON text; the column types travel in the schema metadata
under ``mediakit``. Media inside list/dict cells are encoded with the table and listed in a
``nested_media`` record (JSON file and Parquet metadata alike).

Length: over 500 lines because both file forms (JSON cells, Arrow columns) are written and read
back here from one column form, with the side records (non-finite cells, media rows, nested
media) they share; splitting writers from readers would split each record's two halves.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._descriptor import dumps
from .._errors import DecodeError, MediaTypeError, shown
from .._gc import paused
from .._lazy import require
from ..formats import jsontable
from ..formats.jsontable import check_info
from ..store import Store
from ._base import Kind
from ._table_columns import Column, from_array, from_cells, tz_name, where

#: Rows kept in the JSON preview written beside a Parquet table.
PREVIEW_ROWS = 100
_META_KEY = b"mediakit"


# -- media cells ------------------------------------------------------------------------------


class MediaCells(dict):  # type: ignore[type-arg]
    """Descriptors of a table's encoded media: ``{column index: {row: descriptor}}`` for media
    cells, and in :attr:`nested` ``{column index: {row: [descriptor, ...]}}`` for media inside
    list/dict cells, in the order :func:`nested_media` walks the cell."""

    def __init__(self) -> None:
        super().__init__()
        self.nested: dict[int, dict[int, list[dict[str, Any]]]] = {}


def nested_media(v: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """``(path, media object)`` for every media object inside a list/dict cell (depth first,
    dict keys sorted, as the canonical JSON is written)."""
    if isinstance(v, Kind):
        return [(path, v)]
    if isinstance(v, list):
        return [x for i, c in enumerate(v) if isinstance(c, (list, dict, Kind)) for x in nested_media(c, (*path, i))]
    if isinstance(v, dict):
        return [x for k in sorted(v) if isinstance(v[k], (list, dict, Kind)) for x in nested_media(v[k], (*path, k))]
    return []


def encode_media(columns: list[Column], store: Store) -> MediaCells:
    """Encode every media cell, and every media object inside list/dict cells, once (in parallel)."""
    from ..batch import encode_many

    jobs: list[tuple[int, int, bool]] = []
    items: list[Any] = []
    for j, col in enumerate(columns):
        if col.type in ("media", "mixed", "list", "dict"):
            for i, c in enumerate(col.values):
                if isinstance(c, Kind):
                    jobs.append((j, i, False))
                    items.append(c)
                elif isinstance(c, (list, dict)) and col.type != "media":
                    for _path, obj in nested_media(c):
                        jobs.append((j, i, True))
                        items.append(obj)
    out = MediaCells()
    if not items:
        return out
    for (j, i, nested), desc in zip(jobs, encode_many(items, store)):
        if nested:
            out.nested.setdefault(j, {}).setdefault(i, []).append(desc)
        else:
            out.setdefault(j, {})[i] = desc
    return out


def _with_descriptors(v: Any, descs: Iterator[dict[str, Any]]) -> Any:
    """A copy of a list/dict cell with its media objects replaced by their descriptors."""
    if isinstance(v, Kind):
        return next(descs)
    if isinstance(v, list):
        return [_with_descriptors(c, descs) if isinstance(c, (list, dict, Kind)) else c for c in v]
    if isinstance(v, dict):
        return {k: _with_descriptors(v[k], descs) if isinstance(v[k], (list, dict, Kind)) else v[k] for k in sorted(v)}
    return v


def _nested_paths(cells: list[Any], name: str, nested: dict[int, list[dict[str, Any]]] | None) -> tuple[list[Any], list[list[Any]] | None]:
    """Cells with the media nested in list/dict cells replaced by their descriptors, and the
    ``nested_media`` record (``[row, key or index, ...]`` per media object). ``nested`` None: no
    media was encoded, so finding media is an error."""
    if nested is None:
        if any(isinstance(c, (list, dict)) and nested_media(c) for c in cells):
            msg = f"{where(None, name)}: media inside list/dict cells must be encoded into a store first (use Table.encode)"
            raise MediaTypeError(msg)
        return cells, None
    if not nested:
        return cells, None
    cells = list(cells)
    paths: list[list[Any]] = []
    for i in sorted(nested):
        paths.extend([i, *p] for p, _obj in nested_media(cells[i]))
        cells[i] = _with_descriptors(cells[i], iter(nested[i]))
    return cells, paths


# -- JSON table file -------------------------------------------------------------------------------


def json_cells(
    col: Column, media: dict[int, dict[str, Any]] | None, nested: dict[int, list[dict[str, Any]]] | None = None
) -> tuple[list[Any], dict[str, list[int]] | None, list[int] | None, list[list[Any]] | None]:
    """A column's JSON cells, its non-finite record, (mixed columns) its media rows and (list,
    dict and mixed columns) the places of media nested in cells."""
    t = col.type
    if t in ("list", "dict"):
        cells, paths = _nested_paths(list(col.values), col.name, nested)
        return cells, None, None, paths
    cells, nf, mr = _json_cells(col, media)
    if t == "mixed":
        cells, paths = _nested_paths(cells, col.name, nested)
        return cells, nf, mr, paths
    return cells, nf, mr, None


def _json_cells(col: Column, media: dict[int, dict[str, Any]] | None) -> tuple[list[Any], dict[str, list[int]] | None, list[int] | None]:
    t = col.type
    nonfinite = None
    if t in ("number", "bool"):
        cells = col.values.tolist()
        if col.dtype is not None and col.values.dtype.kind == "f":
            fin = np.isfinite(col.values)
            if not fin.all():
                bad = ~fin if col.mask is None else (~fin & ~col.mask)
                nonfinite = _nonfinite_record(col.values, bad)
                for i in np.flatnonzero(~fin).tolist():
                    cells[i] = None
        if col.mask is not None:
            for i in np.flatnonzero(col.mask).tolist():
                cells[i] = None
        return cells, nonfinite, None
    if t == "datetime":
        cells = datetime_strings(col)
        for i in np.flatnonzero(col.missing()).tolist():
            cells[i] = None
        return cells, None, None
    if t == "array":
        return [None if c is None else c.tolist() for c in col.values], None, None
    if t == "media":
        media = media or {}
        return [None if c is None else _media_cell(c, i, media, col.name) for i, c in enumerate(col.values)], None, None
    if t == "mixed":
        media = media or {}
        cells = list(col.values)
        nf: dict[str, list[int]] = {"nan": [], "posinf": [], "neginf": []}
        for i, c in enumerate(cells):
            if i in media:
                cells[i] = media[i]
            elif isinstance(c, Kind):
                cells[i] = _media_cell(c, i, media, col.name)
            elif type(c) is float and not math.isfinite(c):
                nf["nan" if math.isnan(c) else ("posinf" if c > 0 else "neginf")].append(i)
                cells[i] = None
        return cells, (nf if any(nf.values()) else None), (sorted(media) or None)
    return list(col.values), None, None


def _media_cell(c: Any, i: int, media: dict[int, dict[str, Any]], name: str) -> Any:
    """The descriptor of a media cell: encoded by :func:`encode_media`, or already a descriptor
    (a table read from a file without a store keeps its cells' descriptors)."""
    if i in media:
        return media[i]
    if isinstance(c, dict):
        return c
    msg = f"{where(i, name)}: media cells must be encoded into a store first (use Table.encode)"
    raise MediaTypeError(msg)


def _nonfinite_record(values: np.ndarray, bad: np.ndarray) -> dict[str, list[int]]:
    return {
        "nan": np.flatnonzero(bad & np.isnan(values)).tolist(),
        "posinf": np.flatnonzero(bad & (values == np.inf)).tolist(),
        "neginf": np.flatnonzero(bad & (values == -np.inf)).tolist(),
    }


def datetime_strings(col: Column) -> list[Any]:
    """ISO 8601 text of a datetime column's cells: a time-zone aware column's instants in UTC with
    the ``Z`` suffix (so every reader, Vega included, sees the same instant; the zone itself is
    in the column type), naive datetimes without an offset (wall-clock values)."""
    unit = col.unit or "us"
    aware = col.tz is not None and unit not in ("Y", "M", "W", "D")
    cells = np.datetime_as_string(col.values, unit=unit, timezone="UTC" if aware else "naive").tolist()  # type: ignore[call-overload]
    for i in np.flatnonzero(col.missing()).tolist():
        cells[i] = None
    return cells


def json_table(columns: list[Column], media: dict[int, dict[int, dict[str, Any]]], *, rows: int | None = None, fast: bool | None = None) -> bytes:
    """The canonical JSON table file of ``columns`` (the first ``rows`` rows if given).

    ``fast``: write with orjson (None: when it is installed). Both writers give the same bytes:
    the cells orjson would write differently from the standard library (floats below 1e-4,
    nested values, integers beyond 64 bits) are handed to it as pre-written JSON text.
    """
    enc = jsontable.fast_encoder() if fast is None or fast else None
    if fast and enc is None:
        require("orjson", extra="table", feature="fast JSON table writing")
    cols = [c.take(rows) for c in columns] if rows is not None else columns
    nested_all = media.nested if isinstance(media, MediaCells) else None
    cell_lists, nonfinite, media_rows, nested_media_rec = [], {}, {}, {}
    for j, col in enumerate(cols):
        m = media.get(j)
        nst = None if nested_all is None else nested_all.get(j, {})
        if rows is not None:
            m = {i: d for i, d in m.items() if i < rows} if m is not None else None
            nst = {i: d for i, d in nst.items() if i < rows} if nst is not None else None
        cells, nf, mr, paths = json_cells(col, m, nst)
        if enc is not None:
            cells = jsontable.exact_cells(cells, col.type, col.values if col.dense else None)
        cell_lists.append(cells)
        if nf:
            nonfinite[col.name] = nf
        if mr:
            media_rows[col.name] = mr
        if paths:
            nested_media_rec[col.name] = paths
    n = len(cols[0]) if cols else 0
    with paused():  # a tuple per row: the collector would wake many times to find no cycle
        data: list[Any] = list(zip(*cell_lists)) if cell_lists else [[] for _ in range(n)]
        doc: dict[str, Any] = {"columns": [c.name for c in cols], "column_types": [c.info() for c in cols], "data": data}
        if nonfinite:
            doc["nonfinite"] = nonfinite
        if media_rows:
            doc["media_rows"] = media_rows
        if nested_media_rec:
            doc["nested_media"] = nested_media_rec
        out = jsontable.dumps_fast(doc) if enc is not None else jsontable.dumps(doc)
        del data, doc  # the row tuples go before the collector is back (they would be its next walk)
    return out


def _rows_of(side: Any, n: int, field: str) -> list[int]:
    if not isinstance(side, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in side):
        msg = f"{field}: expected a list of row numbers below {n}"
        raise DecodeError(msg)
    return side


def columns_from_json(doc: dict[str, Any], store: Store | None, *, field: str = "path", decode_media: bool = True) -> list[Column]:
    """Rebuild columns from a checked JSON table file; without ``column_types`` they are inferred."""
    names = doc["columns"]
    data = doc["data"]
    cols = [list(c) for c in zip(*data)] if data else [[] for _ in names]
    types = doc.get("column_types")
    out = []
    for j, name in enumerate(names):
        if types is None:
            out.append(from_cells(name, cols[j]))
            continue
        nf = doc.get("nonfinite", {}).get(name)
        mr = doc.get("media_rows", {}).get(name)
        nm = doc.get("nested_media", {}).get(name)
        out.append(restore(name, types[j], cols[j], store, nonfinite=nf, media_rows=mr, nested=nm, field=f"{field}.data[*][{j}]", decode_media=decode_media))
    return out


def restore(
    name: str,
    info: dict[str, Any],
    cells: list[Any],
    store: Store | None,
    *,
    nonfinite: Any = None,
    media_rows: Any = None,
    nested: Any = None,
    field: str,
    decode_media: bool = True,
) -> Column:
    """A column of a declared type from stored cells, checking every cell against the type."""
    if nested:
        if info["type"] not in ("list", "dict", "mixed"):
            msg = f"{field}.nested_media: a {info['type']} column has no nested values"
            raise DecodeError(msg)
        jsontable.check_nested_places(nested, len(cells), f"{field}.nested_media")
        cells = _restore_nested(cells, nested, store, field, decode_media)
    t = info["type"]
    n = len(cells)
    allowed = _STORED_TYPES[t]
    seen = set(map(type, cells)) - {type(None)}
    if not seen <= allowed:
        bad = next(i for i, c in enumerate(cells) if c is not None and type(c) not in allowed)
        msg = f"{field}: row {bad}: a {t} column cannot hold {type(cells[bad]).__name__} {shown(cells[bad], 60)}"
        raise DecodeError(msg)
    optional = info["optional"]
    if not optional and None in cells and t not in ("number", "mixed"):
        msg = f"{field}: row {cells.index(None)}: missing value in a non-optional column"
        raise DecodeError(msg)
    try:
        col = _restore(name, info, cells, store, nonfinite, media_rows, field, n, decode_media)
    except (ValueError, TypeError, OverflowError) as e:
        if isinstance(e, DecodeError):
            raise
        msg = f"{field}: cells do not match the column type {shown(info)}: {e}"[:400]
        raise DecodeError(msg) from None
    col.optional = optional
    if not optional and col.missing().any():
        msg = f"{field}: missing value in a non-optional column"
        raise DecodeError(msg)
    return col


_STORED_TYPES: dict[str, set[type]] = {
    "number": {int, float},
    "bool": {bool},
    "datetime": {str},
    "string": {str},
    "list": {list},
    "dict": {dict},
    "array": {list, int, float, bool},
    "media": {dict},
    "null": set(),
    "mixed": {int, float, bool, str, list, dict},
}


def _restore_nested(cells: list[Any], places: list[list[Any]], store: Store | None, field: str, decode_media: bool) -> list[Any]:
    """Put decoded media objects at the listed places inside list/dict cells."""
    cells = list(cells)
    for place in places:
        row, path = place[0], place[1:]
        parent: Any = None
        node = cells[row]
        for key in path:
            ok = (isinstance(node, dict) and isinstance(key, str) and key in node) or (isinstance(node, list) and type(key) is int and key < len(node))
            if not ok:
                msg = f"{field}: row {row}: nested_media place {shown(place)} is not in the cell"
                raise DecodeError(msg)
            parent, node = node, node[key]
        if not isinstance(node, dict) or "_type" not in node:
            msg = f"{field}: row {row}: nested_media place {shown(place)} does not hold a descriptor"
            raise DecodeError(msg)
        if decode_media:
            parent[path[-1]] = _decode_cell(node, store, f"{field}: row {row} at {path!r}")
    return cells


def _restore(name: str, info: dict[str, Any], cells: list[Any], store: Store | None, nonfinite: Any, media_rows: Any, field: str, n: int, decode_media: bool) -> Column:
    t = info["type"]
    if t == "number":
        obj = np.array(cells, dtype=object)
        mask = obj == None  # noqa: E711
        obj[mask] = 0
        arr = np.array(obj.tolist(), dtype=np.dtype(info.get("dtype", "float64")))
        if nonfinite:
            for key, val in (("nan", np.nan), ("posinf", np.inf), ("neginf", -np.inf)):
                rows = _rows_of(nonfinite.get(key, []), n, f"{field}.nonfinite.{key}")
                if rows and arr.dtype.kind != "f":
                    msg = f"{field}.nonfinite: an integer column cannot hold {key}"
                    raise DecodeError(msg)
                arr[rows] = val
                mask[rows] = False
        return Column(name, "number", arr, mask if mask.any() else None, dtype=arr.dtype.name)
    if t == "bool":
        obj = np.array(cells, dtype=object)
        mask = obj == None  # noqa: E711
        obj[mask] = False
        return Column(name, "bool", np.array(obj.tolist(), dtype=bool), mask if mask.any() else None, dtype="bool")
    if t == "datetime":
        unit = info.get("unit") or "us"
        # Aware columns are written as UTC instants with "Z" (numpy parses only naive text).
        arr = np.array(["NaT" if c is None else (c[:-1] if c.endswith("Z") else c) for c in cells], dtype=f"datetime64[{unit}]")
        mask = np.isnat(arr)
        return Column(name, "datetime", arr, mask if mask.any() else None, unit=unit, tz=info.get("tz"))
    if t == "array":
        dt = np.dtype(info.get("dtype", "float64"))
        vals = [None if c is None else np.asarray(c, dtype=dt) for c in cells]
        return Column(name, "array", vals, dtype=dt.name)
    if t == "media":
        kind = info.get("kind")
        if not isinstance(kind, str):
            msg = f"{field}: a media column needs its 'kind'"
            raise DecodeError(msg)
        for i, c in enumerate(cells):
            if c is not None and c.get("_type") != kind:
                msg = f"{field}: row {i}: expected a {shown(kind)} descriptor, got _type {shown(c.get('_type'))}"
                raise DecodeError(msg)
        vals = [c if c is None or not decode_media else _decode_cell(c, store, f"{field}: row {i}") for i, c in enumerate(cells)]
        return Column(name, "media", vals, kind=kind)
    if t == "mixed":
        mixed: list[Any] = list(cells)
        for i in _rows_of(media_rows or [], n, f"{field}.media_rows"):
            if not isinstance(mixed[i], dict):
                msg = f"{field}: row {i}: listed in media_rows but not a descriptor"
                raise DecodeError(msg)
            mixed[i] = _decode_cell(mixed[i], store, f"{field}: row {i}") if decode_media else mixed[i]
        if nonfinite:
            for key, val in (("nan", math.nan), ("posinf", math.inf), ("neginf", -math.inf)):
                for i in _rows_of(nonfinite.get(key, []), n, f"{field}.nonfinite.{key}"):
                    mixed[i] = val
        return Column(name, "mixed", mixed)
    return Column(name, t, list(cells))


def _decode_cell(desc: dict[str, Any], store: Store | None, field: str) -> Any:
    from .._errors import MediakitError
    from ..api import decode

    try:
        return decode(desc, store)
    except MediakitError as e:
        msg = f"{field}: media cell could not be decoded: {e}"
        raise type(e)(msg) from e


# -- Arrow / Parquet -----------------------------------------------------------------------------


def to_arrow(columns: list[Column], media: dict[int, dict[int, dict[str, Any]]] | None = None) -> Any:
    """A ``pyarrow.Table`` of the columns (nested values and media as JSON text)."""
    pa = require("pyarrow", extra="table", feature="Parquet tables")
    media = media if media is not None else {}
    nested_all = media.nested if isinstance(media, MediaCells) else None
    arrays, fields = [], []
    nonfinite: dict[str, Any] = {}
    nested_rec: dict[str, Any] = {}
    for j, col in enumerate(columns):
        if col.type in ("number", "bool"):
            arr = pa.array(col.values, mask=col.mask)
        elif col.type == "datetime":
            arr = _arrow_datetimes(pa, col)
        elif col.type == "string":
            arr = pa.array(col.values, type=pa.string())
        else:
            cells, nf, _mr, paths = json_cells(col, media.get(j), None if nested_all is None else nested_all.get(j, {}))
            if nf:
                nonfinite[col.name] = nf
            if paths:
                nested_rec[col.name] = paths
            arr = pa.array([None if c is None else dumps(c).decode("utf-8") for c in cells], type=pa.string())
        arrays.append(arr)
        fields.append(pa.field(col.name, arr.type))
    meta = {
        "columns": [c.name for c in columns],
        "column_types": [c.info() for c in columns],
        "media_rows": {c.name: sorted(media.get(j, {})) for j, c in enumerate(columns) if c.type == "mixed" and media.get(j)},
        "nonfinite": nonfinite,
    }
    if nested_rec:
        meta["nested_media"] = nested_rec
    schema = pa.schema(fields, metadata={_META_KEY: jsontable.dumps(meta)})
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_datetimes(pa: Any, col: Column) -> Any:
    """A datetime column as an Arrow timestamp (dates as date32). Aware columns are UTC instants
    with their zone in the type, which Parquet writes as ``isAdjustedToUTC=true``."""
    unit = col.unit or "us"
    if unit in ("Y", "M", "W", "D") and col.tz is None:
        return pa.array(col.values.astype("datetime64[D]"), mask=col.missing(), type=pa.date32()) if unit == "D" else pa.array(col.values.astype("datetime64[s]"), mask=col.missing(), type=pa.timestamp("s"))
    unit = unit if unit in ("s", "ms", "us", "ns") else ("ns" if unit in ("ps", "fs", "as") else "s")
    return pa.array(col.values.astype(f"datetime64[{unit}]"), mask=col.missing(), type=pa.timestamp(unit, tz=col.tz))


def columns_from_arrow(tbl: Any, store: Store | None, *, field: str = "path", decode_media: bool = True) -> tuple[list[str], list[Any]]:
    """Names and raw column values of an Arrow table. Our own files (with ``mediakit`` schema
    metadata) come back as finished :class:`Column` objects; foreign ones as raw values for
    inference: ``("array", ndarray, mask, tz)`` or ``("cells", list)``."""
    meta = (tbl.schema.metadata or {}).get(_META_KEY)
    names = [str(n) for n in tbl.column_names]
    if meta is not None:
        try:
            info = json.loads(meta)
            types = info["column_types"]
            ok = info["columns"] == names and len(types) == len(names)
        except (ValueError, KeyError, TypeError) as e:
            msg = f"{field}: bad mediakit metadata in the Parquet file: {e}"
            raise DecodeError(msg) from None
        if not ok:
            msg = f"{field}: the mediakit metadata in the Parquet file does not match its columns"
            raise DecodeError(msg)
        cols = []
        for j, name in enumerate(names):
            check_info(types[j], f"{field}.column_types[{j}]")
            side = {k: (info.get(k) or {}).get(name) for k in ("media_rows", "nonfinite", "nested_media")}
            cols.append(_stored_arrow_column(name, types[j], tbl.column(j), store, side, f"{field}[{shown(name)}]", decode_media))
        return names, cols
    return names, [raw_arrow(tbl.column(j)) for j in range(len(names))]


def _stored_arrow_column(name: str, info: dict[str, Any], col: Any, store: Store | None, side: dict[str, Any], field: str, decode_media: bool) -> Column:
    t = info["type"]
    if t in ("number", "bool", "datetime"):
        _kind, values, mask, _tz = raw_arrow(col)
        target = np.dtype(info["dtype"]) if t != "datetime" else np.dtype(f"datetime64[{info.get('unit') or 'us'}]")
        c = from_array(name, values.astype(target), mask)
        c.tz = info.get("tz") if t == "datetime" else None
        c.optional = info["optional"]
        if t != c.type:
            msg = f"{field}: stored as {col.type}, declared {t}"
            raise DecodeError(msg)
        return c
    if t == "string":
        return restore(name, info, col.to_pylist(), store, field=field)
    texts = col.to_pylist()
    try:
        cells = [None if s is None else json.loads(s) for s in texts]
    except (TypeError, ValueError) as e:
        msg = f"{field}: expected JSON text cells: {e}"
        raise DecodeError(msg) from None
    return restore(name, info, cells, store, nonfinite=side["nonfinite"], media_rows=side["media_rows"], nested=side["nested_media"], field=field, decode_media=decode_media)


def raw_arrow(col: Any) -> tuple[str, Any, Any, Any]:
    """A foreign Arrow column as raw values for inference."""
    pa = require("pyarrow", extra="table", feature="Arrow tables")
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        if col.null_count:
            mask = col.is_null().to_numpy(zero_copy_only=False)
            values = col.fill_null(False if pa.types.is_boolean(t) else 0).to_numpy(zero_copy_only=False)
            return ("array", values, mask, None)
        return ("array", col.to_numpy(zero_copy_only=False), None, None)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        tz = getattr(t, "tz", None)
        if tz is not None:
            tz = tz_name(tz)
            col = col.cast(pa.timestamp(t.unit))
        values = col.to_numpy(zero_copy_only=False)
        if values.dtype.kind != "M":
            values = values.astype("datetime64[us]")
        return ("array", values, None, tz)
    if pa.types.is_null(t):
        return ("cells", [None] * len(col), None, None)
    return ("cells", col.to_pylist(), None, None)


# -- reading files ----------------------------------------------------------------------------------

READERS = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".json")


def read_file(path: str, *, progress: Callable[[int, int | None], None] | None = None) -> tuple[str, Any]:
    """Read a table file: ``("arrow", pyarrow.Table)`` or ``("json", JSON table document)``."""
    import os

    from ..formats import spec_for_suffix

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in READERS:
        msg = f"path: expected a table file ({', '.join(READERS)}), got {path!r}"
        raise DecodeError(msg)
    if not os.path.isfile(path):
        from .._errors import MediaFileNotFoundError

        msg = f"path: table file {path!r} does not exist"
        raise MediaFileNotFoundError(msg)
    size = os.path.getsize(path)
    if progress:
        progress(0, size)
    spec = spec_for_suffix(suffix)
    assert spec is not None and spec.decode is not None
    if suffix == ".json":
        out: tuple[str, Any] = ("json", spec.decode(path, field=repr(path)))
    elif suffix == ".parquet":
        out = ("arrow", spec.decode(path, repr(path)))
    else:
        out = ("arrow", spec.decode(path))
    if progress:
        progress(size, size)
    return out
