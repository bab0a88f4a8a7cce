"""Golden fixtures: regenerating them changes no byte, and the golden descriptors validate and
decode (their files are rebuilt from the generated inputs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES, check_descriptor

import mediakit as mk


def test_generate_is_byte_for_byte_reproducible():
    res = subprocess.run([sys.executable, str(FIXTURES / "generate.py"), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("path", sorted((FIXTURES / "descriptors").glob("*.json")), ids=lambda p: p.stem)
def test_golden_descriptors_validate_and_decode(path):
    desc = json.loads(path.read_bytes())
    check_descriptor(desc)
    sys.path.insert(0, str(FIXTURES))
    try:
        import generate
    finally:
        sys.path.remove(str(FIXTURES))
    store = mk.MemoryStore()
    value = generate.golden_values(FIXTURES / "generated")[path.stem]
    assert value.encode(store) == desc
    assert mk.decode(desc, store) == value
    png = mk.thumbnail(desc, store, size=64)
    assert png == mk.thumbnail(desc, store, size=64)
