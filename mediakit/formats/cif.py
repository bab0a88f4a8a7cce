"""mmCIF (``.cif``, ``.mmcif``, ``.mcif``): macromolecular CIF read with gemmi (extra ``chem``).
Small-molecule CIF (no ``_atom_site`` records) is refused."""

from __future__ import annotations

from .._errors import DecodeError
from .._lazy import require
from .structure import FEATURE, Structure, from_gemmi, molecule_spec, parser_text
from .structure import first_line as _first_line

NAME = "mmcif"


def read(blob: bytes, field: str) -> Structure:
    """The structure of mmCIF bytes (gemmi)."""
    gemmi = require("gemmi", extra="chem", feature=FEATURE)
    try:
        doc = gemmi.cif.read_string(parser_text(blob))
        if len(doc) == 0:
            msg = f"{field}: not an mmCIF file: no data_ block"
            raise DecodeError(msg)
        st = gemmi.make_structure_from_block(doc[0])
    except (RuntimeError, ValueError) as e:
        msg = f"{field}: not a valid mmCIF file ({_first_line(e)})"
        raise DecodeError(msg) from None
    s = from_gemmi(st, NAME, field)
    if s.atoms == 0:
        msg = f"{field}: not a macromolecular CIF: no _atom_site records (small-molecule CIF is not supported)"
        raise DecodeError(msg)
    return s




def to_pdb(blob: bytes, *, field: str = "data") -> str:
    """PDB text of an mmCIF file, written by gemmi."""
    from .._errors import ValidationError

    gemmi = require("gemmi", extra="chem", feature="mmCIF to PDB conversion")
    try:
        st = gemmi.make_structure_from_block(gemmi.cif.read_string(parser_text(blob))[0])
        st.setup_entities()
        return str(st.make_pdb_string())
    except (RuntimeError, ValueError) as e:
        msg = f"{field}: gemmi could not write this structure as PDB ({_first_line(e)})"
        raise ValidationError(msg) from None


SPEC = molecule_spec(
    NAME,
    read,
    suffixes=(".cif", ".mmcif", ".mcif"),
    media_type="chemical/x-mmcif",
    extra="chem",
    aliases=("cif", "mcif"),
    description="Macromolecular Crystallographic Information File (PDBx/mmCIF)",
)
