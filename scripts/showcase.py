"""One small, deterministic value of every thumbnail kind and every chart preset.

Shared by ``scripts/demo.py`` (``make demo``: the index page and the README contact sheet) and
``tests/test_thumbnails_golden.py`` (golden images), so what the README shows is what is tested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

import mediakit as mk

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"


def _photo() -> mk.Image:
    from PIL import Image as PILImage

    with PILImage.open(CORPUS / "images" / "astronaut.png") as im:
        photo = np.asarray(im.convert("RGB").resize((256, 256)))
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[30:120, 60:200] = 1
    mask[150:, 140:] = 2
    return mk.Image(
        photo,
        caption="astronaut with a mask and boxes",
        masks={"predictions": {"mask_data": mask, "class_labels": {0: "background", 1: "helmet", 2: "suit"}}},
        boxes={
            "ground_truth": {
                "box_data": [
                    {"position": {"minX": 0.25, "maxX": 0.75, "minY": 0.08, "maxY": 0.45}, "class_id": 1, "box_caption": "face"},
                    {"position": {"middle": [200, 200], "width": 90, "height": 80}, "domain": "pixel", "class_id": 2, "scores": {"iou": 0.8}},
                ],
                "class_labels": {1: "face", 2: "patch"},
            }
        },
    )


def _classifier() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(7)
    labels = ["cat", "dog", "bird"]
    y = rng.integers(0, 3, 300)
    logits = rng.normal(0, 1, (300, 3))
    logits[np.arange(300), y] += 1.6
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, probs, probs.argmax(axis=1), labels


def _lidar() -> mk.Object3D:
    rng = np.random.default_rng(3)
    ground = np.c_[rng.uniform(-20, 20, (3000, 2)), rng.normal(0, 0.05, 3000)]
    car = np.c_[rng.uniform(2, 6, 400), rng.uniform(-1, 1, 400), rng.uniform(0, 1.5, 400)]
    person = np.c_[rng.normal(-4, 0.2, 150), rng.normal(3, 0.2, 150), rng.uniform(0, 1.8, 150)]
    pts = np.vstack([ground, car, person])
    boxes = [
        mk.box3d(center=[4, 0, 0.75], size=[4.4, 2.2, 1.6], orientation=[1, 0, 0, 0], color=(255, 60, 60), label="car", score=0.92),
        mk.box3d(center=[-4, 3, 0.9], size=[0.8, 0.8, 1.9], orientation=[1, 0, 0, 0], color=(40, 200, 90), label="person"),
    ]
    vectors = [{"start": [4, 0, 1.6], "end": [9, 0, 1.6]}]
    return mk.Object3D.from_point_cloud(pts, boxes, vectors)


def _vertex_colour_mesh() -> mk.Object3D:
    import trimesh

    mesh = trimesh.creation.icosphere(subdivisions=2)
    v = mesh.vertices
    mesh.visual.vertex_colors = np.c_[(v + 1) * 127.5, np.full(len(v), 255)].astype(np.uint8)
    return mk.Object3D(mesh)


def _plotly() -> mk.Plotly:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[1, 2, 3, 4, 5], y=[2, 5, 3, 9, 4], mode="lines+markers", name="loss"))
    fig.update_layout(title="Validation loss")
    return mk.Plotly(fig)


def _audio_quiet() -> mk.Audio:
    t = np.linspace(0, 2, 16000, endpoint=False, dtype=np.float32)
    return mk.Audio(0.02 * np.sin(2 * np.pi * 3 * t) * np.sin(2 * np.pi * 220 * t), sample_rate=8000, caption="quiet")


def values() -> dict[str, Callable[[], object]]:
    """name -> a function building the value (built lazily: a test picks what it needs)."""
    y, probs, preds, labels = _classifier()
    scores = np.random.default_rng(5).normal(0.2, 1.0, 2000)
    curve = mk.Table(data=[[x, (x - 5) ** 2 / 5 + 1] for x in range(11)], columns=["step", "loss"])
    return {
        "image": _photo,
        "image_tiny_gif": lambda: mk.Image(CORPUS / "video" / "circle.gif"),
        "histogram": lambda: mk.Histogram(np.random.default_rng(0).standard_normal(20_000)),
        "tensor": lambda: np.random.default_rng(1).standard_normal((64, 64)),
        "html": lambda: mk.Html("<h1>Run report</h1><h2>Loss</h2><p>Loss fell from 2.3 to 0.4 over 10 epochs; accuracy reached 91%.</p>"),
        "list": lambda: [mk.Image(np.full((32, 32, 3), c, np.uint8)) for c in ((200, 60, 60), (60, 160, 60), (60, 90, 200), (220, 190, 40))],
        "audio": lambda: mk.Audio(CORPUS / "audio" / "example.wav"),
        "audio_quiet": _audio_quiet,
        "video": lambda: mk.Video(CORPUS / "video" / "example.mp4"),
        "table": lambda: mk.Table(
            columns=["run", "started", "loss", "ok"],
            data=[[f"run-{i}", dt.datetime(2024, 5, 1 + i, 9, 30 + i), round(1 / (i + 1), 3), i % 2 == 0] for i in range(8)],
        ),
        "chart_line": lambda: mk.plot.line(curve, "step", "loss", title="Training loss"),
        "chart_scatter": lambda: mk.plot.scatter(mk.Table(data=np.random.default_rng(2).normal(size=(60, 2)).tolist(), columns=["x", "y"]), "x", "y", title="Embedding"),
        "chart_bar": lambda: mk.plot.bar(mk.Table(data=[["cat", 42], ["dog", 35], ["bird", 12]], columns=["label", "count"]), "label", "count", title="Examples per class"),
        "chart_histogram": lambda: mk.plot.histogram(mk.Table(data=[[float(s)] for s in scores], columns=["score"]), "score", title="Scores"),
        "chart_line_series": lambda: mk.plot.line_series(list(range(10)), [[i**0.5 for i in range(10)], [i**0.7 for i in range(10)]], keys=["train", "val"], title="Accuracy", xname="epoch"),
        "chart_pr_curve": lambda: mk.plot.pr_curve(y, probs, labels=labels, title="Precision-recall"),
        "chart_roc_curve": lambda: mk.plot.roc_curve(y, probs, labels=labels, title="ROC"),
        "chart_confusion_matrix": lambda: mk.plot.confusion_matrix(y_true=y, preds=preds, class_names=labels, title="Confusion matrix"),
        "plotly": _plotly,
        "molecule_small": lambda: mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O"),
        "molecule_protein": lambda: mk.Molecule(CORPUS / "molecules" / "4E43.pdb"),
        "mesh_textured": lambda: mk.Object3D(CORPUS / "meshes" / "Duck.glb"),
        "mesh_vertex_colours": _vertex_colour_mesh,
        "mesh_plain": lambda: mk.Object3D(CORPUS / "meshes" / "bunny.ply"),
        "point_cloud": lambda: mk.Object3D(np.random.default_rng(3).random((500, 3))),
        "lidar_scene": _lidar,
    }


def contact_sheet(tiles: list[tuple[str, bytes]], *, size: int = 256, columns: int = 5) -> bytes:
    """A PNG grid of thumbnails (each centred in a ``size`` cell on a checkerboard, so
    transparency shows) with its name under it."""
    import io

    from PIL import Image as PILImage
    from PIL import ImageDraw

    from mediakit.render._common import INK, font

    label_h = 22
    rows = (len(tiles) + columns - 1) // columns
    sheet = PILImage.new("RGB", (columns * (size + 8) + 8, rows * (size + label_h + 8) + 8), (246, 248, 250))
    d = ImageDraw.Draw(sheet)
    f = font(14)
    check = PILImage.new("RGB", (size, size), (255, 255, 255))
    cd = ImageDraw.Draw(check)
    for y in range(0, size, 16):
        for x in range(0, size, 16):
            if (x // 16 + y // 16) % 2:
                cd.rectangle((x, y, x + 15, y + 15), fill=(232, 234, 237))
    for i, (name, png) in enumerate(tiles):
        x0, y0 = 8 + (i % columns) * (size + 8), 8 + (i // columns) * (size + label_h + 8)
        with PILImage.open(io.BytesIO(png)) as im:
            tile = im.convert("RGBA")
        sheet.paste(check, (x0, y0))
        sheet.paste(tile, (x0 + (size - tile.width) // 2, y0 + (size - tile.height) // 2), tile)
        d.text((x0 + 2, y0 + size + 3), name, fill=INK, font=f)
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
