"""Every GLB mediakit writes passes the Khronos glTF validator with zero errors.

GLBs come from four roads: ``Object3D(...)`` stores one (trimesh objects, glTF packed into one
file, OFF and OBJ-with-materials converted), ``Object3D.convert_file`` / ``mediakit convert`` writes
one (from any mesh file, point-cloud arrays and lidar scenes), and GLB files are kept as given. Each
road is exercised here, on generated inputs and on the corpus meshes.
"""

from __future__ import annotations

import base64
import json
import struct
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk

#: The fixtures (browser, HTTP server, glTF validator) live in consumer_tools.py, not a conftest.
pytest_plugins = ["consumer_tools"]
ROOT = Path(__file__).resolve().parents[2]
MESHES = ROOT / "fixtures" / "corpus" / "meshes"
Validate = Callable[[Path], dict[str, Any]]


def assert_valid(report: dict[str, Any]) -> None:
    problems = [f"{e['code']} at {e['pointer']}: {e['message']}" for e in report["errors"][:10]]
    assert report["numErrors"] == 0, f"{report['file']}: {report['numErrors']} validator errors, e.g.\n" + "\n".join(problems)
    assert report["mimeType"] == "model/gltf-binary"


def stored_glb(obj: mk.Object3D, tmp_path: Path, name: str) -> Path:
    """Encode ``obj`` into a local store and return the stored file, which must be a GLB."""
    store = mk.LocalStore(tmp_path / "store")
    desc = obj.encode(store)
    assert desc["format"] == "glb", desc
    assert desc["media_type"] == "model/gltf-binary"
    out = tmp_path / f"{name}.glb"
    out.write_bytes(store.read(desc["path"]))
    return out


def converted_glb(src: Path, tmp_path: Path) -> Path:
    out = tmp_path / (src.name.split(".")[0] + ".out.glb")
    mk.Object3D.convert_file(src, out)
    return out


# -- inputs ----------------------------------------------------------------------------------------


def _trimesh() -> Any:
    import trimesh

    return trimesh


def _png(size: tuple[int, int] = (8, 8)) -> PILImage.Image:
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    rgb = np.stack([x * 255 // max(1, size[0] - 1), y * 255 // max(1, size[1] - 1), np.full_like(x, 128)], axis=-1)
    return PILImage.fromarray(rgb.astype(np.uint8))


def mesh_plain() -> Any:
    return _trimesh().creation.box(extents=(1.0, 2.0, 3.0))


def mesh_face_colors() -> Any:
    m = _trimesh().creation.box()
    m.visual.face_colors = np.tile(np.array([200, 30, 30, 255], np.uint8), (len(m.faces), 1))
    m.visual.face_colors[::2] = [30, 30, 200, 255]
    return m


def mesh_vertex_colors() -> Any:
    m = _trimesh().creation.icosphere(subdivisions=1)
    m.visual.vertex_colors = np.c_[(m.vertices * 100 + 128).clip(0, 255), np.full(len(m.vertices), 255)].astype(np.uint8)
    return m


def mesh_textured() -> Any:
    trimesh = _trimesh()
    m = trimesh.creation.box()
    uv = (m.vertices[:, :2] - m.vertices[:, :2].min(axis=0)) / np.ptp(m.vertices[:, :2], axis=0)
    m.visual = trimesh.visual.TextureVisuals(uv=uv, image=_png())
    return m


def scene_two_meshes() -> Any:
    trimesh = _trimesh()
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box(), node_name="box")
    scene.add_geometry(
        trimesh.creation.cylinder(radius=0.5, height=2.0, sections=12),
        node_name="cyl",
        transform=trimesh.transformations.translation_matrix([3.0, 0.0, 0.0]),
    )
    return scene


TRIMESH_INPUTS = {
    "plain": mesh_plain,
    "face_colors": mesh_face_colors,
    "vertex_colors": mesh_vertex_colors,
    "textured": mesh_textured,
    "scene": scene_two_meshes,
}


def _points(kind: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    xyz = rng.normal(size=(500, 3)).astype(np.float32)
    if kind == "xyz":
        return xyz
    if kind == "category":
        return np.c_[xyz, rng.integers(1, 15, size=500)].astype(np.float32)
    return np.c_[xyz, rng.integers(0, 256, size=(500, 3))].astype(np.float32)


def _write_gltf(folder: Path, mesh: Any, *, embed: bool) -> Path:
    """A glTF written by trimesh: external ``.bin`` and texture files, or everything in data: URIs."""
    folder.mkdir(parents=True, exist_ok=True)
    if embed:
        files = mesh.export(file_type="gltf")
        doc = json.loads(files["model.gltf"])
        for buf in doc.get("buffers", []):
            buf["uri"] = "data:application/octet-stream;base64," + base64.b64encode(files[buf["uri"]]).decode()
        for img in doc.get("images", []):
            if "uri" in img:
                img["uri"] = "data:image/png;base64," + base64.b64encode(files[img["uri"]]).decode()
        path = folder / "embedded.gltf"
        path.write_text(json.dumps(doc))
        return path
    files = mesh.export(file_type="gltf")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder / "model.gltf"


def _write_obj_with_material(folder: Path) -> Path:
    """A textured quad: OBJ + MTL + PNG side by side (stored by mediakit as one GLB)."""
    folder.mkdir(parents=True, exist_ok=True)
    _png((16, 16)).save(folder / "tex.png")
    (folder / "quad.mtl").write_text("newmtl skin\nKa 1 1 1\nKd 1 1 1\nmap_Kd tex.png\n")
    (folder / "quad.obj").write_text(
        "mtllib quad.mtl\n"
        "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n"
        "vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\n"
        "vn 0 0 1\n"
        "usemtl skin\n"
        "f 1/1/1 2/2/1 3/3/1\nf 1/1/1 3/3/1 4/4/1\n"
    )
    return folder / "quad.obj"


def _write_invalid_gltf(folder: Path) -> Path:
    """One triangle whose POSITION accessor declares a wrong min/max (the validator's
    ACCESSOR_MIN_MISMATCH / ACCESSOR_MAX_MISMATCH / ACCESSOR_ELEMENT_OUT_OF_MAX_BOUND), as many
    exporters in the wild write."""
    folder.mkdir(parents=True, exist_ok=True)
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    blob = positions.tobytes()
    doc = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": len(blob), "uri": "tri.bin"}],
        "bufferViews": [{"buffer": 0, "byteLength": len(blob), "target": 34962}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [-5.0, -5.0, -5.0],
                "max": [0.5, 0.5, 0.5],
            }
        ],
    }
    (folder / "tri.bin").write_bytes(blob)
    path = folder / "tri.gltf"
    path.write_text(json.dumps(doc))
    return path


def _glb_json(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    length, kind = struct.unpack_from("<II", data, 12)
    assert kind == 0x4E4F534A  # "JSON"
    return json.loads(data[20 : 20 + length])


# -- stored by Object3D ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TRIMESH_INPUTS))
def test_glb_from_trimesh_objects(name: str, tmp_path: Path, gltf_validator: Validate) -> None:
    glb = stored_glb(mk.Object3D(TRIMESH_INPUTS[name]()), tmp_path, name)
    assert_valid(gltf_validator(glb))


@pytest.mark.parametrize("embed", [False, True], ids=["external-files", "data-uris"])
def test_glb_packed_from_gltf(embed: bool, tmp_path: Path, gltf_validator: Validate) -> None:
    src = _write_gltf(tmp_path / "src", mesh_textured(), embed=embed)
    assert gltf_validator(src)["numErrors"] == 0  # the input itself is valid
    glb = stored_glb(mk.Object3D(src), tmp_path, "packed")
    report = gltf_validator(glb)
    assert_valid(report)
    doc = _glb_json(glb)
    assert all("uri" not in b for b in doc["buffers"]), "a packed GLB must not point at other files"
    assert all("uri" not in i for i in doc.get("images", [])), "images must be inside the GLB"


def test_glb_from_off_and_obj_with_materials(tmp_path: Path, gltf_validator: Validate) -> None:
    off = tmp_path / "box.off"
    off.write_bytes(mesh_plain().export(file_type="off").encode())
    obj = _write_obj_with_material(tmp_path / "obj")
    for src in (off, obj):
        assert_valid(gltf_validator(stored_glb(mk.Object3D(src), tmp_path, src.stem)))
    assert _glb_json(tmp_path / "quad.glb").get("images"), "the OBJ's texture must travel inside the GLB"


def test_invalid_gltf_is_reported_and_the_glb_written_is_valid(tmp_path: Path, gltf_validator: Validate) -> None:
    src = _write_invalid_gltf(tmp_path / "src")
    codes = {e["code"] for e in gltf_validator(src)["errors"]}
    assert {"ACCESSOR_MIN_MISMATCH", "ACCESSOR_MAX_MISMATCH"} <= codes  # the input really is invalid
    assert all(c.startswith("ACCESSOR_") for c in codes), codes
    with pytest.warns(UserWarning, match=r"(?i)\bmin\b|\bmax\b|minimum|maximum") as record:
        obj = mk.Object3D(src)
    assert any("accessor" in str(w.message).lower() or "POSITION" in str(w.message) for w in record), [
        str(w.message) for w in record
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_valid(gltf_validator(stored_glb(obj, tmp_path, "tri")))


# -- written by convert ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xyz", "rgb", "category"])
def test_glb_converted_from_point_arrays(kind: str, tmp_path: Path, gltf_validator: Validate) -> None:
    src = tmp_path / f"points_{kind}.npy"
    np.save(src, _points(kind))
    assert_valid(gltf_validator(converted_glb(src, tmp_path)))


@pytest.mark.parametrize("form", ["rows", "lidar-scene"])
def test_glb_converted_from_pts_json(form: str, tmp_path: Path, gltf_validator: Validate) -> None:
    pts = _points("rgb")
    if form == "rows":
        doc: Any = pts.tolist()
    else:
        box = mk.box3d(center=(0, 0, 0), size=(1, 2, 1), orientation=(1, 0, 0, 0), color=(255, 0, 0), label="car")
        doc = mk.Object3D.from_point_cloud(pts, [box]).to_lidar_scene()
        doc = json.loads(json.dumps(doc, default=lambda a: np.asarray(a).tolist()))
    src = tmp_path / "scene.pts.json"
    src.write_text(json.dumps(doc))
    assert_valid(gltf_validator(converted_glb(src, tmp_path)))


def test_glb_converted_from_a_point_cloud_object(tmp_path: Path, gltf_validator: Validate) -> None:
    trimesh = _trimesh()
    cloud = trimesh.PointCloud(_points("xyz").astype(np.float64), colors=np.tile([10, 200, 10, 255], (500, 1)))
    obj = mk.Object3D(cloud)
    store = mk.LocalStore(tmp_path / "store")
    desc = obj.encode(store)
    ply = tmp_path / "cloud.ply"
    ply.write_bytes(store.read(desc["path"]))
    assert_valid(gltf_validator(converted_glb(ply, tmp_path)))


# -- the corpus ------------------------------------------------------------------------------------

CORPUS = sorted(p.name for p in MESHES.iterdir() if p.suffix.lower() in {".obj", ".stl", ".ply", ".gltf", ".glb"})


def test_corpus_covers_every_mesh_format() -> None:
    assert {Path(n).suffix.lower() for n in CORPUS} == {".obj", ".stl", ".ply", ".gltf", ".glb"}


@pytest.mark.parametrize("name", CORPUS)
def test_glb_converted_from_corpus(name: str, tmp_path: Path, gltf_validator: Validate) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fuze.obj's material library is not in the corpus
        glb = converted_glb(MESHES / name, tmp_path)
    assert_valid(gltf_validator(glb))


@pytest.mark.parametrize("name", [n for n in CORPUS if n.endswith((".gltf", ".glb"))])
def test_glb_stored_from_corpus(name: str, tmp_path: Path, gltf_validator: Validate) -> None:
    glb = stored_glb(mk.Object3D(MESHES / name), tmp_path, "stored")
    assert_valid(gltf_validator(glb))
    if name.endswith(".glb"):
        assert glb.read_bytes() == (MESHES / name).read_bytes()  # kept byte-for-byte


def test_validator_catches_a_broken_glb(tmp_path: Path, gltf_validator: Validate) -> None:
    """The check above can fail: a GLB with a truncated binary chunk has errors."""
    good = stored_glb(mk.Object3D(mesh_plain()), tmp_path, "good")
    data = bytearray(good.read_bytes())
    bad = tmp_path / "bad.glb"
    bad.write_bytes(bytes(data[:-16]))
    report = gltf_validator(bad)
    assert report["numErrors"] > 0
    with pytest.raises(AssertionError, match="validator errors"):
        assert_valid(report)
