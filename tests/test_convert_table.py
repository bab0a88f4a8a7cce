"""Table files for the CLI: ``Table.from_path`` (csv, tsv, jsonl, parquet, JSON table) and
``mediakit.kinds.table:convert`` between them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import roundtrip

import mediakit as mk
from mediakit._errors import DecodeError, LimitError, MediaFileNotFoundError, ValidationError
from mediakit.cli import constructor_for, converter_for
from mediakit.kinds.table import convert

pytest.importorskip("pyarrow")

CSV = "id,name,score,ok,when\n1,alpha,0.5,true,2024-01-01T00:00:00\n2,beta,,false,2024-01-02T12:00:00\n3,,1.5,true,\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def sources(tmp_path: Path) -> dict[str, Path]:
    csv = write(tmp_path, "t.csv", CSV)
    tsv = write(tmp_path, "t.tsv", CSV.replace(",", "\t"))
    jsonl = write(
        tmp_path,
        "t.jsonl",
        "".join(
            json.dumps(r) + "\n"
            for r in (
                {"id": 1, "name": "alpha", "score": 0.5, "ok": True, "when": "2024-01-01T00:00:00"},
                {"id": 2, "name": "beta", "score": None, "ok": False, "when": "2024-01-02T12:00:00"},
                {"id": 3, "name": None, "score": 1.5, "ok": True, "when": None},
            )
        ),
    )
    parquet = tmp_path / "t.parquet"
    convert(csv, parquet)
    return {"csv": csv, "tsv": tsv, "jsonl": jsonl, "parquet": parquet}


def test_the_cli_tables_point_here():
    assert constructor_for("table") == mk.Table.from_path
    assert converter_for(Path("t.csv")) == mk.Table.convert_file


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "parquet"])
def test_from_path_reads_and_types_columns(tmp_path, kind, mem):
    t = mk.Table.from_path(sources(tmp_path)[kind])
    assert t.columns == ["id", "name", "score", "ok", "when"]
    types = [c["type"] for c in t.column_types]
    assert types[:4] == ["number", "string", "number", "bool"]
    assert types[4] in ("datetime", "string")  # JSONL has no timestamp type: strings stay strings
    assert t.get_column("id") == [1, 2, 3]
    assert t.get_column("name") == ["alpha", "beta", None]
    assert t.get_column("score") == [0.5, None, 1.5]
    assert t.get_column("ok") == [True, False, True]
    _, back = roundtrip(t, mem)
    assert back == t


@pytest.mark.parametrize("src_kind", ["csv", "tsv", "jsonl", "parquet"])
@pytest.mark.parametrize("dst_suffix", [".json", ".csv", ".tsv", ".parquet"])
def test_convert_between_formats(tmp_path, src_kind, dst_suffix):
    src = sources(tmp_path)[src_kind]
    dst = tmp_path / f"out{dst_suffix}"
    calls: list[tuple[int, int | None]] = []
    convert(src, dst, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] and [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert not list(tmp_path.glob(".*.partial"))
    back = mk.Table.from_path(dst)
    assert back.get_column("id") == [1, 2, 3]
    assert back.get_column("name") == ["alpha", "beta", None]
    assert back.get_column("score") == [0.5, None, 1.5]
    if dst_suffix == ".json":
        doc = json.loads(dst.read_text())
        assert set(doc) == {"columns", "column_types", "data"} and len(doc["data"]) == 3


def test_json_table_to_csv_keeps_types_and_nonfinite(tmp_path, mem):
    t = mk.Table(columns=["x", "tags"], data=[[np.nan, ["a"]], [1.0, []], [np.inf, None]])
    src = tmp_path / "t.json"
    src.write_bytes(mem.read(t.encode(mem)["path"]))
    assert mk.Table.from_path(src) == t
    convert(src, tmp_path / "t.parquet")
    assert mk.Table.from_path(tmp_path / "t.parquet") == t
    convert(src, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == '"x","tags"' and lines[1].endswith('"[""a""]"')


def test_media_descriptors_survive_conversion_as_json_text(tmp_path, mem):
    img = mk.Image(np.zeros((8, 9, 3), np.uint8))
    desc = mk.Table(columns=["img"], data=[[img]]).encode(mem)
    src = tmp_path / "t.json"
    src.write_bytes(mem.read(desc["path"]))
    convert(src, tmp_path / "t.csv")
    cell = (tmp_path / "t.csv").read_text().splitlines()[1]
    assert '""_type"":""image""' in cell
    convert(src, tmp_path / "t2.json")
    assert json.loads((tmp_path / "t2.json").read_text())["data"][0][0]["path"] == json.loads(src.read_text())["data"][0][0]["path"]


def test_convert_has_no_row_limit_but_from_path_does(tmp_path):
    src = write(tmp_path, "big.csv", "a\n" + "".join(f"{i}\n" for i in range(12_000)))
    convert(src, tmp_path / "big.parquet")
    assert len(mk.Table.from_path(tmp_path / "big.parquet", max_rows=None)) == 12_000
    with pytest.raises(LimitError, match=r"12,000 rows exceed max_rows=10,000"):
        mk.Table.from_path(src)


BAD: list[tuple[str, Any, type[BaseException], str]] = [
    ("unknown-suffix", lambda p: mk.Table.from_path(write(p, "t.xlsx", "x")), DecodeError, r"path: expected a table file \(.csv, .tsv"),
    ("missing", lambda p: mk.Table.from_path(p / "nope.csv"), MediaFileNotFoundError, r"path: table file '.*nope.csv' does not exist"),
    ("garbage-parquet", lambda p: mk.Table.from_path(write(p, "t.parquet", "not parquet")), DecodeError, r"not a readable Parquet file"),
    ("ragged-csv", lambda p: mk.Table.from_path(write(p, "t.csv", "a,b\n1,2\n3\n")), DecodeError, r"is not a readable CSV table"),
    ("bad-jsonl", lambda p: mk.Table.from_path(write(p, "t.jsonl", '{"a": 1}\n{"a": \n')), DecodeError, r"is not a readable JSONL table"),
    ("bad-json-table", lambda p: mk.Table.from_path(write(p, "t.json", '{"rows": []}')), DecodeError, r"not a JSON table file"),
    ("mixed-jsonl", lambda p: mk.Table.from_path(write(p, "t.jsonl", '{"a": 1}\n{"a": "x"}\n')), DecodeError, r"is not a readable JSONL table"),
    ("bad-dst", lambda p: convert(write(p, "t.csv", CSV), p / "out.xlsx"), ValidationError, r"dst: expected a .json, .csv, .tsv, .parquet file"),
]


@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_files(tmp_path, make, exc, match):
    with pytest.raises(exc, match=match) as info:
        make(tmp_path)
    assert type(info.value) is exc


def test_failed_conversion_leaves_no_output(tmp_path):
    src = write(tmp_path, "t.jsonl", '{"a": 1}\n{"a": [1]}\n')
    dst = tmp_path / "out.parquet"
    with pytest.raises(mk.MediakitError):
        convert(src, dst)
    assert not dst.exists() and not list(tmp_path.glob(".*partial"))


def test_unwritable_destination_is_a_storage_error(tmp_path):
    src = write(tmp_path, "t.csv", CSV)
    with pytest.raises(mk.StorageError, match=r"dst: could not write"):
        convert(src, tmp_path / "no-such-dir" / "out.parquet")
    assert not list(tmp_path.rglob("*.partial"))
