"""Every Parquet file mediakit writes, read by the consumers it is written for (issue 11):
**pyarrow** and **duckdb** (both in the test extra) must see exactly the input's values: time-zone
aware instants (``isAdjustedToUTC=true``, the zone in the Arrow type), uint64 beyond 2**63,
categoricals, nulls beside NaN, nullable ints, dates, naive datetimes, Unicode text.

The files come from every writer: ``Table(storage="parquet")``, ``storage="both"``, the automatic
switch above 10,000 rows, and ``Table.convert_file`` (``mediakit convert ... x.parquet``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import mediakit as mk

pd = pytest.importorskip("pandas")  # the table extra
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")  # the test extra

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.timezone.utc

#: column -> the Python values a reader must give back (None for null)
EXPECTED: dict[str, list[Any]] = {
    "tz": [dt.datetime(2024, 1, 1, 0, 0, tzinfo=PARIS), None, dt.datetime(2024, 7, 1, 12, 30, 0, 123456, tzinfo=PARIS)],
    "naive": [dt.datetime(2024, 1, 1, 0, 0), dt.datetime(2024, 1, 2, 3, 4, 5), None],
    "day": [dt.date(2024, 2, 29), None, dt.date(1999, 12, 31)],
    "u64": [2**64 - 1, None, 2**60 + 1],
    "i64": [-(2**63), 2**53 + 1, None],
    "b": [True, None, False],
    "cat": ["red", None, "blue"],
    "icat": [10, 20, None],
    "s": ["Grüße", "日本語", None],
    "f": [0.1, math.nan, None],
}


def frame() -> Any:
    return pd.DataFrame(
        {
            "tz": pd.to_datetime(["2024-01-01 00:00:00.000000", None, "2024-07-01 12:30:00.123456"]).tz_localize("Europe/Paris"),
            "naive": pd.to_datetime(["2024-01-01 00:00:00", "2024-01-02 03:04:05", None]),
            "day": [dt.date(2024, 2, 29), None, dt.date(1999, 12, 31)],
            "u64": pd.array([2**64 - 1, None, 2**60 + 1], dtype="UInt64"),
            "i64": pd.array([-(2**63), 2**53 + 1, None], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "cat": pd.Categorical(["red", None, "blue"]),
            "icat": pd.Categorical([10, 20, None]),
            "s": ["Grüße", "日本語", None],
        }
    )


def table(storage: str = "parquet") -> mk.Table:
    t = mk.Table(dataframe=frame(), storage=storage)  # type: ignore[arg-type]
    t.add_column("f", [0.1, math.nan, None])  # NaN and a missing cell side by side (pandas would merge them)
    return t


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b and (a.tzinfo is None) == (b.tzinfo is None)
    return a == b and type(a) is type(b)


def check_values(got: dict[str, list[Any]], expected: dict[str, list[Any]], reader: str) -> None:
    for name, want in expected.items():
        have = got[name]
        assert len(have) == len(want), f"{reader}: {name}"
        for i, (h, w) in enumerate(zip(have, want)):
            assert same(h, w), f"{reader}: column {name!r} row {i}: got {h!r}, expected {w!r}"


def parquet_files(tmp_path: Path) -> dict[str, bytes]:
    """Every way mediakit writes Parquet, as bytes."""
    mem = mk.MemoryStore()
    out: dict[str, bytes] = {}
    out["storage=parquet"] = mem.read(table("parquet").encode(mem)["path"])
    desc = table("both").encode(mem)
    out["storage=both"] = mem.read(desc["parquet"]["path"])
    src = tmp_path / "t.json"
    src.write_bytes(mem.read(desc["path"]))
    dst = tmp_path / "t.parquet"
    mk.Table.convert_file(src, dst)
    out["convert json->parquet"] = dst.read_bytes()
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return parquet_files(tmp_path_factory.mktemp("pq"))


@pytest.mark.parametrize("writer", ["storage=parquet", "storage=both", "convert json->parquet"])
def test_pyarrow_reads_identical_values(files, writer):
    tbl = pq.read_table(io.BytesIO(files[writer]))
    assert tbl.column_names == list(EXPECTED)
    assert tbl.schema.field("tz").type == pa.timestamp("us", tz="Europe/Paris")
    assert tbl.schema.field("u64").type == pa.uint64()
    assert tbl.schema.field("day").type == pa.date32()
    assert tbl.schema.field("naive").type.tz is None
    got = {name: tbl.column(name).to_pylist() for name in tbl.column_names}
    check_values(got, EXPECTED, "pyarrow")
    # the Parquet logical types themselves (what every other reader goes by)
    schema = pq.ParquetFile(io.BytesIO(files[writer])).schema
    assert "isAdjustedToUTC=true" in str(schema.column(0).logical_type)
    assert "isAdjustedToUTC=false" in str(schema.column(1).logical_type)
    assert "isSigned=false" in str(schema.column(3).logical_type)


@pytest.mark.parametrize("writer", ["storage=parquet", "storage=both", "convert json->parquet"])
def test_duckdb_reads_identical_values(tmp_path, files, writer):
    path = tmp_path / "t.parquet"
    path.write_bytes(files[writer])
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'Europe/Paris'")  # duckdb shows TIMESTAMPTZ in the session's zone
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", [str(path)]).fetchall())
        rows = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    finally:
        con.close()
    assert types["tz"] == "TIMESTAMP WITH TIME ZONE" and types["naive"] == "TIMESTAMP"
    assert types["u64"] == "UBIGINT" and types["i64"] == "BIGINT" and types["day"] == "DATE"
    got = {name: [r[j] for r in rows] for j, name in enumerate(EXPECTED)}
    # duckdb gives aware datetimes in its session zone: the same instants, compared as instants
    got["tz"] = [None if v is None else v.astimezone(PARIS) for v in got["tz"]]
    check_values(got, EXPECTED, "duckdb")


def test_mediakit_reads_its_parquet_back(files):
    t = table()
    for blob in files.values():
        back = mk.Table._from_file("arrow", pq.read_table(io.BytesIO(blob)), None)
        assert back.columns == t.columns
        assert [c["type"] for c in back.column_types] == [c["type"] for c in t.column_types]
        assert back.column_types[0]["tz"] == "Europe/Paris"
        assert back.get_column("u64") == EXPECTED["u64"]


def test_large_tables_switch_to_parquet_that_duckdb_reads(tmp_path):
    n = 10_001
    ids = np.arange(n, dtype=np.uint64) + np.uint64(2**63)
    when = pd.date_range("2024-01-01", periods=n, freq="min", tz="America/New_York")
    t = mk.Table(dataframe=pd.DataFrame({"id": ids, "when": when}), max_rows=None)
    mem = mk.MemoryStore()
    desc = t.encode(mem)
    assert desc["format"] == "parquet"
    path = tmp_path / "big.parquet"
    path.write_bytes(mem.read(desc["path"]))
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        first, last, count = con.execute("SELECT min(id), max(id), count(*) FROM read_parquet(?)", [str(path)]).fetchone()
        t0 = con.execute("SELECT \"when\" FROM read_parquet(?) LIMIT 1", [str(path)]).fetchone()[0]
    finally:
        con.close()
    assert (first, last, count) == (2**63, 2**63 + n - 1, n)
    assert t0 == dt.datetime(2024, 1, 1, 5, 0, tzinfo=t0.tzinfo) and t0.utcoffset() == dt.timedelta(0)
    # the JSON preview beside it writes the same instants with an explicit offset
    preview = json.loads(mem.read(desc["preview"]["path"]))
    assert preview["data"][0][1] == "2024-01-01T05:00:00.000000Z"
