"""Molecule and 3-D workloads: a 10^6-point coloured cloud, 20 drug-like SMILES to 3-D, and the
software-rendered thumbnails of a 10^6-point cloud and a 100k-face mesh.

Inputs:

- the point cloud is 10^6 x 6 float64 ``[x, y, z, r, g, b]``: a seeded synthetic lidar-like sweep
  (a ground plane with noise, boxes standing on it, a far wall), colours 0-255 as floats, the form
  the reference docs log (``np.array([[x, y, z, r, g, b], ...])``);
- the SMILES are 20 common drugs (aspirin ... celecoxib, 13 to 41 heavy atoms);
- the mesh is a trimesh torus of 100,000 triangles, stored as GLB.

What each contender times:

- ``mediakit``: ``mk.Object3D(points).encode(store)`` with a fresh ``LocalStore`` in a temporary
  folder (removed inside the timed call): validation, the binary PLY (float32 xyz + uint8 rgb),
  sha256 naming, the write, the descriptor. ``mk.Molecule.from_smiles(s).encode(store)``: parse,
  seeded ETKDGv3 embedding, MMFF94, SDF, the parse that proves the file, the write. Thumbnails:
  ``mk.thumbnail(desc, store, size=256)`` from an encoded descriptor (file read, parse, render, PNG).
- ``wandb.Object3D`` / ``wandb.Molecule.from_smiles``: constructing the object, which is where
  wandb writes its file (JSON point list; PDB) into its temporary media folder; the file is removed
  inside the timed call.
- ``baseline: ...``: the floor. Points: casting to float32 + uint8 and ``tobytes`` (no checks, no
  header, no hashing, no write). SMILES: RDKit alone (parse, AddHs, seeded ETKDGv3, MMFF94).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import numpy as np

from benchmarks.harness import Target, Workload

N_POINTS = 1_000_000
SIZE = 256

SMILES = [
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",  # caffeine
    "CC(C)Cc1ccc(cc1)C(C)C(=O)O",  # ibuprofen
    "CC(=O)Nc1ccc(O)cc1",  # paracetamol
    "COc1ccc2cc(ccc2c1)C(C)C(=O)O",  # naproxen
    "OC(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl",  # diclofenac
    "CN(C)C(=N)NC(=N)N",  # metformin
    "CC(C)c1c(C(=O)Nc2ccccc2)c(-c2ccccc2)c(-c2ccc(F)cc2)n1CCC(O)CC(O)CC(=O)O",  # atorvastatin
    "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1",  # imatinib
    "CCCc1nn(C)c2c(=O)[nH]c(-c3cc(S(=O)(=O)N4CCN(C)CC4)ccc3OCC)nc12",  # sildenafil
    "COc1ccc2[nH]c(S(=O)Cc3ncc(C)c(OC)c3C)nc2c1",  # omeprazole
    "CCOC(=O)N1CCC(=C2c3ccc(Cl)cc3CCc3cccnc32)CC1",  # loratadine
    "CNCCC(Oc1ccc(cc1)C(F)(F)F)c1ccccc1",  # fluoxetine
    "CNC1CCC(c2ccc(Cl)c(Cl)c2)c2ccccc12",  # sertraline
    "CN(C)CCCC1(OCc2cc(C#N)ccc21)c1ccc(F)cc1",  # citalopram
    "CC(=O)CC(c1ccccc1)c1c(O)c2ccccc2oc1=O",  # warfarin
    "COC(=O)C(c1ccccc1Cl)N1CCc2sccc2C1",  # clopidogrel
    "CCC(C)(C)C(=O)OC1CC(C)C=C2C=CC(C)C(CCC3CC(O)CC(=O)O3)C12",  # simvastatin
    "CCCCc1nc(Cl)c(CO)n1Cc1ccc(-c2ccccc2-c2nnn[nH]2)cc1",  # losartan
    "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1",  # celecoxib
]


# --------------------------------------------------------------------------------------------
# Inputs


def lidar_like(n: int = N_POINTS, seed: int = 3) -> np.ndarray:
    """``(n, 6)`` float64: 70% ground (z ~ 0), 25% on eight boxes, 5% on a far wall; grey-green
    ground, coloured boxes, brown wall."""
    rng = np.random.default_rng(seed)
    n_ground, n_boxes = int(n * 0.7), int(n * 0.25)
    n_wall = n - n_ground - n_boxes
    ground = np.c_[rng.uniform(-40, 40, (n_ground, 2)), rng.normal(0, 0.05, n_ground)]
    centers = rng.uniform(-25, 25, (8, 2))
    which = rng.integers(0, 8, n_boxes)
    boxes = np.c_[centers[which] + rng.uniform(-1, 1, (n_boxes, 2)) * [2.2, 1.0], rng.uniform(0, 1.6, n_boxes)]
    wall = np.c_[np.full(n_wall, 45.0) + rng.normal(0, 0.1, n_wall), rng.uniform(-40, 40, n_wall), rng.uniform(0, 6, n_wall)]
    xyz = np.vstack([ground, boxes, wall])
    palette = rng.integers(0, 256, (8, 3))
    rgb = np.vstack(
        [
            np.clip(rng.normal([110, 130, 100], 12, (n_ground, 3)), 0, 255),
            palette[which].astype(np.float64),
            np.tile([150.0, 100.0, 60.0], (n_wall, 1)),
        ]
    )
    return np.ascontiguousarray(np.c_[xyz, np.rint(rgb)])


def _setup_points() -> np.ndarray:
    return lidar_like()


def _setup_smiles() -> list[str]:
    return list(SMILES)


def _setup_point_thumbnail() -> tuple[dict[str, Any], Any]:
    import mediakit as mk

    store = mk.MemoryStore()
    return mk.Object3D(lidar_like()).encode(store), store


def _setup_mesh_thumbnail() -> tuple[dict[str, Any], Any]:
    import trimesh

    import mediakit as mk

    mesh = trimesh.creation.torus(major_radius=1.0, minor_radius=0.35, major_sections=250, minor_sections=200)
    store = mk.MemoryStore()
    desc = mk.Object3D(mesh).encode(store)
    if desc["faces"] != 100_000:
        msg = f"expected a 100k-face mesh, got {desc['faces']}"
        raise RuntimeError(msg)
    return desc, store


# --------------------------------------------------------------------------------------------
# mediakit


def mk_points(points: np.ndarray) -> int:
    import mediakit as mk

    tmp = tempfile.mkdtemp(prefix="mk-bench-")
    try:
        return int(mk.Object3D(points).encode(mk.LocalStore(tmp))["size"])
    finally:
        shutil.rmtree(tmp)


def mk_smiles(smiles: list[str]) -> int:
    import mediakit as mk

    tmp = tempfile.mkdtemp(prefix="mk-bench-")
    try:
        store = mk.LocalStore(tmp)
        return sum(int(mk.Molecule.from_smiles(s).encode(store)["size"]) for s in smiles)
    finally:
        shutil.rmtree(tmp)


def mk_thumbnail(prepared: tuple[dict[str, Any], Any]) -> int:
    import mediakit as mk

    desc, store = prepared
    return len(mk.thumbnail(desc, store, size=SIZE))


# --------------------------------------------------------------------------------------------
# wandb (offline)


def _wandb() -> Any:
    os.environ["WANDB_MODE"] = "offline"
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_CONSOLE", "off")
    import wandb

    return wandb


def wandb_points(points: np.ndarray) -> int:
    wandb = _wandb()
    obj = wandb.Object3D(points)
    size = int(obj._size)
    if obj._is_tmp:
        os.unlink(obj._path)
    return size


def wandb_smiles(smiles: list[str]) -> int:
    wandb = _wandb()
    total = 0
    for s in smiles:
        m = wandb.Molecule.from_smiles(s)
        total += int(m._size)
        if m._is_tmp:
            os.unlink(m._path)
    return total


# --------------------------------------------------------------------------------------------
# Baselines


def cast_only(points: np.ndarray) -> int:
    return len(points[:, :3].astype("<f4").tobytes()) + len(points[:, 3:].astype(np.uint8).tobytes())


def rdkit_only(smiles: list[str]) -> None:
    from rdkit import Chem, rdBase
    from rdkit.Chem import AllChem

    with rdBase.BlockLogs():
        for s in smiles:
            mol = Chem.AddHs(Chem.MolFromSmiles(s))
            params = AllChem.ETKDGv3()
            params.randomSeed = 0x5EED
            AllChem.EmbedMolecule(mol, params)
            AllChem.MMFFOptimizeMolecule(mol, maxIters=200)


# --------------------------------------------------------------------------------------------
# Workloads

POINTS = Workload(
    name="Point cloud of 10^6 x 6 (xyz + rgb)",
    description=(
        "A 10^6-point coloured lidar-like cloud as the reference docs log it (np.array of [x, y, z, r, g, b]): "
        "mk.Object3D(points).encode(LocalStore) -> binary PLY, against wandb.Object3D (JSON point list); "
        "the baseline only casts to float32 + uint8"
    ),
    setup=_setup_points,
    contenders={"mediakit": mk_points, "wandb.Object3D": wandb_points, "baseline: float32 + uint8 cast only": cast_only},
    targets=[Target("mediakit", "wandb.Object3D", ratio=60.0, max_bytes_ratio=1 / 3)],
    repeat=3,
    input_bytes=lambda p: int(p.nbytes),
    items=N_POINTS,
    unit="points",
)

SMILES_3D = Workload(
    name="20 drug-like SMILES to 3-D",
    description=(
        "Molecule.from_smiles for 20 common drugs (seeded ETKDGv3 embedding + MMFF94): mediakit (SDF, proven by parsing, "
        "stored) against wandb.Molecule.from_smiles (PDB); the baseline is RDKit's own parse + embed + optimise"
    ),
    setup=_setup_smiles,
    contenders={
        "mediakit": mk_smiles,
        "wandb.Molecule.from_smiles": wandb_smiles,
        "baseline: RDKit embed + MMFF only": rdkit_only,
    },
    # RDKit's embedding and MMFF94 are nearly all of the time for every contender, so the ratio to
    # wandb (which runs the same RDKit calls) is parity give or take the machine's noise; the target
    # is the rule for hardware-bound work instead: mediakit's own overhead (sanitising,
    # SDF, the proving parse, hashing, the write) keeps it within 4/3 of RDKit alone.
    targets=[Target("mediakit", "baseline: RDKit embed + MMFF only", ratio=0.75)],
    repeat=5,
    items=len(SMILES),
    unit="molecules",
)

POINT_THUMB = Workload(
    name="Thumbnail of a 10^6-point cloud",
    description="mk.thumbnail(size=256) of the encoded 10^6-point cloud: read the PLY, project, z-buffered splats, PNG",
    setup=_setup_point_thumbnail,
    contenders={"mediakit": mk_thumbnail},
    targets=[Target("mediakit", "mediakit", ratio=0.0, max_seconds=1.0)],
    repeat=3,
    items=N_POINTS,
    unit="points",
)

MESH_THUMB = Workload(
    name="Thumbnail of a 100k-face mesh",
    description="mk.thumbnail(size=256) of a 100,000-triangle torus stored as GLB: trimesh load, flat-shaded z-buffer at 2x, PNG",
    setup=_setup_mesh_thumbnail,
    contenders={"mediakit": mk_thumbnail},
    targets=[Target("mediakit", "mediakit", ratio=0.0, max_seconds=1.0)],
    repeat=3,
    items=100_000,
    unit="faces",
)

WORKLOADS = [POINTS, SMILES_3D, POINT_THUMB, MESH_THUMB]
