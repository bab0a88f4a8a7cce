"""The format registry is the one source of the tables that used to be kept by hand: the CLI's
suffix -> kind table, the store's media types, the file types kinds accept, the schema enums."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import mediakit as mk
from mediakit import formats
from mediakit._errors import ValidationError
from mediakit.formats import FormatSpec, Source

SCHEMAS = Path(mk.__file__).parent / "schemas"

#: What the hand-kept CLI table said before the format layer: every entry must still hold.
LEGACY_KIND_BY_SUFFIX = {
    ".avi": "video", ".bmp": "image", ".cif": "molecule", ".csv": "table", ".flac": "audio", ".gif": "image",
    ".glb": "object3d", ".gltf": "object3d", ".ent": "molecule", ".gro": "molecule", ".htm": "html", ".html": "html",
    ".jpeg": "image", ".jpg": "image", ".json": "descriptor", ".jsonl": "table", ".mcif": "molecule", ".m4v": "video",
    ".mkv": "video", ".mmcif": "molecule", ".mmtf": "molecule", ".mol": "molecule", ".mol2": "molecule", ".mov": "video",
    ".mp3": "audio", ".mp4": "video", ".ndjson": "table", ".npy": "object3d", ".obj": "object3d", ".off": "object3d",
    ".oga": "audio", ".ogg": "audio", ".ogv": "video", ".opus": "audio", ".parquet": "table", ".pdb": "molecule",
    ".ply": "object3d", ".png": "image", ".pqr": "molecule", ".sd": "molecule", ".sdf": "molecule", ".stl": "object3d",
    ".tif": "image", ".tiff": "image", ".tsv": "table", ".wav": "audio", ".webm": "video", ".webp": "image",
}  # fmt: skip


def test_every_legacy_suffix_keeps_its_kind() -> None:
    table = formats.kind_by_suffix()
    assert {s: table.get(s) for s in LEGACY_KIND_BY_SUFFIX} == LEGACY_KIND_BY_SUFFIX


def test_specs_are_well_formed_and_unique() -> None:
    specs = formats.specs()
    names = [s.name for s in specs]
    assert names == sorted(names) and len(set(names)) == len(names)
    aliases = [a for s in specs for a in s.aliases]
    assert not set(aliases) & set(names) and len(set(aliases)) == len(aliases)
    stored_suffixes: dict[str, str] = {}
    for s in specs:
        assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+(; charset=utf-8)?", s.media_type), s
        assert s.description, f"{s.name}: a description for the README table"
        for target in s.converts_to:
            formats.get(target)  # every conversion names a registered format
        if s.stored:
            # Store suffixes are unique: a stored file's suffix names exactly one format.
            assert stored_suffixes.setdefault(s.suffix, s.name) == s.name, s.suffix
        for kind in s.kinds:
            view = s.for_kind(kind)
            if view.converts_to:
                from mediakit._registry import get_kind

                converter = view.convert or getattr(get_kind(kind), "convert_file", None)
                assert converter is not None, f"{s.name} as {kind}: converts_to without a converter"


def test_store_media_types_come_from_the_specs() -> None:
    from mediakit.store._base import media_type_for

    for s in formats.specs():
        if s.stored:
            assert media_type_for(s.suffix) == s.media_type
    assert media_type_for(".nothing") == "application/octet-stream"
    ref = mk.MemoryStore().put(b"x", suffix=".webp")
    assert ref.media_type == "image/webp"


def _enum(schema: dict, key: str) -> set[str]:
    prop = schema["properties"][key]
    return set(prop["enum"]) if "enum" in prop else {prop["const"]}


@pytest.mark.parametrize("kind", ["image", "audio", "video", "molecule", "object3d"])
def test_schema_enums_match_the_registered_formats(kind: str) -> None:
    """The descriptor schema lists exactly the media types and format names that the kind's
    stored formats declare (adding a stored format without its schema entry fails here)."""
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    stored = formats.by_kind(kind, stored=True)
    assert _enum(schema, "media_type") == {s.media_type for s in stored}
    names = {s.notes.get("descriptor_format", s.name) for s in stored}
    assert _enum(schema, "format") == names


def test_image_file_types_are_derived() -> None:
    with pytest.raises(ValidationError, match=r"file_type: expected one of \['bmp', 'jpeg', 'jpg', 'png', 'webp'\], got 'tiff'"):
        mk.Image(b"", file_type="tiff")


def test_kind_of_uses_longest_suffix_and_content(tmp_path: Path) -> None:
    (tmp_path / "a.pts.json").write_text("[]")
    assert formats.kind_of(tmp_path / "a.pts.json") == "object3d"
    (tmp_path / "t.json").write_text(json.dumps({"columns": ["a"], "data": [[1]]}))
    assert formats.kind_of(tmp_path / "t.json") == "table"
    (tmp_path / "d.json").write_text(json.dumps({"_type": "image"}))
    assert formats.kind_of(tmp_path / "d.json") == "descriptor"
    assert formats.kind_of(tmp_path / "x.PDB.gz") == "molecule"
    with pytest.raises(ValidationError, match=r"unknown file type '\.xyz'; known: "):
        formats.kind_of(tmp_path / "a.xyz")


def test_get_names_choices_and_kind_filter() -> None:
    assert formats.get("jpg").name == "jpeg"
    with pytest.raises(ValidationError, match=r"file_type: expected one of \[.*'png'.*\], got 'nope'"):
        formats.get("nope")
    with pytest.raises(ValidationError, match=r"got 'png'"):
        formats.get("png", kind="audio")


def test_register_format_adds_a_suffix_and_a_media_type(tmp_path: Path) -> None:
    spec = FormatSpec(name="testfmt", kinds=("image",), suffixes=(".tfmt",), media_type="image/x-test", magic=(b"TFMT",), description="test", stored=False)
    formats.register_format(spec)
    try:
        assert formats.spec_for_suffix(".tfmt") is spec
        assert formats.sniff(b"TFMT....") is spec
        assert formats.kind_by_suffix()[".tfmt"] == "image"
        with pytest.raises(ValidationError, match="already registered"):
            formats.register_format(spec)
    finally:
        formats.unregister_format("testfmt")
    assert formats.spec_for_suffix(".tfmt") is None
    with pytest.raises(ValidationError, match="no format named 'testfmt'"):
        formats.unregister_format("testfmt")


def test_source_reads_once_and_gives_real_paths(tmp_path: Path) -> None:
    p = tmp_path / "x.bin"
    p.write_bytes(b"abcdef")
    src = Source(p)
    with src.as_path() as real:
        assert real == p  # the caller's own file: no temporary copy
    assert src.head(3) == b"abc" and src.size == 6 and src.read() == b"abcdef"
    import io

    stream = Source(io.BytesIO(b"xyz"))
    with stream.as_path(".bin") as tmp:
        assert tmp.read_bytes() == b"xyz" and tmp != p
    assert not tmp.exists()
    from mediakit._errors import LimitError, MediaFileNotFoundError, MediaTypeError

    with pytest.raises(LimitError, match=r"has 6 bytes, more than the limit of 5"):
        Source(p, max_bytes=5).read()
    with pytest.raises(MediaFileNotFoundError, match=r"data: media file .* does not exist"):
        Source(tmp_path / "missing").read()
    with pytest.raises(MediaTypeError, match=r"expected a binary file object"):
        Source(io.StringIO("text")).read()
    with pytest.raises(MediaTypeError, match=r"data: expected a path, bytes or a binary file object, got int"):
        Source(3)


def test_architecture_format_table_is_current() -> None:
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("format_table", root / "scripts" / "format_table.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    doc = (root / "ARCHITECTURE.md").read_text()
    block = doc.split("<!-- formats:start -->\n", 1)[1].split("\n<!-- formats:end -->", 1)[0]
    assert block == "\n".join(mod.rows()), "run scripts/format_table.py and paste its table into ARCHITECTURE.md"


def test_one_vocabulary_across_kinds() -> None:
    """file_type= and bool normalize work on every kind that has them; Video keeps format=."""
    import numpy as np

    px = np.full((6, 5, 3), 0.5)
    assert mk.Image(px, normalize=True) == mk.Image(px, normalize="auto")
    byte_px = np.full((6, 5, 3), 200.0)
    assert mk.Image(byte_px, normalize=False).pixels.max() == 200
    frames = np.zeros((2, 3, 8, 8), np.uint8)
    assert mk.Video(frames, file_type="gif").file_type == mk.Video(frames, format="gif").file_type == "gif"
    assert mk.Video(frames, file_type="gif").format == "gif"
