"""A store in a local directory: temporary file + hard link (create-exclusive) or ``os.replace``.

Across processes and store instances on one folder, the decisions of the ownership protocol
(see :class:`~mediakit.store.Store`) are made under an advisory lock (``flock``) on the
``media/`` folder. A marker is an extended attribute (``user.mediakit.owner``) of the media file
itself where the filesystem has them (Linux: ext4, XFS, btrfs, tmpfs since 6.6 ...), else a small
file ``.own-<name>`` beside it. An attribute costs a system call; a marker file costs an inode,
which on some disks is most of the time of storing a small file.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._errors import StorageError
from ._base import MEDIA_DIR, STALE_SECONDS, Store, random_token, safe_relpath

if TYPE_CHECKING:
    from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only (see SECURITY.md)
    fcntl = None  # type: ignore[assignment]

#: Names that are the store's own bookkeeping, never listed.
_HIDDEN = (".tmp-", ".own-")
#: The extended attribute that holds an ownership marker (the token of the transaction that
#: created the file), where the filesystem supports user attributes.
_OWNER_ATTR = "user.mediakit.owner"
#: Errors that mean "no user attributes here" (not supported, or not allowed on this file).
_NO_ATTRS = {errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EACCES, errno.ENOSYS}
_CHUNK = 1 << 20


class LocalStore(Store):
    """Files under ``root`` (created if missing). Files get the process umask (0644 usually).

    Internally paths are strings joined with ``os.path`` (``pathlib`` objects cost several times
    the system calls they wrap on the one-file-at-a-time path of ``Run.log``)."""

    kind = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        from pathlib import Path  # here, not at import: pathlib is 4-5 ms of mk.Image's first use

        super().__init__()
        try:
            self.root = Path(root).expanduser()
            self.root.mkdir(parents=True, exist_ok=True)
            self._real_root = self.root.resolve()
        except (OSError, RuntimeError) as e:
            msg = f"root: cannot use {str(root)!r} as a store directory: {e}"
            raise StorageError(msg) from e
        self._root = str(self.root)
        self._media = os.path.join(self._root, MEDIA_DIR)
        self._swept: set[str] = set()
        self._inside: set[str] = set()  # folders already found to resolve inside the root
        # Markers as extended attributes until the filesystem says it has none (then files).
        self._attrs = hasattr(os, "setxattr")

    def __repr__(self) -> str:
        return f"LocalStore({self._root!r})"

    def __reduce__(self) -> tuple[type[LocalStore], tuple[str]]:
        # Re-opened from its folder in the receiving process (transactions are per process).
        return (LocalStore, (self._root,))

    def _full(self, path: str) -> str:
        """``root / path`` after refusing symlinks (anywhere along the path) that lead out of the
        root, and loops. Folders found inside the root are remembered (a media folder is checked
        once per store instance, not on every file); the last component is looked at every time."""
        full = os.path.join(self._root, path)
        self._folder_inside(os.path.dirname(full), path)
        try:
            link = stat.S_ISLNK(os.lstat(full).st_mode)
        except OSError:  # absent (or unreadable: the operation on it will say so)
            link = False
        if link:
            self._check_inside(full, path)
        return full

    def _folder_inside(self, folder: str, path: str) -> None:
        """Check ``folder`` (under the root) component by component: a real folder inside a
        checked one is inside; a symlink is resolved. Checked folders are remembered."""
        if folder == self._root or folder in self._inside:
            return
        parent = os.path.dirname(folder)
        if parent == folder:  # pragma: no cover - above the root: safe_relpath prevents it
            return
        self._folder_inside(parent, path)
        try:
            mode = os.lstat(folder).st_mode
        except OSError:
            return  # not there yet: nothing to follow (checked again once it exists)
        if stat.S_ISLNK(mode):
            self._check_inside(folder, path)
        if stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
            self._inside.add(folder)

    def _check_inside(self, where: str, path: str) -> None:
        from pathlib import Path

        try:
            real = Path(where).resolve()
        except (RuntimeError, OSError) as e:  # a symlink loop ("Symlink loop from ...")
            msg = f"path: {path!r} cannot be resolved inside the store root {self._root!r} (symlink loop?): {e}"
            raise StorageError(msg) from e
        if real != self._real_root and self._real_root not in real.parents:
            msg = f"path: {path!r} resolves outside the store root {self._root!r} (symlink out of the store)"
            raise StorageError(msg)

    def _exists(self, path: str) -> bool:
        return os.path.isfile(self._full(path))

    def _read(self, path: str) -> bytes:
        with open(self._full(path), "rb") as f:
            return f.read()

    def _sha256(self, path: str) -> str:
        import hashlib  # on first use (see hash_bytes)

        h = hashlib.sha256()
        with open(self._full(path), "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def _temp(self, full: str, data: bytes) -> str:
        """Write ``data`` to a new temporary file beside ``full`` (mode 0666 minus the umask)."""
        folder = os.path.dirname(full)
        tmp = os.path.join(folder, f".tmp-{random_token()}{os.path.splitext(full)[1]}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileNotFoundError:  # a new fan-out folder (one open fewer than making it first)
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except BaseException:
            _unlink(tmp)
            raise
        return tmp

    def _write_atomic(self, path: str, data: bytes) -> None:
        full = self._full(path)
        tmp = self._temp(full, data)
        try:
            os.replace(tmp, full)
        except BaseException:
            _unlink(tmp)
            raise

    def _stat(self, path: str) -> int | None:
        try:
            st = os.stat(self._full(path))
        except FileNotFoundError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def _stage(self, data: bytes) -> str:
        # In media/ itself: the final name's folder is not known yet, and a hard link from here
        # to it stays on one filesystem.
        return self._temp(os.path.join(self._full(MEDIA_DIR), ".staged"), data)

    def _unstage(self, staged: object) -> None:
        assert isinstance(staged, str)
        _unlink(staged)

    def _create(self, path: str, data: bytes, *, seen: bool, staged: object | None = None) -> bool:
        # Other processes may have deleted it since: always look again, under the lock.
        full = self._full(path)
        if os.path.isfile(full):
            return False
        if isinstance(staged, str):
            os.makedirs(os.path.dirname(full), exist_ok=True)
            tmp = staged
        else:
            tmp = self._temp(full, data)
        try:
            try:
                os.link(tmp, full)  # atomic and exclusive: fails if the name exists
            except FileExistsError:
                return False
            except OSError:
                # No hard links on this filesystem: the claim lock still orders cooperating writers.
                if os.path.isfile(full):
                    return False
                os.replace(tmp, full)
            return True
        finally:
            _unlink(tmp)

    # -- ownership ---------------------------------------------------------------------------
    @contextmanager
    def _claim_lock(self) -> Iterator[None]:
        with self._merge_lock:
            if fcntl is None:
                yield
                return
            try:
                fd = os.open(self._media, os.O_RDONLY)
            except FileNotFoundError:
                os.makedirs(self._media, exist_ok=True)
                fd = os.open(self._media, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the lock

    def _marker(self, path: str) -> str:
        full = self._full(path)
        folder, name = os.path.split(full)
        return os.path.join(folder, f".own-{name}")

    def _marker_get(self, path: str) -> str | None:
        # The attribute first, then a marker file: this instance may have fallen back to files,
        # and another writer (an older mediakit, another filesystem driver) may use them.
        if self._attrs:
            try:
                return os.getxattr(self._full(path), _OWNER_ATTR).decode("ascii", "replace")
            except OSError as e:
                if e.errno not in _NO_ATTRS and e.errno != errno.ENODATA and not isinstance(e, FileNotFoundError):
                    raise
        try:
            with open(self._marker(path), encoding="ascii", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def _marker_set(self, path: str, token: str) -> None:
        if self._attrs:
            try:
                os.setxattr(self._full(path), _OWNER_ATTR, token.encode("ascii"))
                return
            except FileNotFoundError:
                raise
            except OSError as e:
                if e.errno in _NO_ATTRS:
                    self._attrs = False  # this filesystem has no user attributes: marker files
                # Else (no room for attributes on this file, ...): a marker file this time;
                # _marker_get and _marker_del look for one when the attribute is absent.
        with open(self._marker(path), "w", encoding="ascii") as f:
            f.write(token)

    def _marker_del(self, path: str) -> None:
        if self._attrs:
            full = self._full(path)
            try:
                os.removexattr(full, _OWNER_ATTR)
                return
            except OSError as e:
                if e.errno not in _NO_ATTRS and e.errno != errno.ENODATA and not isinstance(e, FileNotFoundError):
                    raise
                if e.errno in (errno.EPERM, errno.EACCES) and self._has_attr(full):
                    # Another user's file in a shared store: its attribute cannot be removed
                    # here, so the file is replaced by a copy of ours, which has none (what
                    # removing their marker file did).
                    self._write_atomic(path, self._read(path))
                    return
        _unlink(self._marker(path))

    @staticmethod
    def _has_attr(full: str) -> bool:
        try:
            os.getxattr(full, _OWNER_ATTR)
        except OSError:
            return False
        return True

    def _sweep(self, path: str) -> None:
        """Once per folder and instance: remove temporary files and markers older than
        :data:`STALE_SECONDS` (left by killed writers)."""
        for folder in (os.path.dirname(self._full(path)), self._media):  # and media/: staged files
            if folder not in self._swept:
                self._swept.add(folder)
                self._sweep_folder(folder)

    def _sweep_folder(self, folder: str) -> None:
        cutoff = time.time() - STALE_SECONDS
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(_HIDDEN):
                try:
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)
                except OSError:
                    pass

    def _size(self, path: str) -> int:
        return os.stat(self._full(path)).st_size

    def _delete(self, path: str) -> None:
        full = self._full(path)
        _unlink(full)
        # Tidy empty fan-out folders so a failed encode leaves no trace (``media/`` itself stays:
        # it carries the claim lock, which must be one inode for every writer).
        folder = os.path.dirname(full)
        while folder not in (self._root, self._media) and folder.startswith(self._root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:
                break
            self._inside.discard(folder)
            folder = os.path.dirname(folder)

    def _list(self) -> Iterator[str]:
        from pathlib import Path

        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if not name.startswith(_HIDDEN):
                    yield Path(dirpath, name).relative_to(self.root).as_posix()

    def url(self, path: str) -> str:
        from pathlib import Path

        return Path(self._full(safe_relpath(path))).resolve().as_uri()

    def local_path(self, path: str) -> Path:
        """The file's path on disk (after the same safety checks as ``read``)."""
        from pathlib import Path

        return Path(self._full(safe_relpath(path)))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
