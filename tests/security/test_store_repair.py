"""The store under faults and races: rollback removes only what this very encode created (across
threads, store instances and processes), wrong files under a content name are repaired, reads for
rendering verify the sha256, stale temporary files are swept, files get the process umask."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest

import mediakit as mk
from mediakit.store import _base

PAYLOADS = [bytes([i]) * (1000 + i) for i in range(6)]  # overlapping content between workers


def _worker(root: str, seed: int, n: int, out: str) -> None:
    """Encode ``n`` items through fresh store instances; every third encode fails after its put."""
    rng = np.random.default_rng(seed)
    descs = []
    for k in range(n):
        st = mk.LocalStore(root)  # a new instance each time, as obj.encode("dir") makes
        blob = PAYLOADS[int(rng.integers(len(PAYLOADS)))]
        try:
            with st.transaction():
                ref = st.put(blob, suffix=".bin")
                if (k + seed) % 3 == 0:
                    raise ValueError("encode fails after writing")
                descs.append(ref.to_dict())
        except ValueError:
            pass
    Path(out).write_text(json.dumps(descs))


def test_multi_process_race_leaves_no_dangling_descriptor(tmp_path: Path) -> None:
    root = tmp_path / "store"
    ctx = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"out{i}.json" for i in range(4)]
    procs = [ctx.Process(target=_worker, args=(str(root), i, 60, str(outs[i]))) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    st = mk.LocalStore(root)
    descs = [d for o in outs for d in json.loads(o.read_text())]
    assert len(descs) == 4 * 60 - 80  # every third of each worker's encodes failed
    for d in descs:
        assert st.read(d["path"], verify=d["sha256"])  # present and intact: zero dangling
    # No bookkeeping left behind (markers of committed/rolled-back transactions are gone).
    assert [p.name for p in root.rglob(".*") if p.is_file()] == []


def test_rollback_in_one_instance_keeps_what_another_instance_was_handed(tmp_path: Path) -> None:
    a, b = mk.LocalStore(tmp_path), mk.LocalStore(tmp_path)
    with pytest.raises(ValueError, match="A fails"), a.transaction():
        a.put(b"shared", suffix=".bin")
        with b.transaction():
            ref = b.put(b"shared", suffix=".bin")  # b did not create it: b claims it
        raise ValueError("A fails")
    assert b.read(ref.path) == b"shared"


def test_rollback_removes_what_it_created_when_nobody_else_took_it(tmp_path: Path) -> None:
    a = mk.LocalStore(tmp_path)
    with pytest.raises(ValueError, match="fails"), a.transaction():
        ref = a.put(b"mine", suffix=".bin")
        raise ValueError("fails")
    assert not a.exists(ref.path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("kind", ["memory", "local"])
@pytest.mark.parametrize("damage", ["truncate", "swap"])
def test_wrong_file_under_its_content_name_is_repaired_by_the_next_put(tmp_path: Path, kind: str, damage: str) -> None:
    st: mk.Store = mk.MemoryStore() if kind == "memory" else mk.LocalStore(tmp_path)
    good = b"good content " * 100
    ref = st.put(good, suffix=".bin")
    bad = good[:10] if damage == "truncate" else b"X" * len(good)  # same size: caught by the hash
    st._write_atomic(ref.path, bad)
    with pytest.raises(mk.StorageError, match="does not match its sha256"):
        st.read(ref.path, verify=ref.sha256)
    assert st.put(good, suffix=".bin") == ref
    assert st.read(ref.path, verify=ref.sha256) == good


def test_thumbnail_refuses_swapped_content(tmp_path: Path) -> None:
    st = mk.LocalStore(tmp_path)
    desc = mk.Image(np.zeros((8, 8, 3), np.uint8)).encode(st)
    elsewhere = mk.MemoryStore()
    white = mk.Image(np.full((8, 8, 3), 255, np.uint8)).encode(elsewhere)
    st._write_atomic(desc["path"], elsewhere.read(white["path"]))  # a valid PNG, the wrong one
    with pytest.raises(mk.StorageError, match="does not match its sha256"):
        mk.thumbnail(desc, st, size=16)
    mk.Image(np.zeros((8, 8, 3), np.uint8)).encode(st)  # the next put repairs it
    assert mk.thumbnail(desc, st, size=16)[:8] == b"\x89PNG\r\n\x1a\n"


def test_stale_temporary_files_are_removed_by_the_next_writer(tmp_path: Path) -> None:
    st = mk.LocalStore(tmp_path)
    ref = st.put(b"first", suffix=".bin")
    folder = (tmp_path / ref.path).parent
    stale, fresh = folder / ".tmp-dead.bin", folder / ".tmp-live.bin"
    stale.write_bytes(b"x" * 1000)
    fresh.write_bytes(b"y")
    old = time.time() - _base.STALE_SECONDS - 10
    os.utime(stale, (old, old))
    mk.LocalStore(tmp_path).put(b"first", suffix=".bin")  # the next writer into that folder
    assert not stale.exists()
    assert fresh.exists()  # may belong to a writer still at work


def test_files_get_the_process_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        st = mk.LocalStore(tmp_path)
        ref = st.put(b"readable", suffix=".bin")
        st.write("descriptors/a.json", b"{}")
    finally:
        os.umask(old)
    assert (tmp_path / ref.path).stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "descriptors/a.json").stat().st_mode & 0o777 == 0o644


def test_symlink_loop_is_a_storage_error(tmp_path: Path) -> None:
    st = mk.LocalStore(tmp_path)
    (tmp_path / "media").mkdir(exist_ok=True)
    os.symlink(tmp_path / "media" / "b", tmp_path / "media" / "a")
    os.symlink(tmp_path / "media" / "a", tmp_path / "media" / "b")
    for call in (lambda: st.read("media/a/x.png"), lambda: st.exists("media/a/x.png")):
        with pytest.raises(mk.StorageError, match=r"path: 'media/a/x.png' cannot be resolved .*symlink loop"):
            call()


# -- ownership markers: an extended attribute of the file, a file beside it where there are none ------------------

OWNER = "user.mediakit.owner"


def _attrs_here(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_bytes(b"")
    try:
        os.setxattr(probe, "user.probe", b"1")
        return True
    except OSError:
        return False
    finally:
        probe.unlink()


def _owner(path: Path) -> bytes | None:
    try:
        return os.getxattr(path, OWNER)
    except OSError as e:
        assert e.errno == errno.ENODATA
        return None


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="extended attributes are a Linux call")
def test_a_marker_is_an_attribute_of_the_file_while_its_transaction_is_open(tmp_path: Path) -> None:
    st = mk.LocalStore(tmp_path)
    attrs = _attrs_here(tmp_path)
    with st.transaction():
        ref = st.put(b"mine", suffix=".bin")
        full = tmp_path / ref.path
        hidden = sorted(p.name for p in tmp_path.rglob(".*"))
        if attrs:  # no inode for the marker: the token is on the file itself
            token = _owner(full)
            assert token is not None and len(token) == 32 and int(token, 16) >= 0
            assert hidden == []
        else:
            assert hidden == [f".own-{full.name}"]
    assert (_owner(full) if attrs else None) is None  # the commit drops it
    assert [p.name for p in tmp_path.rglob(".*")] == []
    assert full.read_bytes() == b"mine"


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="extended attributes are a Linux call")
def test_a_claim_removes_the_attribute_and_the_creators_rollback_keeps_the_file(tmp_path: Path) -> None:
    if not _attrs_here(tmp_path):
        pytest.skip("this filesystem has no user attributes (the file markers are tested below)")
    a, b = mk.LocalStore(tmp_path), mk.LocalStore(tmp_path)
    with pytest.raises(ValueError, match="A fails"), a.transaction():
        ref = a.put(b"shared", suffix=".bin")
        assert _owner(tmp_path / ref.path) is not None
        b.put(b"shared", suffix=".bin")  # handed to b: b claims it
        assert _owner(tmp_path / ref.path) is None
        raise ValueError("A fails")
    assert b.read(ref.path) == b"shared"


def test_without_user_attributes_markers_are_files_and_work_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise OSError(errno.ENOTSUP, "Operation not supported")

    monkeypatch.setattr(os, "setxattr", refuse, raising=False)
    a, b = mk.LocalStore(tmp_path), mk.LocalStore(tmp_path)
    with pytest.raises(ValueError, match="fails"), a.transaction():
        kept = a.put(b"shared", suffix=".bin")
        gone = a.put(b"only mine", suffix=".bin")
        markers = sorted(p.name for p in tmp_path.rglob(".own-*"))
        assert markers == sorted(f".own-{Path(r.path).name}" for r in (kept, gone))
        b.put(b"shared", suffix=".bin")  # a claim removes the marker file
        assert not (tmp_path / kept.path).with_name(f".own-{Path(kept.path).name}").exists()
        raise ValueError("fails")
    assert b.read(kept.path) == b"shared"
    assert not a.exists(gone.path)
    assert [p.name for p in tmp_path.rglob(".*")] == []


def test_a_marker_file_left_by_another_writer_is_claimed(tmp_path: Path) -> None:
    """A writer using marker files (another filesystem driver, an older mediakit) is still
    understood: whoever is handed the content removes its marker, so its rollback keeps it."""
    st = mk.LocalStore(tmp_path)
    ref = st.put(b"theirs", suffix=".bin")
    marker = (tmp_path / ref.path).with_name(f".own-{Path(ref.path).name}")
    marker.write_text("0" * 32)  # their open transaction's token
    with st.transaction():
        st.put(b"theirs", suffix=".bin")
    assert not marker.exists()


def test_a_file_refusing_an_attribute_gets_a_marker_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No room for one more attribute on this file (ENOSPC): this marker is a file, later ones
    are attributes again, and commit and rollback find either."""
    real = getattr(os, "setxattr", None)
    calls = []

    def full_once(*args: object, **kwargs: object) -> None:
        calls.append(args[0])
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        assert real is not None
        real(*args, **kwargs)

    monkeypatch.setattr(os, "setxattr", full_once, raising=False)
    st = mk.LocalStore(tmp_path)
    with pytest.raises(ValueError, match="fails"), st.transaction():
        first = st.put(b"first", suffix=".bin")
        assert (tmp_path / first.path).with_name(f".own-{Path(first.path).name}").exists()
        second = st.put(b"second", suffix=".bin")
        raise ValueError("fails")
    assert not st.exists(first.path) and not st.exists(second.path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert len(calls) == 2


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="extended attributes are a Linux call")
def test_a_claim_of_another_users_file_replaces_it_when_its_attribute_cannot_be_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a store shared by several users, removing the attribute of a file someone else owns
    fails (EPERM): the claimer replaces the file by its own copy, which carries no marker, so the
    creator's rollback keeps it."""
    if not _attrs_here(tmp_path):
        pytest.skip("this filesystem has no user attributes (the file markers are tested above)")
    a, b = mk.LocalStore(tmp_path), mk.LocalStore(tmp_path)
    real = os.removexattr

    def not_yours(path: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    with pytest.raises(ValueError, match="A fails"), a.transaction():
        ref = a.put(b"shared", suffix=".bin")
        inode = (tmp_path / ref.path).stat().st_ino
        monkeypatch.setattr(os, "removexattr", not_yours)
        b.put(b"shared", suffix=".bin")  # b claims it
        monkeypatch.setattr(os, "removexattr", real)
        assert _owner(tmp_path / ref.path) is None
        assert (tmp_path / ref.path).stat().st_ino != inode  # b's copy
        raise ValueError("A fails")
    assert b.read(ref.path, verify=ref.sha256) == b"shared"
    assert [p.name for p in tmp_path.rglob(".*")] == []
