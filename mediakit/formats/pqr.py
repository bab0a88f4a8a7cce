"""PQR (``.pqr``): PDB-like ATOM/HETATM records with charge and radius, whitespace separated.
A small strict parser (gemmi does not read PQR; its whitespace columns confuse PDB readers)."""

from __future__ import annotations

import re

import numpy as np

from .._errors import DecodeError, LimitError, shown
from .structure import MAX_ATOMS, Structure, guess_element, molecule_spec, runs, text

NAME = "pqr"


def read(blob: bytes, field: str) -> Structure:
    """PQR: PDB-like ATOM/HETATM records with charge and radius, whitespace separated:
    ``ATOM serial name resName [chainID] resSeq[iCode] x y z charge radius``."""
    coords, names, res_keys, chains, res_names = [], [], [], [], []
    models = 0
    for ln, raw in enumerate(text(blob).splitlines(), start=1):
        parts = raw.split()
        rec = parts[0].upper() if parts else ""
        for tag in ("HETATM", "ATOM"):
            if rec.startswith(tag) and rec != tag and rec[len(tag) :].isascii() and rec[len(tag) :].isdigit():
                parts = [tag, rec[len(tag) :], *parts[1:]]  # serial run into the record name
                rec = tag
        if rec == "MODEL":
            models += 1
            continue
        if rec not in ("ATOM", "HETATM") or models > 1:
            continue  # only the first model's atoms are read; later models are counted
        if len(parts) not in (10, 11):
            msg = f"{field}: not a valid PQR file: line {ln} has {len(parts)} fields, expected 10 or 11 (ATOM serial name resName [chain] resSeq x y z charge radius): {raw[:80]!r}"
            raise DecodeError(msg)
        try:
            xyz = [float(v) for v in parts[-5:-2]]
            float(parts[-2])
            float(parts[-1])
            int(parts[1])
        except ValueError:
            msg = f"{field}: not a valid PQR file: line {ln} has a non-numeric serial, coordinate, charge or radius: {raw[:80]!r}"
            raise DecodeError(msg) from None
        chain = parts[4] if len(parts) == 11 else ""
        seq = parts[-6]
        if not re.fullmatch(r"-?\d+[A-Za-z]?", seq):
            msg = f"{field}: not a valid PQR file: line {ln} residue number {shown(seq)} is not an integer (with optional insertion code)"
            raise DecodeError(msg)
        coords.append(xyz)
        names.append(parts[2])
        res_names.append(parts[3])
        chains.append(chain)
        res_keys.append((chain, seq, parts[3]))
        if len(coords) > MAX_ATOMS:
            msg = f"{field}: more than {MAX_ATOMS} atoms"
            raise LimitError(msg)
    if not coords:
        msg = f"{field}: not a PQR file: no ATOM or HETATM records"
        raise DecodeError(msg)
    chain_ids = {c: i for i, c in enumerate(dict.fromkeys(chains))}
    res_idx = runs(res_keys)
    return Structure(
        NAME,
        atoms=len(coords),
        models=max(models, 1),
        residues=int(res_idx[-1]) + 1,
        chains=len(chain_ids),
        coords=np.asarray(coords, np.float64),
        elements=np.array([guess_element(n, r) for n, r in zip(names, res_names)], str),
        atom_names=np.array(names, str),
        residue_index=res_idx,
        chain_index=np.array([chain_ids[c] for c in chains], np.int64),
        residue_names=np.array(res_names, str),
    )




SPEC = molecule_spec(
    NAME,
    read,
    suffixes=(".pqr",),
    media_type="chemical/x-pqr",
    description="PQR (PDB with charges and radii)",
)
