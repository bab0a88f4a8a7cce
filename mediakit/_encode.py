"""``mk.encode(value, store)``: turn a loggable value into JSON-ready data, writing media files.

Plain metrics pass through; dicts and lists are walked; media objects are encoded; lists of
same-kind media become one grouped descriptor; arrays become a scalar, a list or a summary by
size; foreign objects (PIL images, figures, data frames ...) go through the converter table.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ._arrays import to_numpy
from ._errors import MediakitError, MediaTypeError, shown
from ._schema import check_plain
from .kinds._base import Kind
from .store import Store, coerce_store

#: Arrays with at most this many elements are logged as (nested) lists.
SMALL_ARRAY = 32


def encode(value: Any, store: Any, *, keep_arrays: bool = False) -> Any:
    """Encode ``value`` into JSON-ready data, writing its media files into ``store``.

    Parameters
    ----------
    value:
        A metric, a media object, a dict/list of them, an array or tensor, a PIL image, a
        matplotlib figure, a pandas/polars frame, a plotly figure ...
    store:
        A :class:`~mediakit.Store`, a directory path or an fsspec URL.
    keep_arrays:
        Also store large arrays in full (``.npy``) beside their summary.

    Returns
    -------
    The value with every media object replaced by its descriptor. If anything fails, no file
    written by this call is left in the store.
    """
    check_plain(value, "value")
    st = coerce_store(store)
    with st.transaction():
        return _encode(value, st, "value", keep_arrays)


def _encode(v: Any, st: Store, where: str, keep: bool) -> Any:
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else _nonfinite(v, st)
    if isinstance(v, Kind):
        return v.encode(st)
    if isinstance(v, dict):
        out = {}
        for k, item in v.items():
            if not isinstance(k, str):
                msg = f"{where}: keys must be strings, got {type(k).__name__} {shown(k)}"
                raise MediaTypeError(msg)
            out[k] = _encode(item, st, f"{where}[{shown(k)}]", keep)
        return out
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, Kind) for x in v) and len({type(x) for x in v}) == 1:
            from .kinds.list import MediaList

            return MediaList(list(v), field=where).encode(st)
        return [_encode(x, st, f"{where}[{i}]", keep) for i, x in enumerate(v)]
    if isinstance(v, np.generic):
        return _encode(v.item(), st, where, keep)
    for accepts, convert in _CONVERTERS:
        if accepts(v):
            try:
                media = _load(convert)(v)
            except MediakitError as e:
                # The converter names fields inside the object ("data: ..."); say which value.
                located = _located(e, where)
                if located is e:
                    raise
                raise located from e
            return _encode(media, st, where, keep)
    if _is_array_like(v):
        return _array(to_numpy(v, field=where), st, where, keep, source=v)
    msg = f"{where}: cannot encode a {type(v).__module__}.{type(v).__name__}; expected a number, string, media object, dict, list, array or figure"
    raise MediaTypeError(msg)


def _located(e: MediakitError, where: str) -> MediakitError:
    """The same error with ``where`` in front of its message (or the error itself if its class
    cannot be rebuilt from a message)."""
    try:
        return type(e)(f"{where}: {e}")
    except Exception:  # an error class with another signature: keep it as it is
        return e


def _nonfinite(v: float, st: Store) -> dict[str, Any]:
    from .kinds.number import NonFinite

    return NonFinite(v).encode(st)


def _array(arr: np.ndarray, st: Store, where: str, keep: bool, source: Any = None) -> Any:
    if arr.dtype.kind not in "biuf":
        msg = f"{where}: expected a numeric array, got dtype {arr.dtype}"
        raise MediaTypeError(msg)
    if arr.size == 1:
        return _encode(arr.reshape(()).item(), st, where, keep)
    if arr.size <= SMALL_ARRAY:
        return _encode(arr.tolist(), st, where, keep)
    from .kinds.tensor import TensorSummary

    return TensorSummary(arr if source is None else source, keep=keep).encode(st)  # source: its dtype name (bfloat16)


def _is_array_like(v: Any) -> bool:
    return isinstance(v, np.ndarray) or hasattr(v, "__array__") or callable(getattr(v, "numpy", None))


def _module_of(v: Any) -> str:
    return v.__name__ if isinstance(v, types.ModuleType) else type(v).__module__


def _from(prefix: str, *names: str) -> Callable[[Any], bool]:
    def accepts(v: Any) -> bool:
        mod = _module_of(v)
        return mod.split(".")[0] == prefix and (not names or type(v).__name__ in names or isinstance(v, types.ModuleType))

    return accepts


def _load(target: str) -> Callable[[Any], Any]:
    from ._registry import load_target

    return load_target(target)


#: Foreign objects -> a converter ("module:callable") returning a media object. Matched by the
#: object's module name, so none of these libraries is imported unless a value comes from it.
_CONVERTERS: list[tuple[Callable[[Any], bool], str]] = [
    (_from("PIL"), "mediakit.kinds.image:Image"),
    (_from("matplotlib"), "mediakit._encode:figure_to_media"),
    (_from("plotly", "Figure", "FigureWidget"), "mediakit.kinds.plotly:Plotly"),
    (_from("pandas", "DataFrame"), "mediakit.kinds.table:Table.from_dataframe"),
    (_from("polars", "DataFrame"), "mediakit.kinds.table:Table.from_dataframe"),
    (_from("moviepy"), "mediakit.kinds.video:Video"),
    (_from("trimesh", "Trimesh", "Scene", "PointCloud"), "mediakit.kinds.object3d:Object3D"),
    (_from("rdkit", "Mol"), "mediakit.kinds.molecule:Molecule.from_rdkit"),
]


def figure_to_media(fig: Any) -> Kind:
    """A matplotlib figure (or ``pyplot``): a Plotly chart when it has no raster content and
    plotly can convert it, otherwise an Image."""
    try:
        from .kinds.plotly import from_matplotlib
    except ImportError:
        from .kinds.image import Image

        return Image(fig)
    return from_matplotlib(fig)
