"""Chart: a Vega-Lite v5 chart over a Table (what ``mk.plot.*`` and ``mk.plot_table`` return).

Backend: stdlib (building and encoding); thumbnails use vl-convert-python
(``pip install 'mediakit[plot]'``), with no browser and no network.

The descriptor holds the chart's table (a nested ``table`` descriptor whose JSON table file is the
data), a complete Vega-Lite v5 spec that reads that data as the named dataset ``"table"``
(``"data": {"name": "table"}``), the field mapping, string fields, title and, for computed charts,
metrics (AUC, average precision, accuracy) and how the data was reduced for display. To display
it with any Vega-Lite renderer, give the table's rows as records under that name, for instance as
top-level ``"datasets": {"table": [...]}``; :meth:`Chart.vega_lite` does exactly that.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, ClassVar

import numpy as np

from .._errors import MediaTypeError, ValidationError, shown
from .._schema import check_plain
from ..store import Store
from ._base import Kind
from .table import Table

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
DATASET = "table"
#: Largest Vega-Lite spec (without data) accepted, in bytes of JSON.
MAX_SPEC_BYTES = 1 << 20


class Chart(Kind):
    """A Vega-Lite chart of a table.

    Parameters
    ----------
    spec:
        A Vega-Lite v5 spec (dict). Its data is the table: top-level ``data`` must be absent or
        ``{"name": "table"}`` (layers may carry their own inline ``values``, e.g. a reference line).
    table:
        The :class:`~mediakit.Table` the chart shows.
    name:
        The preset or spec name (``"mediakit/line"``, a user's ``"team/my_chart"``).
    fields, string_fields:
        The mapping from chart fields to table columns, and the string settings used.
    title:
        The chart title.
    source:
        ``"preset"`` (a mediakit template), ``"user"`` (the caller's spec) or ``"fallback"``
        (a generic spec for a spec name mediakit does not have).
    metrics, reduction:
        For computed charts: per-class metrics and how curves were reduced for display.
    """

    TYPE: ClassVar[str] = "chart"
    VERSION: ClassVar[int] = 1

    def __init__(
        self,
        spec: dict[str, Any],
        table: Table,
        *,
        name: str = "custom",
        fields: dict[str, str | None] | None = None,
        string_fields: dict[str, Any] | None = None,
        title: str | None = None,
        source: str = "user",
        metrics: dict[str, Any] | None = None,
        reduction: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(table, Table):
            msg = f"table: expected a mediakit Table, got {type(table).__name__}"
            raise MediaTypeError(msg)
        if not isinstance(name, str) or not name:
            msg = f"name: expected a non-empty str, got {shown(name)}"
            raise MediaTypeError(msg)
        if source not in ("preset", "user", "fallback"):
            msg = f"source: expected 'preset', 'user' or 'fallback', got {shown(source)}"
            raise ValidationError(msg)
        self.spec = check_spec(spec)
        self.table = table
        self.name = name
        self.fields = {k: v for k, v in (fields or {}).items() if v is not None}
        self.string_fields = _json_data(dict(string_fields or {}), "string_fields")
        if title is None:
            title = self.spec.get("title") if isinstance(self.spec.get("title"), str) else ""
        if not isinstance(title, str):
            msg = f"title: expected a str, got {type(title).__name__} {shown(title)}"
            raise MediaTypeError(msg)
        self.title = title
        self.source = source
        self.metrics = _json_data(metrics, "metrics") if metrics is not None else None
        self.reduction = _json_data(reduction, "reduction") if reduction is not None else None
        for key, col in self.fields.items():
            if col not in table.columns:
                msg = f"fields[{shown(key)}]: column {shown(col)} is not in the table (columns: {', '.join(map(repr, table.columns))})"
                raise ValidationError(msg)

    def __repr__(self) -> str:
        return f"Chart({self.name!r}, title={self.title!r}, {len(self.table)} rows)"

    def vega_lite(self, *, inline: bool = True) -> dict[str, Any]:
        """The Vega-Lite spec; with ``inline=True`` the table's rows are included as the
        ``"table"`` dataset, so the spec displays on its own in any Vega-Lite renderer."""
        spec = copy.deepcopy(self.spec)
        if inline:
            spec["datasets"] = {DATASET: table_records(self.table)}
        return spec

    def _encode(self, store: Store) -> dict[str, Any]:
        desc: dict[str, Any] = {
            **self._header(),
            "name": self.name,
            "source": self.source,
            "title": self.title,
            "fields": dict(self.fields),
            "string_fields": self.string_fields,
            "spec": self.spec,
            "table": self.table._encode(store, storage="json"),
        }
        if self.metrics is not None:
            desc["metrics"] = self.metrics
        if self.reduction is not None:
            desc["reduction"] = self.reduction
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Chart:
        table = Table.decode(desc["table"], store)
        return cls(
            desc["spec"],
            table,
            name=desc["name"],
            fields=desc["fields"],
            string_fields=desc["string_fields"],
            title=desc["title"],
            source=desc["source"],
            metrics=desc.get("metrics"),
            reduction=desc.get("reduction"),
        )

    def _content(self) -> tuple[Any, ...]:
        return (self.name, self.source, self.title, self.fields, self.string_fields, self.spec, self.table, self.metrics, self.reduction)


def check_spec(spec: Any) -> dict[str, Any]:
    """A copy of a Vega-Lite v5 spec bound to the ``"table"`` dataset (checked, JSON-clean)."""
    if not isinstance(spec, dict):
        msg = f"spec: expected a Vega-Lite spec (dict), got {type(spec).__name__}"
        raise MediaTypeError(msg)
    spec = _json_data(spec, "spec")
    schema = spec.get("$schema", VEGA_LITE_SCHEMA)
    if not isinstance(schema, str) or not schema.startswith("https://vega.github.io/schema/vega-lite/v5"):
        msg = f"spec.$schema: expected a Vega-Lite v5 schema URL ({VEGA_LITE_SCHEMA}), got {shown(schema)}"
        raise ValidationError(msg)
    spec["$schema"] = VEGA_LITE_SCHEMA
    data = spec.get("data")
    if data is not None and data != {"name": DATASET}:
        msg = f"spec.data: the chart's data is its table; expected no data or {{'name': 'table'}}, got {shown(data)}"
        raise ValidationError(msg)
    if "datasets" in spec:
        msg = "spec.datasets: the chart's data is its table; remove 'datasets' (Chart.vega_lite() adds them)"
        raise ValidationError(msg)
    spec["data"] = {"name": DATASET}
    if not any(k in spec for k in ("mark", "layer", "concat", "hconcat", "vconcat", "facet", "repeat", "spec")):
        msg = "spec: expected a Vega-Lite view (with 'mark', 'layer', 'concat', 'facet' or 'repeat')"
        raise ValidationError(msg)
    size = len(json.dumps(spec, separators=(",", ":")))
    if size > MAX_SPEC_BYTES:
        from .._errors import LimitError

        msg = f"spec: {size:,} bytes of JSON is more than {MAX_SPEC_BYTES:,}; put data in the table, not in the spec"
        raise LimitError(msg)
    return spec


def _json_data(value: Any, field: str) -> Any:
    """Plain JSON data (numpy numbers become Python numbers), finite numbers only."""
    check_plain(value, field)
    return _json_rec(value, field)


def _json_rec(value: Any, field: str) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                msg = f"{field}: expected string keys, got {type(k).__name__} {shown(k)}"
                raise MediaTypeError(msg)
            out[k] = _json_rec(v, f"{field}[{shown(k)}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_json_rec(v, f"{field}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{field}: expected a finite number, got {shown(value)}"
        raise ValidationError(msg)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    msg = f"{field}: expected JSON data (dict, list, str, number, bool, None), got {type(value).__name__}"
    raise MediaTypeError(msg)


def table_records(table: Table) -> list[dict[str, Any]]:
    """A table's rows as Vega-Lite data records, datetimes as the table file writes them
    (time-zone aware ones as UTC instants with ``Z``, so every viewer shows the same instant)."""
    from ._table_io import datetime_strings

    table._flush()
    cols = [datetime_strings(c) if c.type == "datetime" else c.to_list() for c in table._columns]
    return records(table.columns, [list(r) for r in zip(*cols)])


def records(columns: list[str], rows: list[list[Any]]) -> list[dict[str, Any]]:
    """Rows as Vega-Lite data records; NaN/inf become null, media cells their descriptors' paths,
    datetimes ISO strings (see :func:`table_records` for aware ones)."""
    out = []
    for row in rows:
        rec = {}
        for name, v in zip(columns, row):
            rec[name] = _record_value(v)
        out.append(rec)
    return out


def _record_value(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else str(v)
    if isinstance(v, Kind):
        return repr(v)
    if isinstance(v, dict) and "_type" in v and "path" in v:
        return v["path"]
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v
