"""Point clouds hash their PLY while it is filled, and the store takes that digest only for the
very bytes object that was hashed: the file's name is always the sha256 of its bytes."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

import numpy as np
import pytest

import mediakit as mk
from mediakit._hashing import known_sha256, prehashed
from mediakit.formats.ply import write_points
from mediakit.kinds import _obj3d_fill as fill
from mediakit.kinds import _obj3d_scene as scene
from mediakit.kinds._obj3d_scene import check_points

BIG = 2 * fill._SLICE_ROWS + 1001  # filled (and hashed) in slices on the worker threads
SMALL = 5000


def _cloud(n: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(-50, 50, (n, k))
    if k == 4:
        a[:, 3] = rng.integers(1, 15, n)
    if k == 6:
        a[:, 3:] = rng.uniform(0, 255, (n, 3))
    return a


def _reference_ply(pts: scene.Points) -> bytes:
    """The same points written by the plain writer (no slices, no digest)."""
    rgb = fill._category_lut()[pts.category] if pts.category is not None else pts.rgb
    return write_points(np.array(pts.xyz), None if rgb is None else np.array(rgb), None if pts.category is None else np.array(pts.category))


@pytest.mark.parametrize("n", [SMALL, BIG], ids=["small", "big"])
@pytest.mark.parametrize("k", [3, 4, 6], ids=["xyz", "category", "rgb"])
def test_stored_name_is_the_sha256_of_the_stored_bytes(tmp_path: Path, n: int, k: int) -> None:
    obj = mk.Object3D(_cloud(n, k))
    pts = obj._points
    assert pts is not None
    assert (pts.digest is not None) == (n == BIG)  # big clouds were hashed during the fill
    desc = obj.encode(mk.LocalStore(tmp_path))
    blob = (tmp_path / desc["path"]).read_bytes()
    sha = hashlib.sha256(blob).hexdigest()
    assert desc["sha256"] == sha
    assert desc["path"] == f"media/{sha[:2]}/{sha}.ply"
    assert desc["size"] == len(blob)
    assert len(blob) - blob.index(b"end_header\n") - len(b"end_header\n") == n * {3: 12, 4: 16, 6: 15}[k]
    assert blob == _reference_ply(pts)  # the bytes are exactly those of the plain writer
    if pts.digest is not None:
        assert pts.digest == (pts.ply, sha)
    # a memory store gives the same name and bytes
    mem = mk.MemoryStore()
    assert obj.encode(mem)["path"] == desc["path"]
    assert mem.read(desc["path"]) == blob


def test_big_cloud_decodes_to_the_same_points(tmp_path: Path) -> None:
    a = _cloud(BIG, 6, seed=3)
    store = mk.LocalStore(tmp_path)
    desc = mk.Object3D(a).encode(store)
    back = mk.decode(desc, store)
    np.testing.assert_array_equal(back.points, mk.Object3D(a).points)


def test_file_bytes_are_one_immutable_object_and_arrays_read_only() -> None:
    pts = check_points(_cloud(BIG, 6))
    assert pts.to_ply() is pts.to_ply() is pts.ply
    assert isinstance(pts.ply, bytes)
    for arr in (pts.xyz, pts.rgb):
        assert arr is not None
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1
        with pytest.raises(ValueError):
            arr.flags.writeable = True


def test_points_property_is_a_copy_that_cannot_change_the_file(tmp_path: Path) -> None:
    obj = mk.Object3D(_cloud(BIG, 3))
    before = obj.file_bytes
    arr = obj.points
    arr[:] = 7.0  # a writeable copy
    assert obj.file_bytes == before
    desc = obj.encode(mk.LocalStore(tmp_path))
    assert hashlib.sha256((tmp_path / desc["path"]).read_bytes()).hexdigest() == desc["sha256"]
    assert (tmp_path / desc["path"]).read_bytes() == before


def test_handover_needs_the_very_object(tmp_path: Path) -> None:
    blob = b"ply\n" + bytes(range(256)) * 64
    true_sha = hashlib.sha256(blob).hexdigest()
    wrong = "0" * 64
    store = mk.LocalStore(tmp_path)
    equal_copy = bytes(bytearray(blob))
    assert equal_copy == blob and equal_copy is not blob
    with prehashed(blob, wrong):
        # equal bytes in another object, a bytearray and a memoryview: all hashed again
        for data in (equal_copy, bytearray(blob), memoryview(equal_copy)):
            ref = store.put(data, suffix=".ply")
            assert ref.sha256 == true_sha
            assert ref.path == f"media/{true_sha[:2]}/{true_sha}.ply"
    assert [p for p in store.list() if wrong in p] == []


def test_handover_is_used_only_inside_the_block_and_on_its_thread() -> None:
    blob = b"abc" * 1000
    assert known_sha256(blob) is None
    with prehashed(blob, "f" * 64):
        assert known_sha256(blob) == "f" * 64
        seen: list[str | None] = []
        t = threading.Thread(target=lambda: seen.append(known_sha256(blob)))
        t.start()
        t.join()
        assert seen == [None]
        with prehashed(b"other", "e" * 64):  # nested: the inner record, then the outer again
            assert known_sha256(blob) is None
        assert known_sha256(blob) == "f" * 64
    assert known_sha256(blob) is None


def test_handover_refuses_mutable_or_subclassed_bytes() -> None:
    class B(bytes):
        pass

    for data in (bytearray(b"x"), memoryview(b"x"), B(b"x")):
        with pytest.raises(TypeError, match="expected an immutable bytes object"), prehashed(data, "0" * 64):  # type: ignore[arg-type]
            pass


def test_replaced_ply_is_hashed_again(tmp_path: Path) -> None:
    """A digest stays with the object it was computed from: other bytes put in its place are
    hashed by the store."""
    pts = check_points(_cloud(BIG, 4))
    assert pts.digest is not None
    other = _reference_ply(check_points(_cloud(SMALL, 4, seed=9)))
    pts.ply = other
    ref = pts.put(mk.LocalStore(tmp_path), ".ply")
    sha = hashlib.sha256(other).hexdigest()
    assert ref.sha256 == sha
    assert (tmp_path / ref.path).read_bytes() == other


@pytest.mark.parametrize(
    ("k", "col", "value", "message"),
    [
        (3, 1, np.nan, "data[{row}, 1]: expected a finite coordinate, got nan"),
        (3, 0, 1e39, "data[{row}, 0]: coordinate 1e+39 does not fit in float32"),
        (4, 3, 15.0, "data[{row}, 3]: expected a category, an integer from 1 to 14, got 15.0"),
        (4, 3, 2.5, "data[{row}, 3]: expected a category, an integer from 1 to 14, got 2.5"),
        (6, 5, 300.0, "data[{row}, 5]: expected a colour value (red, green, blue) in [0, 255], got 300.0"),
        (6, 4, np.nan, "data[{row}, 4]: expected a finite colour value, got nan"),
    ],
)
@pytest.mark.parametrize("at", ["first", "last"])
@pytest.mark.parametrize("n", [SMALL, BIG], ids=["small", "big"])
def test_errors_unchanged_and_nothing_stored(tmp_path: Path, n: int, at: str, k: int, col: int, value: float, message: str) -> None:
    a = _cloud(n, k)
    row = 5 if at == "first" else n - 3  # in the first or the last slice (and block) of a big cloud
    a[row, col] = value
    store = mk.LocalStore(tmp_path)
    with pytest.raises(mk.ValidationError, match="^" + re.escape(message.format(row=row)) + "$"), store.transaction():
        mk.Object3D(a).encode(store)
    assert store.list() == []
