"""Table and chart workloads: a 10,000 x 6 mixed table, a 10⁶ x 4 numeric DataFrame, PR + ROC
curves on 10⁵ samples x 10 classes, and a confusion matrix of 10⁶ predictions x 100 classes.

Inputs are synthetic but shaped like real logs (seeded, so every run times the same data): rows of
text, ids, scores, flags, a metric with missing values and a label; Gaussian feature columns;
classifier scores that favour the true class.

What each contender times:

- ``mediakit``: constructing the object (``mk.Table(...)``, ``mk.plot.pr_curve(...)`` ...) and
  ``.encode(mk.MemoryStore())``: type inference and checks, the JSON table file (or Parquet for the
  10⁶-row frame), sha256 naming, storing, and the complete descriptor with its Vega-Lite spec.
- ``wandb.Table (construct + serialise)``: constructing ``wandb.Table`` (its per-row type checks)
  and serialising it the way ``bind_to_run`` does when the table is logged
  (``_to_table_json`` + ``util.json_dumps_safer``), without the temporary file.
- ``wandb run.log (offline)``: ``run.log({"table": wandb.Table(...)})`` in an offline run started
  once in the untimed warm-up: construction, the table file written into the run, the step's JSON.
- ``wandb.plot.*``: building the chart (``wandb.plot.pr_curve`` + ``roc_curve`` need scikit-learn
  and scipy; without them the contender is reported as skipped) and serialising its table as above.
- ``baseline: ...``: the floor: ``json.dumps`` of the rows; pyarrow's Parquet writer on the frame;
  one ``argsort`` per class; one ``np.bincount``.

The 10⁶-row frame: wandb serialises at most ``Table.MAX_ARTIFACT_ROWS`` = 200,000 rows and takes
minutes on a million, so its contender gets the first 200,000 rows while mediakit gets all
10⁶. Its speed target (50x per row) is therefore expressed on wall time as 10x: mediakit does
five times the rows in a tenth of wandb's time.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks.harness import Target, Workload

N_ROWS = 10_000
COLUMNS = ["text", "id", "score", "flag", "metric", "label"]
N_FRAME = 1_000_000
WANDB_FRAME_ROWS = 200_000
N_CURVE, C_CURVE = 100_000, 10
N_MATRIX, C_MATRIX = 1_000_000, 100


@dataclass
class Bench:
    """Prepared input plus wandb's offline run (created on first use, finished at teardown)."""

    data: Any
    extra: Any = None
    tmp: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="mediakit-bench-tables-"))
    wandb_run: Any = None
    step: int = 0


def _teardown(b: Bench) -> None:
    try:
        if b.wandb_run is not None:
            b.wandb_run.finish()
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Inputs


def _setup_rows() -> Bench:
    rng = np.random.default_rng(0)
    words = ["great", "phone", "battery", "screen", "broke", "love", "slow", "fast", "camera", "price"]
    rows = []
    for i in range(N_ROWS):
        text = " ".join(words[j] for j in rng.integers(0, len(words), 6))
        metric = None if i % 7 == 0 else float(rng.normal())
        rows.append([text, i, float(rng.random()), bool(i % 3 == 0), metric, f"class_{i % 10}"])
    return Bench(rows)


def _setup_frame() -> Bench:
    import pandas as pd

    rng = np.random.default_rng(1)
    return Bench(pd.DataFrame(rng.standard_normal((N_FRAME, 4)), columns=["a", "b", "c", "d"]))


def _classifier(n: int, c: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    p = rng.random((n, c))
    p[np.arange(n), y] += rng.random(n)
    return y, p / p.sum(axis=1, keepdims=True)


def _setup_curves() -> Bench:
    y, p = _classifier(N_CURVE, C_CURVE, 2)
    return Bench(p, extra=y)


def _setup_matrix() -> Bench:
    rng = np.random.default_rng(3)
    y = rng.integers(0, C_MATRIX, N_MATRIX)
    preds = np.where(rng.random(N_MATRIX) < 0.7, y, rng.integers(0, C_MATRIX, N_MATRIX))
    return Bench(preds, extra=y)


NAMES = [f"class_{i}" for i in range(C_MATRIX)]


# --------------------------------------------------------------------------------------------
# mediakit


def mk_table(b: Bench) -> int:
    import mediakit as mk

    return int(mk.Table(columns=COLUMNS, data=b.data).encode(mk.MemoryStore())["size"])


def mk_frame(b: Bench) -> int:
    import mediakit as mk

    return int(mk.Table(dataframe=b.data, max_rows=None).encode(mk.MemoryStore())["size"])


def mk_curves(b: Bench) -> int:
    import mediakit as mk

    store = mk.MemoryStore()
    pr = mk.plot.pr_curve(b.extra, b.data).encode(store)
    roc = mk.plot.roc_curve(b.extra, b.data).encode(store)
    return int(pr["table"]["size"] + roc["table"]["size"])


def mk_matrix(b: Bench) -> int:
    import mediakit as mk

    return int(mk.plot.confusion_matrix(preds=b.data, y_true=b.extra, class_names=NAMES).encode(mk.MemoryStore())["table"]["size"])


# --------------------------------------------------------------------------------------------
# wandb (offline)


def _wandb() -> Any:
    os.environ["WANDB_MODE"] = "offline"
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_CONSOLE", "off")
    import wandb

    return wandb


def _serialise(wandb: Any, table: Any) -> int:
    """What ``Table.bind_to_run`` does when a table is logged, minus the temporary file."""
    from wandb.sdk.data_types.base_types.media import _numpy_arrays_to_lists

    data = _numpy_arrays_to_lists(table._to_table_json(warn=False))
    return len(wandb.util.json_dumps_safer(data))


def wandb_table(b: Bench) -> int:
    wandb = _wandb()
    return _serialise(wandb, wandb.Table(columns=COLUMNS, data=b.data))


def _wandb_run(wandb: Any, b: Bench) -> Any:
    if b.wandb_run is None:
        settings = wandb.Settings(x_disable_stats=True, x_disable_meta=True, console="off", disable_git=True, save_code=False, silent=True)
        b.wandb_run = wandb.init(mode="offline", project="mediakit-bench", dir=b.tmp, settings=settings, reinit="create_new")
    return b.wandb_run


def wandb_table_log(b: Bench) -> int:
    wandb = _wandb()
    run = _wandb_run(wandb, b)
    t = wandb.Table(columns=COLUMNS, data=b.data)
    run.log({"table": t})
    return int(t._size) if getattr(t, "_size", None) else 0


def wandb_frame(b: Bench) -> int:
    wandb = _wandb()
    return _serialise(wandb, wandb.Table(dataframe=b.data.iloc[:WANDB_FRAME_ROWS]))


def _needs_sklearn(fn: Any) -> Any:
    try:
        return fn()
    except Exception as e:
        if any(word in str(e) for word in ("scikit", "sklearn", "scipy")):
            raise ImportError(f"wandb.plot needs scikit-learn and scipy for curves: {e}") from e
        raise


def wandb_curves(b: Bench) -> int:
    wandb = _wandb()

    def run() -> int:
        pr = wandb.plot.pr_curve(b.extra, b.data)
        roc = wandb.plot.roc_curve(b.extra, b.data)
        return _serialise(wandb, pr.table) + _serialise(wandb, roc.table)

    return _needs_sklearn(run)


def wandb_matrix(b: Bench) -> int:
    wandb = _wandb()
    chart = wandb.plot.confusion_matrix(preds=b.data, y_true=b.extra, class_names=NAMES)
    return _serialise(wandb, chart.table)


# --------------------------------------------------------------------------------------------
# Baselines


def json_rows_only(b: Bench) -> int:
    return len(json.dumps(b.data, separators=(",", ":")))


def parquet_only(b: Bench) -> int:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(b.data, preserve_index=False), buf, compression="snappy")
    return buf.tell()


def argsort_only(b: Bench) -> None:
    for c in range(b.data.shape[1]):
        np.argsort(b.data[:, c])


def bincount_only(b: Bench) -> None:
    np.bincount(b.extra * C_MATRIX + b.data, minlength=C_MATRIX * C_MATRIX)


# --------------------------------------------------------------------------------------------
# Workloads


TABLE = Workload(
    name="Table 10,000 x 6 mixed",
    description=(
        "10,000 rows of (text, int id, float score, bool flag, float metric with missing values, label): "
        "mk.Table(columns, data=rows).encode (type checks per column, canonical JSON table file) against "
        "wandb.Table construction + the JSON serialisation it does when logged, and wandb run.log offline; "
        "the baseline is json.dumps of the rows alone"
    ),
    setup=_setup_rows,
    teardown=_teardown,
    contenders={
        "mediakit": mk_table,
        "wandb.Table (construct + serialise)": wandb_table,
        "wandb run.log (offline)": wandb_table_log,
        "baseline: json.dumps of the rows": json_rows_only,
    },
    targets=[
        Target("mediakit", "wandb.Table (construct + serialise)", ratio=50.0),
        Target("mediakit", "wandb run.log (offline)", ratio=50.0),
    ],
    repeat=5,
    items=N_ROWS,
    unit="rows",
)

FRAME = Workload(
    name="DataFrame 10^6 x 4 numeric",
    description=(
        "A pandas DataFrame of 10^6 rows x 4 float64 columns: mk.Table(dataframe=df, max_rows=None).encode (typed per "
        "column, stored as Parquet with a JSON preview) against wandb.Table(dataframe=...) + serialisation on the first "
        "200,000 rows (wandb's row cap). Per row, the target is 50x; since wandb gets a fifth of the rows, that is 10x "
        "in wall time. The baseline is pyarrow's Parquet writer alone"
    ),
    setup=_setup_frame,
    teardown=_teardown,
    contenders={
        "mediakit": mk_frame,
        "wandb.Table (first 200,000 rows)": wandb_frame,
        "baseline: pyarrow Parquet write": parquet_only,
    },
    targets=[Target("mediakit", "wandb.Table (first 200,000 rows)", ratio=10.0)],
    repeat=2,  # wandb takes about a minute per run here
    input_bytes=lambda b: int(b.data.memory_usage(index=False).sum()),
    items=N_FRAME,
    unit="rows",
)

CURVES = Workload(
    name="PR + ROC curves, 10^5 samples x 10 classes",
    description=(
        "mk.plot.pr_curve + mk.plot.roc_curve over every threshold (numpy), reduced for display with a bounded error "
        "(Ramer-Douglas-Peucker, its loop in C with mediakit._speedups built), "
        "encoded, against wandb.plot.pr_curve + roc_curve (scikit-learn curves, interpolation / resampling) with their "
        "tables serialised; the baseline is one argsort per class"
    ),
    setup=_setup_curves,
    teardown=_teardown,
    contenders={
        "mediakit": mk_curves,
        "wandb.plot.pr_curve + roc_curve": wandb_curves,
        "baseline: argsort per class": argsort_only,
    },
    targets=[Target("mediakit", "wandb.plot.pr_curve + roc_curve", ratio=15.0)],
    repeat=3,
    items=N_CURVE,
    unit="samples",
)

MATRIX = Workload(
    name="Confusion matrix, 10^6 predictions x 100 classes",
    description=(
        "mk.plot.confusion_matrix(preds, y_true, class_names) (np.bincount, 10,000-cell table, Vega-Lite heat map) "
        "encoded, against wandb.plot.confusion_matrix with its table serialised; the baseline is the bincount alone"
    ),
    setup=_setup_matrix,
    teardown=_teardown,
    contenders={
        "mediakit": mk_matrix,
        "wandb.plot.confusion_matrix": wandb_matrix,
        "baseline: np.bincount": bincount_only,
    },
    targets=[Target("mediakit", "wandb.plot.confusion_matrix", ratio=100.0)],
    repeat=3,
    items=N_MATRIX,
    unit="predictions",
)

WORKLOADS = [TABLE, FRAME, CURVES, MATRIX]
