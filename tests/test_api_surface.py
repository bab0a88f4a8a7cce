"""The public surface: curated, sorted, complete, lazy; errors are also builtins."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mediakit as mk
from mediakit import _errors


def test_all_is_sorted_and_resolves():
    assert mk.__all__ == sorted(mk.__all__)
    for name in mk.__all__:
        if name not in ("config", "run", "summary"):  # None until mediakit.init()
            assert getattr(mk, name) is not None, name


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        mk.Nope  # noqa: B018


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (mk.ValidationError, ValueError),
        (mk.SchemaError, ValueError),
        (mk.DecodeError, ValueError),
        (mk.LimitError, ValueError),
        (mk.MediaTypeError, TypeError),
        (mk.MissingDependencyError, ImportError),
        (mk.StorageError, OSError),
        (mk.MediaFileNotFoundError, FileNotFoundError),
        (mk.UnknownKindError, LookupError),
    ],
)
def test_errors_are_mediakit_errors_and_builtins(cls, builtin):
    assert issubclass(cls, mk.MediakitError)
    assert issubclass(cls, builtin)


def test_error_module_lists_every_error():
    names = {n for n in dir(_errors) if n.endswith("Error") and n != "MediakitError"}
    assert names | {"MediakitError"} == set(_errors.__all__)
    for n in _errors.__all__:
        assert n in _errors.__doc__


def test_import_is_light():
    code = (
        "import sys, mediakit; heavy = {'soundfile','av','imageio_ffmpeg','trimesh','rdkit','gemmi','pandas',"
        "'pyarrow','polars','matplotlib','plotly','vl_convert','fsspec','dask','nh3','jsonschema','torch'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_require_names_the_extra():
    from mediakit._lazy import require

    with pytest.raises(mk.MissingDependencyError, match=r"pip install 'mediakit\[video\]'") as e:
        require("mediakit_no_such_module", extra="video", feature="Video encoding")
    assert isinstance(e.value, ImportError)
    assert isinstance(e.value.__cause__, ImportError)


def test_features_reports_extras():
    f = mk.features()
    assert set(f) >= {"audio", "video", "chem", "3d", "plot", "table", "html", "cloud"}
    assert all(isinstance(v, bool) for v in f.values())


def test_get_kind_and_register_kind():
    from mediakit._registry import unregister_kind

    assert mk.get_kind("image") is mk.Image
    with pytest.raises(mk.UnknownKindError, match="no kind is registered under 'nope'"):
        mk.get_kind("nope")
    with pytest.raises(ValueError, match="already registered"):
        mk.register_kind(mk.Image)

    class Custom(mk.Image):
        TYPE = "custom_test_kind"

    schema = mk.schema("image")
    schema["properties"]["_type"] = {"const": "custom_test_kind"}
    assert mk.register_kind(Custom, schema=schema) is Custom
    try:
        assert mk.get_kind("custom_test_kind") is Custom
        assert mk.registry["custom_test_kind"].endswith(":test_get_kind_and_register_kind.<locals>.Custom")
    finally:
        unregister_kind("custom_test_kind")
    assert "custom_test_kind" not in mk.registry
    with pytest.raises(TypeError):
        mk.registry["x"] = "y"  # type: ignore[index]


def test_no_submodule_shadows_a_public_function() -> None:
    """Importing ``mediakit.X`` binds ``X`` on the package: a submodule named like a public
    function (``mediakit.gallery`` and ``mk.gallery``) would replace the function with the module
    for everyone once anything imported it. Every lazily resolved public name that is not itself a
    module must have no public submodule of that name."""
    import pkgutil

    from mediakit import _LAZY

    modules = {m.name for m in pkgutil.iter_modules(mk.__path__)}
    clashes = sorted(name for name, target in _LAZY.items() if not target.endswith(":") and name in modules)
    assert clashes == []


def test_gallery_stays_callable_after_its_package_is_imported() -> None:
    import importlib

    importlib.import_module("mediakit._gallery")
    importlib.import_module("mediakit.cli")
    assert callable(mk.gallery)
