"""Streaming batches: bounded in flight, failures isolated, process workers killed for real,
resume by skipping, JSON-lines reports, folder walks."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk
from mediakit._descriptor import dumps, loads
from mediakit._scale import DEPTH, QUEUE_MAX_BYTES, ProcessPool
from mediakit.batch import (
    FileJob,
    JsonLinesReport,
    Outcome,
    ThumbJob,
    WorkerLostError,
    encode_stream,
    run_isolated,
    stamp_name,
    stream,
    thumbnail_stream,
    walk_files,
)

# -- work functions (module level: worker processes import them) ----------------------------------


def square(x: int) -> int:
    if x == 3:
        msg = "x: three is refused"
        raise ValueError(msg)
    return x * x


def slow_square(x: int) -> int:
    time.sleep(0.01 * (x % 3))
    return x * x


def _mark(marker_dir: str, name: str) -> None:
    """Record this worker's pid in ``marker_dir/name``, whole or not at all (a watcher reads it)."""
    tmp = Path(marker_dir).parent / f".{Path(marker_dir).name}-{name}.partial"
    tmp.write_text(str(os.getpid()))
    os.replace(tmp, Path(marker_dir, name))


def hang_on(marker_dir: str, x: int, *, every_time: bool) -> int:
    """Item 5 records its worker's pid and hangs (until the test kills that worker): on every
    attempt, or on the first one only."""
    if x == 5:
        first = not any(Path(marker_dir).iterdir())
        if first or every_time:
            _mark(marker_dir, f"{os.getpid()}-{time.monotonic_ns()}")
            time.sleep(60)
    time.sleep(0.02)
    return x * 10


class HangOnce:
    def __init__(self, marker_dir: str, every_time: bool) -> None:
        self.marker_dir, self.every_time = marker_dir, every_time

    def __call__(self, x: int) -> int:
        return hang_on(self.marker_dir, x, every_time=self.every_time)


def sleep_forever(x: int) -> int:
    if x == 1:
        time.sleep(60)
    return x


def pid_of_worker(_x: int) -> int:
    return os.getpid()


def echo(x: object) -> object:
    return x


def hang_first(marker_dir: str, x: int) -> int:
    """Item 1 records its worker's pid and hangs on its first attempt (the test kills it)."""
    if x == 1 and not any(Path(marker_dir).iterdir()):
        _mark(marker_dir, "pid")
        time.sleep(60)
    return x * 10


class HangFirst:
    def __init__(self, marker_dir: str) -> None:
        self.marker_dir = marker_dir

    def __call__(self, x: int) -> int:
        return hang_first(self.marker_dir, x)


# -- the engine -----------------------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_stream_isolates_failures_and_keeps_order(executor):
    outs = list(stream(square, range(8), executor=executor, workers=2, ordered=True))
    assert [o.key for o in outs] == list(range(8))
    assert [o.value for o in outs] == [0, 1, 4, None, 16, 25, 36, 49]
    bad = outs[3]
    assert not bad.ok and bad.status == "failed"
    assert type(bad.error) is ValueError and str(bad.error) == "x: three is refused"
    assert bad.record() == {"key": 3, "status": "failed", "attempts": 1, "error": {"type": "ValueError", "message": "x: three is refused"}}
    assert outs[2].record() == {"key": 2, "status": "ok", "attempts": 1, "value": 4}


def test_stream_reads_the_input_lazily_and_bounds_what_is_in_flight():
    pulled = []
    running = []
    peak = [0]
    lock = threading.Lock()

    def items():
        for i in range(200):
            pulled.append(i)
            yield i

    def work(x):
        with lock:
            running.append(x)
            peak[0] = max(peak[0], len(running))
        time.sleep(0.001)
        with lock:
            running.remove(x)
        return x

    gen = stream(work, items(), workers=2, window=4)
    first = next(gen)
    # Only the window was pulled from the generator before the first result came back.
    assert len(pulled) <= 5
    seen = [first.key] + [o.key for o in gen]
    assert sorted(seen) == list(range(200))
    assert peak[0] <= 2


def test_stream_ordered_buffer_stays_within_the_window():
    ahead = []

    def items():
        for i in range(60):
            ahead.append(i)
            yield i

    got = []
    for out in stream(slow_square, items(), workers=3, window=5, ordered=True):
        # At most `window` items were taken beyond the ones already yielded.
        assert len(ahead) - len(got) <= 5
        got.append(out.value)
    assert got == [i * i for i in range(60)]


def test_stream_unordered_yields_as_items_finish():
    def work(x):
        time.sleep(0.3 if x == 0 else 0.0)
        return x

    keys = [o.key for o in stream(work, range(6), workers=2)]
    assert sorted(keys) == list(range(6))
    assert keys[-1] == 0  # the slow first item did not hold the others back


def test_stream_skip_yields_skipped_outcomes_in_order():
    outs = list(stream(square, range(6), workers=2, ordered=True, skip=lambda x: x % 2 == 0))
    assert [(o.key, o.status) for o in outs] == [(0, "skipped"), (1, "ok"), (2, "skipped"), (3, "failed"), (4, "skipped"), (5, "ok")]
    assert outs[0].attempts == 0 and outs[0].record() == {"key": 0, "status": "skipped", "attempts": 0}


def test_stream_custom_keys_and_path_keys(tmp_path):
    outs = list(stream(len, ["ab", "c"], ordered=True, key=lambda s: f"k-{s}"))
    assert [(o.key, o.value) for o in outs] == [("k-ab", 2), ("k-c", 1)]
    outs = list(stream(os.fspath, [tmp_path / "a"], ordered=True))
    assert outs[0].key == str(tmp_path / "a")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"workers": 0}, mk.ValidationError, r"workers: expected a positive int, got 0"),
        ({"window": -1}, mk.ValidationError, r"window: expected a positive int, got -1"),
        ({"retries": -1}, mk.ValidationError, r"retries: expected an int >= 0, got -1"),
        ({"timeout": 0}, mk.ValidationError, r"timeout: expected seconds > 0, got 0"),
        ({"executor": "gpu"}, mk.ValidationError, r"executor: expected 'threads', 'processes', 'local', a Dask address 'tcp://HOST:PORT' or an Executor, got 'gpu'"),
        ({"executor": 3}, mk.MediaTypeError, r"executor: expected a name, a Dask address or a concurrent.futures.Executor, got int"),
    ],
)
def test_stream_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        stream(square, [1], **kwargs)


def test_stream_refuses_a_non_callable():
    with pytest.raises(mk.MediaTypeError, match="fn: expected a callable, got int"):
        stream(3, [1])  # type: ignore[arg-type]


def test_processes_refuse_an_unpicklable_function_and_report_unpicklable_items():
    lock = threading.Lock()
    outs = list(stream(len, [[1], [lock], [1, 2]], executor="processes", workers=1, ordered=True))
    assert [o.value for o in outs] == [1, None, 2]
    assert isinstance(outs[1].error, TypeError) and "pickle" in str(outs[1].error)

    def holds_a_lock(x):
        return (lock, x)  # a closure over a lock: neither pickle nor cloudpickle can send it

    with pytest.raises(mk.MediaTypeError, match=r"fn: .* cannot be sent to worker processes \(.*\); pass a module-level function"):
        list(stream(holds_a_lock, [1], executor="processes", workers=1))


def test_processes_use_several_worker_processes():
    pids = {o.value for o in stream(pid_of_worker, range(40), executor="processes", workers=2)}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def _kill_when_marked(marker_dir: Path, kills: list[int], how_many: int) -> None:
    deadline = time.monotonic() + 30
    seen: set[str] = set()
    while len(kills) < how_many and time.monotonic() < deadline:
        for m in marker_dir.iterdir():
            if m.name not in seen:
                seen.add(m.name)
                pid = int(m.read_text())
                os.kill(pid, signal.SIGKILL)  # a real kill of the worker process holding item 5
                kills.append(pid)
        time.sleep(0.02)


@pytest.mark.parametrize("every_time", [False, True])
def test_a_killed_worker_loses_no_finished_result_and_its_item_is_retried_once(tmp_path, every_time):
    kills: list[int] = []
    watcher = threading.Thread(target=_kill_when_marked, args=(tmp_path, kills, 2 if every_time else 1))
    watcher.start()
    try:
        outs = list(stream(HangOnce(str(tmp_path), every_time), range(12), executor="processes", workers=2, ordered=True))
    finally:
        watcher.join()
    assert [o.key for o in outs] == list(range(12))
    others = [o for o in outs if o.key != 5]
    assert all(o.ok and o.value == o.key * 10 and o.attempts == 1 for o in others)
    five = outs[5]
    assert five.attempts == 2
    if every_time:
        assert len(kills) == 2
        assert type(five.error) is WorkerLostError and isinstance(five.error, ChildProcessError)
        assert str(five.error) == f"item 5: its worker process died (exit code -{int(signal.SIGKILL)}) in 2 attempt(s); it was not finished"
    else:
        assert len(kills) == 1
        assert five.ok and five.value == 50


def test_process_timeout_stops_the_worker_and_reports_the_item():
    t0 = time.monotonic()
    outs = list(stream(sleep_forever, range(4), executor="processes", workers=2, ordered=True, timeout=1.0))
    assert time.monotonic() - t0 < 20
    assert [o.value for o in outs] == [0, None, 2, 3]
    assert type(outs[1].error) is TimeoutError
    assert str(outs[1].error) == "item 1: took longer than timeout=1.0 s; its worker was stopped"


def test_a_broken_process_pool_executor_reports_lost_items():
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ex = ProcessPoolExecutor(max_workers=1)
    try:
        ex.submit(os.kill, os.getpid() + 0, 0).result()  # warm up: the pool works
        ex.submit(os._exit, 1)  # the worker exits: the pool is broken
        time.sleep(0.5)
        outs = list(stream(abs, [-1, -2], executor=ex, ordered=True))
    finally:
        ex.shutdown(wait=False, cancel_futures=True)
    assert all(type(o.error) is WorkerLostError for o in outs)
    assert all(o.attempts == 2 for o in outs)
    assert "BrokenProcessPool" in str(outs[0].error) or isinstance(outs[0].error, BrokenProcessPool)


def _until(pool: ProcessPool, pred, what: str) -> list:
    events: list = []
    deadline = time.monotonic() + 30
    while not pred(events):
        assert time.monotonic() < deadline, f"timed out waiting for {what}; events so far: {events}"
        events += pool.poll(0.2)
    return events


def test_a_worker_holds_the_next_item_and_a_dead_worker_gives_it_back_unstarted(tmp_path):
    pool = ProcessPool(HangFirst(str(tmp_path)), 1)
    try:
        _until(pool, lambda _ev: pool.free() == DEPTH == 2, "the worker to start")
        pool.send(0, 1)  # item 1 hangs ...
        pool.send(1, 2)  # ... while item 2 waits in the same worker's pipe
        assert pool.free() == 0
        _until(pool, lambda _ev: (tmp_path / "pid").exists(), "item 1 to start")
        os.kill(int((tmp_path / "pid").read_text()), signal.SIGKILL)
        events = _until(pool, lambda ev: len(ev) >= 2, "the death to be seen")
        # The running item is lost (retried by stream, counted as an attempt); the waiting one
        # never started, so it just goes back.
        assert [(e.task, e.kind) for e in events] == [(0, "lost"), (1, "requeue")]
        assert events[0].value == -signal.SIGKILL
        _until(pool, lambda _ev: pool.free() == 2, "a fresh worker")
        pool.send(2, 2)
        pool.send(3, 1)
        events = _until(pool, lambda ev: len(ev) >= 2, "two results")
        assert [(e.task, e.kind, e.value) for e in events] == [(2, "ok", 20), (3, "ok", 10)]
        assert pool.started == 2
    finally:
        pool.close()


def test_stream_retries_the_running_item_and_resends_the_waiting_one(tmp_path):
    kills: list[int] = []
    watcher = threading.Thread(target=_kill_when_marked, args=(tmp_path, kills, 1))
    watcher.start()
    try:
        outs = list(stream(HangFirst(str(tmp_path)), range(6), executor="processes", workers=1, ordered=True))
    finally:
        watcher.join()
    assert len(kills) == 1
    assert [(o.key, o.value, o.attempts) for o in outs] == [(0, 0, 1), (1, 10, 2), (2, 20, 1), (3, 30, 1), (4, 40, 1), (5, 50, 1)]


@pytest.mark.timeout(60)
def test_big_items_and_big_results_never_block_the_pipes():
    # Items and results bigger than a pipe's buffer: an item queued behind a busy worker would
    # block the parent while that worker blocks sending its result. Big items wait for an idle
    # worker instead.
    assert 300_000 > QUEUE_MAX_BYTES
    items = [bytes([i]) * 300_000 for i in range(6)]
    outs = list(stream(echo, items, executor="processes", workers=1, ordered=True))
    assert [o.value for o in outs] == items


def test_run_isolated_keeps_its_list_form_and_calls_on_done():
    calls = []
    res = run_isolated(square, range(5), workers=2, on_done=lambda i, r, e: calls.append(i))
    assert [(i, r) for i, r, _e in res] == [(0, 0), (1, 1), (2, 4), (3, None), (4, 16)]
    assert type(res[3][2]) is ValueError
    assert sorted(calls) == list(range(5))


# -- stores travel by re-opening --------------------------------------------------------------------


def test_local_store_pickles_as_its_folder(tmp_path):
    st = mk.LocalStore(tmp_path / "s")
    ref = st.put(b"abc", suffix=".bin")
    again = pickle.loads(pickle.dumps(st))
    assert isinstance(again, mk.LocalStore) and again.root == st.root
    assert again.read(ref.path) == b"abc"


def test_fsspec_store_pickles_as_its_url():
    pytest.importorskip("fsspec")
    st = mk.open_store("memory://mk-tests/pickled")
    ref = st.put(b"xyz", suffix=".bin")
    again = pickle.loads(pickle.dumps(st))
    assert repr(again) == "FsspecStore('memory://mk-tests/pickled')"
    assert again.read(ref.path) == b"xyz"


def test_memory_store_refuses_to_travel():
    with pytest.raises(mk.MediaTypeError, match="store: a MemoryStore lives in one process's memory"):
        pickle.dumps(mk.MemoryStore())


def test_named_writes_stay_out_of_the_media_folder(tmp_path):
    st = mk.LocalStore(tmp_path)
    assert st.write("descriptors/a.json", b"{}") == "descriptors/a.json"
    assert st.read("descriptors/a.json") == b"{}"
    st.write("descriptors/a.json", b"[]")  # replaced
    assert (tmp_path / "descriptors" / "a.json").read_bytes() == b"[]"
    with pytest.raises(mk.StorageError, match=r"path: 'media/ab/x.png' is inside 'media/', which holds only content-addressed files"):
        st.write("media/ab/x.png", b"x")
    with pytest.raises(mk.StorageError, match="is not a plain relative path"):
        st.write("../x", b"x")
    with pytest.raises(mk.MediaTypeError, match="data: expected bytes, got str"):
        st.write("a.txt", "text")  # type: ignore[arg-type]
    assert sorted(st.iter_paths("descriptors")) == ["descriptors/a.json"]


# -- the jobs ---------------------------------------------------------------------------------------


def _photos(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        p = folder / f"p{i}.png"
        PILImage.fromarray(rng.integers(0, 255, (20 + i, 30, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    return paths


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_encode_stream_files_writes_descriptors_and_resumes(tmp_path, executor):
    photos = _photos(tmp_path / "in", 4)
    (tmp_path / "in" / "bad.png").write_bytes(b"not a png")
    st = mk.LocalStore(tmp_path / "out")
    jobs = [FileJob(str(p), f"descriptors/{p.name}.json") for p in sorted((tmp_path / "in").iterdir())]
    outs = {o.key: o for o in encode_stream(jobs, st, executor=executor, workers=2)}
    assert outs[str(tmp_path / "in" / "bad.png")].status == "failed"
    assert isinstance(outs[str(tmp_path / "in" / "bad.png")].error, mk.DecodeError)
    for p in photos:
        desc = outs[str(p)].value
        assert desc["_type"] == "image"
        assert loads(st.read(f"descriptors/{p.name}.json")) == desc
        assert st.read(desc["path"]) == p.read_bytes()  # a PNG is stored byte for byte
    again = list(encode_stream(jobs, st, executor=executor, workers=2, resume=True, ordered=True))
    assert [o.status for o in again] == ["failed", "skipped", "skipped", "skipped", "skipped"]


def test_encode_stream_takes_values_and_paths():
    st = mk.MemoryStore()
    outs = list(encode_stream([mk.Image(np.zeros((4, 4), np.uint8)), {"acc": 0.5}], st, ordered=True))
    assert outs[0].value["_type"] == "image" and outs[1].value == {"acc": 0.5}


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_thumbnail_stream_writes_named_thumbnails_with_stamps_and_resumes(tmp_path, executor):
    st = mk.LocalStore(tmp_path / "s")
    descs = [mk.Image(np.full((40, 60, 3), i * 40, np.uint8)).encode(st) for i in range(3)]
    for i, d in enumerate(descs):
        (tmp_path / f"d{i}.json").write_bytes(dumps(d))
    jobs = [ThumbJob(str(tmp_path / f"d{i}.json"), f"t/d{i}.png") for i in range(3)]
    jobs.append(ThumbJob(str(tmp_path / "missing.json"), "t/missing.png"))
    out = mk.LocalStore(tmp_path / "thumbs")
    res = list(thumbnail_stream(jobs, st, out=out, size=16, executor=executor, workers=2, ordered=True))
    assert [o.status for o in res] == ["ok", "ok", "ok", "failed"]
    assert isinstance(res[3].error, FileNotFoundError)
    for i in range(3):
        png = (tmp_path / "thumbs" / "t" / f"d{i}.png").read_bytes()
        assert png == mk.thumbnail(descs[i], st, size=16)
        assert PILImage.open(io.BytesIO(png)).size == (16, 11)
        assert (tmp_path / "thumbs" / ".mediakit-stamps" / "t" / f"d{i}.png.stamp").is_file()
    # A re-run skips what is current; a changed descriptor is rendered again.
    (tmp_path / "d1.json").write_bytes(dumps({**descs[1], "caption": "new"}))
    again = list(thumbnail_stream(jobs[:3], st, out=out, size=16, resume=True, ordered=True))
    assert [o.status for o in again] == ["skipped", "ok", "skipped"]
    bigger = list(thumbnail_stream(jobs[:1], st, out=out, size=20, resume=True))
    assert bigger[0].status == "ok"


def test_thumbnail_stream_of_dicts_returns_bytes():
    st = mk.MemoryStore()
    d = mk.Image(np.zeros((10, 10), np.uint8)).encode(st)
    [res] = list(thumbnail_stream([d], st, size=8))
    assert res.key == 0 and res.value == mk.thumbnail(d, st, size=8)
    [bad] = list(thumbnail_stream([42], st))
    assert type(bad.error) is mk.MediaTypeError
    assert str(bad.error) == "item: expected a descriptor dict, a descriptor file path or a ThumbJob, got int"


def _photo(side: int) -> np.ndarray:
    with PILImage.open(Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "images" / "astronaut.png") as im:
        return np.asarray(im.convert("RGB").resize((side, side), PILImage.Resampling.LANCZOS))


def test_a_big_jpeg_is_decoded_at_reduced_scale_and_looks_like_a_full_decode(tmp_path, monkeypatch):
    from PIL import JpegImagePlugin

    buf = io.BytesIO()
    PILImage.fromarray(_photo(1024)).save(buf, "JPEG", quality=90)
    st = mk.LocalStore(tmp_path)
    desc = mk.Image(buf.getvalue()).encode(st)
    drafted = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        res = draft(self, mode, size)
        drafted.append((size, self.size))
        return res

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    thumb = mk.thumbnail(desc, st, size=256)
    # The decoder scales by 1/2 (never straight to 256: that would alias), LANCZOS does the rest.
    assert drafted == [((512, 512), (512, 512))]
    got = np.asarray(PILImage.open(io.BytesIO(thumb)).convert("RGB"), np.int16)
    with PILImage.open(io.BytesIO(buf.getvalue())) as full:
        ref = np.asarray(full.convert("RGB").resize((256, 256), PILImage.Resampling.LANCZOS), np.int16)
    diff = np.abs(got - ref)
    assert got.shape == ref.shape == (256, 256, 3)
    assert diff.mean() < 0.75 and diff.max() <= 16, (diff.mean(), diff.max())


def test_a_jpeg_close_to_the_target_size_is_decoded_whole(tmp_path, monkeypatch):
    from PIL import JpegImagePlugin

    buf = io.BytesIO()
    PILImage.fromarray(_photo(300)).save(buf, "JPEG", quality=90)
    st = mk.LocalStore(tmp_path)
    desc = mk.Image(buf.getvalue()).encode(st)
    calls = []
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", lambda self, mode, size: calls.append(size))
    assert PILImage.open(io.BytesIO(mk.thumbnail(desc, st, size=256))).size == (256, 256)
    assert calls == []  # 300 px is less than twice 256: no reduced decoding


def _count_decoders(monkeypatch) -> list[str]:
    made: list[str] = []
    real = PILImage._getdecoder

    def spy(mode, decoder_name, *args, **kwargs):
        made.append(decoder_name)
        return real(mode, decoder_name, *args, **kwargs)

    monkeypatch.setattr(PILImage, "_getdecoder", spy)
    return made


def _exif_after_pixels(png: bytes) -> bytes:
    """Move a PNG's eXIf chunk behind its pixel data (where some writers put it)."""
    import struct

    pos, chunks = 8, []
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos : pos + 4])
        chunks.append(png[pos : pos + 12 + n])
        pos += 12 + n
    exif = [c for c in chunks if c[4:8] == b"eXIf"]
    rest = [c for c in chunks if c[4:8] != b"eXIf"]
    assert len(exif) == 1 and rest[-1][4:8] == b"IEND"
    return png[:8] + b"".join(rest[:-1] + exif + rest[-1:])


def test_a_png_is_decoded_once_and_its_orientation_after_the_pixels_is_applied(tmp_path, monkeypatch):
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :20] = (255, 0, 0)  # left half red, right half blue (as stored)
    pixels[:, 20:] = (0, 0, 255)
    exif = PILImage.Exif()
    exif[0x0112] = 6  # displayed turned a quarter clockwise
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(buf, "PNG", exif=exif.tobytes())
    data = _exif_after_pixels(buf.getvalue())
    with PILImage.open(io.BytesIO(data)) as im:
        assert "exif" not in im.info  # only known after decoding the pixels
    st = mk.LocalStore(tmp_path)
    desc = mk.Image(data).encode(st)
    assert st.read(desc["path"]) == data  # stored as it is
    made = _count_decoders(monkeypatch)
    png = mk.thumbnail(desc, st, size=64)
    assert made == ["zip"]  # the stored PNG was decoded once
    thumb = PILImage.open(io.BytesIO(png)).convert("RGB")
    assert thumb.size == (20, 40)
    assert thumb.getpixel((10, 5)) == (255, 0, 0) and thumb.getpixel((10, 35)) == (0, 0, 255)


def test_a_thumbnail_job_reads_each_stored_file_once(tmp_path, monkeypatch):
    st = mk.LocalStore(tmp_path / "s")
    desc = mk.Image(_photo(64)).encode(st)
    (tmp_path / "d.json").write_bytes(dumps(desc))
    reads: list[str] = []
    real = mk.LocalStore._read

    def spy(self, path):
        reads.append(path)
        return real(self, path)

    monkeypatch.setattr(mk.LocalStore, "_read", spy)
    [out] = list(thumbnail_stream([ThumbJob(str(tmp_path / "d.json"))], st, size=32))
    assert out.ok and out.value == mk.thumbnail(desc, st, size=32)
    assert reads == [desc["path"], desc["path"]]  # once for the job, once for the reference here
    # ... and the one read is the one checked against the descriptor's sha256.
    (tmp_path / "s" / desc["path"]).write_bytes(b"\x89PNG swapped")
    [bad] = list(thumbnail_stream([ThumbJob(str(tmp_path / "d.json"))], st, size=32))
    assert type(bad.error) is mk.StorageError and "does not match its sha256" in str(bad.error)


def test_stamp_name():
    assert stamp_name("a/b/c.png") == ".mediakit-stamps/a/b/c.png.stamp"
    assert stamp_name("c.webp") == ".mediakit-stamps/c.webp.stamp"


# -- reports and walks ------------------------------------------------------------------------------


def test_json_lines_report_streams_records_and_a_summary():
    buf = io.StringIO()
    rep = JsonLinesReport(buf, flush_every=1)
    rep.write(Outcome("a.png", value={"_type": "image"}))
    rep.write(Outcome("b.png", error=mk.DecodeError("input: not a PNG")), input="b.png")
    rep.write(Outcome("c.png", skipped=True, attempts=0))
    summary = rep.close()
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert lines[0] == {"attempts": 1, "key": "a.png", "status": "ok", "value": {"_type": "image"}}
    assert lines[1] == {"attempts": 1, "key": "b.png", "status": "failed", "input": "b.png", "error": {"type": "DecodeError", "message": "input: not a PNG"}}
    assert lines[2] == {"attempts": 0, "key": "c.png", "status": "skipped"}
    assert lines[3]["summary"]["ok"] == 1 and lines[3]["summary"]["failed"] == 1 and lines[3]["summary"]["skipped"] == 1
    assert summary == lines[3]["summary"]


def test_walk_files_is_sorted_per_folder_and_skips_hidden(tmp_path):
    for rel in ["b/2.json", "b/1.json", "a.json", ".hidden/x.json", "b/.stamp", "c.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    got = [rel.as_posix() for _p, rel in walk_files([tmp_path], suffixes={".json"})]
    assert got == ["a.json", "b/1.json", "b/2.json"]
    single = list(walk_files([tmp_path / "a.json"]))
    assert single == [(tmp_path / "a.json", Path("a.json"))]
