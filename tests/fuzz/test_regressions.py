"""Every input the coverage-guided fuzzers (``make fuzz-cov``, fuzz/run.py) found crashing is kept
under ``tests/fuzz/regressions/<target>/<sha256>.bin`` and replayed here through its target's plain
function (fuzz/targets.py: no atheris needed): only a ``MediakitError`` may come out of mediakit.
The seeds the fuzzers start from are replayed too, and must reach the kind constructors."""

from __future__ import annotations

import hashlib
import traceback
from pathlib import Path

import pytest
from properties.strategies import fuzz_targets

import mediakit as mk

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
TARGETS = fuzz_targets().TARGETS


def test_regression_folders_name_targets_and_files_their_content() -> None:
    for folder in sorted(p for p in REGRESSIONS.iterdir() if p.is_dir()):
        assert folder.name in TARGETS, f"{folder}: no fuzz target of that name"
        for f in folder.iterdir():
            assert f.suffix == ".bin" and f.stem == hashlib.sha256(f.read_bytes()).hexdigest(), f"{f}: name it <sha256>.bin"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_found_crashes_raise_only_mediakit_errors(target: str) -> None:
    files = sorted((REGRESSIONS / target).glob("*.bin"))
    escaped = []
    for f in files:
        try:
            TARGETS[target](f.read_bytes())
        except mk.MediakitError:  # the targets catch these; never a failure
            pass
        except Exception as e:
            escaped.append(f"{f.name}: {''.join(traceback.format_exception_only(e)).strip()}")
    assert not escaped, f"{target}: non-MediakitError escaped for {escaped}"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seeds_are_accepted(target: str) -> None:
    """The fuzzers start from valid input: every format of a file target has a seed its kind's
    constructor accepts (so mutations explore the decoder, not only its first check)."""
    mod = fuzz_targets()
    seeds = mod.target_seeds(target)
    assert seeds
    for blob in seeds:
        TARGETS[target](blob)
    if target == "descriptors":
        store, descs = mod.sample_store()
        for desc in descs:
            mk.validate(desc)
        return
    families = mod.FAMILIES[target]
    for i, (fmt, suffix) in enumerate(families):
        own = [b[1:] for b in seeds if b[0] == i]
        path = mod.scratch(suffix)
        accepted = []
        for blob in own:
            path.write_bytes(blob)
            accepted += mod.check_file(path, fmt)
        assert accepted, f"{target}: no seed of {fmt} ({suffix}) is accepted by its kind"
