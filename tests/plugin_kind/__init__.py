"""A third-party kind, written the way a plugin package would ship it: ``spectrum`` (a 1-D array
of finite numbers, stored as ``.npy``) with its own JSON Schema (``spectrum.schema.json``), its
thumbnail renderer (``render.py``) and a file format (``formats.py``, files named
``*.spectrum.npy``) so that ``mediakit encode`` can read such files.

Registering it in process::

    mk.register_kind(Spectrum)              # SCHEMA and RENDERER come from the class
    mediakit.formats.register_format(SPEC)

or, installed, through entry points::

    [mediakit.kinds]
    spectrum = plugin_kind.spectrum:Spectrum
    [mediakit.formats]
    spectrum = plugin_kind.formats:SPEC
"""

from __future__ import annotations

from .formats import SPEC
from .spectrum import Spectrum

__all__ = ["SPEC", "Spectrum"]

#: The entry points an installed distribution of this plugin would declare (``entry_points.txt``).
ENTRY_POINTS = """\
[mediakit.kinds]
spectrum = plugin_kind.spectrum:Spectrum

[mediakit.formats]
spectrum = plugin_kind.formats:SPEC
"""
