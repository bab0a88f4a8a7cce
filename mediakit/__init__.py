"""mediakit: validated, web-ready files and JSON descriptors for ML media.

>>> import mediakit as mk
>>> store = mk.MemoryStore()
>>> desc = mk.Image(np.zeros((4, 4, 3), np.uint8)).encode(store)  # doctest: +SKIP

Only numpy and Pillow are imported with the package; kinds, renderers and optional libraries are
imported on first use.
"""

from __future__ import annotations

import importlib

from ._errors import (
    DecodeError,
    LimitError,
    MediaFileNotFoundError,
    MediakitError,
    MediaTypeError,
    MissingDependencyError,
    SchemaError,
    StorageError,
    UnknownKindError,
    ValidationError,
)

# Not ``from typing import TYPE_CHECKING``: typing (with re, enum, collections) is a third of
# a bare interpreter's start-up, and ``import mediakit`` needs none of it. Type checkers treat
# any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

# name -> "module:attribute", resolved on first access (PEP 562).
_LAZY = {
    "Audio": "mediakit.kinds.audio:Audio",
    "Chart": "mediakit.kinds.chart:Chart",
    "Histogram": "mediakit.kinds.histogram:Histogram",
    "Html": "mediakit.kinds.html:Html",
    "Image": "mediakit.kinds.image:Image",
    "Kind": "mediakit.kinds._base:Kind",
    "Limits": "mediakit._limits:Limits",
    "LocalStore": "mediakit.store:LocalStore",
    "MediaList": "mediakit.kinds.list:MediaList",
    "MemoryStore": "mediakit.store:MemoryStore",
    "Molecule": "mediakit.kinds.molecule:Molecule",
    "Object3D": "mediakit.kinds.object3d:Object3D",
    "Plotly": "mediakit.kinds.plotly:Plotly",
    "Run": "mediakit._run:Run",
    "Store": "mediakit.store:Store",
    "Table": "mediakit.kinds.table:Table",
    "TensorSummary": "mediakit.kinds.tensor:TensorSummary",
    "Video": "mediakit.kinds.video:Video",
    "box3d": "mediakit.kinds.object3d:box3d",
    "decode": "mediakit.api:decode",
    "encode": "mediakit._encode:encode",
    "features": "mediakit._lazy:features",
    "finish": "mediakit._run:finish",
    "gallery": "mediakit._gallery:build",
    "get_kind": "mediakit._registry:get_kind",
    "init": "mediakit._run:init",
    "log": "mediakit._run:log",
    "open_store": "mediakit.store:open_store",
    "plot": "mediakit.plot:",
    "plot_table": "mediakit.plot:plot_table",
    "register_kind": "mediakit._registry:register_kind",
    "registry": "mediakit._registry:registry",
    "schema": "mediakit._schema:schema",
    "thumbnail": "mediakit.api:thumbnail",
    "validate": "mediakit._descriptor:validate",
}

__all__ = sorted(
    [
        "DecodeError",
        "LimitError",
        "MediaFileNotFoundError",
        "MediaTypeError",
        "MediakitError",
        "MissingDependencyError",
        "SchemaError",
        "StorageError",
        "UnknownKindError",
        "ValidationError",
        "__version__",
        "config",
        "run",
        "summary",
        *_LAZY,
    ]
)


def __getattr__(name: str) -> Any:
    if name in ("run", "config", "summary"):
        # The run started by ``mediakit.init()`` (None before), like the trackers' ``wandb.run``,
        # and its ``config`` / ``summary`` (``wandb.config``, ``wandb.summary``); looked up on
        # every access because they change, hence never cached.
        from ._run import current

        run = current()
        return run if name == "run" or run is None else getattr(run, name)
    target = _LAZY.get(name)
    if target is None:
        msg = f"module 'mediakit' has no attribute {name!r}"
        raise AttributeError(msg)
    from ._registry import load_target

    value = load_target(target)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from . import plot
    from ._descriptor import validate
    from ._encode import encode
    from ._lazy import features
    from ._limits import Limits
    from ._registry import get_kind, register_kind, registry
    from ._run import Run, finish, init, log
    from ._schema import schema
    from .api import decode, thumbnail
    from .kinds._base import Kind
    from .kinds.audio import Audio
    from .kinds.chart import Chart
    from .kinds.histogram import Histogram
    from .kinds.html import Html
    from .kinds.image import Image
    from .kinds.list import MediaList
    from .kinds.molecule import Molecule
    from .kinds.object3d import Object3D, box3d
    from .kinds.plotly import Plotly
    from .kinds.table import Table
    from .kinds.tensor import TensorSummary
    from .kinds.video import Video
    from .store import LocalStore, MemoryStore, Store, open_store
