"""``Table(dtype=...)``: casting a column's raw values to a requested type before type checks.

Backend: numpy (core). Numeric casts are vectorised (``astype`` plus range and integrality checks
on whole arrays); only the error path looks for the first failing row. Media casts construct the
kind for each cell (``dtype=mk.Image`` turns arrays into images), which is per-cell by nature.

Accepted specs: ``int``, ``float``, ``bool``, ``str``; numpy dtypes and their names (``"int32"``,
``np.float32``, ``"datetime64[ns]"``); the names ``"number"``, ``"integer"``, ``"float"``,
``"bool"``, ``"string"``, ``"datetime"``; a media kind class (``mk.Image``, ``mk.Audio``, ...).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import MediakitError, MediaTypeError, ValidationError, shown
from ._base import Kind
from ._table_columns import short, where

_NAMES: dict[str, tuple[str, str | None]] = {
    "number": ("number", "float64"),
    "float": ("number", "float64"),
    "int": ("number", "int64"),
    "integer": ("number", "int64"),
    "bool": ("bool", "bool"),
    "boolean": ("bool", "bool"),
    "str": ("string", None),
    "string": ("string", None),
    "datetime": ("datetime", "datetime64[us]"),
}

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class Cast:
    """A requested column type: ``target`` is number/bool/string/datetime/media."""

    target: str
    dtype: np.dtype | None = None
    kind: type | None = None

    @property
    def label(self) -> str:
        if self.kind is not None:
            return self.kind.__name__
        return str(self.dtype) if self.dtype is not None else self.target


def parse(spec: Any, field: str) -> Cast | None:
    """A :class:`Cast` from a user's dtype spec (``None``: infer)."""
    if spec is None:
        return None
    if isinstance(spec, type) and issubclass(spec, Kind):
        return Cast("media", kind=spec)
    builtin = {int: "int", float: "float", bool: "bool", str: "str", _dt.datetime: "datetime", _dt.date: "datetime", np.datetime64: "datetime"}
    if isinstance(spec, type) and spec in builtin:
        spec = builtin[spec]
    if isinstance(spec, str) and spec.lower() in _NAMES:
        target, dt = _NAMES[spec.lower()]
        return Cast(target, np.dtype(dt) if dt else None)
    try:
        dt = np.dtype(spec)
    except TypeError:
        dt = None
    if dt is not None and dt.kind in "iuf":
        return Cast("number", dt)
    if dt is not None and dt.kind == "b":
        return Cast("bool", dt)
    if dt is not None and dt.kind == "M":
        return Cast("datetime", dt if np.datetime_data(dt)[0] != "generic" else np.dtype("datetime64[us]"))
    if dt is not None and dt.kind == "U":
        return Cast("string")
    msg = (
        f"{field}: expected a column type (int, float, bool, str, a numpy dtype, 'number', 'string', "
        f"'bool', 'datetime' or a media kind such as mk.Image), got {short(spec)}"
    )
    raise MediaTypeError(msg)


def parse_all(dtype: Any, names: list[str]) -> list[Cast | None]:
    """Per-column casts from ``dtype``: one spec for all, a list aligned with the columns, or a
    dict ``{column: spec}``."""
    if dtype is None:
        return [None] * len(names)
    if isinstance(dtype, dict):
        unknown = [k for k in dtype if k not in names]
        if unknown:
            msg = f"dtype: {shown(unknown[0])} is not a column (columns: {', '.join(map(repr, names))})"
            raise ValidationError(msg)
        return [parse(dtype.get(n), f"dtype[{shown(n)}]") for n in names]
    if isinstance(dtype, (list, tuple)):
        if len(dtype) != len(names):
            msg = f"dtype: expected one type per column ({len(names)}), got {len(dtype)}"
            raise ValidationError(msg)
        return [parse(d, f"dtype[{i}]") for i, d in enumerate(dtype)]
    one = parse(dtype, "dtype")
    return [one] * len(names)


def apply(cast: Cast, name: str, raw: Any, mask: np.ndarray | None = None) -> tuple[Any, np.ndarray | None]:
    """Cast raw column values (a numpy array, or a list of cells with ``None`` for missing).

    Returns the new values (array or list) and the missing-value mask (arrays only).
    """
    if cast.target == "media":
        cells = raw.tolist() if isinstance(raw, np.ndarray) and raw.dtype.kind != "O" else list(raw)
        return _to_media(cast, name, cells, mask), None
    if cast.target == "string":
        if isinstance(raw, np.ndarray) and raw.dtype.kind != "O":
            cells = raw.astype(str).tolist() if raw.dtype.kind != "M" else np.datetime_as_string(raw).tolist()
            if mask is not None:
                for i in np.flatnonzero(mask).tolist():
                    cells[i] = None
            return cells, None
        return [c if c is None or type(c) is str else str(c) for c in raw], None
    arr, mask = _as_object_or_array(raw, mask)
    if cast.target == "number":
        return _to_number(cast.dtype, name, arr, mask), mask
    if cast.target == "bool":
        return _to_bool(name, arr, mask), mask
    return _to_datetime(cast.dtype, name, arr, mask), mask


def _as_object_or_array(raw: Any, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(raw, np.ndarray) and raw.dtype.kind != "O":
        return raw, mask
    obj = np.array(list(raw) if not isinstance(raw, np.ndarray) else raw, dtype=object)
    if obj.ndim != 1:  # cells that are sequences themselves
        obj = np.empty(len(raw), dtype=object)
        obj[:] = list(raw)
    none = obj == None  # noqa: E711 - elementwise on an object array
    if none.any():
        mask = none if mask is None else (mask | none)
    return obj, mask


def _fail(name: str, i: int, value: Any, label: str, why: str = "") -> ValidationError:
    msg = f"{where(i, name)}: cannot cast {short(value)} to {label}{why}"
    return ValidationError(msg)


def _first_bad(arr: np.ndarray, mask: np.ndarray | None, fn: Any) -> int:
    for i, v in enumerate(arr.tolist() if arr.dtype.kind != "O" else arr):
        if mask is not None and mask[i]:
            continue
        try:
            fn(v)
        except (TypeError, ValueError, OverflowError):
            return i
    return 0


def _to_number(dt: np.dtype | None, name: str, arr: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    dt = dt or np.dtype(np.float64)
    src = arr
    if mask is not None and src.dtype.kind == "O":
        src = src.copy()
        src[mask] = 0
    if src.dtype.kind == "b":
        src = src.astype(np.int64)
    if src.dtype.kind == "c" or (src.dtype.kind == "O" and any(issubclass(t, (complex, np.complexfloating)) for t in set(map(type, src)))):
        # numpy would keep only the real part (a ComplexWarning at most): refuse, as float(1+2j) does.
        i = next(i for i, v in enumerate(arr.tolist() if arr.dtype.kind != "O" else arr) if isinstance(v, (complex, np.complexfloating)))
        raise _fail(name, i, arr[i], str(dt), " (complex numbers are not stored: put the real and imaginary parts in two number columns)")
    if src.dtype.kind in "OUS":
        try:
            src = src.astype(np.float64)
        except (TypeError, ValueError):
            i = _first_bad(arr, mask, lambda v: float(v) if not isinstance(v, bool) else v)
            raise _fail(name, i, arr[i], str(dt)) from None
    if src.dtype.kind == "M":
        i = 0
        raise _fail(name, i, arr[i], str(dt), " (datetimes are not numbers)")
    if dt.kind in "iu":
        ok = np.ones(len(src), bool) if mask is None else ~mask
        if src.dtype.kind == "f":
            bad = ok & ~(np.isfinite(src) & (np.floor(src) == src))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise _fail(name, i, arr[i], str(dt), " (not a whole number)")
        info = np.iinfo(dt)
        with np.errstate(invalid="ignore"):
            vals = src[ok]
            bad_range = (vals < info.min) | (vals > info.max)
        if bad_range.any():
            i = int(np.flatnonzero(ok)[np.flatnonzero(bad_range)[0]])
            raise _fail(name, i, arr[i], str(dt), f" (outside {info.min}..{info.max})")
    out = src.astype(dt)
    if mask is not None:
        out[mask] = 0
    return out


def _to_bool(name: str, arr: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if arr.dtype.kind == "b":
        return arr
    out = np.zeros(len(arr), bool)
    if arr.dtype.kind in "iuf":
        bad = ~np.isin(arr, (0, 1))
        if mask is not None:
            bad &= ~mask
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(name, i, arr[i], "bool", " (only 0 and 1 are booleans)")
        return arr.astype(bool)
    for i, v in enumerate(arr.tolist()):
        if mask is not None and mask[i]:
            continue
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float)) and v in (0, 1)):
            out[i] = bool(v)
        elif isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
            out[i] = v.strip().lower() in _TRUE
        else:
            raise _fail(name, i, v, "bool")
    return out


def _to_datetime(dt: np.dtype | None, name: str, arr: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    dt = dt or np.dtype("datetime64[us]")
    src = arr
    if src.dtype.kind == "O":
        src = src.copy()
        if mask is not None:
            src[mask] = None
        src = np.array([None if v is None else (v.replace(tzinfo=None) if getattr(v, "tzinfo", None) else v) for v in src], dtype=object)
    try:
        out = src.astype(dt) if src.dtype.kind != "O" else np.array([np.datetime64("NaT") if v is None else v for v in src], dtype=dt)
    except (TypeError, ValueError):
        i = _first_bad(arr, mask, lambda v: np.datetime64(v))
        raise _fail(name, i, arr[i], str(dt)) from None
    return out


def _to_media(cast: Cast, name: str, cells: list[Any], mask: np.ndarray | None) -> list[Any]:
    kind = cast.kind
    assert kind is not None
    out: list[Any] = []
    for i, c in enumerate(cells):
        if c is None or (mask is not None and mask[i]):
            out.append(None)
        elif isinstance(c, kind):
            out.append(c)
        else:
            try:
                out.append(kind(c))
            except MediakitError as e:
                msg = f"{where(i, name)}: cannot make a {kind.__name__} from {type(c).__name__}: {e}"
                raise type(e)(msg) from e
    return out
