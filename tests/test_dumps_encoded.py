"""_descriptor.dumps_encoded: orjson's speed, the standard library's bytes, for encode output."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mediakit as mk
from mediakit._descriptor import dumps, dumps_encoded

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(json_values)
def test_same_bytes_as_the_standard_library(value: Any) -> None:
    assert dumps_encoded(value) == dumps(value)


@pytest.mark.parametrize("x", [1e-05, 2.5e-7, -3e-5, 5e-324, 1e16, 1e300, 0.0001, -0.0])
def test_floats_orjson_writes_differently_are_written_as_python_does(x: float) -> None:
    assert dumps_encoded({"v": [x, None]}) == dumps({"v": [x, None]})


nested_with_nonfinite = st.recursive(
    st.floats() | st.integers(-5, 5) | st.none() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=4), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(nested_with_nonfinite)
def test_encode_output_never_holds_a_non_finite_float(value: Any) -> None:
    """dumps_encoded's contract: orjson would write NaN as null, so encode must never pass one."""
    row = mk.encode({"x": value}, mk.MemoryStore())

    def floats(v: Any) -> list[float]:
        if isinstance(v, float):
            return [v]
        if isinstance(v, dict):
            return [f for x in v.values() for f in floats(x)]
        if isinstance(v, list):
            return [f for x in v for f in floats(x)]
        return []

    assert all(math.isfinite(f) for f in floats(row))
    assert dumps_encoded(row) == dumps(row)


def test_what_orjson_refuses_goes_through_dumps() -> None:
    assert dumps_encoded({1: "int key"}) == dumps({1: "int key"})
    assert dumps_encoded({"big": 2**80}) == b'{"big":1208925819614629174706176}'
    with pytest.raises(mk.MediaTypeError):
        dumps_encoded({"np": np.arange(3)})


def test_a_run_history_line_is_canonical_json(tmp_path: Any) -> None:
    run = mk.Run(tmp_path / "run")
    run.log({"loss": 1e-05, "acc": 0.5, "img": mk.Image(np.zeros((5, 6, 3), np.uint8), caption=None)})
    run.finish()
    line = (tmp_path / "run" / "history.jsonl").read_bytes().splitlines()[0]
    assert line == dumps(mk._descriptor.loads(line))
