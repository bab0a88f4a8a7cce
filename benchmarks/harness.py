"""The benchmark harness: the same workload on mediakit, the incumbents and a hardware-limit
baseline, timed in one run, reported as ratios.

A workload module in ``benchmarks/workloads/`` defines ``WORKLOADS: list[Workload]``. Each
contender is a callable taking the prepared input and returning the number of bytes it produced
(or ``None``); a contender whose library is missing raises ``ImportError`` and is reported as
skipped. Timings are the best of ``repeat`` runs (the machine is shared and noisy: the minimum
is the least disturbed estimate).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Target:
    """``contender`` must be ``ratio`` times faster than ``versus`` (speed ratio = t_versus / t_contender).

    ``max_bytes_ratio`` optionally bounds output size relative to ``versus``; ``max_peak_fraction``
    bounds traced peak memory of ``contender`` as a fraction of ``input_bytes``.
    """

    contender: str
    versus: str
    ratio: float
    max_bytes_ratio: float | None = None
    max_peak_fraction: float | None = None
    max_seconds: float | None = None


@dataclass
class Workload:
    name: str
    description: str
    setup: Callable[[], Any]
    contenders: dict[str, Callable[[Any], int | None]]
    targets: list[Target] = field(default_factory=list)
    repeat: int = 3
    input_bytes: Callable[[Any], int] | None = None
    teardown: Callable[[Any], None] | None = None


@dataclass
class Result:
    workload: str
    contender: str
    seconds: float | None
    bytes_out: int | None
    peak_bytes: int | None = None
    error: str | None = None


def run_workload(w: Workload, *, measure_memory: bool = True) -> list[Result]:
    data = w.setup()
    results: list[Result] = []
    try:
        for name, fn in w.contenders.items():
            try:
                fn(data)  # warm-up: imports, caches, JIT-free but lazy-init code paths
                best = float("inf")
                out = None
                for _ in range(w.repeat):
                    gc.collect()
                    t0 = time.perf_counter()
                    out = fn(data)
                    best = min(best, time.perf_counter() - t0)
                peak = None
                if measure_memory and any(t.max_peak_fraction and t.contender == name for t in w.targets):
                    gc.collect()
                    tracemalloc.start()
                    fn(data)
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                results.append(Result(w.name, name, best, out, peak))
            except ImportError as e:
                results.append(Result(w.name, name, None, None, error=f"skipped: {e}"))
            except Exception as e:  # noqa: BLE001 - a failing contender is reported, not fatal
                results.append(Result(w.name, name, None, None, error=f"{type(e).__name__}: {e}"))
    finally:
        if w.teardown is not None:
            w.teardown(data)
    return results


def check_targets(w: Workload, results: list[Result], data_bytes: int | None = None) -> list[tuple[str, bool | None, str]]:
    by = {r.contender: r for r in results}
    verdicts = []
    for t in w.targets:
        a, b = by.get(t.contender), by.get(t.versus)
        if t.max_seconds is not None and a is not None and a.seconds is not None:
            ok = a.seconds <= t.max_seconds
            verdicts.append((f"{t.contender} <= {t.max_seconds:g} s", ok, f"{a.seconds:.3f} s"))
            continue
        if not a or not b or a.seconds is None or b.seconds is None:
            verdicts.append((f"{t.contender} vs {t.versus}", None, "not measured"))
            continue
        ratio = b.seconds / a.seconds
        ok = ratio >= t.ratio
        text = f"{ratio:.2f}x (target >= {t.ratio:g}x)"
        if t.max_bytes_ratio is not None and a.bytes_out and b.bytes_out:
            br = a.bytes_out / b.bytes_out
            ok = ok and br <= t.max_bytes_ratio
            text += f"; bytes {br:.3f}x (target <= {t.max_bytes_ratio:g}x)"
        if t.max_peak_fraction is not None and a.peak_bytes is not None and data_bytes:
            frac = a.peak_bytes / data_bytes
            ok = ok and frac <= t.max_peak_fraction
            text += f"; peak extra memory {frac:.2f} of input (target <= {t.max_peak_fraction:g})"
        verdicts.append((f"{t.contender} vs {t.versus}", ok, text))
    return verdicts
