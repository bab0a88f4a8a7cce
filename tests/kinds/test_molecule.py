"""Molecule: every corpus format, file objects, gzip, RDKit constructors, thumbnails, bad input."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest
from conftest import CORPUS, check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit.kinds import molecule as molmod

pytest.importorskip("rdkit")
pytest.importorskip("gemmi")

MOL = CORPUS / "molecules"

#: file -> (format, atoms, residues, chains, models, bonds)
CORPUS_COUNTS = {
    "173D.mmtf": ("mmtf", 512, 124, 8, 1, 458),
    "1A2C.pqr": ("pqr", 5313, 474, 1, 1, None),
    "1YJP.cif": ("mmcif", 66, 14, 1, 1, None),
    "4E43.pdb": ("pdb", 1877, 408, 8, 1, None),
    "4x8u.mmcif": ("mmcif", 60, 7, 1, 1, None),
    "Molecule.mol2": ("mol2", 49, 1, None, 1, 51),
    "molecule.sdf": ("sdf", 49, None, None, 1, 49),
    "two_water_gro.gro": ("gro", 6, 2, None, 1, None),
}
FIELDS = ("format", "atoms", "residues", "chains", "models", "bonds")


@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_corpus_molecules_encode_round_trip_and_thumbnail(name, store):
    path = MOL / name
    obj = mk.Molecule(path, caption=name)
    desc, back = roundtrip(obj, store)
    assert tuple(desc[k] for k in FIELDS) == CORPUS_COUNTS[name]
    assert store.read(desc["path"]) == path.read_bytes()  # kept byte-for-byte
    assert back == obj and back.caption == name
    if isinstance(store, mk.MemoryStore):
        png = mk.thumbnail(desc, store, size=96)
        assert png == mk.thumbnail(desc, store, size=96)
        px = np.asarray(PILImage.open(io.BytesIO(png)).convert("L"))
        assert max(px.shape) <= 96 and px.min() < 160


@pytest.mark.parametrize(
    ("make", "kwargs"),
    [
        (lambda: str(MOL / "4E43.pdb"), {}),
        (lambda: open(MOL / "4E43.pdb"), {}),  # text mode, as in the reference docs  # noqa: SIM115
        (lambda: open(MOL / "4E43.pdb", "rb"), {}),  # noqa: SIM115
        (lambda: io.StringIO((MOL / "4E43.pdb").read_text()), {"file_type": "pdb"}),
        (lambda: io.BytesIO((MOL / "4E43.pdb").read_bytes()), {"file_type": "PDB"}),
        (lambda: (MOL / "4E43.pdb").read_bytes(), {"file_type": ".pdb"}),
        (lambda: gzip.compress((MOL / "4E43.pdb").read_bytes(), mtime=0), {"file_type": "pdb"}),
    ],
    ids=["str", "text_file", "binary_file", "stringio", "bytesio", "bytes", "gzip_bytes"],
)
def test_input_forms_give_the_same_molecule(make, kwargs):
    data = make()
    try:
        obj = mk.Molecule(data, **kwargs)
    finally:
        if hasattr(data, "close"):
            data.close()
    assert obj.data == (MOL / "4E43.pdb").read_bytes()
    assert obj == mk.Molecule(MOL / "4E43.pdb")


def test_gzipped_files_are_stored_decompressed(tmp_path, mem):
    gz = tmp_path / "173D.mmtf.gz"
    gz.write_bytes(gzip.compress((MOL / "173D.mmtf").read_bytes()))
    desc = mk.Molecule.from_path(gz).encode(mem)
    assert desc["format"] == "mmtf" and desc["path"].endswith(".mmtf")
    assert mem.read(desc["path"]) == (MOL / "173D.mmtf").read_bytes()


def test_suffix_aliases_are_canonical(tmp_path):
    for suffix, fmt in (("mcif", "mmcif"), ("sd", "sdf"), ("ent", "pdb")):
        src = {"mmcif": MOL / "4x8u.mmcif", "sdf": MOL / "molecule.sdf", "pdb": MOL / "4E43.pdb"}[fmt]
        p = tmp_path / f"x.{suffix}"
        p.write_bytes(src.read_bytes())
        assert mk.Molecule(p).format == fmt


def test_conect_to_ter_pdb_is_a_valid_result(mem):
    desc = check_descriptor(mk.Molecule(CORPUS / "bad" / "CONECT2TER.pdb").encode(mem))
    assert desc["atoms"] == 3 and desc["models"] == 1
    mk.thumbnail(desc, mem, size=64)


# -- RDKit constructors ------------------------------------------------------------------------------


def test_from_smiles_is_deterministic_and_3d(mem):
    a = mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O", caption="aspirin")
    b = mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O")
    assert a.data == b.data
    desc, back = roundtrip(a, mem)
    assert desc["format"] == "sdf" and desc["atoms"] == 21 and desc["bonds"] == 21 and desc["smiles"] == "CC(=O)Oc1ccccc1C(=O)O"
    assert back == a
    parsed = molmod.mf.parse(a.data, "sdf")
    assert (parsed.atoms, parsed.bonds, parsed.models) == (a.structure.atoms, a.structure.bonds, a.structure.models)
    z = [float(line[20:30]) for line in a.data.decode().splitlines()[4:25]]
    assert np.ptp(z) > 0.5  # really 3-D


def test_from_smiles_options():
    flat = mk.Molecule.from_smiles("c1ccccc1O", convert_to_3d_and_optimize=False)
    assert flat.atoms == 7  # no hydrogens added, 2-D coordinates
    pdb = mk.Molecule.from_smiles("c1ccccc1O", file_type="pdb", mmff_optimize_molecule_max_iterations=0)
    assert pdb.format == "pdb" and b"HETATM" in pdb.data


def test_from_rdkit_keeps_the_callers_molecule(tmp_path):
    from rdkit import Chem

    mol = Chem.MolFromSmiles("CCO")
    m = mk.Molecule.from_rdkit(mol)
    assert mol.GetNumAtoms() == 3 and mol.GetNumConformers() == 0  # untouched
    assert m.atoms == 9
    assert mk.Molecule(mol) == m  # an RDKit Mol as data goes through from_rdkit
    assert mk.Molecule.from_rdkit(str(MOL / "molecule.sdf"), convert_to_3d_and_optimize=False).atoms == 49
    assert mk.Molecule.from_rdkit(MOL / "Molecule.mol2", convert_to_3d_and_optimize=False).atoms == 49


@pytest.mark.parametrize(
    ("smiles", "exc", "match"),
    [
        ("C1CC(", mk.ValidationError, r"smiles: 'C1CC\(' is not valid SMILES \(syntax error .*position 5\)"),
        ("C1CC", mk.ValidationError, "unclosed ring"),
        ("C(C)(C)(C)(C)C", mk.ValidationError, "is not a valid molecule: Explicit valence"),
        ("", mk.ValidationError, "empty string"),
        (42, mk.MediaTypeError, "expected a SMILES string, got int"),
    ],
)
def test_invalid_smiles_is_a_clear_error_and_prints_nothing(smiles, exc, match, capfd):
    with pytest.raises(exc, match=match):
        mk.Molecule.from_smiles(smiles)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_from_smiles_without_sanitize_accepts_odd_valence():
    m = mk.Molecule.from_smiles("C(C)(C)(C)(C)C", sanitize=False, convert_to_3d_and_optimize=False)
    assert m.atoms == 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mmff_optimize_molecule_max_iterations": -1}, "mmff_optimize_molecule_max_iterations"),
        ({"file_type": "mol2"}, "file_type: expected 'sdf' or 'pdb'"),
        ({"convert_to_3d_and_optimize": "yes"}, "convert_to_3d_and_optimize"),
    ],
)
def test_from_rdkit_bad_options(kwargs, match):
    with pytest.raises((mk.ValidationError, mk.MediaTypeError), match=match):
        mk.Molecule.from_smiles("CCO", **kwargs)


def test_from_rdkit_bad_inputs(tmp_path):
    with pytest.raises(mk.MediaTypeError, match="mol_or_path"):
        mk.Molecule.from_rdkit(3.5)
    with pytest.raises(mk.ValidationError, match="mol_or_path: expected an .sdf"):
        mk.Molecule.from_rdkit(str(MOL / "1A2C.pqr"))
    with pytest.raises(mk.MediaFileNotFoundError, match="does not exist"):
        mk.Molecule.from_rdkit(str(tmp_path / "none.sdf"))


# -- thumbnails --------------------------------------------------------------------------------------


def _pixels(desc, store, size=128):
    return np.asarray(PILImage.open(io.BytesIO(mk.thumbnail(desc, store, size=size))).convert("RGB"))


def test_small_molecules_get_a_2d_depiction_and_proteins_a_3d_view(mem):
    small = _pixels(mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O").encode(mem), mem)
    red_o = (small[:, :, 0] > 180) & (small[:, :, 1] < 80)  # oxygen labels in red
    assert red_o.sum() > 5
    protein = _pixels(mk.Molecule(MOL / "4E43.pdb").encode(mem), mem)
    drawn = (protein != 255).any(axis=2)
    assert drawn.mean() > 0.15
    assert len(np.unique(protein[drawn].reshape(-1, 3), axis=0)) > 20  # shaded tubes, several chains


def test_thumbnail_limits(mem):
    desc = mk.Molecule(MOL / "4E43.pdb").encode(mem)
    with pytest.raises(mk.LimitError, match="atoms"):
        mk.thumbnail(desc, mem, limits=mk.Limits(max_points=100))


# -- bad input ---------------------------------------------------------------------------------------


def _truncated_pdb() -> bytes:
    lines = (MOL / "4E43.pdb").read_bytes().splitlines(keepends=True)
    k = [i for i, ln in enumerate(lines) if ln.startswith(b"ATOM")][10]
    return b"".join(lines[:k]) + lines[k][:40]


BAD_INPUTS = [
    ("pdb_zeros", lambda: b"00000", {"file_type": "pdb"}, mk.DecodeError, "not a PDB file: no ATOM or HETATM records"),
    ("pdb_truncated", _truncated_pdb, {"file_type": "pdb"}, mk.DecodeError, "not a valid PDB file .*too short"),
    (
        "pdb_binary",
        lambda: (CORPUS / "images" / "logo.png").read_bytes()[:2000],
        {"file_type": "pdb"},
        mk.DecodeError,
        "binary data",
    ),
    ("sdf_as_pdb", lambda: (MOL / "molecule.sdf").read_bytes(), {"file_type": "pdb"}, mk.DecodeError, "no ATOM or HETATM"),
    (
        "sdf_truncated",
        lambda: (MOL / "molecule.sdf").read_bytes()[:1500],
        {"file_type": "sdf"},
        mk.DecodeError,
        "record 1 is not a valid MOL block",
    ),
    ("sdf_empty", lambda: b"", {"file_type": "sdf"}, mk.DecodeError, "no MOL records"),
    (
        "mol2_broken",
        lambda: (MOL / "Molecule.mol2").read_bytes().replace(b"6.8420", b"x.8420"),
        {"file_type": "mol2"},
        mk.DecodeError,
        "MOL2 .*molecule 1 could not be read",
    ),
    (
        "mol2_truncated",
        lambda: (MOL / "Molecule.mol2").read_bytes()[:1500],
        {"file_type": "mol2"},
        mk.DecodeError,
        "not a valid MOL2",
    ),
    ("mol2_no_section", lambda: b"hello\n", {"file_type": "mol2"}, mk.DecodeError, "no @<TRIPOS>MOLECULE"),
    ("gro_empty", lambda: b"", {"file_type": "gro"}, mk.DecodeError, "not a GRO file: empty"),
    ("gro_no_atoms", lambda: b"t\n0\n 1.0 1.0 1.0\n", {"file_type": "gro"}, mk.DecodeError, "holds no atoms"),
    (
        "gro_truncated",
        lambda: (MOL / "two_water_gro.gro").read_bytes()[:150],
        {"file_type": "gro"},
        mk.DecodeError,
        "ends before the box line",
    ),
    ("gro_bad_count", lambda: b"t\nsix\n", {"file_type": "gro"}, mk.DecodeError, "line 2 should hold the atom count"),
    (
        "gro_bad_coords",
        lambda: b"t\n1\n    1SOL     OW    1   0.2x0   0.628   0.113\n 1 1 1\n",
        {"file_type": "gro"},
        mk.DecodeError,
        "line 3 coordinates",
    ),
    (
        "pqr_bad_line",
        lambda: b"ATOM 1 N ILE 16 a b c 0.1 0.2\n",
        {"file_type": "pqr"},
        mk.DecodeError,
        "line 1 has a non-numeric",
    ),
    ("pqr_short_line", lambda: b"ATOM 1 N ILE 16 1.0 2.0\n", {"file_type": "pqr"}, mk.DecodeError, "line 1 has 7 fields"),
    ("mmcif_garbage", lambda: b"00000", {"file_type": "mmcif"}, mk.DecodeError, "not a valid mmCIF"),
    ("cif_small_molecule", lambda: b"data_x\n_cell.length_a 5\n", {"file_type": "cif"}, mk.DecodeError, "no _atom_site"),
    (
        "mmtf_truncated",
        lambda: (MOL / "173D.mmtf").read_bytes()[:5000],
        {"file_type": "mmtf"},
        mk.DecodeError,
        "not a valid MMTF",
    ),
    ("mmtf_not", lambda: b"\x81\xa1a\x01", {"file_type": "mmtf"}, mk.DecodeError, "no 'mmtfVersion'"),
    ("gzip_corrupt", lambda: b"\x1f\x8b\x08\x00" + b"\xff" * 20, {"file_type": "pdb"}, mk.DecodeError, "gzip data is corrupt"),
    (
        "gzip_truncated",
        lambda: gzip.compress((MOL / "4E43.pdb").read_bytes())[:3000],
        {"file_type": "pdb"},
        mk.DecodeError,
        "gzip data is truncated",
    ),
    ("bytes_no_type", lambda: b"ATOM", {}, mk.ValidationError, "file_type: required for bytes"),
    ("fileobj_no_type", lambda: io.StringIO("ATOM"), {}, mk.ValidationError, "file_type: required for a file object"),
    ("bad_file_type", lambda: b"x", {"file_type": "xyz"}, mk.ValidationError, "file_type: expected one of"),
    ("file_type_type", lambda: b"x", {"file_type": 3}, mk.MediaTypeError, "file_type: expected a str"),
    ("missing_path", lambda: MOL / "6lu7.pdb", {}, mk.MediaFileNotFoundError, "does not exist"),
    ("directory", lambda: MOL, {"file_type": "pdb"}, mk.ValidationError, "is a directory"),
    ("unknown_suffix", lambda: CORPUS / "SOURCES.md", {}, mk.ValidationError, "cannot tell the molecule format"),
    ("text_as_path", lambda: "HEADER x\nATOM ...", {}, mk.ValidationError, "a str is a path"),
    ("wrong_type", lambda: 12, {}, mk.MediaTypeError, "expected a path, file object or bytes"),
    ("caption", lambda: MOL / "4E43.pdb", {"caption": 1}, mk.MediaTypeError, "caption"),
]


@pytest.mark.parametrize(("make", "kwargs", "exc", "match"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs(make, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        mk.Molecule(make(), **kwargs)


def test_test_pdb_holding_zeros_is_an_error(tmp_path):
    p = tmp_path / "test.pdb"
    p.write_text("00000")
    with pytest.raises(mk.DecodeError, match=r"test\.pdb.*no ATOM or HETATM"):
        mk.Molecule(p)


def test_missing_atom_name_gro_is_a_clear_error():
    with pytest.raises(mk.DecodeError, match=r"line 3 has no atom name \(columns 11-15\)"):
        mk.Molecule(CORPUS / "bad" / "missing_atomname.gro")


def test_gzip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(molmod, "MAX_MOLECULE_BYTES", 10_000)
    with pytest.raises(mk.LimitError, match="expands beyond 10000 bytes"):
        mk.Molecule(gzip.compress(b"REMARK" + b" " * 100_000), file_type="pdb")


def test_mmtf_hostile_counts_are_limited():
    from mediakit.formats.mmtf import decode_array

    # a run-length array claiming 2**31 values from 8 bytes of data
    blob = (
        (7).to_bytes(4, "big")
        + (2**31 - 1).to_bytes(4, "big")
        + (0).to_bytes(4, "big")
        + (1).to_bytes(4, "big")
        + (2**31 - 1).to_bytes(4, "big")
    )
    with pytest.raises(mk.LimitError):
        decode_array(blob, field="x", limit=10_000)


def test_failed_encode_leaves_nothing_in_the_store(store):
    obj = mk.Molecule(MOL / "4E43.pdb")
    obj.format = "pdb"
    obj.structure.models = 0  # the descriptor fails its schema after the file was written
    with pytest.raises(mk.SchemaError):
        obj.encode(store)
    assert store.list() == []


def test_encode_converts_rdkit_mols(mem):
    from rdkit import Chem

    from mediakit import encode

    row = encode({"mol": Chem.MolFromSmiles("CCO")}, mem)
    assert row["mol"]["_type"] == "molecule" and row["mol"]["atoms"] == 9


def test_depiction_keeps_aromatic_rings_and_hydroxyls(monkeypatch):
    """The 2-D thumbnail draws the molecule the file describes (aspirin stays aspirin: an aromatic
    ring and an OH, not a cyclohexene with an oxygen radical)."""
    pytest.importorskip("rdkit")
    from rdkit import Chem
    from rdkit.Chem.Draw import rdMolDraw2D

    from mediakit import chem

    drawn = []
    real = rdMolDraw2D.PrepareAndDrawMolecule
    monkeypatch.setattr(rdMolDraw2D, "PrepareAndDrawMolecule", lambda d, m, *a, **k: (drawn.append(Chem.Mol(m)), real(d, m, *a, **k)))
    store = mk.MemoryStore()
    desc = mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O").encode(store)
    assert chem.depiction(store.read(desc["path"]), "sdf", 128) is not None
    assert Chem.MolToSmiles(drawn[0]) == Chem.MolToSmiles(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
