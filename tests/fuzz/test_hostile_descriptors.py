"""Hostile descriptors: every GOOD conformance case's descriptor, mutated field by field (huge and
negative numbers, wrong types, deep nesting, long strings, removed keys), goes through the calls a
server makes with descriptors strangers wrote: ``validate``, then ``thumbnail`` and ``decode`` when
it validates. Only a ``MediakitError`` may come out."""

from __future__ import annotations

import copy
import random
import warnings
from typing import Any

import pytest
from conformance_cases import TABLES

import mediakit as mk

HOSTILE_VALUES: tuple[Any, ...] = (
    2**63, -(2**63) - 1, 1e308, -1e308, 10**30, -1, 0, 0.5, "", "x" * 5000, None, True, [], {}, [[[[[]]]]],
    {"_type": "image"}, "media/aa/" + "a" * 64 + ".png", float("1e-320"),
)  # fmt: skip


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:5]):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = doc
    for k in path[:-1]:
        node = node[k]
    if value is _DELETE and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DELETE = object()


def _deep(depth: int) -> Any:
    v: Any = 1
    for _ in range(depth):
        v = [v] if depth % 2 else {"items": v}
    return v


def _good_descriptors() -> list:
    from mediakit._registry import registry

    out = []
    for kind, cases in sorted(TABLES.items()):
        if kind not in registry:  # plugin kinds are registered by their own tests
            continue
        for case in cases:
            if case.good:
                out.append(pytest.param(kind, case, id=f"{kind}-{case.id}"))
    return out


@pytest.mark.parametrize(("kind", "case"), _good_descriptors())
def test_mutated_descriptors_raise_only_mediakit_errors(kind: str, case: Any) -> None:
    store = mk.MemoryStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        desc = case.make().encode(store)
    rng = random.Random(f"{kind}-{case.id}")
    paths = _paths(desc)
    trials = []
    for path in paths:
        for value in rng.sample(HOSTILE_VALUES, 3) + [_DELETE, _deep(400)]:
            trials.append((path, value))
    rng.shuffle(trials)
    rendered = 0
    for path, value in trials[:40]:
        if not path and value is _DELETE:
            continue
        bad = _set(copy.deepcopy(desc), path, value)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mk.validate(bad)
                if rendered >= 3:  # renderers are slow (vl-convert, 3-D): a few valid mutants each
                    continue
                rendered += 1
                mk.thumbnail(bad, store, size=48)
                mk.decode(bad, store)
        except mk.MediakitError:
            pass
        except Exception as e:  # the test's point: name the descriptor that let it out
            pytest.fail(f"{type(e).__name__} escaped for {kind} with {path} = {str(value)[:60]!r}: {e}")
