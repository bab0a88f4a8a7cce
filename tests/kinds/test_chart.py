"""Charts: every preset builds a complete Vega-Lite v5 spec that renders (vl-convert), field and
length checks, PR/ROC numbers against independent computations, reduction with a bounded error,
confusion matrices (including the reference documents' positional call), plot_table with user
specs and unknown names, round trips, and hostile specs."""

from __future__ import annotations

import io
import json
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit._errors import DecodeError, LimitError, MediaTypeError, ValidationError
from mediakit.kinds.chart import VEGA_LITE_SCHEMA, Chart
from mediakit.plot import _curves as cv

vlc = pytest.importorskip("vl_convert")

RNG = np.random.default_rng(11)
XY = mk.Table(columns=["x", "y", "g"], data=[[float(i), float(i * i % 7), "ab"[i % 2]] for i in range(30)])
LABELS = mk.Table(columns=["label", "value"], data=[["cat", 3], ["dog", 5], ["bird", 1]])
SCORES = mk.Table(columns=["scores"], data=[[float(s)] for s in RNG.random(200)])


def raises(cls: type[BaseException], match: str, fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(cls, match=match) as info:
        fn()
    assert type(info.value) is cls, f"expected exactly {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    return info.value


def classifier(n: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    p = rng.random((n, c))
    p[np.arange(n), y] += rng.random(n)
    return y, p / p.sum(axis=1, keepdims=True)


Y, P = classifier(600, 3)

PRESETS: list[tuple[str, Callable[[], Chart], str]] = [
    ("line", lambda: mk.plot.line(XY, "x", "y", title="Custom Y vs X Line Plot"), "mediakit/line"),
    ("line-stroke", lambda: mk.plot.line(XY, "x", "y", stroke="g"), "mediakit/line"),
    ("scatter", lambda: mk.plot.scatter(XY, "x", "y"), "mediakit/scatter"),
    ("bar", lambda: mk.plot.bar(LABELS, "label", "value", title="Custom Bar Chart"), "mediakit/bar"),
    ("histogram", lambda: mk.plot.histogram(SCORES, "scores", title=None), "mediakit/histogram"),
    ("line-series", lambda: mk.plot.line_series([1, 2, 3, 4], [[1, 2, 3, 4], [4, 3, 2, 1]], keys=["up", "down"], title="t", xname="epoch"), "mediakit/line-series"),
    ("pr", lambda: mk.plot.pr_curve(Y, P, labels=["cat", "dog", "bird"]), "mediakit/pr-curve"),
    ("roc", lambda: mk.plot.roc_curve(Y, P, classes_to_plot=[0, "2"]), "mediakit/roc-curve"),
    ("confusion", lambda: mk.plot.confusion_matrix(P, Y, class_names=["cat", "dog", "bird"]), "mediakit/confusion-matrix"),
    ("confusion-normalized", lambda: mk.plot.confusion_matrix(preds=P.argmax(1), y_true=Y, normalize="true"), "mediakit/confusion-matrix"),
    ("plot-table-preset-alias", lambda: mk.plot_table("wandb/line/v0", XY, {"x": "x", "y": "y"}, {"title": "T"}), "mediakit/line"),
    ("plot-table-fallback", lambda: mk.plot_table(vega_spec_name="carey/new_chart", data_table=XY, fields={"x": "x", "value": "y"}), "carey/new_chart"),
]


def _png(blob: bytes) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(blob))
    im.load()
    return im


@pytest.mark.parametrize(("make", "name"), [p[1:] for p in PRESETS], ids=[p[0] for p in PRESETS])
def test_presets_round_trip_and_render(store, make, name):
    chart = make()
    desc, back = roundtrip(chart, store)
    assert back == chart
    assert desc["name"] == name
    spec = desc["spec"]
    assert spec["$schema"] == VEGA_LITE_SCHEMA and spec["data"] == {"name": "table"}
    assert "datasets" not in spec
    assert desc["table"]["format"] == "json"
    for col in desc["fields"].values():
        assert col in desc["table"]["columns"]
    # The descriptor's spec plus the table file's rows render on their own in Vega-Lite.
    doc = json.loads(store.read(desc["table"]["path"]))
    standalone = {**spec, "datasets": {"table": [dict(zip(doc["columns"], row)) for row in doc["data"]]}}
    png = vlc.vegalite_to_png(standalone, vl_version="5.21", allowed_base_urls=[])
    assert _png(png).width > 100
    thumb = mk.thumbnail(desc, store, size=256)
    assert thumb == mk.thumbnail(desc, store, size=256)
    im = _png(thumb).convert("L")
    assert max(im.size) <= 256 and np.asarray(im).std() > 5


def test_vega_lite_inline_is_standalone():
    spec = mk.plot.scatter(XY, "x", "y").vega_lite()
    assert len(spec["datasets"]["table"]) == 30 and spec["datasets"]["table"][1] == {"x": 1.0, "y": 1.0, "g": "b"}
    assert _png(vlc.vegalite_to_png(spec, vl_version="5.21", allowed_base_urls=[])).height > 100


def test_field_names_with_dots_are_escaped():
    t = mk.Table(columns=["a.b", "c[0]"], data=[[1, 2], [2, 3]])
    chart = mk.plot.line(t, "a.b", "c[0]")
    enc = chart.spec["encoding"]
    assert enc["x"] == {"field": "a\\.b", "type": "quantitative", "title": "a.b"}
    assert enc["y"]["field"] == "c\\[0\\]"
    assert _png(vlc.vegalite_to_png(chart.vega_lite(), vl_version="5.21")).width > 100


def test_datetime_x_becomes_temporal():
    import datetime as dt

    t = mk.Table(columns=["t", "v"], data=[[dt.datetime(2024, 1, d), d] for d in range(1, 5)])
    assert mk.plot.line(t, "t", "v").spec["encoding"]["x"]["type"] == "temporal"


# -- bad inputs ----------------------------------------------------------------------------------

BAD: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    ("missing-column", lambda: mk.plot.line(XY, "x", "yy"), ValidationError, r"fields\['y'\]: column 'yy' is not in the table \(columns: 'x', 'y', 'g'\)"),
    ("string-y", lambda: mk.plot.line(XY, "x", "g"), ValidationError, r"fields\['y'\]: column 'g' holds string values; mediakit/line needs number"),
    ("column-not-str", lambda: mk.plot.scatter(XY, "x", 3), MediaTypeError, r"y: expected a column name \(str\), got int 3"),
    ("table-type", lambda: mk.plot.bar([[1, 2]], "a", "b"), MediaTypeError, r"table: expected a mediakit Table"),
    ("title-type", lambda: mk.plot.histogram(SCORES, "scores", title=5), MediaTypeError, r"title: expected a str, got int 5"),
    ("preset-unknown-field", lambda: mk.plot_table("mediakit/line", XY, {"x": "x", "y": "y", "size": "x"}), ValidationError, r"fields\['size'\]: mediakit/line has no field 'size'"),
    ("preset-missing-field", lambda: mk.plot_table("mediakit/scatter", XY, {"x": "x"}), ValidationError, r"fields\['y'\]: mediakit/scatter needs a column for field 'y'"),
    ("fallback-bad-column", lambda: mk.plot_table("me/chart", XY, {"x": "nope"}), ValidationError, r"fields\['x'\]: column 'nope' is not in the table"),
    ("fallback-no-fields", lambda: mk.plot_table("me/chart", XY, {}), ValidationError, r"fields: expected a non-empty dict"),
    ("fields-type", lambda: mk.plot_table("me/chart", XY, ["x"]), MediaTypeError, r"fields: expected a non-empty dict"),
    ("string-fields-type", lambda: mk.plot_table("mediakit/line", XY, {"x": "x", "y": "y"}, {"title": object()}), MediaTypeError, r"string_fields\['title'\]: expected text"),
    ("series-length", lambda: mk.plot.line_series([1, 2, 3], [[1, 2, 3], [1, 2]]), ValidationError, r"ys\[1\]: 2 values but xs has 3; every point needs an x and a y"),
    ("series-xs-per-series", lambda: mk.plot.line_series([[1, 2], [1, 2, 3]], [[1, 2], [1, 2]]), ValidationError, r"ys\[1\]: 2 values but xs\[1\] has 3"),
    ("series-keys", lambda: mk.plot.line_series([1, 2], [[1, 2]], keys=["a", "b"]), ValidationError, r"keys: 2 names for 1 series in ys"),
    ("series-empty", lambda: mk.plot.line_series([1], []), ValidationError, r"ys: expected at least one series"),
    ("pr-lengths", lambda: mk.plot.pr_curve(Y[:-1], P), ValidationError, r"y_probas: has 600 rows but y_true has 599 values"),
    ("pr-index-range", lambda: mk.plot.pr_curve(np.r_[Y[:-1], 3], P), ValidationError, r"y_true\[599\]: class index 3 is outside 0..2 \(3 classes\)"),
    ("pr-labels-length", lambda: mk.plot.pr_curve(Y, P, labels=["a", "b"]), ValidationError, r"labels: expected 3 names \(one per score column\), got 2"),
    ("pr-unknown-label", lambda: mk.plot.pr_curve(["a", "b", "z"], P[:3], labels=["a", "b", "c"]), ValidationError, r"y_true\[2\]: label 'z' is not one of the class names"),
    ("pr-label-count", lambda: mk.plot.pr_curve(["a", "b", "a"], P[:3]), ValidationError, r"y_true: holds 2 distinct labels but the scores have 3 columns"),
    ("pr-nonfinite", lambda: mk.plot.roc_curve(Y[:2], np.array([[0.1, np.nan, 0.2], [0.3, 0.3, 0.4]])), ValidationError, r"y_probas\[0, 1\]: expected a finite score, got nan"),
    ("pr-classes-to-plot", lambda: mk.plot.roc_curve(Y, P, classes_to_plot=["zebra"]), ValidationError, r"classes_to_plot\[0\]: 'zebra' is not a class"),
    ("pr-float-truth", lambda: mk.plot.pr_curve([0.5, 1.0], P[:2]), ValidationError, r"y_true\[0\]: expected a class index \(whole number\) or label, got 0.5"),
    ("pr-empty", lambda: mk.plot.pr_curve([], np.zeros((0, 3))), ValidationError, r"y_true: no samples"),
    ("cm-both", lambda: mk.plot.confusion_matrix(probs=P, y_true=Y, preds=Y), ValidationError, r"give probs \(scores\) or preds \(predicted classes\), not both"),
    ("cm-neither", lambda: mk.plot.confusion_matrix(y_true=Y), ValidationError, r"give probs \(scores\) or preds"),
    ("cm-lengths", lambda: mk.plot.confusion_matrix(preds=Y[:10], y_true=Y[:9]), ValidationError, r"y_true: 9 values but there are 10 predictions"),
    ("cm-names-vs-columns", lambda: mk.plot.confusion_matrix(P, Y, class_names=["a", "b"]), ValidationError, r"probs: 3 score columns but 2 class_names"),
    ("cm-unknown-label", lambda: mk.plot.confusion_matrix(preds=["a", "q"], y_true=["a", "b"], class_names=["a", "b"]), ValidationError, r"preds\[1\]: label 'q' is not one of the class names"),
    ("cm-index-range", lambda: mk.plot.confusion_matrix(preds=[0, 5], y_true=[0, 1], class_names=["a", "b"]), ValidationError, r"preds\[1\]: class index 5 is outside 0..1"),
    ("cm-normalize", lambda: mk.plot.confusion_matrix(preds=Y, y_true=Y, normalize="rows"), ValidationError, r"normalize: expected None, 'true', 'pred' or 'all'"),
    ("cm-duplicate-names", lambda: mk.plot.confusion_matrix(preds=Y, y_true=Y, class_names=["a", "a", "b"]), ValidationError, r"class_names: class names must be unique"),
    ("chart-v4-schema", lambda: Chart({"$schema": "https://vega.github.io/schema/vega-lite/v4.json", "mark": "point"}, XY), ValidationError, r"spec.\$schema: expected a Vega-Lite v5 schema URL"),
    ("chart-url-data", lambda: Chart({"data": {"url": "https://x/y.json"}, "mark": "point"}, XY), ValidationError, r"spec.data: the chart's data is its table"),
    ("chart-datasets", lambda: Chart({"datasets": {"table": []}, "mark": "point"}, XY), ValidationError, r"spec.datasets: the chart's data is its table"),
    ("chart-no-view", lambda: Chart({"title": "x"}, XY), ValidationError, r"spec: expected a Vega-Lite view"),
    ("chart-nan", lambda: Chart({"mark": "point", "width": math.nan}, XY), ValidationError, r"spec\['width'\]: expected a finite number, got nan"),
    ("chart-field", lambda: Chart({"mark": "point"}, XY, fields={"x": "nope"}), ValidationError, r"fields\['x'\]: column 'nope' is not in the table"),
    ("user-spec-missing-field", lambda: mk.plot_table("me/c", XY, {"x": "x"}, spec={"mark": "point", "encoding": {"y": {"field": "${field:y}", "type": "quantitative"}}}), ValidationError, r"fields\['y'\]: me/c needs a column for field 'y'"),
    ("user-spec-file", lambda: mk.plot_table("me/c", XY, {"x": "x"}, spec="/nonexistent/spec.json"), mk.MediaFileNotFoundError, r"spec: file '/nonexistent/spec.json' does not exist"),
]


@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs(make, exc, match):
    raises(exc, match, make)


# -- numbers ----------------------------------------------------------------------------------------


def _auc_by_ranks(score: np.ndarray, pos: np.ndarray) -> float:
    s_pos, s_neg = score[pos], score[~pos]
    greater = (s_pos[:, None] > s_neg[None, :]).sum()
    ties = (s_pos[:, None] == s_neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (s_pos.size * s_neg.size))


def _ap_by_definition(score: np.ndarray, pos: np.ndarray) -> float:
    ap, prev_recall = 0.0, 0.0
    for thr in sorted(set(score.tolist()), reverse=True):
        sel = score >= thr
        tp = int((sel & pos).sum())
        recall, precision = tp / pos.sum(), tp / sel.sum()
        ap += (recall - prev_recall) * precision
        prev_recall = recall
    return ap


def test_pr_and_roc_metrics_match_independent_computations():
    y, p = classifier(400, 3, seed=5)
    p = np.round(p, 2)  # ties between scores
    roc = mk.plot.roc_curve(y, p)
    pr = mk.plot.pr_curve(y, p)
    for c in range(3):
        pos = y == c
        assert roc.metrics["classes"][c]["auc"] == pytest.approx(_auc_by_ranks(p[:, c], pos), abs=1e-12)
        assert pr.metrics["classes"][c]["average_precision"] == pytest.approx(_ap_by_definition(p[:, c], pos), abs=1e-12)
        assert roc.metrics["classes"][c]["positives"] == int(pos.sum())
        assert roc.metrics["classes"][c]["thresholds"] == np.unique(p[:, c]).size


def _distance_to_polyline(px: np.ndarray, py: np.ndarray, kx: np.ndarray, ky: np.ndarray) -> np.ndarray:
    best = np.full(px.size, np.inf)
    for i in range(kx.size - 1):
        ax, ay, bx, by = kx[i], ky[i], kx[i + 1], ky[i + 1]
        dx, dy = bx - ax, by - ay
        L = dx * dx + dy * dy
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / L, 0, 1) if L else np.zeros(px.size)
        best = np.minimum(best, np.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best


def test_curve_reduction_has_a_bounded_error_and_keeps_end_points():
    y, p = classifier(20_000, 2, seed=3)
    pos = y == 1
    tps, fps, _ = cv.binary_counts(p[:, 1], pos)
    fpr, tpr, _ = cv.roc(tps, fps)
    keep = cv.reduce(fpr, tpr, cv.TOLERANCE)
    assert keep[0] == 0 and keep[-1] == fpr.size - 1
    assert 10 < keep.size < fpr.size / 10
    dist = _distance_to_polyline(fpr, tpr, fpr[keep], tpr[keep])
    assert dist.max() <= cv.TOLERANCE + 1e-12
    chart = mk.plot.roc_curve(y, p)
    assert chart.reduction == {"method": "ramer-douglas-peucker", "tolerance": cv.TOLERANCE, "points_in": 2 * (fpr.size), "points_out": len(chart.table)}
    np.testing.assert_array_equal(cv.reduce(fpr, tpr, cv.TOLERANCE), keep)  # deterministic
    # End to end (exactly-collinear points dropped first, then the reduction): every point of
    # the full curves is within the tolerance of the charted polyline, ends included.
    rec, prec, _ = cv.pr(tps, fps)
    pr_chart = mk.plot.pr_curve(y, p)
    for ch, (fx, fy), cols in ((chart, (fpr, tpr), ("fpr", "tpr")), (pr_chart, (rec, prec), ("recall", "precision"))):
        sel = np.array(ch.table.get_column("class")) == "1"
        kx = ch.table.get_column(cols[0], convert_to="numpy")[sel]
        ky = ch.table.get_column(cols[1], convert_to="numpy")[sel]
        assert (kx[0], ky[0], kx[-1], ky[-1]) == (fx[0], fy[0], fx[-1], fy[-1])
        assert _distance_to_polyline(fx, fy, kx, ky).max() <= cv.TOLERANCE + 1e-12


def test_reduction_budget_grows_the_tolerance():
    x = np.linspace(0, 1, 5001)
    y = (np.arange(5001) % 2).astype(float)  # a saw tooth: nothing can be dropped at a small tolerance
    kept, tol = cv.reduce_all([(x, y)], budget=100)
    assert kept[0].size <= 100 and tol > cv.TOLERANCE


def test_many_samples_and_classes_stay_within_the_table_limit():
    y, p = classifier(100_000, 10, seed=9)
    chart = mk.plot.pr_curve(y, p)
    assert len(chart.table) <= cv.MAX_POINTS
    assert sum(c["thresholds"] for c in chart.metrics["classes"]) == chart.reduction["points_in"] - 10


def test_labels_one_hot_binary_and_degenerate_classes():
    y, p = classifier(200, 3, seed=4)
    names = np.array(["cat", "dog", "bird"])
    by_label = mk.plot.roc_curve(names[y], p, labels=list(names))
    by_index = mk.plot.roc_curve(y, p, labels=list(names))
    one_hot = mk.plot.roc_curve(np.eye(3, dtype=int)[y], p, labels=list(names))
    assert by_label.metrics == by_index.metrics == one_hot.metrics
    sorted_labels = mk.plot.roc_curve(names[y], p[:, [2, 0, 1]])  # classes sorted: bird, cat, dog
    assert [c["class"] for c in sorted_labels.metrics["classes"]] == ["bird", "cat", "dog"]
    assert sorted_labels.metrics["classes"][1]["auc"] == by_index.metrics["classes"][0]["auc"]
    binary = mk.plot.roc_curve(y == 1, p[:, 1])
    assert binary.metrics["classes"][1]["auc"] == pytest.approx(by_index.metrics["classes"][1]["auc"])
    with pytest.warns(UserWarning, match="no positive"):
        flat = mk.plot.pr_curve(np.zeros(50, int), RNG.random((50, 2)))
    assert flat.metrics["classes"][1]["average_precision"] is None
    check_descriptor(flat.encode(mk.MemoryStore()))


def test_confusion_matrix_counts():
    y, p = classifier(5000, 4, seed=8)
    pred = p.argmax(1)
    chart = mk.plot.confusion_matrix(preds=pred, y_true=y, class_names=["a", "b", "c", "d"])
    rows = chart.table.data
    assert len(rows) == 16 and chart.table.column_types[2]["dtype"] == "int64"
    counts = {(r[0], r[1]): r[2] for r in rows}
    for i in range(4):
        for j in range(4):
            assert counts["abcd"[i], "abcd"[j]] == int(((y == i) & (pred == j)).sum())
    assert chart.metrics["accuracy"] == pytest.approx((y == pred).mean())
    norm = mk.plot.confusion_matrix(preds=pred, y_true=y, normalize="true")
    frac = np.array(norm.table.get_column("normalized")).reshape(4, 4)
    np.testing.assert_allclose(frac.sum(axis=1), 1.0)
    assert norm.table.get_column("nPredictions") == chart.table.get_column("nPredictions")
    assert mk.plot.confusion_matrix(P, Y).table.get_column("Actual")[:3] == ["0", "0", "0"]


def test_confusion_matrix_reference_positional_call():
    names = ["cat", "dog", "bird"]
    # wandb.plot.confusion_matrix(predictions, ground_truth, class_names) with scores ...
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_scores = mk.plot.confusion_matrix(P, Y, names)
        # ... and with predicted class indices ...
        from_preds = mk.plot.confusion_matrix(P.argmax(1), Y, names)
        # ... and with predicted labels.
        from_labels = mk.plot.confusion_matrix(np.array(names)[P.argmax(1)].tolist(), np.array(names)[Y].tolist(), names)
    assert from_scores.table == from_preds.table == from_labels.table
    assert from_scores.table.get_column("Actual")[:3] == ["cat", "cat", "cat"]


def test_confusion_matrix_many_classes_keeps_non_zero_cells():
    y = RNG.integers(0, 150, 3000)
    chart = mk.plot.confusion_matrix(preds=y, y_true=y)
    assert chart.reduction == {"method": "zero-cells-omitted", "cells": 150 * 150, "kept": np.unique(y).size}
    assert len(chart.spec["layer"]) == 1
    check_descriptor(chart.encode(mk.MemoryStore()))


# -- plot_table -------------------------------------------------------------------------------------

USER_SPEC = {
    "$schema": VEGA_LITE_SCHEMA,
    "title": "${string:title}",
    "mark": "bar",
    "encoding": {"x": {"field": "${field:x}", "type": "ordinal"}, "y": {"field": "${field:value}", "type": "quantitative"}},
    "description": "Heights by ${field:x} (${string:title})",
}


def test_plot_table_with_a_user_spec(tmp_path, mem):
    t = mk.Table(data=[[1, 10], [2, 12]], columns=["step", "height"])
    chart = mk.plot_table("carey/new_chart", t, {"x": "step", "value": "height"}, {"title": "Heights"}, spec=USER_SPEC)
    assert chart.source == "user" and chart.name == "carey/new_chart" and chart.title == "Heights"
    assert chart.spec["encoding"]["x"]["field"] == "step" and chart.spec["description"] == "Heights by step (Heights)"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(USER_SPEC))
    assert mk.plot_table("carey/new_chart", t, {"x": "step", "value": "height"}, {"title": "Heights"}, spec=path) == chart
    desc, back = roundtrip(chart, mem)
    assert back == chart
    assert _png(mk.thumbnail(desc, mem, size=200)).width <= 200


def test_plot_table_unknown_name_keeps_the_name_with_a_generic_spec():
    t = mk.Table(data=[[1, 10, "a"], [2, 12, "b"]], columns=["step", "height", "kind"])
    chart = mk.plot_table(vega_spec_name="carey/new_chart", data_table=t, fields={"x": "step", "value": "height", "color": "kind"})
    assert chart.source == "fallback" and chart.name == "carey/new_chart"
    assert chart.spec["usermeta"] == {"mediakit": {"fallback_for": "carey/new_chart"}}
    assert chart.spec["encoding"]["color"]["field"] == "kind"
    one = mk.plot_table("me/hist", t, {"value": "height"})
    assert one.spec["mark"]["type"] == "bar" and one.spec["encoding"]["y"]["aggregate"] == "count"


def test_preset_names_include_reference_aliases():
    names = mk.plot.preset_names()
    for n in ("mediakit/line", "wandb/line/v0", "wandb/area-under-curve/v0", "wandb/confusion_matrix/v1", "wandb/histogram/v0", "wandb/bar/v0", "wandb/scatter/v0", "wandb/lineseries/v0"):
        assert n in names


def test_dataframes_are_accepted_as_tables():
    pd = pytest.importorskip("pandas")
    chart = mk.plot.scatter(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), "a", "b")
    assert chart.table.columns == ["a", "b"]


# -- hostile descriptors --------------------------------------------------------------------------


def _desc(mem: mk.Store) -> dict[str, Any]:
    return mk.plot.scatter(XY, "x", "y").encode(mem)


def test_renderer_refuses_external_urls(mem):
    desc = _desc(mem)
    desc["spec"]["layer"] = [{"data": {"url": "https://example.com/data.json"}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}]
    del desc["spec"]["mark"], desc["spec"]["encoding"]
    raises(DecodeError, r"spec: Vega-Lite could not render the chart: .*External data url not allowed", lambda: mk.thumbnail(desc, mem))


def test_renderer_bounds_generated_data_and_view_size(mem):
    desc = _desc(mem)
    desc["spec"]["layer"] = [{"data": {"sequence": {"start": 0, "stop": 1e12}}, "mark": "point"}]
    del desc["spec"]["mark"], desc["spec"]["encoding"]
    raises(LimitError, r"spec.layer\[0\].data.sequence: generates more than", lambda: mk.thumbnail(desc, mem))
    desc = _desc(mem)
    desc["spec"]["width"] = 10**9
    im = _png(mk.thumbnail(desc, mem, size=300))
    assert max(im.size) <= 300


def test_renderer_thins_large_tables(mem):
    n = 30_000
    t = mk.Table(columns=["x", "y"], data=np.c_[np.arange(n), np.sin(np.arange(n) / 100)], max_rows=None)
    desc = mk.plot.line(t, "x", "y").encode(mem)
    from mediakit._limits import DEFAULT_LIMITS
    from mediakit.render.chart import MAX_RENDER_POINTS, chart_records

    rows = chart_records(desc, mem, DEFAULT_LIMITS)
    assert len(rows) <= MAX_RENDER_POINTS + 1 and rows[0]["x"] == 0 and rows[-1]["x"] == n - 1
    assert _png(mk.thumbnail(desc, mem, size=128)).width <= 128
