"""Workloads one item at a time, the way a training loop logs: 512x512 photos and annotated
images logged one after the other (no thread pool across images), one 9000x9000 photo, and the
validation of a descriptor with 100,000 boxes. Inputs and incumbent helpers are shared with
``core.py`` (the same images as its batched workloads).
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import numpy as np

from benchmarks.harness import Target, Workload
from benchmarks.workloads.core import (
    CORPUS,
    N_ANNOTATED,
    N_PNG,
    SIDE,
    Bench,
    _boxes,
    _input_bytes,
    _setup_annotated,
    _setup_png,
    _teardown,
    _wandb,
    _wandb_files,
    _wandb_run,
    pillow_level1,
    row_bytes,
)

# --------------------------------------------------------------------------------------------
# One item at a time: what a training loop does (log one image, go on training)


def mediakit_each(b: Bench) -> int:
    """Each image on its own: ``mk.encode({"examples": mk.Image(a, ...)}, store)``, one after the
    other (no thread pool across images)."""
    import mediakit as mk

    rows = []
    store = mk.MemoryStore()
    for i, a in enumerate(b.arrays):
        img = mk.Image(a, masks=b.masks[i], boxes=b.boxes[i]) if b.masks else mk.Image(a)
        rows.append(mk.encode({"examples": img}, store))
    return row_bytes(rows, bool(b.masks))


def mediakit_run_log_each(b: Bench) -> int:
    import mediakit as mk

    run = mk.Run(b.fresh_dir("mk-run-each"))
    rows = []
    for i, a in enumerate(b.arrays):
        img = mk.Image(a, masks=b.masks[i], boxes=b.boxes[i]) if b.masks else mk.Image(a)
        rows.append(run.log({"examples": img}))
    return row_bytes(rows, bool(b.masks))


def wandb_image_each(b: Bench) -> int:
    wandb = _wandb()
    total = 0
    for i, a in enumerate(b.arrays):
        img = wandb.Image(a, masks=b.masks[i], boxes=b.boxes[i]) if b.masks else wandb.Image(a)
        for obj in _wandb_files(img):
            total += obj._size
            if obj._is_tmp:
                os.unlink(obj._path)
    return total


def wandb_log_each(b: Bench) -> int:
    wandb = _wandb()
    run = _wandb_run(wandb, b)
    total = 0
    for i, a in enumerate(b.arrays):
        img = wandb.Image(a, masks=b.masks[i], boxes=b.boxes[i]) if b.masks else wandb.Image(a)
        run.log({"examples": img})
        total += sum(obj._size for obj in _wandb_files(img))
    return total


PNG_EACH = Workload(
    name="PNG encode, one 512x512 photo at a time",
    description=(
        "The 32 photo-like 512x512 RGB images of the batched workload, each logged on its own, one after the other "
        "(a training loop's pattern): mk.encode({'examples': mk.Image(a)}) per image into a MemoryStore, and "
        "mk.Run.log per image, against wandb.Image and wandb run.log per image, and Pillow's PNG level 1 per image "
        "(the 'per item' column is the time per image)"
    ),
    setup=_setup_png,
    contenders={
        "mediakit": mediakit_each,
        "mediakit Run.log": mediakit_run_log_each,
        "wandb.Image": wandb_image_each,
        "wandb run.log (offline)": wandb_log_each,
        "baseline: Pillow PNG level 1": pillow_level1,
    },
    targets=[
        Target("mediakit", "wandb.Image", ratio=10.0, max_bytes_ratio=1.12),
        Target("mediakit", "baseline: Pillow PNG level 1", ratio=2.0),
        Target("mediakit Run.log", "wandb run.log (offline)", ratio=10.0, max_bytes_ratio=1.12),
    ],
    input_bytes=_input_bytes,
    teardown=_teardown,
    items=N_PNG,
    unit="images",
)

ANNOTATED_EACH = Workload(
    name="Annotated images, one at a time (2 masks, 100 boxes each)",
    description=(
        "The 16 annotated 512x512 images of the batched workload (two 6-class masks, 100 scored boxes each), each "
        "logged on its own, one after the other: mk.encode / mk.Run.log per image against wandb.Image / wandb "
        "run.log per image"
    ),
    setup=_setup_annotated,
    contenders={
        "mediakit": mediakit_each,
        "mediakit Run.log": mediakit_run_log_each,
        "wandb.Image": wandb_image_each,
        "wandb run.log (offline)": wandb_log_each,
    },
    targets=[
        Target("mediakit", "wandb.Image", ratio=8.0),
        Target("mediakit Run.log", "wandb run.log (offline)", ratio=8.0),
    ],
    input_bytes=_input_bytes,
    teardown=_teardown,
    items=N_ANNOTATED,
    unit="images",
)


# --------------------------------------------------------------------------------------------
# One very large image

BIG_SIDE = 9000


def _setup_big() -> np.ndarray:
    """A 9000x9000 RGB photo (243 MB): the astronaut photograph resized with Lanczos."""
    from PIL import Image as PILImage

    with PILImage.open(CORPUS / "astronaut.png") as im:
        return np.asarray(im.convert("RGB").resize((BIG_SIDE, BIG_SIDE), PILImage.Resampling.LANCZOS))


def mediakit_big(a: np.ndarray) -> int:
    import mediakit as mk

    return int(mk.Image(a).encode(mk.MemoryStore())["size"])


def pillow_big(a: np.ndarray) -> int:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.fromarray(a).save(buf, "png", compress_level=1)
    return buf.tell()


BIG = Workload(
    name="PNG encode: one 9000x9000 photo",
    description=(
        "One 9000x9000 RGB photograph (243 MB of pixels; the corpus astronaut resized with Lanczos): "
        "mk.Image(a).encode(MemoryStore()) (filtered and deflated by zlib in row blocks on both cores) against Pillow's PNG "
        "level 1. Peak extra memory of mediakit (traced; the input already exists, the output is counted) is "
        "compared with the input's size"
    ),
    setup=_setup_big,
    contenders={"mediakit": mediakit_big, "baseline: Pillow PNG level 1": pillow_big},
    targets=[Target("mediakit", "baseline: Pillow PNG level 1", ratio=2.0, max_peak_fraction=0.5)],
    input_bytes=lambda a: int(a.nbytes),
    items=1,
    unit="images",
)


# --------------------------------------------------------------------------------------------
# Validation of a large descriptor


def _setup_validate() -> dict[str, Any]:
    import mediakit as mk

    rng = np.random.default_rng(4)
    img = mk.Image(np.zeros((SIDE, SIDE, 3), np.uint8), boxes=_boxes(rng, SIDE, 100_000))
    return img.encode(mk.MemoryStore())


def mk_validate(desc: dict[str, Any]) -> None:
    import mediakit as mk

    mk.validate(desc)


def json_round_trip(desc: dict[str, Any]) -> None:
    json.loads(json.dumps(desc))


VALIDATE = Workload(
    name="Validate a descriptor with 100,000 boxes",
    description=(
        "mk.validate of an image descriptor holding 100,000 scored, captioned boxes (what a server does before using "
        "a descriptor it did not make): the schema compiled once into column-wise checks (one C pass per column with "
        "mediakit._speedups built, as make install does), plus the content-path rule. "
        "For scale, the baseline is a json.dumps + json.loads round trip of the same descriptor"
    ),
    setup=_setup_validate,
    contenders={"mediakit": mk_validate, "baseline: JSON round trip": json_round_trip},
    targets=[Target("mediakit", "mediakit", ratio=0.0, max_seconds=0.1)],
    items=100_000,
    unit="boxes",
)

WORKLOADS = [PNG_EACH, ANNOTATED_EACH, BIG, VALIDATE]
