"""Vega-Lite templates: the preset files in ``templates/`` and the placeholder filler.

A template file holds ``name``, ``aliases`` (names a reference document may use, such as
``wandb/line/v0``), ``fields`` (each with optional ``types`` the column must have, ``optional``
and ``default``), ``strings`` (with defaults) and ``spec``, a Vega-Lite v5 spec whose strings may
be placeholders:

- ``"${field:x}"``: the table column mapped to field ``x`` (escaped for Vega-Lite: ``.``, ``[``
  and ``]`` in a column name are literal characters, not nested access). A channel whose optional
  field is not given is removed. A ``quantitative`` channel becomes ``temporal`` for a datetime
  column and ``ordinal`` (in table order) for a string column.
- ``"${string:title}"``: the value of a string field (any JSON value when it is the whole string,
  such as a list of class names for ``sort``); inside a longer string it is substituted as text.

The same filler serves users' own templates (``plot_table(..., spec=...)``).
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._errors import MediaTypeError, ValidationError, shown
from .._schema import check_plain

TEMPLATE_DIR = Path(__file__).parent / "templates"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

_FIELD = re.compile(r"^\$\{field:([^}]+)\}$")
_STRING = re.compile(r"^\$\{string:([^}]+)\}$")
_ANY = re.compile(r"\$\{(field|string):([^}]+)\}")
_DROP = object()


@lru_cache(maxsize=1)
def _index() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for p in sorted(TEMPLATE_DIR.glob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        for name in [doc["name"], *doc.get("aliases", [])]:
            out[name] = p
    return out


def names() -> list[str]:
    """Every preset name and alias known to :func:`mediakit.plot_table`."""
    return sorted(_index())


def find(name: str) -> dict[str, Any] | None:
    """The template called ``name`` (a fresh copy), or None."""
    p = _index().get(name)
    if p is None:
        return None
    return _load(p)


@lru_cache(maxsize=32)
def _load_cached(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def _load(p: Path) -> dict[str, Any]:
    return json.loads(_load_cached(p))


def escape_field(name: str) -> str:
    """A column name as a Vega-Lite ``field`` (dots and brackets are not nested access)."""
    return re.sub(r"([.\[\]\\])", r"\\\1", name)


def placeholders(spec: Any) -> tuple[set[str], set[str]]:
    """The field and string placeholder names used anywhere in ``spec``."""
    fields: set[str] = set()
    strings: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            for kind, key in _ANY.findall(v):
                (fields if kind == "field" else strings).add(key)

    walk(spec)
    return fields, strings


def fill(spec: Any, fields: dict[str, str | None], strings: dict[str, Any], column_types: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Substitute placeholders; drop channels of optional fields that are not given."""

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            f = v.get("field")
            if isinstance(f, str) and (m := _FIELD.match(f)):
                col = fields.get(m.group(1))
                if col is None:
                    return _DROP
                out = {k: walk(x) for k, x in v.items() if k != "field"}
                out = {k: x for k, x in out.items() if x is not _DROP}
                out["field"] = escape_field(col)
                if "type" in out and "title" not in out and out["field"] != col:
                    out["title"] = col
                ctype = column_types.get(col, {}).get("type")
                if out.get("type") == "quantitative" and ctype == "datetime":
                    out["type"] = "temporal"
                elif out.get("type") == "quantitative" and ctype == "string":
                    # Text on a numeric axis (categories, IDs): ordered as in the table.
                    out["type"] = "ordinal"
                    out["sort"] = None
                return out
            out = {k: walk(x) for k, x in v.items()}
            return {k: x for k, x in out.items() if x is not _DROP}
        if isinstance(v, list):
            return [x for x in (walk(i) for i in v) if x is not _DROP]
        if isinstance(v, str):
            if m := _FIELD.match(v):
                col = fields.get(m.group(1))
                return _DROP if col is None else escape_field(col)
            if m := _STRING.match(v):
                return copy.deepcopy(strings.get(m.group(1)))
            if "${" in v:
                return _ANY.sub(lambda m: _text(m, fields, strings), v)
        return v

    return walk(copy.deepcopy(spec))


def _text(m: re.Match[str], fields: dict[str, str | None], strings: dict[str, Any]) -> str:
    kind, key = m.group(1), m.group(2)
    if kind == "field":
        return fields.get(key) or ""
    val = strings.get(key)
    return "" if val is None else str(val)


def check_mapping(
    template_name: str,
    spec_fields: dict[str, dict[str, Any]],
    fields: Any,
    columns: list[str],
    column_types: dict[str, dict[str, Any]],
    *,
    strict: bool,
) -> dict[str, str | None]:
    """Check a user's ``fields`` against a template's fields and the table's columns.

    Returns the complete mapping (defaults applied, optional fields absent as None).
    """
    if not isinstance(fields, dict):
        msg = f"fields: expected a dict of chart field -> table column, got {type(fields).__name__} {shown(fields)}"
        raise MediaTypeError(msg)
    known = ", ".join(spec_fields) or "none"
    out: dict[str, str | None] = {}
    for key, col in fields.items():
        if not isinstance(key, str):
            msg = f"fields: expected string field names, got {type(key).__name__} {shown(key)}"
            raise MediaTypeError(msg)
        if strict and key not in spec_fields:
            msg = f"fields[{shown(key)}]: {template_name} has no field {shown(key)} (fields: {known})"
            raise ValidationError(msg)
        if col is None:
            out[key] = None
            continue
        if not isinstance(col, str):
            msg = f"fields[{shown(key)}]: expected a column name (str), got {type(col).__name__} {shown(col)}"
            raise MediaTypeError(msg)
        if col not in columns:
            msg = f"fields[{shown(key)}]: column {shown(col)} is not in the table (columns: {', '.join(map(repr, columns))})"
            raise ValidationError(msg)
        out[key] = col
    for key, spec in spec_fields.items():
        if out.get(key) is None and spec.get("default") is not None:
            out[key] = out.get(spec["default"])
        if out.get(key) is None and not spec.get("optional", False):
            msg = f"fields[{shown(key)}]: {template_name} needs a column for field {shown(key)} (fields: {known})"
            raise ValidationError(msg)
        col = out.get(key)
        allowed = spec.get("types")
        if col is not None and allowed:
            have = column_types[col]["type"]
            if have not in allowed and have != "null":
                msg = f"fields[{shown(key)}]: column {shown(col)} holds {have} values; {template_name} needs {' or '.join(allowed)} for {shown(key)}"
                raise ValidationError(msg)
    return out


def check_strings(template_name: str, defaults: dict[str, Any], string_fields: Any, *, strict: bool) -> dict[str, Any]:
    """A template's string fields: defaults overlaid with the user's values (checked)."""
    if string_fields is None:
        string_fields = {}
    if not isinstance(string_fields, dict):
        msg = f"string_fields: expected a dict of name -> text, got {type(string_fields).__name__} {shown(string_fields)}"
        raise MediaTypeError(msg)
    out = dict(defaults)
    for key, val in string_fields.items():
        if not isinstance(key, str):
            msg = f"string_fields: expected string names, got {type(key).__name__} {shown(key)}"
            raise MediaTypeError(msg)
        if strict and key not in defaults:
            msg = f"string_fields[{shown(key)}]: {template_name} has no string field {shown(key)} (string fields: {', '.join(defaults) or 'none'})"
            raise ValidationError(msg)
        if val is None:
            val = defaults.get(key, "")
        check_plain(val, f"string_fields[{shown(key)}]")
        try:
            json.dumps(val, allow_nan=False)
        except (TypeError, ValueError):
            msg = f"string_fields[{shown(key)}]: expected text (or JSON data), got {type(val).__name__} {shown(val)}"
            raise MediaTypeError(msg) from None
        out[key] = val
    return out
