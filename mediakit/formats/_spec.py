"""The two objects every format module works with: :class:`FormatSpec` (what a format is and what
it can do) and :class:`Source` (where the input bytes are: a path, bytes or a binary file object).

A format module declares ``SPEC`` (or ``SPECS``, for a close family) at its top; the functions a
spec names live in the same module and import their heavy libraries inside the function, so
importing a format module costs next to nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .._errors import LimitError, MediaFileNotFoundError, MediaTypeError, ValidationError
from .._record import FrozenRecord

if TYPE_CHECKING:
    from pathlib import Path


class FormatSpec(FrozenRecord):
    """One file format as mediakit knows it.

    - ``name``: the format's name in descriptors and ``file_type=`` arguments (``"png"``).
    - ``kinds``: the kinds whose constructors accept files of this format (``("image",)``); the
      first is the kind a file of this format is encoded as by ``mediakit encode``, unless
      ``classify`` says otherwise for a given file (an animated GIF is a video).
    - ``suffixes``: file suffixes, lower case with the dot; the first is the suffix the store uses.
    - ``media_type``: the IANA media type written into descriptors.
    - ``magic``: byte prefixes that identify the format (``sniff`` for anything subtler).
    - ``stored``: files of this format can be kept in a store (descriptors may name them).
    - ``extra``: the ``pip install mediakit[extra]`` that reading/writing needs (None: the core).
    - ``probe``/``decode``/``encode``: the module's functions (None where the format has none).
    - ``converts_to``: formats ``mediakit convert`` writes from this one (names), and
      ``convert(src_path, dst_path, *, progress=None)`` the function that does it (the output
      format chosen by ``dst_path``'s suffix; ``progress(done, total)`` when given).
    - ``classify``: ``classify(source) -> kind`` for suffixes shared by two kinds.
    - ``aliases``: other names accepted for ``file_type=`` (``"jpg"`` for ``"jpeg"``).
    - ``by_kind``: for a format two kinds read (GIF: a still image or a video), the functions that
      differ per kind, e.g. ``{"image": {"decode": ..., "encode": None}}``; see :meth:`for_kind`.

    Function contracts by kind: image formats ``decode(source, *, page=None) -> (pixels, pages)``
    and ``encode(pixels, *, quality=None) -> bytes``; other kinds document theirs in their modules.
    Every ``probe(source) -> dict`` returns cheap facts without converting anything.
    """

    __slots__ = __match_args__ = (
        "name",
        "kinds",
        "suffixes",
        "media_type",
        "magic",
        "sniff",
        "stored",
        "extra",
        "probe",
        "decode",
        "encode",
        "converts_to",
        "convert",
        "classify",
        "aliases",
        "description",
        "notes",
        "by_kind",
    )

    name: str
    kinds: tuple[str, ...]
    suffixes: tuple[str, ...]
    media_type: str
    magic: tuple[bytes, ...]
    sniff: Callable[[bytes], bool] | None
    stored: bool
    extra: str | None
    probe: Callable[..., Any] | None
    decode: Callable[..., Any] | None
    encode: Callable[..., Any] | None
    converts_to: tuple[str, ...]
    convert: Callable[..., None] | None
    classify: Callable[[Source], str] | None
    aliases: tuple[str, ...]
    description: str
    notes: dict[str, Any]
    by_kind: dict[str, dict[str, Any]]

    def __init__(
        self,
        name: str,
        kinds: tuple[str, ...],
        suffixes: tuple[str, ...],
        media_type: str,
        magic: tuple[bytes, ...] = (),
        sniff: Callable[[bytes], bool] | None = None,
        stored: bool = True,
        extra: str | None = None,
        probe: Callable[..., Any] | None = None,
        decode: Callable[..., Any] | None = None,
        encode: Callable[..., Any] | None = None,
        converts_to: tuple[str, ...] = (),
        convert: Callable[..., None] | None = None,
        classify: Callable[[Source], str] | None = None,
        aliases: tuple[str, ...] = (),
        description: str = "",
        notes: dict[str, Any] | None = None,
        by_kind: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        bad = [s for s in suffixes if not (s.startswith(".") and s == s.lower() and len(s) > 1)]
        if not suffixes or bad:
            msg = f"suffixes: format {name!r} needs lower-case suffixes starting with '.', got {suffixes!r}"
            raise ValueError(msg)
        if not kinds:
            msg = f"kinds: format {name!r} names no kind"
            raise ValueError(msg)
        self._init(
            name, kinds, suffixes, media_type, magic, sniff, stored, extra, probe, decode, encode, converts_to, convert,
            classify, aliases, description, {} if notes is None else notes, {} if by_kind is None else by_kind,
        )

    def for_kind(self, kind: str) -> FormatSpec:
        """This spec as ``kind`` sees it (``by_kind`` overrides applied)."""
        over = self.by_kind.get(kind)
        return self.replace(**over) if over else self

    @property
    def suffix(self) -> str:
        """The suffix files of this format get in a store."""
        return self.suffixes[0]

    def matches(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format (False when it declares none)."""
        if any(head.startswith(m) for m in self.magic):
            return True
        if self.sniff is not None:
            try:
                return bool(self.sniff(head))
            except Exception:
                return False
        return False


class Source:
    """The input a format reads: a path, bytes or a binary file object, in the spirit of imageio's
    ``Request``. Code that needs a real path (ffmpeg, tifffile) calls :meth:`as_path` and gets the
    caller's own file when there is one; a temporary file is written only for bytes or streams.
    Bytes are read at most once and kept.

    ``field`` names the argument in error messages; ``max_bytes`` refuses larger inputs before
    reading them (files by their size, streams after ``max_bytes + 1`` bytes).
    """

    def __init__(self, data: Any, *, field: str = "data", max_bytes: int | None = None, what: str = "media") -> None:
        self.field = field
        self.max_bytes = max_bytes
        self.what = what
        self._path: Path | None = None
        self._bytes: bytes | None = None
        self._fileobj: Any = None
        if isinstance(data, Source):
            self._path, self._bytes, self._fileobj = data._path, data._bytes, data._fileobj
        elif isinstance(data, (str, os.PathLike)):
            from pathlib import Path  # here: pathlib is 4-5 ms of mk.Image's import otherwise

            self._path = Path(os.fspath(data))
        elif isinstance(data, (bytes, bytearray, memoryview)):
            self._bytes = bytes(data)
        elif callable(getattr(data, "read", None)):
            self._fileobj = data
        else:
            msg = f"{field}: expected a path, bytes or a binary file object, got {type(data).__name__}"
            raise MediaTypeError(msg)

    # -- what it is ------------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The caller's file, when the input was a path."""
        return self._path

    @property
    def name(self) -> str:
        """A name for messages: the path, or ``<bytes>``/``<stream>``."""
        if self._path is not None:
            return str(self._path)
        return "<bytes>" if self._fileobj is None else "<stream>"

    @property
    def where(self) -> str:
        """The field and the input for messages about content: ``data ('x.png')``, ``data (bytes)``."""
        if self._path is not None:
            return f"{self.field} ({str(self._path)!r})"
        return f"{self.field} ({'bytes' if self._fileobj is None else 'file object'})"

    @property
    def suffix(self) -> str:
        """The lower-case suffix of the path (``.gz`` looked through), or ``""``."""
        if self._path is None:
            return ""
        sfx = [s.lower() for s in self._path.suffixes]
        if len(sfx) > 1 and sfx[-1] == ".gz":
            return sfx[-2]
        return sfx[-1] if sfx else ""

    @property
    def size(self) -> int:
        """Size in bytes (a file's size without reading it)."""
        if self._bytes is not None:
            return len(self._bytes)
        if self._path is not None:
            return self._stat_size()
        return len(self.read())

    # -- reading ---------------------------------------------------------------------------------
    def _stat_size(self) -> int:
        assert self._path is not None
        p = os.fspath(self._path)
        try:
            if os.path.isdir(p):
                msg = f"{self.field}: {p!r} is a directory, expected {_article(self.what)} {self.what} file"
                raise ValidationError(msg)
            return os.path.getsize(p)
        except FileNotFoundError:
            msg = f"{self.field}: {self.what} file {p!r} does not exist"
            raise MediaFileNotFoundError(msg) from None

    def read(self) -> bytes:
        """All bytes (read once, then kept)."""
        if self._bytes is None:
            if self._path is not None:
                size = self._stat_size()
                self._check_size(size)
                try:
                    with open(self._path, "rb") as f:
                        self._bytes = f.read()
                except FileNotFoundError:
                    msg = f"{self.field}: {self.what} file {str(self._path)!r} does not exist"
                    raise MediaFileNotFoundError(msg) from None
            else:
                limit = -1 if self.max_bytes is None else self.max_bytes + 1
                blob = self._fileobj.read(limit) if limit > 0 else self._fileobj.read()
                if isinstance(blob, str):
                    msg = f"{self.field}: expected a binary file object (open the file with 'rb'), got a text file object"
                    raise MediaTypeError(msg)
                self._bytes = bytes(blob)
            self._check_size(len(self._bytes))
        return self._bytes

    def head(self, n: int = 64) -> bytes:
        """The first ``n`` bytes, reading only those from a file not yet read."""
        if self._bytes is None and self._path is not None:
            self._stat_size()
            with open(self._path, "rb") as f:
                return f.read(n)
        return self.read()[:n]

    def _check_size(self, size: int) -> None:
        if self.max_bytes is not None and size > self.max_bytes:
            msg = f"{self.field}: {self.name!r} has {size} bytes, more than the limit of {self.max_bytes}"
            raise LimitError(msg)

    @contextlib.contextmanager
    def as_path(self, suffix: str = ".bin") -> Iterator[Path]:
        """A real file path holding the input: the caller's own file when the input was a path,
        else a temporary file removed on exit."""
        if self._path is not None:
            self._check_size(self._stat_size())
            yield self._path
            return
        import tempfile  # only here: it costs 5 ms at import (shutil, random, bz2, lzma)
        from pathlib import Path

        blob = self.read()
        fd, name = tempfile.mkstemp(prefix="mediakit-", suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            yield Path(name)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
