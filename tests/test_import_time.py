"""First use stays cheap: ``import mediakit as mk; mk.Image`` loads no stdlib module it does not
need (the benchmark "Import time" measures the same thing in milliseconds; this checks it without
a clock, so it cannot be flaky), and the value classes that replaced dataclasses on that path keep
a dataclass's behaviour."""

from __future__ import annotations

import copy
import inspect
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

import mediakit as mk
from mediakit.formats import FormatSpec
from mediakit.formats.raster import KeptFile
from mediakit.kinds._overlays import BoxSet, Mask
from mediakit.store import FileRef

#: Imported by nothing on the path of ``mk.Image`` any more; each cost 1-5 ms there (``json``
#: compiles its regular expressions at import). (``inspect`` is not listed: numpy imports it
#: itself.)
NOT_IMPORTED = ("copy", "dataclasses", "hashlib", "json", "pathlib", "pkgutil", "shutil", "tempfile", "uuid")

_FIRST_USE = f"""
import json, sys
# A development install's editable-import hook (a .pth file) imports pathlib at start-up: forget
# it, so that only what mediakit imports is seen.
for name in {NOT_IMPORTED!r}:
    sys.modules.pop(name, None)
import mediakit as mk
mk.Image
loaded = sorted(m for m in {NOT_IMPORTED!r} if m in sys.modules)

# What was deferred still works on first use: hashing, tokens, paths, temporary files.
import tempfile
import numpy as np
px = np.arange(6 * 7 * 3, dtype=np.uint8).reshape(6, 7, 3)
store = mk.LocalStore(tempfile.mkdtemp())
with store.transaction():
    desc = mk.Image(px).encode(store)
back = mk.decode(desc, store)
with mk.formats.Source(store.read(desc["path"])).as_path(".png") as p:
    again = mk.Image(p)
print(json.dumps({{"loaded": loaded, "desc": desc, "same": bool(np.array_equal(back.pixels, px)),
                   "again": bool(np.array_equal(again.pixels, px)), "files": sorted(store.list())}}))
"""


def test_first_use_of_image_loads_no_needless_module():
    out = subprocess.run([sys.executable, "-c", _FIRST_USE], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert got["loaded"] == []
    desc = got["desc"]
    assert (desc["_type"], desc["width"], desc["height"], desc["media_type"]) == ("image", 7, 6, "image/png")
    assert len(desc["sha256"]) == 64 and int(desc["sha256"], 16) >= 0
    assert desc["path"] == f"media/{desc['sha256'][:2]}/{desc['sha256']}.png"
    assert got["files"] == [desc["path"]]  # no temporary file or marker left behind
    assert got["same"] and got["again"]


def test_import_mediakit_alone_loads_neither_numpy_nor_the_store():
    code = "import sys, mediakit; print(sorted(m for m in ('numpy', 'PIL', 'json', 'mediakit.store') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the value classes keep a dataclass's behaviour -----------------------------------------------


def test_limits_signature_defaults_repr_and_equality():
    params = inspect.signature(mk.Limits).parameters
    assert list(params)[:3] == ["max_pixels", "max_side", "max_frames"]
    assert len(params) == 14
    assert params["max_pixels"].default == 178_956_970 and params["render_seconds"].default == 20.0
    lim = mk.Limits(max_points=10)
    assert lim.max_points == 10 and lim.max_pixels == 178_956_970
    assert repr(lim).startswith("Limits(max_pixels=178956970, max_side=65500, max_frames=100000, max_points=10, ")
    assert repr(lim).endswith("max_audio_samples=1073741824)")
    assert lim == mk.Limits(max_points=10) and lim != mk.Limits() and lim != "Limits"
    assert hash(lim) == hash(mk.Limits(max_points=10))
    assert {lim, mk.Limits(max_points=10), mk.Limits()} == {lim, mk.Limits()}
    assert mk.Limits(1, 2).max_side == 2  # positional, in field order


def test_limits_is_frozen_and_replace_makes_a_variant():
    lim = mk.Limits()
    with pytest.raises(AttributeError, match=r"cannot assign to field 'max_pixels': Limits is frozen \(make a new one with \.replace\(max_pixels=\.\.\.\)\)"):
        lim.max_pixels = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot delete field 'max_side'"):
        del lim.max_side  # type: ignore[misc]
    with pytest.raises(AttributeError):
        lim.extra_field = 1  # type: ignore[attr-defined]
    small = lim.replace(max_pixels=100)
    assert small.max_pixels == 100 and lim.max_pixels == 178_956_970
    assert small == mk.Limits(max_pixels=100)
    with pytest.raises(TypeError, match="max_pixel"):
        lim.replace(max_pixel=1)


def test_records_pickle_and_copy():
    for value in (
        mk.Limits(max_frames=3),
        FileRef("media/ab/abc.png", "ab" * 32, 12, "image/png"),
        KeptFile(10, 20, "RGB", 8, 1),
    ):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value and copy.copy(value) == value


def test_fileref_fields_and_frozen():
    ref = FileRef(path="media/ab/x.png", sha256="ab" * 32, size=3, media_type="image/png")
    assert ref.to_dict() == {"path": "media/ab/x.png", "sha256": "ab" * 32, "size": 3, "media_type": "image/png"}
    assert repr(ref) == f"FileRef(path='media/ab/x.png', sha256='{'ab' * 32}', size=3, media_type='image/png')"
    with pytest.raises(AttributeError, match="cannot assign to field 'size'"):
        ref.size = 4  # type: ignore[misc]
    match ref:
        case FileRef(path, _, size, _):
            assert (path, size) == ("media/ab/x.png", 3)


def test_format_spec_checks_defaults_and_for_kind():
    with pytest.raises(ValueError, match=r"suffixes: format 'x' needs lower-case suffixes starting with '.', got \('X',\)"):
        FormatSpec(name="x", kinds=("image",), suffixes=("X",), media_type="image/x")
    with pytest.raises(ValueError, match="kinds: format 'x' names no kind"):
        FormatSpec(name="x", kinds=(), suffixes=(".x",), media_type="image/x")
    a = FormatSpec(name="x", kinds=("image",), suffixes=(".x",), media_type="image/x")
    b = FormatSpec(name="x", kinds=("image",), suffixes=(".x",), media_type="image/x")
    assert a == b and a.notes == {} and a.by_kind == {} and a.notes is not b.notes
    gif = mk.formats.get("gif")
    as_image = gif.for_kind("image")
    assert as_image.name == "gif" and as_image != gif and gif.for_kind("nope") is gif
    with pytest.raises(AttributeError, match="cannot assign to field 'name'"):
        a.name = "y"  # type: ignore[misc]


def test_mask_and_boxset_are_mutable_and_unhashable():
    m = Mask(np.zeros((2, 2), np.uint8), {1: "cat"})
    assert m.unlabeled_ids == [] and m.unlabeled_ids is not Mask(m.data, {}).unlabeled_ids
    m.class_labels = {1: "dog"}
    assert m.content()[1] == {1: "dog"}
    boxes = BoxSet([{"x": 1}], {1: "cat"})
    assert boxes == BoxSet([{"x": 1}], {1: "cat"}, [], []) and boxes != BoxSet([], {1: "cat"})
    assert repr(boxes) == "BoxSet(boxes=[{'x': 1}], class_labels={1: 'cat'}, unlabeled_ids=[], outside=[])"
    with pytest.raises(TypeError, match="unhashable"):
        hash(boxes)
