"""Descriptors: canonical JSON, validation against the schemas (shipped in ``schemas/`` or
registered with a plugin kind).

A descriptor is a JSON object with ``_type`` (the kind's name) and ``_version`` (the schema
version of that type). File-backed kinds carry ``path``/``sha256``/``size``/``media_type``.
"""

from __future__ import annotations

import re
from typing import Any

from ._errors import LimitError, MediaTypeError, SchemaError, shown
from ._limits import MAX_BOXES
from ._registry import load_entry_point
from ._schema import check_plain, content_path_ok, has_schema, schema_names, validator_for

#: Descriptor fields that hold nested descriptors, validated recursively by :func:`validate`.
_NESTED = {"items"}


def dumps(desc: Any) -> bytes:
    """Canonical JSON: sorted keys, compact separators, UTF-8, no NaN/Infinity."""
    import json  # on first use (see _schema.load_schema)

    try:
        return json.dumps(desc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError as e:
        msg = f"descriptor: cannot be written as JSON ({e}); non-finite numbers are not allowed"
        raise SchemaError(msg) from None
    except TypeError as e:
        msg = f"descriptor: cannot be written as JSON: {e}"
        raise MediaTypeError(msg) from None


def dumps_encoded(desc: Any) -> bytes:
    """The bytes of :func:`dumps` for what :func:`~mediakit.encode` returned, written by orjson
    when it is installed (the ``table`` extra), about 10x faster.

    encode's output holds no NaN or infinite float (it writes them as number descriptors, and
    kinds' descriptors are validated), which orjson would write as ``null``: callers must hold
    to that. orjson writes the same text as the standard library for every float except some
    below 1e-4 (``0.00001`` for ``1e-05``, ``2.5e-7`` for ``2.5e-07``): output where such text
    appears anywhere, and anything orjson refuses, is written by :func:`dumps` instead."""
    from .formats.jsontable import fast_encoder

    orjson = fast_encoder()
    if orjson is not None:
        try:
            out = bytes(orjson.dumps(desc, option=orjson.OPT_SORT_KEYS))
        except (TypeError, ValueError):  # big integers, lone surrogates, non-string keys, ...
            pass
        else:
            # (two substring scans first: far faster than the pattern's scan of every byte)
            if b"0.0000" not in out and (b"e-" not in out or _ORJSON_DIFFERS.search(out) is None):
                return out
    return dumps(desc)


#: Text in orjson's output that the standard library would write otherwise (or a string that
#: merely looks like it: then :func:`dumps` writes it, the same bytes either way).
_ORJSON_DIFFERS = re.compile(rb"0\.0000|e-\d(?!\d)")


def loads(data: bytes | str) -> Any:
    """Parse JSON text (descriptor or any mediakit JSON file), refusing NaN/Infinity literals."""
    import json

    def _no_constants(name: str) -> float:
        msg = f"descriptor: {name} is not valid JSON"
        raise SchemaError(msg)

    try:
        return json.loads(data, parse_constant=_no_constants)
    except json.JSONDecodeError as e:
        msg = f"descriptor: not valid JSON: {e}"
        raise SchemaError(msg) from None
    except UnicodeDecodeError as e:  # bytes in none of the UTF-8/16/32 encodings JSON allows
        msg = f"descriptor: not valid JSON: not UTF-8 text ({e.reason} at byte {e.start})"
        raise SchemaError(msg) from None
    except RecursionError:
        msg = "descriptor: JSON nested too deeply to read"
        raise LimitError(msg) from None


def validate(desc: Any, *, where: str = "$", deep: bool = True, _depth: int = 0) -> dict[str, Any]:
    """Check ``desc`` against the JSON Schema of its ``_type``; return it unchanged.

    ``deep=False`` skips nested item descriptors (for a writer whose items were each validated
    when they were made). Raises :class:`~mediakit.SchemaError` (a ``ValueError``) naming the
    bad field.
    """
    if not isinstance(desc, dict):
        msg = f"{where}: expected a descriptor (a JSON object with '_type'), got {type(desc).__name__}"
        raise SchemaError(msg, field=where)
    kind = desc.get("_type")
    if not isinstance(kind, str):
        msg = f"{where}._type: expected the name of a kind, got {_short(kind)}"
        raise SchemaError(msg, field=f"{where}._type")
    if _depth == 0:
        _check_counts(desc, kind, where)
    if not has_schema(kind) and not (load_entry_point(kind) and has_schema(kind)):
        msg = f"{where}._type: unknown descriptor type {shown(kind)} (known: {', '.join(schema_names())})"
        raise SchemaError(msg, field=f"{where}._type")
    v = validator_for(kind)
    if not v.accepts(desc):  # the compiled check (schema + content paths) said no: find out why
        v.check(desc, where=where)
        _check_sharing(desc, where)
        _check_content_paths(desc, where)
    if kind == "list":
        # What JSON Schema cannot say: the count matches and every item is of the list's kind.
        if desc["count"] != len(desc["items"]):
            msg = f"{where}.count: expected {len(desc['items'])} (the number of items), got {shown(desc['count'])}"
            raise SchemaError(msg, field=f"{where}.count")
        for i, item in enumerate(desc["items"]):
            if item.get("_type") != desc["kind"]:
                msg = f"{where}.items[{i}]._type: expected {shown(desc['kind'])} like the list's kind, got {shown(item.get('_type'))}"
                raise SchemaError(msg, field=f"{where}.items[{i}]._type")
    for key in _NESTED if deep else ():
        if key in desc and isinstance(desc[key], list):
            if _depth >= MAX_NESTING:
                msg = f"{where}.{key}: grouped descriptors nest at most {MAX_NESTING} levels deep"
                raise SchemaError(msg, field=f"{where}.{key}")
            for i, item in enumerate(desc[key]):
                validate(item, where=f"{where}.{key}[{i}]", _depth=_depth + 1)
    return desc


#: Deepest nesting of grouped descriptors accepted (a list of lists of media).
MAX_NESTING = 3


def _check_sharing(desc: dict[str, Any], where: str) -> None:
    """Refuse a field that holds itself or is a shared-reference bomb before anything walks
    it (deep nesting is the content-path walk's to report)."""
    for key, value in desc.items():
        try:
            check_plain(value, f"{where}.{key}", max_depth=1 << 30, cycle=SchemaError)
        except SchemaError as e:
            e.field = f"{where}.{key}"
            raise


def _check_content_paths(node: Any, where: str, depth: int = 0) -> None:
    """Every stored file a descriptor names is the content path of its own ``sha256``, so a
    descriptor can only ever point at content-addressed media, never at other files of a store."""
    if depth > 64:
        msg = f"{where}: descriptor nested too deeply"
        raise SchemaError(msg, field=where)
    if isinstance(node, dict):
        path, sha = node.get("path"), node.get("sha256")
        if not content_path_ok(path, sha):
            msg = f"{where}.path: expected the content path of sha256 {str(sha)[:12]}..., got {path!r}"
            raise SchemaError(msg, field=f"{where}.path")
        for key, value in node.items():
            # Only a descriptor's own ``items`` hold nested descriptors (validated on their own);
            # a key named ``items`` deeper down is content like any other.
            if (key != "items" or depth > 0) and isinstance(value, (dict, list)):
                _check_content_paths(value, f"{where}.{key}", depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, (dict, list)):
                _check_content_paths(value, f"{where}[{i}]", depth + 1)


#: Most item descriptors in one grouped descriptor, all nesting levels together (the list
#: schema allows 10,000 per level; this bounds a list of lists before any item is walked).
MAX_NESTED_ITEMS = 10_000


def _short(value: Any) -> str:
    return shown(value, 80)


def _check_counts(desc: dict[str, Any], kind: str, where: str) -> None:
    """Counts that bound the work of validation, checked from the containers' lengths before
    any element is looked at: boxes over all of an image's groups, and item descriptors over
    all levels of a list of lists. (Each array's own ``maxItems`` is the schema's business.)"""
    if kind == "image":
        groups = desc.get("boxes")
        if isinstance(groups, dict) and len(groups) <= 64:
            total = sum(len(g["box_data"]) for g in groups.values() if isinstance(g, dict) and isinstance(g.get("box_data"), list))
            if total > MAX_BOXES:
                msg = f"{where}.boxes: at most {MAX_BOXES} boxes per image (all groups together), got {total}"
                raise LimitError(msg)
    elif kind == "list":
        level: list[Any] = [desc]
        total = 0
        for _ in range(MAX_NESTING + 1):
            nxt: list[Any] = []
            for d in level:
                items = d.get("items") if isinstance(d, dict) else None
                if isinstance(items, list):
                    total += len(items)
                    if total > MAX_NESTED_ITEMS:
                        msg = f"{where}.items: at most {MAX_NESTED_ITEMS} item descriptors in one list (all nesting levels together), got more"
                        raise LimitError(msg)
                    nxt.extend(items)
            level = nxt
