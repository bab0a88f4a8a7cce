"""Molecule file readers: each proves a file is its format and returns its atoms.

- PDB and mmCIF: gemmi (extra ``chem``).
- SDF/SD/MOL and MOL2: RDKit (extra ``chem``), without sanitising (a valid file may hold a
  molecule RDKit would not sanitise), RDKit's logging silenced and its messages captured.
- PQR and GRO: small strict parsers here (gemmi reads neither; PQR's whitespace columns confuse
  PDB readers).
- MMTF: :mod:`mediakit.kinds._mol_mmtf` (MessagePack + MMTF codecs, numpy only).

:func:`parse` returns a :class:`Structure` with counts (atoms, residues, chains and bonds of the
first model, and the number of models) and first-model arrays for thumbnails.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError
from .._lazy import require

#: Largest atom count accepted in one model.
MAX_ATOMS = 20_000_000

_FEATURE = "Reading molecule files"


@dataclass
class Structure:
    """Counts and first-model atoms of a molecule file."""

    fmt: str
    atoms: int
    models: int
    residues: int | None = None
    chains: int | None = None
    bonds: int | None = None
    coords: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    elements: np.ndarray = field(default_factory=lambda: np.zeros(0, str))  # "C", "FE", ... upper case
    atom_names: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    residue_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    chain_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    residue_names: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    bond_pairs: np.ndarray | None = None  # (M, 2) atom indices, when the file has a bond table


def parse(blob: bytes, fmt: str, *, field: str = "data") -> Structure:
    """Parse ``blob`` as ``fmt`` (pdb, pqr, mmcif, sdf, mol2, gro, mmtf)."""
    if fmt != "mmtf" and b"\x00" in blob[:65536]:
        msg = f"{field}: not a {fmt.upper()} file: it holds binary data (NUL bytes), expected text"
        raise DecodeError(msg)
    reader = _READERS[fmt]
    s = reader(blob, field)
    if s.atoms == 0:
        msg = f"{field}: the {fmt.upper()} file holds no atoms"
        raise DecodeError(msg)
    if not np.isfinite(s.coords).all():
        msg = f"{field}: the {fmt.upper()} file has non-finite coordinates"
        raise DecodeError(msg)
    return s


def _text(blob: bytes) -> str:
    # latin-1 maps every byte to one character: never fails, keeps columns aligned.
    return blob.decode("latin-1")


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# -- gemmi: PDB, mmCIF -----------------------------------------------------------------------------


def _from_gemmi(st: Any, fmt: str, field: str) -> Structure:
    if len(st) == 0:
        return Structure(fmt, 0, 0)
    model = st[0]
    coords, elements, names, res_idx, chain_idx, res_names = [], [], [], [], [], []
    r = 0
    for ci, chain in enumerate(model):
        for res in chain:
            for atom in res:
                p = atom.pos
                coords.append((p.x, p.y, p.z))
                elements.append(atom.element.name.upper())
                names.append(atom.name)
                res_idx.append(r)
                chain_idx.append(ci)
                res_names.append(res.name)
            r += 1
        if len(coords) > MAX_ATOMS:
            msg = f"{field}: more than {MAX_ATOMS} atoms in one model"
            raise LimitError(msg)
    return Structure(
        fmt,
        atoms=len(coords),
        models=len(st),
        residues=r,
        chains=len(model),
        coords=np.asarray(coords, np.float64).reshape(-1, 3),
        elements=np.asarray(elements, str),
        atom_names=np.asarray(names, str),
        residue_index=np.asarray(res_idx, np.int64),
        chain_index=np.asarray(chain_idx, np.int64),
        residue_names=np.asarray(res_names, str),
    )


def _read_pdb(blob: bytes, field: str) -> Structure:
    gemmi = require("gemmi", extra="chem", feature=_FEATURE)
    try:
        st = gemmi.read_pdb_string(_text(blob))
    except (RuntimeError, ValueError) as e:
        msg = f"{field}: not a valid PDB file ({_first_line(e)})"
        raise DecodeError(msg) from None
    s = _from_gemmi(st, "pdb", field)
    if s.atoms == 0:
        msg = f"{field}: not a PDB file: no ATOM or HETATM records"
        raise DecodeError(msg)
    return s


def _read_mmcif(blob: bytes, field: str) -> Structure:
    gemmi = require("gemmi", extra="chem", feature=_FEATURE)
    try:
        doc = gemmi.cif.read_string(_text(blob))
        if len(doc) == 0:
            msg = f"{field}: not an mmCIF file: no data_ block"
            raise DecodeError(msg)
        st = gemmi.make_structure_from_block(doc[0])
    except (RuntimeError, ValueError) as e:
        msg = f"{field}: not a valid mmCIF file ({_first_line(e)})"
        raise DecodeError(msg) from None
    s = _from_gemmi(st, "mmcif", field)
    if s.atoms == 0:
        msg = f"{field}: not a macromolecular CIF: no _atom_site records (small-molecule CIF is not supported)"
        raise DecodeError(msg)
    return s


# -- RDKit: SDF, MOL2 ------------------------------------------------------------------------------


@contextlib.contextmanager
def rdkit_quiet() -> Iterator[Any]:
    """Silence RDKit's logger and capture its messages (``.messages``) where RDKit can."""
    from rdkit import rdBase

    capture_cls = getattr(rdBase, "CaptureErrorLog", None)
    with rdBase.BlockLogs():
        if capture_cls is None:
            yield None
        else:
            with capture_cls() as cap:
                yield cap


def rdkit_messages(cap: Any) -> str:
    """RDKit's captured error lines, without timestamps, joined with '; '."""
    text = getattr(cap, "messages", "") if cap is not None else ""
    lines = [re.sub(r"^\[\d\d:\d\d:\d\d\]\s*", "", ln).strip() for ln in str(text).splitlines()]
    return "; ".join(ln for ln in lines if ln)


def structure_of_mols(mols: list[Any], fmt: str, residues: int | None = None) -> Structure:
    """A :class:`Structure` of RDKit molecules (records of an SDF/MOL2 file)."""
    first = mols[0]
    n = first.GetNumAtoms()
    coords = first.GetConformer().GetPositions() if first.GetNumConformers() else np.zeros((n, 3))
    bonds = np.array([(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in first.GetBonds()], np.int64).reshape(-1, 2)
    symbols = [a.GetSymbol() for a in first.GetAtoms()]
    return Structure(
        fmt,
        atoms=n,
        models=len(mols),
        residues=residues,
        chains=None,
        bonds=first.GetNumBonds(),
        coords=np.asarray(coords, np.float64).reshape(-1, 3),
        elements=np.char.upper(np.array(symbols, str)) if symbols else np.zeros(0, str),
        atom_names=np.array(symbols, str),
        residue_index=np.zeros(n, np.int64),
        chain_index=np.zeros(n, np.int64),
        residue_names=np.full(n, "LIG"),
        bond_pairs=bonds,
    )


def read_sdf_mols(blob: bytes, field: str, *, limit: int | None = None) -> list[Any]:
    """The records of an SDF as RDKit molecules (unsanitised); a bad record is an error."""
    Chem = require("rdkit.Chem", extra="chem", feature=_FEATURE)
    mols = []
    with rdkit_quiet() as cap:
        supplier = Chem.ForwardSDMolSupplier(io.BytesIO(blob), sanitize=False, removeHs=False, strictParsing=True)
        for i, m in enumerate(supplier):
            if m is None:
                why = rdkit_messages(cap)
                msg = f"{field}: not a valid SDF file: record {i + 1} is not a valid MOL block" + (f" ({why})" if why else "")
                raise DecodeError(msg)
            mols.append(m)
            if limit is not None and len(mols) >= limit:
                break
    if not mols:
        msg = f"{field}: not an SDF file: no MOL records"
        raise DecodeError(msg)
    return mols


def _read_sdf(blob: bytes, field: str) -> Structure:
    mols = read_sdf_mols(blob, field)
    if mols[0].GetNumAtoms() > MAX_ATOMS:
        msg = f"{field}: more than {MAX_ATOMS} atoms"
        raise LimitError(msg)
    return structure_of_mols(mols, "sdf", None)


_MOL2_SPLIT = re.compile(r"(?m)^(?=@<TRIPOS>MOLECULE)")


def read_mol2_mols(text: str, field: str) -> list[Any]:
    Chem = require("rdkit.Chem", extra="chem", feature=_FEATURE)
    blocks = [b for b in _MOL2_SPLIT.split(text) if b.lstrip().startswith("@<TRIPOS>MOLECULE")]
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


def _read_mol2(blob: bytes, field: str) -> Structure:
    text = _text(blob)
    mols = read_mol2_mols(text, field)
    # Residues are MOL2 substructures: the 7th column of the first molecule's ATOM lines.
    atoms_sec = re.search(r"@<TRIPOS>ATOM[^\n]*\n(.*?)(?=^@<TRIPOS>|\Z)", text, re.S | re.M)
    subst = {ln.split()[6] for ln in atoms_sec.group(1).splitlines() if len(ln.split()) >= 7} if atoms_sec else set()
    return structure_of_mols(mols, "mol2", len(subst) or None)


# -- PQR -------------------------------------------------------------------------------------------


def _read_pqr(blob: bytes, field: str) -> Structure:
    """PQR: PDB-like ATOM/HETATM records with charge and radius, whitespace separated:
    ``ATOM serial name resName [chainID] resSeq[iCode] x y z charge radius``."""
    coords, names, res_keys, chains, res_names = [], [], [], [], []
    models = 0
    for ln, raw in enumerate(_text(blob).splitlines(), start=1):
        parts = raw.split()
        rec = parts[0].upper() if parts else ""
        for tag in ("HETATM", "ATOM"):
            if rec.startswith(tag) and rec != tag and rec[len(tag) :].isdigit():
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
            msg = f"{field}: not a valid PQR file: line {ln} residue number {seq!r} is not an integer (with optional insertion code)"
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
    res_idx = _runs(res_keys)
    return Structure(
        "pqr",
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


def _runs(keys: list[Any]) -> np.ndarray:
    """A running index that increases whenever the key changes from one atom to the next."""
    idx = np.zeros(len(keys), np.int64)
    for i in range(1, len(keys)):
        idx[i] = idx[i - 1] + (keys[i] != keys[i - 1])
    return idx


_TWO_LETTER = {
    "CL",
    "BR",
    "NA",
    "MG",
    "ZN",
    "FE",
    "CA",
    "MN",
    "CU",
    "CO",
    "NI",
    "LI",
    "SE",
    "CD",
    "HG",
    "AL",
    "SI",
    "AU",
    "AG",
    "PT",
}


def guess_element(name: str, residue: str = "") -> str:
    """The element of an atom named ``name`` (PQR/GRO have no element column): the leading
    letters, with two-letter elements only for ions (residue named like the atom: ``NA``/``NA``)."""
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    if not letters:
        return "X"
    if letters[:2] in _TWO_LETTER and residue.strip().upper().rstrip("+-0123456789") == letters[:2]:
        return letters[:2]
    return letters[0]


# -- GRO -------------------------------------------------------------------------------------------


def _read_gro(blob: bytes, field: str) -> Structure:
    """GROMACS .gro: title, atom count, fixed-column atom lines (``%5d%-5s%5s%5d`` then x, y, z in
    nm with a width given by the decimal points), box line; several frames are models."""
    lines = _text(blob).splitlines()
    pos = 0
    frames = 0
    first: dict[str, Any] | None = None
    while pos < len(lines):
        if not lines[pos].strip() and all(not ln.strip() for ln in lines[pos:]):
            break
        if pos + 1 >= len(lines):
            msg = f"{field}: not a valid GRO file: line {pos + 2} should hold the atom count, but the file ends"
            raise DecodeError(msg)
        count_line = lines[pos + 1].strip()
        if not count_line.isdigit():
            msg = f"{field}: not a valid GRO file: line {pos + 2} should hold the atom count, got {lines[pos + 1][:40]!r}"
            raise DecodeError(msg)
        n = int(count_line)
        if n > MAX_ATOMS:
            msg = f"{field}: GRO declares {n} atoms, more than the limit of {MAX_ATOMS}"
            raise LimitError(msg)
        if pos + 2 + n >= len(lines):
            msg = f"{field}: not a valid GRO file: it declares {n} atoms but ends before the box line (truncated?)"
            raise DecodeError(msg)
        atom_lines = lines[pos + 2 : pos + 2 + n]
        frame = _gro_atoms(atom_lines, pos + 3, field, keep=first is None)
        box = lines[pos + 2 + n].split()
        try:
            ok = len(box) in (3, 9) and all(np.isfinite(float(b)) for b in box)
        except ValueError:
            ok = False
        if not ok:
            msg = f"{field}: not a valid GRO file: line {pos + 3 + n} should be the box (3 or 9 numbers), got {lines[pos + 2 + n][:60]!r}"
            raise DecodeError(msg)
        if first is None:
            first = frame
        frames += 1
        pos += 3 + n
    if first is None or frames == 0:
        msg = f"{field}: not a GRO file: empty"
        raise DecodeError(msg)
    names, res_names, keys, coords = first["names"], first["res_names"], first["keys"], first["coords"]
    res_idx = _runs(keys) if keys else np.zeros(0, np.int64)
    return Structure(
        "gro",
        atoms=len(coords),
        models=frames,
        residues=int(res_idx[-1]) + 1 if len(res_idx) else 0,
        chains=None,
        coords=np.asarray(coords, np.float64).reshape(-1, 3) * 10.0,  # nm -> Angstrom, like the other formats
        elements=np.array([guess_element(a, r) for a, r in zip(names, res_names)], str),
        atom_names=np.array(names, str),
        residue_index=res_idx,
        chain_index=np.zeros(len(coords), np.int64),
        residue_names=np.array(res_names, str),
    )


def _gro_atoms(lines: list[str], first_ln: int, field: str, *, keep: bool) -> dict[str, Any]:
    names: list[str] = []
    res_names: list[str] = []
    keys: list[tuple[str, str]] = []
    coords: list[list[float]] = []
    width = 8
    if lines:
        # Coordinates start at column 21; their width is the distance between decimal points.
        dots = [m.start() for m in re.finditer(r"\.", lines[0][20:])]
        if len(dots) >= 2 and 5 <= dots[1] - dots[0] <= 20:
            width = dots[1] - dots[0]
    for k, line in enumerate(lines):
        ln = first_ln + k
        if len(line) < 20 + 3 * width:
            msg = f"{field}: not a valid GRO file: line {ln} is too short for an atom record ({len(line)} characters): {line[:60]!r}"
            raise DecodeError(msg)
        resnum, resname, atomname = line[0:5].strip(), line[5:10].strip(), line[10:15].strip()
        if not resnum.lstrip("-").isdigit():
            msg = f"{field}: not a valid GRO file: line {ln} residue number (columns 1-5) is {line[0:5]!r}"
            raise DecodeError(msg)
        if not atomname:
            msg = f"{field}: not a valid GRO file: line {ln} has no atom name (columns 11-15): {line[:44]!r}"
            raise DecodeError(msg)
        if not resname:
            msg = f"{field}: not a valid GRO file: line {ln} has no residue name (columns 6-10): {line[:44]!r}"
            raise DecodeError(msg)
        try:
            xyz = [float(line[20 + i * width : 20 + (i + 1) * width]) for i in range(3)]
        except ValueError:
            msg = f"{field}: not a valid GRO file: line {ln} coordinates (columns 21-{20 + 3 * width}) are not numbers: {line[20 : 20 + 3 * width]!r}"
            raise DecodeError(msg) from None
        if keep:
            names.append(atomname)
            res_names.append(resname)
            keys.append((resnum, resname))
            coords.append(xyz)
    return {"names": names, "res_names": res_names, "keys": keys, "coords": coords}


# -- MMTF ------------------------------------------------------------------------------------------


def _read_mmtf(blob: bytes, field: str) -> Structure:
    from ._mol_mmtf import read_mmtf

    d = read_mmtf(blob, field=field, max_atoms=MAX_ATOMS)
    return Structure(
        "mmtf",
        atoms=d["atoms"],
        models=d["models"],
        residues=d["groups"],
        chains=d["chains"],
        bonds=d["bonds"],
        coords=d["coords"],
        elements=np.char.upper(d["elements"]) if len(d["elements"]) else d["elements"],
        atom_names=d["atom_names"],
        residue_index=d["residue_index"],
        chain_index=d["chain_index"],
        residue_names=d["residue_names"],
    )


_READERS = {
    "gro": _read_gro,
    "mmcif": _read_mmcif,
    "mmtf": _read_mmtf,
    "mol2": _read_mol2,
    "pdb": _read_pdb,
    "pqr": _read_pqr,
    "sdf": _read_sdf,
}
FORMATS = tuple(sorted(_READERS))
