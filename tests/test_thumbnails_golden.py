"""Golden images: the 256 px thumbnail of one value of every kind and every chart preset
(``scripts/showcase.py``, the same values the README's contact sheet shows), compared with a
tolerance to the reference under ``tests/golden/``.

The references are stored reduced to 64 px (small files; a layout change, a lost axis, black
text on a dark cell or an empty frame still shows) with the full thumbnail size in
``tests/golden/sizes.json``. Regenerate after an intended change with

    MEDIAKIT_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_thumbnails_golden.py

and look at the images before committing them.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SIZES = GOLDEN / "sizes.json"
REGEN = os.environ.get("MEDIAKIT_REGEN_GOLDEN") == "1"
#: Mean absolute difference (0-255, over the 64 px reductions) allowed against a reference.
TOLERANCE = 4.0


def _showcase():
    spec = importlib.util.spec_from_file_location("showcase", ROOT / "scripts" / "showcase.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SHOWCASE = _showcase()
NAMES = sorted(SHOWCASE.values())


def small(png: bytes) -> PILImage.Image:
    with PILImage.open(io.BytesIO(png)) as im:
        im = im.convert("RGBA")
    bg = PILImage.new("RGBA", im.size, (255, 255, 255, 255))
    flat = PILImage.alpha_composite(bg, im).convert("RGB")
    flat.thumbnail((64, 64), PILImage.Resampling.BOX)
    return flat


def render(name: str) -> bytes:
    store = mk.MemoryStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        desc = mk.encode({"v": SHOWCASE.values()[name]()}, store)["v"]
    return mk.thumbnail(desc, store, size=256)


@pytest.mark.parametrize("name", NAMES)
def test_thumbnail_matches_golden(name: str) -> None:
    png = render(name)
    with PILImage.open(io.BytesIO(png)) as im:
        size = list(im.size)
    got = small(png)
    ref_path = GOLDEN / f"{name}.png"
    sizes = json.loads(SIZES.read_text()) if SIZES.exists() else {}
    if REGEN:
        got.save(ref_path, optimize=True)
        sizes[name] = size
        SIZES.write_text(json.dumps(dict(sorted(sizes.items())), indent=1) + "\n")
    assert ref_path.exists(), f"no golden image for {name}: run with MEDIAKIT_REGEN_GOLDEN=1"
    assert size == sizes[name], f"{name}: thumbnail is {size}, golden {sizes[name]}"
    assert max(size) == 256 or name == "image_tiny_gif"
    with PILImage.open(ref_path) as ref:
        want = np.asarray(ref.convert("RGB"), np.float64)
    diff = np.abs(np.asarray(got, np.float64) - want)
    assert diff.shape == want.shape
    assert diff.mean() <= TOLERANCE, f"{name}: mean difference {diff.mean():.2f} > {TOLERANCE}"


def test_every_golden_file_has_a_case() -> None:
    on_disk = {p.stem for p in GOLDEN.glob("*.png")}
    assert on_disk == set(NAMES)


def test_golden_images_are_not_blank() -> None:
    for name in NAMES:
        with PILImage.open(GOLDEN / f"{name}.png") as im:
            assert np.asarray(im.convert("L")).std() > 8, name


def test_the_showcase_covers_every_kind_and_every_chart_preset() -> None:
    """``make demo`` and the README's contact sheet show these: every built-in thumbnail kind
    and every ``mk.plot`` preset must be among them."""
    import ast

    from mediakit._registry import _KINDS

    tree = ast.parse((ROOT / "scripts" / "showcase.py").read_text())
    presets = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute) and n.value.attr == "plot"}
    assert presets >= {"line", "scatter", "bar", "histogram", "line_series", "pr_curve", "roc_curve", "confusion_matrix"}
    sizes = json.loads(SIZES.read_text())
    types = set()
    for name in NAMES:
        types.add(name.split("_")[0])
    drawn = {"image", "histogram", "tensor", "html", "list", "audio", "video", "table", "chart", "plotly", "molecule", "mesh", "point", "lidar"}
    assert drawn <= types, drawn - types
    assert set(sizes) == set(NAMES)
    # Every registered built-in type with a renderer is drawn by some case (number has no picture of its own).
    builtin = {k for k in _KINDS if k not in ("number", "spectrum")}
    covered = {"object3d" if t in ("mesh", "point", "lidar") else t for t in types}
    assert builtin <= covered, builtin - covered
