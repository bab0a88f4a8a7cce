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
