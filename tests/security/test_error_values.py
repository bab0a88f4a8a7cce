"""Values quoted in error messages: a stranger's value must not make the message the attack.

``repr`` of a list holding the same list thousands of times (shared references are a few KB of
memory) takes seconds to minutes; an int of more than 4,300 digits makes ``repr`` raise
``ValueError``. Messages quote values through :func:`mediakit._errors.shown`, bounded in length
and in time."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import mediakit as mk
from mediakit._errors import shown

SHARED = [[[0] * 2000] * 2000] * 2000  # 8e9 elements by repr, 40 KB in memory


def test_shown_is_bounded_in_time_and_length() -> None:
    t0 = time.perf_counter()
    text = shown(SHARED)
    assert time.perf_counter() - t0 < 0.05
    assert len(text) == 80 and text.startswith("[[[0, 0, ") and text.endswith("...")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (10**5000, "<int of 5001 digits>"),
        ([1, "a", (2,), {3}, None, True, 1.5], "[1, 'a', (2,), {3}, None, True, 1.5]"),
        ({"k": b"\x00"}, "{'k': b'\\x00'}"),
        (np.float32(0.5), "0.5"),
        (np.arange(3, dtype=np.int16), "array([0, 1, 2], dtype=int16)"),
        (np.zeros((200, 300)), "<float64 array of shape (200, 300)>"),
    ],
    ids=["huge int", "scalars", "dict bytes", "numpy scalar", "small array", "big array"],
)
def test_shown_matches_repr_where_repr_is_sane(value: object, text: str) -> None:
    assert shown(value) == text


def test_shown_cuts_long_strings_before_repr() -> None:
    assert shown("x" * 10**7, 20) == "'xxxxxxxxxxxxxxxx..."


def test_object_with_failing_repr_is_named_by_type() -> None:
    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert shown([Bad()]) == "[<Bad>]"


def test_deep_nesting_is_cut() -> None:
    x: list = []
    for _ in range(100_000):
        x = [x]
    text = shown(x)
    assert len(text) == 80 and text.startswith("[" * 60) and text.endswith("...")


@pytest.mark.parametrize(
    ("desc", "message"),
    [
        ({"_type": "number", "_version": 1, "value": 10**5000}, "$.value: expected one of ['NaN', 'Infinity', '-Infinity'], got <int of 5001 digits>"),
        ({"_type": "number", "_version": 1, "value": SHARED}, "$.value: expected one of ['NaN', 'Infinity', '-Infinity'], got [[[0, 0, 0"),
    ],
    ids=["huge int", "shared lists"],
)
def test_validate_quotes_hostile_values_safely(desc: dict, message: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(mk.SchemaError, match="^" + re.escape(message)):
        mk.validate(desc)
    assert time.perf_counter() - t0 < 0.5


def test_free_content_with_shared_references_is_walked_once_per_object() -> None:
    """The content-path rule walks values the schema leaves free (an Object3D's bounds, a chart's
    spec); a value holding the same list at every level is walked once per distinct object."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        desc = mk.Object3D(np.random.default_rng(0).random((10, 3))).encode(mk.MemoryStore())
    desc["bounds"] = [[[0] * 300] * 300] * 300
    t0 = time.perf_counter()
    with pytest.raises(mk.SchemaError, match=r"^\$\.bounds: expected null, got list \[\[\[0, 0"):
        mk.validate(desc)
    assert time.perf_counter() - t0 < 0.5
