"""Values quoted in error messages: a stranger's value must not make the message the attack.

``repr`` of a list holding the same list thousands of times (shared references are a few KB of
memory) takes seconds to minutes; an int of more than 4,300 digits makes ``repr`` raise
``ValueError``. Messages quote values through :func:`mediakit._errors.shown`, bounded in length
and in time."""

from __future__ import annotations

import contextlib
import re
import time
import warnings
from collections.abc import Iterator

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


# -- hostile values through the public API ---------------------------------------------------------
# Every call below puts a hostile value where the caller's value is quoted in the error message:
# an int of 5,001 digits (repr refuses it) and a list holding one list at every level (40 KB of
# memory, 8e9 elements written out). The right MediakitError must come back at once, with a short
# message that still names the field.

HUGE = 10**5000
_IMG = np.zeros((8, 8, 3), np.uint8)
_POS = {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5}


def _box(**fields: object) -> dict:
    return {"p": {"box_data": [{"position": dict(_POS), **fields}]}}


def _mask(labels: dict) -> dict:
    return {"m": {"mask_data": np.zeros((8, 8), np.uint8), "class_labels": labels}}


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # browser-support hints are not what these tests check
        yield


def _table() -> mk.Table:
    return mk.Table(columns=["a", "b"], data=[[1, 2], [3, 4]])


def _image_desc(store: mk.MemoryStore, **fields: object) -> dict:
    return {**mk.Image(_IMG).encode(store), **fields}


_NUMBER = {"_type": "number", "_version": 1, "value": "NaN"}

# (id, call taking the bad value, error class for the huge int, for the shared list, field named first)
_CALLS = [
    ("image box minX", lambda v: mk.Image(_IMG, boxes={"p": {"box_data": [{"position": {**_POS, "minX": v}}]}}), mk.ValidationError, mk.MediaTypeError, "boxes['p'].box_data[0].position.minX"),
    ("image box class_id", lambda v: mk.Image(_IMG, boxes=_box(class_id=v)), mk.ValidationError, mk.MediaTypeError, "boxes['p'].box_data[0].class_id"),
    ("image box score", lambda v: mk.Image(_IMG, boxes=_box(scores={"s": [v]})), mk.MediaTypeError, mk.MediaTypeError, "boxes['p'].box_data[0].scores['s']"),
    ("image mask label", lambda v: mk.Image(_IMG, masks=_mask({1: v})), mk.MediaTypeError, mk.MediaTypeError, "masks['m'].class_labels[1]"),
    ("image classes id", lambda v: mk.Image(_IMG, classes=[{"id": v, "name": "x"}]), mk.ValidationError, mk.MediaTypeError, "classes[0].id"),
    ("image classes name", lambda v: mk.Image(_IMG, classes=[{"id": 1, "name": v}]), mk.MediaTypeError, mk.MediaTypeError, "classes[0].name"),
    ("image caption", lambda v: mk.Image(_IMG, caption=v), mk.MediaTypeError, mk.MediaTypeError, "caption"),
    ("image quality", lambda v: mk.Image(_IMG, quality=v), mk.ValidationError, mk.MediaTypeError, "quality"),
    ("image mode", lambda v: mk.Image(_IMG, mode=v), mk.ValidationError, mk.ValidationError, "mode"),
    ("image file_type", lambda v: mk.Image(_IMG, file_type=v), mk.ValidationError, mk.ValidationError, "file_type"),
    ("audio sample_rate", lambda v: mk.Audio(np.zeros(100, np.float32), sample_rate=v), mk.ValidationError, mk.MediaTypeError, "sample_rate"),
    ("audio file_type", lambda v: mk.Audio(np.zeros(100, np.float32), sample_rate=8000, file_type=v), mk.ValidationError, mk.ValidationError, "file_type"),
    ("video fps", lambda v: mk.Video(np.zeros((2, 3, 8, 8), np.uint8), fps=v), mk.ValidationError, mk.MediaTypeError, "fps"),
    ("video format", lambda v: mk.Video(np.zeros((2, 3, 8, 8), np.uint8), format=v), mk.ValidationError, mk.ValidationError, "format"),
    ("table log_mode", lambda v: mk.Table(columns=["a"], data=[[1]], log_mode=v), mk.ValidationError, mk.ValidationError, "log_mode"),
    ("table column", lambda v: _table().get_column(v), mk.ValidationError, mk.ValidationError, "name"),
    ("point cloud type", lambda v: mk.Object3D.from_point_cloud(np.zeros((4, 3)), point_cloud_type=v), mk.ValidationError, mk.ValidationError, "point_cloud_type"),
    ("point cloud box label", lambda v: mk.Object3D.from_point_cloud(np.zeros((4, 3)), boxes=[{"corners": [[0, 0, 0]] * 8, "label": v, "color": [0, 0, 0]}]), mk.MediaTypeError, mk.MediaTypeError, "boxes[0].label"),
    ("molecule sanitize", lambda v: mk.Molecule.from_smiles("CCO", sanitize=v), mk.MediaTypeError, mk.MediaTypeError, "sanitize"),
    ("molecule iterations", lambda v: mk.Molecule.from_smiles("CCO", mmff_optimize_molecule_max_iterations=v), mk.ValidationError, mk.ValidationError, "mmff_optimize_molecule_max_iterations"),
    ("molecule file_type", lambda v: mk.Molecule.from_smiles("CCO", file_type=v), mk.ValidationError, mk.ValidationError, "file_type"),
    ("plot line title", lambda v: mk.plot.line(_table(), "a", "b", title=v), mk.MediaTypeError, mk.MediaTypeError, "title"),
    ("plot line x", lambda v: mk.plot.line(_table(), v, "b"), mk.MediaTypeError, mk.MediaTypeError, "x"),
    ("plot_table fields", lambda v: mk.plot_table("mediakit/line/v0", _table(), v, {}), mk.MediaTypeError, mk.MediaTypeError, "fields"),
    ("line_series key", lambda v: mk.plot.line_series([1, 2], [[1, 2]], keys=[v]), mk.ValidationError, mk.MediaTypeError, "keys[0]"),
    ("validate number", lambda v: mk.validate({**_NUMBER, "value": v}), mk.SchemaError, mk.SchemaError, "$.value"),
    ("decode number", lambda v: mk.decode({**_NUMBER, "value": v}, mk.MemoryStore()), mk.SchemaError, mk.SchemaError, "$.value"),
    ("decode image caption", lambda v: (s := mk.MemoryStore(), mk.decode(_image_desc(s, caption=v), s)), mk.SchemaError, mk.SchemaError, "$.caption"),
    ("thumbnail size", lambda v: (s := mk.MemoryStore(), mk.thumbnail(_image_desc(s), s, size=v)), mk.ValidationError, mk.MediaTypeError, "size"),
    ("thumbnail format", lambda v: (s := mk.MemoryStore(), mk.thumbnail(_image_desc(s), s, format=v)), mk.ValidationError, mk.ValidationError, "format"),
    ("thumbnail width", lambda v: (s := mk.MemoryStore(), mk.thumbnail(_image_desc(s, width=v), s)), mk.SchemaError, mk.SchemaError, "$.width"),
]


@pytest.mark.parametrize(
    ("call", "error", "field", "bad"),
    [pytest.param(c, huge_err, f, "huge", id=f"{name}-huge int") for name, c, huge_err, _, f in _CALLS]
    + [pytest.param(c, shared_err, f, "shared", id=f"{name}-shared lists") for name, c, _, shared_err, f in _CALLS],
)
def test_public_calls_quote_hostile_values_safely(call, error: type, field: str, bad: str) -> None:
    value = HUGE if bad == "huge" else SHARED
    t0 = time.perf_counter()
    with _quiet(), pytest.raises(error) as info:
        call(value)
    assert time.perf_counter() - t0 < 1.0
    assert type(info.value) is error
    text = str(info.value)
    assert len(text) < 1000
    assert text.startswith(field)
    assert ("<int of 5001 digits>" if bad == "huge" else "[[[0, 0, 0") in text


@pytest.mark.parametrize(
    ("values", "bins", "message"),
    [
        ([10**400, 14], [0, 1, 2], r"^values\[0\]: <int of 401 digits> is beyond the float64 range$"),
        ([1, 2], [0, 1, 10**309], r"^bins\[2\]: <int of 310 digits> is beyond the float64 range$"),
    ],
    ids=["values", "bins"],
)
def test_histogram_descriptor_numbers_past_float64_are_refused_on_decode(values: list, bins: list, message: str) -> None:
    """JSON allows such integers (validate accepts them); decoding them raised OverflowError
    (found by the long property profile)."""
    desc = {"_type": "histogram", "_version": 1, "values": values, "bins": bins, "count": 3, "nonfinite": {"nan": 0, "neginf": 0, "posinf": 0}}
    with pytest.raises(mk.ValidationError, match=message):
        mk.decode(desc, mk.MemoryStore())


def test_decode_reports_a_kind_that_cannot_rebuild_a_valid_descriptor_as_a_decode_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line of defence: whatever a kind's rebuild raises comes out as a DecodeError."""
    store = mk.MemoryStore()
    desc = mk.Histogram([1.0, 2.0]).encode(store)

    def broken(cls: object, d: object, s: object) -> None:
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(mk.Histogram, "_decode", classmethod(broken))
    with pytest.raises(mk.DecodeError, match=r"^histogram: could not decode this descriptor \(OverflowError: 'int too large to convert to float'\)$"):
        mk.decode(desc, store)
