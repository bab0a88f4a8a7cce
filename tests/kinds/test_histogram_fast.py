"""Histogram's chunked fast path: uint8 indices counted in pairs up to 254 bins, uint16 above,
samples near an edge settled in batches, chunks shared between the pool's threads. Every case
is compared with ``np.histogram`` count for count."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import mediakit as mk
from mediakit._threads import pool
from mediakit.kinds import histogram as hist_mod

RNG = np.random.default_rng(11)


def assert_exact(data: np.ndarray, bins: int) -> mk.Histogram:
    h = mk.Histogram(data, num_bins=bins)
    fin = data[np.isfinite(data)] if data.dtype.kind == "f" else data
    values, edges = np.histogram(fin, bins)
    np.testing.assert_array_equal(h.bins, edges.astype(np.float64))
    np.testing.assert_array_equal(h.values, values)
    return h


def on_edges(bins: int, n: int, dtype: Any) -> np.ndarray:
    """Samples drawn from the very edges np.histogram will compute (both ends included)."""
    lo, hi = dtype(-3.7), dtype(5.1)
    edges = np.linspace(lo, hi, bins + 1, dtype=dtype)
    return RNG.choice(edges, n).astype(dtype)


@pytest.fixture
def spy_count(monkeypatch: pytest.MonkeyPatch) -> list[np.dtype]:
    """The index dtypes the fast path counted (empty when the exact fallback ran)."""
    seen: list[np.dtype] = []
    real = hist_mod._count

    def spy(a: np.ndarray, *args: Any) -> np.ndarray:
        seen.append(a.dtype)
        return real(a, *args)

    monkeypatch.setattr(hist_mod, "_count", spy)
    return seen


@pytest.mark.parametrize(("bins", "index"), [(1, np.uint8), (64, np.uint8), (254, np.uint8), (255, np.uint16), (512, np.uint16)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_width_follows_bin_count(
    monkeypatch: pytest.MonkeyPatch, spy_count: list[np.dtype], bins: int, index: Any, dtype: Any
) -> None:
    # Odd chunks (and an odd last one) on the threaded path, half the samples on an edge.
    monkeypatch.setattr(hist_mod, "CHUNK", 1001)
    data = np.concatenate([on_edges(bins, 6000, dtype), RNG.normal(size=6003).astype(dtype)])
    assert_exact(RNG.permutation(data), bins)
    assert spy_count and set(spy_count) == {np.dtype(index)}


def test_all_samples_near_edges_are_settled_in_batches(monkeypatch: pytest.MonkeyPatch, spy_count: list[np.dtype]) -> None:
    # Every sample needs the check against the edges: far more than a chunk's worth in all,
    # so the batches are settled along the way, not once at the end.
    monkeypatch.setattr(hist_mod, "CHUNK", 1000)
    settled: list[int] = []
    real = hist_mod._settle

    def spy(pending: list[tuple[np.ndarray, np.ndarray]], *args: Any) -> np.ndarray:
        settled.append(sum(p[0].size for p in pending))
        return real(pending, *args)

    monkeypatch.setattr(hist_mod, "_settle", spy)
    data = on_edges(40, 30_000, np.float32)
    assert_exact(data, 40)
    assert spy_count  # the fast path, not the exact fallback
    assert sum(settled) == data.size
    assert len(settled) > 2 and max(settled) <= 2 * hist_mod.CHUNK


def test_top_edge_sample_is_in_the_last_bin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hist_mod, "CHUNK", 1000)
    data = RNG.normal(size=20_001).astype(np.float32)
    data[::7] = data.max()
    h = assert_exact(data, 64)
    assert h.values[-1] >= data.size // 7


def test_chunks_without_finite_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hist_mod, "CHUNK", 1000)
    data = RNG.normal(size=12_345)
    data[:3500] = np.nan  # the first chunks have nothing to count
    data[5000:6000] = np.inf
    h = assert_exact(data, 33)
    assert h.nonfinite == {"nan": 3500, "neginf": 0, "posinf": 1000}


def test_large_float32_normal_default_bins() -> None:
    # The benchmark's shape on the real chunk size: several chunks per thread, 64 bins.
    data = RNG.standard_normal(hist_mod.CHUNK * 6 + 5).astype(np.float32)
    assert_exact(data, 64)


def test_from_a_pool_thread_runs_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Called from one of mediakit's own worker threads, the chunks are not sent back to the
    # (possibly busy) pool: the result is the same.
    monkeypatch.setattr(hist_mod, "CHUNK", 1000)
    data = RNG.normal(size=20_000)
    h = pool().submit(mk.Histogram, data, None, 50).result(timeout=60)
    np.testing.assert_array_equal(h.values, np.histogram(data, 50)[0])
