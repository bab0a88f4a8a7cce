"""Validation does bounded work before walking a descriptor: counts are checked from container
lengths (the schemas' ``maxItems``, boxes over all groups, items over all nesting levels) before
any element is looked at, and nesting deeper than a bound is a ``SchemaError``, never a
``RecursionError`` (issue 9)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

import mediakit as mk
from mediakit._descriptor import loads


def _image_desc(store: Any) -> dict[str, Any]:
    box = {"position": {"minX": 0, "minY": 0, "maxX": 1, "maxY": 1}, "class_id": 0}
    img = mk.Image(np.zeros((8, 8, 3), np.uint8), boxes={"p": {"box_data": [box], "class_labels": {0: "a"}}})
    return img.encode(store)


def _timed_refusal(desc: Any, error: type[Exception], match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(error, match=match):
        mk.validate(desc)
    assert time.perf_counter() - start < 0.5


def test_a_million_image_boxes_are_refused_before_walking() -> None:
    desc = _image_desc(mk.MemoryStore())
    group = desc["boxes"]["p"]
    group["box_data"] = group["box_data"] * 1_000_000
    _timed_refusal(desc, mk.LimitError, r"^\$\.boxes: at most 100000 boxes per image \(all groups together\), got 1000000$")


def test_boxes_are_counted_over_all_groups() -> None:
    desc = _image_desc(mk.MemoryStore())
    group = desc["boxes"]["p"]
    desc["boxes"] = {f"g{i}": {**group, "box_data": group["box_data"] * 20_000} for i in range(6)}
    _timed_refusal(desc, mk.LimitError, r"got 120000$")
    desc["boxes"] = {f"g{i}": {**group, "box_data": group["box_data"] * 20_000} for i in range(5)}
    assert mk.validate(desc) is desc  # exactly the limit is fine


def test_a_million_object3d_boxes_are_refused_by_the_schema_before_walking() -> None:
    store = mk.MemoryStore()
    from mediakit.kinds.object3d import box3d

    box = box3d(center=[0, 0, 0], size=[1, 1, 1], orientation=[1, 0, 0, 0], color=[255, 0, 0])
    obj = mk.Object3D.from_point_cloud(np.zeros((4, 3), np.float32), boxes=[box])
    desc = obj.encode(store)
    desc["boxes"] = desc["boxes"] * 1_000_000
    _timed_refusal(desc, mk.SchemaError, r"^\$\.boxes: expected at most 100000 items, got 1000000$")


def test_a_list_of_100000_items_is_refused_before_walking() -> None:
    item = _image_desc(mk.MemoryStore())
    desc = {"_type": "list", "_version": 1, "kind": "image", "count": 100_000, "items": [item] * 100_000}
    _timed_refusal(desc, mk.LimitError, r"^\$\.items: at most 10000 item descriptors in one list")


def test_nested_lists_are_counted_over_all_levels() -> None:
    item = _image_desc(mk.MemoryStore())
    inner = {"_type": "list", "_version": 1, "kind": "image", "count": 5000, "items": [item] * 5000}
    desc = {"_type": "list", "_version": 1, "kind": "list", "count": 5000, "items": [inner] * 5000}
    _timed_refusal(desc, mk.LimitError, r"all nesting levels together")


def test_the_list_schema_bounds_items() -> None:
    doc = mk.schema("list")
    assert doc["properties"]["items"]["maxItems"] == 10_000


def _deep(depth: int, key: str = "items") -> Any:
    v: Any = "x"
    for i in range(depth):
        v = [v] if i % 2 else {key: v}
    return v


@pytest.mark.parametrize("depth", [990, 5000])
@pytest.mark.parametrize("field", ["caption", "_type", "width"])
def test_deeply_nested_values_are_schema_errors(field: str, depth: int) -> None:
    store = mk.MemoryStore()
    desc = _image_desc(store)
    desc[field] = _deep(depth)
    with pytest.raises(mk.SchemaError, match=rf"^\$\.{field}: "):
        mk.validate(desc)
    with pytest.raises(mk.SchemaError):
        mk.thumbnail(desc, store, size=32)


def test_deep_json_text_is_a_limit_error() -> None:
    with pytest.raises(mk.LimitError, match="nested too deeply"):
        loads(b"[" * 100_000 + b"]" * 100_000)
