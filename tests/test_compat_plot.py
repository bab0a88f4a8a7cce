"""``mk.plot`` call forms of the reference documents and of the tracker they describe: each works
or fails with an error saying what to pass."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import check_descriptor

import mediakit as mk

RNG = np.random.default_rng(7)
Y = RNG.integers(0, 3, 200)
P = RNG.random((200, 3))
P /= P.sum(axis=1, keepdims=True)
TABLE = mk.Table(data=[[1, 1.0, "a"], [2, 4.0, "b"], [3, 9.0, "a"]], columns=["x", "y", "label"])


# -- pr_curve(interp_size=...) ---------------------------------------------------------------------


def test_pr_curve_interp_size_is_accepted_with_a_warning():
    with pytest.warns(UserWarning, match=r"pr_curve: interp_size=21 is ignored: mediakit keeps every threshold"):
        chart = mk.plot.pr_curve(Y, P, interp_size=21)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = mk.plot.pr_curve(Y, P)
    assert chart.table == plain.table and chart.metrics == plain.metrics


def test_pr_curve_tracker_positional_order():
    # pr_curve(y_true, y_probas, labels, classes_to_plot, interp_size, title, split_table)
    with pytest.warns(UserWarning, match="interp_size=50 is ignored"):
        chart = mk.plot.pr_curve(Y, P, ["a", "b", "c"], ["a"], 50, "PR", True)
    assert chart.title == "PR"
    assert [c["class"] for c in chart.metrics["classes"]] == ["a"]


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("My title", mk.MediaTypeError, r"interp_size: expected an int, got str 'My title'; pass the title by name: pr_curve\(y_true, y_probas, title='My title'\)"),
        (0, mk.ValidationError, r"interp_size: expected an int >= 1, got int 0"),
        (2.5, mk.ValidationError, r"interp_size: expected an int >= 1, got float 2.5"),
        (True, mk.ValidationError, r"interp_size: expected an int >= 1, got bool True"),
    ],
)
def test_pr_curve_bad_interp_size(value, error, match):
    with pytest.raises(error, match=match):
        mk.plot.pr_curve(Y, P, interp_size=value)


# -- split_table -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda st: mk.plot.line(TABLE, "x", "y", split_table=st),
        lambda st: mk.plot.scatter(TABLE, "x", "y", split_table=st),
        lambda st: mk.plot.bar(TABLE, "label", "y", split_table=st),
        lambda st: mk.plot.histogram(TABLE, "y", split_table=st),
        lambda st: mk.plot.line_series([1, 2], [[1, 2]], split_table=st),
        lambda st: mk.plot.pr_curve(Y, P, split_table=st),
        lambda st: mk.plot.roc_curve(Y, P, split_table=st),
        lambda st: mk.plot.confusion_matrix(P, Y, split_table=st),
        lambda st: mk.plot_table("mediakit/line", TABLE, {"x": "x", "y": "y"}, split_table=st),
    ],
)
def test_split_table_is_accepted_without_effect(make):
    assert make(True) == make(False)
    with pytest.raises(mk.MediaTypeError, match=r"split_table: expected True or False, got str 'yes'"):
        make("yes")


# -- line_series -----------------------------------------------------------------------------------


def test_line_series_unnamed_series_are_line_0_line_1():
    chart = mk.plot.line_series([1, 2, 3], [[1, 2, 3], [3, 2, 1]])
    assert sorted(set(chart.table.get_column("lineKey"))) == ["line_0", "line_1"]


def test_line_series_string_x_values_in_the_order_given():
    xs = ["run-c", "run-a", "run-b"]
    chart = mk.plot.line_series(xs, [[1, 2, 3], [3, 2, 1]], keys=["up", "down"], xname="run")
    assert chart.table.get_column("step") == xs * 2
    x = chart.spec["encoding"]["x"]
    assert x["type"] == "ordinal" and x["sort"] is None and x["title"] == "run"
    check_descriptor(chart.encode(mk.MemoryStore()))


def test_line_series_string_x_values_per_series():
    chart = mk.plot.line_series([["a", "b"], np.array(["b", "c", "d"])], [[1, 2], [3, 4, 5]])
    assert chart.table.get_column("step") == ["a", "b", "b", "c", "d"]


def test_line_series_numbers_and_strings_are_not_mixed():
    with pytest.raises(mk.ValidationError, match=r"xs\[1\]: holds numbers while other x values are strings"):
        mk.plot.line_series([["a", "b"], [1, 2]], [[1, 2], [3, 4]])


def test_line_series_numeric_x_is_still_quantitative():
    chart = mk.plot.line_series(np.arange(3), [[1, 2, 3]])
    assert chart.spec["encoding"]["x"]["type"] == "quantitative" and "sort" not in chart.spec["encoding"]["x"]


def test_line_series_string_x_thumbnail():
    pytest.importorskip("vl_convert")
    store = mk.MemoryStore()
    desc = mk.plot.line_series(["a", "b", "c"], [[1, 3, 2]]).encode(store)
    assert mk.thumbnail(desc, store, size=128)[:8] == b"\x89PNG\r\n\x1a\n"


# -- confusion_matrix --------------------------------------------------------------------------------


def test_confusion_matrix_classes_are_the_labels_that_occur():
    chart = mk.plot.confusion_matrix(preds=[2, 4, 6, 6], y_true=[2, 4, 4, 6])
    assert chart.metrics["classes_count"] == 3
    assert chart.string_fields["classes"] == ["2", "4", "6"]
    cells = dict(zip(zip(chart.table.get_column("Actual"), chart.table.get_column("Predicted")), chart.table.get_column("nPredictions")))
    assert len(cells) == 9
    assert cells[("4", "6")] == 1 and cells[("2", "2")] == 1 and cells[("6", "6")] == 1


def test_confusion_matrix_sorts_numerically_and_takes_negative_labels():
    chart = mk.plot.confusion_matrix(preds=[10, -1, 2], y_true=[2, -1, 10])
    assert chart.string_fields["classes"] == ["-1", "2", "10"]


def test_confusion_matrix_whole_floats_and_bools():
    assert mk.plot.confusion_matrix(preds=[1.0, 3.0], y_true=[3.0, 3.0]).string_fields["classes"] == ["1", "3"]
    assert mk.plot.confusion_matrix(preds=[True, False], y_true=[True, True]).string_fields["classes"] == ["0", "1"]
    with pytest.raises(mk.ValidationError, match=r"preds\[1\]: expected a class index \(whole number\) or label, got 0.5"):
        mk.plot.confusion_matrix(preds=[1.0, 0.5], y_true=[1, 1])


def test_confusion_matrix_class_names_still_give_the_set():
    chart = mk.plot.confusion_matrix(preds=[0, 2], y_true=[0, 0], class_names=["a", "b", "c"])
    assert chart.metrics["classes_count"] == 3
    # the reference documents' positional form, with predicted classes
    ref = mk.plot.confusion_matrix([0, 2], [0, 0], ["a", "b", "c"])
    assert ref.table == chart.table


# -- the reference documents' preset call forms --------------------------------------------------------


def test_reference_table_presets_with_title_none():
    scores = RNG.random(50)
    table = mk.Table(data=[[s] for s in scores], columns=["scores"])
    assert mk.plot.histogram(table, "scores", title=None).title == ""
    data = [[x, y] for (x, y) in zip(range(5), range(5))]
    table = mk.Table(data=data, columns=["x", "y"])
    assert mk.plot.line(table, "x", "y", title="Custom Y vs X Line Plot").title == "Custom Y vs X Line Plot"


def test_reference_curves_with_labels_none():
    assert mk.plot.roc_curve(Y, P, labels=None, classes_to_plot=None).metrics["classes"][0]["class"] == "0"
    assert mk.plot.pr_curve(Y, P, labels=None, classes_to_plot=None).metrics["classes"][2]["class"] == "2"
