"""A store in a local directory: temp file + ``os.replace`` for atomic writes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .._errors import StorageError
from ._base import Store, safe_relpath


class LocalStore(Store):
    """Files under ``root`` (created if missing)."""

    kind = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        super().__init__()
        try:
            self.root = Path(root).expanduser()
            self.root.mkdir(parents=True, exist_ok=True)
            self._real_root = self.root.resolve()
        except OSError as e:
            msg = f"root: cannot use {str(root)!r} as a store directory: {e}"
            raise StorageError(msg) from e

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def __reduce__(self) -> tuple[type[LocalStore], tuple[str]]:
        # Re-opened from its folder in the receiving process (transactions are per process).
        return (LocalStore, (str(self.root),))

    def _full(self, path: str) -> Path:
        full = self.root / path
        # Refuse symlinks (anywhere along the path) that lead out of the root.
        real = full.resolve()
        if real != self._real_root and self._real_root not in real.parents:
            msg = f"path: {path!r} resolves outside the store root {str(self.root)!r} (symlink out of the store)"
            raise StorageError(msg)
        return full

    def _exists(self, path: str) -> bool:
        return self._full(path).is_file()

    def _read(self, path: str) -> bytes:
        return self._full(path).read_bytes()

    def _write_atomic(self, path: str, data: bytes) -> None:
        full = self._full(path)
        full.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=full.parent, prefix=".tmp-", suffix=full.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, full)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def _size(self, path: str) -> int:
        return self._full(path).stat().st_size

    def _delete(self, path: str) -> None:
        full = self._full(path)
        full.unlink(missing_ok=True)
        # Tidy empty fan-out folders so a failed encode leaves no trace.
        for parent in full.parents:
            if parent == self.root or self.root not in parent.parents:
                break
            try:
                parent.rmdir()
            except OSError:
                break

    def _list(self) -> Iterator[str]:
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if not name.startswith(".tmp-"):
                    yield Path(dirpath, name).relative_to(self.root).as_posix()

    def url(self, path: str) -> str:
        return self._full(safe_relpath(path)).resolve().as_uri()

    def local_path(self, path: str) -> Path:
        """The file's path on disk (after the same safety checks as ``read``)."""
        return self._full(safe_relpath(path))
