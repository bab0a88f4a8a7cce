"""A minimal run: the trackers' ``init`` / ``log`` / ``summary`` / ``config`` call forms over a local store.

``mk.init(dir=...)`` starts a run that writes media into ``<dir>/``, one JSON line per step into
``<dir>/history.jsonl``, the configuration into ``<dir>/config.json`` and, when the run
finishes, ``<dir>/summary.json``. The run is an explicit object; the module-level
``init``/``log``/``finish`` only keep a reference to the run started last, so examples written
for a tracker (``wandb.log(...)``) work with ``mediakit`` in its place.

Steps follow the reference documents: ``log(data)`` adds to the current step and writes it;
``log(data, commit=False)`` only adds; ``log(data, step=n)`` collects into step ``n`` for as
long as the same ``n`` is passed and writes it when another step is logged (or the run
finishes). The summary holds the last logged value of each key unless the key was set through
``run.summary``, whose last explicit value then stays.
"""

from __future__ import annotations

import argparse
import math
import operator
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._descriptor import dumps, dumps_encoded
from ._encode import encode
from ._errors import MediakitError, MediaTypeError, ValidationError, shown
from ._files import write_atomic
from .store import LocalStore

#: Tracker attributes a Run does not have, with what to use instead.
_NOT_PROVIDED = {
    "history": (
        "mediakit writes each step as one line of history.jsonl and has no mutable history row; "
        "add to the current step with run.log(data, commit=False) and write it with run.log(data)"
    ),
}


class Summary(dict):  # type: ignore[type-arg]
    """The run's summary: the last logged value of each key, unless set explicitly.

    A key set here (``run.summary["best"] = x``, ``run.summary.update({...})``) keeps its last
    explicit value even if the same key is logged afterwards; deleting it lets logged values
    in again. Values are encoded when the run finishes (arrays in full, beside their statistics).
    """

    @property
    def _pinned(self) -> set[str]:
        return self.__dict__.setdefault("_explicit", set())  # type: ignore[no-any-return]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            msg = f"summary: keys must be strings, got {type(key).__name__} {shown(key)}"
            raise MediaTypeError(msg)
        super().__setitem__(key, value)
        self._pinned.add(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._pinned.discard(key)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Set several keys (``summary.update()`` with nothing is allowed and does nothing)."""
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        self._pinned.discard(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        k, v = super().popitem()
        self._pinned.discard(k)
        return k, v

    def clear(self) -> None:
        super().clear()
        self._pinned.clear()

    def __ior__(self, other: Any) -> Summary:  # type: ignore[override,misc]
        self.update(other)
        return self

    def _logged(self, row: Mapping[str, Any]) -> None:
        """Take logged values, except for keys set explicitly."""
        for k, v in row.items():
            if k not in self._pinned:
                super().__setitem__(k, v)


class Config(dict):  # type: ignore[type-arg]
    """The run's configuration (hyper-parameters), written to ``config.json`` on every change.

    Keys read and set as items or attributes (``run.config["lr"]``, ``run.config.lr``);
    ``update`` takes a dict, an ``argparse.Namespace`` or absl flags. Values must be
    JSON-friendly (numbers, strings, bools, None, lists, dicts; numpy values and paths are
    converted).
    """

    def __init__(self, values: Any = None, on_change: Callable[[Config], None] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_on_change", None)
        self.update(values)
        object.__setattr__(self, "_on_change", on_change)

    def __setitem__(self, key: str, value: Any) -> None:
        self._set_all({key: value})

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            msg = f"config has no key {shown(name)} (keys: {shown(sorted(self)[:20], 300)})"
            raise AttributeError(msg) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def update(self, d: Any = None, allow_val_change: bool | None = None, **kwargs: Any) -> None:  # type: ignore[override]
        """Set several keys from a dict, an ``argparse.Namespace`` or absl flags.

        ``allow_val_change`` is accepted for the trackers' call form; mediakit always lets a
        value change.
        """
        items = dict(_config_items(d)) if d is not None else {}
        items.update(kwargs)
        self._set_all(items)

    def setdefaults(self, d: Any) -> None:
        """Set the keys of ``d`` that are not set yet."""
        self._set_all({k: v for k, v in _config_items(d) if k not in self})

    def _set_all(self, items: Mapping[Any, Any]) -> None:
        clean = {}
        for k, v in items.items():
            if not isinstance(k, str):
                msg = f"config: keys must be strings, got {type(k).__name__} {shown(k)}"
                raise MediaTypeError(msg)
            clean[k] = _json_value(v, f"config[{shown(k)}]")
        if clean:
            super().update(clean)
            self._changed()

    def _changed(self) -> None:
        cb = self.__dict__.get("_on_change")
        if cb is not None:
            cb(self)


def _config_items(d: Any) -> Iterable[tuple[Any, Any]]:
    if isinstance(d, Mapping):
        return list(d.items())
    if isinstance(d, argparse.Namespace):
        return list(vars(d).items())
    if callable(getattr(d, "flag_values_dict", None)):  # absl.flags.FLAGS
        return list(d.flag_values_dict().items())
    msg = f"config: expected a dict, an argparse.Namespace or absl flags, got {type(d).__module__}.{type(d).__name__}"
    raise MediaTypeError(msg)


def _json_value(v: Any, where: str) -> Any:
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            msg = f"{where}: expected a finite number, got {shown(v)} (config.json is plain JSON)"
            raise ValidationError(msg)
        return v
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        return _json_value(v.item(), where)
    if isinstance(v, np.ndarray) and v.dtype.kind in "biufU":
        return _json_value(v.tolist(), where)
    if isinstance(v, (list, tuple)):
        return [_json_value(x, f"{where}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, Mapping):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                msg = f"{where}: keys must be strings, got {type(k).__name__} {shown(k)}"
                raise MediaTypeError(msg)
            out[k] = _json_value(x, f"{where}[{shown(k)}]")
        return out
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    msg = f"{where}: cannot store a {type(v).__module__}.{type(v).__name__} in config.json; pass a number, string, bool, None, list or dict (str(value) for anything else)"
    raise MediaTypeError(msg)


def _step_of(step: Any) -> int:
    if not isinstance(step, bool):
        try:
            s = operator.index(step)
        except TypeError:
            pass
        else:
            if s >= 0:
                return s
    msg = f"step: expected an int >= 0, got {type(step).__name__} {shown(step)}"
    raise ValidationError(msg)


class Run:
    """A sequence of logged steps in a directory (``history.jsonl``, ``summary.json``,
    ``config.json``, ``media/``).

    Parameters
    ----------
    dir:
        The run directory (created as needed).
    config:
        Hyper-parameters: a dict, an ``argparse.Namespace`` or absl flags (see :class:`Config`).
    **meta:
        Other settings of the trackers' ``init`` (``project``, ``notes``, ``tags`` ...), kept on
        the run as ``run.meta``.
    """

    def __init__(self, dir: str | os.PathLike[str] = "mediakit-run", *, config: Any = None, **meta: Any) -> None:
        self.dir = Path(dir)
        self.store = LocalStore(self.dir)
        cfg = Config(config)
        self.config = cfg
        self.meta = meta
        self.step = 0
        self.summary = Summary()
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._closed = False
        object.__setattr__(cfg, "_on_change", self._write_config)
        if cfg:
            self._write_config(cfg)

    def __repr__(self) -> str:
        return f"Run({str(self.dir)!r}, step={self.step})"

    def __getattr__(self, name: str) -> Any:
        why = _NOT_PROVIDED.get(name)
        msg = f"'Run' object has no attribute {name!r}" if why is None else f"Run.{name}: {why}"
        raise AttributeError(msg)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> dict[str, Any]:
        """Encode ``data`` and add it to a step; returns the encoded values.

        - no ``step``, no ``commit``: add to the current step and write it (the step advances);
        - ``commit=False``: add to the current step, write later;
        - ``step=n``: collect into step ``n`` while the same ``n`` is passed; the row is written
          when a larger step (or no step) is logged, or at :meth:`finish` (``commit=True``
          writes it at once). Steps never go back.

        Every logged key also becomes the summary's value for that key, unless the key was set
        through ``run.summary``.
        """
        if self._closed:
            msg = "run: this run is finished; start a new one with mediakit.init()"
            raise MediakitError(msg)
        if not isinstance(data, dict):
            msg = f"data: expected a dict of name -> value, got {type(data).__name__}"
            raise MediaTypeError(msg)
        if commit is not None and not isinstance(commit, bool):
            msg = f"commit: expected True, False or None, got {type(commit).__name__} {shown(commit)}"
            raise MediaTypeError(msg)
        if "_step" in data:
            msg = f"data['_step']: the name is reserved for the step number; pass step={shown(data['_step'])} instead"
            raise ValidationError(msg)
        with self._lock:
            target = None
            if step is not None:
                target = _step_of(step)
                if target < self.step:
                    msg = (
                        f"step: {target} is before the current step {self.step}; steps only go forward "
                        f"(one history row per step): pass step={self.step} to add to the current step, "
                        "a larger step to start a new one, or no step"
                    )
                    raise ValidationError(msg)
            row = encode(data, self.store)  # before any state changes: a failure leaves the run as it was
            if target is not None and target > self.step:
                if self._pending:
                    self._commit()
                self.step = target
            self._pending.update(row)
            self.summary._logged(row)
            if commit if commit is not None else step is None:
                self._commit()
            return row

    def _commit(self) -> None:
        line = {"_step": self.step, **self._pending}
        with open(self.dir / "history.jsonl", "ab") as f:
            f.write(dumps_encoded(line) + b"\n")
        self._pending = {}
        self.step += 1

    def _write_config(self, cfg: Config) -> None:
        write_atomic(self.dir / "config.json", dumps(dict(cfg)), field="config", make_parents=True)

    def finish(self) -> None:
        """Write the pending step, ``config.json`` and ``summary.json`` (again calling it does nothing)."""
        global _current
        with self._lock:
            if self._closed:
                return
            if self._pending:
                self._commit()
            self._write_config(self.config)
            summary = encode(dict(self.summary), self.store, keep_arrays=True)
            write_atomic(self.dir / "summary.json", dumps(summary), field="summary", make_parents=True)
            self._closed = True
        if _current is self:
            _current = None


_current: Run | None = None


def init(dir: str | os.PathLike[str] = "mediakit-run", *, config: Any = None, **kwargs: Any) -> Run:
    """Start a run (and make it the one ``mediakit.log`` writes to); a run started before is
    finished first."""
    global _current
    if _current is not None:
        _current.finish()
    _current = Run(dir, config=config, **kwargs)
    return _current


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> dict[str, Any]:
    """Log to the run started by :func:`init`."""
    if _current is None:
        msg = "log: no run is active; call mediakit.init(dir=...) first (or use mediakit.Run)"
        raise MediakitError(msg)
    return _current.log(data, step=step, commit=commit)


def finish() -> None:
    """Finish the run started by :func:`init` (nothing happens without one)."""
    if _current is not None:
        _current.finish()


def current() -> Run | None:
    return _current
