"""The plugin's file format: a ``.npy`` file named ``*.spectrum.npy`` holds a spectrum."""

from __future__ import annotations

from mediakit.formats import FormatSpec

SPEC = FormatSpec(
    name="spectrum",
    kinds=("spectrum",),
    suffixes=(".spectrum.npy",),
    media_type="application/x-npy",
    stored=False,  # the kind stores plain .npy files
    description="A 1-D spectrum as a NumPy .npy file",
)
