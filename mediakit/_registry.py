"""The registry: ``_type`` -> kind class and renderer, imported on first use.

The built-in tables are explicit and sorted (a test checks this) and stay sorted when plugins are
added. A plugin kind is a :class:`~mediakit.Kind` subclass whose ``TYPE`` is its name; it comes in
through :func:`register_kind` or the ``mediakit.kinds`` entry-point group (entry name = ``TYPE``,
value ``"module:Class"``, imported the first time that type is met). Registering a kind registers
what it needs end to end:

- its JSON Schema: ``schema=`` or the class attribute ``SCHEMA``, a dict or the path of a
  ``.json`` file (relative paths are relative to the class's module); the schema must pin
  ``_type`` with ``{"const": TYPE}`` and use only keywords mediakit's validator checks (see
  :mod:`mediakit._schema`); it may ``$ref`` mediakit's shared definitions
  (``"_defs/common.schema.json#/$defs/path"``);
- its thumbnail renderer (optional): ``renderer=`` or the class attribute ``RENDERER``, a
  callable ``render(desc, store, *, size, limits) -> PIL.Image`` or its ``"module:function"``.

A plugin that also reads files (for ``mediakit encode``) registers a
:class:`~mediakit.formats.FormatSpec` naming its kind (``mediakit.formats.register_format`` or
the ``mediakit.formats`` entry-point group); the CLI then builds it with the class's
``from_path``.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._errors import MediaTypeError, UnknownKindError, ValidationError, shown
from ._schema import has_schema, read_schema, register_schema, unregister_schema

if TYPE_CHECKING:
    from pathlib import Path

_KINDS: dict[str, str] = {
    "audio": "mediakit.kinds.audio:Audio",
    "chart": "mediakit.kinds.chart:Chart",
    "histogram": "mediakit.kinds.histogram:Histogram",
    "html": "mediakit.kinds.html:Html",
    "image": "mediakit.kinds.image:Image",
    "list": "mediakit.kinds.list:MediaList",
    "molecule": "mediakit.kinds.molecule:Molecule",
    "number": "mediakit.kinds.number:NonFinite",
    "object3d": "mediakit.kinds.object3d:Object3D",
    "plotly": "mediakit.kinds.plotly:Plotly",
    "table": "mediakit.kinds.table:Table",
    "tensor": "mediakit.kinds.tensor:TensorSummary",
    "video": "mediakit.kinds.video:Video",
}

_RENDERERS: dict[str, str] = {
    "audio": "mediakit.render.audio:render",
    "chart": "mediakit.render.chart:render",
    "histogram": "mediakit.render.histogram:render",
    "html": "mediakit.render.html:render",
    "image": "mediakit.render.image:render",
    "list": "mediakit.render.list:render",
    "molecule": "mediakit.render.molecule:render",
    "number": "mediakit.render.number:render",
    "object3d": "mediakit.render.object3d:render",
    "plotly": "mediakit.render.plotly:render",
    "table": "mediakit.render.table:render",
    "tensor": "mediakit.render.histogram:render_tensor",
    "video": "mediakit.render.video:render",
}

#: Read-only views of the tables.
registry = MappingProxyType(_KINDS)
renderers = MappingProxyType(_RENDERERS)

#: A kind's name: what the ``list`` schema accepts as an item kind.
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")

_lock = threading.RLock()
_objects: dict[str, Any] = {}  # name -> class registered as an object (may not be importable by name)
_render_objects: dict[str, Callable[..., Any]] = {}
_entry_points: dict[str, str] | None = None  # the ``mediakit.kinds`` group, read once
_builtin = (dict(_KINDS), dict(_RENDERERS))


def load_target(target: str) -> Any:
    """Import ``"package.module:attr.sub"`` (or ``"package.module:"`` for the module itself)."""
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


# -- lookups --------------------------------------------------------------------------------------


def get_kind(name: str) -> Any:
    """The kind class registered under ``name`` (imports its module on first use)."""
    if name not in _KINDS:
        load_entry_point(name)
    if name not in _KINDS:
        msg = f"_type: no kind is registered under {shown(name)} (known: {', '.join(_KINDS)})"
        raise UnknownKindError(msg)
    obj = _objects.get(name)
    return obj if obj is not None else load_target(_KINDS[name])


def get_renderer(name: str) -> Callable[..., Any]:
    """The thumbnail renderer registered under ``name``."""
    if name not in _RENDERERS:
        load_entry_point(name)
    if name not in _RENDERERS:
        msg = f"_type: no renderer is registered under {shown(name)} (known: {', '.join(_RENDERERS)})"
        raise UnknownKindError(msg)
    obj = _render_objects.get(name)
    return obj if obj is not None else load_target(_RENDERERS[name])


# -- plugins --------------------------------------------------------------------------------------


def _plugin_entry_points() -> dict[str, str]:
    global _entry_points
    if _entry_points is None:
        from importlib.metadata import entry_points

        _entry_points = {ep.name: ep.value for ep in entry_points(group="mediakit.kinds")}
    return _entry_points


def load_entry_point(name: str) -> bool:
    """Register the kind the ``mediakit.kinds`` entry point ``name`` names, unless a kind of that
    name is registered already; False when there is no such entry point."""
    if name in _KINDS:
        return True
    target = _plugin_entry_points().get(name)
    if target is None:
        return False
    with _lock:
        if name not in _KINDS:
            try:
                _register(target, expected=name)
            except Exception as e:  # a broken plugin: one mediakit error, naming it
                msg = f"_type: the plugin kind {shown(name)} (entry point {target!r} of group 'mediakit.kinds') could not be registered: {type(e).__name__}: {e}"
                raise UnknownKindError(msg) from e
    return True


def load_entry_points() -> None:
    """Register every kind of the ``mediakit.kinds`` entry-point group (for listings)."""
    for name in sorted(_plugin_entry_points()):
        load_entry_point(name)


def register_kind(
    kind: type | str,
    *,
    schema: dict[str, Any] | str | Path | None = None,
    renderer: Callable[..., Any] | str | None = None,
    replace: bool = False,
) -> type:
    """Register a kind class (or its ``"package.module:Class"``) under its ``TYPE``, with its JSON
    Schema and thumbnail renderer (arguments, else the class's ``SCHEMA`` and ``RENDERER``).

    Everything is checked before anything is registered. A name already registered is refused
    unless ``replace=True``. Returns the class.
    """
    with _lock:
        return _register(kind, schema=schema, renderer=renderer, replace=replace)


def _register(
    kind: type | str,
    *,
    schema: Any = None,
    renderer: Any = None,
    replace: bool = False,
    expected: str | None = None,
) -> type:
    cls = load_target(kind) if isinstance(kind, str) else kind
    if not isinstance(cls, type) or not all(callable(getattr(cls, a, None)) for a in ("encode", "decode")):
        msg = f"kind: expected a Kind subclass (or its 'module:Class'), got {shown(cls)}"
        raise MediaTypeError(msg)
    name = getattr(cls, "TYPE", None)
    if not isinstance(name, str) or not NAME.match(name):
        msg = f"kind: {cls.__name__}.TYPE must be a name of lower-case letters, digits and '_' (a letter first), got {shown(name)}"
        raise ValidationError(msg)
    if expected is not None and name != expected:
        msg = f"entry point {expected!r} (group 'mediakit.kinds') names {shown(kind)}, whose TYPE is {shown(name)}"
        raise ValidationError(msg)
    if name in _KINDS and not replace:
        msg = f"name: a kind named {shown(name)} is already registered ({_KINDS[name]}); pass replace=True to override"
        raise ValidationError(msg)

    source = schema if schema is not None else getattr(cls, "SCHEMA", None)
    doc = None
    if source is not None:
        # A relative path is relative to the module of the class that declares it.
        owner = cls if schema is not None else next(k for k in cls.__mro__ if "SCHEMA" in k.__dict__)
        module_file = getattr(sys.modules.get(owner.__module__), "__file__", None)
        from pathlib import Path  # here, not at import: pathlib is 4-5 ms of mk.Image's first use

        doc = read_schema(name, source, base=Path(module_file).parent if module_file else None)
    elif not has_schema(name):
        msg = f"schema: kind {shown(name)} has no JSON Schema; pass schema= or set {cls.__name__}.SCHEMA (a dict or a .json path)"
        raise ValidationError(msg)
    render = renderer if renderer is not None else getattr(cls, "RENDERER", None)
    if render is not None and not (callable(render) or (isinstance(render, str) and ":" in render)):
        msg = f"renderer: expected a callable or 'module:function', got {shown(render)}"
        raise MediaTypeError(msg)

    # Checked: now register all of it.
    if doc is not None:
        register_schema(name, doc)
    _KINDS[name] = kind if isinstance(kind, str) else f"{cls.__module__}:{cls.__qualname__}"
    _objects[name] = cls
    if render is not None:
        if isinstance(render, str):
            _RENDERERS[name] = render
            _render_objects.pop(name, None)
        else:
            _RENDERERS[name] = f"{render.__module__}:{render.__qualname__}"
            _render_objects[name] = render
    _resort()
    return cls


def unregister_kind(name: str) -> None:
    """Remove a kind registered at run time (a replaced built-in kind comes back)."""
    with _lock:
        _objects.pop(name, None)
        _render_objects.pop(name, None)
        unregister_schema(name)
        for table, shipped in zip((_KINDS, _RENDERERS), _builtin):
            if name in shipped:
                table[name] = shipped[name]
            else:
                table.pop(name, None)


def _resort() -> None:
    for table in (_KINDS, _RENDERERS):
        items = sorted(table.items())
        table.clear()
        table.update(items)
