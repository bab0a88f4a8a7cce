"""Plotly: figures, dicts, JSON and files in; plotly JSON out; matplotlib conversion (plotly's
converter, mediakit's own, Image for raster content); Pillow thumbnails; bad and hostile input."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit._errors import DecodeError, LimitError, MediaFileNotFoundError, MediaTypeError, ValidationError
from mediakit.kinds import plotly as kp

go = pytest.importorskip("plotly.graph_objects")
matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

X = np.linspace(0, 6, 40)


def raises(cls: type[BaseException], match: str, fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(cls, match=match) as info:
        fn()
    assert type(info.value) is cls, f"expected exactly {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    return info.value


def _png(blob: bytes) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(blob))
    im.load()
    return im.convert("RGB")


def line_fig() -> Any:
    f = go.Figure(go.Scatter(x=X, y=np.sin(X), name="sin", line={"color": "#ff0000"}))
    f.update_layout(title={"text": "Waves"}, width=500, height=300, xaxis_title="t", yaxis_title="v")
    return f


GOOD: list[tuple[str, Callable[[], Any], list[str], str | None]] = [
    ("figure-scatter", line_fig, ["scatter"], "Waves"),
    ("figure-bars", lambda: go.Figure([go.Bar(x=["a", "b"], y=[1, 2]), go.Bar(x=["a", "b"], y=[2, 1])]), ["bar"], None),
    ("figure-mixed", lambda: go.Figure([go.Histogram(x=np.arange(10)), go.Heatmap(z=[[1, 2], [3, 4]]), go.Pie(values=[1, 2])]), ["heatmap", "histogram", "pie"], None),
    ("dict-numpy", lambda: {"data": [{"type": "scatter", "x": np.arange(5, dtype=np.float32), "y": [1, None, 3, math.nan, 5]}], "layout": {"title": "T"}}, ["scatter"], "T"),
    ("dict-no-type", lambda: {"data": [{"y": [1, 2]}]}, ["scatter"], None),
    ("json-string", lambda: json.dumps({"data": [{"type": "bar", "y": [1, 2]}], "layout": {}}), ["bar"], None),
]


@pytest.mark.parametrize(("make", "types", "title"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_good_inputs_round_trip(store, make, types, title):
    p = mk.Plotly(make(), caption="c")
    desc, back = roundtrip(p, store)
    assert back == p
    assert desc["format"] == "plotly-json" and desc["media_type"] == "application/json"
    assert desc["trace_types"] == types and desc["title"] == title and desc["caption"] == "c"
    doc = json.loads(store.read(desc["path"]), parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))
    assert set(doc) <= {"data", "layout", "frames"}
    thumb = mk.thumbnail(desc, store, size=200)
    assert thumb == mk.thumbnail(desc, store, size=200)
    im = _png(thumb)
    assert max(im.size) <= 200 and np.asarray(im).std() > 5


def test_figure_and_path_inputs(tmp_path):
    f = line_fig()
    p = mk.Plotly(f)
    back = p.figure
    assert isinstance(back, go.Figure) and back.data[0].name == "sin" and back.layout.title.text == "Waves"
    np.testing.assert_allclose(kp.decode_array(p.traces[0]["y"], max_items=100), np.sin(X))
    path = tmp_path / "fig.json"
    path.write_text(f.to_json())
    assert mk.Plotly.from_path(path) == mk.Plotly(str(path)) == p
    assert mk.Plotly(p) == p


def test_nonfinite_values_in_lists_become_null_and_typed_arrays_keep_them(mem):
    p = mk.Plotly({"data": [{"type": "scatter", "y": [1.0, math.inf, math.nan], "x": np.array([0.0, np.nan, 2.0])}]})
    trace = p.traces[0]
    assert trace["y"] == [1.0, None, None]
    assert trace["x"]["dtype"] == "f8"
    assert np.isnan(kp.decode_array(trace["x"], max_items=10)[1])
    check_descriptor(p.encode(mem))


BAD: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    ("int", lambda: mk.Plotly(5), MediaTypeError, r"figure: expected a plotly Figure, a figure dict, plotly JSON or a path to it, got builtins.int"),
    ("data-not-list", lambda: mk.Plotly({"data": {"type": "bar"}}), ValidationError, r"figure: expected a plotly figure"),
    ("trace-not-dict", lambda: mk.Plotly({"data": [1]}), ValidationError, r"figure.data\[0\]: expected a trace \(dict\), got int"),
    ("trace-type", lambda: mk.Plotly({"data": [{"type": "Bar Chart"}]}), ValidationError, r"figure.data\[0\].type: expected a plotly trace type name"),
    ("extra-keys", lambda: mk.Plotly({"data": [], "layout": {}, "script": "x"}), ValidationError, r"figure: unexpected top-level keys \['script'\]"),
    ("layout-type", lambda: mk.Plotly({"data": [], "layout": []}), ValidationError, r"figure.layout: expected a dict, got list"),
    ("bad-json", lambda: mk.Plotly('{"data": [}'), DecodeError, r"figure: not plotly JSON"),
    ("missing-file", lambda: mk.Plotly("/nonexistent/fig.json"), MediaFileNotFoundError, r"figure: plotly JSON file '/nonexistent/fig.json' does not exist"),
    ("dict-object", lambda: mk.Plotly({"data": [{"x": object()}]}), MediaTypeError, r"figure.data\[0\].x: expected JSON data or numpy arrays"),
    ("caption", lambda: mk.Plotly({"data": []}, caption=3), MediaTypeError, r"caption: expected a str or None, got int 3"),
]


@pytest.mark.parametrize(("make", "exc", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs(make, exc, match):
    raises(exc, match, make)


# -- matplotlib ------------------------------------------------------------------------------------


def mpl_lines() -> Figure:
    fig = Figure()
    ax = fig.subplots()
    ax.plot([1, 2, 3, 4], label="series")
    ax.scatter([1, 2], [3, 1], color="red")
    ax.bar([1, 2, 3], [2, 1, 3], color="green")
    ax.set_title("mixed")
    ax.set_ylabel("some interesting numbers")
    return fig


def test_reference_pyplot_example_becomes_plotly(mem):
    import matplotlib.pyplot as plt

    plt.figure()
    try:
        plt.plot([1, 2, 3, 4])
        plt.ylabel("some interesting numbers")
        out = mk.encode({"chart": plt}, mem)["chart"]
    finally:
        plt.close("all")
    check_descriptor(out)
    assert out["_type"] == "plotly" and out["trace_types"] == ["scatter"]
    fig = json.loads(mem.read(out["path"]))
    ys = kp.decode_array(fig["data"][0]["y"], max_items=10)
    assert list(np.asarray(ys, dtype=float)) == [1.0, 2.0, 3.0, 4.0]
    assert "name" not in fig["data"][0]  # matplotlib's "_child0" is not a label


def test_raster_figures_become_images_at_figure_size(mem):
    fig = Figure()
    fig.subplots().imshow(np.arange(16).reshape(4, 4))
    img = kp.from_matplotlib(fig)
    assert isinstance(img, mk.Image) and (img.width, img.height) == (640, 480)
    assert mk.encode({"x": fig}, mem)["x"]["_type"] == "image"
    raises(ValidationError, r"holds raster images \(imshow\)", lambda: mk.Plotly(fig))
    explicit = mk.Image(mpl_lines())  # mk.Image always rasterises, at the figure's size
    assert (explicit.width, explicit.height) == (640, 480)


def test_own_conversion_of_lines_scatter_and_bars(monkeypatch, mem):
    monkeypatch.setattr(kp, "_via_plotly", lambda fig: None)
    p = kp.from_matplotlib(mpl_lines())
    assert isinstance(p, mk.Plotly)
    kinds = [(t["type"], t.get("mode")) for t in p.traces]
    assert kinds == [("scatter", "lines"), ("scatter", "markers"), ("bar", None)]
    assert p.traces[0]["name"] == "series" and p.traces[1]["marker"]["color"] == "#ff0000"
    bar = p.traces[2]
    np.testing.assert_allclose(kp.decode_array(bar["y"], max_items=10), [2, 1, 3])
    layout = p.figure_json["layout"]
    assert layout["title"]["text"] == "mixed" and layout["yaxis"]["title"]["text"] == "some interesting numbers"
    assert (layout["width"], layout["height"]) == (640, 480)
    desc, back = roundtrip(p, mem)
    assert back == p
    assert _png(mk.thumbnail(desc, mem, size=256)).width == 256


def test_unconvertible_figures_become_images(monkeypatch):
    monkeypatch.setattr(kp, "_via_plotly", lambda fig: None)
    fig = Figure()
    ax = fig.subplots()
    ax.fill_between([0, 1, 2], [0, 1, 0])
    assert isinstance(kp.from_matplotlib(fig), mk.Image)
    fig2 = Figure()
    ax2 = fig2.subplots()
    ax2.plot([1, 2])
    ax2.text(1, 1.5, "note")  # free text would be dropped: keep the picture instead
    assert isinstance(kp.from_matplotlib(fig2), mk.Image)
    fig3 = Figure()
    fig3.subplots(1, 2)[0].plot([1, 2])
    assert isinstance(kp.from_matplotlib(fig3), mk.Image)


def test_from_matplotlib_refuses_other_objects():
    raises(MediaTypeError, r"fig_or_pyplot: expected a matplotlib Figure or pyplot, got int", lambda: kp.from_matplotlib(3))


# -- thumbnails -----------------------------------------------------------------------------------


def test_thumbnail_draws_the_traces_in_their_colours(mem):
    desc = mk.Plotly(line_fig()).encode(mem)
    im = _png(mk.thumbnail(desc, mem, size=250))
    assert im.size == (250, 150)
    px = np.asarray(im).astype(int)
    red = (px[..., 0] > 200) & (px[..., 1] < 80) & (px[..., 2] < 80)
    assert red.sum() > 100
    cols = np.flatnonzero(red.any(axis=0))
    assert cols.max() - cols.min() > 150  # the line spans the plot


def test_thumbnail_heatmap_and_categories(mem):
    desc = mk.Plotly(go.Figure(go.Heatmap(z=[[0, 1], [2, 3]]))).encode(mem)
    px = np.asarray(_png(mk.thumbnail(desc, mem, size=128)))
    assert len({tuple(v) for v in px.reshape(-1, 3)}) > 4
    desc = mk.Plotly(go.Figure(go.Bar(y=["x", "y", "z"], x=[3, 1, 2], orientation="h", marker={"color": "blue"}))).encode(mem)
    px = np.asarray(_png(mk.thumbnail(desc, mem, size=128)))
    assert ((px[..., 2] > 200) & (px[..., 0] < 50)).sum() > 200


def test_hostile_plotly_files_are_bounded(mem):
    desc = mk.Plotly({"data": [{"type": "scatter", "y": [1, 2]}]}).encode(mem)
    raises(LimitError, r"larger than the .* bytes a thumbnail reads", lambda: mk.thumbnail({**desc, "size": 10**12}, mem))
    from mediakit._limits import Limits

    big = mk.Plotly({"data": [{"type": "scatter", "y": list(range(1000))}]}).encode(mem)
    raises(LimitError, r"exceeds the point limit", lambda: mk.thumbnail(big, mem, limits=Limits(max_points=100)))
    ref = mem.put(b"not json", suffix=".json")
    raises(DecodeError, r"path: not plotly JSON", lambda: mk.thumbnail({**desc, **ref.to_dict()}, mem))


def test_zero_height_bars_of_several_traces_render_at_tiny_sizes() -> None:
    """Found by the long property profile: clipped to an 8 px plot area, a zero-height bar came
    out with its corners swapped and Pillow refused to draw it ("x1 must be greater than or
    equal to x0"), so a valid figure had no thumbnail."""
    fig = {"data": [{"type": "bar", "y": [0.0]}, {"type": "bar", "y": [0.0]}, {"type": "bar", "y": [0.0, 0.0]}], "layout": {}}
    store = mk.MemoryStore()
    desc = mk.Plotly(fig).encode(store)
    for size in (8, 17, 64):
        with PILImage.open(io.BytesIO(mk.thumbnail(desc, store, size=size))) as im:
            assert max(im.size) == size and im.mode in ("RGB", "RGBA")
