"""Core workloads: PNG encoding of photo-like images and annotated images (masks + boxes) logged
as lists (encoded on the thread pool), histograms of 10⁷ values, and import time. The
one-item-at-a-time figures are in ``per_item.py``.

Incumbents: wandb (offline) and tensorboardX, imported inside their contender functions so a
missing library is reported as skipped. What each contender times:

- ``mediakit``: constructing the ``mk.Image`` objects and ``mk.encode({"examples": [...]},
  mk.MemoryStore())``: validation, PNG encoding (on a thread pool, both cores), sha256 naming,
  storing, and the complete JSON descriptor.
- ``mediakit Run.log``: the same through ``mk.Run(dir).log({...})`` into a fresh local
  directory, so files are really written and ``history.jsonl`` appended, like a training loop.
- ``wandb.Image``: constructing the ``wandb.Image`` objects. This is where wandb encodes the
  PNG (Pillow, default level 6), writes it to its temporary media folder and hashes it, i.e. all
  of its media-type work except moving the file into the run. The temporary files are deleted
  inside the timed call (a few unlinks, well under 1 % of the time).
- ``wandb run.log (offline)``: ``run.log({"examples": [wandb.Image(a) ...]})`` in an offline run
  started once (``wandb.init(mode="offline")`` is part of the untimed warm-up, as it happens once
  per training): construction plus moving the files into the run's media folder and serialising
  the step's JSON; the step is then handed to wandb's service process asynchronously, so the time
  is what the training loop waits for.
- ``tensorboardX summary.image``: ``tensorboardX.summary.image(tag, a, dataformats="HWC")`` for
  each image: PNG encoding (Pillow, default level) into a ``Summary`` protocol buffer.
- ``tensorboardX add_image``: ``SummaryWriter.add_image(...)`` for each image, then ``flush()``
  (the event file is written by tensorboardX's writer thread; ``flush`` waits for it).
- ``baseline: ...``: what the hardware allows: Pillow's fastest useful PNG level on one core,
  and plain ``zlib.compress(level=1)`` of the raw pixels on both cores (no PNG filtering at all).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Target, Workload

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus" / "images"
#: Real photographs (scikit-image's sample data, see fixtures/corpus/SOURCES.md).
PHOTOS = ("astronaut.png", "coffee.png", "hubble_deep_field.jpg", "camera.png")

N_PNG = 32
N_ANNOTATED = 16
SIDE = 512
N_BOXES = 100
N_HIST = 10_000_000


# --------------------------------------------------------------------------------------------
# Inputs


def photo_like(n: int, side: int = SIDE, seed: int = 0) -> list[np.ndarray]:
    """``n`` distinct ``(side, side, 3)`` uint8 images cut from real photographs: a random square
    crop of 60-100 % of the photo's short side, resized with Lanczos, randomly mirrored. The grey
    ``camera`` photo is given a colour tint so every image is really RGB."""
    from PIL import Image as PILImage

    rng = np.random.default_rng(seed)
    sources = []
    for name in PHOTOS:
        with PILImage.open(CORPUS / name) as im:
            arr = np.asarray(im.convert("RGB"))
        if name == "camera.png":
            arr = np.clip(arr.astype(np.float32) * np.array([1.0, 0.9, 0.75], np.float32), 0, 255).astype(np.uint8)
        sources.append(arr)
    out = []
    for i in range(n):
        src = sources[i % len(sources)]
        h, w, _ = src.shape
        crop = int(min(h, w) * rng.uniform(0.6, 1.0))
        y, x = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
        im = PILImage.fromarray(src[y : y + crop, x : x + crop]).resize((side, side), PILImage.Resampling.LANCZOS)
        arr = np.asarray(im)
        if rng.random() < 0.5:
            arr = arr[:, ::-1]
        out.append(np.ascontiguousarray(arr))
    return out


def _masks(img: np.ndarray, rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    """Two segmentation-like masks (smooth regions, as a model would predict): luminance of a
    blurred copy quantised into 6 classes, with different thresholds for the two masks."""
    from PIL import Image as PILImage
    from PIL import ImageFilter

    lum = np.asarray(PILImage.fromarray(img).convert("L").filter(ImageFilter.BoxBlur(6)), np.float32)
    labels = {0: "background", 1: "sky", 2: "road", 3: "person", 4: "car", 5: "tree"}
    out = {}
    for name in ("predictions", "ground_truth"):
        cuts = np.sort(rng.uniform(30, 225, 5)).astype(np.float32)
        out[name] = {"mask_data": np.searchsorted(cuts, lum).astype(np.uint8), "class_labels": dict(labels)}
    return out


def _boxes(rng: np.random.Generator, side: int = SIDE, n: int = N_BOXES) -> dict[str, dict[str, Any]]:
    labels = {0: "background", 1: "sky", 2: "road", 3: "person", 4: "car", 5: "tree"}
    data = []
    for _ in range(n):
        w, h = (float(v) for v in rng.uniform(8, side / 4, 2))
        x0, y0 = float(rng.uniform(0, side - w)), float(rng.uniform(0, side - h))
        c = int(rng.integers(1, 6))
        data.append(
            {
                "position": {"minX": x0, "maxX": x0 + w, "minY": y0, "maxY": y0 + h},
                "domain": "pixel",
                "class_id": c,
                "box_caption": f"{labels[c]} {float(rng.uniform(0.3, 1)):.2f}",
                "scores": {"confidence": float(rng.uniform(0.3, 1)), "iou": float(rng.uniform(0, 1))},
            }
        )
    return {"predictions": {"box_data": data, "class_labels": labels}}


@dataclass
class Bench:
    """Prepared input plus the incumbents' long-lived objects (one wandb run, one tensorboardX
    writer), created on first use and closed by :func:`_teardown`."""

    arrays: list[np.ndarray]
    masks: list[dict[str, Any]] = field(default_factory=list)
    boxes: list[dict[str, Any]] = field(default_factory=list)
    wandb_run: Any = None
    tbx_writer: Any = None
    step: int = 0
    calls: int = 0

    _tmp: str | None = None

    @property
    def tmp(self) -> str:
        """A scratch directory, made on first use (so preparing the input alone leaves nothing)."""
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="mediakit-bench-core-")
        return self._tmp

    def fresh_dir(self, prefix: str) -> str:
        self.calls += 1
        return os.path.join(self.tmp, f"{prefix}-{self.calls}")


def _setup_png() -> Bench:
    return Bench(photo_like(N_PNG))


def _setup_annotated() -> Bench:
    rng = np.random.default_rng(1)
    arrays = photo_like(N_ANNOTATED, seed=1)
    return Bench(arrays, masks=[_masks(a, rng) for a in arrays], boxes=[_boxes(rng) for _ in arrays])


def _input_bytes(b: Bench) -> int:
    return sum(a.nbytes for a in b.arrays) + sum(m["mask_data"].nbytes for ms in b.masks for m in ms.values())


def _teardown(b: Bench) -> None:
    try:
        if b.wandb_run is not None:
            b.wandb_run.finish()
        if b.tbx_writer is not None:
            b.tbx_writer.close()
    finally:
        if b._tmp is not None:
            shutil.rmtree(b._tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# mediakit


def _stored_bytes(desc: Any, seen: set[str] | None = None) -> int:
    """Bytes of the distinct files a descriptor refers to (content-addressed: counted once)."""
    seen = set() if seen is None else seen
    total = 0
    if isinstance(desc, dict):
        sha = desc.get("sha256")
        if isinstance(sha, str) and isinstance(desc.get("size"), int) and sha not in seen:
            seen.add(sha)
            total += desc["size"]
        for v in desc.values():
            total += _stored_bytes(v, seen)
    elif isinstance(desc, list):
        for v in desc:
            total += _stored_bytes(v, seen)
    return total


def _mk_images(b: Bench) -> list[Any]:
    import mediakit as mk

    if b.masks:
        return [mk.Image(a, masks=m, boxes=bx) for a, m, bx in zip(b.arrays, b.masks, b.boxes)]
    return [mk.Image(a) for a in b.arrays]


def row_bytes(rows: list[Any], inline: bool) -> Callable[[], int]:
    """A deferred count (the harness calls it after the clock stops) of the bytes of ``rows``'
    distinct files, plus their JSON text when ``inline`` (boxes live in the descriptor, where
    wandb writes them to files of their own)."""

    def count() -> int:
        return sum(_stored_bytes(r) + (len(json.dumps(r, separators=(",", ":"))) if inline else 0) for r in rows)

    return count


def mediakit_encode(b: Bench) -> Callable[[], int]:
    import mediakit as mk

    row = mk.encode({"examples": _mk_images(b)}, mk.MemoryStore())
    return row_bytes([row], bool(b.masks))


def mediakit_run_log(b: Bench) -> Callable[[], int]:
    import mediakit as mk

    run = mk.Run(b.fresh_dir("mk-run"))
    row = run.log({"examples": _mk_images(b)})
    return row_bytes([row], bool(b.masks))


# --------------------------------------------------------------------------------------------
# wandb (offline)


def _wandb() -> Any:
    # benchmarks/run.py points every wandb folder into a temporary directory; these defaults
    # keep a direct import of this module offline and quiet too.
    os.environ["WANDB_MODE"] = "offline"
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_CONSOLE", "off")
    import wandb

    return wandb


def _wandb_files(img: Any) -> list[Any]:
    """The wandb media objects holding files: the image, its masks and its box sets."""
    objs = [img]
    objs += list((img._masks or {}).values())
    objs += list((img._boxes or {}).values())
    return objs


def _wandb_images(wandb: Any, b: Bench) -> list[Any]:
    if b.masks:
        return [wandb.Image(a, masks=m, boxes=bx) for a, m, bx in zip(b.arrays, b.masks, b.boxes)]
    return [wandb.Image(a) for a in b.arrays]


def wandb_image(b: Bench) -> int:
    wandb = _wandb()
    imgs = _wandb_images(wandb, b)
    total = 0
    for img in imgs:
        for obj in _wandb_files(img):
            total += obj._size
            if obj._is_tmp:
                os.unlink(obj._path)
    return total


def _wandb_run(wandb: Any, b: Bench) -> Any:
    if b.wandb_run is None:
        settings = wandb.Settings(
            x_disable_stats=True, x_disable_meta=True, console="off", disable_git=True, save_code=False, silent=True
        )
        b.wandb_run = wandb.init(mode="offline", project="mediakit-bench", dir=b.tmp, settings=settings, reinit="create_new")
    return b.wandb_run


def wandb_log(b: Bench) -> int:
    wandb = _wandb()
    run = _wandb_run(wandb, b)
    imgs = _wandb_images(wandb, b)
    run.log({"examples": imgs})
    return sum(obj._size for img in imgs for obj in _wandb_files(img))


# --------------------------------------------------------------------------------------------
# tensorboardX


def tbx_summary(b: Bench) -> int:
    from tensorboardX import summary

    total = 0
    for i, a in enumerate(b.arrays):
        s = summary.image(f"examples/{i}", a, dataformats="HWC")
        total += len(s.value[0].image.encoded_image_string)
    return total


def tbx_add_image(b: Bench) -> int:
    from tensorboardX import SummaryWriter

    if b.tbx_writer is None:
        b.tbx_writer = SummaryWriter(logdir=os.path.join(b.tmp, "tbx"))
    w = b.tbx_writer
    before = _dir_bytes(w.logdir)
    b.step += 1
    for i, a in enumerate(b.arrays):
        w.add_image(f"examples/{i}", a, b.step, dataformats="HWC")
    w.flush()
    return _dir_bytes(w.logdir) - before


def _dir_bytes(path: str) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------
# Baselines


def pillow_level1(b: Bench) -> int:
    from PIL import Image as PILImage

    total = 0
    for a in b.arrays:
        buf = io.BytesIO()
        PILImage.fromarray(a).save(buf, "png", compress_level=1)
        total += buf.tell()
    return total


def zlib_raw_2threads(b: Bench) -> int:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return sum(pool.map(lambda a: len(zlib.compress(memoryview(a).cast("B"), 1)), b.arrays))


PNG = Workload(
    name="PNG encode: 32 photo-like 512x512 RGB images",
    description=(
        "32 distinct 512x512 RGB crops of real photographs (fixtures/corpus/images) logged under one key as a list of "
        "images: mediakit (mk.encode into a MemoryStore; mk.Run.log into a local folder) against wandb.Image "
        "(construction = PNG encode + temp file + sha256), wandb run.log offline, tensorboardX image summaries, and "
        "the hardware limit. Output = PNG bytes (mediakit: stored files; tensorboardX add_image: event-file growth)"
    ),
    setup=_setup_png,
    contenders={
        "mediakit": mediakit_encode,
        "mediakit Run.log": mediakit_run_log,
        "wandb.Image": wandb_image,
        "wandb run.log (offline)": wandb_log,
        "tensorboardX summary.image": tbx_summary,
        "tensorboardX add_image": tbx_add_image,
        "baseline: Pillow PNG level 1, 1 core": pillow_level1,
        "baseline: zlib level 1 of raw pixels, all cores": zlib_raw_2threads,
    },
    targets=[
        Target("mediakit", "wandb.Image", ratio=3.0, max_bytes_ratio=1.15),
        Target("mediakit Run.log", "wandb run.log (offline)", ratio=3.0, max_bytes_ratio=1.15),
    ],
    repeat=5,
    input_bytes=_input_bytes,
    teardown=_teardown,
    items=N_PNG,
    unit="images",
)

ANNOTATED = Workload(
    name="Annotated images: 16 images with 2 masks and 100 boxes each",
    description=(
        "16 photo-like 512x512 RGB images, each with two 6-class segmentation masks and 100 labelled, scored boxes in "
        "pixel coordinates: mediakit (validation of every box and mask, PNG for image and masks, boxes in the "
        "descriptor) against wandb.Image (image and mask PNGs, a JSON file per box set) and wandb run.log offline. "
        "Output = files + descriptor JSON for mediakit, files for wandb"
    ),
    setup=_setup_annotated,
    contenders={
        "mediakit": mediakit_encode,
        "mediakit Run.log": mediakit_run_log,
        "wandb.Image": wandb_image,
        "wandb run.log (offline)": wandb_log,
    },
    targets=[
        Target("mediakit", "wandb.Image", ratio=3.0),
        Target("mediakit Run.log", "wandb run.log (offline)", ratio=3.0),
    ],
    repeat=5,
    input_bytes=_input_bytes,
    teardown=_teardown,
    items=N_ANNOTATED,
    unit="images",
)


# --------------------------------------------------------------------------------------------
# Histogram


def _setup_hist() -> np.ndarray:
    return np.random.default_rng(2).standard_normal(N_HIST, dtype=np.float32)


def mk_histogram(x: np.ndarray) -> None:
    import mediakit as mk

    mk.Histogram(x)


def np_histogram(x: np.ndarray) -> None:
    np.histogram(x, 64)


def wandb_histogram(x: np.ndarray) -> None:
    _wandb().Histogram(x)


def one_pass(x: np.ndarray) -> None:
    x.max()


HISTOGRAM = Workload(
    name="Histogram of 10^7 float32 values",
    description=(
        "64 equal-width bins over 10^7 standard-normal float32 samples: mk.Histogram(x) against np.histogram(x, 64) "
        "and wandb.Histogram(x) (which calls np.histogram); the baseline is one read pass over the data (x.max()). "
        "Peak extra memory of mk.Histogram is traced with tracemalloc"
    ),
    setup=_setup_hist,
    contenders={
        "mediakit": mk_histogram,
        "np.histogram": np_histogram,
        "wandb.Histogram": wandb_histogram,
        "baseline: one read pass (x.max())": one_pass,
    },
    targets=[
        Target("mediakit", "np.histogram", ratio=2.0, max_peak_fraction=0.5),
        Target("mediakit", "wandb.Histogram", ratio=2.0),
    ],
    repeat=5,
    input_bytes=lambda x: int(x.nbytes),
    items=N_HIST,
    unit="values",
)


# --------------------------------------------------------------------------------------------
# Import time


def _python(code: str) -> Any:
    def run(_: Any) -> None:
        # -E: ignore PYTHON* variables of the calling shell, so every contender starts alike.
        proc = subprocess.run([sys.executable, "-E", "-c", code], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            if "ModuleNotFoundError" in last:
                raise ImportError(last)
            msg = f"python -c {code!r} failed: {last}"
            raise RuntimeError(msg)

    return run


IMPORT = Workload(
    name="Import time",
    description=(
        "A fresh interpreter running `python -E -c 'import ...'` (subprocess, so interpreter start-up is included in every "
        "row; the baseline shows it alone). `import mediakit` imports no heavy module; `mk.Image` additionally resolves "
        "the Image kind, which imports numpy and Pillow: the cost of the first real use"
    ),
    setup=lambda: None,
    contenders={
        "import mediakit": _python("import mediakit"),
        "import mediakit; mk.Image": _python("import mediakit as mk; mk.Image"),
        "import numpy, PIL.Image": _python("import numpy, PIL.Image"),
        "import wandb": _python("import wandb"),
        "import tensorboardX": _python("import tensorboardX"),
        "baseline: python -c pass": _python("pass"),
    },
    targets=[
        Target("import mediakit", "import numpy, PIL.Image", ratio=1 / 1.2),
        Target("import mediakit", "import mediakit", ratio=0.0, max_seconds=0.05),
        Target("import mediakit; mk.Image", "import numpy, PIL.Image", ratio=1 / 1.2),
    ],
    repeat=9,
)

WORKLOADS = [PNG, ANNOTATED, HISTOGRAM, IMPORT]
