"""The input forms of :class:`~mediakit.Table`, split into raw columns for inference: rows (lists
or a 2-D array) with column names, pandas and polars frames and series, and columns already
split from an Arrow table. A raw column is ``(form, values, mask, tz)`` with form ``"array"``
(a numpy array), ``"cells"``/``"strings"`` (a list) -- see :func:`mediakit.kinds.table._build`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _native
from .._errors import MediaTypeError, ValidationError, shown
from .._gc import paused
from .._lazy import require
from . import _table_io as tio
from ._table_columns import short, tz_name

DEFAULT_COLUMNS = ("Input", "Output", "Expected")


class Raw:
    """Already-split raw columns (from an Arrow table) passed through the constructor."""

    def __init__(self, names: list[str], raws: list[Any]) -> None:
        self.names, self.raws = names, raws


def check_name(name: Any, field: str) -> str:
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        return str(name)
    if not isinstance(name, str):
        msg = f"{field}: expected a column name (str), got {type(name).__name__} {short(name)}"
        raise MediaTypeError(msg)
    if not name:
        msg = f"{field}: column names cannot be empty"
        raise ValidationError(msg)
    return name


def check_names(columns: Any, field: str = "columns") -> list[str]:
    if isinstance(columns, (str, bytes)) or (not isinstance(columns, (list, tuple)) and not hasattr(columns, "__iter__")):
        msg = f"{field}: expected a list of column names, got {type(columns).__name__} {short(columns)}"
        raise MediaTypeError(msg)
    names = [check_name(c, f"{field}[{i}]") for i, c in enumerate(columns)]
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            msg = f"{field}[{i}]: duplicate column name {shown(n)}"
            raise ValidationError(msg)
        seen.add(n)
    return names


def is_frame(x: Any) -> bool:
    mod = type(x).__module__.split(".")[0]
    return mod in ("pandas", "polars") and type(x).__name__ == "DataFrame"


def _is_series(x: Any) -> bool:
    return type(x).__module__.split(".")[0] in ("pandas", "polars") and type(x).__name__ == "Series"


def looks_like_data(x: Any) -> bool:
    """Whether a value given as ``columns`` (the first positional argument) is really the data:
    a frame, a series, a 2-D or deeper array, or rows (a list whose first item is a list/tuple/array)."""
    if is_frame(x) or _is_series(x) or type(x).__name__ == "LazyFrame":
        return True
    if isinstance(x, np.ndarray):
        return x.ndim != 1 or x.dtype.names is not None
    if isinstance(x, (list, tuple)) and x:
        return isinstance(x[0], (list, tuple, np.ndarray))
    return False


def count_rows(raws: list[Any]) -> int:
    return len(raws[0][1]) if raws else 0


def read_source(source: Any, columns: Any) -> tuple[list[str], list[Any]]:
    """Names and raw columns (``(kind, values, mask, tz)``) of any supported source."""
    if isinstance(source, Raw):
        return check_names(source.names), [r if isinstance(r, tuple) else ("cells", r, None, None) for r in source.raws]
    if source is None:
        names = check_names(DEFAULT_COLUMNS if columns is None else columns)
        return names, [("cells", [], None, None) for _ in names]
    if type(source).__name__ == "LazyFrame":
        msg = "data: a polars LazyFrame holds a query, not data; pass lazy_frame.collect()"
        raise MediaTypeError(msg)
    if _is_series(source):
        source = source.to_frame()
    if is_frame(source):
        names, raws = read_frame(source)
        if columns is not None and check_names(columns) != names:
            msg = (
                f"columns: {shown(list(columns), 200)} differ from the frame's columns {shown(names, 300)}; the frame's columns are the "
                "table's: select or rename columns on the frame (or leave columns out)"
            )[:400]
            raise ValidationError(msg)
        return names, raws
    if isinstance(source, np.ndarray) or (hasattr(source, "__array__") and not isinstance(source, (list, tuple, dict, str, bytes))):
        from .._arrays import to_numpy

        arr = to_numpy(source, field="data") if not isinstance(source, np.ndarray) else source
        return _read_array(arr, columns)
    if isinstance(source, (list, tuple)):
        return read_rows(list(source), columns)
    if hasattr(source, "__iter__") and not isinstance(source, (str, bytes, dict)):
        return read_rows(list(source), columns)  # a generator or other iterable of rows
    msg = f"data: expected a list of rows, a numpy array or a pandas/polars DataFrame, got {type(source).__module__}.{type(source).__name__}"
    raise MediaTypeError(msg)


def _read_array(arr: np.ndarray, columns: Any) -> tuple[list[str], list[Any]]:
    """A numpy array as rows: 2-D (rows x columns), N-D (rows x columns of array cells), a
    structured array (one column per field) or 1-D for a single column."""
    if arr.dtype.names is not None:
        if arr.ndim != 1:
            msg = f"data: expected a 1-D structured array (one row per record), got shape {arr.shape}"
            raise ValidationError(msg)
        fields = list(arr.dtype.names)
        names = fields if columns is None else names_for(columns, len(fields))
        return names, [("array", np.ascontiguousarray(arr[f]), None, None) for f in fields]
    if arr.ndim == 1:
        if columns is not None and len(check_names(columns)) == 1:
            return check_names(columns), [("array", arr, None, None)]
        msg = f"data: a 1-D array of shape {arr.shape} is one column; give exactly one column name, or pass rows (shape (rows, columns))"
        raise ValidationError(msg)
    if arr.ndim == 0:
        msg = "data: expected rows (an array of shape (rows, columns)), got a 0-d array"
        raise ValidationError(msg)
    names = names_for(columns, arr.shape[1])
    if arr.ndim == 2:
        return names, [("array", arr[:, j], None, None) for j in range(arr.shape[1])]
    # N-D: each cell is the array arr[i, j] of shape arr.shape[2:]
    return names, [("cells", list(arr[:, j]), None, None) for j in range(arr.shape[1])]


def names_for(columns: Any, width: int) -> list[str]:
    if columns is None:
        if width != len(DEFAULT_COLUMNS):
            msg = f"columns: rows have {width} values; give {width} column names (the default names are {list(DEFAULT_COLUMNS)})"
            raise ValidationError(msg)
        return list(DEFAULT_COLUMNS)
    names = check_names(columns)
    if len(names) != width:
        msg = f"columns: {len(names)} names for rows of {width} values"
        raise ValidationError(msg)
    return names


def read_rows(rows: list[Any], columns: Any) -> tuple[list[str], list[Any]]:
    native = _native.speedups()
    if native is not None and rows and columns is not None:
        # One C pass checks that every row is a plain list/tuple of one width and transposes
        # them, asking for the scattered row and cell objects ahead of use; None sends any
        # other rows to the checks below, which name the bad row.
        names = check_names(columns)
        cols = native.transpose(rows, len(names))
        if cols is not None:
            return names, [("cells", c, None, None) for c in cols]
    bad = None
    if not set(map(type, rows)) <= {list, tuple}:
        bad = next((i for i, r in enumerate(rows) if not isinstance(r, (list, tuple, np.ndarray))), None)
    if bad is not None:
        msg = f"row {bad}: expected a list or tuple of cell values, got {type(rows[bad]).__name__} {short(rows[bad])}"
        raise MediaTypeError(msg)
    lengths = set(map(len, rows))
    width = len(rows[0]) if rows else (len(DEFAULT_COLUMNS) if columns is None else len(check_names(columns)))
    names = names_for(columns, width)
    if len(lengths) > 1 or (lengths and width != len(names)):
        i = next(i for i, r in enumerate(rows) if len(r) != len(names))
        msg = f"row {i}: expected {len(names)} values (columns {', '.join(map(repr, names))}), got {len(rows[i])}"
        raise ValidationError(msg)
    if not rows:
        return names, [("cells", [], None, None) for _ in names]
    with paused():  # zip makes an iterator per row: the collector would wake many times for nothing
        cols = list(zip(*rows))  # tuples: from_cells reads them without copying
    return names, [("cells", c, None, None) for c in cols]


def raw_series(data: Any, name: str) -> tuple[str, Any, Any, Any]:
    mod = type(data).__module__.split(".")[0]
    if mod == "pandas" and type(data).__name__ == "Series":
        return pandas_column(data)
    if mod == "polars" and type(data).__name__ == "Series":
        pa = require("pyarrow", extra="table", feature="polars columns")  # polars hands columns over as Arrow
        return tio.raw_arrow(pa.chunked_array([data.to_arrow()]))
    if isinstance(data, np.ndarray):
        if data.ndim != 1:
            msg = f"data: expected a 1-D column of values for {shown(name)}, got shape {data.shape}"
            raise ValidationError(msg)
        return ("array", data, None, None)
    if isinstance(data, (list, tuple)):
        return ("cells", list(data), None, None)
    msg = f"data: expected a list, 1-D array or Series for column {shown(name)}, got {type(data).__name__}"
    raise MediaTypeError(msg)


def read_frame(df: Any) -> tuple[list[str], list[Any]]:
    mod = type(df).__module__.split(".")[0]
    if mod == "polars":
        require("pyarrow", extra="table", feature="polars DataFrames")  # polars hands columns over as Arrow
        tbl = df.to_arrow()
        names = check_names([str(c) for c in tbl.column_names])
        return names, [tio.raw_arrow(tbl.column(j)) for j in range(tbl.num_columns)]
    names = check_names([c if isinstance(c, str) else str(c) for c in df.columns])
    return names, [pandas_column(df.iloc[:, j]) for j in range(df.shape[1])]


def pandas_column(s: Any) -> tuple[str, Any, Any, Any]:
    """One pandas column as raw values: numeric, bool and datetime dtypes as whole arrays."""
    pd = require("pandas", extra="table", feature="pandas DataFrames")
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        s = s.astype(dt.categories.dtype if dt.categories.dtype.kind in "biufM" and not s.isna().any() else object)
        dt = s.dtype
    if isinstance(dt, pd.DatetimeTZDtype):
        mask = s.isna().to_numpy()
        values = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        return ("array", values, mask, tz_name(dt.tz))
    if isinstance(dt, np.dtype):
        if dt.kind in "biufMUm":
            return ("array", s.to_numpy(), None, None)
        mask = s.isna().to_numpy()
        if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
            cells = s.to_numpy(dtype=object).tolist()
            for i in np.flatnonzero(mask).tolist():
                cells[i] = None
            return ("strings", cells, None, None)
        cells = s.to_numpy(dtype=object).tolist()
        for i in np.flatnonzero(mask).tolist():
            cells[i] = None
        return ("cells", cells, None, None)
    if isinstance(dt, pd.StringDtype):
        return ("strings", s.to_numpy(dtype=object, na_value=None).tolist(), None, None)
    np_dt = getattr(dt, "numpy_dtype", None)
    if np_dt is not None and np.dtype(np_dt).kind in "biuf":
        mask = s.isna().to_numpy()
        fill = False if np.dtype(np_dt).kind == "b" else 0
        return ("array", s.to_numpy(dtype=np_dt, na_value=fill), mask if mask.any() else None, None)
    return ("cells", s.to_numpy(dtype=object, na_value=None).tolist(), None, None)


def nullable(dt: np.dtype) -> str:
    if dt.kind == "f":
        return {"float32": "Float32"}.get(dt.name, "Float64")
    return dt.name.capitalize() if dt.kind == "i" else "U" + dt.name[1:].capitalize()
