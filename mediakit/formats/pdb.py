"""PDB (``.pdb``, ``.ent``): read with gemmi (extra ``chem``); also written here from a
:class:`~mediakit.formats.structure.Structure` (ATOM/HETATM records of its first model)."""

from __future__ import annotations

from typing import Any

from .._errors import DecodeError, ValidationError
from .._lazy import require
from .structure import FEATURE, Structure, from_gemmi, molecule_spec, parser_text, source_bytes, text
from .structure import first_line as _first_line

NAME = "pdb"


def read(blob: bytes, field: str) -> Structure:
    """The structure of PDB bytes (gemmi)."""
    gemmi = require("gemmi", extra="chem", feature=FEATURE)
    try:
        st = gemmi.read_pdb_string(parser_text(blob))
    except (RuntimeError, ValueError) as e:
        msg = f"{field}: not a valid PDB file ({_first_line(e)})"
        raise DecodeError(msg) from None
    s = from_gemmi(st, NAME, field)
    if s.atoms == 0:
        msg = f"{field}: not a PDB file: no ATOM or HETATM records"
        raise DecodeError(msg)
    return s



def probe(source: Any, *, field: str = "data") -> dict[str, Any]:
    """Counts from the records alone (no gemmi): atoms, residues and chains of the first model,
    models, and bonds as the distinct atom pairs of the CONECT records (None without any)."""
    blob = source_bytes(source, field)
    atoms = models = 0
    residues: set[tuple[str, str, str]] = set()
    chains: set[str] = set()
    pairs: set[tuple[int, int]] = set()
    for line in text(blob).splitlines():
        rec = line[:6]
        if rec == "MODEL ":
            models += 1
        elif rec in ("ATOM  ", "HETATM"):
            if models <= 1:
                atoms += 1
                chains.add(line[21:22])
                residues.add((line[21:22], line[22:27], line[17:20]))
        elif rec == "CONECT":
            try:
                a = int(line[6:11])
            except ValueError:
                continue
            for k in range(11, 31, 5):
                try:
                    b = int(line[k : k + 5])
                except ValueError:
                    continue
                pairs.add((min(a, b), max(a, b)))
    if atoms == 0:
        msg = f"{field}: not a PDB file: no ATOM or HETATM records"
        raise DecodeError(msg)
    return {"format": NAME, "atoms": atoms, "residues": len(residues), "chains": len(chains), "models": max(models, 1), "bonds": len(pairs) or None}


_STANDARD = {
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE", "LEU", "LYS", "MET", "PHE",
    "PRO", "SER", "THR", "TRP", "TYR", "VAL", "HSD", "HSE", "HSP", "HID", "HIE", "HIP", "DA", "DC",
    "DG", "DT", "A", "C", "G", "U",
}  # fmt: skip
_CHAIN_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def write(s: Structure) -> str:
    """Minimal PDB (ATOM/HETATM with element columns) of a structure's first model."""
    if s.atoms > 99999:
        msg = f"data: {s.atoms} atoms do not fit the PDB format (at most 99,999); write mmCIF instead"
        raise ValidationError(msg)
    lines = []
    res_no = 0
    last = -1
    for i in range(s.atoms):
        if s.residue_index[i] != last:
            last = int(s.residue_index[i])
            res_no = res_no % 9999 + 1
        name = str(s.atom_names[i])[:4]
        el = str(s.elements[i])[:2].title() if str(s.elements[i]) != "X" else ""
        name_col = f" {name:<3}" if len(name) < 4 and len(el) == 1 else f"{name:<4}"
        resn = str(s.residue_names[i])[:3]
        het = "ATOM  " if resn.upper() in _STANDARD else "HETATM"
        x, y, z = (float(v) for v in s.coords[i])
        chain = _CHAIN_IDS[int(s.chain_index[i]) % len(_CHAIN_IDS)]
        lines.append(
            f"{het}{i + 1:5d} {name_col} {resn:>3} {chain}{res_no:4d}    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00          {el:>2}"
        )
    lines.append("END")
    return "\n".join(lines) + "\n"


SPEC = molecule_spec(
    NAME,
    read,
    probe=probe,
    suffixes=(".pdb", ".ent"),
    media_type="chemical/x-pdb",
    extra="chem",
    aliases=("ent",),
    description="Protein Data Bank coordinate file",
)
