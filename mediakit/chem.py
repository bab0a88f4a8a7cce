"""The RDKit bridge: SMILES parsing with RDKit's messages captured (never printed), seeded 3-D
embedding, SDF/PDB writing, conversion between molecule formats and 2-D depictions. Used by
:class:`~mediakit.Molecule` and the molecule renderer; the file readers themselves are the
molecule format modules of :mod:`mediakit.formats` (``pdb``, ``cif``, ``sdf``, ``mol2``, ...).

Backends: RDKit and gemmi (``pip install 'mediakit[chem]'``), imported inside the functions.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ._errors import DecodeError, MediaFileNotFoundError, MediaTypeError, ValidationError, shown
from ._lazy import require
from .formats import cif, mol2, sdf
from .formats import pdb as pdb_format
from .formats.structure import parse, parser_text, rdkit_messages, rdkit_quiet

_FEATURE = "Molecule.from_rdkit / from_smiles"


def _chem() -> Any:
    return require("rdkit.Chem", extra="chem", feature=_FEATURE)


def parse_smiles(smiles: Any, *, sanitize: bool) -> Any:
    """An RDKit molecule from SMILES; syntax and chemistry errors quote RDKit's reason."""
    Chem = _chem()
    if not isinstance(smiles, str):
        msg = f"smiles: expected a SMILES string, got {type(smiles).__name__}"
        raise MediaTypeError(msg)
    if not smiles.strip():
        msg = "smiles: expected a SMILES string, got an empty string"
        raise ValidationError(msg)
    with rdkit_quiet() as cap:
        mol = Chem.MolFromSmiles(smiles, sanitize=False)
    if mol is None:
        # Keep RDKit's reason and position; drop its echo of the input and the caret line.
        parts = [p.replace("SMILES Parse Error:", "").strip().rstrip(":") for p in rdkit_messages(cap).split("; ")]
        why = "; ".join(p for p in parts if p and p != smiles and not p.startswith(("~", "^", "Failed parsing")))
        msg = f"smiles: {shown(smiles)} is not valid SMILES" + (f" ({why})" if why else "")
        raise ValidationError(msg)
    if mol.GetNumAtoms() == 0:
        msg = f"smiles: {shown(smiles)} has no atoms"
        raise ValidationError(msg)
    if sanitize:
        with rdkit_quiet() as cap:
            problems = Chem.DetectChemistryProblems(mol)
            if problems:
                msg = f"smiles: {shown(smiles)} is not a valid molecule: {problems[0].Message()}"
                raise ValidationError(msg)
            try:
                Chem.SanitizeMol(mol)
            except Exception as e:
                why = rdkit_messages(cap) or str(e)
                msg = f"smiles: {shown(smiles)} is not a valid molecule: {why}"
                raise ValidationError(msg) from None
    return mol


def read_rdkit_input(mol_or_path: Any) -> Any:
    """An RDKit molecule from a ``Mol`` or a file RDKit reads (sdf/sd/mol, mol2, pdb)."""
    Chem = _chem()
    if isinstance(mol_or_path, Chem.Mol):
        return Chem.Mol(mol_or_path)  # a copy: the caller's molecule is never modified
    if not isinstance(mol_or_path, (str, os.PathLike)):
        msg = f"mol_or_path: expected an RDKit Mol or a path to an sdf, mol, mol2 or pdb file, got {type(mol_or_path).__name__}"
        raise MediaTypeError(msg)
    path = Path(mol_or_path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("sdf", "sd", "mol", "mol2", "pdb"):
        msg = f"mol_or_path: expected an .sdf, .sd, .mol, .mol2 or .pdb file, got {path.name!r}"
        raise ValidationError(msg)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        msg = f"mol_or_path: file {str(path)!r} does not exist"
        raise MediaFileNotFoundError(msg) from None
    field = f"mol_or_path ({str(path)!r})"
    mol = to_rdkit(blob, {"sd": "sdf", "mol": "sdf"}.get(suffix, suffix), field=field)
    with rdkit_quiet():
        try:
            Chem.SanitizeMol(mol)
        except Exception as e:
            msg = f"{field}: RDKit cannot sanitise the molecule ({e})"
            raise ValidationError(msg) from None
    return mol


def to_rdkit(blob: bytes, fmt: str, *, field: str = "data") -> Any:
    """The first molecule of a file as an (unsanitised) RDKit molecule."""
    Chem = _chem()
    if fmt == "sdf":
        return sdf.read_mols(blob, field, limit=1)[0]
    if fmt == "mol2":
        return mol2.read_mols(blob.decode("latin-1"), field)[0]
    pdb = parser_text(blob if fmt == "pdb" else to_pdb(blob, fmt, field=field))
    with rdkit_quiet() as cap:
        mol = Chem.MolFromPDBBlock(pdb, sanitize=False, removeHs=False)
    if mol is None:
        why = rdkit_messages(cap)
        msg = f"{field}: RDKit could not read the structure" + (f" ({why})" if why else "")
        raise DecodeError(msg)
    return mol


def mol_to_file(mol: Any, *, embed: bool, max_iters: int, file_type: str, seed: int) -> tuple[bytes, Any]:
    """Embed (seeded ETKDGv3 + MMFF94/UFF) if asked, then write SDF or PDB bytes.

    Returns the bytes and the final RDKit molecule (what the bytes hold)."""
    Chem = _chem()
    AllChem = require("rdkit.Chem.AllChem", extra="chem", feature=_FEATURE)
    if mol.GetNumAtoms() == 0:
        msg = "mol_or_path: the molecule has no atoms"
        raise ValidationError(msg)
    with rdkit_quiet() as cap:
        if embed:
            mol = Chem.AddHs(mol, addCoords=mol.GetNumConformers() > 0)
            params = AllChem.ETKDGv3()
            params.randomSeed = seed
            params.numThreads = 1
            mol.RemoveAllConformers()
            if AllChem.EmbedMolecule(mol, params) < 0:
                params.useRandomCoords = True  # the documented fallback for hard (e.g. caged) molecules
                if AllChem.EmbedMolecule(mol, params) < 0:
                    why = rdkit_messages(cap)
                    msg = "mol_or_path: RDKit could not embed the molecule in 3-D" + (f" ({why})" if why else "")
                    raise ValidationError(msg)
            if max_iters > 0:
                # Type the atoms once (MMFFHasAllMoleculeParams + MMFFOptimizeMolecule would type
                # them twice); UFF when MMFF94 lacks parameters (metals, exotic elements).
                props = AllChem.MMFFGetMoleculeProperties(mol)
                if props is not None:
                    AllChem.MMFFGetMoleculeForceField(mol, props).Minimize(maxIts=max_iters)
                elif AllChem.UFFHasAllMoleculeParams(mol):
                    AllChem.UFFOptimizeMolecule(mol, maxIters=max_iters)
        elif mol.GetNumConformers() == 0:
            from rdkit.Chem import rdDepictor

            rdDepictor.Compute2DCoords(mol)
        if file_type == "pdb":
            return Chem.MolToPDBBlock(mol).encode("utf-8"), mol
        buf = io.StringIO()
        writer = Chem.SDWriter(buf)
        writer.write(mol)
        writer.close()
        return buf.getvalue().encode("utf-8"), mol


def to_pdb(blob: bytes, fmt: str, *, field: str = "data") -> str:
    """PDB text of a file's first model (gemmi for mmCIF; our atoms for PQR, GRO and MMTF)."""
    if fmt == "pdb":
        return parser_text(blob)
    if fmt == "mmcif":
        return cif.to_pdb(blob, field=field)
    if fmt in ("sdf", "mol2"):
        Chem = _chem()
        mol = to_rdkit(blob, fmt, field=field)
        with rdkit_quiet():
            return str(Chem.MolToPDBBlock(mol))
    return pdb_format.write(parse(blob, fmt, field=field))


def convert_blob(blob: bytes, fmt: str, out: str, *, field: str) -> bytes:
    """Bytes of ``fmt`` as ``out`` (``pdb`` or ``sdf``)."""
    if out == "pdb":
        return to_pdb(blob, fmt, field=field).encode("utf-8")
    Chem = _chem()
    if fmt == "sdf":
        return blob
    if fmt == "mol2":
        mols = mol2.read_mols(blob.decode("latin-1"), field)
    else:
        mols = [to_rdkit(blob, fmt, field=field)]
    buf = io.StringIO()
    with rdkit_quiet():
        writer = Chem.SDWriter(buf)
        for m in mols:
            m.UpdatePropertyCache(strict=False)
            writer.write(m)
        writer.close()
    return buf.getvalue().encode("utf-8")


def depiction(blob: bytes, fmt: str, size: int) -> Any:
    """A 2-D depiction (PIL image) of the first molecule, hydrogens hidden, or ``None`` when RDKit
    cannot make sense of it."""
    Chem = _chem()
    from rdkit.Chem import rdDepictor
    from rdkit.Chem.Draw import rdMolDraw2D

    with rdkit_quiet():
        try:
            mol = Chem.Mol(to_rdkit(blob, fmt))
            try:
                Chem.SanitizeMol(mol)
                sane = True
            except Exception:
                sane = False
                mol.UpdatePropertyCache(strict=False)
                Chem.SanitizeMol(
                    mol, Chem.SanitizeFlags.SANITIZE_FINDRADICALS | Chem.SanitizeFlags.SANITIZE_SETAROMATICITY, catchErrors=True
                )
            if sane and mol.GetNumConformers() and mol.GetConformer().Is3D():
                # Stereo from the 3-D coordinates, not the bond directions of the 3-D file,
                # which the 2-D layout would turn into meaningless wedges.
                Chem.AssignStereochemistryFrom3D(mol)
            try:
                # Removing hydrogens with sanitisation keeps aromaticity and implicit-H counts
                # consistent, so rings are drawn kekulised and O-H groups as OH, not radicals.
                mol = Chem.RemoveHs(mol, sanitize=sane)
            except Exception:
                pass
            mol.RemoveAllConformers()
            rdDepictor.Compute2DCoords(mol)
            drawer = rdMolDraw2D.MolDraw2DCairo(size, size)
            opts: Any = drawer.drawOptions()
            opts.clearBackground = True
            opts.fixedFontSize = max(8, size // 18) if size < 200 else -1
            rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
            drawer.FinishDrawing()
            png = drawer.GetDrawingText()
        except Exception:
            return None
    from PIL import Image as PILImage

    return PILImage.open(io.BytesIO(png)).convert("RGB")


__all__ = ["convert_blob", "depiction", "mol_to_file", "parse_smiles", "read_rdkit_input", "to_pdb", "to_rdkit"]
