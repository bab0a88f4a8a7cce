"""The molecule, table and 3-D format specs: registry entries, media types and cheap probes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import mediakit as mk
from mediakit import formats
from mediakit.geometry import box_pixels
from mediakit.palette import PALETTE, color_for

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
MOL = CORPUS / "molecules"
MESH = CORPUS / "meshes"

MEDIA_TYPES = {
    "csv": "text/csv", "glb": "model/gltf-binary", "gro": "chemical/x-gro", "json": "application/json",
    "mmcif": "chemical/x-mmcif", "mmtf": "chemical/x-mmtf", "mol2": "chemical/x-mol2", "npy": "application/x-npy",
    "obj": "model/obj", "off": "model/off", "parquet": "application/vnd.apache.parquet", "pdb": "chemical/x-pdb",
    "ply": "model/ply", "pqr": "chemical/x-pqr", "sdf": "chemical/x-mdl-sdfile", "stl": "model/stl",
}  # fmt: skip


@pytest.mark.parametrize(("name", "media_type"), sorted(MEDIA_TYPES.items()))
def test_media_types_are_the_stores(name: str, media_type: str) -> None:
    spec = formats.get(name)
    assert spec.media_type == media_type
    assert formats.media_type(spec.suffix) == media_type


def test_kinds_and_store_suffixes() -> None:
    mols = {s.name: s.suffix for s in formats.by_kind("molecule")}
    assert mols == {"gro": ".gro", "mmcif": ".cif", "mmtf": ".mmtf", "mol2": ".mol2", "pdb": ".pdb", "pqr": ".pqr", "sdf": ".sdf"}
    assert sorted(s.name for s in formats.by_kind("object3d", stored=True)) == ["glb", "obj", "ply", "stl"]
    assert sorted(s.name for s in formats.by_kind("table", stored=True)) == ["json", "parquet"]
    for alias, name in [("cif", "mmcif"), ("mcif", "mmcif"), ("ent", "pdb"), ("sd", "sdf"), ("mol", "sdf"), ("ndjson", "jsonl")]:
        assert formats.get(alias).name == name


def test_pts_json_is_the_longest_suffix_and_json_tables_are_classified(tmp_path: Path) -> None:
    assert formats.spec_for_path("scan.pts.json").name == "pts.json"
    assert formats.kind_of("scan.pts.json") == "object3d"
    table = tmp_path / "t.json"
    table.write_text(json.dumps({"columns": ["a"], "data": [[1], [2]]}))
    desc = tmp_path / "d.json"
    desc.write_text(json.dumps({"_type": "table", "columns": ["a"], "data": []}))
    assert formats.kind_of(table) == "table" and formats.kind_of(desc) == "descriptor"
    assert formats.get("json").probe(table) == {"format": "json", "kind": "table", "rows": 2, "columns": 1}
    assert formats.get("json").probe(desc)["type"] == "table"


MOL_COUNTS = {
    "173D.mmtf": {"atoms": 512, "residues": 124, "chains": 8, "models": 1, "bonds": 458},
    "1A2C.pqr": {"atoms": 5313, "residues": 474, "chains": 1, "models": 1, "bonds": None},
    "1YJP.cif": {"atoms": 66, "residues": 14, "chains": 1, "models": 1, "bonds": None},
    "4E43.pdb": {"atoms": 1877, "residues": 408, "chains": 3, "models": 1, "bonds": 68},
    "Molecule.mol2": {"atoms": 49, "residues": 1, "chains": None, "models": 1, "bonds": 51},
    "molecule.sdf": {"atoms": 49, "residues": None, "chains": None, "models": 1, "bonds": 49},
    "two_water_gro.gro": {"atoms": 6, "residues": 2, "chains": None, "models": 1, "bonds": None},
}


@pytest.mark.parametrize("name", sorted(MOL_COUNTS))
def test_molecule_probes(name: str) -> None:
    pytest.importorskip("gemmi")
    pytest.importorskip("rdkit")
    spec = formats.spec_for_path(name)
    assert spec is not None
    facts = spec.probe(MOL / name)
    assert {k: facts[k] for k in MOL_COUNTS[name]} == MOL_COUNTS[name]
    desc = mk.Molecule(MOL / name).encode(mk.MemoryStore())
    for key in ("atoms", "models"):
        assert facts[key] == desc[key]


def test_pdb_probe_counts_conect_bonds_once() -> None:
    pdb = (
        "ATOM      1  C1  LIG A   1       0.000   0.000   0.000  1.00  0.00           C\n"
        "ATOM      2  C2  LIG A   1       1.500   0.000   0.000  1.00  0.00           C\n"
        "ATOM      3  O1  LIG A   1       2.000   1.000   0.000  1.00  0.00           O\n"
        "CONECT    1    2\nCONECT    2    1    3\nCONECT    3    2\nEND\n"
    )
    facts = formats.get("pdb").probe(pdb.encode())
    assert facts["atoms"] == 3 and facts["bonds"] == 2 and facts["residues"] == 1 and facts["chains"] == 1
    assert formats.get("pdb").probe(pdb.replace("CONECT", "REMARK").encode())["bonds"] is None
    with pytest.raises(mk.DecodeError, match="no ATOM or HETATM"):
        formats.get("pdb").probe(b"HEADER nothing\n")


def test_table_probes(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    (tmp_path / "t.csv").write_text("a,b\n1,x\n2,y\n3,z\n")
    (tmp_path / "t.tsv").write_text("a\tb\n1\tx\n")
    (tmp_path / "t.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    assert formats.get("csv").probe(tmp_path / "t.csv") == {"format": "csv", "rows": 3, "columns": 2}
    assert formats.get("tsv").probe(tmp_path / "t.tsv") == {"format": "tsv", "rows": 1, "columns": 2}
    assert formats.get("jsonl").probe(tmp_path / "t.jsonl") == {"format": "jsonl", "rows": 2, "columns": 1}
    from mediakit.formats import delimited, parquet

    blob = parquet.write(delimited.read(tmp_path / "t.csv"))
    facts = formats.get("parquet").probe(blob)
    assert facts["rows"] == 3 and facts["columns"] == 2
    assert formats.sniff(blob[:8]).name == "parquet"


def test_mesh_probes(tmp_path: Path) -> None:
    assert formats.get("glb").probe(MESH / "Duck.glb") == {"format": "glb", "meshes": 1, "vertices": 2399, "faces": 4212, "points": 0}
    assert formats.get("gltf").probe(MESH / "rgb_cube_with_primitives.gltf")["faces"] == 12
    assert formats.get("ply").probe(MESH / "bunny.ply") == {"format": "ply", "encoding": "ascii", "vertices": 8171, "faces": 16301}
    assert formats.get("ply").probe(MESH / "points_bin.ply")["points"] == 5
    assert formats.get("stl").probe(MESH / "featuretype.STL") == {"format": "stl", "encoding": "binary", "faces": 3476}
    assert formats.get("obj").probe(MESH / "fuze.obj")["faces"] == 1000
    (tmp_path / "t.off").write_text("OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n3 0 1 2\n3 1 3 2\n")
    assert formats.get("off").probe(tmp_path / "t.off") == {"format": "off", "vertices": 4, "faces": 2}
    np.save(tmp_path / "p.npy", np.zeros((7, 3), np.float32))
    assert formats.get("npy").probe(tmp_path / "p.npy") == {"format": "npy", "shape": [7, 3], "dtype": "float32", "points": 7}
    (tmp_path / "s.pts.json").write_text(json.dumps({"type": "lidar/beta", "points": [[0, 0, 0]], "boxes": [], "vectors": []}))
    assert formats.spec_for_path(tmp_path / "s.pts.json").probe(tmp_path / "s.pts.json")["points"] == 1
    for name, path in [("glb", MESH / "Duck.glb"), ("ply", MESH / "bunny.ply")]:
        assert formats.sniff((path).read_bytes()[:16]).name == name


def test_neutral_geometry_and_palette() -> None:
    box = {"position": {"middle": [0.5, 0.5], "width": 0.2, "height": 0.4}}
    assert box_pixels(box, 100, 50) == pytest.approx((40, 15, 60, 35))
    assert box_pixels({**box, "domain": "pixel"}, 100, 50) == pytest.approx((0.4, 0.3, 0.6, 0.7))
    assert color_for(1) == PALETTE[0] and color_for(21) == PALETTE[0] and color_for(0) == (0, 0, 0)
