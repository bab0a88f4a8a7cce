"""The reference documents' image, mask, box, histogram and HTML examples
(/work/shared/reference/000_*.txt and its translations), run as written with ``mediakit`` in
place of ``wandb``; the placeholders (``numpy_array_or_pil``, ``image``, ``images``, ``data``,
``some.html``) are filled with concrete data."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import PIL
import PIL.Image
import pytest
from conftest import check_descriptor

import mediakit

RNG = np.random.default_rng(2024)


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``mediakit.init(dir=...)`` in an empty working directory; the run is finished after."""
    monkeypatch.chdir(tmp_path)
    mediakit.init(dir=tmp_path / "run")
    try:
        yield tmp_path / "run"
    finally:
        mediakit.finish()


def history(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "history.jsonl").read_text().splitlines()]


def decode(desc: dict[str, Any], run_dir: Path) -> Any:
    check_descriptor(desc)
    return mediakit.decode(desc, mediakit.LocalStore(run_dir))


def test_log_metrics(run_dir: Path) -> None:
    mediakit.log({"accuracy": 0.9, "epoch": 5})
    mediakit.log({"acc": 0.9, "loss": 0.1})
    mediakit.log({"acc": 0.9, "custom_step": 3})
    mediakit.log({"batch": 1, "loss": 0.3})
    assert history(run_dir) == [
        {"_step": 0, "accuracy": 0.9, "epoch": 5},
        {"_step": 1, "acc": 0.9, "loss": 0.1},
        {"_step": 2, "acc": 0.9, "custom_step": 3},
        {"_step": 3, "batch": 1, "loss": 0.3},
    ]


def test_histograms(run_dir: Path) -> None:
    numpy_array_or_sequence = RNG.normal(size=1000)
    data = RNG.exponential(size=500)
    mediakit.log({"gradients": mediakit.Histogram(numpy_array_or_sequence)})
    mediakit.log({"gradients": mediakit.Histogram(list(numpy_array_or_sequence[:50]), num_bins=512)})
    mediakit.run.summary.update({"gradients": mediakit.Histogram(np_histogram=np.histogram(data))})
    mediakit.finish()
    rows = history(run_dir)
    first = decode(rows[0]["gradients"], run_dir)
    assert len(first.values) == 64  # the default
    np.testing.assert_array_equal(first.values, np.histogram(numpy_array_or_sequence, 64)[0])
    assert len(rows[1]["gradients"]["values"]) == 512  # the maximum
    summary = json.loads((run_dir / "summary.json").read_text())
    np.testing.assert_array_equal(decode(summary["gradients"], run_dir).values, np.histogram(data)[0])


def test_run_summary_call_form(run_dir: Path) -> None:
    data = RNG.normal(size=100)
    mediakit.run.summary.update({"gradients": mediakit.Histogram(np_histogram=np.histogram(data))})
    mediakit.run.summary["best_accuracy"] = 0.93
    mediakit.finish()
    assert mediakit.run is None
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["best_accuracy"] == 0.93
    np.testing.assert_array_equal(decode(summary["gradients"], run_dir).values, np.histogram(data)[0])


@pytest.mark.parametrize("kind", ["numpy", "pil"])
def test_images_with_caption(kind: str, run_dir: Path) -> None:
    arr = RNG.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    numpy_array_or_pil = arr if kind == "numpy" else PIL.Image.fromarray(arr)
    mediakit.log({"examples": [mediakit.Image(numpy_array_or_pil, caption="Label")]})
    desc = history(run_dir)[0]["examples"]
    assert desc["_type"] == "list" and desc["count"] == 1 and desc["captions"] == ["Label"]
    back = decode(desc, run_dir)
    np.testing.assert_array_equal(back[0].pixels, arr)
    assert back[0].caption == "Label"


def test_segmentation_masks(run_dir: Path) -> None:
    image = RNG.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    mask_data = np.full((24, 32), 2)
    mask_data[:, 0] = mask_data[:, -1] = 1  # [[1, 2, 2, ... , 2, 2, 1], ...]
    mask_data[16:, :] = 3
    class_labels = {1: "tree", 2: "car", 3: "road"}
    mask_img = mediakit.Image(
        image,
        masks={
            "predictions": {"mask_data": mask_data, "class_labels": class_labels},
            "groud_truth": {"mask_data": np.where(mask_data == 2, 2, 3), "class_labels": class_labels},
        },
    )
    mediakit.log({"segmentation": mask_img})
    desc = history(run_dir)[0]["segmentation"]
    assert desc["masks"]["predictions"]["class_labels"] == {"1": "tree", "2": "car", "3": "road"}
    assert "unlabeled_ids" not in desc["masks"]["predictions"]
    back = decode(desc, run_dir)
    assert back == mask_img
    np.testing.assert_array_equal(back.masks["predictions"].data, mask_data)
    png = mediakit.thumbnail(desc, mediakit.LocalStore(run_dir), size=64)
    assert png.startswith(b"\x89PNG")


def test_bounding_boxes(run_dir: Path) -> None:
    image = RNG.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    class_id_to_label = {1: "car", 2: "road", 3: "building"}
    img = mediakit.Image(
        image,
        boxes={
            "predictions": {
                "box_data": [
                    {
                        "position": {"minX": 0.1, "maxX": 0.2, "minY": 0.3, "maxY": 0.4},
                        "class_id": 2,
                        "box_caption": "minMax(pixel)",
                        "scores": {"acc": 0.1, "loss": 1.2},
                    },
                    # Log as many boxes as needed
                    {
                        "position": {"middle": [40, 30], "width": 20, "height": 10},
                        "domain": "pixel",
                        "class_id": 3,
                        "box_caption": "building",
                        "scores": {"acc": 0.9},
                    },
                ],
                "class_labels": class_id_to_label,
            },
            "ground_truth": {
                # Log each group of boxes with a unique key name
                "box_data": [{"position": {"minX": 0.12, "maxX": 0.21, "minY": 0.3, "maxY": 0.42}, "class_id": 2}],
                "class_labels": class_id_to_label,
            },
        },
    )
    mediakit.log({"driving_scene": img})
    desc = history(run_dir)[0]["driving_scene"]
    assert sorted(desc["boxes"]) == ["ground_truth", "predictions"]
    assert desc["boxes"]["predictions"]["box_data"][0]["box_caption"] == "minMax(pixel)"
    assert desc["boxes"]["predictions"]["class_labels"] == {"1": "car", "2": "road", "3": "building"}
    assert decode(desc, run_dir) == img


def test_html(run_dir: Path) -> None:
    Path("some.html").write_text("<html><head><title>Report</title></head><body><p>ok</p></body></html>", encoding="utf-8")
    mediakit.log({"custom_file": mediakit.Html(open("some.html"))})  # noqa: SIM115 - the reference's call form
    mediakit.log({"custom_string": mediakit.Html('<a href="https://mysite">Link</a>')})
    mediakit.log({"custom_file": mediakit.Html(open("some.html"), inject=False)})  # noqa: SIM115
    rows = history(run_dir)
    styled = decode(rows[0]["custom_file"], run_dir)
    assert rows[0]["custom_file"]["title"] == "Report" and rows[0]["custom_file"]["injected"] is True
    assert "<style" in styled.html
    assert '<a href="https://mysite">Link</a>' in decode(rows[1]["custom_string"], run_dir).html
    plain = rows[2]["custom_file"]
    assert (run_dir / plain["path"]).read_bytes() == Path("some.html").read_bytes()


def test_png_and_lists_of_images(run_dir: Path) -> None:
    images = [RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(5)]
    mediakit.log({"example": mediakit.Image(images[0])})
    mediakit.log({"example": [mediakit.Image(img) for img in images]})
    rows = history(run_dir)
    assert rows[0]["example"]["format"] == "png"
    lst = rows[1]["example"]
    assert lst["_type"] == "list" and lst["count"] == 5 and lst["kind"] == "image"
    back = decode(lst, run_dir)
    for item, img in zip(back, images):
        np.testing.assert_array_equal(item.pixels, img)


def test_jpeg_from_a_path(run_dir: Path) -> None:
    im = PIL.Image.fromarray(RNG.integers(0, 256, (20, 30, 4), dtype=np.uint8))
    rgb_im = im.convert("RGB")
    rgb_im.save("myimage.jpg")
    mediakit.log({"example": mediakit.Image("myimage.jpg")})
    desc = history(run_dir)[0]["example"]
    assert desc["format"] == "jpeg" and desc["media_type"] == "image/jpeg"
    assert (run_dir / desc["path"]).read_bytes() == Path("myimage.jpg").read_bytes()  # kept as it is
    assert decode(desc, run_dir).mode == "RGB"


def test_matplotlib_as_an_explicit_image(run_dir: Path) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.figure()
    try:
        plt.plot([1, 2, 3, 4])
        plt.ylabel("some interesting numbers")
        mediakit.log({"chart": mediakit.Image(plt)})
    finally:
        plt.close("all")
    desc = history(run_dir)[0]["chart"]
    assert desc["_type"] == "image" and (desc["width"], desc["height"]) == (640, 480)


def test_everything_in_one_row_then_thumbnails(run_dir: Path) -> None:
    image = RNG.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    row = mediakit.log(
        {
            "accuracy": 0.9,
            "examples": [mediakit.Image(image, caption="Label")],
            "gradients": mediakit.Histogram(RNG.normal(size=200)),
            "custom_string": mediakit.Html('<a href="https://mysite">Link</a>'),
        }
    )
    store = mediakit.LocalStore(run_dir)
    for key in ("examples", "gradients", "custom_string"):
        check_descriptor(row[key])
        png = mediakit.thumbnail(row[key], store, size=64)
        with PIL.Image.open(io.BytesIO(png)) as im:
            assert max(im.size) <= 64
