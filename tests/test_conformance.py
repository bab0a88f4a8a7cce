"""The contract every registered kind keeps, built-in or plugin, over the tables of
``conformance_cases.py``:

- GOOD inputs round-trip: encode -> validate (ours and jsonschema on the bundled schema) ->
  decode -> encode gives the same descriptor, byte for byte;
- BAD inputs raise the documented error class (a MediakitError) and leave the store untouched;
- thumbnails of GOOD inputs render within the requested size (also small ones);
- every registered kind has a table with GOOD and BAD cases.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from conformance_cases import TABLES, Case, check_descriptor
from PIL import Image as PILImage
from plugin_kind import Spectrum

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._registry import registry, unregister_kind

THUMB = 64
SMALL = 16


@pytest.fixture(scope="module", autouse=True)
def plugin_kind() -> Iterator[None]:
    """The plugin kind is registered while this module runs, like an installed plugin."""
    mk.register_kind(Spectrum)
    try:
        yield
    finally:
        unregister_kind("spectrum")


def _cases(good: bool) -> list:
    return [pytest.param(kind, case, id=f"{kind}-{case.id}") for kind, table in TABLES.items() for case in table if case.good == good]


def test_every_registered_kind_has_a_table():
    missing = sorted(set(registry) - set(TABLES))
    assert not missing, f"registered kinds without a conformance table in conformance_cases.py: {missing}"
    for kind, table in TABLES.items():
        assert kind in registry, f"table for unregistered kind {kind!r}"
        assert any(c.good for c in table) and any(not c.good for c in table), f"{kind}: needs GOOD and BAD cases"
        assert len({c.id for c in table}) == len(table), f"{kind}: duplicate case ids"


@pytest.mark.parametrize(("kind", "case"), _cases(good=True))
def test_good_inputs_round_trip_and_render(kind: str, case: Case):
    store = mk.MemoryStore()
    obj = case.make()
    desc = check_descriptor(obj.encode(store))
    assert desc["_type"] == kind == obj.TYPE
    assert isinstance(obj, mk.get_kind(kind))
    back = mk.decode(desc, store)
    again = back.encode(store) if isinstance(back, mk.Kind) else mk.encode(back, store)
    assert dumps(again) == dumps(desc)
    with PILImage.open(io.BytesIO(mk.thumbnail(desc, store, size=THUMB))) as im:
        im.load()
        assert max(im.size) <= THUMB and min(im.size) >= 1


def _small_cases() -> list:
    return [pytest.param(kind, case, id=f"{kind}-{case.id}") for kind, table in TABLES.items() for case in table if case.good]


@pytest.mark.parametrize(("kind", "case"), _small_cases())
def test_small_thumbnails_render(kind: str, case: Case):
    store = mk.MemoryStore()
    desc = case.make().encode(store)
    with PILImage.open(io.BytesIO(mk.thumbnail(desc, store, size=SMALL))) as im:
        assert max(im.size) <= SMALL


@pytest.mark.parametrize(("kind", "case"), _cases(good=False))
def test_bad_inputs_raise_and_write_nothing(kind: str, case: Case, tmp_path):
    assert case.error is not None
    assert issubclass(case.error, mk.MediakitError), "BAD cases document a mediakit error class"
    store = mk.LocalStore(tmp_path / "store")
    with pytest.raises(case.error, match=case.match or "") as info:
        case.make().encode(store)
    assert isinstance(info.value, mk.MediakitError)
    assert store.list() == []
