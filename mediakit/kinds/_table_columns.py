"""Table columns: type inference, type checks, casts and the in-memory column form.

Backend: numpy (core). A column is either *dense* (numbers, bools, datetimes: one numpy array plus
an optional missing-value mask) or *object* (strings, nested lists/dicts, arrays, media objects,
mixed: a Python list). Inference never walks cells with Python-level code on the fast paths:
the distinct cell *types* are collected with ``set(map(type, cells))`` (a C loop) and each type is
classified once; dense columns are built by numpy in one call. Only error paths (finding the first
bad row for the message) and genuinely per-object work (normalising nested values, which are Python
objects anyway) loop in Python.

Column types (``Column.type``): ``number`` (``dtype`` int*/uint*/float*), ``bool``, ``datetime``
(``unit``, ``tz``), ``string``, ``list``, ``dict``, ``array`` (numpy cells, ``dtype``), ``media``
(``kind`` = the cells' ``_type``), ``null`` (only missing values so far) and ``mixed``
(``allow_mixed_types=True``).

Length: over 500 lines because inference, checks and casts share one column form and one set of
per-type fast paths; splitting them would pass half-built columns between modules.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import MediaTypeError, ValidationError, shown
from .._schema import check_plain
from ..formats.jsontable import COLUMN_TYPES
from ._base import Kind

NoneType = type(None)

#: Column types whose values live in one numpy array (plus a mask of missing cells).
DENSE = ("number", "bool", "datetime")
#: Every column type.
TYPES = COLUMN_TYPES

_PANDAS_MISSING = {"pandas._libs.missing.NAType", "pandas._libs.tslibs.nattype.NaTType"}


_CATEGORIES: dict[type, str] = {}


def category_of(t: type) -> str:
    """The type category of cells of Python type ``t`` (cached: a table has few distinct types).

    ``int`` and ``float`` are separate here (they merge into ``number`` for columns); media kinds
    are ``media:<_type>``; anything a table cannot hold is ``unsupported``.
    """
    cat = _CATEGORIES.get(t)
    if cat is None:
        cat = _CATEGORIES[t] = _classify(t)
    return cat


def _classify(t: type) -> str:
    if t is NoneType:
        return "null"
    if t is bool or t is np.bool_:
        return "bool"
    if issubclass(t, Kind):
        return f"media:{t.TYPE}"
    if issubclass(t, (int, np.integer)):
        return "int"
    if issubclass(t, (float, np.floating)):
        return "float"
    if issubclass(t, str):
        return "string"
    if issubclass(t, (_dt.datetime, _dt.date, np.datetime64)):
        return "datetime"
    if issubclass(t, np.ndarray):
        return "array"
    if issubclass(t, (list, tuple)):
        return "list"
    if issubclass(t, dict):
        return "dict"
    if f"{t.__module__}.{t.__name__}" in _PANDAS_MISSING:
        return "null"
    return "unsupported"


def column_type_of(cat: str) -> str:
    if cat in ("int", "float"):
        return "number"
    if cat.startswith("media:"):
        return "media"
    return cat


def describe(cat: str) -> str:
    """A category as users name it in messages."""
    if cat in ("int", "float"):
        return "number"
    if cat.startswith("media:"):
        return f"{cat[6:]} (media)"
    return cat


def where(row: int | None, name: str) -> str:
    return f"row {row}, column {shown(name)}" if row is not None else f"column {shown(name)}"


def short(value: Any) -> str:
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()
    return shown(value, 60)


@dataclass
class Column:
    """One column: a name, a type, values and (dense columns) a mask of missing cells."""

    name: str
    type: str
    values: Any  # np.ndarray for DENSE types, list otherwise
    mask: np.ndarray | None = None  # dense columns: True where the cell is missing (None)
    optional: bool = True
    dtype: str | None = None  # number/bool/array: numpy dtype name
    kind: str | None = None  # media: the cells' _type
    unit: str | None = None  # datetime: numpy unit ("ns", "us", "D", ...)
    tz: str | None = None  # datetime: the time zone the values were in (stored as UTC)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def dense(self) -> bool:
        return self.type in DENSE

    def missing(self) -> np.ndarray:
        """Boolean mask of missing cells."""
        if self.dense:
            return self.mask if self.mask is not None else np.zeros(len(self.values), bool)
        return np.fromiter(map(NoneType.__instancecheck__, self.values), bool, len(self.values))

    def info(self) -> dict[str, Any]:
        """The column's entry in ``column_types``."""
        out: dict[str, Any] = {"type": self.type, "optional": self.optional}
        for key in ("dtype", "kind", "unit", "tz"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        return out

    def cell(self, i: int) -> Any:
        """Cell ``i`` as a Python value (numpy scalars become Python numbers; missing is None)."""
        if self.dense:
            if self.mask is not None and self.mask[i]:
                return None
            return self.values[i].item() if self.type != "datetime" else self.values[i]
        return self.values[i]

    def to_list(self) -> list[Any]:
        """All cells as Python values (the form ``get_column`` returns)."""
        if not self.dense:
            return list(self.values)
        out = list(self.values) if self.type == "datetime" else self.values.tolist()
        if self.mask is not None:
            for i in np.flatnonzero(self.mask).tolist():
                out[i] = None
        return out

    def take(self, n: int) -> Column:
        """The first ``n`` rows."""
        vals = self.values[:n]
        mask = self.mask[:n] if self.mask is not None else None
        return Column(self.name, self.type, vals, mask, self.optional, self.dtype, self.kind, self.unit, self.tz)

    def content(self) -> tuple[Any, ...]:
        """What defines equality: type info and values (NaN equal to NaN, masked cells ignored)."""
        if self.dense:
            vals = self.values
            if self.mask is not None and self.mask.any():
                vals = vals.copy()
                vals[self.mask] = np.zeros((), vals.dtype) if self.type != "datetime" else np.datetime64(0, np.datetime_data(vals.dtype)[0])  # type: ignore[call-overload]
            return (self.info(), vals, self.mask if self.mask is not None and self.mask.any() else None)
        if self.type == "mixed":
            return (self.info(), ["NaN" if isinstance(v, float) and math.isnan(v) else v for v in self.values])
        return (self.info(), self.values)


# -- building columns --------------------------------------------------------------------------


def from_cells(name: str, cells: list[Any], *, allow_mixed: bool = False, optional: bool = True, row0: int = 0) -> Column:
    """Infer a column's type from Python cells, check every cell against it, build the column.

    ``row0`` is the row number of ``cells[0]`` (for messages when appending).
    """
    types = set(map(type, cells))
    cats = {category_of(t) for t in types}
    if "unsupported" in cats:
        i, v = _first(cells, lambda c: category_of(type(c)) == "unsupported")
        hint = unsupported_hint(v)
        msg = (
            f"{where(row0 + i, name)}: expected a number, string, bool, datetime, list, dict, numpy array, "
            f"media object or None, got {type(v).__module__}.{type(v).__name__} {short(v)}{hint}"
        )
        raise MediaTypeError(msg)
    if any(f"{t.__module__}.{t.__name__}" in _PANDAS_MISSING for t in types):
        cells = [None if category_of(type(c)) == "null" else c for c in cells]
        types = set(map(type, cells))
    cats.discard("null")
    col_types = {column_type_of(c) for c in cats}
    media_kinds = {c for c in cats if c.startswith("media:")}
    if col_types == {"list", "array"}:
        # Nested lists and numpy arrays side by side: a list column (arrays become lists).
        col_types = {"list"}
    if not cats:
        col = Column(name, "null", list(cells))
    elif len(col_types) == 1 and len(media_kinds) <= 1:
        col = _BUILDERS[col_types.pop()](name, cells, cats, row0, types)  # types: the cells' (one pass, shared)
    elif allow_mixed:
        col = Column(name, "mixed", [_mixed_cell(c, name, row0 + i) for i, c in enumerate(cells)])
    else:
        raise _mismatch(name, cells, row0)
    col.optional = optional
    if not optional:
        check_not_missing(col, row0)
    return col


def check_not_missing(col: Column, row0: int = 0) -> None:
    miss = col.missing()
    if miss.any():
        i = int(np.flatnonzero(miss)[0])
        msg = f"{where(row0 + i, col.name)}: expected a value (the column is not optional), got None"
        raise ValidationError(msg)


def _first(cells: list[Any], pred: Any) -> tuple[int, Any]:
    for i, c in enumerate(cells):
        if pred(c):
            return i, c
    return -1, None  # pragma: no cover - callers only ask when a match exists


def _mismatch(name: str, cells: list[Any], row0: int) -> MediaTypeError:
    """The error for the first cell whose type differs from the first non-missing cell's."""
    first_i, first = _first(cells, lambda c: category_of(type(c)) != "null")
    expected = column_type_of(category_of(type(first)))
    exp_cat = category_of(type(first))
    for i in range(first_i + 1, len(cells)):
        cat = category_of(type(cells[i]))
        if cat == "null":
            continue
        if column_type_of(cat) != expected or (expected == "media" and cat != exp_cat):
            msg = (
                f"{where(row0 + i, name)}: expected {describe(exp_cat)} like row {row0 + first_i}, got "
                f"{describe(cat)} {short(cells[i])} (pass allow_mixed_types=True to allow mixed types)"
            )
            return MediaTypeError(msg)
    msg = f"{where(None, name)}: cells of mixed types"  # pragma: no cover - unreachable by construction
    return MediaTypeError(msg)


def _mask_and_fill(cells: list[Any], fill: Any) -> tuple[list[Any], np.ndarray | None]:
    if None not in cells:
        return cells, None
    obj = np.array(cells, dtype=object)
    mask = obj == None  # noqa: E711 - elementwise comparison on an object array
    obj[mask] = fill
    return obj.tolist(), mask


def _float_cells(cells: list[Any], nones: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Python floats and None as float64 values and a missing-value mask, in one numpy call
    (numpy reads None as NaN; only the NaN positions are looked at to tell the two apart).
    ``nones``: whether None may be among the cells."""
    if not nones:
        return np.fromiter(cells, np.float64, len(cells)), None
    arr = np.array(cells, dtype=np.float64)
    nan = np.flatnonzero(np.isnan(arr))
    if not len(nan):
        return arr, None
    mask = np.zeros(len(arr), bool)
    for i in nan.tolist():
        if cells[i] is None:
            mask[i] = True
    if not mask.any():
        return arr, None
    arr[mask] = 0.0
    return arr, mask


def _number(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
    types = set(map(type, cells)) if types is None else types
    if types <= {float, NoneType}:
        arr, mask = _float_cells(cells, NoneType in types)
        return Column(name, "number", arr, mask, dtype="float64")
    if types == {int}:  # Python ints in int64's range: read straight into int64, as np.array would
        try:
            return Column(name, "number", np.fromiter(cells, np.int64, len(cells)), None, dtype="int64")
        except OverflowError:  # beyond int64: the general path below picks uint64 or refuses
            pass
    filled, mask = _mask_and_fill(cells, 0) if NoneType in types else (cells, None)
    try:
        arr = np.array(filled)
    except OverflowError:
        arr = np.array(filled, dtype=object)
    if arr.dtype.kind in "fO" and "float" not in cats and filled:
        # numpy promotes int64-range and uint64-range integers side by side to float64 (rounding
        # them): choose the integer type that holds every value, or refuse.
        ints = [int(c) for c in filled]
        lo, hi = min(ints), max(ints)
        if -(2**63) <= lo and hi < 2**63:
            arr = np.array(ints, dtype=np.int64)
        elif 0 <= lo and hi < 2**64:
            arr = np.array(ints, dtype=np.uint64)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1:
        raise _int_range_error(name, filled, row0)
    if arr.dtype.kind == "f" and "int" in cats:
        big = [(i, c) for i, c in enumerate(filled) if category_of(type(c)) == "int" and not -(2**53) <= c <= 2**53]
        for k, v in big:
            if int(arr.dtype.type(v)) != int(v):
                raise _inexact(name, row0 + k, v, arr.dtype)
    return Column(name, "number", arr, mask, dtype=arr.dtype.name)


def _int_range_error(name: str, cells: list[Any], row0: int) -> ValidationError:
    i, v = _first(cells, lambda c: isinstance(c, (int, np.integer)) and not -(2**63) <= int(c) < 2**64)
    if i >= 0:
        msg = f"{where(row0 + i, name)}: integer {short(v)} does not fit in 64 bits; pass it as a float or a string"
        return ValidationError(msg)
    i, v = _first(cells, lambda c: isinstance(c, (int, np.integer)) and int(c) >= 2**63)
    msg = (
        f"{where(row0 + max(i, 0), name)}: integer {short(v)} needs uint64 but the column also holds negative integers; "
        "no 64-bit type holds both exactly: pass the column as strings (dtype=str)"
    )
    return ValidationError(msg)


def _inexact(name: str, row: int, v: Any, dt: np.dtype) -> ValidationError:
    msg = (
        f"{where(row, name)}: integer {short(v)} cannot be stored exactly in a {dt} column (it would become "
        f"{short(dt.type(v).item())}); keep the column integer, or pass the value as a string (dtype=str)"
    )
    return ValidationError(msg)


def join_numbers(name: str, a: np.ndarray, b: np.ndarray, row_b: int) -> np.ndarray:
    """``a`` followed by ``b`` in one numeric dtype that holds every value exactly.

    numpy's promotion turns int64 + uint64 into float64 and int64 + float64 into float64, which
    silently rounds integers beyond 2**53; here integers stay integers (uint64 when no value is
    negative, int64 when every value fits), and an integer a float column cannot hold exactly is
    an error naming its row (as when the cells are given at once, see ``_number``).
    """
    if a.dtype == b.dtype:
        return np.concatenate([a, b])
    dt = np.result_type(a.dtype, b.dtype)
    if a.dtype.kind in "iu" and b.dtype.kind in "iu" and dt.kind == "f":
        parts = [x for x in (a, b) if len(x)]
        if all(x.dtype.kind == "u" or int(x.min()) >= 0 for x in parts):
            dt = np.dtype(np.uint64)
        elif all(x.dtype.kind == "i" or int(x.max()) < 2**63 for x in parts):
            dt = np.dtype(np.int64)
        # else float64, if it holds every value exactly (checked below)
    if dt.kind == "f":
        for x, row0 in ((a, 0), (b, row_b)):
            if x.dtype.kind in "iu" and len(x):
                with np.errstate(invalid="ignore", over="ignore"):
                    back = x.astype(dt).astype(x.dtype)
                bad = np.flatnonzero(back != x)
                if len(bad):
                    raise _inexact(name, row0 + int(bad[0]), x[bad[0]].item(), dt)
    return np.concatenate([a.astype(dt, copy=False), b.astype(dt, copy=False)])


def _bool(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
    if types == {bool}:
        return Column(name, "bool", np.fromiter(cells, bool, len(cells)), None, dtype="bool")
    filled, mask = _mask_and_fill(cells, False)
    arr = np.array(filled, dtype=bool)
    return Column(name, "bool", arr, mask, dtype="bool")


def tz_name(tz: Any) -> str:
    """A time zone as Arrow and pandas name it: the IANA key (``Europe/Paris``), ``UTC``, or a
    fixed offset as ``+01:00``."""
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo / pytz
    if isinstance(key, str):
        return key
    text = tz if isinstance(tz, str) else str(tz)
    if text in ("UTC", "utc", "Z", "UTC+00:00", "+00:00", "tzutc()"):
        return "UTC"
    m = re.fullmatch(r"(?:UTC)?([+-])(\d\d):?(\d\d)", text)
    if m:
        return f"{m.group(1)}{m.group(2)}:{m.group(3)}"
    if isinstance(tz, _dt.tzinfo):
        off = tz.utcoffset(None)
        if off is not None:  # another fixed-offset class
            minutes = int(off.total_seconds() // 60)
            return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return text


def _datetime(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
    aware = naive = False
    zones: set[str] = set()
    vals: list[Any] = []
    for c in cells:
        if c is None:
            vals.append(None)
        elif isinstance(c, np.datetime64):
            naive = True
            vals.append(c)
        elif hasattr(c, "to_datetime64"):  # pandas Timestamp: keep nanoseconds
            if c.tzinfo is not None:
                aware = True
                zones.add(tz_name(c.tzinfo))
                c = c.tz_convert("UTC").tz_localize(None)
            else:
                naive = True
            vals.append(c.to_datetime64())
        elif isinstance(c, _dt.datetime):
            if c.tzinfo is not None:
                aware = True
                zones.add(tz_name(c.tzinfo))
                c = c.astimezone(_dt.timezone.utc).replace(tzinfo=None)
            else:
                naive = True
            vals.append(np.datetime64(c, "us"))
        else:  # a date
            naive = True
            vals.append(np.datetime64(c, "D"))
    if aware and naive:
        i, v = _first(cells, lambda c: isinstance(c, _dt.datetime) and c.tzinfo is None)
        msg = f"{where(row0 + max(i, 0), name)}: expected a time-zone aware datetime like the others in the column, got the naive {short(v)}"
        raise ValidationError(msg)
    present = [v for v in vals if v is not None]
    unit = np.datetime_data(np.array(present).dtype)[0] if present else "us"
    mask = np.array([v is None for v in vals]) if None in vals else None
    arr = np.array([np.datetime64("NaT") if v is None else v for v in vals], dtype=f"datetime64[{unit}]")
    # One zone for the whole column (the instants are stored in UTC): the cells' own zone when
    # they agree, else UTC.
    tz = (zones.pop() if len(zones) == 1 else "UTC") if aware else None
    return Column(name, "datetime", arr, mask, unit=unit, tz=tz)


def _string(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
    if all(t is str or t is NoneType for t in (set(map(type, cells)) if types is None else types)):
        return Column(name, "string", list(cells))
    return Column(name, "string", [c if c is None else str(c) for c in cells])


def _nested(kind: str) -> Any:
    def build(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
        return Column(name, kind, [None if c is None else json_ready(c, f"{where(row0 + i, name)}") for i, c in enumerate(cells)])

    return build


def _array(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
    dtypes = set()
    for i, c in enumerate(cells):
        if c is None:
            continue
        if c.dtype.kind not in "biuf":
            msg = f"{where(row0 + i, name)}: expected a numeric numpy array, got dtype {c.dtype}"
            raise MediaTypeError(msg)
        if c.dtype.kind == "f" and not np.isfinite(c).all():
            msg = f"{where(row0 + i, name)}: expected finite values in the array, got NaN or infinity (use a number column for non-finite values)"
            raise ValidationError(msg)
        dtypes.add(c.dtype)
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    return Column(name, "array", [c if c is None or c.dtype == dtype else c.astype(dtype) for c in cells], dtype=dtype.name)


def _media(name: str, cells: list[Any], cats: set[str], row0: int, types: set[type] | None = None) -> Column:
    kind = next(iter(cats))[6:]
    return Column(name, "media", list(cells), kind=kind)


_BUILDERS = {
    "number": _number,
    "bool": _bool,
    "datetime": _datetime,
    "string": _string,
    "list": _nested("list"),
    "dict": _nested("dict"),
    "array": _array,
    "media": _media,
}


def json_ready(v: Any, field: str) -> Any:
    """A nested cell value as plain JSON data (tuples to lists, numpy to Python), checked."""
    if isinstance(v, (list, dict)):
        check_plain(v, field)
    return _json_ready(v, field)


def _json_ready(v: Any, field: str) -> Any:
    t = type(v)
    if v is None or t is str or t is bool or t is int:
        return v
    if t is float:
        if not math.isfinite(v):
            msg = f"{field}: expected finite numbers inside nested values, got {shown(v)} (use a number column for non-finite values)"
            raise ValidationError(msg)
        return v
    if isinstance(v, (list, tuple)):
        return [_json_ready(x, f"{field}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                msg = f"{field}: expected string keys in nested dicts, got {type(k).__name__} {shown(k)}"
                raise MediaTypeError(msg)
            out[k] = _json_ready(x, f"{field}[{shown(k)}]")
        return out
    if isinstance(v, (np.generic, np.ndarray)) and getattr(v, "dtype", np.dtype(object)).kind in "biuf":
        return _json_ready(v.tolist(), field)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, Kind):
        return v  # media inside a list or dict: encoded with the table, the cell holds its descriptor
    msg = f"{field}: expected JSON-like nested values (numbers, strings, bools, None, lists, dicts, media objects), got {type(v).__name__} {short(v)}{unsupported_hint(v)}"
    raise MediaTypeError(msg)


def _mixed_cell(c: Any, name: str, row: int) -> Any:
    cat = category_of(type(c))
    if cat in ("int", "float", "bool"):
        return c.item() if isinstance(c, np.generic) else c
    if cat in ("null", "string") or cat.startswith("media:"):
        return None if cat == "null" else (c if type(c) is str or isinstance(c, Kind) else str(c))
    if cat == "datetime":
        return c.isoformat() if getattr(c, "tzinfo", None) is not None else str(np.datetime64(c))  # aware: keeps the offset
    return json_ready(c, where(row, name))


# -- from arrays ------------------------------------------------------------------------------


def from_array(name: str, arr: np.ndarray, mask: np.ndarray | None = None, *, optional: bool = True, tz: str | None = None) -> Column:
    """A column from a 1-D numpy array (numbers, bools and datetimes stay dense; others become
    Python cells and go through inference)."""
    k = arr.dtype.kind
    if mask is not None and not mask.any():
        mask = None
    if arr.ndim > 1:  # rows of N-D arrays: one array cell per row
        cells = list(arr)
        if mask is not None:
            for i in np.flatnonzero(mask).tolist():
                cells[i] = None
        return from_cells(name, cells, optional=optional)
    if k == "f" and arr.dtype.itemsize > 8:
        msg = f"{where(None, name)}: {arr.dtype} values cannot be stored exactly (JSON and Parquet hold float64 at most); convert the column to float64"
        raise MediaTypeError(msg)
    if k in "iuf":
        col = Column(name, "number", np.ascontiguousarray(arr), mask, dtype=arr.dtype.name)
    elif k == "b":
        col = Column(name, "bool", np.ascontiguousarray(arr), mask, dtype="bool")
    elif k == "M":
        unit = np.datetime_data(arr.dtype)[0]
        nat = np.isnat(arr)
        mask = nat if nat.any() else mask
        col = Column(name, "datetime", np.ascontiguousarray(arr), mask, unit=unit, tz=tz)
    elif k in "US":
        cells = arr.tolist()
        if k == "S":
            msg = f"{where(None, name)}: expected text, got a bytes array (dtype {arr.dtype}); decode it to str first"
            raise MediaTypeError(msg)
        if mask is not None:
            for i in np.flatnonzero(mask).tolist():
                cells[i] = None
        col = Column(name, "string", cells)
    elif k == "m":
        msg = f"{where(None, name)}: timedelta columns are not supported; convert them to seconds (a number) or strings first"
        raise MediaTypeError(msg)
    elif k == "O":
        cells = list(arr)
        if mask is not None:
            for i in np.flatnonzero(mask).tolist():
                cells[i] = None
        return from_cells(name, cells, optional=optional)
    elif k == "c":
        msg = f"{where(None, name)}: complex values ({arr.dtype}) are not stored; put the real and imaginary parts in two number columns"
        raise MediaTypeError(msg)
    else:
        msg = f"{where(None, name)}: unsupported array dtype {arr.dtype}"
        raise MediaTypeError(msg)
    col.optional = optional
    if not optional:
        check_not_missing(col)
    return col


# -- appending ----------------------------------------------------------------------------------


def concat(a: Column, b: Column, *, allow_mixed: bool) -> Column:
    """``a`` followed by ``b`` (types already checked compatible by the caller)."""
    if b.type == "null" or len(b) == 0:
        if a.dense:
            return Column(a.name, a.type, np.concatenate([a.values, _blank(a, len(b))]), _cat_masks(a, len(b), True), a.optional, a.dtype, a.kind, a.unit, a.tz)
        return _replace_values(a, list(a.values) + list(b.values))
    if a.type == "null" or len(a) == 0:
        if b.dense:
            return Column(b.name, b.type, np.concatenate([_blank(b, len(a)), b.values]), _cat_masks_front(b, len(a)), a.optional, b.dtype, b.kind, b.unit, b.tz)
        return _replace_values(b, list(a.values) + list(b.values), optional=a.optional)
    if {a.type, b.type} == {"list", "array"}:
        cells = [c if c is None or not isinstance(c, np.ndarray) else json_ready(c, where(None, a.name)) for c in list(a.values) + list(b.values)]
        return Column(a.name, "list", cells, optional=a.optional)
    if a.type == "mixed" or b.type == "mixed" or a.type != b.type or a.kind != b.kind:
        if not allow_mixed:  # pragma: no cover - add_data checks every cell first
            msg = f"{where(None, a.name)}: cannot append {b.type} cells to a {a.type} column"
            raise MediaTypeError(msg)
        cells = a.to_list() + b.to_list()
        return Column(a.name, "mixed", [_mixed_cell(c, a.name, i) for i, c in enumerate(cells)], optional=a.optional)
    if a.dense:
        values = join_numbers(a.name, a.values, b.values, len(a)) if a.type == "number" else np.concatenate([a.values, b.values])
        mask = None
        if a.mask is not None or b.mask is not None:
            mask = np.concatenate([a.missing(), b.missing()])
        dtype = values.dtype.name if a.type != "datetime" else None
        return Column(a.name, a.type, values, mask, a.optional, dtype if a.type != "datetime" else None, a.kind, np.datetime_data(values.dtype)[0] if a.type == "datetime" else None, a.tz)
    if a.type == "array" and a.dtype != b.dtype:
        common = np.result_type(np.dtype(a.dtype), np.dtype(b.dtype))
        vals = [c if c is None else c.astype(common) for c in list(a.values) + list(b.values)]
        return Column(a.name, "array", vals, optional=a.optional, dtype=common.name)
    return _replace_values(a, list(a.values) + list(b.values))


def _replace_values(c: Column, values: list[Any], *, optional: bool | None = None) -> Column:
    return Column(c.name, c.type, values, None, c.optional if optional is None else optional, c.dtype, c.kind, c.unit, c.tz)


def _blank(c: Column, n: int) -> np.ndarray:
    if c.type == "datetime":
        return np.full(n, np.datetime64("NaT"), dtype=c.values.dtype)
    return np.zeros(n, dtype=c.values.dtype)


def _cat_masks(a: Column, n: int, missing: bool) -> np.ndarray | None:
    if n == 0:
        return a.mask
    return np.concatenate([a.missing(), np.full(n, missing)])


def _cat_masks_front(b: Column, n: int) -> np.ndarray | None:
    if n == 0:
        return b.mask
    return np.concatenate([np.ones(n, bool), b.missing()])


def merge_category(current: str | None, cat: str) -> str | None:
    """The column category after seeing a cell of category ``cat``; None if incompatible."""
    if cat == "null":
        return current
    if current is None:
        return cat
    if current == cat:
        return cat
    if {current, cat} <= {"int", "float"}:
        return "float"
    if {current, cat} == {"list", "array"}:
        return "list"
    return None


def unsupported_hint(v: Any) -> str:
    """What to do with a cell value a table cannot hold (appended to the error message)."""
    if isinstance(v, (bytes, bytearray)):
        return "; wrap binary data in a media kind (mk.Image, mk.Audio, ...)"
    if isinstance(v, (complex, np.complexfloating)):
        return "; complex numbers are not stored: put the real and imaginary parts in two number columns"
    t = f"{type(v).__module__}.{type(v).__name__}"
    if isinstance(v, (_dt.timedelta, np.timedelta64)):
        return "; convert durations to seconds (a number) or to strings"
    if t == "decimal.Decimal":
        return "; convert decimals to float or to str"
    if t.startswith("PIL.") or t.startswith("matplotlib."):
        return "; wrap it in mk.Image(...), or pass dtype={column: mk.Image}"
    if t.startswith("pandas.") and type(v).__name__ in ("Period", "Interval"):
        return "; convert the column to strings first (series.astype(str))"
    return ""
