"""Writing output files outside a store (converters, the CLI): atomically, or not at all."""

from __future__ import annotations

import os

from ._errors import StorageError


def write_atomic(path: str | os.PathLike[str], data: bytes, *, field: str = "output", make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file in the same folder and a rename,
    so a reader never sees a half-written file; the temporary file never outlives a failure.
    A missing folder is an error unless ``make_parents`` (the CLI's own output trees)."""
    from pathlib import Path  # here: pathlib is not needed to import mediakit's kinds

    dst = Path(path)
    tmp = dst.with_name(f".{dst.name}.partial")
    try:
        if make_parents:
            dst.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, dst)
    except OSError as e:
        msg = f"{field}: could not write {str(dst)!r}: {e}"
        raise StorageError(msg) from e
    finally:
        tmp.unlink(missing_ok=True)
