"""SDF / MDL molfile (``.sdf``, ``.sd``, ``.mol``): read with RDKit (extra ``chem``) without
sanitising (a valid file may hold a molecule RDKit would not sanitise), RDKit's logging silenced
and its messages captured. Every record must be a valid MOL block; the first is the one counted."""

from __future__ import annotations

import io
from typing import Any

from .._errors import DecodeError, LimitError
from .._lazy import require
from .structure import (
    FEATURE,
    MAX_ATOMS,
    Structure,
    molecule_spec,
    parser_text,
    rdkit_messages,
    rdkit_quiet,
    structure_of_mols,
)

NAME = "sdf"


def read_mols(blob: bytes, field: str, *, limit: int | None = None) -> list[Any]:
    """The records of an SDF as RDKit molecules (unsanitised); a bad record is an error."""
    Chem = require("rdkit.Chem", extra="chem", feature=FEATURE)
    mols = []
    with rdkit_quiet() as cap:
        supplier = Chem.ForwardSDMolSupplier(io.BytesIO(parser_text(blob).encode('ascii')), sanitize=False, removeHs=False, strictParsing=True)
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


def read(blob: bytes, field: str) -> Structure:
    mols = read_mols(blob, field)
    if mols[0].GetNumAtoms() > MAX_ATOMS:
        msg = f"{field}: more than {MAX_ATOMS} atoms"
        raise LimitError(msg)
    return structure_of_mols(mols, NAME, None)




SPEC = molecule_spec(
    NAME,
    read,
    suffixes=(".sdf", ".sd", ".mol"),
    media_type="chemical/x-mdl-sdfile",
    extra="chem",
    aliases=("sd", "mol"),
    description="MDL structure-data file (one or more MOL blocks)",
)
