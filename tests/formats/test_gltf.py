"""glTF and GLB as the Khronos glTF validator reads them (issue 11): the cheap checks of
``formats.glb.check``, accessor bounds mended when a glTF is packed, problems of kept GLBs
reported; and the ``3d`` extra installing what trimesh needs for the paths mediakit takes."""

from __future__ import annotations

import base64
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediakit as mk
from mediakit.formats import glb, gltf

trimesh = pytest.importorskip("trimesh")

#: A triangle (3 float32 positions) then its 3 uint16 indices, padded to 4 bytes.
POSITIONS = np.array([[0, 0, 0], [2, 0, 0], [0, 1, 0.5]], np.float32)
INDICES = np.array([0, 1, 2, 0], np.uint16)  # the 4th is padding
BIN = POSITIONS.tobytes() + INDICES.tobytes()


def _doc(**position: Any) -> dict[str, Any]:
    return {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(BIN), "uri": "data:application/octet-stream;base64," + base64.b64encode(BIN).decode()}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 36, "target": 34962},
            {"buffer": 0, "byteOffset": 36, "byteLength": 6, "target": 34963},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0, 0, 0], "max": [2, 1, 0.5], **position},
            {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
        ],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
        "scene": 0,
    }


def _gltf(**position: Any) -> bytes:
    return json.dumps(_doc(**position)).encode()


def test_a_valid_gltf_packs_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blob = gltf.pack(_gltf(), None, max_bytes=1 << 20)
        obj = mk.Object3D(blob, file_type="glb")
    doc, chunk = glb.read(blob)
    assert glb.check(doc, chunk) == ([], [])
    assert doc["accessors"][0]["min"] == [0, 0, 0] and doc["accessors"][0]["max"] == [2, 1, 0.5]
    assert obj.format == "glb"


@pytest.mark.parametrize(
    ("position", "said"),
    [
        ({"max": [1, 1, 1]}, "accessors[0] (POSITION): min/max [0, 0, 0]/[1, 1, 1] differ from the data's [0.0, 0.0, 0.0]/[2.0, 1.0, 0.5]"),
        ({"min": [0, -1, 0]}, "accessors[0] (POSITION): min/max [0, -1, 0]/[2, 1, 0.5] differ from the data's"),
        ({"min": None, "max": None}, "accessors[0] (POSITION): min/max None/None differ from the data's"),
        ({"max": [2, 1, 0.50001]}, "differ from the data's"),  # not the same float32
    ],
)
def test_wrong_position_bounds_are_mended_when_packed(position: dict[str, Any], said: str, tmp_path: Path, mem: mk.Store) -> None:
    """The issue: a source glTF failing the validator (accessor min/max errors) was packed into
    a GLB with no warning. Now the warning names the accessor and the GLB has the data's bounds."""
    path = tmp_path / "model.gltf"
    path.write_bytes(_gltf(**position))
    with pytest.warns(UserWarning) as caught:
        desc = mk.Object3D(path).encode(mem)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and said in messages[0], messages
    assert messages[0].startswith(f"data ({str(path)!r}): 1 accessor declared min/max that the glTF validator rejects: ")
    assert messages[0].endswith("; the stored GLB has the data's values")
    doc, chunk = glb.read(mem.read(desc["path"]))
    assert glb.check(doc, chunk) == ([], [])
    assert doc["accessors"][0]["min"] == [0.0, 0.0, 0.0] and doc["accessors"][0]["max"] == [2.0, 1.0, 0.5]


def test_float32_bounds_written_in_decimal_are_accepted() -> None:
    pos = np.array([[0.1, 0.2, 0.3], [0.7, 0.8, 0.9], [0, 0, 0]], np.float32)
    doc = _doc(min=[0, 0, 0], max=[0.7, 0.8, 0.9])  # the decimal spelling, not float32's exact value
    chunk = pos.tobytes() + INDICES.tobytes()
    doc["buffers"] = [{"byteLength": len(chunk)}]
    assert glb.check(doc, chunk) == ([], [])


def _glb(doc: dict[str, Any], chunk: bytes = BIN) -> bytes:
    doc = {**doc, "buffers": [{"byteLength": len(chunk)}]}
    return glb.write(doc, chunk)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d["accessors"][0].update(max=[1, 1, 1]), "accessors[0] (POSITION): min/max"),
        (lambda d: d["bufferViews"][1].update(byteLength=600), "bufferViews[1]: bytes 36..636 lie outside buffers[0] (44 bytes)"),
        (lambda d: d["accessors"][0].update(count=4), "accessors[0]: 4 elements need 48 bytes of bufferViews[0], which has 36"),
        (lambda d: d["accessors"][1].update(byteOffset=1), "accessors[1]: byteOffset 1 is not aligned to its 2-byte components"),
        (lambda d: d["bufferViews"][0].update(byteStride=6), "bufferViews[0]: byteStride 6 is not a multiple of 4 from 4 to 252"),
        (lambda d: d["bufferViews"][0].update(byteStride=8), "accessors[0]: bufferViews[0].byteStride 8 is less than its 12-byte elements"),
        (lambda d: d["accessors"][0].update(bufferView=7), "accessors[0]: bufferView 7 is not a valid buffer view"),
        (lambda d: d["accessors"][0].update(type="VEC5"), "accessors[0]: invalid componentType, type or count"),
    ],
)
def test_kept_glb_problems_are_named(change: Any, said: str) -> None:
    doc = _doc()
    del doc["buffers"]
    change(doc)
    blob = _glb(doc)
    problems, fixed = glb.check(*glb.read(blob, warn=False))
    assert said in "; ".join(problems) and fixed == []
    with pytest.warns(UserWarning, match=r"the glTF validator would reject this model \(\d+ problems?\): ") as caught:
        glb.read(blob, field="data (x.glb)")
    assert said in str(caught[0].message) and str(caught[0].message).startswith("data (x.glb): ")


def test_indices_past_the_last_vertex_are_named() -> None:
    chunk = POSITIONS.tobytes() + np.array([0, 1, 3, 0], np.uint16).tobytes()
    doc = {**_doc(), "buffers": [{"byteLength": len(chunk)}]}
    problems, _ = glb.check(doc, chunk)
    assert problems == ["meshes[0].primitives[0]: index 3 is past the last vertex (2)"]


def test_a_kept_glb_keeps_its_bytes_and_warns(mem: mk.Store) -> None:
    doc = _doc(max=[1, 1, 1])
    del doc["buffers"]
    blob = _glb(doc)
    with pytest.warns(UserWarning, match=r"accessors\[0\] \(POSITION\): min/max .* viewers may show it wrongly or not at all"):
        desc = mk.Object3D(blob, file_type="glb").encode(mem)
    assert mem.read(desc["path"]) == blob  # kept byte for byte, as promised for GLB files


def test_long_lists_are_cut() -> None:
    items = [f"p{i}" for i in range(1600)]
    assert glb.summary(items) == "p0; p1; p2; p3; p4; and 1595 more"


def test_glbs_mediakit_writes_from_trimesh_pass_the_checks(mem: mk.Store) -> None:
    """The 3-D extra: a mesh with face colours needs scipy inside trimesh (issue 11: it failed
    with "No module named 'scipy'"); a scene, vertex colours and plain meshes too."""
    box = trimesh.creation.box()
    coloured = trimesh.creation.box()
    coloured.visual.face_colors = [255, 0, 0, 255]
    sphere = trimesh.creation.icosphere(subdivisions=1)
    sphere.visual.vertex_colors = np.tile([0, 128, 255, 255], (len(sphere.vertices), 1))
    for value in (box, coloured, sphere, trimesh.Scene([box, coloured])):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            desc = mk.Object3D(value).encode(mem)
        blob = mem.read(desc["path"])
        assert glb.check(*glb.read(blob, warn=False)) == ([], [])
        assert mk.thumbnail(desc, mem, size=32)[:4] == b"\x89PNG"
    # The faces keep their colour: red in the stored file.
    back = trimesh.load_scene(io.BytesIO(mem.read(mk.Object3D(coloured).encode(mem)["path"])), file_type="glb")
    colours = next(iter(back.geometry.values())).visual.vertex_colors
    assert len(colours) and (colours[:, :3] == [255, 0, 0]).all()


def test_the_3d_extra_lists_scipy() -> None:
    root = Path(__file__).resolve().parents[2]
    line = next(x for x in (root / "pyproject.toml").read_text().splitlines() if x.startswith("3d = "))
    assert '"scipy>=' in line and '"trimesh>=' in line
