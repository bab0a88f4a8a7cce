"""GROMACS ``.gro``: fixed-column atom lines, several frames as models. A small strict parser
(coordinates in nm are given in Angstrom, like the other formats)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError
from .structure import MAX_ATOMS, Structure, guess_element, molecule_spec, runs, text

NAME = "gro"


def read(blob: bytes, field: str) -> Structure:
    """GROMACS .gro: title, atom count, fixed-column atom lines (``%5d%-5s%5s%5d`` then x, y, z in
    nm with a width given by the decimal points), box line; several frames are models."""
    lines = text(blob).splitlines()
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
        if not (count_line.isascii() and count_line.isdigit()):
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
    res_idx = runs(keys) if keys else np.zeros(0, np.int64)
    return Structure(
        NAME,
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
        if not (resnum.isascii() and resnum.lstrip("-").isdigit()):
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




SPEC = molecule_spec(
    NAME,
    read,
    suffixes=(".gro",),
    media_type="chemical/x-gro",
    description="GROMACS coordinate file",
)
