"""``mk.encode``: metrics, nesting, lists of media, foreign objects, errors naming the path,
parallel encoding, and nothing left in the store after a failure."""

from __future__ import annotations

import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor
from PIL import Image as PILImage

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._errors import LimitError, MediaTypeError, ValidationError
from mediakit.batch import encode_many
from mediakit.kinds import list as list_kind

RNG = np.random.default_rng(11)


def img(seed: int, shape: tuple[int, ...] = (12, 16, 3), **kw: Any) -> mk.Image:
    return mk.Image(np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8), **kw)


def test_metrics_pass_through(mem: mk.Store) -> None:
    row = {"loss": 0.1, "epoch": 5, "name": "run", "ok": True, "none": None, "big": 2**70, "neg": -3.5}
    assert mk.encode(row, mem) == row
    assert mem.list() == []


def test_nested_dicts_and_lists(mem: mk.Store) -> None:
    value = {"a": {"b": [1, 2, {"c": (3, 4.5)}], "d": {}}, "e": [], "f": ()}
    assert mk.encode(value, mem) == {"a": {"b": [1, 2, {"c": [3, 4.5]}], "d": {}}, "e": [], "f": []}


def test_numpy_scalars_become_python(mem: mk.Store) -> None:
    out = mk.encode(
        {"f32": np.float32(0.5), "i64": np.int64(3), "u8": np.uint8(255), "b": np.bool_(True), "f16": np.float16(1.5)}, mem
    )
    assert out == {"f32": 0.5, "i64": 3, "u8": 255, "b": True, "f16": 1.5}
    assert [type(out[k]) for k in ("f32", "i64", "u8", "b", "f16")] == [float, int, int, bool, float]
    dumps(out)  # JSON-ready


def test_media_in_a_row(store: mk.Store) -> None:
    row = mk.encode({"loss": 0.1, "examples": [img(1, caption="a"), img(2)], "hist": mk.Histogram([1, 2, 3])}, store)
    assert row["loss"] == 0.1
    check_descriptor(row["examples"])
    check_descriptor(row["hist"])
    assert row["hist"]["_type"] == "histogram"


def test_list_of_same_kind_is_one_list_descriptor(store: mk.Store) -> None:
    items = [img(1, (10, 20, 3), caption="first"), img(2, (30, 8, 3)), img(3, (5, 5), caption="third")]
    desc = check_descriptor(mk.encode({"x": items}, store)["x"])
    assert desc["_type"] == "list" and desc["kind"] == "image"
    assert desc["count"] == 3
    assert desc["captions"] == ["first", None, "third"]
    assert (desc["width"], desc["height"]) == (20, 30)
    assert [d["sha256"] for d in desc["items"]] == [i.encode(store)["sha256"] for i in items]
    back = mk.decode(desc, store)
    assert isinstance(back, mk.MediaList) and len(back) == 3
    assert list(back) == items and back[1] == items[1]
    assert back == mk.MediaList(items)
    assert repr(back) == "MediaList(image, 3 items)"


def test_list_without_captions_has_no_captions_field(mem: mk.Store) -> None:
    desc = mk.encode([img(1), img(2)], mem)
    assert "captions" not in desc
    assert mk.encode((img(1),), mem)["count"] == 1  # tuples and single items too


def test_list_of_histograms(mem: mk.Store) -> None:
    desc = check_descriptor(mk.encode([mk.Histogram([1, 2]), mk.Histogram([3])], mem))
    assert desc["kind"] == "histogram" and desc["count"] == 2
    assert "width" not in desc


def test_mixed_lists_encode_item_by_item(mem: mk.Store) -> None:
    out = mk.encode({"m": [img(1), mk.Histogram([1.0]), 3, "x", None, [img(2)]]}, mem)["m"]
    assert isinstance(out, list) and len(out) == 6
    assert out[0]["_type"] == "image" and out[1]["_type"] == "histogram"
    assert out[2:5] == [3, "x", None]
    assert out[5]["_type"] == "list" and out[5]["count"] == 1


def test_pil_image_is_an_image(mem: mk.Store) -> None:
    pixels = RNG.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    desc = check_descriptor(mk.encode({"p": PILImage.fromarray(pixels)}, mem)["p"])
    assert desc["_type"] == "image" and (desc["width"], desc["height"]) == (11, 9)
    np.testing.assert_array_equal(mk.decode(desc, mem).pixels, pixels)
    # A list of PIL images is encoded item by item (they are not media objects yet).
    out = mk.encode([PILImage.fromarray(pixels), PILImage.fromarray(pixels)], mem)
    assert [d["_type"] for d in out] == ["image", "image"]


@pytest.mark.parametrize(
    ("value", "cls", "match"),
    [
        (
            {"x": object()},
            MediaTypeError,
            r"value\['x'\]: cannot encode a builtins\.object; expected a number, string, media object",
        ),
        ({"a": {"x": [1, object()]}}, MediaTypeError, r"value\['a'\]\['x'\]\[1\]: cannot encode a builtins\.object"),
        ([1, {"k": {1, 2}}], MediaTypeError, r"value\[1\]\['k'\]: cannot encode a builtins\.set"),
        ({"b": b"bytes"}, MediaTypeError, r"value\['b'\]: cannot encode a builtins\.bytes"),
        ({"c": 1j}, MediaTypeError, r"value\['c'\]: cannot encode a builtins\.complex"),
        ({1: "x"}, MediaTypeError, r"value: keys must be strings, got int 1"),
        ({"a": {("t",): 1}}, MediaTypeError, r"value\['a'\]: keys must be strings, got tuple \('t',\)"),
        ({"a": [{"b": {None: 1}}]}, MediaTypeError, r"value\['a'\]\[0\]\['b'\]: keys must be strings, got NoneType None"),
    ],
)
def test_errors_name_the_path(value: Any, cls: type[BaseException], match: str, mem: mk.Store) -> None:
    with pytest.raises(cls, match=match) as info:
        mk.encode(value, mem)
    assert type(info.value) is cls


@pytest.mark.parametrize(
    ("value", "cls", "match"),
    [
        ({"x": PILImage.new("RGB", (0, 5))}, ValidationError, r"value\['x'\]: data: image has no pixels \(width 0, height 5\)"),
        ({"a": [PILImage.new("L", (70_000, 1))]}, LimitError, r"value\['a'\]\[0\]: data: image of 70000x1 exceeds the limits"),
    ],
)
def test_converter_errors_name_the_path(value: Any, cls: type[BaseException], match: str, mem: mk.Store) -> None:
    with pytest.raises(cls, match=match) as info:
        mk.encode(value, mem)
    assert type(info.value) is cls
    assert mem.list() == []


def test_store_may_be_a_directory_path(tmp_path: Path) -> None:
    row = mk.encode({"i": img(1)}, str(tmp_path / "out"))
    assert (tmp_path / "out" / row["i"]["path"]).is_file()
    row2 = mk.encode({"i": img(1)}, tmp_path / "out")
    assert row2 == row


def test_deterministic_and_content_addressed(tmp_path: Path) -> None:
    a, b = mk.LocalStore(tmp_path / "a"), mk.LocalStore(tmp_path / "b")
    value = {"x": [img(1), img(1)], "y": img(1, caption="same pixels"), "h": mk.Histogram(RNG.normal(size=50))}
    first = mk.encode(value, a)
    assert dumps(mk.encode(value, a)) == dumps(first) == dumps(mk.encode(value, b))
    assert a.list() == b.list() and len(a.list()) == 1  # identical pixels are stored once
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in a.list())


# -- parallel encoding -------------------------------------------------------------------------


def test_parallel_list_equals_sequential(tmp_path: Path) -> None:
    items = [img(i, (20 + i, 30, 3), caption=f"#{i}") for i in range(32)]
    seq_store = mk.LocalStore(tmp_path / "seq")
    sequential = [item.encode(seq_store) for item in items]
    par_store = mk.LocalStore(tmp_path / "par")
    desc = mk.encode({"imgs": items}, par_store)["imgs"]
    assert desc["items"] == sequential
    assert seq_store.list() == par_store.list()
    with ThreadPoolExecutor(max_workers=4) as ex:
        assert encode_many(items, mk.MemoryStore(), executor=ex) == sequential


# -- nothing left behind after a failure ---------------------------------------------------------


def test_failed_dict_leaves_nothing(store: mk.Store) -> None:
    with pytest.raises(MediaTypeError, match=r"value\['b'\]"):
        mk.encode({"a": img(1), "h": mk.Histogram([1, 2]), "b": object()}, store)
    assert store.list() == []


def test_failed_list_leaves_nothing(store: mk.Store) -> None:
    with pytest.raises(MediaTypeError, match=r"value\['imgs'\]\[8\]"):
        mk.encode({"imgs": [img(i) for i in range(8)] + [object()]}, store)
    assert store.list() == []
    with pytest.raises(MediaTypeError, match=r"value\[1\]"):
        mk.encode([[img(i) for i in range(6)], object()], store)  # a finished list descriptor is undone too
    assert store.list() == []


class FailingImage(mk.Image):
    """An image whose encode fails after its file was written (a failure mid-way)."""

    fail = False

    def _encode(self, store: mk.Store) -> dict[str, Any]:
        desc = super()._encode(store)
        if self.fail:
            msg = "boom: failed after writing"
            raise ValidationError(msg)
        return desc


def test_failure_inside_a_parallel_list_leaves_nothing(store: mk.Store) -> None:
    items = [FailingImage(np.full((8, 8, 3), i, np.uint8)) for i in range(32)]
    items[20].fail = True
    with pytest.raises(ValidationError, match="boom"):
        mk.encode({"imgs": items}, store)
    assert store.list() == []


def test_failure_keeps_content_that_was_already_stored(store: mk.Store) -> None:
    kept = img(5).encode(store)
    with pytest.raises(MediaTypeError):
        mk.encode({"again": img(5), "new": img(6), "bad": object()}, store)
    assert store.list() == [kept["path"]]


def test_media_list_checks(monkeypatch: pytest.MonkeyPatch, mem: mk.Store) -> None:
    with pytest.raises(ValidationError, match=r"items: expected a non-empty list of media objects, got \[\]"):
        mk.MediaList([])
    with pytest.raises(MediaTypeError, match=r"items: expected media objects of one kind, got \['Histogram', 'Image'\]"):
        mk.MediaList([img(1), mk.Histogram([1])])
    with pytest.raises(MediaTypeError, match=r"items: expected media objects of one kind, got \['int'\]"):
        mk.MediaList([1, 2])
    monkeypatch.setattr(list_kind, "MAX_ITEMS_DEFAULT", 5)
    with pytest.raises(LimitError, match=r"value\['x'\]: at most 5 image items can be logged in one list, got 6"):
        mk.encode({"x": [img(i) for i in range(6)]}, mem)
    assert mem.list() == []


def test_nonfinite_numbers_are_descriptors(mem: mk.Store) -> None:
    out = mk.encode({"nan": math.nan, "inf": [math.inf], "ninf": {"v": -math.inf}}, mem)
    assert out["nan"]["value"] == "NaN" and out["inf"][0]["value"] == "Infinity" and out["ninf"]["v"]["value"] == "-Infinity"
    dumps(out)  # strict JSON: no NaN literals


def test_mk_encode_survives_importing_the_submodule() -> None:
    code = "import mediakit as mk, mediakit._run\nassert callable(mk.encode), mk.encode"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_failed_parallel_encode_with_a_given_executor_leaves_nothing() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from mediakit.batch import encode_many

    class Slow(mk.Image):
        def _encode(self, store):  # type: ignore[no-untyped-def]
            import time

            time.sleep(0.2)
            return super()._encode(store)

    class Bad(mk.Image):
        def _encode(self, store):  # type: ignore[no-untyped-def]
            raise mk.ValidationError("bad item")

    store = mk.MemoryStore()
    items = [Bad(np.zeros((4, 4), np.uint8))] + [Slow(np.full((4, 4), i, np.uint8)) for i in range(1, 4)]
    with ThreadPoolExecutor(2) as ex, pytest.raises(mk.ValidationError, match="bad item"):
        with store.transaction():
            encode_many(items, store, executor=ex)
    assert store.list() == []
