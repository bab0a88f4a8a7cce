"""mk.init / mk.log / Run: the trackers' call forms over a local store."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mediakit as mk


def _history(path):
    return [json.loads(line) for line in (path / "history.jsonl").read_text().splitlines()]


def test_log_steps_commit_and_summary(tmp_path):
    run = mk.init(dir=tmp_path)
    try:
        mk.log({"accuracy": 0.9, "epoch": 5})
        mk.log({"loss": 0.2}, commit=False)
        mk.log({"accuracy": 0.8})
        mk.log({"loss": 0.1}, step=10)
        mk.log({"img": mk.Image(np.zeros((4, 5), np.uint8))})
    finally:
        mk.finish()
    rows = _history(tmp_path)
    # step=10 collects until a call without a step (or another step) writes it (reference documents)
    assert [r["_step"] for r in rows] == [0, 1, 10]
    assert rows[1] == {"_step": 1, "loss": 0.2, "accuracy": 0.8}
    assert rows[2]["loss"] == 0.1 and rows[2]["img"]["_type"] == "image"
    assert (tmp_path / rows[2]["img"]["path"]).is_file()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["accuracy"] == 0.8 and summary["loss"] == 0.1
    assert run.step == 11


def test_log_without_init_is_a_clear_error():
    mk.finish()
    with pytest.raises(mk.MediakitError, match=r"call mediakit.init\(dir=...\) first"):
        mk.log({"x": 1})


def test_step_cannot_go_back(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"a": 1}, step=5)
    with pytest.raises(mk.ValidationError, match="step: 3 is before the current step 5; steps only go forward"):
        run.log({"a": 2}, step=3)


def test_log_needs_a_dict(tmp_path):
    run = mk.Run(tmp_path)
    with pytest.raises(mk.MediaTypeError, match="data: expected a dict"):
        run.log([1, 2])  # type: ignore[arg-type]


def test_failed_log_leaves_no_files(tmp_path):
    run = mk.Run(tmp_path)
    with pytest.raises(mk.MediaTypeError):
        run.log({"img": mk.Image(np.zeros((4, 5), np.uint8)), "bad": object()})
    assert not (tmp_path / "media").exists() or not any(p.is_file() for p in (tmp_path / "media").rglob("*"))
    assert not (tmp_path / "history.jsonl").exists()
