"""Delimited text tables: CSV (``.csv``) and TSV (``.tsv``), read and written with pyarrow
(``pip install 'mediakit[table]'``). Inputs for the table kind and outputs of ``mediakit
convert``; a store never keeps them (tables are stored as JSON or Parquet)."""

from __future__ import annotations

import io
from typing import Any

from .._errors import DecodeError
from .._lazy import require
from ._spec import FormatSpec, Source

_DELIMITER = {".csv": ",", ".tsv": "\t", "csv": ",", "tsv": "\t"}


def _source(source: Any, field: str) -> Source:
    return source if isinstance(source, Source) else Source(source, field=field, what="table")


def read(source: Any, *, delimiter: str | None = None, field: str = "path") -> Any:
    """A ``pyarrow.Table`` of a CSV/TSV file (path, bytes or file object; the delimiter from the
    suffix unless given). An empty unquoted cell is missing; a quoted ``""`` is the empty string."""
    src = _source(source, field)
    suffix = src.suffix or (".tsv" if delimiter == "\t" else ".csv")
    pa = require("pyarrow", extra="table", feature=f"Reading {suffix} tables")
    pc = require("pyarrow.csv", extra="table", feature="Reading CSV tables")
    opts = pc.ParseOptions(delimiter=delimiter or _DELIMITER.get(suffix, ","))
    conv = pc.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=False)
    try:
        table = pc.read_csv(_input(src), parse_options=opts, convert_options=conv)
        table.column_names  # decoded lazily: names that are not UTF-8 raise only here  # noqa: B018
        return table
    except (pa.ArrowException, OSError, ValueError) as e:  # UnicodeDecodeError included
        msg = f"{field}: {src.name!r} is not a readable {suffix[1:].upper()} table: {e}"
        raise DecodeError(msg) from None


def _input(src: Source) -> Any:
    return str(src.path) if src.path is not None else io.BytesIO(src.read())


def write(table: Any, *, delimiter: str = ",") -> bytes:
    """CSV (or, with ``delimiter="\\t"``, TSV) bytes of a ``pyarrow.Table``."""
    pc = require("pyarrow.csv", extra="table", feature="Writing CSV tables")
    buf = io.BytesIO()
    pc.write_csv(table, buf, write_options=pc.WriteOptions(delimiter=delimiter))
    return buf.getvalue()


def _probe(delimiter: str) -> Any:
    def probe(source: Any) -> dict[str, Any]:
        tbl = read(source, delimiter=delimiter)
        return {"format": "tsv" if delimiter == "\t" else "csv", "rows": tbl.num_rows, "columns": tbl.num_columns}

    return probe


def _decode(delimiter: str) -> Any:
    def decode(source: Any, *, field: str = "path") -> Any:
        return read(source, delimiter=delimiter, field=field)

    return decode


SPECS = (
    FormatSpec(
        name="csv",
        kinds=("table",),
        suffixes=(".csv",),
        media_type="text/csv",
        stored=False,
        extra="table",
        probe=_probe(","),
        decode=_decode(","),
        converts_to=("csv", "json", "parquet", "tsv"),
        description="Comma-separated values",
    ),
    FormatSpec(
        name="tsv",
        kinds=("table",),
        suffixes=(".tsv",),
        media_type="text/tab-separated-values",
        stored=False,
        extra="table",
        probe=_probe("\t"),
        decode=_decode("\t"),
        converts_to=("csv", "json", "parquet", "tsv"),
        description="Tab-separated values",
    ),
)
