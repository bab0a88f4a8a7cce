"""Dask distributed for real: a ``LocalCluster`` of 2 worker processes, and a scheduler plus
workers started as separate ``dask`` processes on 127.0.0.1, reached by ``tcp://`` address.
Both give byte-identical thumbnails to the local run; stores travel by URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._scale import dask_executor
from mediakit.batch import ThumbJob, stream, thumbnail_stream

pytest.importorskip("distributed")


def worker_pid(_x: int) -> int:
    return os.getpid()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ThumbJob]]:
    root = tmp_path_factory.mktemp("dask")
    st = mk.LocalStore(root / "store")
    rng = np.random.default_rng(3)
    jobs = []
    for i in range(6):
        desc = mk.Image(rng.integers(0, 255, (50 + 7 * i, 80, 3), dtype=np.uint8), caption=f"c{i}").encode(st)
        (root / f"d{i}.json").write_bytes(dumps(desc))
        jobs.append(ThumbJob(str(root / f"d{i}.json"), f"d{i}.png"))
    return root, jobs


def _run(root: Path, jobs: list[ThumbJob], out: str, **options: object) -> dict[str, bytes]:
    res = list(thumbnail_stream(jobs, str(root / "store"), out=str(root / out), size=32, **options))  # type: ignore[arg-type]
    assert all(o.ok for o in res), [o.error for o in res]
    return {p.name: p.read_bytes() for p in sorted((root / out).glob("*.png"))}


def test_local_cluster_of_two_processes_gives_the_local_bytes(corpus):
    root, jobs = corpus
    local = _run(root, jobs, "t-local", executor="threads", workers=2)
    with dask_executor("local", workers=2) as ex:  # what executor="local" starts, kept for two runs
        cluster = _run(root, jobs, "t-cluster", executor=ex)
        pids = {o.value for o in stream(worker_pid, range(20), executor=ex)}
    assert len(local) == 6 and cluster == local
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # worker processes, not threads


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("sched")
    sched_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file)], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), "the dask scheduler did not start within 60 s"
        time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
        procs.append(subprocess.Popen(worker, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        distributed = pytest.importorskip("distributed")
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def test_scheduler_by_address_gives_the_local_bytes(corpus, scheduler):
    root, jobs = corpus
    local = _run(root, jobs, "t-local2", executor="threads", workers=2)
    remote = _run(root, jobs, "t-remote", executor=scheduler)
    assert len(local) == 6 and remote == local


def test_bad_scheduler_addresses():
    with pytest.raises(mk.ValidationError, match=r"scheduler: expected 'local' or an address such as 'tcp://127.0.0.1:8786', got 'tcp://'"):
        with dask_executor("tcp://"):
            pass
