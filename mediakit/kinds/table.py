"""Table: named, typed columns of numbers, strings, bools, datetimes, nested values and media.

Backend: numpy (core); pandas frames, polars frames and Parquet/CSV/TSV/JSONL files need the
``table`` extra (``pip install 'mediakit[table]'``: pandas, pyarrow), imported on first use.

Encoded as a canonical JSON table file (``columns``, ``column_types``, ``data``; NaN and
infinities kept losslessly in a side record, see :mod:`mediakit.formats.jsontable`). Tables larger
than :data:`JSON_MAX_ROWS` rows are stored as Parquet (with a small JSON preview of the first rows)
when pyarrow is installed. Media cells (any mediakit kind) are encoded into the same store and the
cell holds their descriptor.

Type inference and checks work per column on whole arrays (see
:mod:`mediakit.kinds._table_columns`): a million-row numeric frame is never walked cell by cell.

Length: over 500 lines because the class carries the tracker's whole Table surface (add_data,
add_column, get_column, get_index, add_computed_columns, iteration, dataframe conversion) beside
encode/decode; input readers live in ``_table_inputs.py``, columns in ``_table_columns.py``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from .._errors import DecodeError, LimitError, MediakitError, MediaTypeError, ValidationError, shown
from .._files import write_atomic
from .._lazy import available, require
from ..formats import delimited, jsontable, parquet
from ..store import Store
from . import _table_cast as tc
from . import _table_inputs as ti
from . import _table_io as tio
from ._base import Kind
from ._table_columns import (
    Column,
    category_of,
    check_not_missing,
    concat,
    describe,
    from_array,
    from_cells,
    merge_category,
    short,
    where,
)

#: The reference documents' row limit (raise it with ``max_rows``).
DEFAULT_MAX_ROWS = 10_000
#: Above this many rows, ``storage="auto"`` writes Parquet (when pyarrow is installed).
JSON_MAX_ROWS = 10_000
#: Column names used when none are given (the reference documents' default).
DEFAULT_COLUMNS = ti.DEFAULT_COLUMNS

Storage = Literal["auto", "json", "parquet", "both"]
#: The tracker's ``log_mode`` values: accepted, no effect (every encode writes the whole table).
LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL", None)
_STORAGE = ("auto", "json", "parquet", "both")


class Table(Kind):
    """A table of typed columns.

    Parameters
    ----------
    columns:
        Column names (strings; ints are turned into strings). Default ``["Input", "Output",
        "Expected"]``; taken from the frame for ``dataframe=``.
    data:
        Rows as a list of lists/tuples, a 2-D numpy array, or a pandas/polars frame.
    rows:
        Another name for ``data`` (as in the reference documents).
    dataframe:
        A pandas or polars ``DataFrame`` (its index is not kept).
    dtype:
        Cast columns up front: one type for every column, a list aligned with the columns, or
        ``{column: type}``; types are ``int``, ``float``, ``bool``, ``str``, numpy dtypes,
        ``"number"``/``"string"``/``"bool"``/``"datetime"``, or a media kind (``mk.Image``: cells
        that are arrays, paths, PIL images ... become images).
    optional:
        Whether missing cells (``None``) are allowed: one bool, or one per column.
    allow_mixed_types:
        Let a column hold cells of different types (otherwise a mismatch is an error naming its
        row and column).
    max_rows:
        Most rows allowed (default 10,000, the reference documents' limit; ``None``: no limit).
        More rows is an error, never a silent truncation.
    storage:
        ``"auto"`` (JSON up to :data:`JSON_MAX_ROWS` rows, Parquet above when pyarrow is
        installed), ``"json"``, ``"parquet"`` or ``"both"`` (JSON plus a Parquet copy).
    log_mode:
        The tracker's option (``"IMMUTABLE"``, ``"MUTABLE"``, ``"INCREMENTAL"``), accepted with no
        effect: each encode stores the whole table as it is then.

    A frame, an array or a list of rows given as the first positional argument (``Table(df)``)
    is the data, not the column names.

    Raises
    ------
    MediaTypeError
        A cell of an unsupported type, or of a type other than its column's.
    ValidationError
        Rows of the wrong length, duplicate column names, a missing cell in a non-optional
        column, a failed cast.
    LimitError
        More rows than ``max_rows``.

    Examples
    --------
    >>> t = Table(columns=["Text", "Label"], data=[["I love my phone", 1], ["My phone sucks", 0]])
    >>> t.add_data("It is fine", 1)
    >>> len(t), t.get_column("Label")
    (3, [1, 0, 1])
    """

    TYPE: ClassVar[str] = "table"
    VERSION: ClassVar[int] = 1

    @staticmethod
    def convert_file(src: Any, dst: Any, *, progress: Callable[[int, int | None], None] | None = None) -> None:
        """``mediakit convert`` for table files: read as a Table (every column checked and typed),
        write the format ``dst``'s suffix names (JSON table, CSV, TSV or Parquet)."""
        convert(Path(src), Path(dst), progress=progress)

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
        *,
        dtype: Any = None,
        optional: bool | Sequence[bool] = True,
        allow_mixed_types: bool = False,
        max_rows: int | None = DEFAULT_MAX_ROWS,
        storage: Storage = "auto",
        log_mode: str | None = "IMMUTABLE",
    ) -> None:
        if log_mode not in LOG_MODES:
            msg = f"log_mode: expected one of {LOG_MODES}, got {shown(log_mode)}"
            raise ValidationError(msg)
        if data is None and rows is None and dataframe is None and ti.looks_like_data(columns):
            # ``Table(df)`` / ``Table(rows)``: the first positional argument is the data, not names.
            columns, data = None, columns
        if not isinstance(allow_mixed_types, bool):
            msg = f"allow_mixed_types: expected True or False, got {shown(allow_mixed_types)}"
            raise MediaTypeError(msg)
        if storage not in _STORAGE:
            msg = f"storage: expected one of {_STORAGE}, got {shown(storage)}"
            raise ValidationError(msg)
        self.max_rows = _check_max_rows(max_rows)
        self.allow_mixed_types = allow_mixed_types
        self.storage = storage
        given = [(n, v) for n, v in (("data", data), ("rows", rows), ("dataframe", dataframe)) if v is not None]
        if len(given) > 1:
            msg = f"Table: give only one of data, rows or dataframe, got {' and '.join(n for n, _ in given)}"
            raise ValidationError(msg)
        source = given[0][1] if given else None
        if dataframe is not None and not ti.is_frame(dataframe):
            msg = f"dataframe: expected a pandas or polars DataFrame, got {type(dataframe).__module__}.{type(dataframe).__name__}"
            raise MediaTypeError(msg)
        names, raws = ti.read_source(source, columns)
        n = ti.count_rows(raws)
        self._check_rows(n)
        opts = _per_column(optional, names, "optional", bool)
        casts = tc.parse_all(dtype, names)
        self._casts = casts
        self._columns = [_build(name, raw, cast, opt, allow_mixed_types) for name, raw, cast, opt in zip(names, raws, casts, opts)]
        self._pending: list[tuple[Any, ...]] = []
        self._cats: list[str | None] | None = None

    # -- named constructors ----------------------------------------------------------------------
    @classmethod
    def from_dataframe(cls, df: Any, **kwargs: Any) -> Table:
        """From a pandas or polars ``DataFrame`` (columns checked and typed per column)."""
        return cls(dataframe=df, **kwargs)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Table:
        """From a CSV, TSV, JSONL, Parquet or JSON table file.

        ``max_rows`` applies as usual (default 10,000): pass ``max_rows=None`` to read a file of
        any length.
        """
        kind, obj = tio.read_file(os.fspath(path))
        return cls._from_file(kind, obj, None, **kwargs)

    @classmethod
    def from_arrow(cls, table: Any, **kwargs: Any) -> Table:
        """From a ``pyarrow.Table``."""
        return cls._from_file("arrow", table, None, **kwargs)

    @classmethod
    def _from_file(cls, kind: str, obj: Any, store: Store | None, **kwargs: Any) -> Table:
        if kind == "json":
            cols = tio.columns_from_json(obj, store, decode_media=store is not None)
        else:
            names, raws = tio.columns_from_arrow(obj, store, decode_media=store is not None)
            if all(isinstance(r, Column) for r in raws):
                cols = raws
            else:
                t = cls(data=ti.Raw(names, raws), **kwargs)
                return t
        return cls._from_columns(cols, **kwargs)

    @classmethod
    def _from_columns(cls, cols: list[Column], **kwargs: Any) -> Table:
        t = cls(columns=[c.name for c in cols], **{k: v for k, v in kwargs.items() if k in ("max_rows", "storage", "allow_mixed_types")})
        t._check_rows(len(cols[0]) if cols else 0)
        t._columns = cols
        t._casts = [None] * len(cols)
        if kwargs.get("dtype") is not None or kwargs.get("optional", True) is not True:
            # Re-apply user options to the file's columns.
            for j, cast in enumerate(tc.parse_all(kwargs.get("dtype"), t.columns)):
                if cast is not None:
                    t.cast(t.columns[j], cast)
            for j, opt in enumerate(_per_column(kwargs.get("optional", True), t.columns, "optional", bool)):
                if not opt:
                    check_not_missing(t._columns[j])
                    t._columns[j].optional = False
        return t

    # -- the list-like API ---------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return [c.name for c in self._columns]

    @property
    def column_types(self) -> list[dict[str, Any]]:
        """Each column's type (``{"type": "number", "dtype": "int64", "optional": True}`` ...)."""
        self._flush()
        return [c.info() for c in self._columns]

    @property
    def data(self) -> list[list[Any]]:
        """All rows as lists of Python values (materialised: prefer :meth:`get_column` for big tables)."""
        self._flush()
        cols = [c.to_list() for c in self._columns]
        return [list(r) for r in zip(*cols)] if cols else []

    def __len__(self) -> int:
        n = len(self._columns[0]) if self._columns else 0
        return n + len(self._pending)

    def len(self) -> int:
        """Number of rows (also ``len(table)``)."""
        return len(self)

    @property
    def ncols(self) -> int:
        return len(self._columns)

    def __iter__(self) -> Iterator[list[Any]]:
        """Rows as lists of Python values."""
        self._flush()
        cols = [c.to_list() for c in self._columns]
        return (list(r) for r in zip(*cols))

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(index, row)`` pairs, as in the reference documents."""
        return enumerate(iter(self))

    def __repr__(self) -> str:
        return f"Table({len(self)} rows x {self.ncols} columns: {', '.join(self.columns[:8])}{', ...' if self.ncols > 8 else ''})"

    def add_data(self, *row: Any) -> None:
        """Append one row; each cell is checked against its column's type right away."""
        i = len(self)
        if len(row) != self.ncols:
            msg = f"row {i}: expected {self.ncols} values (columns {', '.join(map(repr, self.columns))}), got {len(row)}"
            raise ValidationError(msg)
        self._check_rows(i + 1)
        row = tuple(self._cast_cell(j, c, i) for j, c in enumerate(row))
        cats = self._categories()
        new = list(cats)
        for j, cell in enumerate(row):
            col = self._columns[j]
            cat = category_of(type(cell))
            if cat == "unsupported":
                from_cells(col.name, [cell], row0=i)  # raises the standard message
            if cat == "null":
                if not col.optional:
                    msg = f"{where(i, col.name)}: expected a value (the column is not optional), got None"
                    raise ValidationError(msg)
                continue
            if cat == "array" and cell.dtype.kind not in "biuf":
                from_cells(col.name, [cell], row0=i)
            merged = merge_category(cats[j], cat)
            if merged is None and not (self.allow_mixed_types or col.type == "mixed"):
                msg = f"{where(i, col.name)}: expected {describe(cats[j] or '')} like the rows before, got {describe(cat)} {short(cell)} (pass allow_mixed_types=True to allow mixed types)"
                raise MediaTypeError(msg)
            new[j] = merged if merged is not None else "mixed"
        self._cats = new
        self._pending.append(row)

    def add_row(self, *row: Any) -> None:
        """Append one row (the tracker's other name for :meth:`add_data`)."""
        self.add_data(*row)

    def add_computed_columns(self, fn: Callable[[int, dict[str, Any]], dict[str, Any]]) -> None:
        """Add columns computed per row: ``fn(index, {column: value})`` returns ``{new column: value}``
        (the same keys for every row)."""
        self._flush()
        new: dict[str, list[Any]] = {}
        for i, row in enumerate(self):
            out = fn(i, dict(zip(self.columns, row)))
            if not isinstance(out, dict):
                msg = f"fn: expected a dict of new column -> value for row {i}, got {type(out).__name__} {short(out)}"
                raise MediaTypeError(msg)
            if i and set(out) != set(new):
                msg = f"fn: row {i} gave columns {shown(sorted(out), 200)}, row 0 gave {shown(sorted(new), 200)}; return the same columns for every row"
                raise ValidationError(msg)
            for k, v in out.items():
                new.setdefault(k, []).append(v)
        for k, vals in new.items():
            self.add_column(k, vals)

    def add_column(self, name: str, data: Any, optional: bool = True) -> None:
        """Add a column of ``len(table)`` values (list, array, pandas/polars Series)."""
        self._flush()
        name = ti.check_name(name, "name")
        if name in self.columns:
            msg = f"name: column {shown(name)} already exists"
            raise ValidationError(msg)
        raw = ti.raw_series(data, name)
        n = ti.count_rows([raw])
        if self._columns and n != len(self):
            msg = f"data: column {shown(name)} has {n} values, the table has {len(self)} rows"
            raise ValidationError(msg)
        self._check_rows(n)
        self._columns.append(_build(name, raw, None, optional, self.allow_mixed_types))
        self._casts.append(None)
        self._cats = None

    def get_column(self, name: str, convert_to: Literal["numpy"] | None = None) -> Any:
        """A column's values as a list; ``convert_to="numpy"``: a numpy array.

        With ``"numpy"``, numbers become their dtype (float64 with NaN where cells are missing),
        image cells their pixels stacked into one array ``(rows, height, width[, channels])``, and
        array cells one stacked array; cells that cannot be stacked (different shapes, missing
        cells, other media) give a 1-D object array of per-row values.
        """
        col = self._column(name)
        if convert_to is None:
            return col.to_list()
        if convert_to != "numpy":
            msg = f"convert_to: expected None or 'numpy', got {shown(convert_to)}"
            raise ValidationError(msg)
        if col.dense and col.mask is None:
            return col.values.copy()
        if col.type == "number":
            out = col.values.astype(np.float64)
            out[col.mask] = np.nan
            return out
        cells = col.to_list()
        if col.type == "media" and col.kind == "image":
            cells = [c if c is None else c.pixels for c in cells]
        if col.type in ("array", "media", "list") and cells and all(isinstance(c, (np.ndarray, list)) for c in cells):
            try:
                stacked = np.array(cells) if col.type == "list" else np.stack(cells)
            except ValueError:  # different shapes
                stacked = None
            if stacked is not None and stacked.dtype != object:
                return stacked
        out = np.empty(len(cells), dtype=object)
        for i, c in enumerate(cells):
            out[i] = c
        return out

    def get_dataframe(self) -> Any:
        """A pandas ``DataFrame`` (the tracker's name for :meth:`to_pandas`)."""
        return self.to_pandas()

    def get_index(self) -> list[int]:
        return list(range(len(self)))

    def cast(self, name: str, dtype: Any, optional: bool | None = None) -> None:
        """Cast an existing column to ``dtype`` (see the class docs), checking every value."""
        col = self._column(name)
        j = self.columns.index(name)
        cast = dtype if isinstance(dtype, tc.Cast) else tc.parse(dtype, "dtype")
        raw = ("array", col.values, col.mask, col.tz) if col.dense else ("cells", col.to_list(), None, None)
        opt = col.optional if optional is None else optional
        self._columns[j] = _build(name, raw, cast, opt, self.allow_mixed_types)
        self._casts[j] = cast
        self._cats = None

    # -- conversions -------------------------------------------------------------------------------
    def to_pandas(self) -> Any:
        """A pandas ``DataFrame`` (media cells stay media objects; missing numbers become NaN or
        pandas' nullable types)."""
        pd = require("pandas", extra="table", feature="Table.to_pandas")
        self._flush()
        data = {}
        for c in self._columns:
            if c.dense and c.mask is None:
                s = pd.Series(c.values, name=c.name)
            elif c.type == "number":
                s = pd.Series(pd.array(c.values, dtype=ti.nullable(c.values.dtype), copy=True), name=c.name)
                s[c.mask] = pd.NA
            elif c.type == "bool":
                cells = c.values.astype(object)
                cells[c.missing()] = None
                s = pd.Series(pd.array(cells.tolist(), dtype="boolean"), name=c.name)
            elif c.type == "datetime":
                s = pd.Series(c.values, name=c.name)
            else:
                s = pd.Series(c.to_list(), name=c.name, dtype=object)
            if c.type == "datetime" and c.tz:
                s = s.dt.tz_localize("UTC").dt.tz_convert(c.tz)
            data[c.name] = s
        return pd.DataFrame(data, columns=self.columns)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` (media cells must be encoded first, so this refuses media columns)."""
        self._flush()
        return tio.to_arrow(self._columns)

    # -- internals ------------------------------------------------------------------------------------
    def _check_rows(self, n: int) -> None:
        if self.max_rows is not None and n > self.max_rows:
            msg = f"data: {n:,} rows exceed max_rows={self.max_rows:,}; pass a larger max_rows (or None) to allow them — rows are never dropped silently"
            raise LimitError(msg)

    def _column(self, name: str) -> Column:
        self._flush()
        for c in self._columns:
            if c.name == name:
                return c
        msg = f"name: no column {shown(name)} (columns: {', '.join(map(repr, self.columns))})"
        raise ValidationError(msg)

    def _categories(self) -> list[str | None]:
        if self._cats is None:
            self._cats = [_category_of_column(c) for c in self._columns]
        return self._cats

    def _cast_cell(self, j: int, cell: Any, i: int) -> Any:
        cast = self._casts[j] if j < len(self._casts) else None
        if cast is None or cell is None:
            return cell
        try:
            vals, _mask = tc.apply(cast, self._columns[j].name, [cell])
        except MediakitError as e:
            msg = str(e).replace("row 0,", f"row {i},", 1)
            raise type(e)(msg) from e
        if isinstance(vals, np.ndarray):
            return vals[0].item() if cast.target != "datetime" else vals[0]
        return vals[0]

    def _flush(self) -> None:
        if not self._pending:
            return
        n0 = len(self._columns[0]) if self._columns else 0
        pending, self._pending = self._pending, []
        for j, cells in enumerate(zip(*pending)):
            col = self._columns[j]
            new = from_cells(col.name, list(cells), allow_mixed=self.allow_mixed_types or col.type == "mixed", optional=col.optional, row0=n0)
            self._columns[j] = concat(col, new, allow_mixed=True)

    # -- encode / decode ---------------------------------------------------------------------------
    def _format(self, storage: str) -> str:
        if storage == "auto":
            return "parquet" if len(self) > JSON_MAX_ROWS and available("pyarrow") else "json"
        return "json" if storage == "both" else storage

    def _encode(self, store: Store, storage: str | None = None) -> dict[str, Any]:
        self._flush()
        storage = storage or self.storage
        cols = self._columns
        media = tio.encode_media(cols, store)
        fmt = self._format(storage)
        desc: dict[str, Any] = {**self._header()}
        if fmt == "json":
            ref = store.put(tio.json_table(cols, media), suffix=".json")
        else:
            ref = store.put(parquet.write(tio.to_arrow(cols, media)), suffix=".parquet")
        desc.update(ref.to_dict())
        desc.update(format=fmt, columns=self.columns, column_types=[c.info() for c in cols], nrows=len(self), ncols=self.ncols)
        if fmt == "parquet":
            rows = min(len(self), tio.PREVIEW_ROWS)
            desc["preview"] = {**store.put(tio.json_table(cols, media, rows=rows), suffix=".json").to_dict(), "rows": rows}
        if storage == "both":
            desc["parquet"] = store.put(parquet.write(tio.to_arrow(cols, media)), suffix=".parquet").to_dict()
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Table:
        blob = store.read(desc["path"])
        if hashlib.sha256(blob).hexdigest() != desc["sha256"]:
            msg = f"path: the content of {shown(desc['path'])} does not match its sha256 (the file was changed)"
            raise DecodeError(msg)
        nrows = desc["nrows"]
        kwargs: dict[str, Any] = {"max_rows": max(DEFAULT_MAX_ROWS, nrows)}
        if desc["format"] == "json":
            t = cls._from_file("json", jsontable.parse_json_table(blob), store, **kwargs)
        else:
            t = cls._from_file("arrow", parquet.read(blob, "path"), store, **kwargs)
        if t.columns != desc["columns"] or len(t) != nrows or t.column_types != desc["column_types"]:
            msg = f"path: the table file does not match the descriptor (columns, types or {nrows} rows)"
            raise DecodeError(msg)
        return t

    def _content(self) -> tuple[Any, ...]:
        self._flush()
        return (self.columns, [c.content() for c in self._columns])


# -- helpers --------------------------------------------------------------------------------------


def _check_max_rows(max_rows: Any) -> int | None:
    if max_rows is None:
        return None
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)):
        msg = f"max_rows: expected an int or None, got {type(max_rows).__name__} {shown(max_rows)}"
        raise MediaTypeError(msg)
    if max_rows < 0:
        msg = f"max_rows: expected a number >= 0, got {shown(max_rows)}"
        raise ValidationError(msg)
    return int(max_rows)


def _per_column(value: Any, names: list[str], field: str, typ: type) -> list[Any]:
    if isinstance(value, typ):
        return [value] * len(names)
    if isinstance(value, (list, tuple)) and len(value) == len(names) and all(isinstance(v, typ) for v in value):
        return list(value)
    msg = f"{field}: expected a {typ.__name__} or a list of {len(names)} ({typ.__name__} per column), got {short(value)}"
    raise ValidationError(msg) if isinstance(value, (list, tuple)) else MediaTypeError(msg)


def _category_of_column(c: Column) -> str | None:
    if c.type == "number":
        return "int" if c.values.dtype.kind in "iu" else "float"
    if c.type == "media":
        return f"media:{c.kind}"
    if c.type == "null" or len(c) == 0:
        return None
    return c.type


def _build(name: str, raw: tuple[str, Any, Any, Any], cast: tc.Cast | None, optional: bool, allow_mixed: bool) -> Column:
    kind, values, mask, tz = raw
    if cast is not None:
        values, mask = tc.apply(cast, name, values, mask)
        if isinstance(values, list):
            return from_cells(name, values, allow_mixed=allow_mixed, optional=optional)
        return from_array(name, values, mask, optional=optional)
    if kind == "array":
        col = from_array(name, values, mask, optional=optional, tz=tz)
        return col
    if kind == "strings":
        col = Column(name, "string", values, optional=optional)
        if not optional:
            check_not_missing(col)
        return col
    return from_cells(name, values, allow_mixed=allow_mixed, optional=optional)


# -- CLI conversion -----------------------------------------------------------------------------------

_OUT = (".json", ".csv", ".tsv", ".parquet")


def convert(src: Path, dst: Path, *, progress: Callable[[int, int | None], None] | None = None) -> None:
    """Convert a table file: CSV, TSV, JSONL, Parquet or JSON table -> JSON table, CSV, TSV or Parquet.

    Reads the whole file (no row limit), checks and types every column, and writes ``dst``
    atomically (a temporary file renamed into place). Nested values and media descriptors become
    JSON text in CSV/TSV cells.
    """
    src, dst = Path(src), Path(dst)
    out = dst.suffix.lower()
    if out not in _OUT:
        msg = f"dst: expected a {', '.join(_OUT)} file, got {str(dst)!r}"
        raise ValidationError(msg)
    kind, obj = tio.read_file(str(src), progress=None)
    total = 3
    if progress:
        progress(1, total)
    table = Table._from_file(kind, obj, None, max_rows=None)
    if progress:
        progress(2, total)
    cols = table._columns
    if out == ".json":
        blob = tio.json_table(cols, {})
    else:
        arrow = tio.to_arrow(cols)
        blob = parquet.write(arrow) if out == ".parquet" else delimited.write(arrow, delimiter="\t" if out == ".tsv" else ",")
    write_atomic(dst, blob, field="dst")
    if progress:
        progress(3, total)
