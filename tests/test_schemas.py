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


# -- mk.schema, bundling, caching ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["image", "image.schema.json"])
def test_schema_by_type_or_file_name_is_a_copy(name):
    doc = mk.schema(name)
    assert doc == json.loads((SCHEMA_DIR / "image.schema.json").read_text())
    doc["properties"].clear()
    doc["required"].append("nope")
    mk.validate(_image_desc())  # the validator's copy is untouched
    assert "nope" not in mk.schema("image")["required"]


def test_schema_of_the_shared_definitions():
    assert "$defs" in mk.schema("_defs/common.schema.json")


@pytest.mark.parametrize("name", ["nope", "", "../README.md", "../../pyproject", "_defs/../image", "IMAGE"])
def test_schema_refuses_other_names_listing_the_choices(name):
    with pytest.raises(mk.MediakitError, match=r"name: expected one of \['audio', 'chart', .*'video'\]"):
        mk.schema(name)


def test_schema_refuses_non_strings():
    with pytest.raises(mk.MediaTypeError, match="expected a descriptor type name"):
        mk.schema(3)  # type: ignore[arg-type]


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            elif k not in ("const", "enum"):
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _resolve(doc, ref):
    node = doc
    for token in ref[2:].split("/") if ref != "#" else []:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.mark.parametrize("name", schema_names())
def test_bundled_schema_is_self_contained(name):
    jsonschema = pytest.importorskip("jsonschema")
    doc = mk.schema(name, bundled=True)
    jsonschema.Draft202012Validator.check_schema(doc)
    assert doc["$id"] == f"https://mediakit.invalid/schemas/{name}.schema.json"
    for ref in _refs(doc):
        assert ref.startswith("#"), ref
        assert isinstance(_resolve(doc, ref), dict), ref


def test_bundled_chart_schema_inlines_the_table_schema():
    doc = mk.schema("chart", bundled=True)
    assert doc["properties"]["table"] == {"$ref": "#/$defs/table.schema.json"}
    assert doc["$defs"]["table.schema.json"]["properties"]["_type"] == {"const": "table"}
    assert "$id" not in doc["$defs"]["table.schema.json"] and "_defs.common.schema.json" in doc["$defs"]


def test_cli_schema_output_validates_a_real_descriptor_alone(tmp_path):
    pytest.importorskip("jsonschema")
    import shlex
    import subprocess
    import sys

    desc = _image_desc()
    (tmp_path / "good.json").write_text(json.dumps(desc))
    (tmp_path / "bad.json").write_text(json.dumps({**desc, "width": 0}))
    py = shlex.quote(sys.executable)
    for name, ok in (("good.json", True), ("bad.json", False)):
        check = f"import jsonschema, json, sys; DESC = json.load(open({name!r})); jsonschema.validate(DESC, json.load(sys.stdin))"
        cmd = f"{py} -m mediakit schema image | {py} -c {shlex.quote(check)}"
        res = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False, cwd=tmp_path)
        assert (res.returncode == 0) is ok, res.stderr
        assert ok or "ValidationError" in res.stderr


def test_shipped_schemas_use_only_what_our_validator_checks():
    from mediakit._schema import check_schema

    for name in schema_names():
        check_schema(name, mk.schema(name))


def test_validation_reads_and_lists_schema_files_once(monkeypatch):
    desc = _image_desc()
    mk.validate(desc)
    # An unknown type looks for plugins' entry points once (package metadata, read on first use).
    with pytest.raises(mk.SchemaError, match="unknown descriptor type 'nope'"):
        mk.validate({"_type": "nope"})

    def refuse(*a, **k):
        raise AssertionError("schema files listed or read again")

    monkeypatch.setattr(Path, "glob", refuse)
    monkeypatch.setattr(Path, "rglob", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    for _ in range(3):
        mk.validate(desc)
    with pytest.raises(mk.SchemaError, match="unknown descriptor type 'nope'"):
        mk.validate({"_type": "nope"})
