"""The reference documents' molecule and 3-D examples, run with ``mediakit`` in place of ``wandb``.

The code blocks below are copied verbatim (less two trailing spaces) from the reference docs (reference/000_*.txt, "Molécula",
"Objeto 3D" and "Nubes de Puntos" tabs). Two are not runnable as printed, in any tracker: the
molecule line misses its closing parenthesis, and the point-cloud line uses ``COLOR...`` as a
placeholder; the tests say so and run the nearest runnable form.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import CORPUS, check_descriptor

import mediakit

pytest.importorskip("rdkit")
pytest.importorskip("gemmi")
pytest.importorskip("trimesh")

MOLECULE_EXAMPLE = """\
wandb.log({"protein": wandb.Molecule(open("6lu7.pdb"))}
"""

OBJECT3D_EXAMPLE = """\
wandb.log({"generated_samples":
           [wandb.Object3D(open("sample.obj")),
            wandb.Object3D(open("sample.gltf")),
            wandb.Object3D(open("sample.glb"))]})
"""

POINT_CLOUD_EXAMPLE = """\
point_cloud = np.array([[0, 0, 0, COLOR...], ...])

wandb.log({"point_cloud": wandb.Object3D(point_cloud)})
"""

LIDAR_EXAMPLE = """\
# Log points and boxes in W&B
wandb.log(
        {
            "point_scene": wandb.Object3D(
                {
                    "type": "lidar/beta",
                    "points": np.array(
                        [
                            [0.4, 1, 1.3],
                            [1, 1, 1],
                            [1.2, 1, 1.2]
                        ]
                    ),
                    "boxes": np.array(
                        [
                            {
                                "corners": [
                                    [0,0,0],
                                    [0,1,0],
                                    [0,0,1],
                                    [1,0,0],
                                    [1,1,0],
                                    [0,1,1],
                                    [1,0,1],
                                    [1,1,1]
                                ],
                                "label": "Box",
                                "color": [123,321,111],
                            },
                            {
                                "corners": [
                                    [0,0,0],
                                    [0,2,0],
                                    [0,0,2],
                                    [2,0,0],
                                    [2,2,0],
                                    [0,2,2],
                                    [2,0,2],
                                    [2,2,2]
                                ],
                                "label": "Box-2",
                                "color": [111,321,0],
                            }
                        ]
                    ),
                    "vectors": [
                        {"start": [0,0,0], "end": [0.1,0.2,0.5]}
                    ]
                }
            )
        }
    )
"""


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A run in a scratch folder holding the files the examples open."""
    shutil.copy(CORPUS / "molecules" / "4E43.pdb", tmp_path / "6lu7.pdb")
    shutil.copy(CORPUS / "meshes" / "fuze.obj", tmp_path / "sample.obj")
    shutil.copy(CORPUS / "meshes" / "rgb_cube_with_primitives.gltf", tmp_path / "sample.gltf")
    shutil.copy(CORPUS / "meshes" / "Duck.glb", tmp_path / "sample.glb")
    monkeypatch.chdir(tmp_path)
    r = mediakit.init(dir=tmp_path / "run")
    yield r
    mediakit.finish()


def _exec(code: str) -> None:
    exec(compile(code, "<reference example>", "exec"), {"wandb": mediakit, "np": np})  # noqa: S102


def _history(run) -> list[dict]:
    return [json.loads(line) for line in (run.dir / "history.jsonl").read_text().splitlines()]


def test_molecule_example(run):
    with pytest.raises(SyntaxError):  # as printed: "wandb.Molecule(open(...))}" lacks its ")"
        compile(MOLECULE_EXAMPLE, "<reference example>", "exec")
    _exec(MOLECULE_EXAMPLE.rstrip() + ")\n")
    desc = _history(run)[-1]["protein"]
    check_descriptor(desc)
    assert desc["_type"] == "molecule" and desc["format"] == "pdb" and desc["atoms"] == 1877


def test_object3d_example(run):
    with pytest.warns(UserWarning, match="material library"):  # sample.obj names a .mtl that is not there
        _exec(OBJECT3D_EXAMPLE)
    group = _history(run)[-1]["generated_samples"]
    check_descriptor(group)
    assert group["count"] == 3
    assert [d["format"] for d in group["items"]] == ["obj", "glb", "glb"]
    assert [d["source_format"] for d in group["items"]] == ["obj", "gltf", "glb"]


@pytest.mark.parametrize(
    "point_cloud",
    [
        np.array([[0, 0, 0, 255, 0, 0], [1, 1, 1, 0, 255, 0]]),  # nx6 r, g, b
        np.array([[0, 0, 0, 1], [1, 1, 1, 14]]),  # nx4 category in [1, 14]
        np.array([[0, 0, 0], [1, 1, 1]]),  # nx3
    ],
    ids=["rgb", "category", "xyz"],
)
def test_point_cloud_example(run, point_cloud):
    with pytest.raises(SyntaxError):  # "COLOR..." is a placeholder in the docs
        compile(POINT_CLOUD_EXAMPLE, "<reference example>", "exec")
    code = POINT_CLOUD_EXAMPLE.split("\n", 2)[2]  # the wandb.log line, verbatim
    exec(compile(code, "<reference example>", "exec"), {"wandb": mediakit, "np": np, "point_cloud": point_cloud})  # noqa: S102
    desc = _history(run)[-1]["point_cloud"]
    check_descriptor(desc)
    assert desc["points"] == 2


def test_lidar_example_reports_the_out_of_range_colour(run):
    with pytest.raises(mediakit.ValidationError, match=r"boxes\[0\]\.color\[1\]: expected a colour value from 0 to 255, got 321"):
        _exec(LIDAR_EXAMPLE)
    assert not (run.dir / "history.jsonl").exists() or _history(run) == []


def test_lidar_example_with_colours_in_range(run):
    _exec(LIDAR_EXAMPLE.replace("321", "221"))
    desc = _history(run)[-1]["point_scene"]
    check_descriptor(desc)
    assert desc["points"] == 3 and len(desc["boxes"]) == 2 and len(desc["vectors"]) == 1
    assert desc["boxes"][1] == {"corners": desc["boxes"][1]["corners"], "label": "Box-2", "color": [111, 221, 0], "score": None}
    png = mediakit.thumbnail(desc, run.store, size=128)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
