"""Thumbnails of the core kinds (image with masks and boxes, histogram, tensor, html, lists):
size rules, determinism, pixels, resource limits and hostile descriptors."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CORPUS
from PIL import Image as PILImage

import mediakit as mk
from mediakit._errors import LimitError, MediaTypeError, SchemaError, StorageError, ValidationError
from mediakit.palette import color_for
from mediakit.render._common import ACCENT, BACKGROUND, fit
from mediakit.render.image import MASK_ALPHA

GREY = np.full((300, 600, 3), 100, np.uint8)


def open_thumb(data: bytes, fmt: str = "PNG") -> PILImage.Image:
    im = PILImage.open(io.BytesIO(data))
    assert im.format == fmt
    im.load()
    return im


def thumb(desc: dict[str, Any], store: mk.Store, **kw: Any) -> PILImage.Image:
    return open_thumb(mk.thumbnail(desc, store, **kw), "WEBP" if kw.get("format") == "webp" else "PNG")


@pytest.mark.parametrize("size", [8, 64, 128, 256, 599, 600, 1024])
def test_long_side_fits_and_small_is_not_upscaled(size: int, mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    im = thumb(desc, mem, size=size)
    assert im.size == fit(600, 300, size)
    assert max(im.size) == min(size, 600)


def test_tiny_image_not_upscaled(mem: mk.Store) -> None:
    desc = mk.Image(np.zeros((20, 30, 3), np.uint8)).encode(mem)
    assert thumb(desc, mem, size=256).size == (30, 20)


@pytest.mark.parametrize("path", sorted((CORPUS / "images").iterdir()), ids=lambda p: p.name)
def test_corpus_thumbnails(path: Path, mem: mk.Store) -> None:
    desc = mk.Image(path).encode(mem)
    im = thumb(desc, mem, size=128)
    assert im.size == fit(desc["width"], desc["height"], 128)
    arr = np.asarray(im.convert("RGB"))
    assert arr.std() > 5  # a picture, not a flat fill
    assert mk.thumbnail(desc, mem, size=128) == mk.thumbnail(desc, mem, size=128)


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_formats_decodable_and_deterministic(fmt: str, tmp_path: Path) -> None:
    a, b = mk.MemoryStore(), mk.LocalStore(tmp_path / "s")
    image = mk.Image(CORPUS / "images" / "astronaut.png")
    da, db = image.encode(a), image.encode(b)
    first = mk.thumbnail(da, a, size=96, format=fmt)
    assert first == mk.thumbnail(da, a, size=96, format=fmt) == mk.thumbnail(db, b, size=96, format=fmt)
    im = open_thumb(first, fmt.upper())
    assert im.size == (96, 96)


def test_rgba_keeps_alpha(mem: mk.Store) -> None:
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:20, :, 3] = 255
    im = thumb(mk.Image(rgba).encode(mem), mem)
    assert im.mode == "RGBA"
    assert im.getpixel((5, 5)) == (255, 0, 0, 255) and im.getpixel((5, 35))[3] == 0


def test_16_bit_images(mem: mk.Store) -> None:
    ramp = (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 7).astype(np.uint16)
    # 16-bit grey (depth maps, microscopy) is stretched to the full range ...
    grey = np.asarray(thumb(mk.Image(ramp).encode(mem), mem).convert("L")).astype(int)
    assert grey.min() <= 2 and grey.max() >= 250
    # ... 16-bit colour is shown as it is (its high byte).
    rgb = np.asarray(thumb(mk.Image(np.stack([ramp, ramp // 2, ramp], -1)).encode(mem), mem).convert("RGB")).astype(int)
    np.testing.assert_array_equal(rgb[..., 0], ramp >> 8)
    np.testing.assert_array_equal(rgb[..., 1], (ramp // 2) >> 8)


def test_jpeg_is_decoded_at_reduced_scale(mem: mk.Store) -> None:
    desc = mk.Image(CORPUS / "images" / "hubble_deep_field.jpg").encode(mem)
    im = thumb(desc, mem, size=100)
    assert im.size == fit(1000, 872, 100)


def test_mask_pixels_are_tinted_with_the_class_colour(mem: mk.Store) -> None:
    mask = np.zeros((300, 600), np.uint8)
    mask[50:150, 100:300] = 3
    mask[200:280, 400:500] = 17
    desc = mk.Image(GREY, masks={"seg": {"mask_data": mask, "class_labels": {3: "car", 17: "tree"}}}).encode(mem)
    im = thumb(desc, mem, size=600).convert("RGB")
    for (x, y), cid in (((200, 100), 3), ((450, 240), 17)):
        got = np.array(im.getpixel((x, y)))
        expected = 100 * (1 - MASK_ALPHA) + np.array(color_for(cid)) * MASK_ALPHA
        assert np.abs(got - expected).max() <= 1
        # tinted toward the palette colour: closer to it than the original grey was
        assert np.abs(got - color_for(cid)).sum() < np.abs(np.array([100, 100, 100]) - color_for(cid)).sum()
    assert im.getpixel((10, 10)) == (100, 100, 100)  # background (id 0) is untouched
    assert color_for(3) != color_for(17)


def test_mask_blended_after_downscaling(mem: mk.Store) -> None:
    mask = np.zeros((300, 600), np.uint8)
    mask[:, 300:] = 2
    desc = mk.Image(GREY, masks={"m": {"mask_data": mask, "class_labels": {2: "right"}}}).encode(mem)
    im = thumb(desc, mem, size=60).convert("RGB")
    assert im.size == (60, 30)
    assert im.getpixel((5, 15)) == (100, 100, 100)
    assert im.getpixel((55, 15)) != (100, 100, 100)


def test_box_outline_has_the_class_colour(mem: mk.Store) -> None:
    boxes = {
        "pred": {
            "box_data": [
                {"position": {"minX": 100, "maxX": 400, "minY": 100, "maxY": 250}, "domain": "pixel", "class_id": 5},
                {"position": {"middle": [0.85, 0.5], "width": 0.1, "height": 0.4}, "class_id": 2, "box_caption": "second"},
            ],
            "class_labels": {5: "car", 2: "road"},
        }
    }
    desc = mk.Image(GREY, boxes=boxes).encode(mem)
    im = thumb(desc, mem, size=600).convert("RGB")
    assert im.getpixel((250, 250)) == color_for(5)  # bottom edge
    assert im.getpixel((100, 200)) == color_for(5)  # left edge
    assert im.getpixel((400, 200)) == color_for(5)  # right edge
    assert im.getpixel((250, 200)) == (100, 100, 100)  # inside stays as it was
    # fractional box: left edge at x = 0.8 * width (within the rounding of 0.85 - 0.1 / 2)
    assert color_for(2) in [im.getpixel((x, 200)) for x in (479, 480, 481)]
    # the label is drawn in a filled tag above the box
    tag = np.asarray(im)[85:99, 100:130].reshape(-1, 3)
    assert (tag == color_for(5)).all(axis=1).sum() > 50


def test_box_scaled_with_the_image(mem: mk.Store) -> None:
    boxes = {
        "p": {"box_data": [{"position": {"minX": 100, "maxX": 400, "minY": 100, "maxY": 250}, "domain": "pixel", "class_id": 5}]}
    }
    with pytest.warns(UserWarning):
        desc = mk.Image(GREY, boxes=boxes).encode(mem)
    im = thumb(desc, mem, size=300).convert("RGB")
    assert im.size == (300, 150)
    assert im.getpixel((125, 125)) == color_for(5)
    assert im.getpixel((125, 100)) == (100, 100, 100)


def test_histogram_thumbnail_has_bars(mem: mk.Store) -> None:
    desc = mk.Histogram(np.random.default_rng(0).normal(size=2000), num_bins=32).encode(mem)
    im = thumb(desc, mem, size=200)
    assert im.size == (200, 200)
    arr = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert (arr != BACKGROUND).any(axis=1).mean() > 0.1
    assert (arr == ACCENT).all(axis=1).sum() > 500
    assert mk.thumbnail(desc, mem, size=200) == mk.thumbnail(desc, mem, size=200)


def test_tensor_thumbnail_has_bars(mem: mk.Store) -> None:
    desc = mk.encode({"t": np.random.default_rng(1).normal(size=500)}, mem)["t"]
    arr = np.asarray(thumb(desc, mem, size=128).convert("RGB")).reshape(-1, 3)
    assert (arr == ACCENT).all(axis=1).sum() > 200


def test_empty_histogram_thumbnail(mem: mk.Store) -> None:
    im = thumb(mk.Histogram([]).encode(mem), mem, size=64)
    assert im.size == (64, 64)


def test_html_preview_is_not_blank(mem: mk.Store) -> None:
    desc = mk.Html(
        "<html><head><title>Report</title><style>p{}</style></head><body><h1>Results</h1><p>accuracy 0.93 &amp; more text</p><script>x()</script></body></html>"
    ).encode(mem)
    im = thumb(desc, mem, size=256)
    assert im.size == (256, 256)
    arr = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert (arr != BACKGROUND).any(axis=1).sum() > 500
    assert len(np.unique(arr, axis=0)) > 3
    blank = thumb(mk.Html("", inject=False).encode(mem), mem, size=256)
    assert np.asarray(blank).tobytes() != np.asarray(im).tobytes()


def test_list_thumbnail_is_a_grid(mem: mk.Store) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    items = [mk.Image(np.full((40, 40, 3), c, np.uint8)) for c in colours]
    desc = mk.encode(items, mem)
    im = thumb(desc, mem, size=128).convert("RGB")
    assert im.size == (128, 128)
    for i, c in enumerate(colours):
        x, y = (i % 2) * 64 + 32, (i // 2) * 64 + 32
        assert im.getpixel((x, y)) == c


def test_list_of_many_items(mem: mk.Store) -> None:
    desc = mk.encode([mk.Image(np.full((10, 10), i * 10, np.uint8)) for i in range(20)], mem)
    im = thumb(desc, mem, size=100)
    assert max(im.size) <= 100


def test_nested_lists(mem: mk.Store) -> None:
    red, blue = (mk.Image(np.full((40, 40, 3), c, np.uint8)) for c in ((255, 0, 0), (0, 0, 255)))
    inner = mk.MediaList([red, blue])
    outer = mk.MediaList([inner, inner])
    desc = outer.encode(mem)
    im = thumb(desc, mem, size=128).convert("RGB")
    assert im.size == (128, 64)  # two cells of 64, each showing its list's first item
    assert [im.getpixel((x, 32)) for x in (16, 48, 80, 112)] == [(255, 0, 0)] * 4
    # Deeper nesting costs no more work: one render per cell, whatever the depth.
    deeper = mk.MediaList([outer]).encode(mem)
    assert thumb(deeper, mem, size=64).convert("RGB").getpixel((32, 32)) == (255, 0, 0)


def test_limits_refuse_an_oversized_stored_image(mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    with pytest.raises(LimitError, match=r"^path: image of 600x300 = 180,000 pixels is larger than the limit of 1,000 pixels \(mk.Limits.max_pixels\)$"):
        mk.thumbnail(desc, mem, limits=mk.Limits(max_pixels=1000))
    with pytest.raises(LimitError, match=r"path: image of 600x300 pixels; each side must be between 1 and 500"):
        mk.thumbnail(desc, mem, limits=mk.Limits(max_side=500))


def test_limits_apply_to_boxes(mem: mk.Store) -> None:
    box = {"position": {"minX": 0.1, "maxX": 0.2, "minY": 0.1, "maxY": 0.2}, "class_id": 1, "box_caption": "x" * 100_000}
    desc = mk.Image(
        GREY,
        boxes={"a": {"box_data": [box] * 3, "class_labels": {1: "a"}}, "b": {"box_data": [box] * 2, "class_labels": {1: "a"}}},
    ).encode(mem)
    with pytest.raises(LimitError, match=r"boxes: 5 boxes exceed the limit of 4"):
        mk.thumbnail(desc, mem, limits=mk.Limits(max_boxes=4))
    start = time.perf_counter()
    im = thumb(desc, mem, size=300, limits=mk.Limits(max_boxes=5))
    assert time.perf_counter() - start < 5  # a huge caption is cut before it is measured
    assert color_for(1) in [im.getpixel((x, 22))[:3] for x in (29, 30, 31)]  # left edge


@pytest.mark.parametrize("unit", ["<script>", "<style ", "<br ", "<", "<!--", "<head "])
def test_html_preview_of_hostile_markup_is_fast(unit: str, mem: mk.Store) -> None:
    # Unclosed tags repeated: a backtracking pattern would take minutes (quadratic); ours is linear.
    markup = "<title>t</title><p>visible</p>" + unit * 120_000
    desc = mk.Html(markup, inject=False).encode(mem)
    start = time.perf_counter()
    im = thumb(desc, mem, size=128)
    assert time.perf_counter() - start < 5
    assert im.size == (128, 128)


def test_limits_apply_to_masks(mem: mk.Store) -> None:
    desc = mk.Image(np.zeros((40, 50), np.uint8)).encode(mem)
    big_mask = mk.Image(np.zeros((400, 500), np.uint8)).encode(mem)
    hostile = {**desc, "masks": {"m": {**{k: big_mask[k] for k in ("path", "sha256", "size", "media_type")}, "class_labels": {}}}}
    with pytest.raises(LimitError, match=r"masks\.path: image of 500x400 = 200000 pixels exceeds the limit of 10000 \(decompression-bomb guard\)"):
        mk.thumbnail(hostile, mem, limits=mk.Limits(max_pixels=10_000))


class SpyStore(mk.MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def _read(self, path: str) -> bytes:
        self.reads.append(path)
        return super()._read(path)


@pytest.mark.parametrize("bad", ["../x.png", "/etc/passwd", "media/../../x.png", "C:/x.png", "media//x.png", "./media/x.png"])
def test_hostile_paths_are_refused_and_nothing_is_read(bad: str) -> None:
    store = SpyStore()
    desc = mk.Image(GREY).encode(store)
    file_fields = {k: desc[k] for k in ("path", "sha256", "size", "media_type")}
    for hostile in ({**desc, "path": bad}, {**desc, "masks": {"m": {**file_fields, "path": bad, "class_labels": {}}}}):
        with pytest.raises((SchemaError, StorageError)) as info:
            mk.thumbnail(hostile, store)
        assert isinstance(info.value, (ValueError, OSError))
        with pytest.raises((SchemaError, StorageError)):
            mk.decode(hostile, store)
    # Nothing but the legitimate image file was ever opened.
    assert set(store.reads) <= {desc["path"]}


def test_store_refuses_traversal_directly() -> None:
    store = mk.MemoryStore()
    with pytest.raises(StorageError, match=r"path: '\.\./x' is not a plain relative path inside the store") as info:
        store.read("../x")
    assert isinstance(info.value, OSError)


def test_symlink_out_of_a_local_store_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    PILImage.fromarray(GREY).save(outside)
    store = mk.LocalStore(tmp_path / "store")
    desc = mk.Image(GREY).encode(store)
    sha = "ab" + "0" * 62
    link = tmp_path / "store" / "media" / "ab"
    link.mkdir(parents=True)
    os.symlink(outside, link / f"{sha}.png")
    with pytest.raises(StorageError, match="resolves outside the store root") as info:
        mk.thumbnail({**desc, "path": f"media/ab/{sha}.png", "sha256": sha}, store)
    assert isinstance(info.value, OSError)
    # Anything but a content path is refused before the store is touched.
    os.symlink(tmp_path, tmp_path / "store" / "up")
    for path, digest in (("up/secret.png", desc["sha256"]), (desc["path"], sha)):
        with pytest.raises(mk.SchemaError, match=r"\$\.path"):
            mk.thumbnail({**desc, "path": path, "sha256": digest}, store)


def test_missing_stored_file(mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    mem.delete(desc["path"])
    with pytest.raises(mk.MediaFileNotFoundError, match="does not exist"):
        mk.thumbnail(desc, mem)


def test_corrupt_stored_file(mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    ref = mem.put(b"\x89PNG\r\n\x1a\n garbage", suffix=".png")
    with pytest.raises(mk.DecodeError):
        mk.thumbnail({**desc, **ref.to_dict()}, mem)


@pytest.mark.parametrize(
    ("kwargs", "cls", "match"),
    [
        ({"size": 4}, ValidationError, r"size: expected 8 to 4096 pixels, got 4"),
        ({"size": 5000}, ValidationError, r"size: expected 8 to 4096 pixels, got 5000"),
        ({"size": 64.0}, MediaTypeError, r"size: expected an int, got float 64.0"),
        ({"size": True}, MediaTypeError, r"size: expected an int, got bool True"),
        ({"format": "gif"}, ValidationError, r"format: expected 'png' or 'webp', got 'gif'"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], cls: type[BaseException], match: str, mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    with pytest.raises(cls, match=match) as info:
        mk.thumbnail(desc, mem, **kwargs)
    assert type(info.value) is cls


def test_invalid_descriptor_is_refused(mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    with pytest.raises(SchemaError):
        mk.thumbnail({**desc, "width": -1}, mem)
    with pytest.raises(SchemaError):
        mk.thumbnail({**desc, "extra": 1}, mem)


def test_file_size_limit_applies_whatever_the_descriptor_claims(mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    with pytest.raises(mk.LimitError, match="more than the limit of 10"):
        mk.thumbnail({**desc, "size": 0}, mem, limits=mk.Limits(max_file_bytes=10))


def test_unrenderable_values_are_mediakit_errors(mem: mk.Store) -> None:
    desc = mk.Image(GREY).encode(mem)
    box = {"position": {"minX": -1e308, "maxX": 1e308, "minY": 0.1, "maxY": 0.2}, "class_id": 1}
    hostile = {**desc, "boxes": {"b": {"box_data": [box], "class_labels": {"1": "x"}}}}
    try:
        png = mk.thumbnail(hostile, mem, size=32)
    except mk.MediakitError as e:
        assert isinstance(e, ValueError)
    else:
        assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("bins", [200, 300, 511])
@pytest.mark.parametrize("size", [32, 64, 128])
def test_histograms_with_many_bins_render_at_small_sizes(mem: mk.Store, bins: int, size: int) -> None:
    desc = mk.Histogram(np.random.default_rng(0).normal(size=10_000), num_bins=bins).encode(mem)
    assert max(thumb(desc, mem, size=size).size) <= size


# -- issue 13: one size rule, one pixel limit, no leaked pipes, legible charts ---------------------


def test_upscale_enlarges_small_media_to_the_long_side(mem: mk.Store) -> None:
    desc = mk.Image(np.zeros((25, 14, 3), np.uint8)).encode(mem)
    assert thumb(desc, mem, size=256).size == (14, 25)
    assert thumb(desc, mem, size=256, upscale=True).size == (143, 256)
    big = mk.Image(GREY).encode(mem)
    assert thumb(big, mem, size=256, upscale=True).size == (256, 128)
    with pytest.raises(MediaTypeError, match=r"^upscale: expected True or False, got str 'yes'$"):
        mk.thumbnail(desc, mem, upscale="yes")  # type: ignore[arg-type]


def _png_header(w: int, h: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    # A header and an empty data chunk: enough to open, never decoded.
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_one_pixel_limit_not_pillows_default() -> None:
    from mediakit.formats import raster

    # 100 MP is above Pillow's 89 MP warning and within mediakit's limit: opened (header only).
    im = raster.probe(_png_header(10_000, 10_000))
    assert im.size == (10_000, 10_000)
    with pytest.raises(LimitError) as e:
        raster.probe(_png_header(10_000, 10_000), field="path", max_pixels=mk.Limits(max_pixels=50_000_000).max_pixels)
    assert str(e.value) == "path: image of 10000x10000 = 100,000,000 pixels is larger than the limit of 50,000,000 pixels (mk.Limits.max_pixels)"
    assert "bomb" not in str(e.value) and "attack" not in str(e.value)


def test_a_144_megapixel_image_mediakit_wrote_thumbnails(mem: mk.Store) -> None:
    a = np.zeros((12_000, 12_000), np.uint8)
    a[::100] = 255
    desc = mk.Image(a).encode(mem)
    im = thumb(desc, mem, size=64)
    assert im.size == (64, 64)
    with pytest.raises(LimitError, match=r"144,000,000 pixels is larger than the limit of 100,000,000 pixels"):
        mk.thumbnail(desc, mem, size=64, limits=mk.Limits(max_pixels=100_000_000))


def test_abandoned_frame_generators_leak_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "leak.py"
    script.write_text(
        "import gc, os, threading\n"
        "from mediakit.formats import Source\n"
        "from mediakit.formats import video as codec\n"
        f"src = Source({str(CORPUS / 'video' / 'example.mp4')!r})\n"
        "info = codec.probe(src)\n"
        "before = len(os.listdir('/proc/self/fd'))\n"
        "def work():\n"
        "    for _ in range(4):\n"
        "        g = codec.iter_frames(src, info, size=(32, 32))\n"
        "        next(g)\n"
        "        cycle = [g]; cycle.append(cycle)\n"
        "t = threading.Thread(target=work); t.start(); t.join()\n"
        "gc.collect()\n"
        "print(before, len(os.listdir('/proc/self/fd')))\n"
    )
    res = subprocess.run([sys.executable, "-X", "dev", "-W", "error::ResourceWarning", str(script)], capture_output=True, text=True, check=False, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "ResourceWarning" not in res.stderr
    before, after = map(int, res.stdout.split())
    assert after == before


def _chart_pixels(chart: Any, mem: mk.Store) -> np.ndarray:
    return np.asarray(thumb(chart.encode(mem), mem, size=256).convert("RGB")).astype(np.int64)


def test_bar_chart_fills_the_frame_with_a_plain_axis_title(mem: mk.Store) -> None:
    chart = mk.plot.bar(mk.Table(data=[["cat", 42], ["dog", 35]], columns=["label", "count"]), "label", "count")
    spec = chart.vega_lite()
    assert spec["encoding"]["x"]["title"] == "count"
    im = thumb(chart.encode(mem), mem, size=256)
    assert im.width == 256 and im.height >= 150  # not a 256x69 strip


def test_confusion_matrix_text_is_light_on_dark_cells(mem: mk.Store) -> None:
    chart = mk.plot.confusion_matrix(y_true=[0] * 50 + [1] * 3, preds=[0] * 50 + [1] * 3, class_names=["a", "b"])
    px = _chart_pixels(chart, mem)
    # The darkest cell (50) holds white text: bright pixels inside the dark blue area.
    dark = (px.sum(axis=2) < 250) & (px[..., 2] > px[..., 0] + 40)
    ys, xs = np.nonzero(dark)
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    cell = px[y0 : y1 + 1, x0 : x1 + 1]
    assert (cell.min(axis=2) > 200).sum() > 15


def test_histogram_has_a_count_axis_and_round_ticks(mem: mk.Store) -> None:
    from mediakit.render.histogram import _nice_ticks

    assert _nice_ticks(-4.02, 3.95, 5) == [-4.0, -2.0, 0.0, 2.0]
    desc = mk.Histogram(np.random.default_rng(0).standard_normal(5000)).encode(mem)
    px = np.asarray(thumb(desc, mem, size=256).convert("L"))
    # A vertical axis line left of the bars.
    col = (px[20:200] < 80).sum(axis=0)
    assert col[:80].max() > 150


def test_quiet_audio_is_scaled_and_has_a_time_axis(mem: mk.Store) -> None:
    t = np.linspace(0, 1, 8000, endpoint=False, dtype=np.float32)
    desc = mk.Audio(0.01 * np.sin(2 * np.pi * 200 * t), sample_rate=8000).encode(mem)
    im = thumb(desc, mem, size=256).convert("RGB")
    assert im.width == 256 and im.height > 128
    px = np.asarray(im).astype(np.int64)
    wave = (px[..., 2] > 150) & (px[..., 0] < 60)
    assert wave[:128].any(axis=1).sum() > 90  # the waveform fills most of the lane height


def test_html_headings_are_larger_than_body_text(mem: mk.Store) -> None:
    desc = mk.Html("<h1>Heading</h1><p>body body body</p>").encode(mem)
    px = np.asarray(thumb(desc, mem, size=256).convert("L"))
    rows = np.nonzero((px[30:] < 100).any(axis=1))[0] + 30
    runs = np.split(rows, np.nonzero(np.diff(rows) > 1)[0] + 1)
    heights = [len(r) for r in runs if len(r) > 2]
    assert heights[0] > heights[1] * 1.3


def test_table_datetimes_are_not_cut(mem: mk.Store) -> None:
    from mediakit.render.table import compact_datetime

    assert compact_datetime("2024-05-01T09:30:00.000") == "2024-05-01 09:30"
    assert compact_datetime("2024-05-01T00:00:00") == "2024-05-01"
    assert compact_datetime("2024-05-01T09:30:15") == "2024-05-01 09:30:15"


def test_plotly_extreme_markers_are_whole_and_the_title_is_larger_than_labels():
    pytest.importorskip("plotly")
    import plotly.graph_objects as go

    st = mk.MemoryStore()
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[0, 10, 5], mode="markers", marker={"color": "#ff0000"}))
    fig.update_layout(title="Loss")
    desc = mk.Plotly(fig).encode(st)
    px = np.asarray(PILImage.open(io.BytesIO(mk.thumbnail(desc, st, size=256))).convert("RGB")).astype(int)
    red = (px[:, :, 0] > 200) & (px[:, :, 1] < 80) & (px[:, :, 2] < 80)
    rows, cols = np.nonzero(red)
    top_marker = rows.min()
    # The highest marker is drawn whole: a full disc below the title, never cut by the frame.
    disc = red[top_marker : top_marker + 8, cols[rows == top_marker].min() - 4 : cols[rows == top_marker].max() + 5]
    assert top_marker > 20 and disc.sum() >= 9
    # The title's glyphs are taller than the axis labels' (dark ink in the top band vs the bottom band).
    ink = px.sum(axis=2) < 300
    title_rows = np.flatnonzero(ink[:top_marker].any(axis=1))
    label_rows = np.flatnonzero(ink[-30:].any(axis=1))
    assert len(title_rows) > len(label_rows)
