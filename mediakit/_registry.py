"""The registry: ``_type`` -> kind class and renderer, imported on first use.

The tables are explicit and sorted (a test checks this). Third-party kinds come in through the
``mediakit.kinds`` entry-point group (value ``"module:Class"``) or :func:`register_kind`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from ._errors import UnknownKindError

_KINDS: dict[str, str] = {
    "audio": "mediakit.kinds.audio:Audio",
    "chart": "mediakit.kinds.chart:Chart",
    "histogram": "mediakit.kinds.histogram:Histogram",
    "html": "mediakit.kinds.html:Html",
    "image": "mediakit.kinds.image:Image",
    "list": "mediakit.kinds.group:MediaList",
    "molecule": "mediakit.kinds.molecule:Molecule",
    "number": "mediakit.kinds.tensor:NonFinite",
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
    "list": "mediakit.render.group:render",
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

_entry_points_loaded = False


def load_target(target: str) -> Any:
    """Import ``"package.module:attr.sub"`` (or ``"package.module:"`` for the module itself)."""
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj



def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group="mediakit.kinds"):
        if ep.name not in _KINDS:
            _KINDS[ep.name] = ep.value


def get_kind(name: str) -> Any:
    """The kind class registered under ``name`` (imports its module on first use)."""
    if name not in _KINDS:
        _load_entry_points()
    if name not in _KINDS:
        msg = f"_type: no kind is registered under {name!r} (known: {', '.join(sorted(_KINDS))})"
        raise UnknownKindError(msg)
    return load_target(_KINDS[name])


def get_renderer(name: str) -> Callable[..., Any]:
    """The thumbnail renderer registered under ``name``."""
    if name not in _RENDERERS:
        msg = f"_type: no renderer is registered under {name!r} (known: {', '.join(sorted(_RENDERERS))})"
        raise UnknownKindError(msg)
    return load_target(_RENDERERS[name])


def register_kind(name: str, target: str, *, renderer: str | None = None, replace: bool = False) -> None:
    """Register a kind (``"package.module:Class"``) and optionally its renderer."""
    if not replace and name in _KINDS:
        msg = f"name: a kind named {name!r} is already registered ({_KINDS[name]}); pass replace=True to override"
        raise ValueError(msg)
    _KINDS[name] = target
    if renderer is not None:
        _RENDERERS[name] = renderer
