"""The gallery end to end: built from a run with every kind, opened from file:// (and over HTTP)
in headless Chromium; pixels, DOM state and console checked; two panels against golden images."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gallery_helpers import Page, annotated, browser, page, site  # noqa: F401 (fixtures: not a conftest, whose name the suite imports)
from PIL import Image as PILImage

import mediakit as mk

GOLDEN = Path(__file__).parent / "golden"
KINDS = {
    "audio": "audio", "big_table": "table", "broken": "error", "chart": "chart", "hist": "histogram", "html": "html",
    "image": "image", "lidar": "object3d", "list": "list", "loss": "scalar", "mesh": "object3d", "molecule": "molecule",
    "plotly": "plotly", "table": "table", "tensor": "tensor", "video_gif": "video", "video_mp4": "video",
}  # fmt: skip


# -- the build ------------------------------------------------------------------------------------


def test_site_layout(site: Path) -> None:
    out = site.parent
    assert site.name == "index.html"
    assets = sorted(p.name for p in (out / "assets").iterdir())
    assert assets == ["LICENSES.txt", "gallery.css", "gallery.js", "plotly.min.js", "vega.js", "viewer3d.js"]
    licences = (out / "assets" / "LICENSES.txt").read_text()
    for pkg in ("three", "vega-lite", "vega-embed", "plotly.js-dist-min", "d3-scale"):
        assert f"\n{pkg} " in licences
    html = site.read_text()
    assert "http://" not in html and "https://" not in html
    assert "default-src 'none'" in html
    # every media file named by the history was copied, byte for byte
    for line in (out.parent / "run" / "history.jsonl").read_text().splitlines():
        for v in json.loads(line).values():
            if isinstance(v, dict) and "sha256" in v and "path" in v:
                assert (out / v["path"]).read_bytes() == (out.parent / "run" / v["path"]).read_bytes()


def test_index_lists_a_panel_per_key(site: Path) -> None:
    text = (site.parent / "data" / "index.js").read_text()
    index = json.loads(text[text.index(",") + 1 : text.rindex(")")])
    assert {p["key"]: p["kind"] for p in index["panels"]} == KINDS
    assert next(p for p in index["panels"] if p["key"] == "image")["steps"] == [0, 1, 2]
    assert index["config"] == {"batch": 32, "lr": 0.001}
    assert ["loss", 1 / 3] in index["summary"]


def test_no_plotly_or_3d_scripts_when_the_run_has_none(tmp_path: Path) -> None:
    run = mk.Run(tmp_path / "run")
    run.log({"img": mk.Image(np.zeros((8, 8, 3), np.uint8))})
    run.finish()
    site = mk.gallery(tmp_path / "run", tmp_path / "site")
    assert sorted(p.name for p in (site.parent / "assets").iterdir()) == ["LICENSES.txt", "gallery.css", "gallery.js"]


def test_descriptor_files_and_folders(tmp_path: Path) -> None:
    store = mk.LocalStore(tmp_path / "out")
    desc = mk.Image(np.full((8, 8, 3), 7, np.uint8)).encode(store)
    (tmp_path / "out" / "descriptors").mkdir()
    (tmp_path / "out" / "descriptors" / "pic.json").write_text(json.dumps(desc))
    (tmp_path / "out" / "descriptors" / "bad.json").write_text("{not json")
    site = mk.gallery(tmp_path / "out" / "descriptors", tmp_path / "site")
    text = (site.parent / "data" / "index.js").read_text()
    index = json.loads(text[text.index(",") + 1 : text.rindex(")")])
    assert [(p["key"], p["kind"]) for p in index["panels"]] == [("bad", "error"), ("pic", "image")]
    assert (site.parent / desc["path"]).read_bytes() == (tmp_path / "out" / desc["path"]).read_bytes()
    single = mk.gallery(tmp_path / "out" / "descriptors" / "pic.json", tmp_path / "site2")
    assert (single.parent / desc["path"]).is_file()


def test_altered_file_is_an_error_panel(tmp_path: Path) -> None:
    run = mk.Run(tmp_path / "run")
    desc = run.log({"img": mk.Image(np.zeros((8, 8, 3), np.uint8))})["img"]
    run.finish()
    (tmp_path / "run" / desc["path"]).write_bytes(b"changed")
    site = mk.gallery(tmp_path / "run", tmp_path / "site")
    chunk = (site.parent / "data" / "p" / "0" / "0.js").read_text()
    assert "does not match its descriptor" in chunk
    assert not (site.parent / desc["path"]).exists()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(mk.MediaFileNotFoundError, match=r"source: .*does not exist; pass a run folder"):
        mk.gallery(tmp_path / "nope", tmp_path / "site")
    (tmp_path / "empty").mkdir()
    with pytest.raises(mk.ValidationError, match="has neither history.jsonl nor descriptor .json files"):
        mk.gallery(tmp_path / "empty", tmp_path / "site")
    with pytest.raises(mk.MediaTypeError, match="out_dir: expected a folder path, got int"):
        mk.gallery(tmp_path / "empty", 3)  # type: ignore[arg-type]
    with pytest.raises(mk.ValidationError, match="source: the list is empty"):
        mk.gallery([], tmp_path / "site")
    (tmp_path / "file").write_text("x")
    run = mk.Run(tmp_path / "run")
    run.log({"x": 1})
    run.finish()
    with pytest.raises(mk.ValidationError, match="out_dir: .* is a file; pass a folder"):
        mk.gallery(tmp_path / "run", tmp_path / "file")


# -- in the browser ----------------------------------------------------------------------------------


def test_every_panel_renders_without_console_errors(page: Page) -> None:
    for key, kind in KINDS.items():
        el = page.panel(key)
        errors = el.find_elements("css selector", ".mk-error")
        if kind == "error":
            assert "missing required field 'sha256'" in errors[0].text
        else:
            assert errors == [], (key, [e.text for e in errors])
    checks = {
        "audio": "return !!p.querySelector('audio[src^=\"media/\"]') && !!p.querySelector('img.mk-wave')",
        "video_mp4": "return !!p.querySelector('video[src^=\"media/\"]')",
        "video_gif": "return !!p.querySelector('img.mk-gif')",
        "chart": "return p.querySelectorAll('.vega-embed svg .mark-line path').length === 1",
        "hist": "return p.querySelectorAll('.vega-embed svg .mark-rect path').length > 10",
        "loss": "return p.querySelectorAll('.vega-embed svg .mark-line path').length === 1",
        "tensor": "return p.querySelectorAll('.vega-embed svg .mark-rect path').length > 10",
        "plotly": "return p.querySelectorAll('.js-plotly-plot .bars .point').length === 3",
        "html": "const f = p.querySelector('iframe'); return f && f.getAttribute('sandbox') === '' && f.srcdoc.includes('Report')",
        "table": "return p.querySelectorAll('tbody tr').length === 3 && p.querySelectorAll('td.mk-media-cell img').length === 3",
        "list": "return p.querySelectorAll('.mk-cell').length === 3",
        "molecule": "return !!p.querySelector('img.mk-3d-thumb')",
    }
    for key, js in checks.items():
        page.panel(key)
        page.wait(f"const p = document.querySelector('.mk-panel[data-key=\"{key}\"]'); {js}", timeout=40)
    assert page.errors() == []


def test_image_overlays_toggle_and_change_pixels(page: Page) -> None:
    el = page.panel("image")
    stage = el.find_element("css selector", ".mk-stage")
    page.wait("return document.querySelector('[data-key=\"image\"] canvas.mk-mask').width === 128")
    before = page.png(stage)
    mask = page.canvas_pixels('[data-key="image"] canvas.mk-mask')
    assert mask[30, 30, 3] > 0 and mask[5, 5, 3] == 0  # class 1 painted, background clear
    assert np.abs(mask[30, 30, :3] - (230, 25, 75)).max() <= 2  # the palette colour of class 1 (alpha rounding)
    el.find_element("css selector", '[data-toggle="pred:1"]').click()  # hide class "cat" of the mask
    mask = page.canvas_pixels('[data-key="image"] canvas.mk-mask')
    assert mask[30, 30, 3] == 0 and mask[75, 100, 3] > 0
    el.find_element("css selector", '[data-toggle="mask:pred"]').click()  # the whole layer
    assert page.canvas_pixels('[data-key="image"] canvas.mk-mask')[..., 3].max() == 0
    count = "return document.querySelectorAll('[data-key=\"image\"] svg.mk-boxes rect').length"
    assert page.js(count) == 2
    el.find_element("css selector", '[data-toggle="truth:2"]').click()
    assert page.js(count) == 1
    el.find_element("css selector", '[data-toggle="boxes:truth"]').click()
    assert page.js(count) == 0
    after = page.png(stage)
    assert _diff(after, before) > 5


def test_score_threshold_hides_boxes(page: Page) -> None:
    page.panel("image")
    count = "return document.querySelectorAll('[data-key=\"image\"] svg.mk-boxes rect').length"
    set_to = "const r = document.querySelector('[data-key=\"image\"] .mk-threshold'); r.value = arguments[0]; r.dispatchEvent(new Event('input'))"
    assert page.js(count) == 2
    page.js(set_to, 0.5)  # box scores are 0.9 and 0.3
    assert page.js(count) == 1
    page.js(set_to, 0.95)
    assert page.js(count) == 0
    page.js(set_to, 0)
    assert page.js(count) == 2


def test_step_slider_shows_another_step(page: Page) -> None:
    el = page.panel("image")
    assert el.get_attribute("data-step") == "2"
    src = "return document.querySelector('[data-key=\"image\"] .mk-stage img').getAttribute('src')"
    last = page.js(src)
    page.wait("return document.querySelector('[data-key=\"image\"] .mk-stage img').complete")
    before = page.png(el.find_element("css selector", ".mk-stage"))
    page.js("const r = document.querySelector('[data-key=\"image\"] .mk-step'); r.value = 0; r.dispatchEvent(new Event('input'))")
    page.wait("return document.querySelector('[data-key=\"image\"]').dataset.step === '0'")
    page.wait("const i = document.querySelector('[data-key=\"image\"] .mk-stage img'); return i.complete && i.naturalWidth > 0")
    assert page.js(src) != last
    assert el.find_element("css selector", ".mk-step-label").text == "step 0"
    assert el.find_element("css selector", ".mk-caption").text == "frame 0"
    after = page.png(el.find_element("css selector", ".mk-stage"))
    assert _diff(after, before) > 10


def test_histogram_over_steps(page: Page) -> None:
    el = page.panel("hist")
    el.find_element("css selector", ".mk-over-toggle").click()
    page.wait("return document.querySelectorAll('[data-key=\"hist\"] .mk-over .vega-embed svg .mark-rect path').length > 50")
    ticks = page.js("return [...document.querySelectorAll('[data-key=\"hist\"] .mk-over .role-axis-label text')].map(t => t.textContent)")
    assert {"0", "1", "2"} <= set(ticks)


def test_tables_sort_and_page(page: Page) -> None:
    page.panel("table")

    def click(selector: str) -> None:
        page.js("document.querySelector(arguments[0]).click()", selector)

    first = "return [...document.querySelectorAll('[data-key=\"' + arguments[0] + '\"] tbody tr')].map(r => r.cells[arguments[1]].textContent)"
    assert page.js(first, "table", 0) == ["b", "c", "a"]
    click('[data-key="table"] th[data-col="0"]')
    page.wait(f"return JSON.stringify(({first.replace('return ', '')})) === arguments[2]", "table", 0, '["a","b","c"]')
    click('[data-key="table"] th[data-col="1"]')
    click('[data-key="table"] th[data-col="1"]')
    page.wait(f"return JSON.stringify(({first.replace('return ', '')})) === arguments[2]", "table", 1, '["3","2","1"]')
    # the Parquet-backed table: pages loaded one at a time, sorted across the whole table
    page.panel("big_table")
    assert page.js(first, "big_table", 0)[:2] == ["0", "1"]
    click('[data-key="big_table"] .mk-next')
    page.wait("return document.querySelector('[data-key=\"big_table\"] .mk-table').dataset.page === '1'")
    assert page.js(first, "big_table", 0)[0] == "100"
    click('[data-key="big_table"] th[data-col="0"]')
    page.wait("return document.querySelector('[data-key=\"big_table\"] tbody tr').cells[0].textContent === '0'")
    click('[data-key="big_table"] th[data-col="0"]')
    page.wait("return document.querySelector('[data-key=\"big_table\"] tbody tr').cells[0].textContent === '2499'")
    loaded = page.js("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/data/f/') && n.includes('-'))")
    assert len(loaded) <= 4  # page 0, page 1, one pre-sorted page: never the whole table


def test_3d_views_draw(page: Page) -> None:
    for key in ("mesh", "lidar", "molecule"):
        el = page.panel(key)
        el.find_element("css selector", ".mk-3d-start").click()
        page.wait(f"return document.querySelector('[data-key=\"{key}\"] .mk-3d-view')?.dataset.drawn === '1'", timeout=30)
        px = page.canvas_pixels(f'[data-key="{key}"] .mk-3d-view canvas')
        background = np.array([244, 245, 247])
        drawn = (np.abs(px[..., :3] - background).sum(axis=2) > 30).mean()
        assert 0.005 < drawn < 0.9, (key, drawn)
    lidar = page.canvas_pixels('[data-key="lidar"] .mk-3d-view canvas')
    red = (lidar[..., 0] > 200) & (lidar[..., 1] < 60) & (lidar[..., 2] < 60)
    assert red.sum() > 50  # the 3-D box's edges
    assert page.errors() == []


def test_logged_html_cannot_run_scripts_or_load_anything(tmp_path: Path, browser: Any) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    spy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=spy.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{spy.server_address[1]}"
        hostile = (f'<script>parent.document.body.dataset.pwned = "1"; fetch("{url}/fetch")</script>'
                   f'<img src="{url}/img"><link rel="stylesheet" href="{url}/css"><p>text</p>')  # fmt: skip
        run = mk.Run(tmp_path / "run")
        run.log({"page": mk.Html(hostile, sanitize=False)})
        run.finish()
        site = mk.gallery(tmp_path / "run", tmp_path / "site")
        page = Page(browser, site.as_uri())
        page.panel("page")
        page.wait("return document.querySelector('iframe').srcdoc.includes('text')")
        time.sleep(0.5)
        assert page.js("return document.body.dataset.pwned") is None
        assert hits == []
    finally:
        spy.shutdown()
        spy.server_close()


def test_served_over_http(site: Path, browser: Any) -> None:
    root = str(site.parent)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(*a, directory=root, **k)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        page = Page(browser, origin + "/index.html")
        for key in ("image", "chart", "table"):
            page.panel(key)
        names = page.js("return performance.getEntriesByType('resource').map(e => e.name)")
        assert names and all(n.startswith(origin + "/") or n.startswith("data:") for n in names)
        assert page.errors() == []
    finally:
        server.shutdown()
        server.server_close()


def test_a_long_run_opens_fast(tmp_path: Path, browser: Any) -> None:
    """10,000 steps; 1,000 images under one key: the page loads the index and the chunks of the
    panels in view, nothing else."""
    run_dir = tmp_path / "run"
    store = mk.LocalStore(run_dir)
    rng = np.random.default_rng(1)
    lines = []
    for step in range(10_000):
        row: dict[str, Any] = {"_step": step, "loss": float(np.exp(-step / 3000))}
        if step % 10 == 0:
            row["samples"] = mk.Image((rng.random((8, 8, 3)) * 255).astype(np.uint8)).encode(store)
        lines.append(json.dumps(row))
    (run_dir / "history.jsonl").write_text("\n".join(lines) + "\n")
    t0 = time.monotonic()
    site = mk.gallery(run_dir, tmp_path / "site")
    assert time.monotonic() - t0 < 60
    t0 = time.monotonic()
    page = Page(browser, site.as_uri())
    page.panel("samples")
    page.panel("loss")
    assert time.monotonic() - t0 < 8
    scripts = page.js("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/data/'))")
    assert len(scripts) <= 4  # index, the samples chunk of the last step, the loss series
    assert page.js("return document.querySelector('[data-key=\"samples\"] .mk-step').max") == "999"
    assert page.errors() == []


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two element screenshots (sub-pixel layout can change their
    size by a pixel: compared on the common area)."""
    assert abs(a.shape[0] - b.shape[0]) <= 2 and abs(a.shape[1] - b.shape[1]) <= 2, (a.shape, b.shape)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float(np.abs(a[:h, :w] - b[:h, :w]).mean())


# -- golden images -----------------------------------------------------------------------------------


def _golden(name: str, got: np.ndarray) -> None:
    path = GOLDEN / f"{name}.png"
    if os.environ.get("MEDIAKIT_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        PILImage.fromarray(got.astype(np.uint8)).save(path)
    assert path.is_file(), f"no golden image {path}: run with MEDIAKIT_UPDATE_GOLDEN=1 once and review it"
    want = np.asarray(PILImage.open(path).convert("RGB")).astype(np.int16)
    assert abs(want.shape[0] - got.shape[0]) <= 2 and abs(want.shape[1] - got.shape[1]) <= 2, (want.shape, got.shape)
    h, w = min(want.shape[0], got.shape[0]), min(want.shape[1], got.shape[1])
    diff = np.abs(want[:h, :w] - got[:h, :w]).max(axis=2)
    assert (diff > 40).mean() < 0.02, f"{name}: {(diff > 40).mean():.2%} of pixels differ from {path}"


@pytest.mark.parametrize("key", ["image", "chart", "table"])
def test_panels_match_golden_images(page: Page, key: str) -> None:
    el = page.panel(key)
    page.wait(f"return [...document.querySelectorAll('[data-key=\"{key}\"] img')].every(i => i.complete)")
    if key == "chart":
        page.wait("return document.querySelectorAll('[data-key=\"chart\"] .vega-embed svg .mark-line path').length === 1", timeout=40)
        page.js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    _golden(f"panel_{key}", page.png(el.find_element("css selector", ".mk-body")))


def test_annotated_helper_is_deterministic() -> None:
    assert annotated(1) == annotated(1)
