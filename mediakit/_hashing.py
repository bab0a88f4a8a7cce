"""Hand-over of a sha256 that mediakit already computed for one bytes object, so a store's
``put`` of that very object need not hash it again (point clouds hash their PLY while it is being
filled, on the worker threads).

The record is identity-checked and lives only inside a ``with prehashed(...)`` block on one
thread: ``put`` uses it only when the blob it was handed *is* the bytes object that was hashed
(bytes are immutable, so they are still the hashed bytes). Any other object - an equal copy, a
bytearray, a memoryview, a bytes subclass - is hashed as usual. There is no public parameter a
caller could pass a wrong digest through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCAL = threading.local()


@contextmanager
def prehashed(blob: bytes, sha256: str) -> Iterator[None]:
    """While the block runs, this thread's ``Store.put`` of exactly ``blob`` (the same object)
    uses ``sha256``. Only for digests mediakit computed itself from these very bytes."""
    if type(blob) is not bytes:
        msg = f"prehashed: expected an immutable bytes object, got {type(blob).__name__}"
        raise TypeError(msg)
    prev = getattr(_LOCAL, "record", None)
    _LOCAL.record = (blob, sha256)
    try:
        yield
    finally:
        _LOCAL.record = prev


def known_sha256(blob: object) -> str | None:
    """The digest handed over for this very object on this thread, else None (hash it)."""
    record = getattr(_LOCAL, "record", None)
    if record is not None and record[0] is blob:
        return str(record[1])
    return None
