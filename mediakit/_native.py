"""Where mediakit's optional C extension is looked up: :func:`speedups` returns
``mediakit._speedups`` (built by ``setup.py`` when a C compiler is there) or None, and every
caller keeps a pure-Python path for None, with the same results (the tests run both)."""

from __future__ import annotations

from typing import Any


def speedups() -> Any:
    """The ``mediakit._speedups`` module, or None where it was not built (no C compiler at
    install time, another Python implementation). Callers look it up at each use through this
    module (``_native.speedups()``), so a test can turn every C path off in one place."""
    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups
