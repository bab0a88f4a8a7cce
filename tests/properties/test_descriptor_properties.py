"""Properties of hostile descriptors: whatever a stranger's JSON holds (anything JSON can say, NaN
and 400-digit integers included, Python values that are no JSON at all, or a valid descriptor of
any kind after hostile edits), ``mk.validate``, ``mk.decode`` and ``mk.thumbnail`` either succeed
or raise a ``MediakitError``; any other exception fails, and Hypothesis shrinks it to the
smallest descriptor that shows it."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import pytest
from conformance_cases import TABLES
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

import mediakit as mk

from .strategies import budget, json_values, mutated_descriptor, nested, non_json

BUILTIN = sorted(k for k, v in mk.registry.items() if isinstance(v, str) and v.startswith("mediakit."))
STORE = mk.MemoryStore()


def _bases() -> dict[str, list[dict[str, Any]]]:
    """The descriptors of every GOOD conformance case of the built-in kinds, in STORE."""
    out: dict[str, list[dict[str, Any]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in BUILTIN:
            out[kind] = [case.make().encode(STORE) for case in TABLES[kind] if case.good]
    return out


BASES = _bases()


def public_calls(desc: Any) -> None:
    """validate, then thumbnail and decode: success or a MediakitError, nothing else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            mk.validate(desc)
        except mk.MediakitError:
            return
        try:
            png = mk.thumbnail(desc, STORE, size=24)
        except mk.MediakitError:
            pass
        else:
            with PILImage.open(io.BytesIO(png)) as im:
                assert max(im.size) <= 24 and im.mode in ("RGB", "RGBA")
        try:
            mk.decode(desc, STORE)
        except mk.MediakitError:
            pass


@pytest.mark.parametrize("kind", BUILTIN)
@settings(max_examples=budget(15))
@given(data=st.data())
def test_mutated_descriptors_raise_only_mediakit_errors(kind: str, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES[kind]), label="base")
    public_calls(data.draw(mutated_descriptor(base), label="mutated"))


@settings(max_examples=budget(60))
@given(doc=json_values(), type_name=st.sampled_from([*BUILTIN, "nope", ""]), version=json_values(1))
@example(doc={"values": [2**63, 1], "bins": [0, 1, 2], "count": 3, "nonfinite": {"nan": 0, "neginf": 0, "posinf": 0}}, type_name="histogram", version=1)
@example(doc={"values": [1], "bins": [-1e308, 1e308], "count": 1}, type_name="histogram", version=1)
def test_arbitrary_json_objects_raise_only_mediakit_errors(doc: Any, type_name: str, version: Any) -> None:
    if isinstance(doc, dict):
        doc = {"_type": type_name, "_version": version, **doc}
    public_calls(doc)


@pytest.mark.parametrize("depth", [990, 5000])
@pytest.mark.parametrize(("kind", "key"), [("list", "items"), ("image", "caption"), ("table", "data"), ("plotly", "data"), ("object3d", "boxes")])
def test_deep_nesting_anywhere_raises_only_mediakit_errors(kind: str, key: str, depth: int) -> None:
    """Nesting under any key, ``items`` included, at and past the interpreter's recursion limit
    (built here: Hypothesis would have to print it)."""
    for base in BASES[kind]:
        public_calls({**base, key: nested(depth, 1, key)})


@settings(max_examples=budget(30))
@given(kind=st.sampled_from(BUILTIN), key=st.text(max_size=12), value=non_json, data=st.data())
def test_python_values_that_are_not_json_raise_only_mediakit_errors(kind: str, key: str, value: Any, data: st.DataObject) -> None:
    """A dict built in Python (not parsed from JSON) may hold bytes, sets, tuples, numpy values."""
    desc = dict(data.draw(st.sampled_from(BASES[kind])))
    desc[data.draw(st.sampled_from([*desc, key]))] = value
    public_calls(desc)


@pytest.mark.parametrize("value", [None, 5, "image", [], [{"_type": "image"}], b"{}", float("nan")])
def test_non_objects_are_schema_errors(value: Any) -> None:
    with pytest.raises(mk.SchemaError, match=r"expected a descriptor \(a JSON object with '_type'\)"):
        mk.validate(value)


@pytest.mark.parametrize("kind", BUILTIN)
def test_numpy_arrays_in_any_field_raise_only_mediakit_errors(kind: str) -> None:
    """Found by the suite: a numpy array under a key with an ``enum``/``const`` schema made the
    validator's equality test raise numpy's "truth value of an array is ambiguous" ValueError."""
    base = BASES[kind][0]
    for key in [*base, "extra"]:
        public_calls({**base, key: np.zeros(3)})
    with pytest.raises(mk.SchemaError, match=r"_type"):
        mk.validate({**base, "_type": np.zeros(3)})


@pytest.mark.parametrize("field", ["title"])
def test_long_text_is_cut_before_it_is_measured(field: str) -> None:
    """Found by the suite: a 100,000-character html title took minutes to draw (the ellipsis was
    found by dropping one character at a time and measuring the rest each time)."""
    import time

    base = BASES["html"][0]
    started = time.monotonic()
    png = mk.thumbnail({**base, field: "x" * 100_000}, STORE, size=64)
    assert time.monotonic() - started < 5
    with PILImage.open(io.BytesIO(png)) as im:
        assert im.size == (64, 64)
