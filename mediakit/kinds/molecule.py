"""Molecule: a structure file (pdb, pqr, mmcif/mcif/cif, sdf/sd, gro, mol2, mmtf), kept as given.

Backends: gemmi (PDB, mmCIF) and RDKit (SDF, MOL2, SMILES, 3-D embedding, 2-D depiction), both in
the ``chem`` extra (``pip install 'mediakit[chem]'``); PQR, GRO and MMTF are read by small parsers.
Each format is a module of :mod:`mediakit.formats` (``pdb``, ``cif``, ``sdf``, ``mol2``, ``pqr``,
``gro``, ``mmtf``) sharing :mod:`mediakit.formats.structure`; the RDKit bridge is :mod:`mediakit.chem`.

The file is parsed when the object is made, to prove it is the format it claims (``x.pdb``
holding garbage is an error), and stored byte-for-byte. Gzipped input (``.pdb.gz``, ``.mmtf.gz``
...) is stored decompressed: viewers then get the plain format their loaders expect, the store's
content address is the structure's own bytes (gzip headers carry timestamps and file names, so
the same structure gzipped twice would otherwise be stored twice), and the suffix stays the format.

File objects: one with a ``.name`` naming an existing file is read from that path in binary (so
``Molecule(open("6lu7.pdb"))`` keeps the file's exact bytes even in text mode); otherwise its
content is read and ``file_type`` is required, unless the ``.name`` has a known suffix.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

from .._errors import LimitError, MediaTypeError, ValidationError, shown
from ..formats import by_kind
from ..formats import structure as mf
from ..formats.structure import MAX_MOLECULE_BYTES
from ..store import Store
from ._base import Kind, check_caption, read_input_file

__all__ = ["Molecule"]

FileType = Literal["pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf"]

#: Seed of the 3-D embedding (ETKDG): the same molecule always gets the same coordinates.
EMBED_SEED = 0x5EED
_RDKIT_PATH_TYPES = ("mol", "mol2", "pdb", "sd", "sdf")


@functools.cache
def format_table() -> dict[str, str]:
    """Accepted ``file_type`` values and suffixes (without the dot) -> the canonical format: the
    names, aliases and suffixes of the molecule format specs."""
    table: dict[str, str] = {}
    for spec in by_kind("molecule"):
        for name in (spec.name, *spec.aliases, *(s.lstrip(".") for s in spec.suffixes)):
            table[name] = spec.name
    return dict(sorted(table.items()))


@functools.cache
def stored_suffix(fmt: str) -> str:
    """The suffix a store gives files of the canonical format ``fmt``."""
    return next(s.suffix for s in by_kind("molecule") if s.name == fmt)


class Molecule(Kind):
    """A molecular structure file.

    Parameters
    ----------
    data:
        A path (``str`` or ``pathlib.Path``), a text or binary file object, or bytes of a pdb,
        pqr, mmcif/mcif/cif, sdf/sd/mol, gro, mol2 or mmtf file (also gzipped); an RDKit ``Mol``
        (see :meth:`from_rdkit`); or another :class:`Molecule`.
    caption:
        Free text kept in the descriptor.
    file_type:
        The format, needed for bytes and for file objects without a named file; overrides a
        path's suffix.

    Raises
    ------
    MediaTypeError, ValidationError, DecodeError, LimitError, MediaFileNotFoundError,
    MissingDependencyError
    """

    TYPE: ClassVar[str] = "molecule"
    VERSION: ClassVar[int] = 1

    def __init__(self, data: Any, *, caption: str | None = None, file_type: FileType | str | None = None) -> None:
        self.caption = check_caption(caption)
        self.smiles: str | None = None
        self._file = b""
        self.format = ""
        self.structure: mf.Structure | None = None
        ft = _check_file_type(file_type)
        _adapter_for(data)(self, data, file_type=ft)

    # -- named constructors ----------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Molecule:
        """From a molecule file (the suffix gives the format; ``.gz`` is looked through)."""
        return cls(Path(path), **kwargs)

    @classmethod
    def from_bytes(cls, data: bytes, *, file_type: str, **kwargs: Any) -> Molecule:
        """From the bytes of a molecule file of ``file_type``."""
        return cls(bytes(data), file_type=file_type, **kwargs)

    @classmethod
    def from_rdkit(
        cls,
        mol_or_path: Any,
        *,
        caption: str | None = None,
        convert_to_3d_and_optimize: bool = True,
        mmff_optimize_molecule_max_iterations: int = 200,
        file_type: Literal["sdf", "pdb"] = "sdf",
    ) -> Molecule:
        """From an RDKit ``Mol`` or a file RDKit reads (sdf/sd/mol: the first record; mol2; pdb).

        Parameters
        ----------
        convert_to_3d_and_optimize:
            Add hydrogens, embed in 3-D (ETKDGv3, seeded: the same molecule always gives the
            same coordinates) and optimise with MMFF94 (UFF when MMFF lacks parameters).
            Otherwise the molecule's own conformer is kept (2-D coordinates are computed when it
            has none).
        mmff_optimize_molecule_max_iterations:
            Force-field iterations (``0`` skips the optimisation).
        file_type:
            ``"sdf"`` (default; keeps bond orders and properties) or ``"pdb"``.
        """
        from ..chem import mol_to_file, read_rdkit_input

        mol = read_rdkit_input(mol_or_path)
        blob, mol = mol_to_file(
            mol,
            embed=_check_bool(convert_to_3d_and_optimize, "convert_to_3d_and_optimize"),
            max_iters=_check_iters(mmff_optimize_molecule_max_iterations),
            file_type=_check_out_type(file_type),
            seed=EMBED_SEED,
        )
        if file_type == "pdb":
            return cls(blob, file_type="pdb", caption=caption)  # counts as gemmi reads them
        # The SDF was just written by RDKit from ``mol``: take the counts from ``mol`` instead
        # of parsing the file back (the same atoms and bonds, without a second pass).
        obj = cls.__new__(cls)
        obj.caption = check_caption(caption)
        obj.smiles = None
        obj._file, obj.format = blob, "sdf"
        obj.structure = mf.structure_of_mols([mol], "sdf")
        return obj

    @classmethod
    def from_smiles(
        cls,
        smiles: str,
        *,
        caption: str | None = None,
        sanitize: bool = True,
        convert_to_3d_and_optimize: bool = True,
        mmff_optimize_molecule_max_iterations: int = 200,
        file_type: Literal["sdf", "pdb"] = "sdf",
    ) -> Molecule:
        """From a SMILES string (invalid SMILES is a :class:`~mediakit.ValidationError` that
        quotes RDKit's reason; nothing is printed). See :meth:`from_rdkit` for the rest."""
        from ..chem import parse_smiles

        mol = parse_smiles(smiles, sanitize=_check_bool(sanitize, "sanitize"))
        obj = cls.from_rdkit(
            mol,
            caption=caption,
            convert_to_3d_and_optimize=convert_to_3d_and_optimize,
            mmff_optimize_molecule_max_iterations=mmff_optimize_molecule_max_iterations,
            file_type=file_type,
        )
        obj.smiles = smiles
        return obj

    # -- views -----------------------------------------------------------------------------------
    @property
    def data(self) -> bytes:
        """The file's bytes (decompressed if the input was gzipped)."""
        return self._file

    @property
    def atoms(self) -> int:
        return self.structure.atoms if self.structure else 0

    def to_rdkit(self) -> Any:
        """The first molecule as an RDKit ``Mol`` (sdf, mol2, pdb; for others via a PDB block)."""
        from ..chem import to_rdkit

        return to_rdkit(self._file, self.format)

    def __repr__(self) -> str:
        s = self.structure
        counts = f"{s.atoms} atoms" if s else ""
        return f"Molecule({self.format}, {counts}, caption={self.caption!r})"

    # -- encode / decode ---------------------------------------------------------------------------
    def _set_file(self, blob: bytes, fmt: str, field: str) -> None:
        blob = mf.gunzip(blob, field, MAX_MOLECULE_BYTES)
        self.structure = mf.parse(blob, fmt, field=field)
        self._file = blob
        self.format = fmt

    def _encode(self, store: Store) -> dict[str, Any]:
        s = self.structure
        assert s is not None
        ref = store.put(self._file, suffix=stored_suffix(self.format))
        desc: dict[str, Any] = {
            **self._header(),
            **ref.to_dict(),
            "format": self.format,
            "atoms": s.atoms,
            "residues": s.residues,
            "chains": s.chains,
            "models": s.models,
            "bonds": s.bonds,
            "caption": self.caption,
        }
        if self.smiles is not None:
            desc["smiles"] = self.smiles
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Molecule:
        obj = cls(store.read(desc["path"]), file_type=desc["format"], caption=desc.get("caption"))
        obj.smiles = desc.get("smiles")
        return obj

    def _content(self) -> tuple[Any, ...]:
        return (self.format, self._file, self.caption, self.smiles)


# -- checks ----------------------------------------------------------------------------------------


def _check_file_type(ft: Any) -> str | None:
    if ft is None:
        return None
    if not isinstance(ft, str):
        msg = f"file_type: expected a str such as 'pdb', got {type(ft).__name__}"
        raise MediaTypeError(msg)
    fmt = format_table().get(ft.lower().lstrip("."))
    if fmt is None:
        msg = f"file_type: expected one of {', '.join(format_table())}, got {shown(ft)}"
        raise ValidationError(msg)
    return fmt


def _check_bool(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        msg = f"{name}: expected True or False, got {shown(v)}"
        raise MediaTypeError(msg)
    return v


#: RDKit takes the iteration count as a C int.
_MAX_ITERS = 2**31 - 1


def _check_iters(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= _MAX_ITERS:
        msg = f"mmff_optimize_molecule_max_iterations: expected an int from 0 to {_MAX_ITERS}, got {shown(v)}"
        raise ValidationError(msg)
    return v


def _check_out_type(v: Any) -> str:
    if v not in ("sdf", "pdb"):
        msg = f"file_type: expected 'sdf' or 'pdb', got {shown(v)}"
        raise ValidationError(msg)
    return str(v)


def format_of_name(name: str) -> str | None:
    """The canonical format of a file name by suffix (``.gz`` looked through)."""
    low = name.lower()
    if low.endswith(".gz"):
        low = low[:-3]
    return format_table().get(os.path.splitext(low)[1].lstrip("."))


# -- the input adapter table -----------------------------------------------------------------------

Adapter = Callable[..., None]


def _read_path(path: str, field: str) -> bytes:
    return read_input_file(path, what="molecule", field=field, max_bytes=MAX_MOLECULE_BYTES)


def _from_path(self: Molecule, data: Any, *, file_type: str | None, **_: Any) -> None:
    path = os.fspath(data)
    if isinstance(data, str) and ("\n" in data or len(data) > 4096):
        msg = "data: a str is a path; to pass file contents use io.StringIO(text) with file_type="
        raise ValidationError(msg)
    fmt = file_type or format_of_name(path)
    if fmt is None:
        msg = f"data: cannot tell the molecule format of {path!r} from its suffix; pass file_type= (one of {', '.join(format_table())})"
        raise ValidationError(msg)
    self._set_file(_read_path(path, "data"), fmt, f"data ({path!r})")


def _from_bytes(self: Molecule, data: Any, *, file_type: str | None, **_: Any) -> None:
    if file_type is None:
        msg = f"file_type: required for bytes (one of {', '.join(format_table())})"
        raise ValidationError(msg)
    if len(data) > MAX_MOLECULE_BYTES:
        msg = f"data: {len(data)} bytes exceed the limit of {MAX_MOLECULE_BYTES}"
        raise LimitError(msg)
    self._set_file(bytes(data), file_type, "data (bytes)")


def _from_fileobj(self: Molecule, data: Any, *, file_type: str | None, **_: Any) -> None:
    raw_name = getattr(data, "name", None)
    name = raw_name if isinstance(raw_name, str) else None
    if name is not None and os.path.isfile(name) and (file_type or format_of_name(name)):
        _from_path(self, name, file_type=file_type)  # exact bytes from the file itself
        return
    fmt = file_type or (format_of_name(name) if name is not None else None)
    if fmt is None:
        msg = f"file_type: required for a file object without a named file (one of {', '.join(format_table())})"
        raise ValidationError(msg)
    blob = data.read(MAX_MOLECULE_BYTES + 1)
    if isinstance(blob, str):
        blob = blob.encode("utf-8")
    if not isinstance(blob, (bytes, bytearray)):
        msg = f"data: the file object's read() returned {type(blob).__name__}, expected bytes or str"
        raise MediaTypeError(msg)
    if len(blob) > MAX_MOLECULE_BYTES:
        msg = f"data: the file object holds more than {MAX_MOLECULE_BYTES} bytes"
        raise LimitError(msg)
    self._set_file(bytes(blob), fmt, "data (file object)")


def _from_molecule(self: Molecule, data: Molecule, **_: Any) -> None:
    self._file, self.format, self.structure, self.smiles = data._file, data.format, data.structure, data.smiles
    if self.caption is None:
        self.caption = data.caption


def _from_rdkit_mol(self: Molecule, data: Any, **_: Any) -> None:
    other = Molecule.from_rdkit(data)
    _from_molecule(self, other)


def _is_rdkit_mol(x: Any) -> bool:
    return type(x).__module__.startswith("rdkit") and type(x).__name__ in ("Mol", "RWMol", "EditableMol")


_ADAPTERS: tuple[tuple[Callable[[Any], bool], Adapter], ...] = (
    (lambda x: isinstance(x, Molecule), _from_molecule),
    (_is_rdkit_mol, _from_rdkit_mol),
    (lambda x: isinstance(x, (str, os.PathLike)), _from_path),
    (lambda x: isinstance(x, (bytes, bytearray, memoryview)), _from_bytes),
    (lambda x: callable(getattr(x, "read", None)), _from_fileobj),
)


def _adapter_for(data: Any) -> Adapter:
    for accepts, adapter in _ADAPTERS:
        if accepts(data):
            return adapter
    msg = f"data: expected a path, file object or bytes of a molecule file, an RDKit Mol or a Molecule, got {type(data).__name__}"
    raise MediaTypeError(msg)
