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


def test_non_finite_floats_are_refused_like_dumps_not_written_as_null() -> None:
    for bad in ({"a": math.nan, "b": None}, [math.inf], {"x": {"y": [None, -math.inf]}}):
        with pytest.raises(mk.SchemaError, match="non-finite"):
            dumps_encoded(bad)


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
