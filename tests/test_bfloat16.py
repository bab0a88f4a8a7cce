"""bfloat16 (and float8) tensors of mixed-precision training are accepted wherever arrays are:
widened to float32, which holds every bfloat16 value exactly.

torch is not needed: a stand-in behaves like a torch bfloat16 tensor (``dtype`` prints as
``torch.bfloat16``; ``.numpy()`` and ``__array__`` fail as torch's do; ``.float()`` gives a float32
tensor). ``ml_dtypes`` arrays (what jax and tensorflow hand out) are tested when it is installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor

import mediakit as mk
from mediakit._arrays import to_numpy

# Values with at most 8 significant bits: exactly representable in bfloat16.
EXACT = np.array([0.0, 1.5, -3.0, 0.0078125, 0.25, 0.75, 2.5, -0.5], np.float32)


class _Dtype:
    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return f"torch.{self.name}"


class FakeTensor:
    """The parts of a torch tensor that mediakit touches, for bfloat16 and float32."""

    def __init__(self, data: np.ndarray, dtype: str = "bfloat16") -> None:
        self._data = np.asarray(data, np.float32)
        self.dtype = _Dtype(dtype)
        self.calls: list[str] = []

    def detach(self) -> FakeTensor:
        self.calls.append("detach")
        return self

    def cpu(self) -> FakeTensor:
        self.calls.append("cpu")
        return self

    def float(self) -> FakeTensor:
        self.calls.append("float")
        return FakeTensor(self._data, "float32")

    def numpy(self) -> np.ndarray:
        if self.dtype.name != "float32":
            msg = f"Got unsupported ScalarType {self.dtype.name.capitalize()}"
            raise TypeError(msg)
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.numpy() if dtype is None else self.numpy().astype(dtype)


def test_to_numpy_widens_a_torch_bfloat16_tensor():
    t = FakeTensor(EXACT)
    arr = to_numpy(t)
    assert arr.dtype == np.float32
    np.testing.assert_array_equal(arr, EXACT)
    assert t.calls == ["detach", "cpu", "float"]


def test_float8_tensors_are_widened_too():
    assert to_numpy(FakeTensor(EXACT, "float8_e4m3fn")).dtype == np.float32


def test_other_failures_keep_their_error():
    class Broken(FakeTensor):
        def float(self) -> FakeTensor:
            return FakeTensor(self._data, "complex32")

    with pytest.raises(mk.MediaTypeError, match=r"data: could not convert Broken to a numpy array: Got unsupported ScalarType"):
        to_numpy(Broken(EXACT))


def test_image_from_a_bfloat16_tensor():
    img = mk.Image(FakeTensor(np.linspace(0, 1, 90).reshape(5, 6, 3)))
    desc = img.encode(mk.MemoryStore())
    check_descriptor(desc)
    assert (desc["width"], desc["height"]) == (6, 5)
    assert img == mk.Image(np.linspace(0, 1, 90, dtype=np.float32).reshape(5, 6, 3))


def test_histogram_of_a_bfloat16_tensor():
    data = np.round(np.random.default_rng(0).normal(size=1000) * 64) / 64  # bfloat16-exact
    h = mk.Histogram(FakeTensor(data), num_bins=32)
    counts, edges = np.histogram(data.astype(np.float32), bins=32)
    np.testing.assert_array_equal(h.values, counts)
    np.testing.assert_allclose(h.bins, edges)
    h2 = mk.Histogram(np_histogram=(FakeTensor(counts.astype(np.float32)), FakeTensor(edges)))
    assert h2.count == 1000


def test_encode_scalars_small_arrays_and_summaries():
    store = mk.MemoryStore()
    big = np.random.default_rng(1).random(1000).astype(np.float32)
    row = mk.encode({"loss": FakeTensor(np.float32(1.5)), "small": FakeTensor(EXACT[:3]), "weights": FakeTensor(big)}, store)
    assert row["loss"] == 1.5
    assert row["small"] == [0.0, 1.5, -3.0]
    assert row["weights"]["_type"] == "tensor" and row["weights"]["count"] == 1000
    check_descriptor(row["weights"])


def test_run_log_and_summary(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"grads": mk.Histogram(FakeTensor(EXACT)), "loss": FakeTensor(np.float32(0.25))})
    run.summary["w"] = FakeTensor(np.ones(100))
    run.finish()
    assert run.summary["loss"] == 0.25


# -- ml_dtypes numpy arrays (jax / tensorflow) ---------------------------------------------------------


@pytest.fixture
def ml_dtypes() -> Any:
    import ml_dtypes  # in the test extra: these tests run everywhere `make test` does

    return ml_dtypes


def test_ml_dtypes_arrays(ml_dtypes):
    a = EXACT.astype(ml_dtypes.bfloat16)
    arr = to_numpy(a)
    assert arr.dtype == np.float32
    np.testing.assert_array_equal(arr, EXACT)
    assert to_numpy(np.array([1, -2], ml_dtypes.int4)).dtype == np.int8
    assert to_numpy(np.array([1, 2], ml_dtypes.uint4)).dtype == np.uint8
    assert to_numpy(EXACT.astype(ml_dtypes.float8_e5m2)).dtype == np.float32


def test_ml_dtypes_everywhere(ml_dtypes):
    store = mk.MemoryStore()
    a = np.linspace(0, 1, 90).reshape(5, 6, 3).astype(ml_dtypes.bfloat16)
    check_descriptor(mk.Image(a).encode(store))
    assert mk.Histogram(EXACT.astype(ml_dtypes.bfloat16)).count == EXACT.size
    row = mk.encode({"s": ml_dtypes.bfloat16(2.5), "v": EXACT[:2].astype(ml_dtypes.bfloat16), "t": np.ones(100, ml_dtypes.bfloat16)}, store)
    assert row["s"] == 2.5 and row["v"] == [0.0, 1.5] and row["t"]["_type"] == "tensor"
