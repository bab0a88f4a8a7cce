"""Scale-out workloads (issue 14): thumbnails of 1,000 photos on 1 and 2 worker processes, and
peak memory of a 100,000-descriptor thumbnail batch against a 10,000 one.

- ``mediakit N worker(s)``: ``mediakit.batch.thumbnail_stream`` over ``ThumbJob``s of descriptor
  files with ``executor="processes"``: read the descriptor, validate it, read the stored file
  through the size guard, decode, resample to 256 px, encode PNG; results consumed as they
  stream (nothing kept).
- ``baseline: Pillow loop``: one core, for each stored file: ``PIL.Image.open``, ``thumbnail``
  (same resampling; before any ``convert``, so JPEGs decode at a reduced scale), PNG into memory
  (Pillow's default level 6; mediakit writes thumbnails with its own PNG writer). Per-worker
  throughput of mediakit should be >= 0.9x this.
- The memory workload runs each size in a fresh interpreter over a generator of descriptors, never a
  list, and reports that parent process's peak resident size (the process that would otherwise
  accumulate results): ``VmHWM``, the peak of this program's memory map (``ru_maxrss`` would also
  count the forked copy of the bench runner that exec replaced).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Target, Workload

ROOT = Path(__file__).resolve().parents[2]
N_PHOTOS = 1000
SIDE = 1024
THUMB = 256


def _setup_photos() -> dict[str, Any]:
    from PIL import Image as PILImage

    import mediakit as mk
    from mediakit._descriptor import dumps
    from mediakit.batch import ThumbJob

    tmp = Path(tempfile.mkdtemp(prefix="mk-bench-scale-"))
    src = PILImage.open(ROOT / "fixtures" / "corpus" / "images" / "astronaut.png").convert("RGB").resize((SIDE, SIDE))
    base = np.asarray(src)
    store = mk.LocalStore(tmp / "store")
    jobs, files = [], []
    rng = np.random.default_rng(0)
    for i in range(N_PHOTOS):
        # Every photo differs (shifted, with a little noise) so no two are the same content.
        arr = np.roll(base, (i * 7) % SIDE, axis=1)
        arr = np.clip(arr.astype(np.int16) + rng.integers(-3, 4, arr.shape, dtype=np.int16), 0, 255).astype(np.uint8)
        fmt = "JPEG" if i % 2 else "PNG"
        p = tmp / "in" / f"p{i:04d}.{'jpg' if i % 2 else 'png'}"
        p.parent.mkdir(parents=True, exist_ok=True)
        PILImage.fromarray(arr).save(p, fmt, **({"quality": 90} if fmt == "JPEG" else {"compress_level": 1}))
        desc = mk.Image(p).encode(store)
        d = tmp / "descriptors" / f"{p.name}.json"
        d.parent.mkdir(parents=True, exist_ok=True)
        d.write_bytes(dumps(desc))
        jobs.append(ThumbJob(str(d)))
        files.append(store.local_path(desc["path"]))
    return {"tmp": tmp, "store": store, "jobs": jobs, "files": files}


def _teardown(data: dict[str, Any]) -> None:
    shutil.rmtree(data["tmp"], ignore_errors=True)


def _mediakit(workers: int) -> Any:
    def run(data: dict[str, Any]) -> int:
        from mediakit.batch import thumbnail_stream

        total = 0
        for out in thumbnail_stream(data["jobs"], data["store"], size=THUMB, executor="processes", workers=workers):
            if out.error is not None:
                raise out.error
            total += len(out.value)
        return total

    return run


def pillow_loop(data: dict[str, Any]) -> int:
    from PIL import Image as PILImage

    total = 0
    for f in data["files"]:
        with PILImage.open(f) as im:
            # thumbnail() before convert(): a JPEG is then decoded at a reduced scale (draft)
            im.thumbnail((THUMB, THUMB), PILImage.Resampling.LANCZOS)
            im = im.convert("RGB")
            buf = io.BytesIO()
            im.save(buf, "PNG")
        total += buf.tell()
    return total


PHOTOS = Workload(
    name="Thumbnails of 1,000 photos 1024² (JPEG + PNG), 1 and 2 worker processes",
    description=(
        "mediakit.batch.thumbnail_stream(executor='processes') over 1,000 stored photos (half JPEG, half PNG, 1024x1024) "
        "to 256 px PNG on 1 and 2 worker processes, against a bare one-core Pillow loop (open, thumbnail, save PNG)"
    ),
    setup=_setup_photos,
    teardown=_teardown,
    contenders={
        "mediakit 2 workers": _mediakit(2),
        "mediakit 1 worker": _mediakit(1),
        "baseline: Pillow loop": pillow_loop,
    },
    targets=[Target("mediakit 2 workers", "mediakit 1 worker", 1.7), Target("mediakit 1 worker", "baseline: Pillow loop", 0.9)],
    repeat=1,
    items=N_PHOTOS,
    unit="photos",
)


_DRIVER = r"""
import json, resource, shutil, sys, tempfile
import numpy as np
import mediakit as mk
from mediakit.batch import thumbnail_stream

def main(n):
    tmp = tempfile.mkdtemp(prefix="mk-bench-mem-")
    try:
        store = mk.LocalStore(tmp)
        base = mk.Image(np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)).encode(store)
        descs = ({**base, "caption": f"item {i}"} for i in range(n))  # a generator: never a list
        ok = failed = 0
        for out in thumbnail_stream(descs, store, size=16, executor="processes", workers=2):
            ok += out.ok
            failed += not out.ok
        print(json.dumps({"n": n, "ok": ok, "failed": failed, "peak_kib": peak_kib()}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the scratch store is not left behind

def peak_kib():
    # VmHWM belongs to this program's memory map; ru_maxrss also carries the high-water mark of
    # the process image exec replaced (the forked copy of a big parent, such as the bench runner).
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

if __name__ == "__main__":
    main(int(sys.argv[1]))
"""


def _peak(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        script = Path(d, "drive.py")
        script.write_text(_DRIVER)
        out = subprocess.run([sys.executable, str(script), str(n)], capture_output=True, text=True, timeout=3600, check=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def flat_memory(_data: Any) -> int:
    """Peak RSS of the 100,000-descriptor run must be within 20 % of the 10,000 one."""
    small, big = _peak(10_000), _peak(100_000)
    print(f"scale memory: 10,000 -> {small['peak_kib']} KiB, 100,000 -> {big['peak_kib']} KiB", file=sys.stderr)
    if small["failed"] or big["failed"]:
        msg = f"items failed: {small['failed']} of 10,000, {big['failed']} of 100,000"
        raise RuntimeError(msg)
    if big["peak_kib"] > 1.2 * small["peak_kib"]:
        msg = f"peak memory grew: {small['peak_kib']} KiB for 10,000 descriptors, {big['peak_kib']} KiB for 100,000"
        raise RuntimeError(msg)
    return int(big["peak_kib"]) * 1024


MEMORY = Workload(
    name="Thumbnail batch of 100,000 descriptors: flat memory",
    description=(
        "thumbnail_stream over a generator of 100,000 descriptors (16 px, 2 worker processes) in a fresh interpreter; "
        "the contender fails unless its peak RSS is within 20% of the same run over 10,000 descriptors "
        "(bytes out = the 100,000 run's peak RSS)"
    ),
    setup=lambda: None,
    contenders={"mediakit 100,000 vs 10,000 (peak RSS)": flat_memory},
    repeat=1,
    items=110_000,
    unit="descriptors",
)

WORKLOADS = [PHOTOS, MEMORY]
