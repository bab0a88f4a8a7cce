"""JSON Lines (``.jsonl``, ``.ndjson``): one JSON object a row, read with pyarrow
(``pip install 'mediakit[table]'``). An input for the table kind; never stored."""

from __future__ import annotations

import io
from typing import Any

from .._errors import DecodeError
from .._lazy import require
from ._spec import FormatSpec, Source


def read(source: Any, *, field: str = "path") -> Any:
    """A ``pyarrow.Table`` of a JSON Lines file (path, bytes or file object)."""
    src = source if isinstance(source, Source) else Source(source, field=field, what="table")
    suffix = src.suffix or ".jsonl"
    pa = require("pyarrow", extra="table", feature=f"Reading {suffix} tables")
    pj = require("pyarrow.json", extra="table", feature="Reading JSONL tables")
    try:
        table = pj.read_json(str(src.path) if src.path is not None else io.BytesIO(src.read()))
        table.column_names  # decoded lazily: names that are not UTF-8 raise only here  # noqa: B018
        return table
    except (pa.ArrowException, OSError, ValueError) as e:  # UnicodeDecodeError included
        msg = f"{field}: {src.name!r} is not a readable {suffix[1:].upper()} table: {e}"
        raise DecodeError(msg) from None


def probe(source: Any) -> dict[str, Any]:
    tbl = read(source)
    return {"format": "jsonl", "rows": tbl.num_rows, "columns": tbl.num_columns}


SPEC = FormatSpec(
    name="jsonl",
    kinds=("table",),
    suffixes=(".jsonl", ".ndjson"),
    media_type="application/x-ndjson",
    stored=False,
    extra="table",
    probe=probe,
    decode=read,
    converts_to=("csv", "json", "parquet", "tsv"),
    aliases=("ndjson",),
    description="JSON Lines (newline-delimited JSON objects)",
)
