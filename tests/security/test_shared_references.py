"""Descriptors built in Python may hold one list or object many times (JSON text cannot).

Written out, a list holding one list 300 times, three levels deep, is 27 million values from
900 in memory; every walk, copy or serialisation of it (validation's content-path rule, the
file references a thumbnail reads, a chart's decode) took seconds to minutes, and one level more
would exhaust memory. Such a value is refused before the work: a ``LimitError`` when written
out it is more than 4x what it holds in memory (beyond a million values), a ``SchemaError``
when it holds itself. Modest sharing stays valid."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import mediakit as mk
from mediakit._schema import SHARED_SLACK, free_walk

BOMB = [[[0.5] * 300] * 300] * 300
STORE = mk.MemoryStore()


def _chart() -> dict:
    return mk.plot.line(mk.Table(columns=["x", "y"], data=[[0, 1], [1, 2]]), "x", "y", title="t").encode(STORE)


def _call(name: str, desc: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        {"validate": mk.validate, "decode": lambda d: mk.decode(d, STORE), "thumbnail": lambda d: mk.thumbnail(d, STORE, size=32)}[name](desc)


@pytest.mark.parametrize("call", ["validate", "decode", "thumbnail"])
@pytest.mark.parametrize("where", ["spec", "string_fields"])
def test_shared_reference_bomb_in_free_content_is_refused_at_once(call: str, where: str) -> None:
    desc = _chart()
    desc[where]["title" if where == "spec" else "k"] = BOMB
    t0 = time.perf_counter()
    with pytest.raises(mk.LimitError, match=rf"^\$\.{where}: holds the same list or object so many times that, written out, it is more than 4x"):
        _call(call, desc)
    assert time.perf_counter() - t0 < 0.5


def test_a_value_holding_itself_is_refused() -> None:
    desc = _chart()
    loop: list = [1]
    loop.append(loop)
    desc["spec"]["title"] = loop
    with pytest.raises(mk.SchemaError, match=r"^\$\.spec: holds itself \(a reference cycle\)") as e:
        mk.validate(desc)
    assert e.value.field == "$.spec"


def test_modest_sharing_stays_valid() -> None:
    desc = _chart()
    shared = {"text": "same"}
    desc["spec"]["usermeta"] = {"a": shared, "b": [shared] * 1000}
    assert mk.validate(desc) is desc


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (BOMB, "shared"),
        ({"k": [BOMB]}, "shared"),
        ([[0] * 10] * 1000, None),  # 11,001 values from 1,011: under the slack
        ([[0] * 100] * (SHARED_SLACK // 50), "shared"),
        ({"path": "media/ab/cd.png", "sha256": "ef"}, "path"),
        ([1, [2, [3, {"a": None}]]], None),
    ],
    ids=["bomb", "nested bomb", "small sharing", "wide sharing", "bad path", "plain"],
)
def test_free_walk_verdicts(value: object, verdict: str | None) -> None:
    assert free_walk(value) == verdict


def test_free_walk_is_linear_in_what_is_held() -> None:
    deep = [np.float64(1.0)]
    for _ in range(25):
        deep = [deep, deep]  # 2^25 leaves written out, 50 references in memory
    t0 = time.perf_counter()
    assert free_walk(deep, max_depth=64) == "shared"
    assert time.perf_counter() - t0 < 0.05


def _deep(n: int) -> list:
    x: list = []
    for _ in range(n):
        x = [x]
    return x


TABLE = mk.Table(columns=["x", "y"], data=[[0, 1], [1, 2]])
ENTRY_POINTS = {
    "table cell": (lambda v: mk.Table(columns=["a"], data=[[v]]), r"row 0, column 'a'"),
    "table dict cell": (lambda v: mk.Table(columns=["a"], data=[[{"k": v}]]), r"row 0, column 'a'"),
    "plotly figure": (lambda v: mk.Plotly({"data": [{"type": "scatter", "x": v}], "layout": {}}), r"figure"),
    "chart string field": (lambda v: mk.plot_table("mediakit/line", TABLE, {"x": "x", "y": "y"}, {"title": v}), r"string_fields\['title'\]"),
    "chart user spec": (lambda v: mk.plot_table("mediakit/line", TABLE, {"x": "x", "y": "y"}, spec={"mark": "line", "title": v}), r"spec"),
    "encode": (lambda v: mk.encode({"a": v}, mk.MemoryStore()), r"value"),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    ("value", "error", "what"),
    [
        (BOMB, mk.LimitError, "holds the same list or object so many times"),
        (_deep(100_000), mk.LimitError, "nested more than 512 levels deep; flatten it"),
        (None, mk.ValidationError, r"holds itself \(a reference cycle\)"),
    ],
    ids=["shared bomb", "deep", "cycle"],
)
def test_python_json_data_is_refused_before_any_recursion(entry: str, value: object, error: type, what: str) -> None:
    """Before, these cost a minute of walking and copying (bomb) or let RecursionError out."""
    if value is None:
        value = [1]
        value.append(value)  # type: ignore[attr-defined]
    make, field = ENTRY_POINTS[entry]
    t0 = time.perf_counter()
    with pytest.raises(error, match=rf"^{field}: {what}"):
        make(value)
    assert time.perf_counter() - t0 < 1.0


class _Huge:
    """Array-like data numpy cannot allocate (what a nested list expanding to 60 GiB does)."""

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        raise MemoryError("Unable to allocate 60.3 GiB for an array with shape (300, 300, 300, 300) and data type float64")

    def __len__(self) -> int:
        return 300


class _HugeInt(int):
    """An int whose use as a bin count runs out of memory."""

    def __index__(self) -> int:
        raise MemoryError("Unable to allocate 60.3 GiB for an array with shape (300, 300, 300, 300) and data type float64")

    def __int__(self) -> int:
        return self.__index__()


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: mk.Histogram(_Huge()), "sequence: the _Huge needs more memory than is available as an array"),
        (lambda: mk.Audio(_Huge(), sample_rate=8000), "data: the _Huge needs more memory than is available as an array"),
        (lambda: mk.Image(_Huge()), "data: the _Huge needs more memory than is available as an array"),
        (lambda: mk.Histogram([1.0], num_bins=_HugeInt()), "Histogram: the input needs more memory than is available"),
    ],
    ids=["Histogram", "Audio", "Image", "constructor guard"],
)
def test_an_array_too_big_to_allocate_is_a_limit_error_from_any_constructor(make: object, name: str) -> None:
    """numpy's MemoryError is a LimitError naming the field where arrays are made, and any other
    MemoryError inside a kind's constructor is a LimitError too (the constructor guard)."""
    with pytest.raises(mk.LimitError, match=rf"^{name} .*Unable to allocate 60.3 GiB"):
        make()  # type: ignore[operator]


def test_object3d_bounds_have_one_zero() -> None:
    """Found by the property suite: with both -0.0 and 0.0 in a coordinate, which zero min()
    returns depends on the order the reduction meets them, so decoding and encoding again gave
    other descriptor bytes. Bounds hold +0.0."""
    pts = np.array([[0.0, 0.0, -0.5], [-0.0, -0.0, 3.0], [1.0, 0.0, 1.0]])
    store = mk.MemoryStore()
    desc = mk.Object3D(pts).encode(store)
    assert [str(x) for x in desc["bounds"]["min"]] == ["0.0", "0.0", "-0.5"]
    again = mk.decode(desc, store).encode(store)
    assert again["bounds"] == desc["bounds"] and again["sha256"] == desc["sha256"]
