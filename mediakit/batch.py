"""Many items at once: thread pools (or any ``concurrent.futures.Executor``), order kept,
failures isolated per item when asked to."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from .store import coerce_store

#: Lists shorter than this are encoded in the calling thread.
PARALLEL_MIN = 4


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def encode_many(items: Sequence[Any], store: Any, *, executor: Executor | None = None) -> list[dict[str, Any]]:
    """Encode media objects into ``store`` in parallel; descriptors come back in input order.

    Encoders that release the GIL (PNG deflate, numpy filters, ffmpeg subprocesses) keep all
    cores busy on threads. If any item fails, the files written for the others are removed too
    (when called inside a transaction) and the first error is raised.
    """
    st = coerce_store(store)
    if len(items) < PARALLEL_MIN and executor is None:
        return [item.encode(st) for item in items]
    journal = st.current_journal()

    def one(item: Any) -> dict[str, Any]:
        with st.transaction(into=journal):
            return item.encode(st)

    if executor is not None:
        return _all_or_first_error(executor, one, items)
    with ThreadPoolExecutor(max_workers=default_workers(), thread_name_prefix="mediakit-encode") as pool:
        return _all_or_first_error(pool, one, items)


def _all_or_first_error(ex: Executor, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Results in order; on failure, wait for every other item first (so the caller's rollback
    sees all the files they wrote), then raise the first error."""
    from concurrent.futures import wait

    futures = [ex.submit(fn, item) for item in items]
    wait(futures)
    for fut in futures:
        err = fut.exception()
        if err is not None:
            raise err
    return [fut.result() for fut in futures]


def run_isolated(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    on_done: Callable[[Any, Any, BaseException | None], None] | None = None,
) -> list[tuple[Any, Any, BaseException | None]]:
    """Apply ``fn`` to each item; an exception is recorded for its item, never stops the batch.

    Returns ``(item, result, error)`` triples in input order. ``on_done`` is called as each item
    finishes (for progress bars).
    """
    items = list(items)
    own = executor is None
    ex = executor or ThreadPoolExecutor(max_workers=workers or default_workers(), thread_name_prefix="mediakit-batch")
    try:
        futures = [ex.submit(fn, item) for item in items]
        out: list[tuple[Any, Any, BaseException | None]] = []
        for item, fut in zip(items, futures):
            try:
                res, err = fut.result(), None
            except Exception as e:
                res, err = None, e
            if on_done is not None:
                on_done(item, res, err)
            out.append((item, res, err))
        return out
    finally:
        if own:
            ex.shutdown(wait=True)
