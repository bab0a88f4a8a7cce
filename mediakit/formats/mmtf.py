"""MMTF (Macromolecular Transmission Format) reading: a small MessagePack decoder and the MMTF
binary array codecs, enough to prove a file is MMTF and to get atoms, groups, chains, models
and coordinates.

Backend: numpy + stdlib (no msgpack or mmtf-python needed; gemmi 0.7 dropped MMTF). Every
length read from the file is checked against the bytes that remain and against the atom limit,
so a hostile file cannot make us allocate more than it could possibly hold.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError, shown
from .structure import MAX_ATOMS, Structure, molecule_spec

NAME = "mmtf"

_MAX_DEPTH = 32


class _Reader:
    """Decode one MessagePack value from ``buf`` (maps, arrays, strings, binary, numbers)."""

    def __init__(self, buf: bytes, field: str) -> None:
        self.buf = buf
        self.pos = 0
        self.field = field

    def fail(self, what: str) -> DecodeError:
        return DecodeError(f"{self.field}: not a valid MMTF file ({what} at byte {self.pos})")

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            what = f"a value needs {n} bytes past the end of the file"
            raise self.fail(what)
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size))[0]

    def count(self, n: int) -> int:
        # every element needs at least one byte: refuse counts the remaining bytes cannot hold
        if n > len(self.buf) - self.pos:
            what = f"a container claims {n} elements"
            raise self.fail(what)
        return n

    def value(self, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            what = "nesting too deep"
            raise self.fail(what)
        b = self.take(1)[0]
        if b <= 0x7F:
            return b
        if b >= 0xE0:
            return b - 0x100
        if 0x80 <= b <= 0x8F:
            return self.map(b & 0x0F, depth)
        if 0x90 <= b <= 0x9F:
            return self.array(b & 0x0F, depth)
        if 0xA0 <= b <= 0xBF:
            return self.str(b & 0x1F)
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if b in simple:
            return simple[b]
        ints = {
            0xCC: ">B",
            0xCD: ">H",
            0xCE: ">I",
            0xCF: ">Q",
            0xD0: ">b",
            0xD1: ">h",
            0xD2: ">i",
            0xD3: ">q",
            0xCA: ">f",
            0xCB: ">d",
        }
        if b in ints:
            return self.unpack(ints[b])
        if b in (0xC4, 0xC5, 0xC6):
            return self.take(self.unpack({0xC4: ">B", 0xC5: ">H", 0xC6: ">I"}[b]))
        if b in (0xD9, 0xDA, 0xDB):
            return self.str(self.unpack({0xD9: ">B", 0xDA: ">H", 0xDB: ">I"}[b]))
        if b in (0xDC, 0xDD):
            return self.array(self.unpack(">H" if b == 0xDC else ">I"), depth)
        if b in (0xDE, 0xDF):
            return self.map(self.unpack(">H" if b == 0xDE else ">I"), depth)
        self.pos -= 1
        what = f"unsupported MessagePack type 0x{b:02x}"
        raise self.fail(what)

    def str(self, n: int) -> str:
        return self.take(n).decode("utf-8", "replace")

    def array(self, n: int, depth: int) -> list[Any]:
        return [self.value(depth + 1) for _ in range(self.count(n))]

    def map(self, n: int, depth: int) -> dict[Any, Any]:
        out = {}
        for _ in range(self.count(n)):
            k = self.value(depth + 1)
            if isinstance(k, (dict, list)):
                what = "a map key is not a scalar"
                raise self.fail(what)
            out[k] = self.value(depth + 1)
        return out


def unpack_msgpack(buf: bytes, *, field: str = "data") -> Any:
    r = _Reader(buf, field)
    return r.value()


# -- MMTF binary arrays ---------------------------------------------------------------------------


def _run_length(a: np.ndarray, limit: int, field: str) -> np.ndarray:
    if len(a) % 2:
        msg = f"{field}: run-length data has an odd number of values"
        raise DecodeError(msg)
    values, counts = a[0::2], a[1::2].astype(np.int64)
    if (counts < 0).any() or int(counts.sum()) > limit:
        msg = f"{field}: run-length data expands to more than {limit} values"
        raise LimitError(msg)
    return np.repeat(values, counts)


def _recursive_index(a: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Sum runs of saturated values (``lo``/``hi``) into the next unsaturated one."""
    a64 = a.astype(np.int64)
    ends = np.flatnonzero((a != lo) & (a != hi))
    if len(ends) == 0:
        return np.zeros(0, np.int64)
    cs = np.cumsum(a64)
    out = cs[ends].copy()
    out[1:] -= cs[ends[:-1]]
    return out


def decode_array(blob: Any, *, field: str, limit: int) -> np.ndarray:
    """Decode one MMTF binary array (codecs 1-15) into a numpy array."""
    if not isinstance(blob, (bytes, bytearray)) or len(blob) < 12:
        msg = f"{field}: expected an MMTF binary array (12-byte header + data)"
        raise DecodeError(msg)
    codec, length, param = struct.unpack(">iii", blob[:12])
    data = bytes(blob[12:])
    if length < 0 or length > limit:
        msg = f"{field}: array length {length} exceeds the limit of {limit}"
        raise LimitError(msg)

    def ints(dt: str) -> np.ndarray:
        size = np.dtype(dt).itemsize
        if len(data) % size:
            msg = f"{field}: {len(data)} bytes is not a whole number of {size}-byte values"
            raise DecodeError(msg)
        return np.frombuffer(data, dtype=dt)

    if codec == 1:
        out: np.ndarray = ints(">f4").astype(np.float32)
    elif codec == 2:
        out = ints(">i1").astype(np.int32)
    elif codec == 3:
        out = ints(">i2").astype(np.int32)
    elif codec == 4:
        out = ints(">i4").astype(np.int32)
    elif codec == 5:
        if param <= 0 or len(data) != length * param:
            msg = f"{field}: string array of {length} x {param} bytes has {len(data)} bytes"
            raise DecodeError(msg)
        out = np.array([data[i * param : (i + 1) * param].rstrip(b"\x00").decode("ascii", "replace") for i in range(length)])
    elif codec == 6:
        out = np.array([chr(c) if c else "" for c in _run_length(ints(">i4"), limit, field)])
    elif codec == 7:
        out = _run_length(ints(">i4"), limit, field).astype(np.int32)
    elif codec == 8:
        out = np.cumsum(_run_length(ints(">i4"), limit, field).astype(np.int64)).astype(np.int32)
    elif codec == 9:
        out = (_run_length(ints(">i4"), limit, field) / _divisor(param, field)).astype(np.float32)
    elif codec == 10:
        out = (np.cumsum(_recursive_index(ints(">i2"), -32768, 32767)) / _divisor(param, field)).astype(np.float32)
    elif codec == 11:
        out = (ints(">i2") / _divisor(param, field)).astype(np.float32)
    elif codec == 12:
        out = (_recursive_index(ints(">i2"), -32768, 32767) / _divisor(param, field)).astype(np.float32)
    elif codec == 13:
        out = (_recursive_index(ints(">i1"), -128, 127) / _divisor(param, field)).astype(np.float32)
    elif codec == 14:
        out = _recursive_index(ints(">i2"), -32768, 32767).astype(np.int32)
    elif codec == 15:
        out = _recursive_index(ints(">i1"), -128, 127).astype(np.int32)
    else:
        msg = f"{field}: unknown MMTF codec {codec}"
        raise DecodeError(msg)
    if len(out) != length:
        msg = f"{field}: decoded {len(out)} values, the header says {length}"
        raise DecodeError(msg)
    return out


def _divisor(param: int, field: str) -> float:
    if param == 0:
        msg = f"{field}: integer-encoded floats need a non-zero divisor"
        raise DecodeError(msg)
    return float(param)


def _int(d: dict[str, Any], key: str, field: str, limit: int) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        msg = f"{field}: MMTF field {key!r} must be a non-negative integer, got {shown(v)}"
        raise DecodeError(msg)
    if v > limit:
        msg = f"{field}: MMTF {key} = {v} exceeds the limit of {limit}"
        raise LimitError(msg)
    return v


def read_mmtf(blob: bytes, *, field: str, max_atoms: int) -> dict[str, Any]:
    """Parse MMTF: counts, and per-atom arrays of the first model.

    Returns ``{"atoms", "groups", "chains", "models", "bonds", "coords", "elements",
    "atom_names", "residue_index", "chain_index", "residue_names", "title"}``.
    """
    doc = unpack_msgpack(blob, field=field)
    if not isinstance(doc, dict) or "mmtfVersion" not in doc:
        msg = f"{field}: not an MMTF file (no 'mmtfVersion' in a MessagePack map)"
        raise DecodeError(msg)
    n_atoms = _int(doc, "numAtoms", field, max_atoms)
    n_groups = _int(doc, "numGroups", field, max_atoms)
    n_chains = _int(doc, "numChains", field, max_atoms)
    n_models = _int(doc, "numModels", field, max_atoms)
    n_bonds = doc.get("numBonds")
    chains_per_model = doc.get("chainsPerModel")
    groups_per_chain = doc.get("groupsPerChain")
    group_list = doc.get("groupList")
    if not isinstance(chains_per_model, list) or not isinstance(groups_per_chain, list) or not isinstance(group_list, list):
        msg = f"{field}: MMTF lacks chainsPerModel, groupsPerChain or groupList"
        raise DecodeError(msg)
    if len(chains_per_model) != n_models or sum(chains_per_model) != n_chains or len(groups_per_chain) != n_chains:
        msg = f"{field}: MMTF model/chain counts disagree (numModels {n_models}, numChains {n_chains})"
        raise DecodeError(msg)
    if sum(groups_per_chain) != n_groups:
        msg = f"{field}: MMTF groupsPerChain sums to {sum(groups_per_chain)}, numGroups is {n_groups}"
        raise DecodeError(msg)
    group_types = decode_array(doc.get("groupTypeList"), field=f"{field}: groupTypeList", limit=max_atoms)
    if len(group_types) != n_groups or (len(group_types) and (group_types.min() < 0 or group_types.max() >= len(group_list))):
        msg = f"{field}: MMTF groupTypeList does not match numGroups and groupList"
        raise DecodeError(msg)
    sizes = []
    for i, g in enumerate(group_list):
        names = g.get("atomNameList") if isinstance(g, dict) else None
        elems = g.get("elementList") if isinstance(g, dict) else None
        if not isinstance(names, list) or not isinstance(elems, list) or len(names) != len(elems):
            msg = f"{field}: MMTF groupList[{i}] needs atomNameList and elementList of equal length"
            raise DecodeError(msg)
        sizes.append(len(names))
    atoms_per_group = np.asarray(sizes, np.int64)[group_types] if n_groups else np.zeros(0, np.int64)
    if int(atoms_per_group.sum()) != n_atoms:
        msg = f"{field}: MMTF groups hold {int(atoms_per_group.sum())} atoms, numAtoms is {n_atoms}"
        raise DecodeError(msg)
    coords = [
        decode_array(doc.get(k), field=f"{field}: {k}", limit=max_atoms) for k in ("xCoordList", "yCoordList", "zCoordList")
    ]
    if any(len(c) != n_atoms for c in coords):
        msg = f"{field}: MMTF coordinate lists do not have numAtoms ({n_atoms}) values"
        raise DecodeError(msg)
    # First model: its chains, groups and atoms.
    m_chains = int(chains_per_model[0]) if n_models else 0
    m_groups = int(sum(groups_per_chain[:m_chains]))
    m_atoms = int(atoms_per_group[:m_groups].sum())
    gt = group_types[:m_groups]
    names = np.concatenate([np.asarray(group_list[t]["atomNameList"], dtype=str) for t in gt]) if m_groups else np.zeros(0, str)
    elements = np.concatenate([np.asarray(group_list[t]["elementList"], dtype=str) for t in gt]) if m_groups else np.zeros(0, str)
    res_names = np.repeat(np.array([str(group_list[t].get("groupName", "")) for t in gt], dtype=str), atoms_per_group[:m_groups])
    residue_index = np.repeat(np.arange(m_groups), atoms_per_group[:m_groups])
    groups_of_chain = np.asarray(groups_per_chain[:m_chains], np.int64)
    chain_of_group = np.repeat(np.arange(m_chains), groups_of_chain)
    chain_index = chain_of_group[residue_index] if m_groups else np.zeros(0, np.int64)
    xyz = np.stack([c[:m_atoms] for c in coords], axis=1).astype(np.float64)
    return {
        "atoms": m_atoms,
        "groups": m_groups,
        "chains": m_chains,
        "models": n_models,
        "bonds": int(n_bonds) if isinstance(n_bonds, int) and not isinstance(n_bonds, bool) else None,
        "coords": xyz,
        "elements": elements,
        "atom_names": names,
        "residue_index": residue_index,
        "chain_index": chain_index,
        "residue_names": res_names,
        "title": doc.get("title") if isinstance(doc.get("title"), str) else None,
    }


def read(blob: bytes, field: str) -> Structure:
    d = read_mmtf(blob, field=field, max_atoms=MAX_ATOMS)
    return Structure(
        NAME,
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




SPEC = molecule_spec(
    NAME,
    read,
    suffixes=(".mmtf",),
    media_type="chemical/x-mmtf",
    description="Macromolecular Transmission Format (MessagePack)",
)
