"""mediakit's shared worker threads (PNG deflate slices, histogram chunks, per-class curves):
one pool per process, created on first use, never at import. Work sent here must release the GIL
(zlib, numpy sorts and reductions) to gain anything."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def workers() -> int:
    """How many threads :func:`pool` has (or will have): 2 to 8, following the core count."""
    return max(2, min(8, os.cpu_count() or 2))


def pool() -> ThreadPoolExecutor:
    """The process-wide pool (daemon threads, idle when unused)."""
    global _POOL
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                from concurrent.futures import ThreadPoolExecutor

                _POOL = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="mediakit")
    return _POOL


def in_pool() -> bool:
    """True on one of the pool's own threads: work there must not wait on the pool (it could
    wait for itself), so callers run their pieces inline instead."""
    return threading.current_thread().name.startswith("mediakit_")
