"""The schemas are the public contract: valid JSON Schema, one per registered type, and our
validator agrees with the reference implementation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, _reference_validator

import mediakit as mk
from mediakit._registry import _KINDS, _RENDERERS
from mediakit._schema import schema_names

SCHEMA_DIR = ROOT / "mediakit" / "schemas"


def all_schema_files() -> list[Path]:
    return sorted(SCHEMA_DIR.rglob("*.schema.json"))


@pytest.mark.parametrize("path", all_schema_files(), ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path):
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    rel = path.relative_to(SCHEMA_DIR).as_posix()
    assert doc["$id"] == f"https://mediakit.invalid/schemas/{rel}"
    if not rel.startswith("_defs/"):
        assert doc["additionalProperties"] is False
        assert doc["properties"]["_type"] == {"const": path.name[: -len(".schema.json")]}
        assert set(doc["required"]) >= {"_type", "_version"}


def test_schema_names_equal_registry_keys():
    assert schema_names() == sorted(_KINDS)


def test_registry_tables_are_sorted_and_aligned():
    assert list(_KINDS) == sorted(_KINDS)
    assert list(_RENDERERS) == sorted(_RENDERERS)
    assert set(_RENDERERS) == set(_KINDS)


def test_the_schemas_folder_is_the_packaged_one():
    assert (ROOT / "schemas").resolve() == SCHEMA_DIR.resolve()
    assert (SCHEMA_DIR / "README.md").is_file()


def _image_desc() -> dict:
    img = mk.Image(
        np.zeros((6, 8, 3), np.uint8),
        caption="c",
        masks={"m": {"mask_data": np.ones((6, 8), np.uint8), "class_labels": {1: "one"}}},
        boxes={"b": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.1, "maxY": 0.5}, "class_id": 1}], "class_labels": {1: "one"}}},
    )
    return img.encode(mk.MemoryStore())


MUTATIONS = [
    ("$.width", lambda d: d.__setitem__("width", "8")),
    ("$.width", lambda d: d.__setitem__("width", 0)),
    ("$.sha256", lambda d: d.__setitem__("sha256", "XYZ")),
    ("$.path", lambda d: d.__setitem__("path", "../etc/passwd")),
    ("$.path", lambda d: d.__setitem__("path", "/abs/file.png")),
    ("$.extra", lambda d: d.__setitem__("extra", 1)),
    ("$.caption", lambda d: d.__setitem__("caption", 5)),
    ("$.boxes.b.box_data[0].position", lambda d: d["boxes"]["b"]["box_data"][0]["position"].pop("minX")),
    ("$.boxes.b.box_data[0].class_id", lambda d: d["boxes"]["b"]["box_data"][0].__setitem__("class_id", "one")),
    ("$.masks.m.class_labels", lambda d: d["masks"]["m"]["class_labels"].__setitem__("x", "bad key")),
    ("$._version", lambda d: d.__setitem__("_version", 2)),
    ("$.mode", lambda d: d.__setitem__("mode", "CMYK")),
    ("$.format", lambda d: d.pop("format")),
]


@pytest.mark.parametrize(("field", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_bad_descriptors_are_refused_by_both_validators(field, mutate):
    desc = copy.deepcopy(_image_desc())
    mk.validate(desc)
    _reference_validator("image").validate(desc)
    mutate(desc)
    with pytest.raises(mk.SchemaError) as e:
        mk.validate(desc)
    assert isinstance(e.value, ValueError)
    assert e.value.field.startswith(field.split("[")[0].rsplit(".", 1)[0]) or field in str(e.value) or e.value.field == field
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        _reference_validator("image").validate(desc)


def test_schema_error_names_the_field():
    desc = _image_desc()
    desc["boxes"]["b"]["box_data"][0]["position"]["minX"] = "left"
    with pytest.raises(mk.SchemaError, match=r"\$\.boxes\.b\.box_data\[0\]\.position\.minX: expected number"):
        mk.validate(desc)


@pytest.mark.parametrize(
    ("desc", "match"),
    [
        ([], "expected a descriptor"),
        ({}, "_type: expected the name of a kind"),
        ({"_type": "nope"}, "unknown descriptor type 'nope'"),
        ({"_type": "image"}, "missing required field"),
    ],
)
def test_validate_rejects_non_descriptors(desc, match):
    with pytest.raises(mk.SchemaError, match=match):
        mk.validate(desc)


def test_decode_refuses_escaping_paths():
    desc = _image_desc()
    desc["path"] = "media/../../secret.png"
    with pytest.raises(mk.SchemaError, match=r"\$\.path"):
        mk.decode(desc, mk.MemoryStore())


def test_canonical_json_refuses_nan():
    from mediakit._descriptor import dumps, loads

    with pytest.raises(mk.SchemaError, match="non-finite"):
        dumps({"x": float("nan")})
    with pytest.raises(mk.SchemaError, match="NaN is not valid JSON"):
        loads('{"x": NaN}')
    assert dumps({"b": 1, "a": [1.5, "é"]}) == '{"a":[1.5,"é"],"b":1}'.encode()


def test_list_count_and_item_kinds_are_checked():
    store = mk.MemoryStore()
    desc = mk.encode({"x": [mk.Image(np.zeros((5, 6), np.uint8)), mk.Image(np.ones((5, 6), np.uint8))]}, store)["x"]
    mk.validate(desc)
    bad = copy.deepcopy(desc)
    bad["count"] = 3
    with pytest.raises(mk.SchemaError, match=r"\$\.count: expected 2 \(the number of items\), got 3"):
        mk.validate(bad)
    bad = copy.deepcopy(desc)
    bad["kind"] = "html"
    with pytest.raises(mk.SchemaError, match=r"\$\.items\[0\]\._type: expected 'html'"):
        mk.validate(bad)


def test_drive_letter_paths_are_refused_by_the_schema():
    desc = _image_desc()
    desc["path"] = "C:/Windows/x.png"
    with pytest.raises(mk.SchemaError, match=r"\$\.path"):
        mk.validate(desc)


@pytest.mark.parametrize(
    "path",
    ["secret.txt", "history.jsonl", "media/ab/x.png", "x\n/../../etc/passwd", "media/ab/" + "a" * 64 + ".png\n"],
)
def test_descriptors_can_only_name_content_paths(path):
    desc = _image_desc()
    desc["path"] = path
    with pytest.raises(mk.SchemaError, match=r"\$\.path"):
        mk.validate(desc)


def test_path_must_match_its_sha256():
    desc = _image_desc()
    desc["masks"]["m"]["sha256"] = desc["sha256"]
    with pytest.raises(mk.SchemaError, match=r"\$\.masks\.m\.path: expected the content path of sha256"):
        mk.validate(desc)


def test_grouped_descriptors_nest_a_bounded_depth():
    inner = mk.encode({"x": [mk.Image(np.zeros((5, 6), np.uint8)), mk.Image(np.ones((5, 6), np.uint8))]}, mk.MemoryStore())["x"]
    desc = inner
    for _ in range(4):
        desc = {"_type": "list", "_version": 1, "kind": "list", "count": 1, "items": [desc]}
    with pytest.raises(mk.SchemaError, match="nest at most 3 levels"):
        mk.validate(desc)


def test_mask_and_box_group_counts_are_bounded():
    desc = _image_desc()
    desc["masks"] = {f"m{i}": desc["masks"]["m"] for i in range(65)}
    with pytest.raises(mk.SchemaError, match=r"\$\.masks: expected at most 64 entries, got 65"):
        mk.validate(desc)
