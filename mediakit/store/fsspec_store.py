"""A store on any fsspec filesystem (S3, GCS, memory://, ...). Needs ``mediakit[cloud]``
(S3 also needs ``s3fs``).

Object stores (S3, GCS, Azure) make one PUT atomic: an object is either complete under its key or
absent, so files are written straight to their final key (a temporary name plus a server-side
copy would double the requests and could leave a stray object if interrupted). Elsewhere a
temporary name is written first and moved into place. On S3, "is this content already stored"
is one HEAD request on the key (s3fs's own ``isfile`` adds a listing when the key is absent).

Ownership across processes on S3 (see :class:`~mediakit.store.Store`), without a lock: a new
object is created with ``If-None-Match: *`` (exclusive: of two writers of the same content one
creates it, the other finds it); inside a transaction the creator first writes a marker object
``.mediakit-owners/<path>`` naming the transaction, so whoever finds the content finds the marker
and claims it (deletes the marker, then checks the content is still there and writes it again
if a rollback removed it meanwhile). A rollback removes content only while the marker still
names it, and moves it aside (a server-side copy to ``.mediakit-trash/``) rather than losing it:
if a claim arrived during the rollback, the content is copied back. Other fsspec filesystems
keep the ownership markers in the store instance.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from .._lazy import require
from ._base import Store, safe_relpath

#: Hidden prefixes (under the store root) of S3 ownership markers and rolled-back content.
OWNERS = ".mediakit-owners"
TRASH = ".mediakit-trash"

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
        self.marker_first = self._s3

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

    # -- ownership on S3 (other filesystems: the base class's per-instance markers) -------------
    def _key(self, full: str) -> tuple[str, str]:
        bucket, key, _ = self.fs.split_path(full)
        return bucket, key

    def _create(self, path: str, data: bytes, *, seen: bool, staged: object | None = None) -> bool:
        if not self._s3:
            return super()._create(path, data, seen=seen, staged=staged)
        if seen:
            return False
        bucket, key = self._key(self._full(path))
        try:
            self.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
        except OSError:
            if self._stat(path) is not None:
                return False  # another writer created it first (412 Precondition Failed)
            raise
        return True

    def _marker_key(self, path: str) -> tuple[str, str]:
        return self._key(f"{self.root}/{OWNERS}/{path}")

    def _marker_get(self, path: str) -> str | None:
        if not self._s3:
            return super()._marker_get(path)
        bucket, key = self._marker_key(path)
        try:
            body = self.fs.call_s3("get_object", Bucket=bucket, Key=key)["Body"]
        except FileNotFoundError:
            return None
        data = body.read()
        if hasattr(data, "__await__"):  # aiobotocore's stream, read through s3fs's loop
            from fsspec.asyn import sync

            data = sync(self.fs.loop, lambda: data)
            body.close()
        return bytes(data).decode("ascii", "replace")

    def _marker_set(self, path: str, token: str) -> None:
        if not self._s3:
            super()._marker_set(path, token)
            return
        bucket, key = self._marker_key(path)
        self.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=token.encode("ascii"))

    def _marker_del(self, path: str) -> None:
        if not self._s3:
            super()._marker_del(path)
            return
        bucket, key = self._marker_key(path)
        self.fs.call_s3("delete_object", Bucket=bucket, Key=key)

    def _claimed(self, path: str, blob: bytes) -> None:
        if self._s3 and self._stat(path) is None:
            self._create(path, blob, seen=False)  # a rollback took it meanwhile: write it again

    def _release(self, path: str, token: str, *, rollback: bool) -> None:
        if not (self._s3 and rollback):
            super()._release(path, token, rollback=rollback)
            return
        if self._marker_get(path) != token:
            return  # claimed: it stays
        bucket, key = self._key(self._full(path))
        _, trash = self._key(f"{self.root}/{TRASH}/{token}-{path.rsplit('/', 1)[-1]}")
        self.fs.call_s3("copy_object", Bucket=bucket, Key=trash, CopySource={"Bucket": bucket, "Key": key})
        self.fs.call_s3("delete_object", Bucket=bucket, Key=key)
        self._deletions += 1
        if self._marker_get(path) == token:
            self._marker_del(path)
        else:  # claimed while we removed it: put it back
            self.fs.call_s3("copy_object", Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": trash})
        self.fs.call_s3("delete_object", Bucket=bucket, Key=trash)

    def _size(self, path: str) -> int:
        return int(self.fs.size(self._full(path)))

    def _delete(self, path: str) -> None:
        self.fs.rm_file(self._full(path))

    def _list(self) -> Iterator[str]:
        if not self.fs.exists(self.root):
            return iter(())
        prefix = self.root + "/"
        found = self.fs.find(self.root)
        rel = (p[len(prefix):] if p.startswith(prefix) else p.lstrip("/")[len(prefix.lstrip("/")):] for p in found)
        return iter(r for r in rel if not (r.rsplit("/", 1)[-1].startswith(".tmp-") or r.startswith((OWNERS + "/", TRASH + "/"))))

    def url(self, path: str) -> str:
        return f"{self._url}/{safe_relpath(path)}"
