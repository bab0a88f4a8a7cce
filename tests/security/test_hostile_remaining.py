"""Hostile inputs of issue 9 not covered elsewhere: a table thumbnail reads only the rows it draws;
molecule files with bytes that are not ASCII in their names; glTF node graphs that are not trees;
and the ``mk.Limits`` fields for JSON bytes and depth, gzip expansion and audio samples."""

from __future__ import annotations

import gzip
import io
import json
import math
import random
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk
from mediakit.cli import main
from mediakit.formats import audio, glb, jsondoc, jsontable, structure
from mediakit.render import table as table_render
from mediakit.store import MemoryStore

from .test_bounded_work import bounded

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"


def put(store: MemoryStore, desc: dict[str, Any], blob: bytes, suffix: str, key: str | None = None) -> dict[str, Any]:
    """``desc`` pointing at ``blob`` (stored), with a matching sha256 and size."""
    ref = store.put(blob, suffix=suffix)
    part = {"path": ref.path, "sha256": ref.sha256, "size": ref.size}
    if key is None:
        return {**desc, **part}
    return {**desc, key: {**desc[key], **part}}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB"))


# -- 1. table thumbnails read only what they draw ------------------------------------------------------

BIG_ROWS = 10_000_000


def big_table_blob() -> bytes:
    """A canonical 10^7-row, 40 MB table file (one number column)."""
    head = b'{"column_types":[{"dtype":"int64","optional":false,"type":"number"}],"columns":["x"],"data":['
    return head + b",".join([b"[7]"] * BIG_ROWS) + b"]}"


@pytest.fixture(scope="module")
def big_table() -> tuple[dict[str, Any], MemoryStore]:
    store = MemoryStore()
    desc = mk.Table(columns=["x"], data=[[7]] * 20).encode(store)
    blob = big_table_blob()
    assert len(blob) == 40_000_094
    return {**put(store, desc, blob, ".json"), "nrows": BIG_ROWS}, store


def test_ten_million_row_table_thumbnail_is_bounded(big_table: Any) -> None:
    desc, store = big_table
    small_store = MemoryStore()
    small = {**mk.Table(columns=["x"], data=[[7]] * 12).encode(small_store), "nrows": BIG_ROWS}
    png = bounded(lambda: mk.thumbnail(desc, store, size=256))
    # the same picture as a table holding only the 12 rows drawn (the footer counts 10,000,000)
    assert np.array_equal(pixels(png), pixels(mk.thumbnail(small, small_store, size=256)))


def test_parquet_preview_goes_through_the_bounded_reader(big_table: Any) -> None:
    pytest.importorskip("pyarrow")  # the table extra, installed by the project's test setup
    big, big_store = big_table
    store = MemoryStore()
    desc = mk.Table(columns=["x"], data=[[7]] * 40, storage="parquet").encode(store)
    assert desc["format"] == "parquet"
    hostile = {**put(store, desc, big_store.read(big["path"]), ".json", key="preview"), "nrows": BIG_ROWS}
    png = bounded(lambda: mk.thumbnail(hostile, store, size=256))
    assert pixels(png).shape[1] == 256


def _tricky_table(rng: random.Random) -> dict[str, Any]:
    chars = ['a', '"', "\\", "[", "]", "{", "}", ",", "é", "\n", " ", '\\"', "0", "☃"]

    def text() -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randrange(0, 8)))

    def cell(depth: int = 0) -> Any:
        r = rng.random()
        if r < 0.25:
            return text()
        if r < 0.45:
            return rng.randrange(-5, 10**6)
        if r < 0.55:
            return None
        if r < 0.65 and depth < 3:
            return [cell(depth + 1) for _ in range(rng.randrange(3))]
        if r < 0.75 and depth < 3:
            return {text(): cell(depth + 1) for _ in range(rng.randrange(3))}
        return rng.random() * 10 ** rng.randrange(-8, 8)

    names = list(dict.fromkeys(f"{text()}{i}" for i in range(rng.randrange(1, 5))))
    n = rng.randrange(0, 30)
    doc: dict[str, Any] = {
        "columns": names,
        "column_types": [{"type": "mixed", "optional": True} for _ in names],
        "data": [[cell() for _ in names] for _ in range(n)],
    }
    if n and rng.random() < 0.5:
        doc["nonfinite"] = {names[0]: {"nan": sorted(rng.sample(range(n), min(n, 5)))}}
    if rng.random() < 0.5:
        doc["media_rows"] = {names[-1]: list(range(0, n, 2))}
    if rng.random() < 0.3:
        doc["nested_media"] = {names[0]: []}
    return doc


def test_head_reader_matches_the_full_parse_on_tricky_text() -> None:
    rng = random.Random(9)
    for _ in range(300):
        doc = _tricky_table(rng)
        form = rng.randrange(3)
        blob = jsontable.dumps(doc) if form == 0 else json.dumps(doc, indent=1 if form == 1 else None, ensure_ascii=rng.random() < 0.5).encode()
        full = jsontable.parse_json_table(blob)
        full["data"] = full["data"][:12]
        full.pop("nested_media", None)
        assert jsontable.read_head(blob, rows=12) == full, blob[:200]


def test_side_records_keep_only_the_rows_drawn_and_big_ones_are_bounded() -> None:
    n = 3_000_000
    doc = {"columns": ["a", "[1,2]"], "data": [[None, 1]] * 20, "nonfinite": {"a": {"nan": list(range(3, n, 2)), "posinf": [1, 99, 5]}}, "media_rows": {"[1,2]": [4, 100000, 11]}}
    blob = jsontable.dumps(doc)
    head = bounded(lambda: jsontable.read_head(blob, rows=12))
    assert head["nonfinite"] == {"a": {"nan": [3, 5, 7, 9, 11], "posinf": [1, 5]}}
    assert head["media_rows"] == {"[1,2]": [4, 100000, 11]}  # small: read as it is, the key untouched
    huge = b'{"columns":["a"],"column_types":[' + b",".join([b'{"type":"number","optional":true}'] * 300_000) + b'],"data":[[1]]}'
    with pytest.raises(mk.LimitError, match=r"^path\.column_types: 10,200,001 bytes of JSON, more than the 8,388,608 a thumbnail reads of it$"):
        bounded(lambda: jsontable.read_head(huge, rows=12))


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"[[1],[2]]", r"^path: not a JSON table file \(expected an object with 'columns' and 'data'\)$"),
        (b'{"columns":["a"],"data":[[1],[2]', r"^path\.data: not a JSON table file: the JSON ends early \(truncated file\?\)$"),
        (b'{"columns":["a"],"data":[[1],[2', r"^path\.data\[1\]: the JSON ends before this array or object is closed \(truncated file\?\)$"),
        (b'{"columns":["a"],"data":[[1],[2]]} x', r"^path: not a JSON table file: text after the end of the JSON object \(byte 35\)$"),
        (b'{"columns":["a"],"data":[[1,2]]}', r"^path\.data\[0\]: expected a list of 1 values, got \[1, 2\]$"),
        (b'{"columns":["a"],"data":[[NaN]]}', r"^path\.data\[0\]: not a JSON table file: descriptor: NaN is not valid JSON$"),
        (b'{"columns":["a"],"data":[["\xff"]]}', r"^path\.data\[0\]: not a JSON table file: the text is not UTF-8$"),
    ],
    ids=["array", "truncated", "truncated-row", "trailing", "short-row", "nan", "not-utf8"],
)
def test_head_reader_refuses_broken_files(blob: bytes, message: str) -> None:
    with pytest.raises(mk.DecodeError, match=message):
        jsontable.read_head(blob, rows=12)


def test_closing_skips_strings_and_escapes() -> None:
    text = b'["]\\"[", {"a": "\\\\"}, [[]]] tail'
    assert text[jsondoc.closing(text, 1, field="f") + 1 :] == b" tail"
    deep = b"[" * 40 + b"]" * 40
    with pytest.raises(mk.LimitError, match=r"^f: the JSON is nested too deeply, beyond the limit \(max_json_depth\)"):
        jsondoc.closing(deep, 1, field="f", max_depth=39)
    assert jsondoc.closing(deep, 1, field="f", max_depth=40) == 79


# -- 2. molecule files whose names hold bytes that are not ASCII ---------------------------------------


def _pdb_with_split_character() -> bytes:
    """4E43.pdb with a two-byte UTF-8 character across the atom-name columns of the first atom
    (gemmi cut it in two and its ``atom.name`` raised UnicodeDecodeError)."""
    pdb = (CORPUS / "molecules" / "4E43.pdb").read_bytes()
    j = pdb.find(b"\nATOM") + 1
    return pdb[: j + 13] + "é".encode() + pdb[j + 15 :]


def test_pdb_name_with_a_cut_character_reads_with_replacement(tmp_path: Path) -> None:
    path = tmp_path / "split.pdb"
    path.write_bytes(_pdb_with_split_character())
    mol = mk.Molecule(str(path))
    s = structure.parse(mol.data, "pdb")
    assert s.atom_names[0] == "??"  # one "?" per byte that is not ASCII; the columns stay in place
    assert s.atoms == structure.parse((CORPUS / "molecules" / "4E43.pdb").read_bytes(), "pdb").atoms
    store = MemoryStore()
    desc = mol.encode(store)
    assert store.read(desc["path"]) == path.read_bytes()  # the stored file keeps its own bytes
    assert mk.thumbnail(desc, store, size=96)[:4] == b"\x89PNG"
    for out in ("pdb", "sdf"):
        assert main(["convert", str(path), str(tmp_path / f"out.{out}")]) == 0
    assert (tmp_path / "out.pdb").read_bytes() == path.read_bytes()  # same format: copied
    assert (tmp_path / "out.sdf").read_bytes().count(b"\n") > 1000


def test_mmcif_names_with_bytes_that_are_not_ascii(tmp_path: Path) -> None:
    cif = (CORPUS / "molecules" / "1YJP.cif").read_bytes()
    i = cif.find(b"\nATOM") + 1
    line = cif[i : cif.find(b"\n", i)]
    parts = line.split()
    parts[3] = parts[19] = b"C\xff\xfeA"  # label_ and auth_atom_id
    parts[5] = parts[17] = b"G\xe9Y"  # label_ and auth_comp_id
    path = tmp_path / "names.cif"
    path.write_bytes(cif[:i] + b" ".join(parts) + cif[i + len(line) :])
    s = structure.parse(path.read_bytes(), "mmcif")
    assert (s.atom_names[0], s.residue_names[0]) == ("C??A", "G?Y")
    assert main(["convert", str(path), str(tmp_path / "out.pdb")]) == 0


def test_sdf_title_that_is_not_utf8_converts_to_pdb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdf = (CORPUS / "molecules" / "molecule.sdf").read_bytes()
    path = tmp_path / "title.sdf"
    path.write_bytes(b"Caf\xe9\xff\n" + sdf.split(b"\n", 1)[1])  # RDKit's PDB writer echoed the title
    assert main(["convert", str(path), str(tmp_path / "out.pdb")]) == 0
    assert b"Caf??" in (tmp_path / "out.pdb").read_bytes()
    capsys.readouterr()
    assert main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["atoms"] > 0


def test_every_molecule_format_with_bytes_that_are_not_ascii_raises_only_mediakit_errors(tmp_path: Path) -> None:
    rng = random.Random(4)
    for src in sorted((CORPUS / "molecules").iterdir()):
        if src.suffix == ".mmtf":
            continue  # binary: its strings are decoded with replacement by mediakit's own reader
        lines = src.read_bytes().split(b"\n")
        for k in range(4):
            for _ in range(6):
                li = rng.randrange(len(lines))
                if lines[li]:
                    pos = rng.randrange(len(lines[li]))
                    lines[li] = lines[li][:pos] + bytes([rng.choice([0x80, 0xC3, 0xE9, 0xFF])]) + lines[li][pos + 1 :]
            path = tmp_path / f"{k}{src.suffix}"
            path.write_bytes(b"\n".join(lines))
            try:
                mol = mk.Molecule(str(path))
                store = MemoryStore()
                mk.thumbnail(mol.encode(store), store, size=64)
                structure.convert(str(path), str(tmp_path / "out.pdb"))
                structure.convert(str(path), str(tmp_path / "out.sdf"))
            except mk.MediakitError:
                pass


# -- 3. glTF node graphs that are not trees -------------------------------------------------------------


def _gltf(nodes: list[dict[str, Any]], scenes: list[dict[str, Any]] | None) -> dict[str, Any]:
    import base64

    pos = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32).tobytes()
    doc: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(pos), "uri": "data:application/octet-stream;base64," + base64.b64encode(pos).decode()}],
        "bufferViews": [{"buffer": 0, "byteLength": len(pos)}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0, 0, 0], "max": [1, 1, 0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "nodes": nodes,
    }
    if scenes is not None:
        doc["scenes"], doc["scene"] = scenes, 0
    return doc


GRAPHS = {
    "two-node-cycle": ([{"mesh": 0, "children": [1]}, {"mesh": 0, "children": [0]}], [{"nodes": [0]}], mk.DecodeError,
                       r"nodes\[1\]\.children: node 0 is its own ancestor \(a cycle in the node graph\)"),
    "cycle-without-scenes": ([{"mesh": 0, "children": [1]}, {"children": [0]}], None, mk.DecodeError,
                             r"nodes\[1\]\.children: node 0 is its own ancestor"),
    "own-child": ([{"mesh": 0, "children": [0]}], [{"nodes": [0]}], mk.DecodeError,
                  r"nodes\[0\]\.children: the node lists itself as a child"),
    "two-parents": ([{"children": [2]}, {"children": [2]}, {"mesh": 0}], [{"nodes": [0, 1]}], mk.DecodeError,
                    r"nodes\[1\]\.children: node 2 is already a child of node 0; a glTF node has at most one parent"),
    "scene-lists-twice": ([{"mesh": 0}], [{"nodes": [0, 0]}], mk.DecodeError,
                          r"scenes\[0\]\.nodes: node 0 is listed twice; list each root node once"),
    "scene-lists-a-child": ([{"children": [1]}, {"mesh": 0}], [{"nodes": [0, 1]}], mk.DecodeError,
                            r"scenes\[0\]\.nodes: node 1 is a child of node 0; a scene lists root nodes only"),
    "too-many": ([{"mesh": 0} for _ in range(glb.MAX_NODES + 1)], [{"nodes": [0]}], mk.LimitError,
                 r"nodes: 10,001 nodes are more than the 10,000 a model may have; merge meshes that share a transform"),
    "bad-index": ([{"mesh": 0, "children": [7]}], [{"nodes": [0]}], mk.DecodeError,
                  r"nodes\[0\]\.children: 7 is not a node index \(0 to 0\)"),
    "too-deep": ([{"children": [i + 1]} for i in range(glb.MAX_NODE_DEPTH + 5)] + [{"mesh": 0}], [{"nodes": [0]}], mk.LimitError,
                 r"nodes\[1000\]\.children: the node tree is deeper than 1,000 levels; flatten it"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(GRAPHS))
def test_gltf_node_graph_that_is_not_a_tree_is_refused(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nodes, scenes, error, message = GRAPHS[name]
    path = tmp_path / f"{name}.gltf"
    path.write_text(json.dumps(_gltf(nodes, scenes)))

    def construct() -> None:
        with pytest.raises(error, match=message):
            mk.Object3D(str(path))

    bounded(construct)
    with pytest.raises(error, match=message):
        mk.formats.get("gltf").probe(str(path))
    assert main(["convert", str(path), str(tmp_path / "out.ply")]) == 1
    assert "nodes" in capsys.readouterr().err


@pytest.fixture(scope="module")
def stored_model() -> tuple[dict[str, Any], MemoryStore]:
    store = MemoryStore()
    desc = mk.Object3D(str(CORPUS / "meshes" / "BoxInterleaved.glb")).encode(store)
    return desc, store


@pytest.mark.parametrize("name", ["two-node-cycle", "own-child", "scene-lists-twice", "two-parents"])
def test_stored_glb_with_a_node_cycle_is_refused_by_thumbnail_and_decode(name: str, stored_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desc, store = stored_model
    doc, bin_chunk = glb.read(store.read(desc["path"]), warn=False)
    nodes, scenes, error, message = GRAPHS[name]
    mesh = next(i for i, n in enumerate(doc["nodes"]) if "mesh" in n)
    doc["nodes"] = [{**({"mesh": doc["nodes"][mesh]["mesh"]} if "mesh" in n else {}), **({"children": n["children"]} if "children" in n else {})} for n in nodes]
    doc["scenes"], doc["scene"] = scenes, 0
    hostile = put(store, desc, glb.write(doc, bin_chunk), ".glb")

    def thumb() -> None:
        with pytest.raises(error, match="^path: " + message):
            mk.thumbnail(hostile, store, size=64)

    bounded(thumb)
    with pytest.raises(error, match=message):
        mk.decode(hostile, store).encode(MemoryStore())
    (tmp_path / "m.glb").write_bytes(store.read(hostile["path"]))
    assert main(["convert", str(tmp_path / "m.glb"), str(tmp_path / "m.obj")]) == 1
    err = capsys.readouterr().err
    assert "children" in err or "scenes[0].nodes" in err


def test_valid_node_trees_still_load() -> None:
    store = MemoryStore()
    for name in ("Duck.glb", "BoxInterleaved.glb", "rgb_cube_with_primitives.gltf"):
        obj = mk.Object3D(str(CORPUS / "meshes" / name))
        assert mk.thumbnail(obj.encode(store), store, size=64)[:4] == b"\x89PNG"
    deep = _gltf([{"children": [i + 1]} for i in range(glb.MAX_NODE_DEPTH - 1)] + [{"mesh": 0}], [{"nodes": [0]}])
    glb.check_nodes(deep, "data")  # exactly the deepest tree allowed


# -- 4. the Limits fields ---------------------------------------------------------------------------------


def test_limits_defaults_are_todays_constants() -> None:
    lim = mk.Limits()
    assert lim.max_json_bytes == table_render.MAX_RENDER_BYTES == 64 << 20
    assert lim.max_decompressed_bytes == structure.MAX_MOLECULE_BYTES == 1 << 30
    assert lim.max_audio_samples == 1 << 30
    assert lim.max_json_depth == 512


def _nested(depth: int) -> Any:
    v: Any = 1
    for _ in range(depth):
        v = [v]
    return v


def test_max_json_bytes_bounds_tables_charts_and_plotly() -> None:
    store = MemoryStore()
    table = mk.Table(columns=["x", "y"], data=[[1, 2], [3, 4]])
    desc = table.encode(store)
    lim = mk.Limits(max_json_bytes=desc["size"] - 1)
    match = rf"^path: table file of {desc['size']} bytes is larger than the {desc['size'] - 1} bytes a thumbnail reads \(max_json_bytes\)$"
    with pytest.raises(mk.LimitError, match=match):
        mk.thumbnail(desc, store, limits=lim)
    assert mk.thumbnail(desc, store, limits=mk.Limits(max_json_bytes=desc["size"]))[:4] == b"\x89PNG"
    chart = mk.plot.scatter(table, "x", "y").encode(store)
    with pytest.raises(mk.LimitError, match=r"^table\.path: table file of .* \(max_json_bytes\)$"):
        mk.thumbnail(chart, store, limits=lim)
    plotly = mk.Plotly({"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}]}).encode(store)
    with pytest.raises(mk.LimitError, match=r"^path: plotly JSON of .* \(max_json_bytes\)$"):
        mk.thumbnail(plotly, store, limits=mk.Limits(max_json_bytes=plotly["size"] - 1))


def test_max_json_depth_bounds_tables_charts_and_plotly() -> None:
    store = MemoryStore()
    desc = mk.Table(columns=["x", "y"], data=[[1, _nested(5)], [3, None]]).encode(store)
    # document 1, data 2, row 3, the cell's lists 4-8
    assert mk.thumbnail(desc, store, limits=mk.Limits(max_json_depth=8))[:4] == b"\x89PNG"
    with pytest.raises(mk.LimitError, match=r"^path\.data\[0\]: the JSON is nested too deeply, beyond the limit \(max_json_depth\)"):
        mk.thumbnail(desc, store, limits=mk.Limits(max_json_depth=7))
    # a 100,000-deep cell in a stored file: refused before anything is parsed
    hostile = put(store, desc, b'{"columns":["x","y"],"data":[[1,' + b"[" * 100_000 + b"]" * 100_000 + b"]]}", ".json")
    with pytest.raises(mk.LimitError, match=r"max_json_depth"):
        bounded(lambda: mk.thumbnail(hostile, store))
    chart = mk.plot.scatter(mk.Table(columns=["x", "y"], data=[[1, 2], [3, 4]]), "x", "y").encode(store)
    with pytest.raises(mk.LimitError, match=r"^table\.path: the JSON is nested too deeply, beyond the limit \(max_json_depth\)"):
        mk.thumbnail(chart, store, limits=mk.Limits(max_json_depth=2))
    plotly = mk.Plotly({"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}]}).encode(store)
    with pytest.raises(mk.LimitError, match=r"^path: the JSON is nested too deeply, beyond the limit \(max_json_depth\)"):
        mk.thumbnail(plotly, store, limits=mk.Limits(max_json_depth=2))


def test_max_decompressed_bytes_bounds_a_gzipped_stored_molecule() -> None:
    store = MemoryStore()
    pdb = (CORPUS / "molecules" / "4E43.pdb").read_bytes()
    desc = mk.Molecule(str(CORPUS / "molecules" / "4E43.pdb")).encode(store)
    hostile = put(store, desc, gzip.compress(pdb, mtime=0), ".pdb")
    assert mk.thumbnail(hostile, store, size=64)[:4] == b"\x89PNG"  # within the default
    match = rf"^path: gzipped file expands beyond {len(pdb) - 1} bytes, the limit \(max_decompressed_bytes\); refused$"
    with pytest.raises(mk.LimitError, match=match):
        mk.thumbnail(hostile, store, size=64, limits=mk.Limits(max_decompressed_bytes=len(pdb) - 1))
    bomb = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    blob = b"".join(bomb.compress(b" " * (8 << 20)) for _ in range(8)) + bomb.flush()  # 64 MiB in 300 KB
    bombed = put(store, desc, blob, ".pdb")
    with pytest.raises(mk.LimitError, match=r"^path: gzipped file expands beyond 16777216 bytes, the limit \(max_decompressed_bytes\)"):
        bounded(lambda: mk.thumbnail(bombed, store, size=64, limits=mk.Limits(max_decompressed_bytes=16 << 20)))


def test_max_audio_samples_bounds_thumbnails_and_readers() -> None:
    pytest.importorskip("soundfile")  # the audio extra, installed by the project's test setup
    store = MemoryStore()
    sr = 8000
    clip = mk.Audio(np.sin(np.linspace(0, 400 * math.pi, sr)).astype(np.float32), sample_rate=sr)
    desc = clip.encode(store)
    assert mk.thumbnail(desc, store, limits=mk.Limits(max_audio_samples=sr))[:4] == b"\x89PNG"
    with pytest.raises(mk.LimitError, match=r"^path: the audio file declares 8,000 frames x 1 channels, more than the 7,999 samples of the limit \(max_audio_samples\)$"):
        mk.thumbnail(desc, store, limits=mk.Limits(max_audio_samples=sr - 1))
    blob = store.read(desc["path"])
    with pytest.raises(mk.LimitError, match=r"^data: the .* file decodes to more than 7,999 samples \(frames x channels\), the limit \(max_audio_samples\)$"):
        audio.read(blob, max_samples=sr - 1)
    assert audio.read(blob, max_samples=sr).shape == (sr, 1)


def test_security_md_lists_every_new_limit() -> None:
    text = (Path(__file__).resolve().parents[2] / "SECURITY.md").read_text()
    for name in ("max_json_bytes", "max_json_depth", "max_decompressed_bytes", "max_audio_samples"):
        assert f"`{name}`" in text
        assert f"``{name}``" in (mk.Limits.__doc__ or "")

