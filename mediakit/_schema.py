"""JSON Schemas of descriptors: where they come from, the validators over them, bundling.

Schemas come from two places: the files shipped in ``mediakit/schemas/`` (one per built-in type,
plus ``_defs/common.schema.json``) and the schemas plugin kinds bring when they are registered
(:func:`mediakit.register_kind` calls :func:`register_schema`). Files are listed and read once
and kept; so are the validators (:mod:`mediakit._validator`) built over them. A plugin schema is
checked when it is registered: it pins ``_type``, uses only keywords the validator checks (so
nothing is silently ignored) and every ``$ref`` resolves.

:func:`schema` is ``mediakit.schema``: a copy of one schema, as its file is or bundled into one
self-contained document (every ``$ref`` to another file inlined under ``$defs``), which is what
``mediakit schema TYPE`` prints.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from ._errors import LimitError, MediaFileNotFoundError, MediaTypeError, SchemaError, ValidationError, shown
from ._limits import MAX_JSON_DEPTH
from ._validator import ASSERTIONS, Rules, Validator, lookup, split_ref

if TYPE_CHECKING:
    from pathlib import Path

#: The shipped schema files (a ``str``: pathlib is imported only when a schema is read).
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
SUFFIX = ".schema.json"

#: Keywords that only annotate or structure a schema.
ANNOTATIONS = frozenset(
    "$schema $id $defs $comment title description default examples deprecated readOnly writeOnly format".split()
)

# -- where schemas come from -----------------------------------------------------------------------

_lock = threading.RLock()
_docs: dict[str, dict[str, Any]] = {}  # file name -> document, loaded once
_plugins: dict[str, dict[str, Any]] = {}  # file name -> schema a plugin kind registered (wins over a file)
_validators: dict[str, Validator] = {}


@cache
def _shipped_files() -> frozenset[str]:
    """Every schema file shipped in ``schemas/`` (``image.schema.json``, ``_defs/common.schema.json``)."""
    from pathlib import Path

    root = Path(SCHEMA_DIR)
    return frozenset(p.relative_to(root).as_posix() for p in root.rglob("*" + SUFFIX))


@cache
def _shipped_types() -> frozenset[str]:
    return frozenset(f[: -len(SUFFIX)] for f in _shipped_files() if "/" not in f)


def load_schema(name: str) -> dict[str, Any]:
    """The schema document of file ``name`` (``image.schema.json``, ``_defs/common.schema.json``),
    loaded once and shared: callers must not change it (:func:`schema` hands out copies)."""
    doc = _plugins.get(name)
    if doc is not None:
        return doc
    doc = _docs.get(name)
    if doc is None:
        if name not in _shipped_files():
            msg = f"_type: no schema named {shown(name)} in {SCHEMA_DIR!r}"
            raise SchemaError(msg)
        import json  # on first use: 2-3 ms of the first mk.Image otherwise

        with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as f:
            doc = _docs[name] = json.loads(f.read())
    return doc


def has_schema(type_name: str) -> bool:
    """Whether descriptors of ``type_name`` have a schema (shipped or registered)."""
    return type_name in _shipped_types() or (type_name + SUFFIX) in _plugins


def schema_names() -> list[str]:
    """The descriptor types that have a schema: the shipped ones and those plugins registered."""
    return sorted(_shipped_types() | {f[: -len(SUFFIX)] for f in _plugins})


def content_path_ok(path: Any, sha: Any) -> bool:
    """The descriptors' content-path rule for one object: a stored file's ``path`` (under
    ``media/``) is the content path of the object's own ``sha256``."""
    if isinstance(path, str) and isinstance(sha, str) and path.startswith("media/"):
        return path.rsplit("/", 1)[-1].split(".", 1)[0] == sha and path[6:8] == sha[:2]
    return True


def _object_paths_ok(obj: dict[str, Any]) -> bool:
    return content_path_ok(obj.get("path"), obj.get("sha256"))


#: Free content may hold the same list or object more than once (Python values can; JSON text
#: cannot), but written out it may not come to more than this many times the values it holds
#: in memory, beyond :data:`SHARED_SLACK` values: past that it is a bomb (a list holding one
#: list 300 times, three levels deep, is 27 million values from 900 in memory).
SHARED_FACTOR = 4
SHARED_SLACK = 1 << 20


def free_walk(node: Any, max_depth: int = 32, *, paths: bool = True) -> str | None:
    """Check a value the schema leaves free, walking each container once however often it is
    referenced: ``None`` when it is fine, else what is wrong — ``"path"`` (an object breaks the
    content-path rule), ``"depth"`` (nested more than ``max_depth`` deep), ``"cycle"`` (it holds
    itself) or ``"shared"`` (written out it is more than :data:`SHARED_FACTOR` times its size in
    memory, beyond :data:`SHARED_SLACK`). ``paths=False`` skips the content-path rule."""
    if not isinstance(node, (dict, list)):
        return None
    sizes: dict[int, int] = {}  # id -> values when written out (the container and all inside)
    held = 0  # references held by distinct containers
    stack: list[tuple[Any, int, bool]] = [(node, 0, False)]
    open_ids: set[int] = set()  # the containers being walked: the current one and its ancestors
    while stack:
        cur, depth, done = stack.pop()
        kids: Any = cur.values() if isinstance(cur, dict) else cur
        if done:
            total = 1 + len(cur)
            for v in kids:
                if isinstance(v, (dict, list)):
                    total += sizes[id(v)] - 1
            sizes[id(cur)] = total
            open_ids.discard(id(cur))
            if total > SHARED_SLACK and total > SHARED_FACTOR * held:
                return "shared"
            continue
        if id(cur) in sizes:  # queued twice (referenced twice) and already walked
            continue
        if depth > max_depth:
            return "depth"
        if paths and isinstance(cur, dict) and not content_path_ok(cur.get("path"), cur.get("sha256")):
            return "path"
        held += 1 + len(cur)
        open_ids.add(id(cur))
        stack.append((cur, depth, True))
        for v in kids:
            if isinstance(v, (dict, list)):
                if id(v) in open_ids:
                    return "cycle"
                if id(v) not in sizes:
                    stack.append((v, depth + 1, False))
    return None


def check_plain(value: Any, field: str, *, max_depth: int = MAX_JSON_DEPTH, cycle: type[ValidationError] = ValidationError) -> None:
    """Refuse, before anything recurses into it, a JSON-like value (a chart spec, a figure
    dict, a nested table cell, a dict given to ``encode``, a descriptor's field) that holds
    itself (``cycle``, the error class), is nested more than ``max_depth`` deep (Python's
    recursion would give out first), or is a shared-reference bomb (see :func:`free_walk`)."""
    reason = free_walk(value, max_depth, paths=False)
    if reason == "cycle":
        msg = f"{field}: holds itself (a reference cycle); JSON data cannot"
        raise cycle(msg)
    if reason == "depth":
        msg = f"{field}: nested more than {MAX_JSON_DEPTH} levels deep; flatten it"
        raise LimitError(msg)
    if reason == "shared":
        msg = (
            f"{field}: holds the same list or object so many times that, written out, it is more than "
            f"{SHARED_FACTOR}x the data it holds in memory (a shared-reference bomb); pass plain data"
        )
        raise LimitError(msg)


def _all_paths_ok(node: Any) -> bool:
    """The content-path rule over a whole value the schema leaves free (nested descriptors
    never are: the compiled check skips the list's ``items`` property itself, so a key named
    ``items`` in free content is walked like any other); ``False`` also when the value is nested
    more than 32 deep, holds itself, or is a shared-reference bomb, leaving the verdict (and
    the message) to the full check."""
    return free_walk(node) is None


#: The content-path rule, folded into every descriptor validator's compiled predicate.
CONTENT_PATHS = Rules(_object_paths_ok, _all_paths_ok, frozenset({"path", "sha256"}), frozenset({"items"}))


def validator_for(type_name: str) -> Validator:
    """The (cached) validator of descriptors of ``type_name``; its :meth:`~Validator.accepts`
    also checks the content-path rule."""
    v = _validators.get(type_name)
    if v is None:
        v = _validators[type_name] = Validator(type_name + SUFFIX, load_schema, rules=CONTENT_PATHS)
    return v


def schema(name: str, *, bundled: bool = False) -> dict[str, Any]:
    """The JSON Schema of descriptor type ``name`` (``"image"``; ``"image.schema.json"`` and
    ``"_defs/common.schema.json"`` name schema files), as a new copy the caller may change.

    ``bundled=True`` returns one self-contained document: every ``$ref`` to another file is
    inlined under ``$defs`` and rewritten to point there, so any JSON Schema validator can use it
    without our files. Unknown names are a :class:`~mediakit.SchemaError` listing the choices.
    """
    if not isinstance(name, str):
        msg = f"name: expected a descriptor type name (str), got {type(name).__name__} {shown(name)}"
        raise MediaTypeError(msg)
    file = name if name.endswith(SUFFIX) else name + SUFFIX
    if file not in _plugins and file not in _shipped_files() and "/" not in name:
        from ._registry import load_entry_point

        load_entry_point(file[: -len(SUFFIX)])  # a plugin kind installed with an entry point
    if file not in _plugins and file not in _shipped_files():
        others = sorted(f for f in _shipped_files() if "/" in f)
        msg = f"name: expected one of {schema_names()} (or a shared schema file: {', '.join(others)}), got {shown(name)}"
        raise SchemaError(msg)
    import copy

    return bundle(file) if bundled else copy.deepcopy(load_schema(file))


# -- plugin schemas ---------------------------------------------------------------------------------


def read_schema(type_name: str, source: Any, *, base: Path | None = None) -> dict[str, Any]:
    """A plugin's schema for ``type_name`` from a dict or a path to a ``.json`` file (relative to
    ``base``), copied and checked (see :func:`check_schema`); nothing is registered yet."""
    import copy
    import json

    if isinstance(source, (str, os.PathLike)):
        from pathlib import Path

        path = Path(source)
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            msg = f"schema: schema file {str(path)!r} of kind {type_name!r} does not exist"
            raise MediaFileNotFoundError(msg) from None
        try:
            doc = json.loads(text)
        except ValueError as e:
            msg = f"schema: {str(path)!r} is not valid JSON: {e}"
            raise SchemaError(msg) from None
    elif isinstance(source, dict):
        doc = copy.deepcopy(source)
    else:
        msg = f"schema: expected a JSON Schema (dict) or the path of a .json file, got {type(source).__name__}"
        raise MediaTypeError(msg)
    check_schema(type_name, doc)
    return doc


def check_schema(type_name: str, doc: Any) -> None:
    """A kind's schema describes objects whose ``_type`` is the kind's name and requires
    ``_type`` and ``_version``; it uses only keywords our validator checks; every ``$ref``
    resolves (inside the schema, or to one of mediakit's files such as
    ``_defs/common.schema.json#/$defs/path``)."""
    where = f"schema of kind {type_name!r}"
    if not isinstance(doc, dict):
        msg = f"{where}: expected a JSON object, got {type(doc).__name__}"
        raise SchemaError(msg)
    props = doc.get("properties")
    if doc.get("type") != "object" or not isinstance(props, dict) or props.get("_type") != {"const": type_name}:
        msg = f"{where}: expected an object schema whose properties pin '_type' with {{\"const\": {type_name!r}}}"
        raise SchemaError(msg)
    if not {"_type", "_version"} <= set(doc.get("required", ())):
        msg = f"{where}: 'required' must list '_type' and '_version'"
        raise SchemaError(msg)
    file = type_name + SUFFIX
    for node, path in _walk(doc, "$"):
        unknown = sorted(k for k in node if k not in ASSERTIONS and k not in ANNOTATIONS)
        if unknown:
            msg = f"{where}: {path} uses {', '.join(map(repr, unknown))}, which mediakit's validator does not check (it checks: {', '.join(sorted(ASSERTIONS))})"
            raise SchemaError(msg)
        ref = node.get("$ref")
        if ref is not None:
            try:
                target_file, pointer = split_ref(ref, file)
                lookup(doc if target_file == file else load_schema(target_file), pointer)
            except (SchemaError, KeyError, IndexError, TypeError, ValueError):
                msg = f"{where}: {path}.$ref {ref!r} does not resolve (refer to '#/$defs/...' or to mediakit's schema files)"
                raise SchemaError(msg) from None


def register_schema(type_name: str, doc: dict[str, Any]) -> None:
    """Use ``doc`` (checked by :func:`read_schema`) for descriptors of ``type_name`` from now on."""
    with _lock:
        _plugins[type_name + SUFFIX] = doc
        _validators.clear()


def unregister_schema(type_name: str) -> None:
    """Forget a registered schema (a shipped one comes back into use)."""
    with _lock:
        _plugins.pop(type_name + SUFFIX, None)
        _validators.clear()


# -- references and bundling ------------------------------------------------------------------------

#: Keywords whose value is a subschema, a list of them, or a name -> subschema map.
_SUB_ONE = ("additionalProperties", "items", "not", "contains", "if", "then", "else", "propertyNames",
            "unevaluatedItems", "unevaluatedProperties")
_SUB_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUB_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")


def _walk(node: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every subschema (a dict) of ``node`` with its JSON path, in schema positions only (never
    inside ``const``/``enum`` data)."""
    if not isinstance(node, dict):
        return
    yield node, path
    for key in _SUB_ONE:
        if key in node:
            yield from _walk(node[key], f"{path}.{key}")
    for key in _SUB_LIST:
        subs = node.get(key)
        for i, sub in enumerate(subs if isinstance(subs, list) else ()):
            yield from _walk(sub, f"{path}.{key}[{i}]")
    for key in _SUB_MAP:
        sub_map = node.get(key)
        if isinstance(sub_map, dict):
            for name, sub in sub_map.items():
                yield from _walk(sub, f"{path}.{key}[{name!r}]")


def bundle(file: str) -> dict[str, Any]:
    """Schema file ``file`` as one self-contained document: each other file it refers to
    (transitively) is copied under ``$defs`` (keyed by its file name, without ``$id``/``$schema``)
    and every ``$ref`` is rewritten to a ``#/...`` pointer into the bundle."""
    import copy

    keys: dict[str, str] = {}
    pending: list[str] = []

    def rewrite(doc: dict[str, Any], at: str) -> None:
        for node, _path in _walk(doc, "$"):
            ref = node.get("$ref")
            if not isinstance(ref, str):
                continue
            target, pointer = split_ref(ref, at)
            if target == file:
                node["$ref"] = "#" + pointer
                continue
            if target not in keys:
                load_schema(target)  # refuses unknown files
                keys[target] = target.replace("/", ".")
                pending.append(target)
            node["$ref"] = f"#/$defs/{keys[target].replace('~', '~0').replace('/', '~1')}{pointer}"

    root = copy.deepcopy(load_schema(file))
    rewrite(root, file)
    embedded: dict[str, Any] = {}
    while pending:
        target = pending.pop(0)
        doc = copy.deepcopy(load_schema(target))
        doc.pop("$id", None)
        doc.pop("$schema", None)
        rewrite(doc, target)
        embedded[keys[target]] = doc
    if embedded:
        defs = root.setdefault("$defs", {})
        clash = sorted(set(defs) & set(embedded))
        if clash:
            msg = f"{file}: cannot bundle, $defs already has {clash}"
            raise SchemaError(msg)
        defs.update(embedded)
    return root
