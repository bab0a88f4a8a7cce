"""The benchmark harness: the same workload on mediakit, the incumbents and a hardware-limit
baseline, timed in one run, reported as ratios.

A workload module in ``benchmarks/workloads/`` defines ``WORKLOADS: list[Workload]``. Each
contender is a callable taking the prepared input and returning the number of bytes it produced
(or ``None``), or a zero-argument callable that counts them: it is called after the clock stops, so
walking a descriptor to add up its files costs the contender no time (an incumbent's count is a
few attribute reads; ours was a walk over every box of a descriptor, timed); a contender whose library is missing raises ``ImportError`` and is reported as
skipped. Timings are the **median** of at least :data:`MIN_REPEAT` timed runs, reported with their
spread: a training loop pays the typical time, not the luckiest one, and the median is robust to
the odd disturbed run on a shared machine.

Naming conventions used by ``benchmarks/run.py``: a contender whose name starts with
``baseline:`` shows a hardware limit (raw zlib, memcpy, ``np.save`` ...), not a library.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Fewest timed runs per contender. Exceptions: an explicit ``repeat=`` of a caller (tests), and
#: workloads declaring ``repeat`` of 1 or 2 because a run takes minutes (wandb on 10^6 rows,
#: scale-out batches); their tables say how many runs they had.
MIN_REPEAT = 5


@dataclass
class Target:
    """``contender`` must be ``ratio`` times faster than ``versus`` (speed ratio = t_versus / t_contender).

    ``max_bytes_ratio`` optionally bounds output size relative to ``versus``; ``max_peak_fraction``
    bounds traced peak memory of ``contender`` as a fraction of ``input_bytes``.
    ``max_seconds`` instead makes the target an absolute time limit for ``contender`` alone.
    """

    contender: str
    versus: str
    ratio: float
    max_bytes_ratio: float | None = None
    max_peak_fraction: float | None = None
    max_seconds: float | None = None


@dataclass
class Workload:
    """One task, done by several contenders on the same prepared input.

    ``setup()`` builds the input once (untimed); every contender gets it. ``input_bytes(data)``
    gives the input's size (for throughput and for ``Target.max_peak_fraction``); ``items`` and
    ``unit`` (e.g. ``32`` ``"images"``) give a per-item throughput in the report.
    """

    name: str
    description: str
    setup: Callable[[], Any]
    contenders: dict[str, Callable[[Any], int | Callable[[], int] | None]]
    targets: list[Target] = field(default_factory=list)
    repeat: int = MIN_REPEAT
    input_bytes: Callable[[Any], int] | None = None
    teardown: Callable[[Any], None] | None = None
    items: int | None = None
    unit: str = "items"


@dataclass
class Result:
    workload: str
    contender: str
    seconds: float | None
    bytes_out: int | None
    peak_bytes: int | None = None
    error: str | None = None
    #: Every timed run (seconds), in order; ``seconds`` is their median.
    times: list[float] = field(default_factory=list)
    #: Process CPU seconds during the median run (> seconds when several cores worked; child
    #: processes are not counted).
    cpu_seconds: float | None = None
    #: ``Workload.input_bytes`` of the prepared input, when the workload defines it.
    input_bytes: int | None = None

    @property
    def spread(self) -> float | None:
        """``(slowest - fastest) / median`` of the timed runs: how noisy the figure is."""
        if not self.times or not self.seconds:
            return None
        return (max(self.times) - min(self.times)) / self.seconds


def effective_repeat(w: Workload) -> int:
    """Timed runs a workload gets by default: its ``repeat``, raised to :data:`MIN_REPEAT` unless
    it declared 1 or 2 (runs too slow to repeat five times)."""
    return w.repeat if w.repeat <= 2 else max(MIN_REPEAT, w.repeat)


def median_index(times: list[float]) -> int:
    """Index of the median run (the lower middle one for an even count)."""
    order = sorted(range(len(times)), key=times.__getitem__)
    return order[(len(order) - 1) // 2]


def _failure(w: Workload, name: str, e: Exception, in_bytes: int | None) -> Result:
    error = f"skipped: {e}" if isinstance(e, ImportError) else f"{type(e).__name__}: {e}"
    return Result(w.name, name, None, None, error=error, input_bytes=in_bytes)


def run_workload(w: Workload, *, measure_memory: bool = True, repeat: int | None = None) -> list[Result]:
    """Set up ``w``, time every contender (one untimed warm-up, then ``repeat`` runs, default
    ``w.repeat`` but at least :data:`MIN_REPEAT`; the median counts), trace peak memory where a
    target asks for it, tear down.

    The timed runs are interleaved: round 1 times every contender once, then round 2, and so
    on. On a shared machine the load changes over a workload's minute or two; interleaving
    exposes every contender to the same quiet and busy moments, so the ratios of medians stay
    fair even when the absolute times are disturbed.
    """
    data = w.setup()
    n = max(1, repeat if repeat is not None else effective_repeat(w))
    in_bytes: int | None = None
    failed: dict[str, Result] = {}
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    outs: dict[str, int | None] = {}
    peaks: dict[str, int | None] = {}
    try:
        in_bytes = w.input_bytes(data) if w.input_bytes is not None else None
        for name, fn in w.contenders.items():
            try:
                fn(data)  # warm-up: imports, caches, lazily created pools and runs
                times[name], cpu[name] = [], []
            except Exception as e:  # a failing or missing contender is reported, not fatal
                failed[name] = _failure(w, name, e, in_bytes)
        for _ in range(n):
            for name in list(times):
                fn = w.contenders[name]
                gc.collect()
                c0 = time.process_time()
                t0 = time.perf_counter()
                try:
                    out = fn(data)
                    elapsed, used = time.perf_counter() - t0, time.process_time() - c0
                    outs[name] = out() if callable(out) else out  # a deferred count: untimed
                except Exception as e:  # failing after a good warm-up: report, stop timing it
                    failed[name] = _failure(w, name, e, in_bytes)
                    del times[name]
                    continue
                times[name].append(elapsed)
                cpu[name].append(used)
        for name in list(times):
            peaks[name] = None
            if measure_memory and any(t.max_peak_fraction and t.contender == name for t in w.targets):
                gc.collect()
                tracemalloc.start()
                try:
                    w.contenders[name](data)
                    peaks[name] = tracemalloc.get_traced_memory()[1]
                except Exception as e:
                    failed[name] = _failure(w, name, e, in_bytes)
                    del times[name]
                finally:
                    tracemalloc.stop()
    finally:
        if w.teardown is not None:
            w.teardown(data)
    results: list[Result] = []
    for name in w.contenders:
        if name in failed:
            results.append(failed[name])
            continue
        ts = times.get(name, [])
        if not ts:  # only possible if the workload was interrupted
            continue
        i = median_index(ts)
        results.append(
            Result(w.name, name, ts[i], outs.get(name), peaks.get(name), times=ts, cpu_seconds=cpu[name][i], input_bytes=in_bytes)
        )
    return results


def speed_ratio(results: list[Result], contender: str, versus: str) -> float | None:
    """``t_versus / t_contender`` (> 1: ``contender`` is faster), or ``None`` if either is missing."""
    by = {r.contender: r for r in results}
    a, b = by.get(contender), by.get(versus)
    if a is None or b is None or not a.seconds or b.seconds is None:
        return None
    return b.seconds / a.seconds


def check_targets(w: Workload, results: list[Result], data_bytes: int | None = None) -> list[tuple[str, bool | None, str]]:
    """Verdicts ``(label, met, text)``: ``met`` is ``True``/``False``, or ``None`` when a needed
    figure was not measured (a skipped or failed contender, no memory trace)."""
    by = {r.contender: r for r in results}
    if data_bytes is None:
        data_bytes = next((r.input_bytes for r in results if r.input_bytes), None)
    verdicts: list[tuple[str, bool | None, str]] = []
    for t in w.targets:
        a, b = by.get(t.contender), by.get(t.versus)
        if t.max_seconds is not None:
            if a is None or a.seconds is None:
                verdicts.append((f"{t.contender} <= {t.max_seconds:g} s", None, "not measured"))
            else:
                ok = a.seconds <= t.max_seconds
                verdicts.append((f"{t.contender} <= {t.max_seconds:g} s", ok, f"{a.seconds:.3f} s"))
            continue
        label = f"{t.contender} vs {t.versus}"
        if not a or not b or a.seconds is None or b.seconds is None:
            why = next((f"{r.contender}: {r.error}" for r in (a, b) if r is not None and r.error), "not measured")
            verdicts.append((label, None, f"not measured ({why})" if why != "not measured" else why))
            continue
        ratio = b.seconds / a.seconds
        ok: bool | None = ratio >= t.ratio
        text = f"{ratio:.2f}x (target >= {t.ratio:.3g}x)"
        if t.max_bytes_ratio is not None:
            if a.bytes_out and b.bytes_out:
                br = a.bytes_out / b.bytes_out
                ok = ok and br <= t.max_bytes_ratio
                text += f"; bytes {br:.3f}x (target <= {t.max_bytes_ratio:.3g}x)"
            else:
                ok = None if ok else ok
                text += "; bytes not measured"
        if t.max_peak_fraction is not None:
            if a.peak_bytes is not None and data_bytes:
                frac = a.peak_bytes / data_bytes
                ok = ok and frac <= t.max_peak_fraction
                text += f"; peak extra memory {frac:.2f} of input (target <= {t.max_peak_fraction:.3g})"
            else:
                ok = None if ok else ok
                text += "; peak memory not measured"
        verdicts.append((label, ok, text))
    return verdicts
