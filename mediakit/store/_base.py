"""The store protocol: content-addressed, idempotent, atomic ``put``; safe relative paths.

A store knows nothing about media kinds: it keeps bytes under names derived from their sha256.
"""

from __future__ import annotations

import builtins
import io
import posixpath
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, BinaryIO, Union

from .._errors import MediaTypeError, StorageError, shown
from .._hashing import known_sha256
from .._record import FrozenRecord
from .._threads import in_pool, pool

#: Folder (relative to the store root) that holds content-addressed media files.
MEDIA_DIR = "media"


class FileRef(FrozenRecord):
    """Where a stored file lives and what it is. ``path`` is relative to the store root."""

    __slots__ = __match_args__ = ("path", "sha256", "size", "media_type")

    path: str
    sha256: str
    size: int
    media_type: str

    def __init__(self, path: str, sha256: str, size: int, media_type: str) -> None:
        self._init(path, sha256, size, media_type)

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
        msg = f"suffix: expected '.' followed by 1-16 letters or digits, got {shown(suffix)}"
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
    import hashlib  # on first use: OpenSSL's start-up is 3-5 ms of ``mk.Image``'s import otherwise

    return hashlib.sha256(data).hexdigest()


def random_token() -> str:
    """A fresh random hex token (a uuid4), for transaction markers and temporary names."""
    import uuid  # on first use, like hashlib

    return uuid.uuid4().hex


#: Blobs of at least this many bytes are hashed on a worker thread while the store stages them
#: (a local store writes them to a temporary file meanwhile): both release the GIL.
PARALLEL_HASH_BYTES = 4 << 20

#: Temporary files and ownership markers older than this (seconds) were left by a killed writer;
#: the next writer into their folder removes them.
STALE_SECONDS = 3600.0


class Store:
    """Base class of stores. Subclasses implement the five primitive ``_`` methods (and may
    override the ownership primitives below to make them hold across processes).

    ``put`` is content-addressed (the name is the sha256 of the bytes), idempotent (putting the
    same bytes again writes nothing), atomic (readers never see a partial file under its final
    name) and self-repairing (a wrong file already under the content name is replaced).

    Ownership: a file a transaction *created* carries a marker naming that transaction. Anyone
    else who is handed the same content removes the marker (a claim); a rollback deletes only
    files whose marker still names it, under :meth:`_claim_lock`, so content someone else was
    handed is never deleted.
    """

    #: A short name for messages and ``repr``.
    kind = "store"
    #: How ``put`` checks a file already under its content name: ``"hash"`` (size, then sha256)
    #: or ``"size"`` (for object stores, where reading back costs a download).
    verify_existing = "hash"
    #: Whether a transaction writes its ownership marker before the content (backends without
    #: a lock shared by all writers: whoever finds the content then finds the marker too).
    marker_first = False

    def __init__(self) -> None:
        # Per-thread stack of open transactions' journals (paths this store created in them).
        self._local = threading.local()
        self._merge_lock = threading.RLock()
        # Path -> token of the marker this instance wrote for a file it created in an open
        # transaction; the default markers (one process, one instance) live in ``_owners``.
        self._tokens: dict[str, str] = {}
        self._owners: dict[str, str] = {}
        self._deletions = 0  # rollbacks by this instance, so put knows whether to look again

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

    def _stat(self, path: str) -> int | None:
        """The file's size, or None if there is none (one request where that matters)."""
        return self._size(path) if self._exists(path) else None

    def _sha256(self, path: str) -> str:
        """The sha256 of the stored file (backends override this to stream)."""
        return hash_bytes(self._read(path))

    # -- ownership primitives (defaults: this instance only) ---------------------------------
    @contextmanager
    def _claim_lock(self) -> Iterator[None]:
        """Held while a file's creation, claim or rollback is decided."""
        with self._merge_lock:
            yield

    def _stage(self, data: bytes) -> object | None:
        """Put ``data`` somewhere temporary before its name is known (while it is hashed);
        what :meth:`_create` gets back as ``staged``. Default: nothing staged."""
        return None

    def _unstage(self, staged: object) -> None:
        """Remove what :meth:`_stage` left, if :meth:`_create` did not use it up."""

    def _create(self, path: str, data: bytes, *, seen: bool, staged: object | None = None) -> bool:
        """Write ``data`` under ``path`` unless a file is there (claim lock held); True if this
        call created it. ``seen``: this instance saw the file and deleted nothing since.
        ``staged``: what :meth:`_stage` returned for ``data``, if anything."""
        if seen or self._exists(path):
            return False
        self._write_atomic(path, data)
        return True

    def _marker_get(self, path: str) -> str | None:
        return self._owners.get(path)

    def _marker_set(self, path: str, token: str) -> None:
        self._owners[path] = token

    def _marker_del(self, path: str) -> None:
        self._owners.pop(path, None)

    def _sweep(self, path: str) -> None:
        """Remove stale temporary files near ``path`` (backends with temporary files)."""

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
        staged: object | None = None
        path = f"{MEDIA_DIR}/(unnamed){suffix}"
        try:
            known = known_sha256(blob)  # hashed by mediakit while it made these very bytes
            if known is not None:
                sha = known
            elif len(blob) >= PARALLEL_HASH_BYTES and not in_pool():
                hashing = pool().submit(hash_bytes, blob)
                try:
                    staged = self._stage(blob)
                finally:
                    sha = hashing.result()
            else:
                sha = hash_bytes(blob)
            path = content_path(sha, suffix)
            self._put(path, blob, sha, staged)
        except OSError as e:
            if isinstance(e, StorageError):
                raise
            msg = f"could not write {path!r} to {self!r}: {e}"
            raise StorageError(msg) from e
        finally:
            if staged is not None:
                self._unstage(staged)
        return FileRef(path=path, sha256=sha, size=len(blob), media_type=media_type_for(suffix))

    def _intact(self, path: str, size: int, want_size: int, sha: str) -> bool:
        if size != want_size:
            return False
        try:
            return self.verify_existing != "hash" or self._sha256(path) == sha
        except FileNotFoundError:
            return True  # gone meanwhile (a rollback): put creates it again below

    def _put(self, path: str, blob: bytes, sha: str, staged: object | None = None) -> None:
        self._sweep(path)
        deletions = self._deletions
        size = self._stat(path)
        if size is not None and not self._intact(path, size, len(blob), sha):
            # A truncated or swapped file under the content name: replace it atomically. Its
            # name was someone's before, so it is not ours to remove on rollback.
            self._write_atomic(path, blob)
        stack = self._stack()
        token = random_token() if stack else None
        with self._claim_lock():
            if token is not None and self.marker_first:
                self._marker_set(path, token)  # before the content: see marker_first
            created = self._create(path, blob, seen=size is not None and deletions == self._deletions, staged=staged)
            if created and token is not None:
                if not self.marker_first:
                    self._marker_set(path, token)
                with self._merge_lock:
                    self._tokens[path] = token
                stack[-1].append(path)
            elif not created:
                marker = self._marker_get(path)
                if marker is not None and not (marker == self._tokens.get(path) and any(path in j for j in stack)):
                    self._marker_del(path)  # claimed: its creator's rollback keeps it now
                    self._claimed(path, blob)

    def _claimed(self, path: str, blob: bytes) -> None:
        """After a claim (backends whose rollbacks are not under a shared lock make sure the
        content is still there, writing ``blob`` again if a rollback removed it meanwhile)."""

    def _release(self, path: str, token: str, *, rollback: bool) -> None:
        """Commit (drop our marker) or roll back (delete the file too) ``path``, if the marker
        still names ``token`` (claim lock held)."""
        if self._marker_get(path) != token:
            return  # claimed by someone else: it stays
        self._marker_del(path)
        if rollback:
            self._deletions += 1
            self._delete(path)

    def read(self, path: str, *, max_bytes: int | None = None, verify: str | None = None) -> bytes:
        """The bytes stored at ``path`` (store-relative); more than ``max_bytes`` is refused
        with :class:`LimitError` before anything is read. ``verify`` (a sha256 hex digest, as
        in a descriptor) checks the bytes: a mismatch is a :class:`StorageError`."""
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
        try:
            blob = self._read(path)
        except OSError as e:
            if isinstance(e, StorageError):
                raise
            msg = f"path: could not read {path!r} from {self!r}: {e}"
            raise StorageError(msg) from e
        if max_bytes is not None and len(blob) > max_bytes:  # grew between stat and read
            from .._errors import LimitError

            msg = f"path: {path!r} has more than the limit of {max_bytes} bytes"
            raise LimitError(msg)
        if verify is not None and hash_bytes(blob) != verify:
            msg = (
                f"path: {path!r} does not match its sha256 {verify[:16]}... (the stored file is corrupt or was "
                f"replaced); put the original bytes again to repair it"
            )
            raise StorageError(msg)
        return blob

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
            msg = f"path: {path!r} is inside {shown(MEDIA_DIR + '/')}, which holds only content-addressed files; use put() or another folder"
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
        """Remove every file this block created if the block raises.

        Transactions nest: on success a block's files join the enclosing transaction of the same
        thread (or ``into``, a journal from :meth:`current_journal` of another thread), so an
        outer failure still removes them. Content that was already in the store, or that anyone
        else (another thread, store instance or process) has since been handed, is never removed.
        """
        stack = self._stack()
        parent = into if into is not None else (stack[-1] if stack else None)
        journal: builtins.list[str] = []
        stack.append(journal)
        try:
            yield self
        except BaseException:
            stack.pop()
            paths = list(reversed(journal))
            journal.clear()  # late additions from stray workers are not ours to undo twice
            self._finish(paths, rollback=True)
            raise
        else:
            stack.pop()
            if parent is not None:
                with self._merge_lock:
                    parent.extend(journal)  # still held, now by the enclosing transaction
            else:
                self._finish(journal, rollback=False)

    def _finish(self, paths: builtins.list[str], *, rollback: bool) -> None:
        """Roll back (delete what still carries our marker) or commit (drop our markers)."""
        for path in paths:
            with self._merge_lock:
                token = self._tokens.pop(path, None)
            if token is None:
                continue
            try:
                with self._claim_lock():
                    self._release(path, token, rollback=rollback)
            except OSError:
                pass  # best effort: a file left behind is harmless, a missing one is not
