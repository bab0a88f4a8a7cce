"""Hypothesis strategies for the property suite: a valid value of every registered kind, arbitrary
JSON, hostile mutations of descriptors, mutated bytes; and ``budget``, the per-test example count
scaled from the loaded settings profile (tests/conftest.py: dev, ci, long)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mediakit as mk

ROOT = Path(__file__).resolve().parents[2]


def budget(n: int) -> int:
    """``n`` examples under the default profile ("dev": 20 max_examples), scaled by the loaded one
    ("long" runs 25x as many)."""
    return max(1, round(n * settings.default.max_examples / 20))


def fuzz_targets() -> Any:
    """``fuzz/targets.py`` (the atheris targets' plain functions), loaded by path: the repo's
    ``fuzz/`` folder is no package (``tests/fuzz`` is)."""
    name = "mediakit_fuzz_targets"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "fuzz" / "targets.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# -- valid values of every kind -------------------------------------------------------------------

captions = st.none() | st.text(max_size=40)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def images(draw: st.DrawFn) -> mk.Image:
    h, w = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    shape = draw(st.sampled_from([(h, w), (h, w, 1), (h, w, 3), (h, w, 4)]))
    pixels = draw(hnp.arrays(np.uint8, shape))
    kwargs: dict[str, Any] = {"caption": draw(captions), "layout": "HWC" if len(shape) == 3 else "auto"}
    if draw(st.booleans()):
        boxes = []
        for _ in range(draw(st.integers(1, 4))):
            x0, x1 = sorted(draw(st.lists(st.floats(0, 1), min_size=2, max_size=2)))
            y0, y1 = sorted(draw(st.lists(st.floats(0, 1), min_size=2, max_size=2)))
            boxes.append({"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}, "class_id": draw(st.integers(0, 3))})
        kwargs["boxes"] = {"pred": {"box_data": boxes, "class_labels": {i: f"c{i}" for i in range(4)}}}
    if draw(st.booleans()):
        mask = draw(hnp.arrays(np.uint8, (h, w), elements=st.integers(0, 3)))
        kwargs["masks"] = {"seg": {"mask_data": mask, "class_labels": {i: f"c{i}" for i in range(4)}}}
    return mk.Image(pixels, **kwargs)


@st.composite
def audios(draw: st.DrawFn) -> mk.Audio:
    channels = draw(st.sampled_from([1, 2]))
    frames = draw(st.integers(1 if channels == 1 else 9, 2000))  # (2, 8) would be ambiguous: documented
    shape = (frames,) if channels == 1 else (frames, channels)
    samples = draw(hnp.arrays(np.float32, shape, elements=st.floats(-1, 1, width=32)))
    return mk.Audio(samples, sample_rate=draw(st.sampled_from([8000, 16000, 22050, 44100])), caption=draw(captions))


@st.composite
def videos(draw: st.DrawFn) -> mk.Video:
    """Frames as GIF, MP4 or WebM, at rates that divide 100. Known drift, not tested here: at other
    rates the descriptor of frames keeps the asked fps and n/fps as duration, while the file
    holds whole-centisecond GIF delays or a container duration in centiseconds, so a decoded value
    re-encodes with a slightly different ``fps`` (GIF) or ``duration`` (MP4, WebM)."""
    fmt = draw(st.sampled_from(["gif", "gif", "mp4", "webm"]))
    shape = (draw(st.integers(1, 4)), 3, draw(st.integers(2, 16)), draw(st.integers(2, 16)))
    fps = draw(st.sampled_from([1, 2, 4, 5, 10, 20, 25, 50]))
    return mk.Video(draw(hnp.arrays(np.uint8, shape)), fps=fps, format=fmt, caption=draw(captions))


@st.composite
def histograms(draw: st.DrawFn) -> mk.Histogram:
    values = draw(st.lists(finite | st.integers(-(10**6), 10**6), min_size=1, max_size=200))
    return mk.Histogram(values, num_bins=draw(st.integers(1, 64)))


def htmls() -> st.SearchStrategy[mk.Html]:
    return st.builds(mk.Html, st.text(max_size=200).map(lambda t: f"<p>{t}</p>") | st.text(max_size=200))


_cells = {
    "int": st.integers(-(2**53), 2**53),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "str": st.text(max_size=20),
    "bool": st.booleans(),
}


@st.composite
def table_parts(draw: st.DrawFn, min_cols: int = 1) -> tuple[list[str], list[str], list[list[Any]]]:
    names = draw(st.lists(st.text(min_size=1, max_size=8), min_size=min_cols, max_size=4, unique=True))
    types = [draw(st.sampled_from(sorted(_cells))) for _ in names]
    nrows = draw(st.integers(0, 8))
    rows = [[draw(_cells[t] | st.none()) for t in types] for _ in range(nrows)]
    return names, types, rows


def tables() -> st.SearchStrategy[mk.Table]:
    return table_parts().map(lambda p: mk.Table(columns=p[0], data=p[2]))


@st.composite
def charts(draw: st.DrawFn) -> mk.Chart:
    n = draw(st.integers(1, 12))
    xs = draw(st.lists(finite, min_size=n, max_size=n))
    ys = draw(st.lists(finite, min_size=n, max_size=n))
    table = mk.Table(columns=["x", "y", "g"], data=[[x, y, "ab"[i % 2]] for i, (x, y) in enumerate(zip(xs, ys))])
    which = draw(st.sampled_from(["line", "scatter", "bar"]))
    title = draw(st.text(max_size=20))
    if which == "bar":
        return mk.plot.bar(table, "g", "y", title=title)
    return getattr(mk.plot, which)(table, "x", "y", title=title)


@st.composite
def plotlys(draw: st.DrawFn) -> mk.Plotly:
    traces = []
    for _ in range(draw(st.integers(1, 3))):
        ys = draw(st.lists(finite | st.none(), min_size=1, max_size=20))
        traces.append({"type": draw(st.sampled_from(["bar", "scatter"])), "y": ys})
    return mk.Plotly({"data": traces, "layout": {"title": draw(st.text(max_size=20))}}, caption=draw(captions))


_ATOMS = st.sampled_from(["C", "N", "O", "S", "c1ccccc1"])


@st.composite
def molecules(draw: st.DrawFn) -> mk.Molecule:
    """A small molecule from a SMILES chain, or a PDB of free atoms at drawn coordinates."""
    if draw(st.booleans()):
        return mk.Molecule.from_smiles("".join(draw(st.lists(_ATOMS, min_size=1, max_size=6))), caption=draw(captions))
    coords = draw(st.lists(st.tuples(*[st.floats(-999, 9999, allow_nan=False)] * 3), min_size=1, max_size=30))
    lines = [
        f"HETATM{i + 1:5d}  {el:<3} LIG A   1    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00          {el:>2}"
        for i, ((x, y, z), el) in enumerate(zip(coords, draw(st.lists(st.sampled_from(["C", "N", "O"]), min_size=len(coords), max_size=len(coords)))))
    ]  # fmt: skip
    return mk.Molecule(("\n".join([*lines, "END"]) + "\n").encode(), file_type="pdb")


@st.composite
def object3ds(draw: st.DrawFn) -> mk.Object3D:
    n = draw(st.integers(1, 60))
    pts = draw(hnp.arrays(np.float64, (n, 3), elements=st.floats(-1e4, 1e4)))
    if draw(st.booleans()):
        pts = np.hstack([pts, draw(hnp.arrays(np.uint8, (n, 3))).astype(np.float64)])
    return mk.Object3D(pts, caption=draw(captions))


@st.composite
def tensors(draw: st.DrawFn) -> mk.TensorSummary:
    """Any numeric array whose finite values span less than the float64 range (a wider span
    cannot be binned: a documented ValidationError), NaN and infinities included."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=12))
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.uint64, np.bool_]))
    elements = st.floats(-1e300, 1e300) | st.sampled_from([np.nan, np.inf, -np.inf]) if dtype is np.float64 else None
    return mk.TensorSummary(draw(hnp.arrays(dtype, shape, elements=elements)), keep=draw(st.booleans()))


def numbers() -> st.SearchStrategy[Any]:
    return st.sampled_from([float("nan"), float("inf"), float("-inf")]).map(mk.get_kind("number"))


def media_lists() -> st.SearchStrategy[mk.MediaList]:
    return st.lists(images(), min_size=1, max_size=3).map(mk.MediaList) | st.lists(htmls(), min_size=1, max_size=3).map(mk.MediaList)


#: every built-in kind -> a strategy of valid values (tests/properties checks it covers the registry)
VALID: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "audio": audios,
    "chart": charts,
    "histogram": histograms,
    "html": htmls,
    "image": images,
    "list": media_lists,
    "molecule": molecules,
    "number": numbers,
    "object3d": object3ds,
    "plotly": plotlys,
    "table": tables,
    "tensor": tensors,
    "video": videos,
}

#: kinds whose thumbnail may be smaller than the asked size: pixel media keep their own size when
#: smaller; a list's grid of equal cells may round down (a 2-item grid at 17 px is 16 px wide)
PIXEL_KINDS = frozenset({"image", "list", "video"})


# -- arbitrary and hostile JSON -------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Any JSON value (NaN, infinities and integers beyond 64 bits included: Python's json reads
    them all)."""
    return st.recursive(
        json_scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
        max_leaves=max_leaves,
    )


#: values that are not JSON at all: a dict a caller built in Python may hold them
non_json = (
    st.binary(max_size=8) | st.complex_numbers() | st.sets(st.integers(), max_size=3) | st.tuples(st.integers())
    | st.builds(object) | st.from_type(type) | st.just(np.float64("nan")) | st.just(np.int64(7)) | st.just(np.zeros(3))
)  # fmt: skip

HUGE_NUMBERS: tuple[Any, ...] = (
    2**63, 2**64, -(2**63) - 1, 10**400, -(10**400), 1e308, -1e308, float("inf"), float("-inf"), float("nan"),
    -1, -1.5, 0, -0.0, 5e-324, 1e-320, 2**31, 2**53 + 1, 10**30,
)  # fmt: skip


def nested(depth: int, leaf: Any, key: str) -> Any:
    """``leaf`` under ``depth`` levels of alternating lists and ``{key: ...}`` objects."""
    v = leaf
    for i in range(depth):
        v = [v] if i % 2 else {key: v}
    return v


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document, 12 levels deep at most (lists: their first 4 items)."""
    out = [prefix]
    if len(prefix) >= 12:
        return out
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:4]):
            out += paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def mutated_descriptor(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` after 1-4 hostile edits: a number made huge/negative/NaN/1e308, a key dropped,
    a sibling's value copied over a key, a value nested 1,000 deep (also under ``items``), a
    value of the wrong type or not JSON at all, a long string or list, a path that escapes."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(paths(doc)))
        if not where:
            continue
        parent, key = _get(doc, where[:-1]), where[-1]
        here = parent[key]
        op = draw(st.sampled_from(["number", "drop", "duplicate", "deep", "wrong-type", "non-json", "long", "path"]))
        if op == "number" or (op == "wrong-type" and isinstance(here, (int, float))):
            parent[key] = draw(st.sampled_from(HUGE_NUMBERS) | st.integers() | st.floats())
        elif op == "drop" and isinstance(parent, dict):
            del parent[key]
        elif op == "duplicate" and isinstance(parent, dict):
            parent[key] = copy.deepcopy(parent[draw(st.sampled_from(sorted(parent, key=str)))])
        elif op == "duplicate" and isinstance(parent, list):
            parent.extend(copy.deepcopy(parent) * draw(st.integers(1, 3)))
        elif op == "deep":  # the last edit: nothing below walks or copies the nested value
            parent[key] = nested(draw(st.sampled_from([50, 1000, 3000])), here, draw(st.sampled_from(["items", "data", "x"])))
            break
        elif op == "wrong-type":
            parent[key] = draw(json_values(8))
        elif op == "non-json":
            parent[key] = draw(non_json)
        elif op == "long":
            parent[key] = draw(st.sampled_from(["x" * 100_000, list(range(20_000)), [here] * 5_000]))
        elif op == "path":
            parent[key] = draw(st.sampled_from(["../../etc/passwd", "/etc/passwd", "media/../../x", "media\\aa\\b.png", "C:/x", "media/aa/\x00.png", ""]))
    return doc


# -- bytes ----------------------------------------------------------------------------------------


@st.composite
def mutated_bytes(draw: st.DrawFn, blob: bytes) -> bytes:
    """``blob`` after 1-4 edits biased to its header: bit flips, truncation, inserted or deleted
    runs, a duplicated slice, a zeroed run, a 16/32/64-bit field set to an extreme value."""
    data = bytearray(blob)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=64))
            continue
        n = len(data)
        at = draw(st.integers(0, min(n - 1, 512)) | st.integers(0, n - 1))
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate", "zero", "field"]))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "duplicate":
            end = min(n, at + draw(st.integers(1, 4096)))
            data[end:end] = data[at:end] * draw(st.integers(1, 4))
        elif op == "zero":
            k = min(draw(st.integers(1, 256)), n - at)
            data[at : at + k] = bytes(k)
        else:
            width = draw(st.sampled_from([2, 4, 8]))
            value = draw(st.sampled_from([0, 1, 2 ** (8 * width - 1) - 1, 2 ** (8 * width) - 1, 2 ** (8 * width - 1)]))
            data[at : at + width] = value.to_bytes(width, draw(st.sampled_from(["little", "big"])))
    return bytes(data)
