"""File formats the CLI knows: which kind a file suffix belongs to, how to build that kind from
a path, and which module converts files of a kind. Explicit tables, imported on first use."""

from __future__ import annotations

from pathlib import Path

from ._errors import ValidationError
from ._registry import load_target as load_target  # re-exported for the CLI and converters

#: File suffix -> kind, for ``mediakit encode`` and ``mediakit convert``. ``.gif`` is an image
#: unless animated (then a video); ``.ogg`` is audio unless it holds a video stream.
KIND_BY_SUFFIX: dict[str, str] = {
    ".avi": "video",
    ".bmp": "image",
    ".cif": "molecule",
    ".csv": "table",
    ".flac": "audio",
    ".gif": "image",
    ".glb": "object3d",
    ".gltf": "object3d",
    ".ent": "molecule",
    ".gro": "molecule",
    ".htm": "html",
    ".html": "html",
    ".jpeg": "image",
    ".jpg": "image",
    ".json": "descriptor",
    ".jsonl": "table",
    ".mcif": "molecule",
    ".m4v": "video",
    ".mkv": "video",
    ".mmcif": "molecule",
    ".mmtf": "molecule",
    ".mol": "molecule",
    ".mol2": "molecule",
    ".mov": "video",
    ".mp3": "audio",
    ".mp4": "video",
    ".ndjson": "table",
    ".npy": "object3d",
    ".obj": "object3d",
    ".off": "object3d",
    ".oga": "audio",
    ".ogg": "audio",
    ".ogv": "video",
    ".opus": "audio",
    ".parquet": "table",
    ".pdb": "molecule",
    ".ply": "object3d",
    ".png": "image",
    ".pqr": "molecule",
    ".sd": "molecule",
    ".sdf": "molecule",
    ".stl": "object3d",
    ".tif": "image",
    ".tiff": "image",
    ".tsv": "table",
    ".wav": "audio",
    ".webm": "video",
    ".webp": "image",
}

#: Kind -> callable building the kind from a path (``module:Class.method``).
FROM_PATH: dict[str, str] = {
    "audio": "mediakit.kinds.audio:Audio.from_path",
    "html": "mediakit.kinds.html:Html.from_path",
    "image": "mediakit.kinds.image:Image.from_path",
    "molecule": "mediakit.kinds.molecule:Molecule.from_path",
    "object3d": "mediakit.kinds.object3d:Object3D.from_path",
    "table": "mediakit.kinds.table:Table.from_path",
    "video": "mediakit.kinds.video:Video.from_path",
}

#: Kind -> ``convert(src: Path, dst: Path, *, progress=None) -> None`` for ``mediakit convert``.
#: ``progress``, when given, is called as ``progress(done, total)`` (total may be None).
CONVERTERS: dict[str, str] = {
    "audio": "mediakit.formats.audio:convert",
    "image": "mediakit.codecs.raster:convert",
    "molecule": "mediakit.formats.structure:convert",
    "object3d": "mediakit.kinds.object3d:convert",
    "table": "mediakit.kinds.table:convert",
    "video": "mediakit.formats.video:convert",
}


def kind_of(path: str | Path) -> str:
    """The kind a file belongs to, by suffix (``.gz`` is looked through) and, for ambiguous
    suffixes, by content (animated GIF -> video, Ogg with video -> video)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    suffix = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if suffixes[-2:] == [".pts", ".json"]:
        return "object3d"  # a point cloud as JSON, not a descriptor
    kind = KIND_BY_SUFFIX.get(suffix)
    if kind is None:
        msg = f"{str(path)!r}: unknown file type {suffix or '(no suffix)'!r}; known: {', '.join(sorted(KIND_BY_SUFFIX))}"
        raise ValidationError(msg)
    if kind == "descriptor" and _json_table(p):
        return "table"
    if suffix == ".gif" and _animated_gif(p):
        return "video"
    if suffix == ".ogg" and _ogg_has_video(p):
        return "video"
    return kind


def _animated_gif(p: Path) -> bool:
    try:
        from PIL import Image as PILImage

        with PILImage.open(p) as im:
            return getattr(im, "n_frames", 1) > 1
    except Exception:
        return False


def _json_table(p: Path) -> bool:
    """A ``.json`` file holding ``{"columns": [...], "data": [...]}`` without ``_type`` is a table."""
    import json

    try:
        with open(p, "rb") as f:
            doc = json.loads(f.read())
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "_type" not in doc and "columns" in doc and "data" in doc


def _ogg_has_video(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b"\x80theora" in head
