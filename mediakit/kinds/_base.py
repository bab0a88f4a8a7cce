"""What every kind shares: the encode/decode contract, equality by content, field checks."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from .._descriptor import validate
from .._errors import (
    DecodeError,
    LimitError,
    MediaFileNotFoundError,
    MediakitError,
    MediaTypeError,
    SchemaError,
    ValidationError,
    shown,
)
from ..store import Store, coerce_store


class Kind:
    """Base class of media kinds.

    Subclasses set ``TYPE`` (the descriptor ``_type``, registry key and schema file name) and
    ``VERSION`` (the schema version), and implement ``_encode(store)``, ``_decode(desc, store)``
    and ``_content()`` (the values that define equality).
    """

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_mediakit_guarded", False):
            cls.__init__ = _memory_guarded(init)  # type: ignore[method-assign]

    # -- contract -------------------------------------------------------------------------------
    def encode(self, store: Any) -> dict[str, Any]:
        """Write this object's files into ``store`` and return its (schema-valid) descriptor.

        ``store`` is a :class:`~mediakit.Store`, a local directory path or an fsspec URL. If
        anything fails, every file this call newly wrote is removed again.
        """
        st = coerce_store(store)
        with st.transaction():
            desc = self._encode(st)
            # Nested items (grouped media) were validated by their own encode.
            return validate(desc, deep=False)

    @classmethod
    def decode(cls, desc: dict[str, Any], store: Any) -> Any:
        """Rebuild the object from its descriptor (validated first) and the store's files."""
        validate(desc)
        if desc["_type"] != cls.TYPE:
            msg = f"_type: {cls.__name__}.decode expected a {cls.TYPE!r} descriptor, got {shown(desc['_type'])}"
            raise SchemaError(msg, field="$._type")
        try:
            return cls._decode(desc, coerce_store(store))
        except (MediakitError, MemoryError):
            raise
        except Exception as e:
            # A valid descriptor the kind cannot rebuild (a value past what numpy holds, a
            # library refusing what the schema allows): the caller gets a mediakit error, as
            # from thumbnail, with the cause chained for whoever debugs it.
            msg = f"{cls.TYPE}: could not decode this descriptor ({type(e).__name__}: {shown(str(e), 160)})"
            raise DecodeError(msg) from e

    def _encode(self, store: Store) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Any:
        raise NotImplementedError

    def _content(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _header(self) -> dict[str, Any]:
        return {"_type": self.TYPE, "_version": self.VERSION}

    # -- equality by content ---------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return deep_equal(self._content(), other._content())  # type: ignore[attr-defined]

    def __hash__(self) -> int:  # content objects hold arrays: not hashable
        msg = f"unhashable type: {type(self).__name__!r}"
        raise TypeError(msg)


if TYPE_CHECKING:  # bound by name: see mediakit._record
    K = TypeVar("K", bound="FileKind")


class FileKind(Kind):
    """A kind whose input may be an array or a media file (Image, Audio, Video): the named
    constructors beside the flexible ``data`` argument."""

    if TYPE_CHECKING:

        def __init__(self, data: Any, **kwargs: Any) -> None: ...

    @classmethod
    def from_array(cls: type[K], array: Any, **kwargs: Any) -> K:
        """From an array or array-like (see the class docstring for shapes and value rules)."""
        from .._arrays import is_array_like

        if not (is_array_like(array) or isinstance(array, (list, tuple))):
            msg = f"array: expected a numpy array or array-like, got {type(array).__name__}"
            raise MediaTypeError(msg)
        return cls(array, **kwargs)

    @classmethod
    def from_path(cls: type[K], path: str | os.PathLike[str], **kwargs: Any) -> K:
        """From a media file (kept byte-for-byte when it is web-ready)."""
        from pathlib import Path

        return cls(Path(path), **kwargs)

    @classmethod
    def from_bytes(cls: type[K], data: bytes, **kwargs: Any) -> K:
        """From the bytes of a media file (kept byte-for-byte when it is web-ready)."""
        return cls(bytes(data), **kwargs)


def deep_equal(a: Any, b: Any) -> bool:
    """Structural equality that compares numpy arrays by shape, dtype and values."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, Kind) and isinstance(b, Kind):
        return a == b
    return bool(a == b)


def check_caption(caption: object, *, field: str = "caption") -> str | None:
    """A caption is a string or ``None``."""
    if caption is None or isinstance(caption, str):
        return caption
    msg = f"{field}: expected a str or None, got {type(caption).__name__} {shown(caption)}"
    raise MediaTypeError(msg)



# -- input helpers shared by the kinds' adapter tables ----------------------------------------------


def read_input_file(path: str | os.PathLike[str], *, what: str, field: str = "data", max_bytes: int | None = None) -> bytes:
    """The bytes of an input file, with errors that name ``field`` and the kind of file expected.

    A missing file is :class:`MediaFileNotFoundError`, a directory :class:`ValidationError`, a file
    larger than ``max_bytes`` :class:`LimitError` (checked before reading).
    """
    p = os.fspath(path)
    try:
        if os.path.isdir(p):
            msg = f"{field}: {p!r} is a directory, expected {_article(what)} {what} file"
            raise ValidationError(msg)
        size = os.path.getsize(p)
        if max_bytes is not None and size > max_bytes:
            msg = f"{field}: {p!r} has {size} bytes, more than the limit of {max_bytes}"
            raise LimitError(msg)
        with open(p, "rb") as f:
            return f.read()
    except FileNotFoundError:
        msg = f"{field}: {what} file {p!r} does not exist"
        raise MediaFileNotFoundError(msg) from None


def read_binary(fileobj: Any, *, field: str = "data") -> bytes:
    """All bytes of a binary file object; a text file object is a :class:`MediaTypeError`."""
    blob = fileobj.read()
    if isinstance(blob, str):
        msg = f"{field}: expected a binary file object (open the file with 'rb'), got a text file object"
        raise MediaTypeError(msg)
    return bytes(blob)


def is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def is_bytes(x: Any) -> bool:
    return isinstance(x, (bytes, bytearray, memoryview))


def has_read(x: Any) -> bool:
    return callable(getattr(x, "read", None))


def pick_adapter(table: Sequence[tuple[Callable[[Any], bool], Callable[..., None]]], data: Any, *, expected: str) -> Callable[..., None]:
    """The first adapter of ``table`` whose predicate accepts ``data``."""
    for accepts, adapter in table:
        if accepts(data):
            return adapter
    msg = f"data: expected {expected}, got {type(data).__name__}"
    raise MediaTypeError(msg)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _memory_guarded(init: Callable[..., None]) -> Callable[..., None]:
    """``init`` with a ``MemoryError`` (numpy asked for an array the machine cannot hold: a
    nested list whose shared references expand to billions of values, a shape too large) raised
    as a :class:`~mediakit.LimitError`, so constructors let only mediakit errors out."""
    import functools

    @functools.wraps(init)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except MemoryError as e:
            msg = f"{type(self).__name__}: the input needs more memory than is available ({type(e).__name__}: {shown(str(e), 160)})"
            raise LimitError(msg) from None

    guarded._mediakit_guarded = True  # type: ignore[attr-defined]
    return guarded

