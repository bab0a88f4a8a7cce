"""Properties of file readers, for every format in the registry (``mediakit.formats.specs()``):
arbitrary bytes, or a real file of the format (the corpus, or a small generated one) after
Hypothesis's edits, go through every public call a server makes on a file (fuzz/targets.py
``check_file``: ``mediakit info``, the kind's constructor from the path, encode, validate,
thumbnail, decode). Success or a ``MediakitError``; any other exception fails and is shrunk."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mediakit import formats

from .strategies import budget, fuzz_targets, mutated_bytes

TARGETS = fuzz_targets()
SPECS = sorted(formats.specs(), key=lambda s: s.name)
#: formats whose readers run ffmpeg or a transcode: fewer examples
SLOW = {"avi", "m4v", "mkv", "mov", "mp4", "ogv", "webm"}


def test_every_format_is_fuzzed_by_a_target() -> None:
    fuzzed = {fmt for family in TARGETS.FAMILIES.values() for fmt, _ in family}
    missing = sorted({s.name for s in SPECS} - fuzzed)
    assert not missing, f"formats no fuzz target (fuzz/targets.py FAMILIES) reads: {missing}"


def _inputs(name: str) -> st.SearchStrategy[bytes]:
    seeds = TARGETS.seeds(name)
    mutated = st.sampled_from(seeds).flatmap(mutated_bytes) if seeds else st.nothing()
    return st.binary(max_size=2048) | mutated | mutated


#: Inputs the suite found, kept as explicit examples: format -> blobs.
FOUND: dict[str, list[bytes]] = {
    # A PNG whose IHDR chunk claims 269 bytes: struct.error from mediakit's fast PNG reader.
    "png": [b"\x89PNG\r\n\x1a\n\x00\x00\x01\x0dIHDR" + bytes(269) + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00IEND\xaeB`\x82"],
}


def _property(name: str, suffix: str) -> object:
    @settings(max_examples=budget(5 if name in SLOW else 15), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(blob=_inputs(name))
    def test(blob: bytes) -> None:
        path = TARGETS.scratch(suffix)
        path.write_bytes(blob)
        TARGETS.check_file(path, name)

    for blob in FOUND.get(name, []):
        test = example(blob=blob)(test)
    test.__qualname__ = f"test_{name}_bytes"  # its own entry in Hypothesis's example database
    return test


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_any_bytes_raise_only_mediakit_errors(spec: formats.FormatSpec) -> None:
    _property(spec.name, spec.suffix)()  # type: ignore[operator]
