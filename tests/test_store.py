"""One shared suite for every store backend: content addressing, idempotence, atomicity,
transactions, path safety."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

import mediakit as mk
from mediakit.store import coerce_store, open_store, safe_relpath


@pytest.fixture(params=["memory", "local", "fsspec"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> mk.Store:
    if request.param == "memory":
        return mk.MemoryStore()
    if request.param == "local":
        return mk.LocalStore(tmp_path / "s")
    pytest.importorskip("fsspec")
    import uuid

    # fsspec's memory filesystem is process-global: give each test its own prefix.
    return mk.open_store(f"memory://mk-tests/{uuid.uuid4().hex}")


def test_put_is_content_addressed(any_store):
    ref = any_store.put(b"hello", suffix=".txt".replace("txt", "bin"))
    sha = hashlib.sha256(b"hello").hexdigest()
    assert ref.sha256 == sha
    assert ref.path == f"media/{sha[:2]}/{sha}.bin"
    assert ref.size == 5
    assert ref.media_type == "application/octet-stream"
    assert any_store.read(ref.path) == b"hello"
    assert any_store.exists(ref.path)
    assert any_store.open(ref.path).read() == b"hello"


def test_put_is_idempotent_and_lists_once(any_store):
    a = any_store.put(b"x" * 100, suffix=".png")
    b = any_store.put(b"x" * 100, suffix=".png")
    assert a == b
    assert any_store.list() == [a.path]
    assert a.media_type == "image/png"


def test_put_accepts_file_objects(any_store):
    import io

    ref = any_store.put(io.BytesIO(b"abc"), suffix=".wav")
    assert any_store.read(ref.path) == b"abc"
    assert ref.media_type == "audio/wav"


@pytest.mark.parametrize("bad", ["png", ".", ".a/b", ".toolongsuffixhere123", "../x", ".p g"])
def test_bad_suffix_refused(any_store, bad):
    with pytest.raises(mk.StorageError, match="suffix"):
        any_store.put(b"x", suffix=bad)
    assert any_store.list() == []


def test_put_rejects_non_bytes(any_store):
    with pytest.raises(mk.MediaTypeError, match="data: expected bytes"):
        any_store.put("text", suffix=".txt")  # type: ignore[arg-type]
    with pytest.raises(mk.MediaTypeError, match="binary file object"):
        import io

        any_store.put(io.StringIO("text"), suffix=".txt")  # type: ignore[arg-type]


def test_missing_file_is_file_not_found(any_store):
    with pytest.raises(mk.MediaFileNotFoundError, match="does not exist") as e:
        any_store.read("media/00/nothing.png")
    assert isinstance(e.value, FileNotFoundError)
    assert isinstance(e.value, mk.StorageError)


@pytest.mark.parametrize(
    "path",
    ["../etc/passwd", "/etc/passwd", "media/../../x", "media//x", "a/./b", "", "C:/x", "a\\b", "s3://b/x", "~/x", "a\x00b"],
)
def test_paths_cannot_escape(any_store, path):
    with pytest.raises(mk.StorageError, match="path"):
        any_store.read(path)
    with pytest.raises(OSError):
        any_store.exists(path)


def test_safe_relpath_keeps_plain_paths():
    assert safe_relpath("media/ab/abc.png") == "media/ab/abc.png"
    with pytest.raises(mk.StorageError, match="expected a relative path string"):
        safe_relpath(3)


def test_transaction_removes_new_files_only(any_store):
    old = any_store.put(b"old", suffix=".bin")
    with pytest.raises(RuntimeError):
        with any_store.transaction():
            any_store.put(b"old", suffix=".bin")  # already there: must survive
            any_store.put(b"new", suffix=".bin")
            raise RuntimeError("boom")
    assert any_store.list() == [old.path]


def test_nested_transactions_roll_back_with_the_outer(any_store):
    with pytest.raises(ValueError):
        with any_store.transaction():
            with any_store.transaction():
                any_store.put(b"inner", suffix=".bin")
            any_store.put(b"outer", suffix=".bin")
            raise ValueError("late failure")
    assert any_store.list() == []


def test_transaction_success_keeps_files(any_store):
    with any_store.transaction():
        ref = any_store.put(b"keep", suffix=".bin")
    assert any_store.list() == [ref.path]


def test_transactions_in_other_threads_are_isolated(any_store):
    """A failing transaction in one thread never removes files another thread wrote."""
    barrier = threading.Barrier(2)
    errors = []

    def good():
        with any_store.transaction():
            barrier.wait()
            any_store.put(b"good", suffix=".bin")
            barrier.wait()

    def bad():
        try:
            with any_store.transaction():
                barrier.wait()
                any_store.put(b"bad", suffix=".bin")
                barrier.wait()
                raise ValueError("bad thread")
        except ValueError as e:
            errors.append(e)

    ts = [threading.Thread(target=good), threading.Thread(target=bad)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(errors) == 1
    paths = any_store.list()
    assert len(paths) == 1 and any_store.read(paths[0]) == b"good"


def test_local_store_writes_atomically_and_leaves_no_temp(tmp_path):
    st = mk.LocalStore(tmp_path)
    ref = st.put(b"data" * 1000, suffix=".bin")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [ref.path]
    assert st.url(ref.path).startswith("file://")
    assert st.local_path(ref.path).read_bytes() == b"data" * 1000


def test_local_store_refuses_symlinks_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"secret")
    root = tmp_path / "root"
    st = mk.LocalStore(root)
    (root / "media").mkdir()
    os.symlink(outside, root / "media" / "ln")
    with pytest.raises(mk.StorageError, match="outside the store root"):
        st.read("media/ln/secret.png")


def test_local_store_failed_write_leaves_nothing(tmp_path, monkeypatch):
    st = mk.LocalStore(tmp_path)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    monkeypatch.setattr(os, "link", boom)
    with pytest.raises(mk.StorageError, match="disk full"):
        st.put(b"abc", suffix=".bin")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_local_store_on_a_file_is_a_storage_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(mk.StorageError, match="root"):
        mk.LocalStore(f)


def test_open_store_and_coerce(tmp_path):
    assert isinstance(open_store(str(tmp_path)), mk.LocalStore)
    assert isinstance(open_store(tmp_path), mk.LocalStore)
    assert isinstance(open_store(f"file://{tmp_path}"), mk.LocalStore)
    st = mk.MemoryStore()
    assert coerce_store(st) is st
    assert isinstance(coerce_store(str(tmp_path)), mk.LocalStore)
    with pytest.raises(mk.MediaTypeError, match="store: expected a Store"):
        coerce_store(42)


def test_fsspec_store_url_and_listing():
    pytest.importorskip("fsspec")
    st = open_store("memory://mk-tests/url-check")
    ref = st.put(b"z", suffix=".bin")
    assert st.url(ref.path) == f"memory://mk-tests/url-check/{ref.path}"
    assert ref.path in st.list()


def test_encode_accepts_path_strings(tmp_path):
    import numpy as np

    desc = mk.Image(np.zeros((5, 6), np.uint8)).encode(str(tmp_path))
    assert (tmp_path / desc["path"]).is_file()


def test_rollback_keeps_content_another_caller_was_handed(any_store):
    """A's transaction writes content; B gets the same content (no write) and commits; A fails.
    B's file must survive A's rollback."""
    started, b_done = threading.Event(), threading.Event()
    result = {}

    def a():
        try:
            with any_store.transaction():
                any_store.put(b"shared bytes", suffix=".bin")
                started.set()
                b_done.wait(5)
                raise ValueError("A fails")
        except ValueError:
            pass

    def b():
        started.wait(5)
        with any_store.transaction():
            result["ref"] = any_store.put(b"shared bytes", suffix=".bin")
        b_done.set()

    ts = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert any_store.exists(result["ref"].path)
    # Bookkeeping is released once both are done.
    assert any_store._tokens == {}


def test_big_blobs_are_staged_while_hashed_and_leave_no_temporary(tmp_path: Path) -> None:
    from mediakit.store import _base

    store = mk.LocalStore(tmp_path)
    blob = os.urandom(_base.PARALLEL_HASH_BYTES + 17)
    ref = store.put(blob, suffix=".bin")
    assert ref.sha256 == hashlib.sha256(blob).hexdigest()
    assert store.read(ref.path) == blob
    again = store.put(blob, suffix=".bin")  # already there: nothing new, the staged copy removed
    assert again == ref
    full = tmp_path / ref.path
    full.write_bytes(blob[:100])  # truncated under its content name: repaired
    store.put(blob, suffix=".bin")
    assert full.read_bytes() == blob
    hidden = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]
    assert hidden == []


def test_a_failed_big_put_removes_its_staged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mediakit.store import _base

    store = mk.LocalStore(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(store, "_put", broken)
    with pytest.raises(mk.StorageError, match="disk on fire"):
        store.put(os.urandom(_base.PARALLEL_HASH_BYTES), suffix=".bin")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
