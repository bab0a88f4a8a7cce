"""The store protocol: content-addressed, idempotent, atomic ``put``; safe relative paths.

A store knows nothing about media kinds: it keeps bytes under names derived from their sha256.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import posixpath
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, Union

from .._errors import MediaTypeError, StorageError

#: Folder (relative to the store root) that holds content-addressed media files.
MEDIA_DIR = "media"

@dataclass(frozen=True)
class FileRef:
    """Where a stored file lives and what it is. ``path`` is relative to the store root."""

    path: str
    sha256: str
    size: int
    media_type: str

    def to_dict(self) -> dict[str, Any]:
        """The file fields of a descriptor."""
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "media_type": self.media_type}


def media_type_for(suffix: str) -> str:
    """The media type of stored files with this suffix, from the format registry."""
    from ..formats import media_type

    return media_type(suffix)


def check_suffix(suffix: str) -> str:
    """A suffix is ``.`` followed by 1-16 lowercase letters or digits."""
    if not isinstance(suffix, str):
        msg = f"suffix: expected a str such as '.png', got {type(suffix).__name__}"
        raise MediaTypeError(msg)
    body = suffix[1:]
    if not (suffix.startswith(".") and 0 < len(body) <= 16 and body.isascii() and body.isalnum()):
        msg = f"suffix: expected '.' followed by 1-16 letters or digits, got {suffix!r}"
        raise StorageError(msg)
    return suffix.lower()


def content_path(sha256: str, suffix: str) -> str:
    """The store-relative path of content with this digest: ``media/ab/abcdef....png``."""
    return f"{MEDIA_DIR}/{sha256[:2]}/{sha256}{suffix}"


def safe_relpath(path: object, *, field: str = "path") -> str:
    """Check that ``path`` is a relative POSIX path that stays inside the store root.

    Absolute paths, drive letters, backslashes, NUL bytes, empty parts and ``..`` are refused.
    (Symlinks are checked by the local store, which can see them.)
    """
    if not isinstance(path, str):
        msg = f"{field}: expected a relative path string, got {type(path).__name__}"
        raise StorageError(msg)
    bad = (
        not path
        or path.startswith(("/", "~"))
        or "\\" in path
        or "\x00" in path
        or (len(path) > 1 and path[1] == ":")
        or "://" in path
    )
    parts = path.split("/")
    if bad or any(p in ("", ".", "..") for p in parts):
        msg = f"{field}: {path!r} is not a plain relative path inside the store (absolute paths, '..' and empty parts are refused)"
        raise StorageError(msg)
    return posixpath.normpath(path)


DataLike = Union[bytes, bytearray, memoryview, IO[bytes]]  # noqa: UP007 - a runtime alias on 3.10


def hash_bytes(data: bytes | bytearray | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    """Base class of stores. Subclasses implement the five primitive ``_`` methods.

    ``put`` is content-addressed (the name is the sha256 of the bytes), idempotent (putting the
    same bytes again writes nothing) and atomic (readers never see a partial file under its final
    name).
    """

    #: A short name for messages and ``repr``.
    kind = "store"

    def __init__(self) -> None:
        # Per-thread stack of open transactions' journals (paths newly written in them).
        self._local = threading.local()
        self._merge_lock = threading.Lock()
        # Paths newly written by still-open transactions (with how many hold them), and those
        # of them that someone else has since been handed: a rollback must not delete those.
        self._fresh: dict[str, int] = {}
        self._shared: set[str] = set()

    # -- primitives -------------------------------------------------------------------------
    def _exists(self, path: str) -> bool:
        raise NotImplementedError

    def _read(self, path: str) -> bytes:
        raise NotImplementedError

    def _write_atomic(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    def _delete(self, path: str) -> None:
        raise NotImplementedError

    def _list(self) -> Iterator[str]:
        raise NotImplementedError

    def _size(self, path: str) -> int:
        """Size in bytes without reading (backends override this with a cheap stat)."""
        return len(self._read(path))

    # -- public API -------------------------------------------------------------------------
    def put(self, data: DataLike, *, suffix: str) -> FileRef:
        """Store ``data`` (bytes or a binary file object) and return its :class:`FileRef`."""
        suffix = check_suffix(suffix)
        if isinstance(data, (bytes, bytearray, memoryview)):
            blob = bytes(data)
        elif hasattr(data, "read"):
            blob = data.read()
            if not isinstance(blob, (bytes, bytearray)):
                msg = f"data: expected a binary file object, its read() returned {type(blob).__name__}"
                raise MediaTypeError(msg)
            blob = bytes(blob)
        else:
            msg = f"data: expected bytes or a binary file object, got {type(data).__name__}"
            raise MediaTypeError(msg)
        sha = hash_bytes(blob)
        path = content_path(sha, suffix)
        stack = self._stack()
        with self._merge_lock:
            if path in self._fresh:
                # Another open transaction wrote this content; now we depend on it too.
                self._shared.add(path)
            write = not self._exists(path)
            if write and stack:
                self._fresh[path] = self._fresh.get(path, 0) + 1
                stack[-1].append(path)
        if write:
            try:
                self._write_atomic(path, blob)
            except OSError as e:
                if isinstance(e, StorageError):
                    raise
                msg = f"could not write {path!r} to {self!r}: {e}"
                raise StorageError(msg) from e
        return FileRef(path=path, sha256=sha, size=len(blob), media_type=media_type_for(suffix))

    def read(self, path: str, *, max_bytes: int | None = None) -> bytes:
        """The bytes stored at ``path`` (store-relative); more than ``max_bytes`` is refused
        with :class:`LimitError` before anything is read."""
        path = safe_relpath(path)
        if not self._exists(path):
            from .._errors import MediaFileNotFoundError

            msg = f"path: {path!r} does not exist in {self!r}"
            raise MediaFileNotFoundError(msg)
        if max_bytes is not None:
            size = self._size(path)
            if size > max_bytes:
                from .._errors import LimitError

                msg = f"path: {path!r} has {size} bytes, more than the limit of {max_bytes}"
                raise LimitError(msg)
        return self._read(path)

    get = read

    def open(self, path: str) -> BinaryIO:
        """A binary file object over the stored file."""
        return io.BytesIO(self.read(path))

    def exists(self, path: str) -> bool:
        return self._exists(safe_relpath(path))

    def url(self, path: str) -> str:
        """A URL (or URL-like string) for the file; for logs and viewers."""
        return safe_relpath(path)

    def delete(self, path: str) -> None:
        path = safe_relpath(path)
        if self._exists(path):
            self._delete(path)

    def list(self) -> builtins.list[str]:
        """Every stored file's relative path, sorted."""
        return sorted(self._list())

    def iter_paths(self, prefix: str = "") -> Iterator[str]:
        """Stored files' relative paths under ``prefix`` (a folder such as ``"descriptors"``),
        as the backend lists them: unsorted, never all held at once by the store."""
        if prefix:
            prefix = safe_relpath(prefix.rstrip("/"), field="prefix") + "/"
        return (p for p in self._list() if p.startswith(prefix))

    def write(self, path: str, data: bytes | bytearray | memoryview) -> str:
        """Write ``data`` under a chosen name (a descriptor, a thumbnail), atomically,
        replacing what was there. Names under ``media/`` are refused: that folder holds only
        content-addressed files (use :meth:`put`)."""
        path = safe_relpath(path)
        if path == MEDIA_DIR or path.startswith(MEDIA_DIR + "/"):
            msg = f"path: {path!r} is inside {MEDIA_DIR + '/'!r}, which holds only content-addressed files; use put() or another folder"
            raise StorageError(msg)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            msg = f"data: expected bytes, got {type(data).__name__}"
            raise MediaTypeError(msg)
        try:
            self._write_atomic(path, bytes(data))
        except OSError as e:
            if isinstance(e, StorageError):
                raise
            msg = f"could not write {path!r} to {self!r}: {e}"
            raise StorageError(msg) from e
        return path

    # -- processes ---------------------------------------------------------------------------
    def __reduce__(self) -> tuple[Any, ...]:
        """Stores travel to worker processes (process pools, Dask) by how to re-open them,
        never by their open handles or transaction state."""
        msg = f"store: {self!r} cannot be sent to another process; use a LocalStore directory or an fsspec URL store"
        raise MediaTypeError(msg)

    def _stack(self) -> builtins.list[builtins.list[str]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def current_journal(self) -> builtins.list[str] | None:
        """The journal of this thread's innermost open transaction (to hand to worker threads)."""
        stack = self._stack()
        return stack[-1] if stack else None

    @contextmanager
    def transaction(self, *, into: builtins.list[str] | None = None) -> Iterator[Store]:
        """Remove every file this block newly wrote if the block raises.

        Transactions nest: on success a block's files join the enclosing transaction of the same
        thread (or ``into``, a journal from :meth:`current_journal` of another thread), so an
        outer failure still removes them. Content that was already in the store is never removed,
        and files written by other threads' transactions are not touched.
        """
        stack = self._stack()
        parent = into if into is not None else (stack[-1] if stack else None)
        journal: builtins.list[str] = []
        stack.append(journal)
        try:
            yield self
        except BaseException:
            stack.pop()
            with self._merge_lock:
                doomed = [p for p in reversed(journal) if p not in self._shared]
                self._release(journal)
                journal.clear()  # late additions from stray workers are not ours to undo twice
            for path in doomed:
                try:
                    self._delete(path)
                except OSError:
                    pass
            raise
        else:
            stack.pop()
            with self._merge_lock:
                if parent is not None:
                    parent.extend(journal)  # still held, now by the enclosing transaction
                else:
                    self._release(journal)

    def _release(self, journal: builtins.list[str]) -> None:
        """Forget the bookkeeping of a finished outermost transaction (lock held)."""
        for path in journal:
            left = self._fresh.get(path, 0) - 1
            if left > 0:
                self._fresh[path] = left
            else:
                self._fresh.pop(path, None)
                self._shared.discard(path)
