"""The fuzz targets: what a server does with a file or a descriptor a stranger wrote, as plain
functions of one ``bytes`` argument. Whatever the bytes, only a ``mediakit.MediakitError`` may
come out of mediakit; a target lets every other exception escape (that is the bug it looks for).

- ``fuzz/run.py`` drives them with atheris (coverage-guided, ``make fuzz-cov``);
- ``tests/fuzz/test_regressions.py`` replays every crash found (``tests/fuzz/regressions/``);
- ``tests/properties/`` feeds them Hypothesis-generated and mutated bytes.

None of this needs atheris: a target is an ordinary function.

A file target's first byte picks the file format within its family (``data[0] % len(family)``),
the rest is the file: so one target covers every reader of a family, and a crash file replays
through the same reader. The calls, in order: ``mediakit info`` (the format's probe), the kind's
constructor from the path (``mk.Image(path)`` ...), ``encode`` into a store, ``validate``,
``thumbnail`` and ``decode``; a ``MediakitError`` ends the chain.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import io
import json
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import mediakit as mk
from mediakit import formats
from mediakit.cli import main as cli_main


def load_sibling(name: str) -> Any:
    """``fuzz/<name>.py`` as the module ``mediakit_fuzz_<name>``: fuzz/ is no package (the tests
    have their own ``fuzz`` package), so the driver and the tests load these files by path."""
    full = f"mediakit_fuzz_{name}"
    if full not in sys.modules:
        spec = importlib.util.spec_from_file_location(full, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
    return sys.modules[full]


_seeds = load_sibling("seeds")
gz, seeds = _seeds.gz, _seeds.seeds

#: target -> the (format, file suffix) pairs its first byte chooses from.
FAMILIES: dict[str, tuple[tuple[str, str], ...]] = {
    "images": (("png", ".png"), ("jpeg", ".jpg"), ("webp", ".webp"), ("bmp", ".bmp"), ("gif", ".gif"), ("tiff", ".tif"), ("pnm", ".ppm")),
    "audio": (("wav", ".wav"), ("flac", ".flac"), ("mp3", ".mp3"), ("ogg", ".ogg")),
    "video": (("mp4", ".mp4"), ("webm", ".webm"), ("ogv", ".ogv"), ("gif", ".gif"), ("avi", ".avi"), ("mkv", ".mkv"), ("mov", ".mov"), ("m4v", ".m4v")),
    "molecules": (("pdb", ".pdb"), ("mmcif", ".cif"), ("gro", ".gro"), ("mol2", ".mol2"), ("sdf", ".sdf"), ("pqr", ".pqr"), ("mmtf", ".mmtf"), ("pdb", ".pdb.gz")),
    "meshes": (("glb", ".glb"), ("gltf", ".gltf"), ("obj", ".obj"), ("off", ".off"), ("ply", ".ply"), ("stl", ".stl"), ("npy", ".npy"), ("pts.json", ".pts.json")),
    "tables": (("csv", ".csv"), ("tsv", ".tsv"), ("jsonl", ".jsonl"), ("json", ".json"), ("parquet", ".parquet")),
    "html": (("html", ".html"),),
}  # fmt: skip

THUMB = 32


# -- the calls a server makes -------------------------------------------------------------------


@functools.cache
def _scratch_dir() -> Path:
    d = Path(tempfile.mkdtemp(prefix="mediakit-fuzz-"))
    atexit.register(shutil.rmtree, d, True)
    return d


def scratch(suffix: str) -> Path:
    """The one scratch file of this process with ``suffix`` (overwritten by every input)."""
    return _scratch_dir() / f"input{suffix}"


def cli(*args: str) -> int:
    """``mediakit ARGS`` in this process, its output discarded. The CLI turns MediakitErrors into
    exit codes; anything else escapes."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli_main(list(args))


def render_chain(desc: Any, store: mk.Store) -> None:
    """``validate``, then ``thumbnail`` and ``decode`` of a (possibly hostile) descriptor; a
    MediakitError ends the chain."""
    try:
        mk.validate(desc)
        mk.thumbnail(desc, store, size=THUMB)
        mk.decode(desc, store)
    except mk.MediakitError:
        pass


def check_file(path: Path, fmt: str) -> list[str]:
    """Every public call a server makes on the file ``path`` of format ``fmt``. Returns the kinds
    whose constructor accepted the file (the tests check that valid seeds get that far)."""
    accepted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cli("info", "--json", str(path))
        for kind in formats.get(fmt).kinds:
            if kind == "descriptor":  # `mediakit info` above read it as one
                continue
            try:
                obj = mk.get_kind(kind).from_path(path)
                accepted.append(kind)
                store = mk.MemoryStore()
                desc = obj.encode(store)
            except mk.MediakitError:
                continue
            render_chain(desc, store)
    return accepted


def _file_target(family: str) -> Callable[[bytes], None]:
    choices = FAMILIES[family]

    def target(data: bytes) -> None:
        if not data:
            return
        fmt, suffix = choices[data[0] % len(choices)]
        path = scratch(suffix)
        path.write_bytes(data[1:])
        check_file(path, fmt)

    target.__name__ = target.__qualname__ = family
    target.__doc__ = f"The {family} readers: {', '.join(s for _, s in choices)} (first byte picks one)."
    return target


# -- descriptors --------------------------------------------------------------------------------


@functools.cache
def sample_store() -> tuple[mk.Store, tuple[dict[str, Any], ...]]:
    """A store holding one small value of every built-in kind, and their descriptors: the files
    hostile descriptors point at (a mutated descriptor that keeps its path reaches the renderer)."""
    rng = np.random.default_rng(7)
    gray = np.arange(48, dtype=np.uint8).reshape(6, 8)
    table = mk.Table(columns=["x", "y", "g"], data=[[i, i * i, "ab"[i % 2]] for i in range(6)])
    box = {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1, "scores": {"p": 0.5}}
    values = [
        mk.Image(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), caption="img",
                 masks={"m": {"mask_data": (gray > 20).astype(np.uint8), "class_labels": {1: "one"}}},
                 boxes={"b": {"box_data": [box], "class_labels": {1: "one"}}}),
        mk.Audio((0.5 * np.sin(np.arange(800) / 3)).astype(np.float32), sample_rate=8000),
        mk.Video(rng.integers(0, 256, (3, 3, 16, 16), dtype=np.uint8), fps=4),
        mk.Histogram(rng.normal(size=100), num_bins=8),
        mk.Html("<h1>Title</h1><p>text</p>"),
        table,
        mk.plot.line(table, "x", "y", title="squares"),
        mk.Plotly({"data": [{"type": "bar", "y": [1, 2]}], "layout": {"title": "T"}}),
        mk.Molecule(seeds("pdb")[-1], file_type="pdb"),
        mk.Object3D(rng.random((20, 3))),
        mk.TensorSummary(rng.normal(size=(10, 10))),
        mk.get_kind("number")(float("nan")),
        mk.MediaList([mk.Image(gray), mk.Image(gray[::-1])]),
    ]  # fmt: skip
    store = mk.MemoryStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        descs = tuple(v.encode(store) for v in values)
    return store, descs


def descriptors(data: bytes) -> None:
    """A descriptor file: ``mediakit info`` and ``mediakit validate`` on it, then (when it is
    JSON) ``validate``, ``thumbnail`` and ``decode`` against a store of real files."""
    path = scratch(".json")
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cli("info", "--json", str(path))
        cli("validate", "--json", str(path))
        try:  # any JSON parser's result: NaN, huge ints and deep nesting included
            doc = json.loads(data)
        except (ValueError, RecursionError):
            return
        store, _ = sample_store()
        render_chain(doc, store)


#: name -> target function, for the driver and the regression test.
TARGETS: dict[str, Callable[[bytes], None]] = {**{name: _file_target(name) for name in FAMILIES}, "descriptors": descriptors}


def target_seeds(name: str) -> list[bytes]:
    """The seed inputs of a target (the format selector byte prepended for file targets)."""
    if name == "descriptors":
        _, descs = sample_store()
        golden = sorted((_seeds.ROOT / "fixtures" / "descriptors").glob("*.json"))
        return [json.dumps(d, sort_keys=True).encode() for d in descs] + [p.read_bytes() for p in golden]
    out = []
    for i, (fmt, suffix) in enumerate(FAMILIES[name]):
        for blob in seeds(fmt):
            out.append(bytes([i]) + (gz(blob) if suffix.endswith(".gz") else blob))
    return out
