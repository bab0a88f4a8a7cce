"""Object3D: point clouds, lidar/beta scenes, mesh files, trimesh objects; thumbnails; bad input."""

from __future__ import annotations

import io
import json
import struct
import warnings

import numpy as np
import pytest
from conftest import CORPUS, check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit.kinds._obj3d_scene import box3d
from mediakit.render import _raster3d as r3

trimesh = pytest.importorskip("trimesh")

RNG = np.random.default_rng(7)
XYZ = RNG.normal(size=(200, 3))
XYZ_CAT = np.c_[XYZ, RNG.integers(1, 15, 200)]
XYZ_RGB = np.c_[XYZ, RNG.integers(0, 256, (200, 3)).astype(np.float64)]
UNIT_CUBE = [[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]]


class ArrayLike:
    """A tensor stand-in: exposes only ``__array__``."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a


def scene(**over):
    d = {
        "type": "lidar/beta",
        "points": np.array([[0.4, 1, 1.3], [1, 1, 1], [1.2, 1, 1.2]]),
        "boxes": np.array([{"corners": UNIT_CUBE, "label": "Box", "color": [123, 255, 111]}]),
        "vectors": [{"start": [0, 0, 0], "end": [0.1, 0.2, 0.5]}],
    }
    d.update(over)
    return d


GOOD_INPUTS = [
    ("xyz", lambda: XYZ, {"points": 200, "colors": "none"}),
    ("xyz_category", lambda: XYZ_CAT, {"points": 200, "colors": "category"}),
    ("xyz_rgb", lambda: XYZ_RGB, {"points": 200, "colors": "rgb"}),
    ("xyz_float32", lambda: XYZ.astype(np.float32), {"points": 200}),
    ("int_xyz_rgb", lambda: np.c_[RNG.integers(-5, 5, (10, 3)), RNG.integers(0, 256, (10, 3))], {"points": 10, "colors": "rgb"}),
    ("list_of_lists", lambda: XYZ[:5].tolist(), {"points": 5}),
    ("array_like", lambda: ArrayLike(XYZ_RGB), {"points": 200, "colors": "rgb"}),
    ("lidar_scene", scene, {"points": 3, "source_format": "lidar/beta"}),
    ("scene_boxes_only", lambda: scene(points=None, vectors=None), {"points": 0}),
    (
        "scene_lists",
        lambda: scene(points=[[0, 0, 0, 1]], boxes=[{"corners": UNIT_CUBE, "color": (1, 2, 3), "score": 0.5}]),
        {"colors": "category"},
    ),
    ("trimesh_mesh", lambda: trimesh.creation.box(), {"geometry": "mesh", "faces": 12, "source_format": "trimesh"}),
    ("trimesh_scene", lambda: trimesh.Scene([trimesh.creation.box(), trimesh.creation.icosphere(1)]), {"geometry": "mesh"}),
    (
        "trimesh_points",
        lambda: trimesh.PointCloud(XYZ, colors=np.tile([255, 0, 0, 255], (200, 1))),
        {"points": 200, "colors": "rgb"},
    ),
]


@pytest.mark.parametrize(("make", "expect"), [g[1:] for g in GOOD_INPUTS], ids=[g[0] for g in GOOD_INPUTS])
def test_good_inputs_round_trip(make, expect, store):
    obj = mk.Object3D(make(), caption="c")
    desc, back = roundtrip(obj, store)
    assert back == obj
    assert desc["caption"] == "c"
    for k, v in expect.items():
        assert desc[k] == v, k


def test_point_cloud_file_is_compact_little_endian_ply(mem):
    desc = mk.Object3D(XYZ_RGB).encode(mem)
    blob = mem.read(desc["path"])
    head, _, body = blob.partition(b"end_header\n")
    assert b"format binary_little_endian 1.0" in head
    assert len(body) == 200 * 15
    x = struct.unpack_from("<f", body, 0)[0]
    assert x == pytest.approx(XYZ[0, 0], rel=1e-6)
    assert desc["media_type"] == "model/ply" and desc["format"] == "ply"
    assert desc["bounds"]["min"] == pytest.approx(XYZ.min(axis=0).tolist(), rel=1e-6)


def test_category_cloud_keeps_categories_and_palette_colours(mem):
    obj = mk.Object3D(XYZ_CAT)
    back = mk.decode(obj.encode(mem), mem)
    assert np.array_equal(back.points[:, 3], XYZ_CAT[:, 3].astype(np.float32))
    assert b"property uchar category" in obj.file_bytes[:400] and b"property uchar red" in obj.file_bytes[:400]


def test_colours_that_look_like_fractions_warn():
    with pytest.warns(UserWarning, match=r"data: every colour value is within \[0, 1\]"):
        mk.Object3D(np.c_[XYZ, np.full((200, 3), 0.5)])


def test_to_lidar_scene_is_the_lidar_form_and_round_trips():
    obj = mk.Object3D(scene())
    js = obj.to_lidar_scene()
    assert js["type"] == "lidar/beta" and len(js["points"]) == 3 and js["boxes"][0]["label"] == "Box"
    json.dumps(js)
    assert mk.Object3D(js) == obj
    assert mk.Object3D(json.dumps(js).encode(), file_type="pts.json") == obj
    with pytest.raises(mk.ValidationError, match="only point clouds"):
        mk.Object3D(trimesh.creation.box()).to_lidar_scene()


def test_encoding_is_deterministic_across_objects(mem):
    a = mk.Object3D(XYZ_RGB.copy()).encode(mem)
    b = mk.Object3D(XYZ_RGB.copy()).encode(mem)
    assert a == b


# -- files -------------------------------------------------------------------------------------

MESH_FILES = {
    "BoxInterleaved.glb": ("glb", "mesh", 12),
    "Duck.glb": ("glb", "mesh", 4212),
    "bunny.ply": ("ply", "mesh", 16301),
    "featuretype.STL": ("stl", "mesh", 3476),
    "fuze.obj": ("obj", "mesh", 1000),
    "points_bin.ply": ("ply", "points", 0),
    "rgb_cube_with_primitives.gltf": ("glb", "mesh", 12),
}


@pytest.mark.parametrize("name", sorted(MESH_FILES))
def test_corpus_meshes_encode_round_trip_and_thumbnail(name, mem):
    path = CORPUS / "meshes" / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fuze.obj's .mtl is not in the corpus (tested below)
        obj = mk.Object3D.from_path(path)
    desc, back = roundtrip(obj, mem)
    fmt, geometry, faces = MESH_FILES[name]
    assert (desc["format"], desc["geometry"], desc["faces"]) == (fmt, geometry, faces)
    assert back == obj
    if desc["source_format"] == desc["format"]:
        assert mem.read(desc["path"]) == path.read_bytes()  # kept byte-for-byte
    png = mk.thumbnail(desc, mem, size=96)
    im = PILImage.open(io.BytesIO(png))
    assert max(im.size) <= 96
    assert np.asarray(im.convert("L")).min() < 200  # something was drawn


def test_obj_without_its_material_library_warns_and_keeps_the_geometry():
    with pytest.warns(UserWarning, match=r"material library './fuze\.obj\.mtl' is not beside it"):
        obj = mk.Object3D(CORPUS / "meshes" / "fuze.obj")
    assert obj.format == "obj"


def test_text_mode_file_objects_use_the_named_file(mem):
    with open(CORPUS / "meshes" / "Duck.glb") as f:  # text mode, as in the reference docs
        obj = mk.Object3D(f)
    assert obj.file_bytes == (CORPUS / "meshes" / "Duck.glb").read_bytes()
    assert obj.data is obj.file_bytes or obj.data == obj.file_bytes  # the read alias


def test_gltf_with_external_buffers_and_images_becomes_one_glb(tmp_path, mem):
    src = trimesh.load_scene(CORPUS / "meshes" / "Duck.glb")
    for name, data in trimesh.exchange.gltf.export_gltf(src).items():
        (tmp_path / name).write_bytes(data)
    obj = mk.Object3D(tmp_path / "model.gltf")
    assert obj.format == "glb" and obj.source_format == "gltf" and obj.file_bytes[:4] == b"glTF"
    back = trimesh.load_scene(io.BytesIO(obj.file_bytes), file_type="glb")
    assert sum(len(g.faces) for g in back.geometry.values()) == 4212
    assert mk.decode(obj.encode(mem), mem) == obj


def test_obj_with_its_material_library_is_stored_as_glb(tmp_path):
    mesh = trimesh.load_scene(CORPUS / "meshes" / "Duck.glb").to_geometry()
    text, files = trimesh.exchange.obj.export_obj(mesh, include_texture=True, return_texture=True)
    (tmp_path / "duck.obj").write_text(text)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    obj = mk.Object3D(tmp_path / "duck.obj")
    assert (obj.format, obj.source_format) == ("glb", "obj")
    assert obj.file_bytes == mk.Object3D(tmp_path / "duck.obj").file_bytes


def test_off_is_converted_to_glb():
    off = b"OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n"
    obj = mk.Object3D(off, file_type="off")
    assert obj.format == "glb" and obj.stats["faces"] == 2


def test_npy_files_are_point_clouds(tmp_path):
    np.save(tmp_path / "cloud.npy", XYZ_RGB)
    assert mk.Object3D.from_path(tmp_path / "cloud.npy") == mk.Object3D(XYZ_RGB)


# -- boxes, box3d, renderer helpers -------------------------------------------------------------------


def test_box3d_identity_and_rotation():
    b = box3d(center=(1, 2, 3), size=(2, 4, 6), orientation=(1, 0, 0, 0), color=(255, 0, 0), label="car", score=0.9)
    c = np.array(b["corners"])
    assert c.min(axis=0).tolist() == [0, 0, 0] and c.max(axis=0).tolist() == [2, 4, 6]
    assert b["color"] == [255, 0, 0] and b["label"] == "car" and b["score"] == 0.9
    q = (np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4))  # 90 degrees about z: x extent becomes y extent
    c = np.array(box3d(center=(0, 0, 0), size=(2, 4, 6), orientation=q, color=(0.5, 0.5, 0.5))["corners"])
    assert np.allclose(c.max(axis=0), [2, 1, 3])
    assert box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(2, 0, 0, 0), color=(0.5, 1.0, 0.0))["color"] == [128, 255, 0]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"orientation": (0, 0, 0, 0)}, mk.ValidationError, "non-zero quaternion"),
        ({"orientation": (1, 0, 0)}, mk.ValidationError, "4 numbers"),
        ({"size": (1, -1, 1)}, mk.ValidationError, r"size\[1\]"),
        ({"center": (0, np.nan, 0)}, mk.ValidationError, r"center\[1\]: expected a finite"),
        ({"color": (0.5, 2.0, 0.1)}, mk.ValidationError, r"color\[1\]: expected a float from 0 to 1"),
        ({"color": (10, 300, 0)}, mk.ValidationError, r"color\[1\]: expected a colour value from 0 to 255"),
        ({"label": 5}, mk.MediaTypeError, "label"),
    ],
)
def test_box3d_bad_arguments(kwargs, exc, match):
    args = {"center": (0, 0, 0), "size": (1, 1, 1), "orientation": (1, 0, 0, 0), "color": (1, 2, 3), **kwargs}
    with pytest.raises(exc, match=match):
        box3d(**args)


def test_from_point_cloud_with_box3d(mem):
    boxes = [
        box3d(center=(0.3 * t, 0, 0), size=(0.1, 0.1, 0.1), orientation=(1, 0, 0, 0), color=(0.5, 0.5, 0.5), label=f"box {t}")
        for t in range(5)
    ]
    obj = mk.Object3D.from_point_cloud(points=XYZ, boxes=boxes, vectors=[{"start": [0, 0, 0], "end": [1, 1, 1]}])
    desc, back = roundtrip(obj, mem)
    assert len(desc["boxes"]) == 5 and desc["boxes"][4]["label"] == "box 4" and back == obj
    with pytest.raises(mk.ValidationError, match="point_cloud_type"):
        mk.Object3D.from_point_cloud(XYZ, boxes, point_cloud_type="radar")


def test_box_edges_in_any_corner_order():
    edges = r3.box_edges(np.array(UNIT_CUBE, float))
    assert len(edges) == 12
    c = np.array(UNIT_CUBE, float)
    assert all(np.isclose(np.linalg.norm(c[i] - c[j]), 1) for i, j in edges)
    long = np.array(box3d(center=(0, 0, 0), size=(10, 1, 1), orientation=(0.9, 0.1, 0.3, 0.2), color=(1, 1, 1))["corners"])
    assert len(r3.box_edges(long[::-1])) == 12


# -- thumbnails --------------------------------------------------------------------------------------


def _png(desc, store, size=128):
    data = mk.thumbnail(desc, store, size=size)
    return data, np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def test_point_and_scene_thumbnails_are_deterministic_and_drawn(mem):
    for data in (XYZ_RGB, XYZ_CAT, XYZ, scene()):
        desc = mk.Object3D(data).encode(mem)
        a, px = _png(desc, mem)
        b, _ = _png(desc, mem)
        assert a == b
        assert px.shape == (128, 128, 3)
        assert (px != 255).any(axis=2).mean() > 0.002


def test_scene_thumbnail_draws_box_colours(mem):
    desc = mk.Object3D(
        scene(points=None, vectors=None, boxes=[{"corners": UNIT_CUBE, "color": [0, 200, 0], "label": "x"}])
    ).encode(mem)
    _, px = _png(desc, mem)
    green = (px[:, :, 1] > 150) & (px[:, :, 0] < 80) & (px[:, :, 2] < 80)
    assert green.sum() > 50


def test_mesh_thumbnail_shades_a_sphere(mem):
    desc = mk.Object3D(trimesh.creation.icosphere(3)).encode(mem)
    _, px = _png(desc, mem)
    drawn = (px != 255).any(axis=2)
    assert 0.2 < drawn.mean() < 0.8
    assert len(np.unique(px[drawn].sum(axis=1))) > 20  # shading, not one flat colour


def test_thumbnail_respects_limits(mem):
    desc = mk.Object3D(XYZ).encode(mem)
    with pytest.raises(mk.LimitError, match="limit"):
        mk.thumbnail(desc, mem, limits=mk.Limits(max_points=10))


# -- bad input ---------------------------------------------------------------------------------------

REF_LIDAR_BOXES = np.array(
    [
        {"corners": UNIT_CUBE, "label": "Box", "color": [123, 321, 111]},
        {"corners": [[2 * v for v in c] for c in UNIT_CUBE], "label": "Box-2", "color": [111, 321, 0]},
    ]
)

BAD_INPUTS = [
    ("shape", lambda: np.zeros((4, 5)), {}, mk.ValidationError, r"data: expected a point array .* got shape \(4, 5\)"),
    ("1d", lambda: np.zeros(3), {}, mk.ValidationError, r"got shape \(3,\)"),
    ("empty", lambda: np.zeros((0, 3)), {}, mk.ValidationError, "at least one point"),
    (
        "nan_xyz",
        lambda: np.array([[0, np.nan, 0]]),
        {},
        mk.ValidationError,
        r"data\[0, 1\]: expected a finite coordinate, got nan",
    ),
    (
        "nan_colour",
        lambda: np.array([[0, 0, 0, 1, 2, np.nan]]),
        {},
        mk.ValidationError,
        r"data\[0, 5\]: expected a finite colour value",
    ),
    (
        "rgb_range",
        lambda: np.array([[0, 0, 0, 1, 256, 0]]),
        {},
        mk.ValidationError,
        r"data\[0, 4\]: expected a colour value .* got 256",
    ),
    (
        "category_0",
        lambda: np.array([[0, 0, 0, 0]]),
        {},
        mk.ValidationError,
        r"data\[0, 3\]: expected a category, an integer from 1 to 14, got 0",
    ),
    ("category_frac", lambda: np.array([[0, 0, 0, 2.5]]), {}, mk.ValidationError, r"data\[0, 3\]: .* got 2.5"),
    ("float32_overflow", lambda: np.array([[1e300, 0, 0]]), {}, mk.ValidationError, r"data\[0, 0\]: coordinate .* float32"),
    ("strings", lambda: np.array([["a", "b", "c"]]), {}, mk.MediaTypeError, "expected numbers"),
    ("ragged", lambda: [[0, 0, 0], [1, 1]], {}, mk.ValidationError, "rows of different lengths"),
    ("wrong_type", lambda: 3.5, {}, mk.MediaTypeError, "data: expected a point array"),
    (
        "ref_lidar_colour",
        lambda: scene(boxes=REF_LIDAR_BOXES),
        {},
        mk.ValidationError,
        r"boxes\[0\]\.color\[1\]: expected a colour value from 0 to 255, got 321",
    ),
    ("scene_unknown_key", lambda: scene(colours=[1]), {}, mk.ValidationError, "unknown key 'colours'"),
    ("scene_type", lambda: scene(type="radar"), {}, mk.ValidationError, r"data\.type: expected 'lidar/beta'"),
    (
        "box_corners",
        lambda: scene(boxes=[{"corners": UNIT_CUBE[:7], "color": [1, 2, 3]}]),
        {},
        mk.ValidationError,
        r"boxes\[0\]\.corners: expected 8 corners",
    ),
    (
        "box_corner_nan",
        lambda: scene(boxes=[{"corners": [*UNIT_CUBE[:7], [0, np.nan, 0]], "color": [1, 2, 3]}]),
        {},
        mk.ValidationError,
        r"boxes\[0\]\.corners\[7\]\[1\]: expected a finite",
    ),
    ("box_no_color", lambda: scene(boxes=[{"corners": UNIT_CUBE}]), {}, mk.ValidationError, r"boxes\[0\]\.color: missing"),
    (
        "box_unknown_key",
        lambda: scene(boxes=[{"corners": UNIT_CUBE, "color": [1, 2, 3], "colour": 1}]),
        {},
        mk.ValidationError,
        r"boxes\[0\]: unknown key 'colour'",
    ),
    (
        "box_label_type",
        lambda: scene(boxes=[{"corners": UNIT_CUBE, "color": [1, 2, 3], "label": 7}]),
        {},
        mk.MediaTypeError,
        r"boxes\[0\]\.label",
    ),
    ("box_not_dict", lambda: scene(boxes=[[1, 2, 3]]), {}, mk.MediaTypeError, r"boxes\[0\]: expected a dict"),
    ("vector_missing", lambda: scene(vectors=[{"start": [0, 0, 0]}]), {}, mk.ValidationError, r"vectors\[0\]\.end: missing"),
    (
        "vector_short",
        lambda: scene(vectors=[{"start": [0, 0], "end": [1, 1, 1]}]),
        {},
        mk.ValidationError,
        r"vectors\[0\]\.start: expected 3 numbers",
    ),
    ("bytes_no_type", lambda: b"v 0 0 0\n", {}, mk.ValidationError, "file_type: required for bytes"),
    ("fileobj_no_type", lambda: io.BytesIO(b"v 0 0 0\n"), {}, mk.ValidationError, "file_type: required for a file object"),
    ("bad_file_type", lambda: b"x", {"file_type": "fbx"}, mk.ValidationError, "file_type: expected one of"),
    ("missing_path", lambda: CORPUS / "nope.glb", {}, mk.MediaFileNotFoundError, "does not exist"),
    ("unknown_suffix", lambda: CORPUS / "SOURCES.md", {}, mk.ValidationError, "cannot tell the 3-D format"),
    ("empty_obj", lambda: b"# nothing\n", {"file_type": "obj"}, mk.DecodeError, "holds no geometry"),
    (
        "obj_few_indices",
        lambda: b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\n",
        {"file_type": "obj"},
        mk.DecodeError,
        "line 4 is a face with 2 vertex indices",
    ),
    (
        "obj_bad_index",
        lambda: b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n",
        {"file_type": "obj"},
        mk.DecodeError,
        "not a valid OBJ file",
    ),
    (
        "obj_nan_vertex",
        lambda: b"v 0 0 nan\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
        {"file_type": "obj"},
        mk.DecodeError,
        "vertex 0 .* non-finite",
    ),
    (
        "stl_truncated",
        lambda: (CORPUS / "meshes" / "featuretype.STL").read_bytes()[:5000],
        {"file_type": "stl"},
        mk.DecodeError,
        "declares 3476 triangles",
    ),
    (
        "ply_truncated",
        lambda: (CORPUS / "meshes" / "points_bin.ply").read_bytes()[:-10],
        {"file_type": "ply"},
        mk.DecodeError,
        "not a valid PLY",
    ),
    (
        "glb_truncated",
        lambda: (CORPUS / "meshes" / "Duck.glb").read_bytes()[:5000],
        {"file_type": "glb"},
        mk.DecodeError,
        "GLB header says 120484 bytes",
    ),
    ("glb_not", lambda: b"PK\x03\x04" + b"\0" * 40, {"file_type": "glb"}, mk.DecodeError, "not a GLB file"),
    ("gltf_not_json", lambda: b"{nope", {"file_type": "gltf"}, mk.DecodeError, "JSON does not parse"),
    (
        "gltf_traversal",
        lambda: b'{"asset":{"version":"2.0"},"buffers":[{"uri":"../../etc/passwd","byteLength":4}]}',
        {"file_type": "gltf"},
        mk.LimitError,
        "outside the model's folder",
    ),
    (
        "gltf_url",
        lambda: b'{"asset":{"version":"2.0"},"buffers":[{"uri":"https://x.invalid/a.bin","byteLength":4}]}',
        {"file_type": "gltf"},
        mk.ValidationError,
        "is a URL",
    ),
    (
        "gltf_needs_path",
        lambda: b'{"asset":{"version":"2.0"},"buffers":[{"uri":"a.bin","byteLength":4}]}',
        {"file_type": "gltf"},
        mk.ValidationError,
        "pass the .gltf as a path",
    ),
    ("npy_pickle", lambda: _npy_object(), {"file_type": "npy"}, mk.DecodeError, "not a plain .npy array"),
    ("up_axis", lambda: XYZ, {"up_axis": "x"}, mk.ValidationError, "up_axis"),
    ("caption", lambda: XYZ, {"caption": 5}, mk.MediaTypeError, "caption"),
]


def _npy_object() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize(("make", "kwargs", "exc", "match"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs(make, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        mk.Object3D(make(), **kwargs)


BROKEN_CORPUS = {
    "obj_empty.obj": (mk.DecodeError, "holds no geometry"),
    "obj_with_no_face_in_chunk.obj": None,  # valid: 3 vertices, 1 face
    "ply_empty_header.ply": (mk.DecodeError, "holds no geometry"),
    "stl_empty_bin.stl": (mk.DecodeError, "holds no geometry"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_CORPUS))
def test_broken_corpus_files_give_clear_errors_or_valid_results(name, mem):
    expect = BROKEN_CORPUS[name]
    if expect is None:
        desc = check_descriptor(mk.Object3D(CORPUS / "bad" / name).encode(mem))
        assert desc["faces"] == 1
        return
    with pytest.raises(expect[0], match=expect[1]):
        mk.Object3D(CORPUS / "bad" / name)


def test_failed_encode_leaves_nothing_in_the_store(store):
    obj = mk.Object3D(XYZ)
    obj.stats["points"] = -1  # the descriptor will fail its schema after the file was written
    with pytest.raises(mk.SchemaError):
        obj.encode(store)
    assert store.list() == []


def test_encode_converts_trimesh_objects(mem):
    from mediakit import encode

    row = encode({"mesh": trimesh.creation.box(), "cloud": trimesh.PointCloud(XYZ)}, mem)
    assert row["mesh"]["_type"] == "object3d" and row["cloud"]["geometry"] == "points"


@pytest.mark.parametrize(
    "empty",
    [{"type": "lidar/beta"}, {"type": "lidar/beta", "points": np.zeros((0, 3)), "boxes": [], "vectors": []}, {"type": "lidar/beta", "points": []}],
    ids=["type-only", "empty-parts", "empty-list"],
)
def test_empty_lidar_scene_is_an_empty_point_cloud(mem, empty):
    """Issue 10: a step where nothing was detected is logged, not refused."""
    obj = mk.Object3D(empty)
    desc, back = roundtrip(obj, mem)
    assert (desc["geometry"], desc["points"], desc["bounds"], desc["boxes"], desc["vectors"]) == ("points", 0, None, [], [])
    assert back == obj
    ply = mem.read(desc["path"])
    assert b"element vertex 0\n" in ply and ply.endswith(b"end_header\n")
    png = PILImage.open(io.BytesIO(mk.thumbnail(desc, mem, size=64)))
    assert png.size == (64, 64)
    assert len(np.unique(np.asarray(png.convert("RGB")).reshape(-1, 3), axis=0)) == 1  # a blank background


@pytest.mark.parametrize("k", [4, 6])
def test_big_clouds_checked_in_slices_name_the_bad_row_in_any_slice(k, mem):
    from mediakit.kinds import _obj3d_fill

    n = 3 * _obj3d_fill._SLICE_ROWS + 5  # several slices on the worker threads
    rng = np.random.default_rng(0)
    pts = np.c_[rng.normal(size=(n, 3)), rng.integers(1, 15, size=(n, 1)) if k == 4 else rng.integers(0, 256, size=(n, 3))]
    desc = mk.Object3D(pts).encode(mem)
    back = mk.decode(desc, mem).points
    assert np.array_equal(back[:, :3], pts[:, :3].astype(np.float32))
    assert np.array_equal(back[:, 3:], pts[:, 3:].astype(np.float32))
    assert desc["bounds"]["max"] == pytest.approx(pts[:, :3].max(axis=0).tolist(), rel=1e-6)
    last = n - 2  # in the last slice
    bad = pts.copy()
    bad[last, 1] = np.nan
    with pytest.raises(mk.ValidationError, match=rf"data\[{last}, 1\]: expected a finite coordinate, got nan"):
        mk.Object3D(bad)
    bad = pts.copy()
    bad[last, 3] = 99 if k == 4 else 300
    with pytest.raises(mk.ValidationError, match=rf"data\[{last}, 3\]"):
        mk.Object3D(bad)
