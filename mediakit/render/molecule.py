"""Molecule thumbnails.

- Small molecules (SDF/MOL2 records of at most 250 atoms, and single-residue PDB/mmCIF/... files of
  at most 150 atoms): RDKit's 2-D depiction (``rdMolDraw2D.MolDraw2DCairo``), hydrogens hidden.
- Everything else: a projected 3-D view on the molecule's principal axes (largest spread across
  the image; signs fixed by the third moment, so the view is deterministic), drawn by the software
  renderer. Proteins and nucleic acids appear as a backbone tube through CA / P atoms coloured by
  chain, with ligands as element-coloured balls (water hidden); other structures as balls and
  sticks coloured by element (bonds from the file's bond table, else by distance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image as PILImage

from .._errors import LimitError
from .._limits import Limits
from ..formats import structure as mf
from ..palette import PALETTE
from ..store import Store
from . import _raster3d as r3
from ._common import BACKGROUND

SMALL_RECORD_ATOMS = 250
SMALL_STRUCTURE_ATOMS = 150
#: Largest atom count for which bonds are guessed from distances (O(N^2) in chunks).
MAX_GUESSED_BONDS_ATOMS = 5000
WATER = {"HOH", "WAT", "SOL", "TIP", "TIP3", "TIP4", "TP3", "SPC", "H2O", "DOD"}

ELEMENT_COLORS: dict[str, tuple[int, int, int]] = {
    "H": (205, 205, 205), "C": (90, 90, 90), "N": (48, 80, 248), "O": (230, 30, 30), "S": (230, 195, 40),
    "P": (255, 128, 0), "F": (110, 210, 60), "CL": (40, 190, 40), "BR": (160, 40, 40), "I": (148, 0, 148),
    "FE": (224, 102, 51), "MG": (60, 200, 60), "ZN": (125, 128, 176), "CA": (61, 255, 0), "NA": (171, 92, 242),
    "K": (143, 64, 212), "SE": (255, 161, 0), "CU": (200, 128, 51), "MN": (156, 122, 199), "B": (255, 181, 181),
}  # fmt: skip
OTHER_COLOR = (220, 120, 220)


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    if desc["size"] > limits.max_file_bytes:
        msg = f"size: the file has {desc['size']} bytes, more than the limit of {limits.max_file_bytes}"
        raise LimitError(msg)
    if desc["atoms"] > limits.max_points:
        msg = f"atoms: {desc['atoms']} atoms exceed the render limit of {limits.max_points}"
        raise LimitError(msg)
    blob = store.read(desc["path"])
    fmt = desc["format"]
    from .._lazy import available

    s = None
    if fmt in ("sdf", "mol2"):
        small = desc["atoms"] <= SMALL_RECORD_ATOMS
    else:
        # one organic residue (a ligand written as PDB, ...); ions and polymers are drawn in 3-D
        small = desc["atoms"] <= SMALL_STRUCTURE_ATOMS and (desc.get("residues") or 0) <= 1
        if small:
            s = mf.parse(blob, fmt, field="path", max_bytes=limits.max_decompressed_bytes)
            small = bool((s.elements == "C").any())
    if small and available("rdkit"):
        from ..chem import depiction

        im = depiction(blob, fmt, size)
        if im is not None:
            return im
    s = s or mf.parse(blob, fmt, field="path", max_bytes=limits.max_decompressed_bytes)
    if s.atoms > limits.max_points:
        msg = f"path: {s.atoms} atoms exceed the render limit of {limits.max_points}"
        raise LimitError(msg)
    return project(s, size, limits=limits)


def element_colors(elements: np.ndarray) -> np.ndarray:
    return np.array([ELEMENT_COLORS.get(str(e).upper(), OTHER_COLOR) for e in elements], np.uint8).reshape(-1, 3)


def _trace(s: mf.Structure) -> tuple[np.ndarray, np.ndarray] | None:
    """Backbone trace atoms (one per residue: CA for proteins, P for nucleic acids) and the
    pairs of consecutive ones in the same chain."""
    names = np.char.strip(s.atom_names.astype(str)) if len(s.atom_names) else s.atom_names
    all_idx, all_pairs = [], []
    for atom, gap in (("CA", 4.5), ("P", 8.0)):
        idx = np.flatnonzero(names == atom)
        if atom == "CA":
            idx = idx[s.elements[idx] != "CA"]  # calcium ions are named CA too
        if len(idx) < 3:
            continue
        _, first = np.unique(s.residue_index[idx], return_index=True)  # first altloc wins
        idx = idx[np.sort(first)]
        a, b = idx[:-1], idx[1:]
        keep = (s.chain_index[a] == s.chain_index[b]) & (np.linalg.norm(s.coords[a] - s.coords[b], axis=1) < gap)
        if keep.sum() >= 2:
            linked = np.unique(np.concatenate([a[keep], b[keep]]))
            all_idx.append(linked)
            all_pairs.append(np.stack([a[keep], b[keep]], axis=1))
    if not all_pairs:
        return None
    return np.concatenate(all_idx), np.vstack(all_pairs)


def _guess_bonds(coords: np.ndarray, elements: np.ndarray) -> np.ndarray:
    n = len(coords)
    if n < 2 or n > MAX_GUESSED_BONDS_ATOMS:
        return np.zeros((0, 2), np.int64)
    hyd = elements == "H"
    out = []
    for s in range(0, n, 512):
        d = np.linalg.norm(coords[s : s + 512, None, :] - coords[None, :, :], axis=2)
        i, j = np.nonzero(d > 0.4)
        keep = j > i + s
        i, j = i[keep] + s, j[keep]
        dd = d[i - s, j]
        limit = np.where(hyd[i] | hyd[j], 1.25, 1.95)
        both_h = hyd[i] & hyd[j]
        ok = (dd < limit) & ~both_h
        out.append(np.stack([i[ok], j[ok]], axis=1))
    return np.vstack(out) if out else np.zeros((0, 2), np.int64)


def project(s: mf.Structure, size: int, *, limits: Limits | None = None) -> PILImage.Image:
    """A projected 3-D picture of a structure's first model.

    Balls, sticks and tubes shrink to fit the fragment budget (``limits.max_raster_fragments``,
    see :class:`~mediakit.render._raster3d.Canvas`): a file stacking many atoms on one point costs
    a bounded multiple of the thumbnail's pixels, not atoms x ball area."""
    ss = 2
    w = size * ss
    coords = s.coords
    basis = r3.principal_basis(coords)
    pad = 1.5  # Angstrom of room around the atom centres for balls and tubes
    room = pad * (basis[0] + basis[1])
    proj = r3.fit_projection(basis, np.vstack([coords - room, coords + room]), w, w, margin=0.04 * w)
    canvas = r3.Canvas(w, w, BACKGROUND, budget=(limits or Limits()).max_raster_fragments)
    scr = proj.to_screen(coords)
    res_names = np.char.strip(s.residue_names.astype(str)) if len(s.residue_names) else s.residue_names
    water = np.isin(np.char.upper(res_names), list(WATER)) if len(res_names) else np.zeros(s.atoms, bool)
    trace = _trace(s)
    colors = element_colors(s.elements)
    if trace is not None:
        idx, pairs = trace
        polymer_res = np.isin(s.residue_index, s.residue_index[idx])
        chain_col = np.array([PALETTE[int(c) % len(PALETTE)] for c in s.chain_index[pairs[:, 0]]], np.uint8).reshape(-1, 3)
        tube = max(1.5, 0.8 * proj.scale)
        canvas.segments(scr[pairs[:, 0]], scr[pairs[:, 1]], chain_col, tube, sphere=True)
        lig = ~polymer_res & ~water
        if lig.any():
            canvas.splats(scr[lig], colors[lig], max(1.5, 0.7 * proj.scale), sphere=True)
    else:
        show = ~water if (~water).any() else np.ones(s.atoms, bool)
        bonds = s.bond_pairs if s.bond_pairs is not None and len(s.bond_pairs) else _guess_bonds(coords, s.elements)
        if len(bonds):
            bonds = bonds[show[bonds[:, 0]] & show[bonds[:, 1]]]
            mid = (scr[bonds[:, 0]] + scr[bonds[:, 1]]) / 2
            stick = max(1.0, 0.16 * proj.scale)
            canvas.segments(scr[bonds[:, 0]], mid, colors[bonds[:, 0]], stick, sphere=True)
            canvas.segments(scr[bonds[:, 1]], mid, colors[bonds[:, 1]], stick, sphere=True)
        hyd = s.elements == "H"
        for sel, rad in ((show & ~hyd, 0.42), (show & hyd, 0.28)):
            if sel.any():
                canvas.splats(scr[sel], colors[sel], max(1.5, rad * proj.scale * (1.0 if len(bonds) else 1.6)), sphere=True)
    return canvas.image().reduce(ss)
