"""Conversions that need a kind's validation: ``mediakit convert`` of table files (every column
checked and typed by :class:`~mediakit.Table`, media cells included) and of 3-D files (points and
meshes checked by :class:`~mediakit.Object3D`, point clouds written as our PLY).

Reason for the exception: this is the one place the format layer calls into ``mediakit.kinds``,
at call time only (nothing is imported when the registry loads), because a conversion is a read
*as the kind* followed by a write; the format modules themselves know nothing of kinds. If the
CLI ever takes converters from the kinds instead, these two functions go away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[int, int | None], None]


def convert_table(src: Any, dst: Any, *, progress: Progress | None = None) -> None:
    """CSV, TSV, JSONL, Parquet or JSON table -> JSON table, CSV, TSV or Parquet."""
    from ..kinds.table import convert

    convert(src, dst, progress=progress)


def convert_object3d(src: Any, dst: Any, *, progress: Progress | None = None) -> None:
    """obj/stl/ply/gltf/off/glb/npy/pts.json -> glb, obj, off, ply or stl."""
    from ..kinds.object3d import convert

    convert(src, dst, progress=progress)
