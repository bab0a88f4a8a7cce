"""Stores: where encoded media files go. Local directory, memory, or any fsspec URL."""

from __future__ import annotations

import os
from typing import Any, Union

from .._errors import MediaTypeError
from ._base import MEDIA_DIR, FileRef, Store, content_path, safe_relpath
from .local import LocalStore
from .memory import MemoryStore

__all__ = ["MEDIA_DIR", "FileRef", "LocalStore", "MemoryStore", "Store", "StoreLike", "coerce_store", "content_path", "open_store", "safe_relpath"]

StoreLike = Union[Store, str, "os.PathLike[str]"]


def open_store(url: str | os.PathLike[str], **storage_options: Any) -> Store:
    """Open a store: a local directory path, ``file://`` URL, or any fsspec URL (``s3://...``)."""
    if isinstance(url, os.PathLike):
        return LocalStore(url)
    if not isinstance(url, str):
        msg = f"store: expected a Store, a directory path or a URL string, got {type(url).__name__}"
        raise MediaTypeError(msg)
    if url.startswith(("file://", "local://")):
        # Local files go through LocalStore, whose symlink checks fsspec's local backend lacks.
        return LocalStore(url.split("://", 1)[1])
    if "://" in url:
        from .fsspec_store import FsspecStore

        return FsspecStore(url, **storage_options)
    return LocalStore(url)


def coerce_store(store: object) -> Store:
    """Accept a :class:`Store`, a path or a URL string wherever a store is expected."""
    if isinstance(store, Store):
        return store
    if isinstance(store, (str, os.PathLike)):
        return open_store(store)
    msg = f"store: expected a Store, a directory path or a URL string, got {type(store).__name__}"
    raise MediaTypeError(msg)
