"""Table: input tables (good and bad), column types, casts, NaN/inf kept losslessly, JSON and
Parquet files, media cells, round trips through ``mk.decode``, thumbnails, nothing left behind
after a failed encode."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._errors import DecodeError, LimitError, MediaTypeError, SchemaError, ValidationError
from mediakit.kinds import _table_columns, _table_io

pd = pytest.importorskip("pandas")

RNG = np.random.default_rng(7)
IMG_A = mk.Image(RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8))
IMG_B = mk.Image(RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8))
ARR = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)


def raises(cls: type[BaseException], match: str, fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(cls, match=match) as info:
        fn()
    assert type(info.value) is cls, f"expected exactly {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    return info.value


def strict_json(blob: bytes) -> Any:
    def no_constants(name: str) -> Any:
        raise AssertionError(f"invalid JSON constant {name}")

    return json.loads(blob, parse_constant=no_constants)


def types_of(t: mk.Table) -> list[str]:
    return [c["type"] for c in t.column_types]


# -- good inputs -----------------------------------------------------------------------------------

GOOD_INPUTS: list[tuple[str, Callable[[], mk.Table], list[str], list[str]]] = [
    (
        "reference-method-1",
        lambda: mk.Table(data=[["I love my phone", "1", "1"], ["My phone sucks", "0", "-1"]], columns=["Text", "Predicted Label", "True Label"]),
        ["Text", "Predicted Label", "True Label"],
        ["string", "string", "string"],
    ),
    ("default-columns", lambda: mk.Table(data=[[1, 2, 3]]), ["Input", "Output", "Expected"], ["number"] * 3),
    ("empty-default", lambda: mk.Table(), ["Input", "Output", "Expected"], ["null"] * 3),
    ("rows-alias", lambda: mk.Table(columns=["a", "b"], rows=[(1, "x"), (2, "y")]), ["a", "b"], ["number", "string"]),
    ("numpy-2d-float", lambda: mk.Table(columns=["x", "y"], data=RNG.random((5, 2))), ["x", "y"], ["number", "number"]),
    ("numpy-2d-int32", lambda: mk.Table(columns=["x", "y", "z"], data=np.arange(9, dtype=np.int32).reshape(3, 3)), ["x", "y", "z"], ["number"] * 3),
    ("numpy-2d-str", lambda: mk.Table(columns=["a", "b"], data=np.array([["x", "y"], ["z", "w"]])), ["a", "b"], ["string", "string"]),
    (
        "nullable-and-nonfinite",
        lambda: mk.Table(columns=["n", "f", "s", "b"], data=[[1, 1.5, "a", True], [None, math.nan, None, None], [3, -math.inf, "c", False]]),
        ["n", "f", "s", "b"],
        ["number", "number", "string", "bool"],
    ),
    ("media-cells", lambda: mk.Table(columns=["img", "label"], data=[[IMG_A, "a"], [None, "b"], [IMG_B, "c"]]), ["img", "label"], ["media", "string"]),
    (
        "nested",
        lambda: mk.Table(columns=["l", "d"], data=[[[1, 2, (3, 4)], {"k": [1.5, None]}], [[], {"x": {"y": "z"}}], [None, None]]),
        ["l", "d"],
        ["list", "dict"],
    ),
    ("array-cells", lambda: mk.Table(columns=["emb"], data=[[np.arange(3, dtype=np.float32)], [np.ones((2, 2), np.float32)]]), ["emb"], ["array"]),
    (
        "datetimes",
        lambda: mk.Table(columns=["when"], data=[[dt.datetime(2024, 1, 2, 3, 4, 5, 6)], [None], [dt.datetime(2025, 6, 1)]]),
        ["when"],
        ["datetime"],
    ),
    (
        "numpy-scalars",
        lambda: mk.Table(columns=["i", "f", "b", "s"], data=[[np.int16(3), np.float32(0.5), np.bool_(True), np.str_("x")]]),
        ["i", "f", "b", "s"],
        ["number", "number", "bool", "string"],
    ),
    ("mixed-allowed", lambda: mk.Table(columns=["m"], data=[[1], ["a"], [None], [2.5], [[1]], [IMG_A]], allow_mixed_types=True), ["m"], ["mixed"]),
    ("cast-float", lambda: mk.Table(columns=["a"], data=[[1], [2]], dtype=float), ["a"], ["number"]),
    ("cast-str-to-int32", lambda: mk.Table(columns=["a", "b"], data=[["1", "x"], ["2", "y"]], dtype={"a": "int32"}), ["a", "b"], ["number", "string"]),
    ("cast-number-to-str", lambda: mk.Table(columns=["a", "b"], data=[[1, 2.5], [2, None]], dtype=[str, None]), ["a", "b"], ["string", "number"]),
    ("cast-arrays-to-images", lambda: mk.Table(columns=["img"], data=[[ARR], [None]], dtype=mk.Image), ["img"], ["media"]),
    ("cast-bool-strings", lambda: mk.Table(columns=["b"], data=[["true"], ["No"], [1]], dtype=bool), ["b"], ["bool"]),
    ("cast-datetime-strings", lambda: mk.Table(columns=["d"], data=[["2024-01-02"], ["2024-03-04T05:06"]], dtype="datetime"), ["d"], ["datetime"]),
    (
        "pandas-mixed-dtypes",
        lambda: mk.Table(
            dataframe=pd.DataFrame(
                {
                    "i": [1, 2, 3],
                    "f": [0.5, np.nan, 2.0],
                    "s": ["a", None, "c"],
                    "b": [True, False, True],
                    "t": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
                    "tz": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]).tz_localize("Europe/Paris"),
                    "cat": pd.Categorical(["x", "y", "x"]),
                    "ni": pd.array([1, None, 3], dtype="Int64"),
                    "nb": pd.array([True, None, False], dtype="boolean"),
                    "obj": [[1], {"a": 1}, None],
                }
            ),
            allow_mixed_types=True,
        ),
        ["i", "f", "s", "b", "t", "tz", "cat", "ni", "nb", "obj"],
        ["number", "number", "string", "bool", "datetime", "datetime", "string", "number", "bool", "mixed"],
    ),
    ("pandas-int-column-names", lambda: mk.Table.from_dataframe(pd.DataFrame(np.eye(3))), ["0", "1", "2"], ["number"] * 3),
    # issue 10: the tracker's call forms
    ("positional-frame", lambda: mk.Table(pd.DataFrame([["a", 1], ["b", 2]])), ["0", "1"], ["string", "number"]),
    ("positional-rows", lambda: mk.Table([[1, "x", 2.5]]), ["Input", "Output", "Expected"], ["number", "string", "number"]),
    ("columns-equal-to-frame", lambda: mk.Table(columns=["a"], dataframe=pd.DataFrame({"a": [1]})), ["a"], ["number"]),
    ("pandas-series", lambda: mk.Table(data=pd.Series([1.5, 2.5], name="loss")), ["loss"], ["number"]),
    ("numpy-1d-one-column", lambda: mk.Table(columns=["a"], data=np.arange(3)), ["a"], ["number"]),
    ("numpy-3d-array-cells", lambda: mk.Table(columns=["emb", "mask"], data=RNG.random((4, 2, 3))), ["emb", "mask"], ["array", "array"]),
    ("numpy-structured", lambda: mk.Table(data=np.array([(1, 2.5, "x")], dtype=[("i", "i4"), ("f", "f8"), ("s", "U3")])), ["i", "f", "s"], ["number", "number", "string"]),
    ("rows-generator", lambda: mk.Table(columns=["a", "b"], data=((i, str(i)) for i in range(3))), ["a", "b"], ["number", "string"]),
    ("uint64-beside-int64", lambda: mk.Table(columns=["id"], data=[[1], [2**63 + 1]]), ["id"], ["number"]),
    ("list-beside-array", lambda: mk.Table(columns=["v"], data=[[[1, 2]], [np.array([3, 4])], [None]]), ["v"], ["list"]),
    ("media-in-dict-and-list", lambda: mk.Table(columns=["d", "l"], data=[[{"img": IMG_A, "n": 1}, [IMG_B, [IMG_A], "x"]], [{"n": 2}, []]]), ["d", "l"], ["dict", "list"]),
    ("media-nested-in-mixed", lambda: mk.Table(columns=["m"], data=[[1], [{"img": IMG_A}], ["s"]], allow_mixed_types=True), ["m"], ["mixed"]),
    ("log-mode-accepted", lambda: mk.Table(columns=["a"], data=[[1]], log_mode="INCREMENTAL"), ["a"], ["number"]),
    ("dtype-datetime-type", lambda: mk.Table(columns=["d"], data=[["2024-01-02"]], dtype=dt.datetime), ["d"], ["datetime"]),
]


@pytest.mark.parametrize(("make", "columns", "types"), [g[1:] for g in GOOD_INPUTS], ids=[g[0] for g in GOOD_INPUTS])
def test_good_inputs_round_trip(store, make, columns, types):
    t = make()
    assert t.columns == columns
    assert types_of(t) == types
    desc, back = roundtrip(t, store)
    assert back == t
    assert back.columns == columns and types_of(back) == types
    assert desc["nrows"] == len(t) and desc["ncols"] == len(columns)
    assert desc["column_types"] == t.column_types
    strict_json(store.read(desc["path"]))


def test_polars_frames_are_read_per_column(mem):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"a": [1, 2, None], "b": ["x", None, "z"], "c": [0.5, 1.5, float("nan")], "d": [True, False, None]})
    t = mk.Table(dataframe=df)
    assert types_of(t) == ["number", "string", "number", "bool"]
    assert t.get_column("a") == [1, 2, None]
    assert t.get_column("b") == ["x", None, "z"]
    assert math.isnan(t.get_column("c")[2])
    assert t.get_column("d") == [True, False, None]
    _, back = roundtrip(t, mem)
    assert back == t
    t.add_column("e", pl.Series([1.5, None, 3.0]))
    assert t.get_column("e") == [1.5, None, 3.0]


def test_reference_method_2_add_data_and_list_api():
    table = mk.Table(columns=["Text", "Predicted Label", "True Label"])
    table.add_data("I love my phone", "1", "1")
    table.add_data("My phone sucks", "0", "-1")
    assert len(table) == 2 and table.len() == 2
    assert table.data == [["I love my phone", "1", "1"], ["My phone sucks", "0", "-1"]]
    assert list(table) == table.data
    assert [i for i, _ in table.iterrows()] == [0, 1]
    assert table.get_column("True Label") == ["1", "-1"]
    assert table == mk.Table(columns=["Text", "Predicted Label", "True Label"], data=table.data)
    assert table != mk.Table(columns=["Text", "Predicted Label", "True Label"], data=[["x", "1", "1"], ["My phone sucks", "0", "-1"]])


def test_add_data_widens_ints_to_floats_and_fills_missing():
    t = mk.Table(columns=["a", "b"], data=[[1, None]])
    t.add_data(2.5, None)
    t.add_data(None, "x")
    assert t.get_column("a") == [1.0, 2.5, None]
    assert t.column_types[0] == {"type": "number", "optional": True, "dtype": "float64"}
    assert t.get_column("b") == [None, None, "x"]
    assert t.column_types[1]["type"] == "string"


def test_add_column_get_column_and_numpy():
    t = mk.Table(columns=["a"], data=[[1], [2], [3]])
    t.add_column("b", np.array([0.5, 1.5, 2.5]))
    t.add_column("c", ["x", None, "z"])
    t.add_column("d", pd.Series([1, None, 3], dtype="Int64"))
    assert t.columns == ["a", "b", "c", "d"]
    assert t.get_column("b", convert_to="numpy").dtype == np.float64
    np.testing.assert_array_equal(t.get_column("d", convert_to="numpy").astype(float), [1.0, np.nan, 3.0])
    assert t.get_column("c", convert_to="numpy").dtype == object


def test_cast_method_checks_every_value():
    t = mk.Table(columns=["a"], data=[["1"], ["2"]])
    t.cast("a", "int64")
    assert t.get_column("a") == [1, 2]
    raises(ValidationError, r"row 1, column 'a': cannot cast 'x' to float64", lambda: mk.Table(columns=["a"], data=[["1"], ["x"]]).cast("a", float))


def test_dtype_cast_applies_to_added_rows():
    t = mk.Table(columns=["img", "n"], dtype={"img": mk.Image, "n": "int64"})
    t.add_data(ARR, "3")
    assert isinstance(t.get_column("img")[0], mk.Image) and t.get_column("n") == [3]
    raises(ValidationError, r"row 1, column 'n': cannot cast 'x' to int64", lambda: t.add_data(ARR, "x"))


def test_to_pandas_round_trip():
    df = pd.DataFrame({"i": [1, 2], "f": [0.5, np.nan], "s": ["a", None], "t": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC")})
    back = mk.Table(dataframe=df).to_pandas()
    assert list(back.columns) == ["i", "f", "s", "t"]
    assert back["i"].tolist() == [1, 2]
    assert math.isnan(back["f"][1])
    assert back["s"].tolist() == ["a", None]
    assert str(back["t"].dt.tz) == "UTC"


# -- bad inputs ----------------------------------------------------------------------------------

BAD_INPUTS: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    ("row-length", lambda: mk.Table(columns=["a", "b", "c"], data=[[1, 2, 3], [1, 2]]), ValidationError, r"row 1: expected 3 values \(columns 'a', 'b', 'c'\), got 2"),
    ("type-mismatch", lambda: mk.Table(columns=["a", "b"], data=[[1, 2], [3, 4], [5, "six"]]), MediaTypeError, r"row 2, column 'b': expected number like row 0, got string 'six'"),
    ("media-kind-mismatch", lambda: mk.Table(columns=["m"], data=[[IMG_A], [mk.Html("<p>x</p>")]]), MediaTypeError, r"row 1, column 'm': expected image \(media\) like row 0, got html \(media\)"),
    ("bool-vs-number", lambda: mk.Table(columns=["a"], data=[[True], [1]]), MediaTypeError, r"row 1, column 'a': expected bool like row 0, got number 1"),
    ("unsupported-cell", lambda: mk.Table(columns=["a"], data=[[1], [object()]]), MediaTypeError, r"row 1, column 'a': expected a number, string.*got builtins.object"),
    ("bytes-cell", lambda: mk.Table(columns=["a"], data=[[b"\x89PNG"]]), MediaTypeError, r"row 0, column 'a'.*wrap binary data in a media kind"),
    ("not-optional", lambda: mk.Table(columns=["a", "b"], data=[[1, 2], [None, 3]], optional=[False, True]), ValidationError, r"row 1, column 'a': expected a value \(the column is not optional\), got None"),
    ("too-many-rows", lambda: mk.Table(columns=["a"], data=[[i] for i in range(11)], max_rows=10), LimitError, r"data: 11 rows exceed max_rows=10"),
    ("default-row-limit", lambda: mk.Table(columns=["a"], data=np.zeros((10_001, 1))), LimitError, r"10,001 rows exceed max_rows=10,000"),
    ("duplicate-columns", lambda: mk.Table(columns=["a", "a"], data=[[1, 2]]), ValidationError, r"columns\[1\]: duplicate column name 'a'"),
    ("column-name-type", lambda: mk.Table(columns=["a", 1.5], data=[[1, 2]]), MediaTypeError, r"columns\[1\]: expected a column name \(str\), got float 1.5"),
    ("width-vs-default-columns", lambda: mk.Table(data=[[1, 2]]), ValidationError, r"columns: rows have 2 values; give 2 column names"),
    ("numpy-1d-two-names", lambda: mk.Table(columns=["a", "b"], data=np.arange(3)), ValidationError, r"data: a 1-D array of shape \(3,\) is one column; give exactly one column name"),
    ("lazy-frame", lambda: mk.Table(data=pytest.importorskip("polars").DataFrame({"a": [1]}).lazy()), MediaTypeError, r"data: a polars LazyFrame holds a query, not data; pass lazy_frame.collect\(\)"),
    ("data-dict", lambda: mk.Table(data={"a": [1, 2]}), MediaTypeError, r"data: expected a list of rows, a numpy array or a pandas/polars DataFrame, got builtins.dict"),
    ("uint64-and-negative", lambda: mk.Table(columns=["a"], data=[[-1], [2**63 + 1]]), ValidationError, r"row 1, column 'a': integer 9223372036854775809 cannot be stored exactly in a float64 column"),
    ("big-int-beside-float", lambda: mk.Table(columns=["a"], data=[[2**60 + 1], [0.5]]), ValidationError, r"row 0, column 'a': integer 1152921504606846977 cannot be stored exactly in a float64 column \(it would become 1.152921504606847e\+18\)"),
    ("complex-cast", lambda: mk.Table(columns=["x"], data=[[np.complex128(1 + 2j)]], dtype="number"), ValidationError, r"row 0, column 'x': cannot cast \(1\+2j\) to float64 \(complex numbers are not stored"),
    ("complex-python-cast", lambda: mk.Table(columns=["x"], data=[[1.5], [1 + 2j]], dtype="number"), ValidationError, r"row 1, column 'x': cannot cast \(1\+2j\) to float64 \(complex numbers are not stored"),
    ("complex-array-cast", lambda: mk.Table(columns=["x"], data=np.array([[1 + 0j]]), dtype=float), ValidationError, r"row 0, column 'x': cannot cast \(1\+0j\) to float64 \(complex"),
    ("complex-array", lambda: mk.Table(columns=["x"], data=np.array([[1 + 0j]])), MediaTypeError, r"column 'x': complex values \(complex128\) are not stored; put the real and imaginary parts in two number columns"),
    ("complex-cell", lambda: mk.Table(columns=["x"], data=[[1 + 2j]]), MediaTypeError, r"row 0, column 'x': expected a number.*got builtins.complex \(1\+2j\); complex numbers are not stored"),
    ("decimal-cell", lambda: mk.Table(columns=["x"], data=[[__import__("decimal").Decimal("1.5")]]), MediaTypeError, r"row 0, column 'x'.*got decimal.Decimal Decimal\('1.5'\); convert decimals to float or to str"),
    ("pil-cell", lambda: mk.Table(columns=["x"], data=[[PILImage.new("RGB", (2, 2))]]), MediaTypeError, r"row 0, column 'x'.*wrap it in mk.Image\(...\), or pass dtype=\{column: mk.Image\}"),
    ("period-column", lambda: mk.Table(dataframe=pd.DataFrame({"p": pd.period_range("2024-01", periods=2, freq="M")})), MediaTypeError, r"row 0, column 'p'.*convert the column to strings first"),
    ("log-mode", lambda: mk.Table(log_mode="SOMETIMES"), ValidationError, r"log_mode: expected one of \('IMMUTABLE', 'MUTABLE', 'INCREMENTAL', None\), got 'SOMETIMES'"),
    ("row-not-sequence", lambda: mk.Table(columns=["a"], data=[[1], 2]), MediaTypeError, r"row 1: expected a list or tuple of cell values, got int 2"),
    ("data-and-dataframe", lambda: mk.Table(data=[[1, 2, 3]], dataframe=pd.DataFrame({"a": [1]})), ValidationError, r"give only one of data, rows or dataframe"),
    ("dataframe-not-frame", lambda: mk.Table(dataframe=[[1, 2, 3]]), MediaTypeError, r"dataframe: expected a pandas or polars DataFrame, got builtins.list"),
    ("columns-with-frame", lambda: mk.Table(columns=["x"], data=pd.DataFrame({"a": [1]})), ValidationError, r"columns: \['x'\] differ from the frame's columns \['a'\]; the frame's columns are the table's"),
    ("frame-timedelta", lambda: mk.Table(dataframe=pd.DataFrame({"d": pd.to_timedelta([1, 2], unit="s")})), MediaTypeError, r"column 'd': timedelta columns are not supported"),
    ("frame-object-mismatch", lambda: mk.Table(dataframe=pd.DataFrame({"o": [1, "two", 3.0]}, dtype=object)), MediaTypeError, r"row 1, column 'o': expected number like row 0, got string 'two'"),
    ("cast-fails", lambda: mk.Table(columns=["a"], data=[["1"], ["x"]], dtype=int), ValidationError, r"row 1, column 'a': cannot cast 'x' to int64"),
    ("cast-not-whole", lambda: mk.Table(columns=["a"], data=[[1.0], [2.5]], dtype="int64"), ValidationError, r"row 1, column 'a': cannot cast 2.5 to int64 \(not a whole number\)"),
    ("cast-out-of-range", lambda: mk.Table(columns=["a"], data=[[1], [300]], dtype="uint8"), ValidationError, r"row 1, column 'a': cannot cast 300 to uint8 \(outside 0..255\)"),
    ("cast-bool", lambda: mk.Table(columns=["a"], data=[[1], [2]], dtype=bool), ValidationError, r"row 1, column 'a': cannot cast 2 to bool"),
    ("cast-media", lambda: mk.Table(columns=["img"], data=[[ARR], ["nope.png"]], dtype=mk.Image), mk.MediaFileNotFoundError, r"row 1, column 'img': cannot make a Image from str"),
    ("dtype-unknown", lambda: mk.Table(columns=["a"], data=[[1]], dtype="quaternion"), MediaTypeError, r"dtype: expected a column type"),
    ("dtype-unknown-column", lambda: mk.Table(columns=["a"], data=[[1]], dtype={"b": int}), ValidationError, r"dtype: 'b' is not a column"),
    ("dtype-list-length", lambda: mk.Table(columns=["a"], data=[[1]], dtype=[int, int]), ValidationError, r"dtype: expected one type per column \(1\), got 2"),
    ("nested-nan", lambda: mk.Table(columns=["l"], data=[[[1.0, math.nan]]]), ValidationError, r"row 0, column 'l'\[1\]: expected finite numbers inside nested values"),
    ("nested-key", lambda: mk.Table(columns=["d"], data=[[{1: "x"}]]), MediaTypeError, r"row 0, column 'd': expected string keys in nested dicts, got int 1"),
    ("array-nan", lambda: mk.Table(columns=["e"], data=[[np.ones(2)], [np.array([1.0, np.inf])]]), ValidationError, r"row 1, column 'e': expected finite values in the array"),
    ("int-overflow", lambda: mk.Table(columns=["a"], data=[[1], [2**70]]), ValidationError, r"row 1, column 'a': integer 1180591620717411303424 does not fit in 64 bits"),
    ("naive-and-aware", lambda: mk.Table(columns=["t"], data=[[dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)], [dt.datetime(2024, 1, 1)]]), ValidationError, r"row 1, column 't': expected a time-zone aware datetime"),
    ("storage", lambda: mk.Table(storage="csv"), ValidationError, r"storage: expected one of"),
    ("max-rows-type", lambda: mk.Table(max_rows="10"), MediaTypeError, r"max_rows: expected an int or None, got str '10'"),
    ("max-rows-negative", lambda: mk.Table(max_rows=-1), ValidationError, r"max_rows: expected a number >= 0, got -1"),
    ("optional-list-length", lambda: mk.Table(columns=["a", "b"], optional=[True]), ValidationError, r"optional: expected a bool or a list of 2"),
    ("mixed-flag-type", lambda: mk.Table(allow_mixed_types="yes"), MediaTypeError, r"allow_mixed_types: expected True or False"),
]


@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs(make, exc, match):
    raises(exc, match, make)


def test_bad_add_data_and_columns():
    t = mk.Table(columns=["a", "b"], data=[[1, "x"]], max_rows=2)
    raises(MediaTypeError, r"row 1, column 'b': expected string like the rows before, got number 5", lambda: t.add_data(2, 5))
    raises(ValidationError, r"row 1: expected 2 values \(columns 'a', 'b'\), got 1", lambda: t.add_data(2))
    raises(MediaTypeError, r"row 1, column 'a': expected a number, string", lambda: t.add_data(object(), "y"))
    t.add_data(2, "y")
    raises(LimitError, r"data: 3 rows exceed max_rows=2", lambda: t.add_data(3, "z"))
    raises(ValidationError, r"data: column 'c' has 3 values, the table has 2 rows", lambda: t.add_column("c", [1, 2, 3]))
    raises(ValidationError, r"name: column 'a' already exists", lambda: t.add_column("a", [1, 2]))
    raises(ValidationError, r"name: no column 'zz' \(columns: 'a', 'b'\)", lambda: t.get_column("zz"))
    raises(ValidationError, r"convert_to: expected None or 'numpy'", lambda: t.get_column("a", convert_to="list"))
    strict = mk.Table(columns=["a"], optional=False)
    raises(ValidationError, r"row 0, column 'a': expected a value \(the column is not optional\), got None", lambda: strict.add_data(None))
    assert len(t) == 2 and len(strict) == 0


# -- NaN and infinities --------------------------------------------------------------------------------


def test_nonfinite_numbers_are_valid_json_and_lossless(store):
    t = mk.Table(columns=["x", "m"], data=[[math.nan, math.inf], [1.0, "a"], [-math.inf, -math.inf], [None, math.nan]], allow_mixed_types=True)
    desc, back = roundtrip(t, store)
    doc = strict_json(store.read(desc["path"]))
    assert doc["data"][0] == [None, None]
    assert doc["nonfinite"] == {"x": {"nan": [0], "posinf": [], "neginf": [2]}, "m": {"nan": [3], "posinf": [0], "neginf": [2]}}
    col = back.get_column("x")
    assert math.isnan(col[0]) and col[1] == 1.0 and col[2] == -math.inf and col[3] is None
    assert back.get_column("m")[:3] == [math.inf, "a", -math.inf] and math.isnan(back.get_column("m")[3])
    assert back == t


# -- files and formats ------------------------------------------------------------------------------


def test_json_table_file_is_canonical(mem):
    t = mk.Table(columns=["b", "a"], data=[[{"z": 1, "y": 2}, 1]])
    desc = t.encode(mem)
    blob = mem.read(desc["path"])
    assert blob == dumps(strict_json(blob))
    assert list(strict_json(blob)) == ["column_types", "columns", "data"]
    assert desc["media_type"] == "application/json" and desc["format"] == "json"


def test_large_tables_are_parquet_with_a_json_preview(store):
    n = 12_000
    df = pd.DataFrame({"i": np.arange(n), "f": RNG.random(n), "s": [f"r{i}" for i in range(n)]})
    df.loc[5, "f"] = np.nan
    t = mk.Table(dataframe=df, max_rows=None)
    desc, back = roundtrip(t, store)
    assert desc["format"] == "parquet" and desc["media_type"] == "application/vnd.apache.parquet"
    assert desc["preview"]["rows"] == _table_io.PREVIEW_ROWS
    preview = strict_json(store.read(desc["preview"]["path"]))
    assert len(preview["data"]) == _table_io.PREVIEW_ROWS and preview["nonfinite"] == {"f": {"nan": [5], "posinf": [], "neginf": []}}
    assert back == t and len(back) == n


@pytest.mark.parametrize("storage", ["parquet", "both"])
def test_parquet_holds_every_column_type(store, storage):
    t = mk.Table(
        columns=["n", "b", "t", "s", "l", "img", "m", "e"],
        data=[
            [1.5, True, dt.datetime(2024, 1, 2), "x", [1, 2], IMG_A, 1, np.arange(2, dtype=np.int16)],
            [None, None, None, None, None, None, math.nan, None],
            [math.inf, False, dt.datetime(2024, 1, 3), "z", [], IMG_B, IMG_A, np.arange(3, dtype=np.int16)],
        ],
        storage=storage,
        allow_mixed_types=True,
    )
    desc, back = roundtrip(t, store)
    assert back == t
    if storage == "both":
        assert desc["format"] == "json" and desc["parquet"]["media_type"] == "application/vnd.apache.parquet"
        assert store.exists(desc["parquet"]["path"])


def test_media_cells_are_encoded_into_the_store(store):
    t = mk.Table(columns=["img"], data=[[IMG_A], [IMG_A], [IMG_B]])
    desc, back = roundtrip(t, store)
    cells = [row[0] for row in strict_json(store.read(desc["path"]))["data"]]
    assert all(c["_type"] == "image" for c in cells)
    assert cells[0] == cells[1] and cells[0]["path"] != cells[2]["path"]
    for c in cells:
        check_descriptor(c)
        assert store.exists(c["path"])
    assert back.get_column("img")[2] == IMG_B


def test_failed_encode_leaves_nothing_in_the_store(store, monkeypatch):
    t = mk.Table(columns=["img", "n"], data=[[IMG_A, 1], [IMG_B, 2]])

    def boom(*args: Any, **kwargs: Any) -> bytes:
        raise mk.StorageError("disk full")

    monkeypatch.setattr(_table_io, "json_table", boom)
    raises(mk.StorageError, "disk full", lambda: t.encode(store))
    assert store.list() == []


def test_big_frames_are_typed_per_column_not_per_cell(mem, monkeypatch):
    df = pd.DataFrame(RNG.standard_normal((1_000_000, 4)), columns=list("abcd"))

    def per_cell(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a numeric frame went through per-cell inference")

    monkeypatch.setattr(_table_columns, "from_cells", per_cell)
    monkeypatch.setattr("mediakit.kinds.table.from_cells", per_cell)
    t0 = time.perf_counter()
    t = mk.Table(dataframe=df, max_rows=None)
    desc = t.encode(mem)
    assert time.perf_counter() - t0 < 10
    assert desc["nrows"] == 1_000_000 and desc["format"] == "parquet"
    assert types_of(t) == ["number"] * 4


def test_encode_of_a_dataframe_becomes_a_table(mem):
    out = mk.encode({"df": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})}, mem)
    check_descriptor(out["df"])
    assert out["df"]["_type"] == "table" and out["df"]["columns"] == ["a", "b"]


def test_encode_of_a_too_long_dataframe_is_an_error_not_a_truncation(mem):
    raises(LimitError, r"10,001 rows exceed max_rows=10,000", lambda: mk.encode({"df": pd.DataFrame({"a": np.arange(10_001)})}, mem))
    assert mem.list() == []


# -- hostile files ---------------------------------------------------------------------------------


def _store_with(blob: bytes) -> tuple[mk.Store, dict[str, Any]]:
    st = mk.MemoryStore()
    desc = mk.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]).encode(st)
    ref = st.put(blob, suffix=".json")
    return st, {**desc, **ref.to_dict()}


@pytest.mark.parametrize(
    ("doc", "exc", "match"),
    [
        (b"[1, 2", DecodeError, r"not a JSON table file"),
        (b'{"columns": ["a", "b"], "data": [[1, "x"], [2]]}', DecodeError, r"data\[1\]: expected a list of 2 values"),
        (b'{"columns": ["a", "b"], "data": [[1, "x"], [NaN, "y"]]}', DecodeError, r"NaN is not valid JSON"),
        (
            b'{"columns": ["a", "b"], "column_types": [{"type": "number", "optional": true, "dtype": "int64"}, {"type": "string", "optional": true}], "data": [["1", "x"], [2, "y"]]}',
            DecodeError,
            r"row 0: a number column cannot hold str",
        ),
        (
            b'{"columns": ["a", "b"], "column_types": [{"type": "number", "optional": true, "dtype": "object"}, {"type": "string", "optional": true}], "data": [[1, "x"], [2, "y"]]}',
            DecodeError,
            r"dtype: expected a numeric numpy dtype name",
        ),
        (
            b'{"columns": ["a", "b"], "column_types": [{"type": "number", "optional": true, "dtype": "int64"}, {"type": "string", "optional": true}], "data": [[1, "x"], [2, "y"]], "nonfinite": {"a": {"nan": [9]}}}',
            DecodeError,
            r"nonfinite.nan: expected a list of row numbers below 2",
        ),
    ],
    ids=["not-json", "ragged", "nan-literal", "wrong-cell-type", "bad-dtype", "bad-side-record"],
)
def test_hostile_table_files_are_refused(doc, exc, match):
    st, desc = _store_with(doc)
    raises(exc, match, lambda: mk.decode(desc, st))


def test_changed_table_file_is_detected():
    st = mk.MemoryStore()
    desc = mk.Table(columns=["a"], data=[[1]]).encode(st)
    st._files[desc["path"]] = b'{"columns":["a"],"data":[[2]]}'
    raises(DecodeError, r"does not match its sha256", lambda: mk.decode(desc, st))


def test_descriptor_mismatch_is_refused():
    st = mk.MemoryStore()
    desc = mk.Table(columns=["a"], data=[[1]]).encode(st)
    bad = {**desc, "nrows": 5}
    raises(DecodeError, r"does not match the descriptor", lambda: mk.decode(bad, st))
    raises(SchemaError, r"\$\.column_types\[0\]\.type: expected one of", lambda: mk.validate({**desc, "column_types": [{"type": "blob", "optional": True}]}))


# -- thumbnails -------------------------------------------------------------------------------------


def _png(b: bytes) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(b))
    im.load()
    return im


def test_thumbnail_grid_with_image_cells(store):
    red = mk.Image(np.tile(np.array([255, 0, 0], np.uint8), (32, 32, 1)))
    t = mk.Table(columns=["id", "image", "text"], data=[[i, red, f"row {i}"] for i in range(20)])
    desc = t.encode(store)
    a, b = mk.thumbnail(desc, store, size=256), mk.thumbnail(desc, store, size=256)
    assert a == b
    im = _png(a).convert("RGB")
    assert im.width == 256 and 64 <= im.height <= 256
    px = np.asarray(im)
    assert ((px[..., 0] > 200) & (px[..., 1] < 50) & (px[..., 2] < 50)).sum() > 200  # the red thumbnails
    assert (px < 100).all(axis=-1).sum() > 100  # text


def test_thumbnail_of_parquet_table_uses_the_preview(mem):
    t = mk.Table(columns=["x"], data=[[i] for i in range(5)], storage="parquet")
    desc = t.encode(mem)
    im = _png(mk.thumbnail(desc, mem, size=128))
    assert im.width == 128 and np.asarray(im.convert("L")).min() < 100


def test_thumbnail_refuses_huge_table_files(mem):
    desc = mk.Table(columns=["x"], data=[[1]]).encode(mem)
    raises(LimitError, r"larger than the .* bytes a thumbnail reads", lambda: mk.thumbnail({**desc, "size": 10**12}, mem))


def test_thumbnail_survives_broken_media_cells(mem):
    desc = mk.Table(columns=["img"], data=[[IMG_A]]).encode(mem)
    doc = strict_json(mem.read(desc["path"]))
    doc["data"][0][0]["path"] = "media/00/missing.png"
    ref = mem.put(dumps(doc), suffix=".json")
    im = _png(mk.thumbnail({**desc, **ref.to_dict()}, mem, size=128))
    assert im.width == 128


# -- issue 10: the tracker's call forms, no silent data loss ------------------------------------------


def test_positional_frame_is_the_data_not_the_column_names():
    t = mk.Table(pd.DataFrame([["a", 1], ["b", 2]]))
    assert t.columns == ["0", "1"] and t.data == [["a", 1], ["b", 2]]
    pl = pytest.importorskip("polars")
    t = mk.Table(pl.DataFrame({"x": [1.5, None], "y": ["p", "q"]}))
    assert t.columns == ["x", "y"] and t.data == [[1.5, "p"], [None, "q"]]


def test_uint64_stays_uint64_end_to_end(mem):
    big = 2**60 + 1
    t = mk.Table(columns=["id", "v"])
    t.add_data(np.uint64(big), 1)
    t.add_data(2**64 - 1, 2)
    t.add_data(7, 3)
    assert t.column_types[0] == {"type": "number", "optional": True, "dtype": "uint64"}
    assert t.get_column("id") == [big, 2**64 - 1, 7]
    assert t.get_column("id", convert_to="numpy").dtype == np.uint64
    desc, back = roundtrip(t, mem)
    assert strict_json(mem.read(desc["path"]))["data"][0] == [big, 1]
    assert back.get_column("id") == [big, 2**64 - 1, 7] and back.column_types == t.column_types
    t.storage = "parquet"
    desc = t.encode(mem)
    back = mk.decode(desc, mem)
    assert back.get_column("id") == [big, 2**64 - 1, 7] and back.column_types[0]["dtype"] == "uint64"
    # int64 rows, then a uint64-only value: the column becomes uint64 when nothing is negative
    t = mk.Table(columns=["id"], data=[[1], [2]])
    t.add_data(2**63 + 5)
    assert t.get_column("id") == [1, 2, 2**63 + 5] and t.column_types[0]["dtype"] == "uint64"
    # ... and is refused when a negative value makes every 64-bit type lossy
    t = mk.Table(columns=["id"], data=[[-1]])
    t.add_data(2**63 + 5)
    raises(ValidationError, r"row 1, column 'id': integer 9223372036854775813 cannot be stored exactly in a float64 column", lambda: t.data)
    # pandas' and polars' uint64 columns keep their values
    assert mk.Table(dataframe=pd.DataFrame({"u": pd.array([2**64 - 1, None], dtype="UInt64")})).get_column("u") == [2**64 - 1, None]


def test_complex_values_are_refused_not_truncated():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's ComplexWarning must not be the only sign
        raises(ValidationError, r"row 0, column 'x': cannot cast \(1\+2j\) to float64 \(complex numbers are not stored", lambda: mk.Table(columns=["x"], data=[[np.complex128(1 + 2j)]], dtype="number"))
        t = mk.Table(columns=["x"], dtype="number")
        t.add_data(1.5)
        raises(ValidationError, r"row 1, column 'x': cannot cast \(3\+0j\) to float64", lambda: t.add_data(np.complex64(3)))
        raises(ValidationError, r"row 0, column 'x': cannot cast \(1\+0j\) to float64", lambda: mk.Table(columns=["x"], data=np.array([[1 + 0j]]), dtype="number"))
    assert len(t) == 1


def test_add_row_is_add_data():
    t = mk.Table(columns=["a", "b"])
    t.add_row(1, "x")
    t.add_data(2, "y")
    assert t.data == [[1, "x"], [2, "y"]]
    raises(ValidationError, r"row 2: expected 2 values", lambda: t.add_row(3))


def test_add_computed_columns_and_get_dataframe():
    t = mk.Table(columns=["x", "y"], data=[[3, 1], [4, 6]])
    t.add_computed_columns(lambda ndx, row: {"diff": row["x"] - row["y"], "i": ndx})
    assert t.columns == ["x", "y", "diff", "i"] and t.get_column("diff") == [2, -2] and t.get_column("i") == [0, 1]
    assert t.get_dataframe()["diff"].tolist() == [2, -2]
    raises(MediaTypeError, r"fn: expected a dict of new column -> value for row 0, got int 1", lambda: t.add_computed_columns(lambda i, r: 1))
    raises(ValidationError, r"fn: row 1 gave columns \['b'\], row 0 gave \['a'\]", lambda: t.add_computed_columns(lambda i, r: {"a": 1} if i == 0 else {"b": 2}))


def test_get_column_numpy_stacks_image_pixels_and_arrays():
    t = mk.Table(columns=["img", "emb"], data=[[IMG_A, np.arange(3.0)], [IMG_B, np.ones(3)]])
    px = t.get_column("img", convert_to="numpy")
    assert isinstance(px, np.ndarray) and px.shape == (2, 12, 10, 3) and px.dtype == np.uint8
    np.testing.assert_array_equal(px[1], IMG_B.pixels)
    emb = t.get_column("emb", convert_to="numpy")
    assert emb.shape == (2, 3) and emb.dtype == np.float64
    # cells that cannot be stacked: one object array of per-row values, never an error
    small = mk.Image(np.zeros((8, 6, 3), np.uint8))
    ragged = mk.Table(columns=["img"], data=[[IMG_A], [small], [None]]).get_column("img", convert_to="numpy")
    assert ragged.dtype == object and ragged.shape == (3,) and ragged[1].shape == (8, 6, 3) and ragged[2] is None
    lists = mk.Table(columns=["l"], data=[[[1, 2]], [[3]]]).get_column("l", convert_to="numpy")
    assert lists.dtype == object and lists.tolist() == [[1, 2], [3]]


def test_nd_array_rows_are_array_cells(mem):
    data = RNG.random((4, 2, 3, 2)).astype(np.float32)
    t = mk.Table(columns=["a", "b"], data=data)
    assert t.column_types == [{"type": "array", "optional": True, "dtype": "float32"}] * 2
    np.testing.assert_array_equal(t.get_column("b", convert_to="numpy"), data[:, 1])
    _, back = roundtrip(t, mem)
    np.testing.assert_array_equal(back.get_column("a", convert_to="numpy"), data[:, 0])


def test_lists_and_arrays_share_a_column(mem):
    t = mk.Table(columns=["v"], data=[[[1, 2]]])
    t.add_data(np.array([3, 4]))
    t.add_data(None)
    assert t.column_types[0]["type"] == "list" and t.get_column("v") == [[1, 2], [3, 4], None]
    t = mk.Table(columns=["v"], data=[[np.array([0.5])]])
    t.add_data([1, "x"])
    assert t.get_column("v") == [[0.5], [1, "x"]]
    _, back = roundtrip(t, mem)
    assert back == t


@pytest.mark.parametrize("storage", ["json", "parquet"])
def test_media_inside_dict_and_list_cells(mem, storage):
    t = mk.Table(columns=["d", "n"], data=[[{"img": IMG_A, "meta": {"k": 1}}, 1], [{"imgs": [IMG_B, None, IMG_A], "_type": "mine"}, 2], [None, 3]], storage=storage)
    desc, back = roundtrip(t, mem)
    assert back == t
    d0 = back.get_column("d")[0]
    assert isinstance(d0["img"], mk.Image) and d0["meta"] == {"k": 1}
    assert back.get_column("d")[1]["_type"] == "mine"  # the user's own "_type" key stays data
    if storage == "json":
        doc = strict_json(mem.read(desc["path"]))
        assert doc["nested_media"] == {"d": [[0, "img"], [1, "imgs", 0], [1, "imgs", 2]]}
        cell = doc["data"][0][0]["img"]
        assert cell["_type"] == "image" and mem.exists(cell["path"])
    # a nested_media place that does not hold a descriptor is refused
    bad = mk.Table(columns=["d"], data=[[{"x": 1}]])
    blob = _table_io.json_table(bad._columns, {})
    doc = json.loads(blob)
    doc["nested_media"] = {"d": [[0, "x"]]}
    with pytest.raises(DecodeError, match=r"row 0: nested_media place \[0, 'x'\] does not hold a descriptor"):
        _table_io.columns_from_json(doc, mem)


def test_tz_aware_columns_are_written_as_utc_instants(mem):
    when = pd.to_datetime(["2024-01-01 00:00", None]).tz_localize("Europe/Paris")
    t = mk.Table(dataframe=pd.DataFrame({"when": when}))
    desc, back = roundtrip(t, mem)
    doc = strict_json(mem.read(desc["path"]))
    assert doc["data"] == [["2023-12-31T23:00:00.000000Z"], [None]]
    assert doc["column_types"][0]["tz"] == "Europe/Paris"
    assert back == t and back.to_pandas()["when"][0] == pd.Timestamp("2024-01-01 00:00", tz="Europe/Paris")
    # Python datetimes keep their zone when the column shares one; a fixed offset is named +HH:MM
    paris = mk.Table(columns=["t"], data=[[dt.datetime(2024, 1, 1, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Paris"))]])
    assert paris.column_types[0]["tz"] == "Europe/Paris"
    fixed = mk.Table(columns=["t"], data=[[dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))]])
    assert fixed.column_types[0]["tz"] == "+05:30"
    assert fixed.to_pandas()["t"][0] == pd.Timestamp("2024-01-01", tz="+05:30")
    both = mk.Table(columns=["t"], data=[[dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)], [pd.Timestamp("2024-01-01", tz="Asia/Tokyo")]])
    assert both.column_types[0]["tz"] == "UTC"


# -- issue 12: the fast JSON writer gives the canonical bytes -------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

_floats = hst.floats(allow_nan=True, allow_infinity=True) | hst.sampled_from([1e-5, 9.999e-05, 1e-4, 1e16, 1e-7, -0.0, 5e-324, 1.7976931348623157e308, 123456789.125])
_text = hst.text(hst.characters(exclude_categories=("Cs",)), max_size=8)
_json = hst.recursive(hst.none() | hst.booleans() | hst.integers(-(2**70), 2**70) | hst.floats(allow_nan=False, allow_infinity=False) | _text, lambda c: hst.lists(c, max_size=3) | hst.dictionaries(_text, c, max_size=3), max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    f=hst.lists(_floats, min_size=1, max_size=12),
    f32=hst.lists(hst.floats(width=32, allow_nan=False), min_size=1, max_size=4),
    s=hst.lists(_text | hst.none(), min_size=1, max_size=4),
    nested=hst.lists(_json, min_size=1, max_size=4),
    mixed=hst.lists(hst.none() | hst.integers(-(2**70), 2**70) | _floats | _text | hst.lists(_floats.filter(math.isfinite), max_size=3), min_size=1, max_size=4),
)
def test_fast_json_writer_gives_the_canonical_bytes(f, f32, s, nested, mixed):
    pytest.importorskip("orjson")  # the table extra
    n = min(map(len, (f, f32, s, nested, mixed)))
    rows = [[f[i], f32[i], s[i], [nested[i]], mixed[i], np.array([f32[i], 1e-6]), dt.datetime(2024, 1, 1, i)] for i in range(n)]
    try:
        t = mk.Table(columns=["f", "f32", "s", "l", "m", "arr", "t"], data=rows, dtype={"f32": "float32"}, allow_mixed_types=True)
    except MediaTypeError:
        return  # an array cell with non-finite values or similar: not the writer's business
    except ValidationError:
        return
    slow = _table_io.json_table(t._columns, {}, fast=False)
    fast = _table_io.json_table(t._columns, {}, fast=True)
    assert fast == slow
    assert _table_io.json_table(t._columns, {}, fast=True, rows=1) == _table_io.json_table(t._columns, {}, fast=False, rows=1)


def test_fast_json_writer_on_the_benchmark_table_and_nested_media(mem):
    pytest.importorskip("orjson")
    rng = np.random.default_rng(0)
    rows = [[f"text {i} é", i, float(rng.random()) * 10.0 ** int(rng.integers(-9, 20)), i % 3 == 0, None if i % 7 == 0 else float(rng.normal()), f"class_{i % 10}"] for i in range(2000)]
    t = mk.Table(columns=["text", "id", "score", "flag", "metric", "label"], data=rows)
    assert _table_io.json_table(t._columns, {}, fast=True) == _table_io.json_table(t._columns, {}, fast=False)
    t = mk.Table(columns=["d", "img"], data=[[{"img": IMG_A, "x": 1e-5}, IMG_B]])
    media = _table_io.encode_media(t._columns, mem)
    assert _table_io.json_table(t._columns, media, fast=True) == _table_io.json_table(t._columns, media, fast=False)
    # text that is not Unicode (a lone surrogate) is a clear error on both paths
    bad = mk.Table(columns=["s"], data=[["ok \ud800"]])
    for fast in (True, False):
        raises(ValidationError, r"data: text .* holds a lone surrogate", lambda fast=fast: _table_io.json_table(bad._columns, {}, fast=fast))


@pytest.mark.parametrize(
    ("cells", "dtype"),
    [
        ([1, 2, 3], "int64"),
        ([2**63 - 1, -(2**63), 0], "int64"),  # int64's ends
        ([2**63, 1], "uint64"),  # past int64 (np.array alone would round to float64)
        ([1.5, float("nan"), float("inf"), -0.0], "float64"),
        ([1.5, None, float("nan")], "float64"),  # None is missing, NaN a value
        ([True, False, True], "bool"),
        ([True, None], "bool"),
        ([1, None, 3], "int64"),
    ],
)
def test_columns_of_one_python_type_keep_every_value(cells, dtype):
    # Single-type columns are read with np.fromiter (one type pass shared by the builders): every
    # value exact, in the dtype the general path picks, missing cells masked.
    from mediakit.kinds._table_columns import from_cells

    col = from_cells("c", tuple(cells))
    missing = np.array([c is None for c in cells])
    assert col.values.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(col.values[~missing], np.array([c for c in cells if c is not None], dtype=dtype))
    np.testing.assert_array_equal(col.missing(), missing)
