"""Histogram: exactly ``np.histogram``'s counts and edges, the ``np_histogram`` form, limits,
non-finite samples, round trips."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from conftest import roundtrip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mediakit as mk
from mediakit._errors import MediaTypeError, ValidationError
from mediakit.kinds import histogram as hist_mod

RNG = np.random.default_rng(7)


def raises(cls: type[BaseException], match: str, fn: Any) -> BaseException:
    with pytest.raises(cls, match=match) as info:
        fn()
    assert type(info.value) is cls, f"expected exactly {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    return info.value


def reference(a: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``np.histogram`` of the finite samples, or None where numpy itself refuses."""
    a = np.asarray(a).reshape(-1)
    if a.dtype.kind == "b":
        a = a.astype(np.uint8)
    fin = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.histogram(fin, bins)
    except (ValueError, IndexError):  # "Too many bins for data range", or its own overflow
        return None


def assert_matches_numpy(a: Any, bins: int) -> mk.Histogram:
    h = mk.Histogram(a, num_bins=bins)
    ref = reference(np.asarray(a), bins)
    assert ref is not None
    values, edges = ref
    assert h.bins.dtype == np.float64
    np.testing.assert_array_equal(h.bins, edges.astype(np.float64))
    np.testing.assert_array_equal(h.values, values)
    assert h.count == int(values.sum())
    return h


GOOD_SEQUENCES = {
    "normal float64": (lambda: RNG.normal(size=5000), 64),
    "normal float32": (lambda: RNG.normal(size=5000).astype(np.float32), 64),
    "normal float16": (lambda: RNG.normal(size=5000).astype(np.float16), 64),
    "float16 512 bins": (lambda: RNG.random(5000).astype(np.float16), 512),
    "offset float32": (lambda: (1000 + RNG.normal(size=5000) * 1e-2).astype(np.float32), 512),
    "samples on edges": (lambda: np.round(RNG.normal(size=5000) * 8) / 8, 40),
    "ints": (lambda: RNG.integers(-100, 100, 5000), 17),
    "uint8": (lambda: RNG.integers(0, 256, 5000).astype(np.uint8), 256),
    "int64 extremes": (lambda: np.array([np.iinfo(np.int64).min, 0, np.iinfo(np.int64).max]), 3),
    "uint64 max": (lambda: np.array([0, 2**64 - 1], np.uint64), 5),
    "bool": (lambda: RNG.integers(0, 2, 100).astype(bool), 4),
    "constant": (lambda: np.full(10, 3.0), 64),
    "constant float16": (lambda: np.full(10, 3.0, np.float16), 7),
    "single value": (lambda: [5.0], 1),
    "python list of ints": (lambda: [1, 2, 3, 4, 5, 100], 7),
    "2-D is flattened": (lambda: RNG.normal(size=(30, 40)), 10),
    "max bins": (lambda: RNG.normal(size=1000), 512),
    "one bin": (lambda: RNG.normal(size=1000), 1),
    "subnormal float16": (lambda: (RNG.normal(size=3000) * 1e-5).astype(np.float16), 31),
    "large (parallel chunks)": (lambda: RNG.normal(size=hist_mod.CHUNK * 9 + 17), 100),
    "large float32 with nan": (
        lambda: np.where(RNG.random(hist_mod.CHUNK * 8 + 3) < 0.01, np.nan, RNG.normal(size=hist_mod.CHUNK * 8 + 3)).astype(
            np.float32
        ),
        64,
    ),
}


@pytest.mark.parametrize("name", list(GOOD_SEQUENCES))
def test_equals_np_histogram(name: str) -> None:
    make, bins = GOOD_SEQUENCES[name]
    assert_matches_numpy(make(), bins)


def test_default_is_64_bins() -> None:
    data = RNG.normal(size=100)
    h = mk.Histogram(data)
    assert len(h.values) == 64 and len(h.bins) == 65
    np.testing.assert_array_equal(h.values, np.histogram(data, 64)[0])


_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.int8, np.uint8, np.uint64]


@st.composite
def _arrays(draw: Any) -> np.ndarray:
    dt = np.dtype(draw(st.sampled_from(_DTYPES)))
    n = draw(st.integers(1, 200))
    if dt.kind == "f":
        if draw(st.booleans()):
            elements: Any = st.floats(width=dt.itemsize * 8, allow_nan=True, allow_infinity=True)
        else:  # realistic: a cluster at some offset and scale
            off = draw(st.sampled_from([0.0, 1.0, -3.0, 1000.0, 1e-3]))
            scale = draw(st.sampled_from([1e-6, 1e-3, 1.0, 100.0]))
            return (off + scale * np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=n)).astype(dt)
    else:
        info = np.iinfo(dt)
        elements = st.integers(int(info.min), int(info.max))
    return draw(hnp.arrays(dt, n, elements=elements))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=_arrays(), bins=st.integers(1, 512))
def test_equals_np_histogram_property(a: np.ndarray, bins: int) -> None:
    ref = reference(a, bins)
    if ref is None:
        # numpy refuses (range too narrow for distinct edges, or overflowing): mediakit still
        # gives a valid histogram of every finite sample, or a ValidationError for a range that
        # overflows float64.
        try:
            h = mk.Histogram(a, num_bins=bins)
        except ValidationError as e:
            assert "overflows float64" in str(e)
            return
        fin = a[np.isfinite(a)] if a.dtype.kind == "f" else a
        assert h.count == fin.size
        assert (np.diff(h.bins) > 0).all() and np.isfinite(h.bins).all()
        return
    h = mk.Histogram(a, num_bins=bins)
    np.testing.assert_array_equal(h.bins, ref[1].astype(np.float64))
    np.testing.assert_array_equal(h.values, ref[0])


def test_nonfinite_samples_are_excluded_and_counted(store: mk.Store) -> None:
    data = [1.0, np.nan, np.inf, -np.inf, 2.0, np.nan, 3.0]
    h = mk.Histogram(data, num_bins=4)
    assert h.nonfinite == {"nan": 2, "neginf": 1, "posinf": 1}
    assert h.count == 3
    np.testing.assert_array_equal(h.values, np.histogram([1.0, 2.0, 3.0], 4)[0])
    desc, back = roundtrip(h, store)
    assert desc["nonfinite"] == {"nan": 2, "neginf": 1, "posinf": 1}
    assert desc["count"] == 3
    assert back == h


def test_only_nonfinite_samples() -> None:
    h = mk.Histogram(np.array([np.nan, np.inf], np.float32), num_bins=10)
    assert h.count == 0 and h.values.sum() == 0
    np.testing.assert_array_equal(h.bins, np.histogram(np.array([], np.float32), 10)[1].astype(np.float64))


def test_empty_sequence(mem: mk.Store) -> None:
    h = mk.Histogram([])
    assert h.count == 0
    np.testing.assert_array_equal(h.bins, np.histogram([], 64)[1])
    desc, back = roundtrip(h, mem)
    assert desc["values"] == [0] * 64 and desc["bins"][0] == 0.0 and desc["bins"][-1] == 1.0
    assert back == h


def test_ranges_numpy_refuses() -> None:
    # Too many bins for the range: widened around the data, every sample counted.
    h = mk.Histogram([1.0, 1.0 + 1e-15, 1.0 + 2e-15], num_bins=10)
    assert h.count == 3 and (np.diff(h.bins) > 0).all() and h.bins[0] < 1.0 < h.bins[-1]
    # A float16 range that overflows float16 is binned in float64.
    h = mk.Histogram(np.array([-65504, 65504], np.float16), num_bins=7)
    assert h.count == 2 and h.bins[0] == -65504 and h.bins[-1] == 65504
    # Huge constant values still get distinct edges.
    h = mk.Histogram(np.full(4, 1e20), num_bins=8)
    assert h.count == 4 and (np.diff(h.bins) > 0).all()
    # A range that overflows float64 itself is refused clearly.
    raises(
        ValidationError,
        r"sequence: values span \[-1e\+308, 1e\+308\]; that range overflows float64",
        lambda: mk.Histogram([-1e308, 1e308]),
    )


@pytest.mark.parametrize(
    ("kwargs", "cls", "match"),
    [
        ({"num_bins": 0}, ValidationError, r"num_bins: expected 1 to 512 bins, got 0"),
        ({"num_bins": 513}, ValidationError, r"num_bins: expected 1 to 512 bins, got 513"),
        ({"num_bins": -1}, ValidationError, r"num_bins: expected 1 to 512 bins, got -1"),
        ({"num_bins": True}, MediaTypeError, r"num_bins: expected an int, got bool True"),
        ({"num_bins": 3.0}, MediaTypeError, r"num_bins: expected an int, got float 3.0"),
        ({"num_bins": "64"}, MediaTypeError, r"num_bins: expected an int, got str '64'"),
    ],
)
def test_num_bins_checks(kwargs: dict[str, Any], cls: type[BaseException], match: str) -> None:
    raises(cls, match, lambda: mk.Histogram([1, 2, 3], **kwargs))


def test_num_bins_numpy_int() -> None:
    assert len(mk.Histogram([1, 2, 3], num_bins=np.int64(3)).values) == 3


BAD_SEQUENCES = {
    "str": ("abc", MediaTypeError, r"sequence: expected a sequence of numbers, got str"),
    "bytes": (b"abc", MediaTypeError, r"sequence: expected a sequence of numbers, got bytes"),
    "dict": ({"a": 1}, MediaTypeError, r"sequence: expected a sequence of numbers, got dict"),
    "mixed list": (
        [1, "a"],
        MediaTypeError,
        r"sequence: expected a sequence of numbers, got list \(could not convert string to float: 'a'\)",
    ),
    "ragged": ([[1, 2], [3]], MediaTypeError, r"sequence: expected a sequence of numbers, got list"),
    "complex": (np.ones(3, complex), MediaTypeError, r"sequence: expected numbers, got an array of dtype complex128"),
    "strings array": (np.array(["a", "b"]), MediaTypeError, r"sequence: expected numbers, got an array of dtype <U1"),
    "generator": ((x for x in range(3)), MediaTypeError, r"sequence: expected a sequence of numbers, got generator"),
}


@pytest.mark.parametrize("name", list(BAD_SEQUENCES))
def test_bad_sequences(name: str) -> None:
    data, cls, match = BAD_SEQUENCES[name]
    raises(cls, match, lambda: mk.Histogram(data))


def test_sequence_and_np_histogram_exclusive() -> None:
    raises(ValidationError, r"Histogram: give exactly one of 'sequence' or 'np_histogram'", lambda: mk.Histogram())
    raises(ValidationError, r"give exactly one of", lambda: mk.Histogram([1], np_histogram=([1], [0, 1])))


# -- np_histogram ------------------------------------------------------------------------------


def test_reference_call_form(store: mk.Store) -> None:
    data = RNG.normal(size=1000)
    h = mk.Histogram(np_histogram=np.histogram(data))
    values, edges = np.histogram(data)
    np.testing.assert_array_equal(h.values, values)
    np.testing.assert_array_equal(h.bins, edges)
    assert h.count == 1000
    desc, back = roundtrip(h, store)
    assert desc["values"] == values.tolist() and desc["bins"] == edges.tolist()
    assert desc["count"] == 1000 and all(type(v) is int for v in desc["values"])
    assert back == h


def test_tracker_positional_np_histogram() -> None:
    # The tracker's signature is Histogram(sequence=None, np_histogram=None, num_bins=64).
    data = np.random.default_rng(3).normal(size=300)
    assert mk.Histogram(None, np.histogram(data)) == mk.Histogram(np_histogram=np.histogram(data))
    assert len(mk.Histogram(data, None, 16).values) == 16


def test_np_histogram_result_passed_as_sequence_says_what_to_pass() -> None:
    pair = np.histogram(np.arange(10.0))
    raises(MediaTypeError, r"sequence: got a \(values, bin_edges\) pair as returned by np.histogram; pass it as Histogram\(np_histogram=np.histogram\(data\)\)", lambda: mk.Histogram(pair))


def test_np_histogram_with_weights_and_density(mem: mk.Store) -> None:
    data = RNG.normal(size=100)
    for pair in (np.histogram(data, density=True), np.histogram(data, 5, weights=RNG.random(100))):
        h = mk.Histogram(np_histogram=pair)
        assert h.values.dtype == np.float64
        desc, back = roundtrip(h, mem)
        assert back == h
        np.testing.assert_allclose(desc["count"], pair[0].sum())


def test_np_histogram_forms() -> None:
    a = mk.Histogram(np_histogram=([1, 2, 3], [0, 1, 2, 3]))
    b = mk.Histogram.from_np_histogram(np.array([1, 2, 3]), np.array([0.0, 1.0, 2.0, 3.0]))
    c = mk.Histogram(np_histogram=[[1, 2, 3], (0, 1, 2, 3)])
    assert a == b == c
    assert mk.Histogram.from_sequence([1, 2, 3], num_bins=3) == mk.Histogram([1, 2, 3], num_bins=3)


BAD_NP_HISTOGRAMS = {
    "not a pair": (
        [1, 2, 3],
        MediaTypeError,
        r"np_histogram: expected \(values, bin_edges\) as returned by np.histogram, got list",
    ),
    "array": (np.zeros(3), MediaTypeError, r"np_histogram: expected \(values, bin_edges\)"),
    "too few edges": (
        ([1, 2, 3], [0, 1, 2]),
        ValidationError,
        r"np_histogram: expected len\(bin_edges\) == len\(values\) \+ 1, got 3 edges for 3 values",
    ),
    "too many edges": (([1], [0, 1, 2]), ValidationError, r"got 3 edges for 1 values"),
    "equal edges": (
        ([1, 2, 3], [0, 1, 1, 2]),
        ValidationError,
        r"np_histogram\[1\] \(bin_edges\)\[2\]: edges must increase strictly, got 1 then 1",
    ),
    "decreasing edges": (
        ([1, 2], [0.0, 2.0, 1.0]),
        ValidationError,
        r"np_histogram\[1\] \(bin_edges\)\[2\]: edges must increase strictly, got 2.0 then 1.0",
    ),
    "NaN edge": (
        ([1, 2, 3], [0, 1, np.nan, 2]),
        ValidationError,
        r"np_histogram\[1\] \(bin_edges\)\[2\]: expected a finite number, got nan",
    ),
    "inf edge": (([1], [0, np.inf]), ValidationError, r"np_histogram\[1\] \(bin_edges\)\[1\]: expected a finite number, got inf"),
    "NaN value": (([np.nan], [0, 1]), ValidationError, r"np_histogram\[0\] \(values\)\[0\]: expected a finite number, got nan"),
    "negative value": (
        ([3, -1], [0, 1, 2]),
        ValidationError,
        r"np_histogram\[0\] \(values\)\[1\]: expected a count >= 0, got -1",
    ),
    "negative weight": (
        (np.array([0.5, -0.25]), [0, 1, 2]),
        ValidationError,
        r"np_histogram\[0\] \(values\)\[1\]: expected a count >= 0, got -0.25",
    ),
    "2-D values": (
        (np.ones((2, 2)), [0, 1, 2]),
        ValidationError,
        r"np_histogram\[0\] \(values\): expected a 1-D array of numbers, got shape \(2, 2\)",
    ),
    "2-D edges": (
        ([1], [[0, 1]]),
        ValidationError,
        r"np_histogram\[1\] \(bin_edges\): expected a 1-D array of numbers, got shape \(1, 2\)",
    ),
    "string values": (
        (["a"], [0, 1]),
        ValidationError,
        r"np_histogram\[0\] \(values\): expected a 1-D array of numbers, got shape \(1,\) dtype <U1",
    ),
    "no bins": (([], [0]), ValidationError, r"np_histogram\[0\] \(values\): expected 1 to 512 bins, got 0"),
    "513 bins": (
        np.histogram(np.arange(1000), 513),
        ValidationError,
        r"np_histogram\[0\] \(values\): expected 1 to 512 bins, got 513",
    ),
}


@pytest.mark.parametrize("name", list(BAD_NP_HISTOGRAMS))
def test_bad_np_histograms(name: str) -> None:
    pair, cls, match = BAD_NP_HISTOGRAMS[name]
    raises(cls, match, lambda: mk.Histogram(np_histogram=pair))


def test_np_histogram_array_likes() -> None:
    class Tensor:
        def __init__(self, a: Any) -> None:
            self.a = np.asarray(a)

        def numpy(self) -> np.ndarray:
            return self.a

    h = mk.Histogram(np_histogram=(Tensor([1, 2]), Tensor([0.0, 0.5, 1.0])))
    assert h.values.tolist() == [1, 2] and h.bins.tolist() == [0.0, 0.5, 1.0]
    assert mk.Histogram(Tensor([1.0, 2.0, 3.0]), num_bins=2).values.tolist() == [1, 2]


# -- round trips and descriptor ---------------------------------------------------------------


@pytest.mark.parametrize("data", [RNG.normal(size=300), RNG.integers(0, 9, 300), [0.5], RNG.normal(size=300).astype(np.float16)])
def test_round_trip(data: Any, store: mk.Store) -> None:
    h = mk.Histogram(data, num_bins=20)
    desc, back = roundtrip(h, store)
    assert desc["_type"] == "histogram" and desc["_version"] == 1
    assert len(desc["values"]) == 20 and len(desc["bins"]) == 21
    assert desc["count"] == len(np.asarray(data).reshape(-1))
    assert back == h
    assert store.list() == []  # a histogram writes no files


def test_equality() -> None:
    a = mk.Histogram([1, 2, 3], num_bins=3)
    assert a == mk.Histogram(np.array([1, 2, 3]), num_bins=3)
    assert a != mk.Histogram([1, 2, 3], num_bins=4)
    assert a != mk.Histogram([1, 2, 3, np.nan], num_bins=3)  # the non-finite count differs
    assert repr(a) == "Histogram(3 bins, count=3)"


def test_large_input_is_exact_and_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small chunks exercise the chunked, threaded path on a modest array.
    monkeypatch.setattr(hist_mod, "CHUNK", 1000)
    data = RNG.normal(size=20_017).astype(np.float32)
    data[::997] = np.nan
    h = mk.Histogram(data, num_bins=77)
    fin = data[np.isfinite(data)]
    values, edges = np.histogram(fin, 77)
    np.testing.assert_array_equal(h.values, values)
    np.testing.assert_array_equal(h.bins, edges.astype(np.float64))
    assert h.nonfinite["nan"] == int(np.isnan(data).sum())
