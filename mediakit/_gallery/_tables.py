"""Tables for the page: small tables go to the page whole (sorted and paged there); big ones
(Parquet-backed or over :data:`WHOLE_ROWS`) are split at build time into pages of
:data:`PAGE_ROWS` rows, each its own lazily loaded data script, so the page reads one page at a
time; global sorting of big tables uses pages pre-sorted per column at build time, within a budget
of :data:`SORT_CELLS` cells (above it the page sorts the rows it shows and says so)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .._lazy import require

#: Tables up to this many rows are sent whole; the page sorts and pages them itself.
WHOLE_ROWS = 10_000
#: Rows per pre-split page of a big table.
PAGE_ROWS = 100
#: Big tables with at most this many cells get pages pre-sorted by every column.
SORT_CELLS = 2_000_000


def _cell(v: Any, media: Callable[[Any], Any] | None, is_media: bool) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        if is_media and isinstance(v, str) and media is not None and v.startswith("{"):
            try:
                return {"$m": media(json.loads(v))}
            except ValueError:
                return v
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, dict) and "_type" in v and media is not None:
        return {"$m": media(v)}
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    if isinstance(v, bytes):
        return f"<{len(v)} bytes>"
    if isinstance(v, (list, tuple)):
        return [_cell(x, None, False) for x in v]
    if isinstance(v, dict):
        return {str(k): _cell(x, None, False) for k, x in v.items()}
    tolist = getattr(v, "tolist", None)
    return _cell(tolist(), media, is_media) if tolist else str(v)


def _json_rows(path: Path) -> tuple[list[list[Any]], dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = doc["data"]
    for col, where in (doc.get("nonfinite") or {}).items():  # {column index or name: {row: "NaN"}}
        j = doc["columns"].index(col) if col in doc["columns"] else int(col)
        for r, text in (where.items() if isinstance(where, dict) else []):
            rows[int(r)][j] = text
    return rows, doc


def _parquet_batches(path: Path) -> Iterator[list[list[Any]]]:
    pq = require("pyarrow.parquet", extra="table", feature="Showing Parquet tables in the gallery")
    f = pq.ParquetFile(str(path))
    for batch in f.iter_batches(batch_size=PAGE_ROWS):
        cols = [c.to_pylist() for c in batch.columns]
        yield [list(r) for r in zip(*cols)]


def rows_as_records(root: Path, table: dict[str, Any], w: Any) -> list[dict[str, Any]]:
    """A chart's data: its table as a list of records (what Vega-Lite's ``datasets`` takes)."""
    path = w.out / table["path"]
    if table["format"] == "json":
        rows, _ = _json_rows(path)
    else:
        rows = [r for b in _parquet_batches(path) for r in b]
    cols = table["columns"]
    return [{c: _cell(v, None, False) for c, v in zip(cols, r)} for r in rows]


def table_item(d: dict[str, Any], root: Path, w: Any, media: Callable[[Any], Any]) -> dict[str, Any]:
    rel = w.copy_media(root, d)
    path = w.out / rel
    types = [t.get("type", "mixed") for t in d["column_types"]]
    is_media = [t in ("media", "mixed") for t in types]
    out: dict[str, Any] = {"t": "table", "columns": d["columns"], "types": types, "nrows": d["nrows"], "page_rows": PAGE_ROWS}

    def convert(rows: list[list[Any]]) -> list[list[Any]]:
        return [[_cell(v, media, is_media[j]) for j, v in enumerate(r)] for r in rows]

    sha = d["sha256"]
    if d["format"] == "json" and d["nrows"] <= WHOLE_ROWS:
        out["whole"] = w.payload("t" + sha, lambda: convert(_json_rows(path)[0]))
        return out
    ident = "t" + sha
    out["pages"] = math.ceil(d["nrows"] / PAGE_ROWS)
    out["file"] = ident
    if ident + ":0" in w._done:
        out["sorted"] = d["nrows"] * d["ncols"] <= SORT_CELLS
        return out
    batches: Iterator[list[list[Any]]]
    if d["format"] == "json":
        rows, _ = _json_rows(path)
        batches = (rows[i : i + PAGE_ROWS] for i in range(0, len(rows), PAGE_ROWS))
    else:
        batches = _parquet_batches(path)
    keep = d["nrows"] * d["ncols"] <= SORT_CELLS
    everything: list[list[Any]] = []
    for n, batch in enumerate(batches):
        page = convert(batch)
        w.data(f"f/{sha[:2]}/{ident}-{n}.js", f"{ident}:{n}", page)
        if keep:
            everything.extend(page)
    w._done.add(ident + ":0")
    out["sorted"] = keep
    if keep:
        for j in range(d["ncols"]):
            keys = [_sort_key(r[j]) for r in everything]
            order = sorted(range(len(everything)), key=keys.__getitem__)
            for n in range(0, len(order), PAGE_ROWS):
                page = [everything[i] for i in order[n : n + PAGE_ROWS]]
                w.data(f"f/{sha[:2]}/{ident}-s{j}-{n // PAGE_ROWS}.js", f"{ident}:s{j}:{n // PAGE_ROWS}", page)
    return out


def _sort_key(v: Any) -> tuple[int, Any]:
    """Nulls last; numbers before text; media cells by their caption-less order (stable)."""
    if v is None:
        return (3, 0)
    if isinstance(v, bool):
        return (0, float(v))
    if isinstance(v, (int, float)):
        return (0, v)
    if isinstance(v, str):
        return (1, v)
    return (2, json.dumps(v, sort_keys=True))
