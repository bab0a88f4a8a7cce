"""Molecules for the page's 3-D view: the file is parsed once at build time by the format layer
(every molecule format the kind stores, one code path) into atoms, elements, chains and bonds;
files without a bond table get bonds from covalent distances."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: Molecules up to this many atoms get distance bonds (bigger ones are drawn as atoms only).
MAX_BOND_ATOMS = 60_000


def _distance_bonds(xyz: np.ndarray, elements: np.ndarray) -> np.ndarray:
    """Pairs closer than 1.9 Å (2.2 Å when one is S/P/metal-like heavy), hydrogens to 1.3 Å, by
    a grid of 2.2 Å cells: linear in the atom count."""
    n = len(xyz)
    if n < 2:
        return np.zeros((0, 2), np.int64)
    cell = np.floor((xyz - xyz.min(axis=0)) / 2.2).astype(np.int64)
    dims = cell.max(axis=0) + 3
    key = ((cell[:, 0] + 1) * dims[1] + cell[:, 1] + 1) * dims[2] + cell[:, 2] + 1
    order = np.argsort(key, kind="stable")
    skey = key[order]
    heavy = np.isin(elements, ["S", "P", "SE", "FE", "ZN", "MG", "CU", "CL", "BR", "I"])
    hyd = elements == "H"
    pairs = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dz in (-1, 0, 1):
                nkey = key + (dx * dims[1] + dy) * dims[2] + dz
                lo = np.searchsorted(skey, nkey, "left")
                hi = np.searchsorted(skey, nkey, "right")
                counts = hi - lo
                if not counts.any():
                    continue
                a = np.repeat(np.arange(n), counts)
                starts = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts)
                b = order[np.arange(counts.sum()) + starts]
                m = a < b
                a, b = a[m], b[m]
                d = np.linalg.norm(xyz[a] - xyz[b], axis=1)
                limit = np.where(heavy[a] | heavy[b], 2.2, 1.9)
                limit = np.where(hyd[a] | hyd[b], 1.3, limit)
                ok = (d > 0.4) & (d < limit)
                pairs.append(np.c_[a[ok], b[ok]])
    return np.vstack(pairs) if pairs else np.zeros((0, 2), np.int64)


def molecule_payload(path: Path, fmt: str) -> dict[str, Any]:
    from ..formats.structure import parse

    s = parse(path.read_bytes(), fmt, field="path")
    xyz = np.asarray(s.coords, np.float64).reshape(-1, 3)
    elements = np.char.upper(np.asarray(s.elements, str)) if len(s.elements) else np.full(len(xyz), "C")
    if s.bond_pairs is not None and len(s.bond_pairs):
        bonds = np.asarray(s.bond_pairs, np.int64)
    elif len(xyz) <= MAX_BOND_ATOMS:
        bonds = _distance_bonds(xyz, elements)
    else:
        bonds = np.zeros((0, 2), np.int64)
    chains = np.asarray(s.chain_index, np.int64) if len(s.chain_index) == len(xyz) else np.zeros(len(xyz), np.int64)
    return {
        "xyz": np.round(xyz, 3).ravel().tolist(),
        "el": elements.tolist(),
        "bonds": bonds.ravel().tolist(),
        "chain": chains.tolist(),
    }
