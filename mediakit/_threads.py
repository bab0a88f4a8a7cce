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


def pool() -> ThreadPoolExecutor:
    """The process-wide pool (daemon threads, idle when unused)."""
    global _POOL
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                from concurrent.futures import ThreadPoolExecutor

                _POOL = ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2)), thread_name_prefix="mediakit")
    return _POOL
