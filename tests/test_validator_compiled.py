"""The compiled schema predicate (the fast path of validation) accepts exactly what the
interpreter and the content-path rule accept: on every GOOD conformance descriptor, and on
thousands of mutations of rich descriptors (every field replaced by values of every JSON type,
deleted, or joined by an unknown key), including the column-wise checks of long box lists. And
the box fast path of the Image constructor gives the same boxes as the full check."""

from __future__ import annotations

import copy
import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from conformance_cases import TABLES
from hypothesis import given, settings
from hypothesis import strategies as st
from plugin_kind import Spectrum

import mediakit as mk
from mediakit._descriptor import _check_content_paths
from mediakit._errors import MediakitError
from mediakit._registry import unregister_kind
from mediakit._schema import validator_for
from mediakit.kinds import _overlays as ov

VALUES: list[Any] = [None, True, False, 0, -1, 7, 2.5, -0.0, math.nan, math.inf, -math.inf, np.float64(math.inf), np.float64(1.5), "", "x", "pixel", [], [1, 2], {}, {"a": 1}]


@pytest.fixture(autouse=True, params=["native", "python"])
def predicate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test here runs twice: with the column checks in C (``mediakit._speedups``, built at
    install) and in pure Python (what an install without a C compiler uses). Each validator
    compiles its predicate afresh in each mode."""
    from mediakit import _native, _schema

    if request.param == "native" and _native.speedups() is None:
        if os.environ.get("CI"):
            pytest.fail("mediakit._speedups was not built: the install step must compile it")
        pytest.skip("mediakit._speedups is not built here (no C compiler at install)")
    if request.param == "python":
        monkeypatch.setattr(_native, "speedups", lambda: None)
    for v in _schema._validators.values():
        v._fast = None
    yield request.param
    for v in _schema._validators.values():
        v._fast = None


@pytest.fixture(scope="module", autouse=True)
def plugin_kind() -> Iterator[None]:
    """The conformance tables include a plugin kind: registered while this module runs."""
    mk.register_kind(Spectrum)
    try:
        yield
    finally:
        unregister_kind("spectrum")


def slow_ok(desc: Any, kind: str | None = None) -> bool:
    """The verdict of the interpreter and the content-path walker (the reference)."""
    v = validator_for(kind or desc["_type"])
    try:
        v.check(desc)
        _check_content_paths(desc, "$")
    except mk.SchemaError:
        return False
    return True


def fast_ok(desc: Any, kind: str | None = None) -> bool:
    return validator_for(kind or desc["_type"]).accepts(desc)


def _box(i: int, form: str) -> dict[str, Any]:
    if form == "minmax":
        pos: dict[str, Any] = {"minX": i, "maxX": i + 2.5, "minY": 0.5, "maxY": 3}
    else:
        pos = {"middle": [i + 0.5, 2], "width": 3, "height": 1.5}
    return {"position": pos, "domain": "pixel", "class_id": i % 3, "box_caption": f"b{i}", "scores": {"p": 0.5, "q": i}}


def rich_image() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = mk.Image(
            np.arange(96, dtype=np.uint8).reshape(8, 12),
            caption="c",
            classes=[{"id": 1, "name": "one"}],
            masks={"m": {"mask_data": np.eye(8, 12, dtype=np.uint8), "class_labels": {1: "one"}}},
            boxes={
                "minmax": {"box_data": [_box(i, "minmax") for i in range(4)], "class_labels": {1: "one"}},
                "middle": {"box_data": [_box(i, "middle") for i in range(3)], "class_labels": {2: "two"}},
                "mixed": {"box_data": [_box(0, "minmax"), _box(1, "middle"), {"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}}]},
            },
        )
    return img.encode(mk.MemoryStore())


def rich_list() -> dict[str, Any]:
    return mk.encode([mk.Image(np.zeros((4, 4), np.uint8)), mk.Image(np.ones((4, 5), np.uint8), caption="x")], mk.MemoryStore())


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*at, i))
    return out


def _mutants(desc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in _paths(desc)[1:]:
        for value in [*VALUES, "<delete>", "<extra>"]:
            d = copy.deepcopy(desc)
            parent = d
            for k in path[:-1]:
                parent = parent[k]
            if value == "<delete>":
                del parent[path[-1]]
            elif value == "<extra>":
                target = parent[path[-1]]
                if not isinstance(target, dict):
                    continue
                target["unknown"] = 1
            else:
                parent[path[-1]] = copy.deepcopy(value)
            out.append((f"{path}={value!r}", d))
    return out


@pytest.mark.parametrize("make", [rich_image, rich_list], ids=["image", "list"])
def test_compiled_agrees_with_interpreter_on_mutations(make: Any) -> None:
    desc = make()
    assert fast_ok(desc) and slow_ok(desc)
    mutants = _mutants(desc)
    assert len(mutants) > 500
    rejected = 0
    kind = desc["_type"]
    for label, d in mutants:
        slow = slow_ok(d, kind)
        assert fast_ok(d, kind) == slow, label
        rejected += not slow
        if not slow:  # validate() raises the interpreter's error naming the field
            with pytest.raises(mk.SchemaError):
                mk.validate(d)
    assert rejected > len(mutants) // 3  # the mutations do exercise refusals


def test_compiled_content_path_rule() -> None:
    desc = rich_image()
    other = "0" * 64
    for at in (desc, desc["masks"]["m"]):
        d = copy.deepcopy(desc)
        target = d if at is desc else d["masks"]["m"]
        target["sha256"] = other
        assert not fast_ok(d) and not slow_ok(d)
        with pytest.raises(mk.SchemaError, match=r"path: expected the content path of sha256 000000000000"):
            mk.validate(d)


@pytest.mark.parametrize(
    ("kind", "case"),
    [pytest.param(k, c, id=f"{k}-{c.id}") for k, table in TABLES.items() for c in table if c.good],
)
def test_compiled_accepts_every_good_descriptor(kind: str, case: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        desc = mk.encode(case.make(), mk.MemoryStore()) if kind != "list" else case.make().encode(mk.MemoryStore())
    if not isinstance(desc, dict) or "_type" not in desc:
        pytest.skip("not a descriptor")  # mk.encode of a plain value
    assert fast_ok(desc)
    assert slow_ok(desc)


def _many_boxes(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    xs = rng.uniform(0, 400, (n, 2))
    boxes = [
        {
            "position": {"minX": float(x), "maxX": float(x) + 10, "minY": float(y), "maxY": float(y) + 5},
            "domain": "pixel",
            "class_id": i % 5,
            "box_caption": "c",
            "scores": {"confidence": 0.5},
        }
        for i, (x, y) in enumerate(xs)
    ]
    with warnings.catch_warnings():  # unlabeled ids, boxes outside the tiny image: expected here
        warnings.simplefilter("ignore")
        img = mk.Image(np.zeros((8, 8), np.uint8), boxes={"p": {"box_data": boxes, "class_labels": {1: "a"}}})
    return img.encode(mk.MemoryStore())


@pytest.mark.parametrize(
    ("where", "value"),
    [("minX", math.nan), ("maxY", "3"), ("minY", True), ("maxX", None), ("minX", np.float64(math.inf))],
)
def test_column_checks_find_one_bad_box_among_many(where: str, value: Any) -> None:
    desc = _many_boxes(5000)
    assert fast_ok(desc)
    desc["boxes"]["p"]["box_data"][4321]["position"][where] = value
    assert not fast_ok(desc)
    with pytest.raises(mk.SchemaError, match=r"\$\.boxes\.p\.box_data\[4321\]\.position"):
        mk.validate(desc)


def test_column_checks_find_a_bad_key_or_score() -> None:
    desc = _many_boxes(3000)
    desc["boxes"]["p"]["box_data"][2999]["extra"] = 1
    with pytest.raises(mk.SchemaError, match=r"\$\.boxes\.p\.box_data\[2999\]: unexpected field 'extra'"):
        mk.validate(desc)
    desc = _many_boxes(3000)
    desc["boxes"]["p"]["box_data"][7]["scores"]["iou"] = math.inf
    with pytest.raises(mk.SchemaError, match=r"box_data\[7\]\.scores\.iou: expected a finite number"):
        mk.validate(desc)
    desc = _many_boxes(3000)
    desc["boxes"]["p"]["box_data"][8]["domain"] = "fraction"
    with pytest.raises(mk.SchemaError, match=r"box_data\[8\]\.domain"):
        mk.validate(desc)


def test_many_valid_boxes_never_reach_the_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of compiling: 20,000 valid boxes are accepted by the compiled column checks
    alone; the interpreter (microseconds per value, kept for naming errors) never runs. (How
    fast that is lives in the benchmark suite: "Validate a descriptor with 100,000 boxes".)"""
    desc = _many_boxes(20_000)
    v = validator_for("image")

    def interpreter(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the interpreter ran on a valid descriptor")

    monkeypatch.setattr(v, "_check", interpreter)
    v._fast = None  # compile afresh, with the interpreter unavailable
    assert v.accepts(desc)
    bad = copy.deepcopy(desc)
    bad["boxes"]["p"]["box_data"][12_345]["position"]["maxY"] = "2"
    assert not v.accepts(bad)


# -- the Image constructor's box fast path ------------------------------------------------------

numbers = st.one_of(
    st.integers(-10, 10), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(), st.just("1"), st.just(np.float32(2.0))
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"position": st.fixed_dictionaries({"minX": numbers, "maxX": numbers, "minY": numbers, "maxY": numbers})},
        optional={
            "domain": st.sampled_from(["pixel", None, "x", 1]),
            "class_id": st.one_of(st.integers(0, 5), st.none(), st.just(1.0), st.just(True), st.just(np.int64(3))),
            "box_caption": st.one_of(st.text(max_size=3), st.none(), st.just(3)),
            "scores": st.one_of(st.none(), st.dictionaries(st.sampled_from(["a", "b", 1]), numbers, max_size=2)),
            "other": st.just(1),
        },
    )
)
def test_plain_box_fast_path_matches_full_check(box: dict[str, Any]) -> None:
    fast = ov._plain_box(box)
    try:
        full = ov._check_box(box, "b")
    except MediakitError:
        assert fast is None
        return
    assert fast is None or (fast == full and list(fast) == list(full) and all(type(fast[k]) is type(full[k]) for k in fast))


# -- long lists are checked in blocks; maps of scores key by key ---------------------------------


@pytest.mark.parametrize("index", [0, 2047, 2048, 4095, 4096, 5999])
def test_block_boundaries_do_not_hide_a_bad_box(index: int) -> None:
    """Long box lists are checked one block of ``CHUNK`` values at a time: a bad value on
    either side of a block boundary, or in the short last block, is still found."""
    from mediakit import _schema_compile

    assert _schema_compile.CHUNK == 2048
    desc = _many_boxes(6000)
    assert fast_ok(desc)
    desc["boxes"]["p"]["box_data"][index]["position"]["minY"] = math.nan
    assert not fast_ok(desc)
    assert not slow_ok(desc)


def _scored(scores: list[Any]) -> dict[str, Any]:
    desc = _many_boxes(len(scores))
    for box, s in zip(desc["boxes"]["p"]["box_data"], scores, strict=True):
        box["scores"] = s
    return desc


@pytest.mark.parametrize(
    "scores",
    [
        # every box with the first box's keys (the key-by-key path)
        [{"a": 0.5, "b": 1}] * 3000,
        # keys in another order in some boxes: same keys, still valid
        [{"a": 0.5, "b": 1}, {"b": 2.0, "a": 0.25}] * 1500,
        # some boxes with fewer, more or other keys: the general path, still valid
        [{"a": 0.5}, {"a": 0.5, "b": 1.0}, {}, {"c": 3}] * 750,
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5, "b": 1.0, "c": 2.0}],
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5}],
        # invalid: a bad value behind a key the first box has or lacks, a key that is no string
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5, "b": "x"}],
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5, "c": math.inf}],
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5, "b": 1.0, "c": "x"}],
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5, "b": 1.0, 7: 1.0}],
        [{"a": 0.5, "b": 1.0}] * 2999 + [{"a": 0.5, 7: 1.0}],
        [{"a": 0.5, 7: 1.0}] + [{"a": 0.5}] * 2999,
        [{"a": True}] + [{"a": 0.5}] * 2999,
        [{"a": 0.5}] * 2999 + [[("a", 0.5)]],
    ],
)
def test_scores_checked_key_by_key_agree_with_interpreter(scores: list[Any]) -> None:
    desc = _scored(copy.deepcopy(scores))
    valid = all(isinstance(s, dict) and all(isinstance(k, str) and type(v) in (int, float) and math.isfinite(v) for k, v in s.items()) for s in scores)
    assert slow_ok(desc) is valid
    assert fast_ok(desc) is valid
