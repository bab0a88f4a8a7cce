"""Arrays in summaries: TensorSummary statistics against numpy, ``.npy`` keeping, and how
``mk.encode`` logs arrays by size; non-finite metrics as ``number`` descriptors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor, roundtrip

import mediakit as mk
from mediakit._errors import MediaTypeError
from mediakit.kinds.number import NonFinite
from mediakit.kinds.tensor import PERCENTILES, TensorSummary

SMALL_ARRAY = 32  # arrays up to this size are logged as lists (mediakit._encode.SMALL_ARRAY)
RNG = np.random.default_rng(3)


def assert_stats(desc: dict[str, Any], arr: np.ndarray) -> None:
    flat = np.asarray(arr).reshape(-1)
    if flat.dtype.kind == "b":
        flat = flat.astype(np.uint8)
    fin = flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat
    f64 = fin.astype(np.float64)
    assert desc["shape"] == list(arr.shape)
    assert desc["dtype"] == str(arr.dtype)
    assert desc["count"] == fin.size
    assert desc["min"] == float(f64.min()) and desc["max"] == float(f64.max())
    assert desc["mean"] == pytest.approx(float(f64.mean()), rel=1e-12, abs=1e-12)
    assert desc["var"] == pytest.approx(float(f64.var()), rel=1e-12, abs=1e-12)
    pct = np.percentile(f64, PERCENTILES)
    assert desc["percentiles"] == {str(p): pytest.approx(float(v), rel=1e-12, abs=1e-12) for p, v in zip(PERCENTILES, pct)}
    values, edges = np.histogram(fin, 64)
    assert desc["histogram"]["values"] == values.tolist()
    assert desc["histogram"]["bins"] == edges.astype(np.float64).tolist()


ARRAYS = {
    "float64": lambda: RNG.normal(size=(50, 40)),
    "float32": lambda: RNG.normal(size=1000).astype(np.float32),
    "float16": lambda: RNG.normal(size=1000).astype(np.float16),
    "int64": lambda: RNG.integers(-1000, 1000, (10, 10, 10)),
    "uint8": lambda: RNG.integers(0, 256, 500).astype(np.uint8),
    "bool": lambda: RNG.random(100) < 0.3,
    "constant": lambda: np.full(100, 2.5),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_summary_statistics_match_numpy(name: str, store: mk.Store) -> None:
    arr = ARRAYS[name]()
    t = TensorSummary(arr)
    desc, back = roundtrip(t, store)
    assert desc["_type"] == "tensor"
    assert desc["nonfinite"] == {"nan": 0, "neginf": 0, "posinf": 0}
    assert_stats(desc, arr)
    assert "array" not in desc and store.list() == []
    assert back == t


def test_nonfinite_values_are_counted_and_excluded(mem: mk.Store) -> None:
    arr = RNG.normal(size=300)
    arr[::10] = np.nan
    arr[1::50] = np.inf
    arr[2::75] = -np.inf
    desc = check_descriptor(TensorSummary(arr).encode(mem))
    assert desc["nonfinite"] == {"nan": 30, "posinf": 6, "neginf": 4}
    assert_stats(desc, arr)


def test_all_nonfinite_and_empty(mem: mk.Store) -> None:
    desc = check_descriptor(TensorSummary(np.full(40, np.nan)).encode(mem))
    assert desc["count"] == 0 and desc["nonfinite"]["nan"] == 40
    assert "min" not in desc and "percentiles" not in desc
    desc = check_descriptor(TensorSummary(np.zeros((0, 5))).encode(mem))
    assert desc["count"] == 0 and desc["shape"] == [0, 5]
    assert sum(desc["histogram"]["values"]) == 0


def test_keep_stores_npy_and_decode_reads_it(store: mk.Store) -> None:
    arr = RNG.normal(size=(20, 30)).astype(np.float32)
    t = TensorSummary(arr, keep=True)
    desc, back = roundtrip(t, store)
    assert desc["array"]["media_type"] == "application/x-npy" and desc["array"]["path"].endswith(".npy")
    loaded = np.load(store.open(desc["array"]["path"]), allow_pickle=False)
    np.testing.assert_array_equal(loaded, arr)
    assert back.array.dtype == np.float32
    np.testing.assert_array_equal(back.array, arr)
    assert back == t


def test_keep_non_contiguous(mem: mk.Store) -> None:
    arr = RNG.normal(size=(40, 40))[::2, ::3]
    back = mk.decode(TensorSummary(arr, keep=True).encode(mem), mem)
    np.testing.assert_array_equal(back.array, arr)


def test_array_likes_and_bad_types() -> None:
    class Detachable:
        def __init__(self, a: np.ndarray) -> None:
            self.a = a

        def detach(self) -> Detachable:
            return self

        def cpu(self) -> Detachable:
            return self

        def numpy(self) -> np.ndarray:
            return self.a

    arr = RNG.normal(size=100)
    assert TensorSummary(Detachable(arr)) == TensorSummary(arr)
    with pytest.raises(MediaTypeError, match=r"array: expected a numeric array, got dtype <U1"):
        TensorSummary(np.array(["a", "b"]))
    with pytest.raises(MediaTypeError, match=r"array: expected a numeric array, got dtype complex128"):
        TensorSummary(np.ones(3, complex))


# -- arrays through mk.encode -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.array(3.5), 3.5),
        (np.ones((1, 1, 1), np.float32) * 2, 2.0),
        (np.array([7], np.int16), 7),
        (np.array([True]), True),
        (np.arange(6).reshape(2, 3), [[0, 1, 2], [3, 4, 5]]),
        (np.arange(SMALL_ARRAY, dtype=np.uint8), list(range(SMALL_ARRAY))),
        (np.zeros(0), []),
        (np.array([0.5, 1.5], np.float32), [0.5, 1.5]),
    ],
)
def test_small_arrays_become_numbers_and_lists(value: np.ndarray, expected: Any, mem: mk.Store) -> None:
    out = mk.encode({"x": value}, mem)["x"]
    assert out == expected
    assert type(out) is type(expected)
    if isinstance(out, list) and out and not isinstance(out[0], list):
        assert all(type(v) is type(expected[0]) for v in out)
    assert mem.list() == []


def test_small_arrays_with_nonfinite_values(mem: mk.Store) -> None:
    out = mk.encode({"x": np.array([1.0, np.nan, -np.inf])}, mem)["x"]
    assert out[0] == 1.0
    assert out[1] == {"_type": "number", "_version": 1, "value": "NaN"}
    assert out[2] == {"_type": "number", "_version": 1, "value": "-Infinity"}
    assert math.isnan(mk.decode(out[1], mem)) and mk.decode(out[2], mem) == -math.inf


def test_large_arrays_become_summaries(mem: mk.Store) -> None:
    arr = RNG.normal(size=(SMALL_ARRAY + 1,))
    desc = mk.encode({"x": arr}, mem)["x"]
    check_descriptor(desc)
    assert desc["_type"] == "tensor"
    assert_stats(desc, arr)
    assert mem.list() == []  # statistics only, unless asked to keep the array


def test_keep_arrays(store: mk.Store) -> None:
    arr = RNG.normal(size=(8, 16))
    row = mk.encode({"x": arr, "small": np.arange(3)}, store, keep_arrays=True)
    assert row["small"] == [0, 1, 2]
    desc = check_descriptor(row["x"])
    assert len(store.list()) == 1 and store.list()[0] == desc["array"]["path"]
    back = mk.decode(desc, store)
    np.testing.assert_array_equal(back.array, arr)


def test_tensor_like_in_encode(mem: mk.Store) -> None:
    class Tensor:
        def __init__(self, a: np.ndarray) -> None:
            self.a = a

        def numpy(self) -> np.ndarray:
            return self.a

    assert mk.encode({"x": Tensor(np.array(0.25))}, mem) == {"x": 0.25}
    assert mk.encode({"x": Tensor(np.arange(4))}, mem) == {"x": [0, 1, 2, 3]}
    assert mk.encode({"x": Tensor(np.arange(100.0))}, mem)["x"]["_type"] == "tensor"


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (np.float32("nan"), "NaN"),
        (np.float64("-inf"), "-Infinity"),
    ],
)
def test_nonfinite_metrics_become_number_descriptors(value: float, name: str, store: mk.Store) -> None:
    desc = mk.encode({"loss": value}, store)["loss"]
    check_descriptor(desc)
    assert desc == {"_type": "number", "_version": 1, "value": name}
    back = mk.decode(desc, store)
    assert isinstance(back, float)
    assert (math.isnan(back) and math.isnan(value)) or back == value


def test_nonfinite_kind_directly(mem: mk.Store) -> None:
    assert NonFinite(float("inf")).name == "Infinity"
    assert NonFinite(float("nan")) == NonFinite(float("nan"))
    assert NonFinite(float("inf")) != NonFinite(float("-inf"))
    check_descriptor(NonFinite(float("-inf")).encode(mem))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.array(["a"] * 40), r"value\['x'\]: expected a numeric array, got dtype <U1"),
        (np.ones(40, complex), r"value\['x'\]: expected a numeric array, got dtype complex128"),
        (np.array([object()] * 3), r"value\['x'\]: expected a numeric array, got dtype object"),
    ],
)
def test_non_numeric_arrays_refused(value: np.ndarray, match: str, mem: mk.Store) -> None:
    with pytest.raises(MediaTypeError, match=match):
        mk.encode({"x": value}, mem)


# -- issue 10: the original dtype of widened inputs ------------------------------------------------


class _TorchDtype:
    """Like ``torch.bfloat16``: prints with the library prefix, has no ``name``."""

    def __str__(self) -> str:
        return "torch.bfloat16"


class _TorchBf16:
    """The parts of a torch bfloat16 tensor that mediakit touches (torch cannot hand bfloat16 to
    numpy, so ``.float()`` comes first)."""

    def __init__(self, data: np.ndarray) -> None:
        self._data = np.asarray(data, np.float32)
        self.dtype = _TorchDtype()

    def detach(self) -> _TorchBf16:
        return self

    def cpu(self) -> _TorchBf16:
        return self

    def float(self) -> np.ndarray:
        return self._data


def test_bfloat16_summary_records_the_original_dtype(mem):
    ml_dtypes = pytest.importorskip("ml_dtypes")  # in the test extra
    data = np.round(np.random.default_rng(3).normal(size=500) * 16) / 16  # exact in bfloat16
    for given in (data.astype(ml_dtypes.bfloat16), _TorchBf16(data)):
        s = TensorSummary(given, keep=True)
        assert s.dtype == "bfloat16"
        desc, back = roundtrip(s, mem)
        assert desc["dtype"] == "bfloat16" and back.dtype == "bfloat16"
        assert desc["min"] == data.min() and desc["max"] == data.max()
        np.testing.assert_array_equal(back.array, data.astype(np.float32))  # the exact float32 widening
    assert TensorSummary(data.astype(ml_dtypes.float8_e5m2)).dtype == "float8_e5m2"
    assert TensorSummary(data.astype(np.float32)).dtype == "float32"
    row = mk.encode({"w": np.ones(1000, ml_dtypes.bfloat16)}, mem)
    assert row["w"]["_type"] == "tensor" and row["w"]["dtype"] == "bfloat16"
