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

Written canonically (sorted keys, compact separators, ``allow_nan=False``) by :func:`dumps`;
:func:`parse_json_table` checks the structure of untrusted files (the table kind and the table
and chart renderers read them through it). Backend: the standard library.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .._errors import DecodeError
from ._spec import FormatSpec, Source

NAME = "json"
#: The column types a table file may declare.
COLUMN_TYPES = ("number", "bool", "datetime", "string", "list", "dict", "array", "media", "null", "mixed")
_UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns")


def dumps(doc: Any) -> bytes:
    """Canonical JSON bytes of a table document (sorted keys, compact, UTF-8, no NaN)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def is_table(doc: Any) -> bool:
    """Whether a parsed ``.json`` document is a table file rather than a descriptor."""
    return isinstance(doc, dict) and "_type" not in doc and "columns" in doc and "data" in doc


def classify(source: Source) -> str:
    """``"table"`` for a table file, ``"descriptor"`` for anything else (unreadable JSON too)."""
    try:
        doc = json.loads(source.read())
    except (OSError, ValueError):
        return "descriptor"
    return "table" if is_table(doc) else "descriptor"


def parse_json_table(blob: bytes, field: str = "path") -> dict[str, Any]:
    """Parse and structurally check a JSON table file (untrusted input)."""
    from .._descriptor import loads
    from .._errors import SchemaError

    try:
        doc = loads(blob)
    except SchemaError as e:
        msg = f"{field}: not a JSON table file: {e}"
        raise DecodeError(msg) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list) or not isinstance(doc.get("data"), list):
        msg = f"{field}: not a JSON table file (expected an object with 'columns' and 'data')"
        raise DecodeError(msg)
    names = doc["columns"]
    if not all(isinstance(c, str) for c in names) or len(set(names)) != len(names):
        msg = f"{field}.columns: expected unique column names (strings), got {names!r}"[:300]
        raise DecodeError(msg)
    ncols = len(names)
    for i, row in enumerate(doc["data"]):
        if not isinstance(row, list) or len(row) != ncols:
            msg = f"{field}.data[{i}]: expected a list of {ncols} values, got {str(row)[:80]}"
            raise DecodeError(msg)
    types = doc.get("column_types")
    if isinstance(types, dict):
        # Another tracker's table file (wandb writes its own type tree here): infer the types.
        doc.pop("column_types")
        types = None
    if types is not None:
        if not isinstance(types, list) or len(types) != ncols:
            msg = f"{field}.column_types: expected {ncols} entries, got {types!r}"[:300]
            raise DecodeError(msg)
        for j, info in enumerate(types):
            check_info(info, f"{field}.column_types[{j}]")
    for key in ("nonfinite", "media_rows"):
        side = doc.get(key, {})
        if not isinstance(side, dict) or any(k not in names for k in side):
            msg = f"{field}.{key}: expected an object keyed by column names"
            raise DecodeError(msg)
    return doc


def check_info(info: Any, field: str) -> None:
    """Check one ``column_types`` entry from an untrusted file."""
    if not isinstance(info, dict) or info.get("type") not in COLUMN_TYPES or not isinstance(info.get("optional"), bool):
        msg = f"{field}: expected a column type {{'type': one of {COLUMN_TYPES}, 'optional': bool, ...}}, got {info!r}"[:300]
        raise DecodeError(msg)
    dt = info.get("dtype")
    if dt is not None:
        try:
            ok = np.dtype(dt).kind in "biuf" and np.dtype(dt).name == dt
        except TypeError:
            ok = False
        if not ok:
            msg = f"{field}.dtype: expected a numeric numpy dtype name, got {dt!r}"
            raise DecodeError(msg)
    unit = info.get("unit")
    if unit is not None and unit not in _UNITS:
        msg = f"{field}.unit: expected a datetime unit, got {unit!r}"
        raise DecodeError(msg)


def decode(source: Any, *, field: str = "path") -> dict[str, Any]:
    """The checked table document of a JSON table file (path, bytes or file object)."""
    src = source if isinstance(source, Source) else Source(source, field=field, what="table")
    return parse_json_table(src.read(), field=field)


def probe(source: Any) -> dict[str, Any]:
    """A table file's rows and columns, or a descriptor's ``_type``."""
    src = source if isinstance(source, Source) else Source(source, what="JSON")
    try:
        doc = json.loads(src.read())
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
