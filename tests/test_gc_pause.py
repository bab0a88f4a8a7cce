"""mediakit._gc.paused: the collector is off inside, as it was after (also after an error), and
building a big table wakes it at most once."""

from __future__ import annotations

import gc

import pytest

import mediakit as mk
from mediakit._gc import paused


def test_paused_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # a caller's choice to keep it off stands
    finally:
        gc.enable()


def test_a_10k_row_table_wakes_the_collector_at_most_once() -> None:
    rows = [[f"r{i}", i, i / 3, i % 2 == 0, None if i % 7 else 1.5, "abc"[i % 3]] for i in range(10_000)]
    mk.Table(columns=list("abcdef"), data=rows).encode(mk.MemoryStore())  # warm: imports, caches
    passes: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        desc = mk.Table(columns=list("abcdef"), data=rows).encode(mk.MemoryStore())
    finally:
        gc.callbacks.remove(count)
    assert desc["nrows"] == 10_000
    assert len(passes) <= 1, passes
