"""Apache Parquet (``.parquet``): how large tables are stored, read and written with pyarrow
(``pip install 'mediakit[table]'``). The writer settings are fixed so the same table always gives
the same bytes (Parquet writes no timestamps)."""

from __future__ import annotations

import io
from typing import Any

from .._errors import DecodeError
from .._lazy import require
from ._spec import FormatSpec, Source

NAME = "parquet"
_FEATURE = "Parquet tables"


def read(source: Any, field: str = "path") -> Any:
    """A ``pyarrow.Table`` of a Parquet file (path, bytes or file object)."""
    pq = require("pyarrow.parquet", extra="table", feature=_FEATURE)
    pa = require("pyarrow", extra="table", feature=_FEATURE)
    try:
        table = pq.read_table(_input(source))
        table.column_names  # decoded lazily: names that are not UTF-8 raise only here  # noqa: B018
        return table
    except (pa.ArrowException, OSError, ValueError) as e:  # UnicodeDecodeError included
        msg = f"{field}: not a readable Parquet file: {e}"
        raise DecodeError(msg) from None


def _input(source: Any) -> Any:
    if isinstance(source, Source):
        return str(source.path) if source.path is not None else io.BytesIO(source.read())
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source)
    return source


def write(table: Any) -> bytes:
    """Parquet bytes of a ``pyarrow.Table`` (snappy, dictionary encoding, statistics, one row
    group per million rows)."""
    pq = require("pyarrow.parquet", extra="table", feature=_FEATURE)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy", use_dictionary=True, write_statistics=True, row_group_size=1 << 20)
    return buf.getvalue()


def probe(source: Any) -> dict[str, Any]:
    """Rows and columns from the file's footer (no column data is read)."""
    pq = require("pyarrow.parquet", extra="table", feature=_FEATURE)
    pa = require("pyarrow", extra="table", feature=_FEATURE)
    try:
        meta = pq.ParquetFile(_input(source)).metadata
    except (pa.ArrowException, OSError, ValueError) as e:
        msg = f"path: not a readable Parquet file: {e}"
        raise DecodeError(msg) from None
    return {"format": NAME, "rows": meta.num_rows, "columns": meta.num_columns, "row_groups": meta.num_row_groups}


SPEC = FormatSpec(
    name=NAME,
    kinds=("table",),
    suffixes=(".parquet",),
    media_type="application/vnd.apache.parquet",
    magic=(b"PAR1",),
    extra="table",
    probe=probe,
    decode=read,
    converts_to=("csv", "json", "parquet", "tsv"),
    description="Apache Parquet columnar table",
)
