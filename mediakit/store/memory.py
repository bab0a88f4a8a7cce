"""An in-memory store (for tests and for servers that render without touching disk)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from .._errors import MediaTypeError
from ._base import Store


class MemoryStore(Store):
    """Keeps files in a dict; thread-safe."""

    kind = "memory"

    def __init__(self) -> None:
        super().__init__()
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._files)} files)"

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy in a worker process would take writes the caller never sees: refuse.
        msg = "store: a MemoryStore lives in one process's memory and cannot be sent to worker processes; use a LocalStore directory or an fsspec URL (s3://bucket/prefix)"
        raise MediaTypeError(msg)

    def _exists(self, path: str) -> bool:
        return path in self._files

    def _read(self, path: str) -> bytes:
        return self._files[path]

    def _write_atomic(self, path: str, data: bytes) -> None:
        with self._lock:
            self._files[path] = data

    def _size(self, path: str) -> int:
        return len(self._files[path])

    def _delete(self, path: str) -> None:
        with self._lock:
            self._files.pop(path, None)

    def _list(self) -> Iterator[str]:
        return iter(list(self._files))
