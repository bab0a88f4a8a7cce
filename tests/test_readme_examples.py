"""Every code block of the README runs as written.

``python`` blocks run in order in one namespace (the README is read top to bottom: ``mk`` and
``np`` come from the Quick start), in a temporary folder holding the files the README names
(copied from the fixture corpus under those names). The README's placeholder values
(``image``, ``values``, ``fig`` ...) are defined below, one line each, as a reader would have
them. ``sh`` blocks are shell commands: they are recognised by their language tag and not run
here (the CLI has its own tests); a block without a tag, or with another tag, fails the test.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CORPUS

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README.read_text(), re.S | re.M)
#: The languages a README block may have; only python runs.
LANGUAGES = {"python", "sh"}

#: Files the README names, from the corpus.
FILES = {
    "photo.jpg": CORPUS / "images" / "hubble_deep_field.jpg",
    "gt_mask.png": None,  # written by the context (a mask the size of ``image``)
    "speech.mp3": CORPUS / "audio" / "crunching.mp3",
    "myvideo.mp4": CORPUS / "video" / "example.mp4",
    "recording.webm": CORPUS / "video" / "big_buck_bunny_432_433.webm",
    "6lu7.pdb": CORPUS / "molecules" / "4E43.pdb",
    "model.gltf": CORPUS / "meshes" / "rgb_cube_with_primitives.gltf",
}


def placeholders(folder: Path) -> dict[str, Any]:
    """The README's example values."""
    import io

    from PIL import Image as PILImage

    rng = np.random.default_rng(0)
    image = (rng.random((120, 200, 3)) * 255).astype(np.uint8)
    PILImage.fromarray(np.zeros((120, 200), np.uint8)).save(folder / "gt_mask.png")
    (folder / "report.html").write_text("<h1>Report</h1><p>fine</p>")
    frames = [PILImage.fromarray(np.full((8, 8), 40 * k, np.uint8)) for k in range(5)]
    frames[0].save(folder / "stack.tif", save_all=True, append_images=frames[1:])
    _mov(folder / "capture.mov")
    shutil.copy(Path(__file__).parent / "plugin_kind" / "spectrum.schema.json", folder / "spectrum.schema.json")
    y = rng.integers(0, 3, 60)
    probs = rng.dirichlet(np.ones(3), 60)
    return {
        "images": [image, image],
        "image": image,
        "mask_data": np.zeros((120, 200), np.uint8),
        "uint16_array": (rng.random((8, 8)) * 65535).astype(np.uint16),
        "array": image,
        "float_array": rng.random((8, 8)),
        "chw_or_hwc_array": rng.random((3, 8, 3)),
        "values": rng.normal(size=1000),
        "data": rng.normal(size=1000),
        "untrusted": "<p onclick='x()'>hi</p><script>alert(1)</script>",
        "stereo_int16": (rng.normal(0, 3000, (4800, 2))).astype(np.int16),
        "loud": rng.normal(0, 3, 16000),
        "numpy_array": rng.uniform(-1, 1, 64),
        "batch": (rng.random((2, 4, 3, 16, 16)) * 255).astype(np.uint8),
        "io": io,
        "my_dataframe": None,  # replaced below when pandas is present
        "rows": [[None, 1], [None, 2]],
        "df": None,
        "scores": [0.1, 0.2],
        "x_values": list(range(10)),
        "y_values": [v * v for v in range(10)],
        "ground_truth": y,
        "predictions": probs,
        "y": y,
        "p": probs.argmax(axis=1),
        "names": ["cat", "dog", "bird"],
        "xyz": rng.random((100, 3)),
        "rgb": rng.integers(0, 256, (100, 3)),
        "pts": rng.random((100, 3)),
        "boxes": [],
        "s": [0, 0, 0],
        "e": [1, 1, 1],
        "c": [0.5, 0.5, 0.5],
        "fig": _figure(),
        "webm_bytes": (CORPUS / "video" / "big_buck_bunny_432_433.webm").read_bytes(),
        "trimesh_mesh_or_scene": _box(),
        "plt": _pyplot(),
        "mol": _rdkit_mol(),
    }


def _mov(path: Path) -> None:
    import subprocess

    from mediakit.formats.video import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(CORPUS / "video" / "example.mp4"), "-t", "1", "-c", "copy", "-an", str(path)]
    subprocess.run(cmd, check=True, timeout=60)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure() -> Any:
    plt = _pyplot()
    fig = plt.figure()
    plt.plot([1, 2, 3], [3, 1, 2])
    return fig


def _box() -> Any:
    import trimesh

    return trimesh.creation.box()


def _rdkit_mol() -> Any:
    from rdkit import Chem

    return Chem.AddHs(Chem.MolFromSmiles("CCO"))


def test_every_block_has_a_known_language() -> None:
    assert BLOCKS
    assert {lang for lang, _ in BLOCKS} <= LANGUAGES, [lang for lang, _ in BLOCKS if lang not in LANGUAGES]


def test_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, src in FILES.items():
        if src is not None:
            shutil.copy(src, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    ns: dict[str, Any] = {"__name__": "__readme__"}
    ns.update(placeholders(tmp_path))
    failures = []
    for i, (lang, code) in enumerate(BLOCKS):
        if lang != "python":
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(code, f"README block {i}", "exec"), ns)
        except Exception as e:  # collect them all: one run shows every broken block
            failures.append(f"block {i} ({code.splitlines()[0][:50]!r}): {type(e).__name__}: {e}")
    from mediakit._registry import unregister_kind

    if "Spectrum" in ns:
        unregister_kind("spectrum")
    _pyplot().close("all")
    assert not failures, "\n".join(failures)
