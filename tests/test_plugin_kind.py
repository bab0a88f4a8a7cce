"""A third-party kind (``tests/plugin_kind``: ``spectrum``) works end to end, registered in process
with ``register_kind`` or installed through the ``mediakit.kinds``/``mediakit.formats`` entry
points: encode -> validate -> decode -> thumbnail, in lists, and through the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conformance_cases import check_descriptor
from conftest import ROOT
from PIL import Image as PILImage
from plugin_kind import ENTRY_POINTS, SPEC, Spectrum

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._registry import _KINDS, _RENDERERS, unregister_kind
from mediakit._schema import schema_names
from mediakit.cli import main

TESTS = Path(__file__).resolve().parent
VALUES = np.sin(np.linspace(0, 6, 500))


def forget_format(name: str) -> None:
    """Remove a format registered at run time (if it is registered)."""
    import contextlib

    import mediakit.formats as formats

    with contextlib.suppress(mk.ValidationError):
        formats.unregister_format(name)


@pytest.fixture
def plugin() -> Iterator[None]:
    from mediakit.formats import register_format

    mk.register_kind(Spectrum)
    register_format(SPEC)
    try:
        yield
    finally:
        unregister_kind("spectrum")
        forget_format("spectrum")


def test_unregistered_kind_cannot_encode_and_writes_nothing(mem):
    with pytest.raises(mk.SchemaError, match=r"\$\._type: unknown descriptor type 'spectrum'"):
        Spectrum(VALUES).encode(mem)
    assert mem.list() == []


def test_registration_brings_schema_and_renderer(plugin):
    assert mk.registry["spectrum"] == "plugin_kind.spectrum:Spectrum"
    assert _RENDERERS["spectrum"] == "plugin_kind.render:render"
    assert list(_KINDS) == sorted(_KINDS) and list(_RENDERERS) == sorted(_RENDERERS)
    assert mk.get_kind("spectrum") is Spectrum
    assert "spectrum" in schema_names()
    doc = mk.schema("spectrum")
    assert doc["properties"]["_type"] == {"const": "spectrum"}
    doc["required"].clear()  # a copy: the validator's schema is untouched
    with pytest.raises(mk.SchemaError, match="missing required field"):
        mk.validate({"_type": "spectrum", "_version": 1})


def test_unregister_forgets_everything(plugin):
    unregister_kind("spectrum")
    assert "spectrum" not in mk.registry and "spectrum" not in _RENDERERS
    with pytest.raises(mk.SchemaError, match="unknown descriptor type"):
        mk.validate({"_type": "spectrum", "_version": 1})
    with pytest.raises(mk.SchemaError, match=r"name: expected one of \['audio'"):
        mk.schema("spectrum")


def test_encode_validate_decode_thumbnail(plugin, store):
    s = Spectrum(VALUES, caption="peak")
    desc = check_descriptor(s.encode(store))
    assert desc["_type"] == "spectrum" and desc["length"] == 500 and desc["path"].endswith(".npy")
    assert dumps(s.encode(store)) == dumps(desc)
    back = mk.decode(desc, store)
    assert isinstance(back, Spectrum) and back == s
    assert dumps(back.encode(store)) == dumps(desc)
    png = mk.thumbnail(desc, store, size=64)
    with PILImage.open(io.BytesIO(png)) as im:
        assert max(im.size) <= 64 and im.size == (64, 32)


def test_bundled_schema_validates_with_jsonschema_alone(plugin, mem):
    jsonschema = pytest.importorskip("jsonschema")
    desc = Spectrum(VALUES).encode(mem)
    bundled = mk.schema("spectrum", bundled=True)
    assert all(ref.startswith("#") for ref in _refs(bundled))
    jsonschema.Draft202012Validator(bundled).validate(desc)
    desc["length"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(bundled).validate(desc)


def test_lists_of_plugin_media(plugin, mem):
    desc = mk.encode({"s": [Spectrum(VALUES), Spectrum(VALUES[::-1])]}, mem)["s"]
    assert desc["_type"] == "list" and desc["kind"] == "spectrum"
    check_descriptor(desc)
    assert mk.decode(desc, mem).items[1] == Spectrum(VALUES[::-1])
    with PILImage.open(io.BytesIO(mk.thumbnail(desc, mem, size=64))) as im:
        assert max(im.size) <= 64


def test_bad_values_are_refused_before_writing(plugin, mem):
    with pytest.raises(mk.ValidationError, match="finite"):
        Spectrum([1.0, float("nan")])
    with pytest.raises(mk.MediaTypeError, match="dtype"):
        Spectrum(np.array(["a"]))
    assert mem.list() == []


# -- registration errors: checked before anything is registered -------------------------------------


def _schema(**changes: object) -> dict:
    doc = json.loads((TESTS / "plugin_kind" / "spectrum.schema.json").read_text())
    doc.update(changes)
    return doc


def _kind(name: str) -> type:
    return type("K", (Spectrum,), {"TYPE": name, "SCHEMA": None})


@pytest.mark.parametrize(
    ("make", "kwargs", "error", "match"),
    [
        (lambda: mk.Image, {}, ValueError, "a kind named 'image' is already registered"),
        (lambda: "plugin_kind.spectrum:Nope", {}, AttributeError, "Nope"),
        (lambda: 42, {}, mk.MediaTypeError, "expected a Kind subclass"),
        (lambda: _kind("Bad-Name"), {"schema": {}}, mk.ValidationError, "TYPE must be a name"),
        (lambda: _kind("nothing"), {}, mk.ValidationError, "has no JSON Schema"),
        (lambda: _kind("other"), {"schema": _schema()}, mk.SchemaError, "pin '_type'"),
        (lambda: _kind("other"), {"schema": "no_such.schema.json"}, mk.MediaFileNotFoundError, "does not exist"),
        (lambda: _kind("other"), {"schema": 5}, mk.MediaTypeError, "expected a JSON Schema"),
        (lambda: _kind("spectrum"), {"schema": _schema(required=["_type"])}, mk.SchemaError, "'_version'"),
        (lambda: _kind("spectrum"), {"schema": _schema(uniqueItems=True)}, mk.SchemaError, "'uniqueItems', which mediakit's validator does not check"),
        (lambda: _kind("spectrum"), {"schema": _schema(properties={"_type": {"const": "spectrum"}, "x": {"$ref": "#/$defs/nope"}})}, mk.SchemaError, "does not resolve"),
        (lambda: _kind("spectrum"), {"schema": _schema(properties={"_type": {"const": "spectrum"}, "x": {"$ref": "../../etc/x.json"}})}, mk.SchemaError, "does not resolve"),
        (lambda: Spectrum, {"renderer": 5}, mk.MediaTypeError, "renderer: expected a callable"),
    ],
)
def test_registration_errors(make, kwargs, error, match):
    before = (dict(_KINDS), dict(_RENDERERS), schema_names())
    with pytest.raises(error, match=match):
        mk.register_kind(make(), **kwargs)
    assert (dict(_KINDS), dict(_RENDERERS), schema_names()) == before


def test_replace_and_restore_a_builtin(mem):
    class Loud(mk.get_kind("number")):  # a built-in kind replaced by a subclass, same schema
        pass

    original = mk.get_kind("number")
    mk.register_kind(Loud, replace=True)
    try:
        assert mk.get_kind("number") is Loud
        assert isinstance(mk.decode(mk.encode(float("nan"), mem), mem), float)
    finally:
        unregister_kind("number")
    assert mk.get_kind("number") is original
    assert mk.registry["number"] == "mediakit.kinds.number:NonFinite"


# -- the CLI, in process --------------------------------------------------------------------------


def _store_with_descriptor(root: Path) -> Path:
    desc = Spectrum(VALUES).encode(mk.LocalStore(root))
    path = root / "descriptors" / "s.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(dumps(desc) + b"\n")
    return path


def test_cli_validate_thumbnail_schema(plugin, tmp_path, capsys):
    desc_path = _store_with_descriptor(tmp_path / "out")
    assert main(["validate", str(desc_path)]) == 0
    assert main(["thumbnail", str(desc_path), "--out", str(tmp_path / "t"), "--size", "32"]) == 0
    with PILImage.open(tmp_path / "t" / "s.png") as im:
        assert max(im.size) <= 32
    capsys.readouterr()
    assert main(["schema", "spectrum"]) == 0
    bundled = json.loads(capsys.readouterr().out)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(bundled).validate(json.loads(desc_path.read_bytes()))


def test_cli_encode_reads_plugin_files(plugin, tmp_path, capsys):
    src = tmp_path / "in" / "a.spectrum.npy"
    src.parent.mkdir()
    np.save(src, VALUES)
    assert main(["encode", str(src), "--out", str(tmp_path / "out")]) == 0
    desc = json.loads((tmp_path / "out" / "descriptors" / "a.spectrum.npy.json").read_bytes())
    assert desc["_type"] == "spectrum"
    assert mk.decode(desc, tmp_path / "out") == Spectrum(VALUES)


# -- installed: entry points, fresh processes -----------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment where the plugin is installed: a dist-info with its entry points on the path."""
    site = tmp_path_factory.mktemp("site")
    info = site / "mediakit_spectrum-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mediakit-spectrum\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    path = os.pathsep.join([str(site), str(TESTS), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mediakit", *args], capture_output=True, text=True, env=env, check=False, timeout=120)


def test_entry_point_plugin_validate_thumbnail_schema(plugin, installed, tmp_path):
    desc_path = _store_with_descriptor(tmp_path / "out")
    res = _cli(installed, "validate", str(desc_path))
    assert res.returncode == 0, res.stderr + res.stdout
    res = _cli(installed, "thumbnail", str(desc_path), "--out", str(tmp_path / "t"), "--size", "48")
    assert res.returncode == 0, res.stderr + res.stdout
    with PILImage.open(tmp_path / "t" / "s.png") as im:
        assert max(im.size) <= 48
    res = _cli(installed, "schema")
    assert res.returncode == 0 and "spectrum" in res.stdout.split()
    res = _cli(installed, "schema", "spectrum")
    assert res.returncode == 0, res.stderr
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads(res.stdout)).validate(json.loads(desc_path.read_bytes()))


def test_entry_point_plugin_encode(installed, tmp_path):
    src = tmp_path / "b.spectrum.npy"
    np.save(src, VALUES)
    res = _cli(installed, "encode", str(src), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr + res.stdout
    desc = json.loads((tmp_path / "out" / "descriptors" / "b.spectrum.npy.json").read_bytes())
    assert desc["_type"] == "spectrum" and desc["length"] == VALUES.size


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_broken_entry_points_are_one_mediakit_error(monkeypatch):
    import mediakit._registry as reg

    monkeypatch.setattr(reg, "_entry_points", {"broken": "plugin_kind.nope:X", "liar": "plugin_kind.spectrum:Spectrum"})
    with pytest.raises(mk.UnknownKindError, match=r"plugin kind 'broken' .* could not be registered: ModuleNotFoundError"):
        mk.validate({"_type": "broken", "_version": 1})
    with pytest.raises(mk.UnknownKindError, match=r"whose TYPE is 'spectrum'"):
        mk.get_kind("liar")
    assert "liar" not in mk.registry and "spectrum" not in mk.registry


def test_entry_point_kinds_load_on_first_use(monkeypatch, mem):
    import mediakit._registry as reg

    monkeypatch.setattr(reg, "_entry_points", {"spectrum": "plugin_kind.spectrum:Spectrum"})
    try:
        assert "spectrum" not in mk.registry
        assert mk.schema("spectrum")["properties"]["_type"] == {"const": "spectrum"}
        assert mk.get_kind("spectrum") is Spectrum
        desc = Spectrum(VALUES).encode(mem)
        assert mk.decode(desc, mem) == Spectrum(VALUES)
    finally:
        unregister_kind("spectrum")
