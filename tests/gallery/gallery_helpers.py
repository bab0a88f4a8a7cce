"""Helpers of the gallery's browser tests (fixtures in conftest.py): a run with every kind built into a site once per test process,
opened in headless Chromium (Debian's ``chromium`` + ``chromedriver`` through Selenium, as the
consumer tests do; WebGL through SwiftShader). A missing tool fails with the make target to run,
never a skip."""

from __future__ import annotations

import base64
import io
import json
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediakit as mk

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = "run `make consumers` (as root or with sudo) to install it; `make test` does this first"

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1400,1200",
    "--font-render-hinting=none",
)


def _photo(shift: int) -> np.ndarray:
    y, x = np.mgrid[0:96, 0:128]
    img = np.zeros((96, 128, 3), np.uint8)
    img[..., 0] = (x * 2 + shift * 60) % 256
    img[..., 1] = (y * 2) % 256
    img[..., 2] = 90 + 40 * shift
    return img


def annotated(step: int) -> mk.Image:
    mask = np.zeros((96, 128), np.uint8)
    mask[10:50, 10:60] = 1
    mask[60:90, 70:120] = 2
    boxes = [
        {"position": {"minX": 0.1, "minY": 0.1, "maxX": 0.45, "maxY": 0.5}, "class_id": 1, "scores": {"conf": 0.9}},
        {"position": {"minX": 0.55, "minY": 0.6, "maxX": 0.95, "maxY": 0.95}, "class_id": 2, "scores": {"conf": 0.3}},
    ]
    return mk.Image(
        _photo(step),
        caption=f"frame {step}",
        masks={"pred": {"mask_data": mask, "class_labels": {1: "cat", 2: "dog"}}},
        boxes={"truth": {"box_data": boxes, "class_labels": {1: "cat", 2: "dog"}}},
    )


def make_run(path: Path) -> Path:
    """A run with one key of every kind, a few over steps, one invalid descriptor."""
    import trimesh

    run = mk.Run(path, config={"lr": 0.001, "batch": 32})
    t = np.linspace(0, 1, 8000, endpoint=False)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in range(3):
            run.log({
                "image": annotated(step),
                "hist": mk.Histogram(rng.normal(step, 1, 2000)),
                "loss": 1.0 / (step + 1),
            })  # fmt: skip
        sphere = trimesh.creation.icosphere(subdivisions=2)
        lidar_pts = np.c_[rng.uniform(-5, 5, (800, 2)), rng.normal(0, 0.05, 800)]
        big = mk.Table(data=[[i, (i * 7919) % 1000, f"r{i:05d}"] for i in range(2500)], columns=["i", "h", "name"], storage="parquet")
        run.log({
            "audio": mk.Audio(0.3 * np.sin(2 * np.pi * 440 * t), sample_rate=8000, caption="440 Hz"),
            "video_gif": mk.Video((rng.random((4, 3, 16, 16)) * 255).astype(np.uint8), fps=4, format="gif"),
            "video_mp4": mk.Video(np.repeat(_photo(1)[None, :64, :64], 4, axis=0), fps=4, format="mp4", layout="THWC", caption="clip"),
            "table": mk.Table(columns=["name", "score", "thumb"], data=[["b", 2.0, mk.Image(_photo(0)[:16, :16])], ["c", 3.0, mk.Image(_photo(1)[:16, :16])], ["a", 1.0, mk.Image(_photo(2)[:16, :16])]]),
            "big_table": big,
            "chart": mk.plot.line(mk.Table(data=[[x, x * x] for x in range(10)], columns=["x", "y"]), "x", "y", title="y = x²"),
            "tensor": rng.standard_normal((40, 40)),
            "html": mk.Html("<h1>Report</h1><p>hello</p>"),
            "molecule": mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O"),
            "mesh": mk.Object3D(sphere),
            "lidar": mk.Object3D.from_point_cloud(lidar_pts, [mk.box3d(center=[1, 1, 0.5], size=[2, 1, 1], orientation=[1, 0, 0, 0], color=(255, 0, 0), label="car")], []),
            "list": [mk.Image(np.full((24, 24, 3), c, np.uint8)) for c in ((200, 40, 40), (40, 200, 40), (40, 40, 200))],
            "plotly": _plotly(),
        })  # fmt: skip
    run.finish()
    # an invalid descriptor in the history: a key the page must show as an error panel
    with open(path / "history.jsonl", "ab") as f:
        f.write(json.dumps({"_step": 9, "broken": {"_type": "image", "_version": 1, "path": "../../etc/passwd"}}).encode() + b"\n")
    return path


def _plotly() -> mk.Plotly:
    import plotly.graph_objects as go

    return mk.Plotly(go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2]), layout={"title": {"text": "bars"}, "width": 400, "height": 300}))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gallery")
    run = make_run(base / "run")
    return mk.gallery(run, base / "site")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium ({CHROMIUM}, Debian package `chromium`) is missing: {INSTALL}", pytrace=False)
    if not CHROMEDRIVER.exists():
        pytest.fail(f"ChromeDriver ({CHROMEDRIVER}, Debian package `chromium-driver`) is missing: {INSTALL}", pytrace=False)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: run `make install` (the `test` extra installs it)", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_script_timeout(30)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


class Page:
    """The browser on one gallery page, with helpers the tests share."""

    def __init__(self, driver: Any, url: str) -> None:
        self.d = driver
        driver.get_log("browser")  # drop what earlier pages logged
        driver.set_window_size(1400, 1200)
        driver.get(url)
        self.wait("return document.body.dataset.ready === '1'")

    def js(self, script: str, *args: Any) -> Any:
        return self.d.execute_script(script, *args)

    def wait(self, condition: str, *args: Any, timeout: float = 15) -> Any:
        end = time.monotonic() + timeout
        while True:
            value = self.js(condition, *args)
            if value:
                return value
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for: {condition}")
            time.sleep(0.05)

    def panel(self, key: str) -> Any:
        """Scroll a panel into view and wait until it has drawn."""
        sel = f'.mk-panel[data-key="{key}"]'
        self.js("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", sel)
        self.wait("const p = document.querySelector(arguments[0]); return p && p.dataset.ready === '1'", sel)
        return self.d.find_element("css selector", sel)

    def errors(self) -> list[str]:
        return [e["message"] for e in self.d.get_log("browser") if e["level"] == "SEVERE"]

    def png(self, element: Any) -> np.ndarray:
        from PIL import Image as PILImage

        # panels above may have grown since the element was scrolled to: bring it fully into view
        self.js("arguments[0].scrollIntoView({block: 'start'})", element)
        self.js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return np.asarray(PILImage.open(io.BytesIO(element.screenshot_as_png)).convert("RGB")).astype(np.int16)

    def canvas_pixels(self, selector: str) -> np.ndarray:
        from PIL import Image as PILImage

        url = self.js("return document.querySelector(arguments[0]).toDataURL('image/png')", selector)
        data = base64.b64decode(url.split(",", 1)[1])
        return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGBA")).astype(np.int16)


@pytest.fixture
def page(browser: Any, site: Path) -> Page:
    return Page(browser, site.as_uri())
