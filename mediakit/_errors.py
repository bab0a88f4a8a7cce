"""The whole mediakit error tree, in one place.

Every error is a :class:`MediakitError` and, at the same time, the builtin exception a caller
would catch without knowing mediakit::

    MediakitError (Exception)
    ├── ValidationError (ValueError)          a value is out of range, the wrong shape, inconsistent
    │   ├── SchemaError                        a descriptor does not match its JSON Schema
    │   ├── DecodeError                        bytes are not the format they claim to be
    │   └── LimitError                         input exceeds a safety limit (bomb, huge count)
    ├── MediaTypeError (TypeError)             an argument has the wrong type
    ├── MissingDependencyError (ImportError)   an optional extra is not installed
    ├── StorageError (OSError)                 a store cannot read or write, or a path escapes it
    │   └── MediaFileNotFoundError (FileNotFoundError)   an input file does not exist
    ├── UnknownKindError (LookupError)         no kind or renderer is registered for a ``_type``
    └── WorkerLostError (ChildProcessError)    a batch worker process died holding an item

Messages say what was expected, what arrived and where (a field path such as
``boxes["predictions"][3].position.minX``).
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "LimitError",
    "MediaFileNotFoundError",
    "MediaTypeError",
    "MediakitError",
    "MissingDependencyError",
    "SchemaError",
    "StorageError",
    "UnknownKindError",
    "ValidationError",
    "WorkerLostError",
]


class MediakitError(Exception):
    """Base class of every error raised by mediakit."""


class ValidationError(MediakitError, ValueError):
    """A value has the right type but is wrong: range, shape, consistency."""


class SchemaError(ValidationError):
    """A descriptor does not match its JSON Schema. ``field`` is the JSON path of the bad part."""

    def __init__(self, message: str, *, field: str = "$") -> None:
        super().__init__(message)
        self.field = field


class DecodeError(ValidationError):
    """Bytes that claim to be a format could not be decoded as that format."""


class LimitError(ValidationError):
    """Input exceeds a safety limit (pixels, frames, points, items, bytes)."""


class MediaTypeError(MediakitError, TypeError):
    """An argument has the wrong type."""


class MissingDependencyError(MediakitError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class StorageError(MediakitError, OSError):
    """A store could not read or write, or a path would leave the store."""


class MediaFileNotFoundError(StorageError, FileNotFoundError):
    """An input file or a stored file does not exist."""


class UnknownKindError(MediakitError, LookupError):
    """No kind, decoder or renderer is registered under a ``_type``."""


class WorkerLostError(MediakitError, ChildProcessError):
    """A batch worker process died (killed, crashed) while it held an item, even after a retry."""


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` for an error message, at most ``limit`` characters, in time bounded by
    ``limit`` whatever the value holds.

    A stranger's value can make plain ``repr`` the attack: a list holding the same list 5,000
    times is a few kilobytes of memory and a 25-million-element repr, nesting it again is hopeless,
    and an int of more than 4,300 digits makes ``repr`` raise ``ValueError``. Containers are
    walked only as far as the message shows, strings and bytes are cut before ``repr``, a long
    int is named by its size, and an object whose ``repr`` fails is named by its type.
    """
    out: list[str] = []
    _show(value, out, [limit + 1], 0)
    text = "".join(out)
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


_OPEN_CLOSE = {list: ("[", "]"), tuple: ("(", ")"), set: ("{", "}"), frozenset: ("frozenset({", "})")}


def _emit(text: str, out: list[str], budget: list[int]) -> None:
    out.append(text)
    budget[0] -= len(text)


def _show(value: object, out: list[str], budget: list[int], depth: int) -> None:
    if budget[0] <= 0:
        return
    if depth > 64:
        _emit("...", out, budget)
        return
    cls = type(value)
    if cls.__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        try:
            value = value.item()  # type: ignore[attr-defined]
        except Exception:  # a numpy scalar that will not convert: shown by its repr below
            pass
        cls = type(value)
    if value is None or isinstance(value, (bool, float, complex)):
        _emit(repr(value), out, budget)
    elif isinstance(value, int):
        # repr of an int is quadratic in its digits and refused past 4,300 of them.
        if value.bit_length() <= 256:
            _emit(repr(int(value)), out, budget)
        else:
            _emit(f"<int of {int(value.bit_length() * 0.30103) + 1} digits>", out, budget)
    elif isinstance(value, (str, bytes, bytearray)):
        n = max(1, budget[0])
        _emit(repr(value[:n]), out, budget)
        if len(value) > n:
            _emit("...", out, budget)
    elif isinstance(value, dict):
        _emit("{", out, budget)
        for i, (k, v) in enumerate(value.items()):
            if budget[0] <= 0:
                return
            if i:
                _emit(", ", out, budget)
            _show(k, out, budget, depth + 1)
            _emit(": ", out, budget)
            _show(v, out, budget, depth + 1)
        _emit("}", out, budget)
    elif isinstance(value, (list, tuple, set, frozenset)):
        opening, closing = next((oc for t, oc in _OPEN_CLOSE.items() if isinstance(value, t)), ("[", "]"))
        _emit(opening, out, budget)
        for i, v in enumerate(value):
            if budget[0] <= 0:
                return
            if i:
                _emit(", ", out, budget)
            _show(v, out, budget, depth + 1)
        if isinstance(value, tuple) and len(value) == 1:
            _emit(",", out, budget)
        _emit(closing, out, budget)
    elif cls.__module__ == "numpy" and cls.__name__ == "ndarray":
        shape, dtype = getattr(value, "shape", ()), getattr(value, "dtype", "?")
        if getattr(value, "size", 0) <= 8 and getattr(dtype, "kind", "O") != "O":
            _emit(f"array({value.tolist()!r}, dtype={dtype})", out, budget)  # type: ignore[attr-defined]
        else:
            _emit(f"<{dtype} array of shape {tuple(shape)}>", out, budget)
    else:
        try:
            text = repr(value)
        except Exception:  # the object's own repr failed: name its type instead
            text = f"<{cls.__name__}>"
        _emit(text[: max(1, budget[0])], out, budget)
