"""Pausing Python's cyclic garbage collector around blocks that build many containers.

Every container object created counts towards the collector's next pass, and a full pass walks
every tracked object of the process. Building 10,000 row tuples for a JSON table (or 100,000 for
a box list) wakes it many times to find nothing: the new objects are acyclic and short-lived.
Reference counting still frees everything at once; only the cycle search waits for the block.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, restoring its previous state after (so a
    caller who turned it off keeps it off; concurrent blocks in other threads only ever leave
    it as enabled as it was)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
