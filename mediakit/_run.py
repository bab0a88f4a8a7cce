"""A minimal run: the trackers' ``init`` / ``log`` / ``summary`` call forms over a local store.

``mk.init(dir=...)`` starts a run that writes media into ``<dir>/`` and one JSON line per step
into ``<dir>/history.jsonl``; ``mk.log({...})`` encodes and appends. The run is an explicit
object; the module-level ``init``/``log``/``finish`` only keep a reference to the run started
last, so examples written for a tracker (``wandb.log(...)``) work with ``mediakit`` in its place.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from ._descriptor import dumps
from ._encode import encode
from ._errors import MediakitError, MediaTypeError, ValidationError
from .store import LocalStore


class Run:
    """A sequence of logged steps in a directory (``history.jsonl``, ``summary.json``, ``media/``)."""

    def __init__(self, dir: str | os.PathLike[str] = "mediakit-run", *, config: dict[str, Any] | None = None, **meta: Any) -> None:
        self.dir = Path(dir)
        self.store = LocalStore(self.dir)
        self.config = dict(config or {})
        self.meta = meta
        self.step = 0
        self.summary: dict[str, Any] = {}
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"Run({str(self.dir)!r}, step={self.step})"

    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> dict[str, Any]:
        """Encode ``data`` and add it to the current step; returns the encoded row.

        ``step`` sets the step explicitly (it may not go backwards); ``commit=False`` keeps
        adding to the same step until a later call commits.
        """
        if self._closed:
            msg = "run: this run is finished; start a new one with mediakit.init()"
            raise MediakitError(msg)
        if not isinstance(data, dict):
            msg = f"data: expected a dict of name -> value, got {type(data).__name__}"
            raise MediaTypeError(msg)
        with self._lock:
            if step is not None:
                if isinstance(step, bool) or not isinstance(step, int) or step < self.step:
                    msg = f"step: expected an int >= the current step {self.step}, got {step!r}"
                    raise ValidationError(msg)
                if step > self.step and self._pending:
                    self._commit()
                self.step = step
            row = encode(data, self.store)
            self._pending.update(row)
            self.summary.update(row)
            if commit is None or commit:
                self._commit()
            return row

    def _commit(self) -> None:
        line = {"_step": self.step, **self._pending}
        with open(self.dir / "history.jsonl", "ab") as f:
            f.write(dumps(line) + b"\n")
        self._pending = {}
        self.step += 1

    def finish(self) -> None:
        """Write pending data and ``summary.json``."""
        with self._lock:
            if self._pending:
                self._commit()
            (self.dir / "summary.json").write_bytes(dumps(encode(self.summary, self.store)))
            self._closed = True


_current: Run | None = None


def init(dir: str | os.PathLike[str] = "mediakit-run", **kwargs: Any) -> Run:
    """Start a run (and make it the one ``mediakit.log`` writes to)."""
    global _current
    _current = Run(dir, **{k: v for k, v in kwargs.items() if k in ("config",)}, **{k: v for k, v in kwargs.items() if k != "config"})
    return _current


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> dict[str, Any]:
    """Log to the run started by :func:`init`."""
    if _current is None:
        msg = "log: no run is active; call mediakit.init(dir=...) first (or use mediakit.Run)"
        raise MediakitError(msg)
    return _current.log(data, step=step, commit=commit)


def finish() -> None:
    global _current
    if _current is not None:
        _current.finish()
        _current = None


def current() -> Run | None:
    return _current
