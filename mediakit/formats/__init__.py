"""The format layer: one module per file format (or close family) in this package, each declaring
a :class:`FormatSpec` as ``SPEC`` (or a tuple ``SPECS``).

Every public module of this package (a name not starting with ``_``) that declares ``SPEC`` or
``SPECS`` is a format module; they are found by listing the package and imported on first use of
the table, in sorted order (public modules without a spec hold code other packages may use, such
as ``raster``'s guarded Pillow decoding; ``_``-modules are private to this package). Third-party
formats come in through :func:`register_format` or the ``mediakit.formats`` entry-point group
(value ``"module:SPEC"``). Everything that used to be a hand-kept table is derived from here: the
CLI's suffix → kind table, the store's media types, the file types each kind accepts (the schema
enums are checked against it by a test).
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import TYPE_CHECKING, Any

from .._errors import MediaTypeError, ValidationError, shown
from ._spec import FormatSpec, Source

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "FormatSpec",
    "Source",
    "by_kind",
    "derived",
    "get",
    "kind_by_suffix",
    "kind_of",
    "media_type",
    "register_format",
    "sniff",
    "spec_for_path",
    "spec_for_suffix",
    "specs",
    "unregister_format",
]

_lock = threading.Lock()
_SPECS: dict[str, FormatSpec] | None = None
_EXTRA: dict[str, FormatSpec] = {}  # registered at run time (plugins)


def _module_names() -> list[str]:
    import pkgutil  # only here: 1 ms at import otherwise

    return sorted(m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)]) if not m.name.startswith("_"))


def _load() -> dict[str, FormatSpec]:
    global _SPECS
    if _SPECS is not None:
        return _SPECS
    with _lock:
        if _SPECS is not None:
            return _SPECS
        table: dict[str, FormatSpec] = {}
        for name in _module_names():
            mod = importlib.import_module(f"{__name__}.{name}")
            found = getattr(mod, "SPECS", None) or ((mod.SPEC,) if hasattr(mod, "SPEC") else ())
            for spec in found:
                _add(table, spec, origin=mod.__name__)
        _load_entry_points(table)
        for spec in _EXTRA.values():
            table[spec.name] = spec
        _SPECS = table
        _derived.clear()
        return table


def _add(table: dict[str, FormatSpec], spec: FormatSpec, *, origin: str) -> None:
    if not isinstance(spec, FormatSpec):
        msg = f"{origin}: SPEC must be a FormatSpec, got {type(spec).__name__}"
        raise TypeError(msg)
    if spec.name in table:
        msg = f"format {spec.name!r} is declared twice ({origin})"
        raise ValueError(msg)
    table[spec.name] = spec


def _load_entry_points(table: dict[str, FormatSpec]) -> None:
    from importlib.metadata import entry_points

    from .._registry import load_target

    for ep in entry_points(group="mediakit.formats"):
        if ep.name not in table:
            spec = load_target(ep.value)
            _add(table, spec, origin=ep.value)


def register_format(spec: FormatSpec, *, replace: bool = False) -> None:
    """Register a format at run time (a plugin's, or a replacement for a built-in one)."""
    if not isinstance(spec, FormatSpec):
        msg = f"spec: expected a FormatSpec, got {type(spec).__name__}"
        raise MediaTypeError(msg)
    table = _load()
    if spec.name in table and not replace:
        msg = f"name: a format named {spec.name!r} is already registered; pass replace=True to override"
        raise ValidationError(msg)
    with _lock:
        _EXTRA[spec.name] = spec
        table[spec.name] = spec
        _derived.clear()


def unregister_format(name: str) -> None:
    """Remove a format registered with :func:`register_format` (built-in formats stay)."""
    _load()
    with _lock:
        if name not in _EXTRA:
            msg = f"name: no format named {shown(name)} was registered at run time"
            raise ValidationError(msg)
        del _EXTRA[name]
        global _SPECS
        _SPECS = None
        _derived.clear()


# -- derived tables (built once, rebuilt after register_format) ----------------------------------
_derived: dict[str, Any] = {}


def specs() -> tuple[FormatSpec, ...]:
    """Every registered format, sorted by name."""
    out = _derived.get("specs")
    if out is None:
        out = _derived["specs"] = tuple(sorted(_load().values(), key=lambda s: s.name))
    return out


def derived(key: str, build: Any) -> Any:
    """A value computed from the registry (``build()``), kept until a format is (un)registered:
    for the tables other packages derive from the specs, such as a kind's writable file types."""
    _load()
    if key not in _derived:
        _derived[key] = build()
    return _derived[key]


def _suffix_table() -> dict[str, FormatSpec]:
    table = _derived.get("suffix")
    if table is None:
        table = {}
        for spec in specs():
            for sfx in spec.suffixes:
                # The first format to claim a suffix (sorted by name) reads it; a format that
                # claims a suffix as its store suffix wins over one that only accepts it.
                if sfx not in table or (spec.suffix == sfx and table[sfx].suffix != sfx):
                    table[sfx] = spec
        _derived["suffix"] = table
    return table


def get(name: str, *, kind: str | None = None, field: str = "file_type") -> FormatSpec:
    """The format called ``name`` (or one of its aliases); with ``kind``, only formats that kind
    accepts. Unknown names are a :class:`ValidationError` listing the choices."""
    table = _load()
    spec = table.get(name) if isinstance(name, str) else None
    if spec is not None and (kind is None or kind in spec.kinds):
        return spec
    spec = None
    if isinstance(name, str):
        # By name, then alias, then the name descriptors use (Theora video is "ogg" in a video
        # descriptor, while the "ogg" format is Ogg audio): the first that ``kind`` accepts.
        for match in (
            lambda s: s.name == name,
            lambda s: name in s.aliases,
            lambda s: s.notes.get("descriptor_format") == name,
        ):
            spec = next((s for s in specs() if match(s) and (kind is None or kind in s.kinds)), None)
            if spec is not None:
                break
    if spec is None:
        choices = sorted(s.name for s in table.values() if kind is None or kind in s.kinds)
        msg = f"{field}: expected one of {choices}, got {shown(name)}"
        raise ValidationError(msg)
    return spec


def by_kind(kind: str, *, stored: bool | None = None) -> tuple[FormatSpec, ...]:
    """The formats a kind accepts (optionally only those a store keeps)."""
    return tuple(s for s in specs() if kind in s.kinds and (stored is None or s.stored == stored))


def spec_for_suffix(suffix: str) -> FormatSpec | None:
    """The format that reads files with this suffix (``".png"``), or None."""
    return _suffix_table().get(suffix.lower())


def spec_for_path(path: str | Path) -> FormatSpec | None:
    """The format of a file name, by its longest known suffix (``x.pts.json`` before ``.json``;
    ``.gz`` is looked through)."""
    from pathlib import Path  # here: pathlib is not needed to import the format layer

    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    table = _suffix_table()
    best: FormatSpec | None = None
    best_len = 0
    for sfx, spec in table.items():
        if name.endswith(sfx) and len(sfx) > best_len and len(name) > len(sfx):
            best, best_len = spec, len(sfx)
    return best


def media_type(suffix: str) -> str:
    """The media type of stored files with this suffix (``application/octet-stream`` if unknown)."""
    spec = spec_for_suffix(suffix)
    return spec.media_type if spec is not None else "application/octet-stream"


def kind_by_suffix() -> dict[str, str]:
    """Suffix → the kind ``mediakit encode`` makes of such a file (``"descriptor"`` for JSON)."""
    return {sfx: spec.kinds[0] for sfx, spec in sorted(_suffix_table().items())}


def sniff(head: bytes, *, kind: str | None = None) -> FormatSpec | None:
    """The format whose signature ``head`` (a file's first bytes) carries, or None."""
    for spec in specs():
        if (kind is None or kind in spec.kinds) and spec.matches(head):
            return spec
    return None


def kind_of(path: str | Path) -> str:
    """The kind a file belongs to, by suffix (``.gz`` is looked through) and, where a suffix is
    shared by two kinds, by content (an animated GIF is a video, an Ogg with Theora a video, a
    ``.json`` holding ``columns``/``data`` a table)."""
    spec = spec_for_path(path)
    if spec is None:
        from pathlib import Path

        sfx = Path(path).suffix.lower()
        known = ", ".join(sorted(_suffix_table()))
        msg = f"{str(path)!r}: unknown file type {shown(sfx or '(no suffix)')}; known: {known}"
        raise ValidationError(msg)
    if spec.classify is not None:
        try:
            return spec.classify(Source(path))
        except Exception:
            return spec.kinds[0]
    return spec.kinds[0]
