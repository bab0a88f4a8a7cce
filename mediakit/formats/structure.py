"""The molecular structure model shared by the molecule formats (``pdb``, ``cif``, ``sdf``,
``mol2``, ``pqr``, ``gro``, ``mmtf``) and the code that reads their atoms back (the molecule
renderer, the RDKit bridge in :mod:`mediakit.chem`).

:func:`parse` proves bytes are a format and returns a :class:`Structure` with counts (atoms,
residues, chains and bonds of the first model, and the number of models) and first-model arrays
for thumbnails. Each format module supplies its reader; the checks every format shares (no NUL
bytes in text formats, at least one atom, finite coordinates) are made here. Also here: gzip
handling, the gemmi and RDKit builders used by several formats, and element guessing.

Backends: numpy; gemmi and RDKit (extra ``chem``) inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError
from .._limits import MAX_DECOMPRESSED_BYTES
from ._spec import FormatSpec, Source

#: Largest atom count accepted in one model.
MAX_ATOMS = 20_000_000
#: Largest molecule file (after decompression) accepted (``Limits.max_decompressed_bytes``).
MAX_MOLECULE_BYTES = MAX_DECOMPRESSED_BYTES
#: Descriptor format names, each the name of a format spec of kind ``molecule``.
FORMATS = ("gro", "mmcif", "mmtf", "mol2", "pdb", "pqr", "sdf")

FEATURE = "Reading molecule files"


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

    def counts(self) -> dict[str, Any]:
        """The counts a probe reports: atoms, residues, chains, models, bonds (None: unknown)."""
        return {"atoms": self.atoms, "residues": self.residues, "chains": self.chains, "models": self.models, "bonds": self.bonds}


def parse(blob: bytes, fmt: str, *, field: str = "data", max_bytes: int = MAX_MOLECULE_BYTES) -> Structure:
    """Parse ``blob`` as ``fmt`` (pdb, pqr, mmcif, sdf, mol2, gro, mmtf): the ``decode`` of that
    format's spec. ``max_bytes``: the most gzipped data may expand to."""
    from . import get

    s: Structure = get(fmt, kind="molecule").decode(blob, field=field, max_bytes=max_bytes)  # type: ignore[misc]
    return s


def source_bytes(source: Any, field: str = "data", max_bytes: int = MAX_MOLECULE_BYTES) -> bytes:
    """The (decompressed, at most ``max_bytes``) bytes of a path, bytes or file object holding a
    molecule file."""
    src = source if isinstance(source, Source) else Source(source, field=field, max_bytes=MAX_MOLECULE_BYTES, what="molecule")
    return gunzip(src.read(), field, max_bytes)


def decode_with(reader: Callable[[bytes, str], Structure], fmt: str, source: Any, field: str, max_bytes: int = MAX_MOLECULE_BYTES) -> Structure:
    """Run a format's ``reader(blob, field)`` on a path, bytes or file object (gzip looked
    through, expanding to at most ``max_bytes``) and make the checks every format shares."""
    blob = source_bytes(source, field, max_bytes)
    if fmt != "mmtf" and b"\x00" in blob[:65536]:
        msg = f"{field}: not a {fmt.upper()} file: it holds binary data (NUL bytes), expected text"
        raise DecodeError(msg)
    s = reader(blob, field)
    if s.atoms == 0:
        msg = f"{field}: the {fmt.upper()} file holds no atoms"
        raise DecodeError(msg)
    if not np.isfinite(s.coords).all():
        msg = f"{field}: the {fmt.upper()} file has non-finite coordinates"
        raise DecodeError(msg)
    return s


def probe_with(reader: Callable[[bytes, str], Structure], fmt: str, source: Any, field: str = "data") -> dict[str, Any]:
    """The counts of a molecule file (atoms, residues, chains, models, bonds; None: the format
    does not say), for a spec's ``probe``."""
    return {"format": fmt, **decode_with(reader, fmt, source, field).counts()}


def molecule_spec(name: str, reader: Callable[[bytes, str], Structure], *, probe: Callable[..., Any] | None = None, **fields: Any) -> FormatSpec:
    """The spec of a molecule format whose ``reader(blob, field)`` builds a :class:`Structure`:
    ``decode`` and (unless the format probes more cheaply itself) ``probe`` go through the checks
    every molecule format shares (:func:`decode_with`); every molecule format converts to PDB and
    SDF through :func:`convert`. ``fields``: suffixes, media_type, extra, aliases, description."""

    def decode(source: Any, *, field: str = "data", max_bytes: int = MAX_MOLECULE_BYTES) -> Structure:
        return decode_with(reader, name, source, field, max_bytes)

    def probe_counts(source: Any, *, field: str = "data") -> dict[str, Any]:
        return probe_with(reader, name, source, field)

    return FormatSpec(
        name=name, kinds=("molecule",), decode=decode, probe=probe or probe_counts,
        converts_to=("pdb", "sdf"), convert=convert, **fields,
    )  # fmt: skip


#: Output pieces of the streaming gunzip, and how much output is kept before switching to a
#: counting pass (bombs are then refused holding at most this much, whatever the limit).
_GZ_CHUNK = 8 << 20
_GZ_KEEP = 128 << 20


def gunzip(blob: bytes, field: str, max_bytes: int = MAX_MOLECULE_BYTES) -> bytes:
    """``blob`` decompressed when it is gzip data (at most ``max_bytes``), else as given.

    Decompressed in bounded pieces: up to :data:`_GZ_KEEP` bytes of output are kept while
    reading; past that the pieces are only counted, so a file expanding beyond ``max_bytes`` is
    refused (:class:`LimitError`) without holding more than that; a large file within the limit
    is then decompressed a second time, knowing its size."""
    if blob[:2] != b"\x1f\x8b":
        return blob
    pieces: list[bytes] | None = []
    total = 0
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = blob
    try:
        while True:
            out = d.decompress(data, _GZ_CHUNK)
            data = d.unconsumed_tail
            total += len(out)
            if total > max_bytes:
                msg = f"{field}: gzipped file expands beyond {max_bytes} bytes, the limit (max_decompressed_bytes); refused"
                raise LimitError(msg)
            if pieces is not None:
                pieces.append(out)
                if total > _GZ_KEEP:
                    pieces = None  # keep counting only
            if d.eof or (not out and not data):
                break
    except zlib.error as e:
        msg = f"{field}: gzip data is corrupt ({e})"
        raise DecodeError(msg) from None
    if not d.eof:
        msg = f"{field}: gzip data is truncated"
        raise DecodeError(msg)
    if pieces is None:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return d.decompress(blob, total + 1)
    return b"".join(pieces)


def text(blob: bytes) -> str:
    """Text of a molecule file: latin-1 maps every byte to one character, so it never fails and
    keeps columns aligned."""
    return blob.decode("latin-1")


#: Bytes 0x80-0xFF -> "?": see :func:`parser_text`.
_ASCII = bytes(range(128)) + b"?" * 128


def parser_text(data: bytes | str) -> str:
    """Text handed to gemmi and RDKit: every character outside ASCII becomes ``?``.

    PDB, mmCIF, SDF and MOL2 are ASCII formats, and those parsers cut names out of fixed columns
    by byte: a byte that is not ASCII (or a UTF-8 character cut in two) would come back from them
    as a ``str`` Python cannot decode (``UnicodeDecodeError`` from ``atom.name``,
    ``MolToPDBBlock``, ...). One ``?`` per byte keeps every column in place; the stored file
    keeps its own bytes, only the names read from it show ``?``."""
    if isinstance(data, str):
        return data.encode("ascii", "replace").decode("ascii") if not data.isascii() else data
    return data.translate(_ASCII).decode("ascii")


def first_line(e: Exception) -> str:
    try:
        txt = str(e).strip()
    except UnicodeDecodeError:  # a parser's message quoting bytes that are not UTF-8
        return type(e).__name__
    return txt.splitlines()[0] if txt else type(e).__name__


def runs(keys: list[Any]) -> np.ndarray:
    """A running index that increases whenever the key changes from one atom to the next."""
    idx = np.zeros(len(keys), np.int64)
    for i in range(1, len(keys)):
        idx[i] = idx[i - 1] + (keys[i] != keys[i - 1])
    return idx


_TWO_LETTER = {
    "CL", "BR", "NA", "MG", "ZN", "FE", "CA", "MN", "CU", "CO",
    "NI", "LI", "SE", "CD", "HG", "AL", "SI", "AU", "AG", "PT",
}  # fmt: skip


def guess_element(name: str, residue: str = "") -> str:
    """The element of an atom named ``name`` (PQR/GRO have no element column): the leading
    letters, with two-letter elements only for ions (residue named like the atom: ``NA``/``NA``)."""
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    if not letters:
        return "X"
    if letters[:2] in _TWO_LETTER and residue.strip().upper().rstrip("+-0123456789") == letters[:2]:
        return letters[:2]
    return letters[0]


# -- gemmi (PDB, mmCIF) ----------------------------------------------------------------------------


def from_gemmi(st: Any, fmt: str, field: str) -> Structure:
    """A :class:`Structure` of a ``gemmi.Structure`` (first model's atoms)."""
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


# -- RDKit (SDF, MOL2) -----------------------------------------------------------------------------


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
    try:
        txt = getattr(cap, "messages", "") if cap is not None else ""
    except UnicodeDecodeError:  # RDKit echoes the file's own bytes, which need not be UTF-8
        return "RDKit reported an error quoting bytes that are not UTF-8"
    lines = [re.sub(r"^\[\d\d:\d\d:\d\d\]\s*", "", ln).strip() for ln in str(txt).splitlines()]
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


# -- conversion (``mediakit convert``) -------------------------------------------------------------

_OUT = {"pdb": "pdb", "ent": "pdb", "sdf": "sdf", "sd": "sdf", "mol": "sdf"}


def convert(src: Any, dst: Any, *, progress: Callable[[int, int | None], None] | None = None) -> None:
    """Convert a molecule file: sdf/mol2/pdb/mmCIF/pqr/gro/mmtf -> pdb or sdf (the ``convert`` of
    every molecule format spec).

    The input is read and checked as its format (gzip looked through). Bond orders survive
    sdf/mol2 -> sdf; PDB output carries CONECT records. mmCIF, PQR, GRO and MMTF go through their
    first model's atoms (gemmi writes the PDB of mmCIF input). Same format in and out copies the
    bytes. The output is written atomically.
    """
    import os
    from pathlib import Path

    from .._errors import ValidationError
    from .._files import write_atomic
    from . import spec_for_path

    src_p, dst_p = Path(src), Path(dst)
    out = _OUT.get(dst_p.suffix.lower().lstrip("."))
    if out is None:
        msg = f"dst: cannot write {dst_p.suffix or '(no suffix)'!r}; molecule outputs are .pdb and .sdf"
        raise ValidationError(msg)
    if progress:
        progress(0, 1)
    path = os.fspath(src_p)
    spec = spec_for_path(path)
    if spec is None or "molecule" not in spec.kinds:
        names = sorted({n for s in _molecule_specs() for n in (s.name, *s.aliases, *(x.lstrip(".") for x in s.suffixes))})
        msg = f"data: cannot tell the molecule format of {path!r} from its suffix; pass file_type= (one of {', '.join(names)})"
        raise ValidationError(msg)
    blob = source_bytes(Source(path, field="data", max_bytes=MAX_MOLECULE_BYTES, what="molecule"), f"data ({path!r})")
    parse(blob, spec.name, field=f"data ({path!r})")
    if spec.name != out:
        from ..chem import convert_blob

        blob = convert_blob(blob, spec.name, out, field=f"src ({str(src_p)!r})")
    write_atomic(dst_p, blob, field="dst")
    if progress:
        progress(1, 1)


def _molecule_specs() -> tuple[Any, ...]:
    from . import by_kind

    return by_kind("molecule")
