"""Chart presets: ``mk.plot.line(table, "x", "y")`` ... and ``mk.plot_table(name, table, fields)``.

Every function returns a :class:`~mediakit.kinds.chart.Chart`: a table plus a complete Vega-Lite v5
spec (the templates are data files in ``mediakit/plot/templates/``). Backend: numpy (core);
thumbnails need vl-convert-python (``pip install 'mediakit[plot]'``).

>>> import mediakit as mk
>>> table = mk.Table(data=[[1, 1], [2, 4], [3, 9]], columns=["x", "y"])
>>> chart = mk.plot.line(table, "x", "y", title="Squares")
"""

from __future__ import annotations

from ..kinds.chart import Chart
from ._classifier import confusion_matrix, pr_curve, roc_curve
from ._presets import bar, histogram, line, line_series, plot_table, scatter
from ._templates import names as preset_names

__all__ = [
    "Chart",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "preset_names",
    "roc_curve",
    "scatter",
]
