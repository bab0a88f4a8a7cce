"""A store on any fsspec filesystem (S3, GCS, memory://, ...). Needs ``mediakit[cloud]``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._lazy import require
from ._base import Store


class FsspecStore(Store):
    """Files under ``url`` on an fsspec filesystem."""

    kind = "fsspec"

    def __init__(self, url: str, **storage_options: Any) -> None:
        super().__init__()
        fsspec = require("fsspec", extra="cloud", feature="Remote stores")
        self.fs, root = fsspec.core.url_to_fs(url, **storage_options)
        self.root = root.rstrip("/")
        self._url = url.rstrip("/")

    def __repr__(self) -> str:
        return f"FsspecStore({self._url!r})"

    def _full(self, path: str) -> str:
        return f"{self.root}/{path}"

    def _exists(self, path: str) -> bool:
        return bool(self.fs.isfile(self._full(path)))

    def _read(self, path: str) -> bytes:
        return bytes(self.fs.cat_file(self._full(path)))

    def _write_atomic(self, path: str, data: bytes) -> None:
        # Object stores make a single-object write atomic; for file-like backends write a
        # temporary name first and move it into place.
        full = self._full(path)
        parent = full.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        import uuid

        # A unique temporary name: concurrent writers of the same content must not share one.
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}-{path.rsplit('/', 1)[-1]}"
        self.fs.pipe_file(tmp, data)
        self.fs.mv(tmp, full)

    def _size(self, path: str) -> int:
        return int(self.fs.size(self._full(path)))

    def _delete(self, path: str) -> None:
        self.fs.rm_file(self._full(path))

    def _list(self) -> Iterator[str]:
        if not self.fs.exists(self.root):
            return iter(())
        prefix = self.root + "/"
        found = self.fs.find(self.root)
        return iter(
            p[len(prefix):] if p.startswith(prefix) else p.lstrip("/")[len(prefix.lstrip("/")):]
            for p in found
            if not p.rsplit("/", 1)[-1].startswith(".tmp-")
        )

    def url(self, path: str) -> str:
        from ._base import safe_relpath

        return f"{self._url}/{safe_relpath(path)}"
