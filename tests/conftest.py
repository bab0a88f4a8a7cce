"""Shared fixtures and checks for the whole suite."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import mediakit as mk
from mediakit._descriptor import dumps, loads

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
CORPUS = FIXTURES / "corpus"

# Keep matplotlib off any display and its cache inside the test run.
os.environ.setdefault("MPLBACKEND", "Agg")

# -- Hypothesis profiles (tests/properties/ and every @given test) --------------------------------
# "dev" (the default): a modest budget, so `make test` stays fast; "ci" (chosen when $CI is set):
# the same, derandomized, so a CI run is reproducible; "long": 25x the examples, for a hunt.
# Choose one with MEDIAKIT_HYPOTHESIS_PROFILE=dev|ci|long. Tests that set max_examples themselves
# keep it; tests/properties/ scale theirs from the profile (properties.budget).
from hypothesis import HealthCheck, settings  # noqa: E402

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("dev", max_examples=20, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("ci", settings.get_profile("dev"), derandomize=True, database=None, print_blob=True)
settings.register_profile("long", settings.get_profile("dev"), max_examples=500)
settings.load_profile(os.environ.get("MEDIAKIT_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(params=["memory", "local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> mk.Store:
    """Each kind test runs against the in-memory and the local store."""
    if request.param == "memory":
        return mk.MemoryStore()
    return mk.LocalStore(tmp_path / "store")


@pytest.fixture
def mem() -> mk.Store:
    return mk.MemoryStore()


_JSONSCHEMA: Any = None


def _reference_validator(type_name: str) -> Any:
    """The reference implementation (jsonschema) over our schema files, for cross-checking."""
    import jsonschema
    from referencing import Registry, Resource

    schema_dir = ROOT / "mediakit" / "schemas"
    resources = []
    for p in sorted(schema_dir.rglob("*.schema.json")):
        doc = json.loads(p.read_text())
        resources.append((doc["$id"], Resource.from_contents(doc)))
    registry = Registry().with_resources(resources)
    schema = json.loads((schema_dir / f"{type_name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def check_descriptor(desc: dict[str, Any]) -> dict[str, Any]:
    """A descriptor is valid for our validator and for jsonschema, and canonical JSON round-trips."""
    mk.validate(desc)
    _reference_validator(desc["_type"]).validate(desc)
    for item in desc.get("items", []) if desc["_type"] == "list" else []:
        check_descriptor(item)
    text = dumps(desc)
    assert loads(text) == desc
    assert dumps(loads(text)) == text
    return desc


def roundtrip(obj: Any, store: mk.Store) -> tuple[dict[str, Any], Any]:
    """Encode, check the descriptor, check determinism, decode."""
    desc = check_descriptor(obj.encode(store))
    again = obj.encode(store)
    assert dumps(again) == dumps(desc), "encoding is not deterministic"
    return desc, mk.decode(desc, store)


@pytest.fixture
def block_import(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A set of package names: while a name is in it (``block_import.add("deflate")``), importing
    that package or its submodules raises ImportError, as on an install without the extra that
    brings it; ``discard`` lets it import again. Restored after the test."""
    import builtins

    real_import = builtins.__import__
    blocked: set[str] = set()

    def guarded(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in blocked:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded)
    return blocked
