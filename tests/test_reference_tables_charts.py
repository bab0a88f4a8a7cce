"""Every table and chart example of the reference documents runs with ``mediakit`` in place of
``wandb``.

The examples are copied verbatim from ``reference/000_*.txt`` (the same code appears in the French,
Korean and Chinese pages). Two of them do not parse as printed: the bar example lacks the closing
``})`` and the confusion-matrix example closes ``}`` before ``)``. Those typos are repaired by the
smallest edit (listed in ``REPAIRS`` and checked to be bracket-only); nothing else is changed. The
placeholders the documents leave undefined (``my_dataframe``, ``x_values``, ``ground_truth`` ...)
get concrete data. Each example logs into a fresh ``mediakit.init(dir=...)`` run; every logged
descriptor is then validated, decoded and thumbnailed (charts through their Vega-Lite spec).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor
from PIL import Image as PILImage

import mediakit as mk

pytest.importorskip("vl_convert")
pd = pytest.importorskip("pandas")

EXAMPLES: dict[str, str] = {
    "table": '''# Method 1
data = [["I love my phone", "1", "1"],["My phone sucks", "0", "-1"]]
wandb.log({"examples": wandb.Table(data=data, columns=["Text", "Predicted Label", "True Label"])})

# Method 2
table = wandb.Table(columns=["Text", "Predicted Label", "True Label"])
table.add_data("I love my phone", "1", "1")
table.add_data("My phone sucks", "0", "-1")
wandb.log({"examples": table})
''',
    "dataframe": '''table = wandb.Table(dataframe=my_dataframe)
''',
    "line": '''data = [[x, y] for (x, y) in zip(x_values, y_values)]
table = wandb.Table(data=data, columns = ["x", "y"])
wandb.log({"my_custom_plot_id" : wandb.plot.line(table, "x", "y", title="Custom Y vs X Line Plot")})
''',
    "scatter": '''data = [[x, y] for (x, y) in zip(class_x_prediction_scores, class_y_prediction_scores)]
table = wandb.Table(data=data, columns = ["class_x", "class_y"])
wandb.log({"my_custom_id" : wandb.plot.scatter(table, "class_x", "class_y")})
''',
    "bar": '''data = [[label, val] for (label, val) in zip(labels, values)]
table = wandb.Table(data=data, columns = ["label", "value"])
wandb.log({"my_bar_chart_id" : wandb.plot.bar(table, "label", "value", title="Custom Bar Chart")
''',
    "histogram": '''data = [[s] for s in scores]
table = wandb.Table(data=data, columns=["scores"])
wandb.log({'my_histogram': wandb.plot.histogram(table, "scores", title=None)})
''',
    "pr_curve": '''wandb.log({"pr" : wandb.plot.pr_curve(ground_truth, predictions,
                     labels=None, classes_to_plot=None)})
''',
    "roc_curve": '''wandb.log({"roc" : wandb.plot.roc_curve( ground_truth, predictions, \\
                        labels=None, classes_to_plot=None)})
''',
    "confusion_matrix": '''wandb.log({"conf_mat" : wandb.plot.confusion_matrix(
                        predictions, ground_truth, class_names})
''',
    "plot_table": '''# Create a table with the columns to plot
table = wandb.Table(data=data, columns=["step", "height"])

# Map from the table's columns to the chart's fields
fields = {"x": "step",
          "value": "height"}

# Use the table to populate the new custom chart preset
# To use your own saved chart preset, change the vega_spec_name
my_custom_chart = wandb.plot_table(vega_spec_name="carey/new_chart",
              data_table=table,
              fields=fields,
              )
''',
    "matplotlib": '''import matplotlib.pyplot as plt
plt.plot([1, 2, 3, 4])
plt.ylabel('some interesting numbers')
wandb.log({"chart": plt})
''',
}

#: The documents' syntax typos and their bracket-only repairs: (example, as printed, repaired).
REPAIRS = {
    "bar": ('title="Custom Bar Chart")\n', 'title="Custom Bar Chart")})\n'),
    "confusion_matrix": ("class_names})\n", "class_names)})\n"),
}

#: What each example logs (key -> descriptor type); plot_table's chart is logged by the test.
LOGGED = {
    "table": {"examples": "table"},
    "dataframe": {},
    "line": {"my_custom_plot_id": "chart"},
    "scatter": {"my_custom_id": "chart"},
    "bar": {"my_bar_chart_id": "chart"},
    "histogram": {"my_histogram": "chart"},
    "pr_curve": {"pr": "chart"},
    "roc_curve": {"roc": "chart"},
    "confusion_matrix": {"conf_mat": "chart"},
    "plot_table": {},
    "matplotlib": {"chart": "plotly"},
}


def placeholders(case: str) -> dict[str, Any]:
    """Concrete data for the names the documents leave undefined."""
    rng = np.random.default_rng(3)
    n, c = 500, 3
    ground_truth = rng.integers(0, c, n)
    predictions = rng.random((n, c))
    predictions[np.arange(n), ground_truth] += 0.6
    predictions /= predictions.sum(axis=1, keepdims=True)
    x_values = np.linspace(0, 10, 50)
    return {
        "my_dataframe": pd.DataFrame({"text": ["a", "b", "c"], "score": [0.1, 0.5, np.nan], "label": [1, 0, 1]}),
        "x_values": x_values.tolist(),
        "y_values": np.sin(x_values).tolist(),
        "class_x_prediction_scores": rng.random(40).tolist(),
        "class_y_prediction_scores": rng.random(40).tolist(),
        "labels": ["cat", "dog", "bird"],
        "values": [12, 7, 3],
        "scores": rng.random(300).tolist(),
        "ground_truth": ground_truth,
        "predictions": predictions,
        "class_names": ["cat", "dog", "bird"],
        "data": [[step, 1.0 + 0.1 * step] for step in range(20)] if case == "plot_table" else None,
    }


def source(case: str) -> str:
    code = EXAMPLES[case]
    if case in REPAIRS:
        printed, repaired = REPAIRS[case]
        assert code.count(printed) == 1
        assert re.sub(r"[(){}]", "", printed) == re.sub(r"[(){}]", "", repaired), "repairs change brackets only"
        code = code.replace(printed, repaired)
    # The pages assume ``import wandb`` was run earlier in the script.
    return ("import wandb\n" + code).replace("wandb", "mediakit")


def _png(blob: bytes) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(blob))
    im.load()
    return im


@pytest.mark.parametrize("case", list(EXAMPLES))
def test_reference_example_runs(case: str, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    run_dir = tmp_path / "run"
    ns = {**placeholders(case), "__name__": f"reference_{case}"}
    mk.init(dir=run_dir)
    try:
        exec(compile(source(case), f"<reference {case}>", "exec"), ns)  # noqa: S102 - the documents' own code
    finally:
        plt.close("all")
        mk.finish()
    store = mk.LocalStore(run_dir)
    logged: dict[str, Any] = {}
    history = run_dir / "history.jsonl"
    for line in history.read_text().splitlines() if history.exists() else []:
        row = json.loads(line)
        logged.update({k: v for k, v in row.items() if k != "_step"})
    if case == "plot_table":
        chart = ns["my_custom_chart"]
        assert isinstance(chart, mk.plot.Chart) and chart.name == "carey/new_chart"
        logged["my_custom_chart"] = chart.encode(store)
    if case == "dataframe":
        table = ns["table"]
        assert table.columns == ["text", "score", "label"] and len(table) == 3
        logged["table"] = table.encode(store)
    expected = LOGGED[case] or {k: v["_type"] for k, v in logged.items()}
    assert {k: v["_type"] for k, v in logged.items()} == expected
    for desc in logged.values():
        check_descriptor(desc)
        back = mk.decode(desc, store)
        assert back.encode(store) == desc
        im = _png(mk.thumbnail(desc, store, size=256))
        assert max(im.size) <= 256 and np.asarray(im.convert("L")).std() > 3


def test_the_two_repaired_examples_do_not_parse_as_printed() -> None:
    for case in REPAIRS:
        with pytest.raises(SyntaxError):
            compile(EXAMPLES[case], case, "exec")
