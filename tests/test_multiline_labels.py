"""Labels with line breaks (box captions, 3-D box labels, Plotly titles and categories, table
column names) are drawn on one line: Pillow cannot measure multi-line text, and a valid value
whose thumbnail failed was found by the property suite (a Plotly bar with a category 'a\\nb')."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

import mediakit as mk
from mediakit.render._common import ellipsize, font, one_line


def _thumb(value: object) -> PILImage.Image:
    store = mk.MemoryStore()
    desc = value.encode(store)  # type: ignore[attr-defined]
    return PILImage.open(io.BytesIO(mk.thumbnail(desc, store, size=96)))


def test_one_line_joins_every_kind_of_line_break() -> None:
    assert one_line("a\nb\r\nc\rd") == "a b c d"
    d = __import__("PIL.ImageDraw", fromlist=["Draw"]).Draw(PILImage.new("RGB", (10, 10)))
    assert ellipsize(d, "first\nsecond", font(10), 1000) == "first second"


def test_multiline_labels_render_in_every_renderer() -> None:
    box = {"position": {"minX": 2, "maxX": 30, "minY": 2, "maxY": 30}, "domain": "pixel", "class_id": 1, "box_caption": "two\nlines"}
    img = mk.Image(np.zeros((40, 50, 3), np.uint8), boxes={"p": {"box_data": [box], "class_labels": {1: "a\nb"}}})
    scene = {
        "type": "lidar/beta",
        "points": np.random.default_rng(0).normal(size=(50, 3)).tolist(),
        "boxes": [{"corners": [[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]], "label": "car\nred", "color": [255, 0, 0]}],
    }
    fig = {"data": [{"type": "bar", "x": ["a\nb", "c"], "y": [1, 2]}], "layout": {"title": {"text": "two\nlines"}, "yaxis": {"title": "y\nunit"}}}
    table = mk.Table(columns=["name\nwith break", "n"], data=[["x", 1], ["y", 2]])
    for value in (img, mk.Object3D(scene), mk.Plotly(fig), table):
        im = _thumb(value)
        assert 0 < max(im.size) <= 96  # images are not enlarged
        assert np.asarray(im.convert("L")).std() > 0  # something was drawn
