"""Mutation fuzzing of every corpus file through the public calls a server makes: build the kind
from the bytes (as ``mediakit encode`` would), encode it, validate the descriptor, render its
thumbnail. Whatever the bytes, only a ``MediakitError`` may come out, and nothing is left behind in
the store after a failed encode. Budget: ``MEDIAKIT_FUZZ_N`` mutations per file (default 6)."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

import mediakit as mk
from mediakit._registry import get_kind
from mediakit.formats import kind_of

from .mutate import mutate

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in (ROOT / "fixtures" / "corpus").rglob("*") if p.is_file() and p.name != "SOURCES.md" and not p.name.endswith(".gltf"))
N = int(os.environ.get("MEDIAKIT_FUZZ_N", "6"))


def _cases() -> list:
    return [pytest.param(f, seed, id=f"{f.relative_to(ROOT / 'fixtures' / 'corpus')}#{seed}") for f in FILES for seed in range(N)]


@pytest.mark.parametrize(("path", "seed"), _cases())
def test_mutated_file_raises_only_mediakit_errors(path: Path, seed: int, tmp_path: Path) -> None:
    blob = mutate(path.read_bytes(), seed)
    target = tmp_path / path.name
    target.write_bytes(blob)
    store_dir = tmp_path / "store"
    store = mk.LocalStore(store_dir)
    try:
        kind = kind_of(target)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = get_kind(kind).from_path(target)
            desc = obj.encode(store)
            mk.validate(desc)
            mk.thumbnail(desc, store, size=64)
    except mk.MediakitError:
        media = store_dir / "media"
        left = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
        # A failed encode leaves nothing; a failed thumbnail may follow a good encode.
        assert not left or "desc" in locals(), f"files left behind: {left}"
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
