"""A store on any fsspec filesystem (S3, GCS, memory://, ...). Needs ``mediakit[cloud]``
(S3 also needs ``s3fs``).

Object stores (S3, GCS, Azure) make one PUT atomic: an object is either complete under its key or
absent, so files are written straight to their final key (a temporary name plus a server-side
copy would double the requests and could leave a stray object if interrupted). Elsewhere a
temporary name is written first and moved into place. On S3, "is this content already stored"
is one HEAD request on the key (s3fs's own ``isfile`` adds a listing when the key is absent).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from .._lazy import require
from ._base import Store, safe_relpath

#: fsspec protocols whose single-object writes are atomic.
OBJECT_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss"})


def _reopen(url: str, storage_options: dict[str, Any]) -> FsspecStore:
    return FsspecStore(url, **storage_options)


class FsspecStore(Store):
    """Files under ``url`` on an fsspec filesystem."""

    kind = "fsspec"

    def __init__(self, url: str, **storage_options: Any) -> None:
        super().__init__()
        fsspec = require("fsspec", extra="cloud", feature="Remote stores")
        if url.startswith(("s3://", "s3a://")):
            require("s3fs", extra="cloud", feature="S3 stores")
        self.fs, root = fsspec.core.url_to_fs(url, **storage_options)
        self.root = root.rstrip("/")
        self._url = url.rstrip("/")
        self._options = dict(storage_options)
        protocols = self.fs.protocol if isinstance(self.fs.protocol, (tuple, list)) else (self.fs.protocol,)
        self.object_store = bool(OBJECT_PROTOCOLS.intersection(protocols))
        if self.object_store:
            self.verify_existing = "size"  # reading back to hash would download every duplicate
        self._s3 = "s3" in protocols and hasattr(self.fs, "call_s3")

    def __repr__(self) -> str:
        return f"FsspecStore({self._url!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Re-opened from its URL (and the options it was opened with) in the receiving process.
        return (_reopen, (self._url, self._options))

    def _full(self, path: str) -> str:
        return f"{self.root}/{path}"

    def _exists(self, path: str) -> bool:
        if self._s3:
            bucket, key, _ = self.fs.split_path(self._full(path))
            try:
                self.fs.call_s3("head_object", Bucket=bucket, Key=key)
            except FileNotFoundError:
                return False
            return True
        return bool(self.fs.isfile(self._full(path)))

    def _stat(self, path: str) -> int | None:
        if self._s3:
            bucket, key, _ = self.fs.split_path(self._full(path))
            try:
                head = self.fs.call_s3("head_object", Bucket=bucket, Key=key)
            except FileNotFoundError:
                return None
            return int(head["ContentLength"])
        try:
            info = self.fs.info(self._full(path))
        except FileNotFoundError:
            return None
        return int(info["size"]) if info.get("type") == "file" else None

    def _read(self, path: str) -> bytes:
        return bytes(self.fs.cat_file(self._full(path)))

    def _write_atomic(self, path: str, data: bytes) -> None:
        full = self._full(path)
        if self.object_store:
            self.fs.pipe_file(full, data)
            return
        parent = full.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        # A unique temporary name: concurrent writers of the same content must not share one.
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}-{path.rsplit('/', 1)[-1]}"
        try:
            self.fs.pipe_file(tmp, data)
            self.fs.mv(tmp, full)
        except BaseException:
            try:
                self.fs.rm_file(tmp)
            except (OSError, ValueError):
                pass
            raise

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
        return f"{self._url}/{safe_relpath(path)}"
