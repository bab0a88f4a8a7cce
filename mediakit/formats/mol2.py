"""Tripos MOL2 (``.mol2``): read with RDKit (extra ``chem``), unsanitised, one molecule per
``@<TRIPOS>MOLECULE`` section; residues are the first molecule's substructures."""

from __future__ import annotations

import re
from typing import Any

from .._errors import DecodeError
from .._lazy import require
from .structure import FEATURE, Structure, molecule_spec, parser_text, rdkit_messages, rdkit_quiet, structure_of_mols, text

NAME = "mol2"
_SPLIT = re.compile(r"(?m)^(?=@<TRIPOS>MOLECULE)")


def read_mols(txt: str, field: str) -> list[Any]:
    """The molecules of MOL2 text as RDKit molecules (unsanitised); a bad one is an error."""
    Chem = require("rdkit.Chem", extra="chem", feature=FEATURE)
    blocks = [b for b in _SPLIT.split(parser_text(txt)) if b.lstrip().startswith("@<TRIPOS>MOLECULE")]
    if not blocks:
        msg = f"{field}: not a MOL2 file: no @<TRIPOS>MOLECULE section"
        raise DecodeError(msg)
    mols = []
    for i, block in enumerate(blocks):
        with rdkit_quiet() as cap:
            m = Chem.MolFromMol2Block(block, sanitize=False, removeHs=False, cleanupSubstructures=False)
        if m is None:
            why = rdkit_messages(cap)
            msg = f"{field}: not a valid MOL2 file: molecule {i + 1} could not be read" + (f" ({why})" if why else "")
            raise DecodeError(msg)
        mols.append(m)
    return mols


def read(blob: bytes, field: str) -> Structure:
    txt = text(blob)
    mols = read_mols(txt, field)
    # Residues are MOL2 substructures: the 7th column of the first molecule's ATOM lines.
    atoms_sec = re.search(r"@<TRIPOS>ATOM[^\n]*\n(.*?)(?=^@<TRIPOS>|\Z)", txt, re.S | re.M)
    subst = {ln.split()[6] for ln in atoms_sec.group(1).splitlines() if len(ln.split()) >= 7} if atoms_sec else set()
    return structure_of_mols(mols, NAME, len(subst) or None)




SPEC = molecule_spec(
    NAME,
    read,
    suffixes=(".mol2",),
    media_type="chemical/x-mol2",
    extra="chem",
    description="Tripos MOL2",
)
