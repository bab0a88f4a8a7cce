"""``convert(src, dst)`` for molecules and 3-D files (the functions behind ``mediakit convert``)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CORPUS

import mediakit as mk

trimesh = pytest.importorskip("trimesh")
pytest.importorskip("rdkit")
pytest.importorskip("gemmi")

from mediakit.formats.structure import convert as convert_molecule  # noqa: E402
from mediakit.kinds.object3d import convert as convert_3d  # noqa: E402

MESHES = CORPUS / "meshes"
MOL = CORPUS / "molecules"


@pytest.mark.parametrize(
    ("src", "faces"),
    [
        ("fuze.obj", 1000),
        ("featuretype.STL", 3476),
        ("bunny.ply", 16301),
        ("rgb_cube_with_primitives.gltf", 12),
        ("Duck.glb", 4212),
    ],
)
def test_meshes_to_glb(src, faces, tmp_path):
    dst = tmp_path / "out.glb"
    calls = []
    with pytest.warns(UserWarning) if src.endswith(".obj") else _nothing():
        convert_3d(MESHES / src, dst, progress=lambda done, total: calls.append((done, total)))
    assert dst.read_bytes()[:4] == b"glTF"
    back = mk.Object3D(dst)
    assert back.stats["faces"] == faces
    assert calls == [(0, 1), (1, 1)]
    assert not (tmp_path / "out.glb.part").exists()


def test_off_to_glb_and_mesh_to_stl(tmp_path):
    (tmp_path / "t.off").write_text("OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n")
    convert_3d(tmp_path / "t.off", tmp_path / "t.glb")
    assert mk.Object3D(tmp_path / "t.glb").stats["faces"] == 2
    convert_3d(tmp_path / "t.glb", tmp_path / "t.stl")
    assert mk.Object3D(tmp_path / "t.stl").stats["faces"] == 2


def test_npy_point_cloud_to_ply_and_glb(tmp_path):
    pts = np.c_[np.random.default_rng(1).normal(size=(50, 3)), np.full((50, 3), 200.0)]
    np.save(tmp_path / "cloud.npy", pts)
    convert_3d(tmp_path / "cloud.npy", tmp_path / "cloud.ply")
    assert mk.Object3D(tmp_path / "cloud.ply").stats["points"] == 50
    assert mk.Object3D(tmp_path / "cloud.ply").file_bytes == mk.Object3D(pts).file_bytes
    convert_3d(tmp_path / "cloud.npy", tmp_path / "cloud.glb")
    assert mk.Object3D(tmp_path / "cloud.glb").stats["points"] == 50
    with pytest.raises(mk.ValidationError, match="point cloud cannot be written as STL"):
        convert_3d(tmp_path / "cloud.npy", tmp_path / "cloud.stl")


def test_3d_convert_errors(tmp_path):
    with pytest.raises(mk.ValidationError, match=r"dst: cannot write '\.fbx'"):
        convert_3d(MESHES / "fuze.obj", tmp_path / "x.fbx")
    with pytest.raises(mk.DecodeError):
        convert_3d(CORPUS / "bad" / "obj_empty.obj", tmp_path / "x.glb")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("src", "dst", "atoms"),
    [
        ("molecule.sdf", "out.pdb", 49),
        ("Molecule.mol2", "out.sdf", 49),
        ("Molecule.mol2", "out.pdb", 49),
        ("4E43.pdb", "out.sdf", 1843),  # SDF has no alternate locations: RDKit keeps the first of each
        ("1YJP.cif", "out.pdb", 66),
        ("4x8u.mmcif", "out.sdf", 60),
        ("1A2C.pqr", "out.pdb", 5313),
        ("173D.mmtf", "out.pdb", 512),
        ("two_water_gro.gro", "out.pdb", 6),
    ],
)
def test_molecule_conversions(src, dst, atoms, tmp_path):
    calls = []
    convert_molecule(MOL / src, tmp_path / dst, progress=lambda d, t: calls.append((d, t)))
    back = mk.Molecule(tmp_path / dst)
    assert back.atoms == atoms
    assert calls == [(0, 1), (1, 1)]


def test_sdf_to_sdf_and_pdb_to_pdb_copy_bytes(tmp_path):
    convert_molecule(MOL / "molecule.sdf", tmp_path / "x.sdf")
    assert (tmp_path / "x.sdf").read_bytes() == (MOL / "molecule.sdf").read_bytes()


def test_mol2_to_sdf_keeps_bond_orders(tmp_path):
    from rdkit import Chem

    convert_molecule(MOL / "Molecule.mol2", tmp_path / "x.sdf")
    mol = Chem.MolFromMolFile(str(tmp_path / "x.sdf"), sanitize=False, removeHs=False)
    assert any(b.GetBondTypeAsDouble() == 2.0 for b in mol.GetBonds())


def test_molecule_convert_errors(tmp_path):
    with pytest.raises(mk.ValidationError, match=r"dst: cannot write '\.mol2'"):
        convert_molecule(MOL / "molecule.sdf", tmp_path / "x.mol2")
    with pytest.raises(mk.DecodeError):
        convert_molecule(CORPUS / "bad" / "missing_atomname.gro", tmp_path / "x.pdb")
    assert list(tmp_path.iterdir()) == []


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
