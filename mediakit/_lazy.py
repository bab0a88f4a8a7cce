"""Optional dependencies, imported on first use through one helper.

``require("soundfile", extra="audio", feature="Audio encoding")`` returns the module or raises
:class:`~mediakit.MissingDependencyError` that names the extra to install.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from ._errors import MissingDependencyError

#: Which extra provides which importable module (used by :func:`features`).
EXTRAS: dict[str, tuple[str, ...]] = {
    "audio": ("soundfile",),
    "chem": ("rdkit", "gemmi"),
    "cloud": ("fsspec", "dask", "distributed"),
    "html": ("nh3",),
    "mpl": ("matplotlib",),
    "plot": ("vl_convert",),
    "plotly": ("plotly",),
    "table": ("pandas", "pyarrow", "orjson"),
    "video": ("imageio_ffmpeg", "av"),
    "3d": ("trimesh",),
}


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise an error that names the extra providing it.

    Parameters
    ----------
    module:
        Dotted module name, e.g. ``"soundfile"`` or ``"rdkit.Chem"``.
    extra:
        The ``mediakit[...]`` extra that installs it.
    feature:
        What needs it, for the message ("FLAC encoding").
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        msg = (
            f"{feature} needs the optional package {module.split('.')[0]!r}, which is not "
            f"installed; install it with: pip install 'mediakit[{extra}]'"
        )
        raise MissingDependencyError(msg) from e


def available(module: str) -> bool:
    """True when ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def features() -> dict[str, bool]:
    """Which optional extras are usable in this environment, e.g. ``{"audio": True, ...}``."""
    return {extra: all(available(m) for m in mods[:1]) for extra, mods in sorted(EXTRAS.items())}
