"""The run writer step by step against the reference documents' logging semantics
(/work/shared/reference/00[0-3]_*.txt, "Incremental logging" and "Summary metrics"; 004_*.txt for
``init(config=...)``): history.jsonl rows, summary.json and config.json after every call form."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediakit as mk


def rows(d: Path) -> list[dict[str, Any]]:
    p = d / "history.jsonl"
    return [json.loads(line) for line in p.read_text().splitlines()] if p.exists() else []


def summary(d: Path) -> dict[str, Any]:
    return json.loads((d / "summary.json").read_text())


def config(d: Path) -> dict[str, Any]:
    return json.loads((d / "config.json").read_text())


@pytest.fixture(autouse=True)
def _no_current_run():
    mk.finish()
    yield
    mk.finish()


# -- steps ---------------------------------------------------------------------------------------


def test_each_log_is_a_step(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"accuracy": 0.9, "epoch": 5})
    assert rows(tmp_path) == [{"_step": 0, "accuracy": 0.9, "epoch": 5}]
    run.log({"acc": 0.9, "loss": 0.1})
    assert rows(tmp_path)[1] == {"_step": 1, "acc": 0.9, "loss": 0.1}
    assert run.step == 2


def test_same_step_collects_into_one_row_written_when_another_step_is_logged(tmp_path):
    # "As long as you keep passing the same value for step, W&B will collect the keys and values
    # from each call in one unified dictionary. As soon as you call wandb.log() with a different
    # value for step than the previous one, W&B will write all the collected keys and values."
    run = mk.Run(tmp_path)
    run.log({"loss": 0.2}, step=5)
    assert rows(tmp_path) == [] and run.step == 5
    run.log({"acc": 0.7}, step=5)
    assert rows(tmp_path) == [] and run.step == 5
    run.log({"loss": 0.1}, step=6)
    assert rows(tmp_path) == [{"_step": 5, "loss": 0.2, "acc": 0.7}]
    run.log({"acc": 0.8}, step=6)
    run.finish()  # the pending step is written at the end
    assert rows(tmp_path)[1] == {"_step": 6, "loss": 0.1, "acc": 0.8}


def test_same_key_twice_in_one_step_keeps_the_last(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"loss": 0.3}, step=0)
    run.log({"loss": 0.2}, step=0)
    run.log({}, step=1)
    assert rows(tmp_path) == [{"_step": 0, "loss": 0.2}]


def test_a_call_without_step_adds_to_the_current_step_and_writes_it(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"loss": 0.1}, step=10)
    run.log({"acc": 0.5})
    assert rows(tmp_path) == [{"_step": 10, "loss": 0.1, "acc": 0.5}]
    assert run.step == 11
    run.log({"acc": 0.6})
    assert rows(tmp_path)[-1] == {"_step": 11, "acc": 0.6}


def test_commit_false_accumulates_until_a_call_without_commit(tmp_path):
    # wandb.log({'loss': 0.2}, commit=False); ... wandb.log({'accuracy': 0.8})
    run = mk.Run(tmp_path)
    run.log({"loss": 0.2}, commit=False)
    run.log({"lr": 0.01}, commit=False)
    assert rows(tmp_path) == [] and run.step == 0
    run.log({"accuracy": 0.8})
    assert rows(tmp_path) == [{"_step": 0, "loss": 0.2, "lr": 0.01, "accuracy": 0.8}]
    assert run.step == 1


def test_commit_true_with_a_step_writes_at_once(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"a": 1}, step=3, commit=True)
    assert rows(tmp_path) == [{"_step": 3, "a": 1}]
    assert run.step == 4
    run.log({"a": 2}, step=4)
    run.log({"b": 3}, step=4, commit=True)
    assert rows(tmp_path)[-1] == {"_step": 4, "a": 2, "b": 3}


def test_commit_false_then_a_larger_step_writes_the_pending_row_first(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"a": 1}, commit=False)
    run.log({"b": 2}, step=4, commit=False)
    assert rows(tmp_path) == [{"_step": 0, "a": 1}]
    run.finish()
    assert rows(tmp_path)[-1] == {"_step": 4, "b": 2}


def test_custom_x_axis_with_step(tmp_path):
    # wandb.log({"acc": 1, "batch": 10}, step=epoch)
    run = mk.Run(tmp_path)
    for epoch in range(3):
        run.log({"acc": 1, "batch": 10 * epoch}, step=epoch)
    run.finish()
    assert rows(tmp_path) == [{"_step": e, "acc": 1, "batch": 10 * e} for e in range(3)]


def test_step_going_back_is_refused_and_says_what_to_pass(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"a": 1}, step=5)
    with pytest.raises(mk.ValidationError, match=r"step: 3 is before the current step 5; .*pass step=5 to add to the current step"):
        run.log({"a": 2}, step=3)
    run.log({"b": 2}, step=5)
    run.finish()
    assert rows(tmp_path) == [{"_step": 5, "a": 1, "b": 2}]


@pytest.mark.parametrize("step", [np.int64(2), np.uint8(2)])
def test_numpy_integer_steps(tmp_path, step):
    run = mk.Run(tmp_path)
    run.log({"a": 1}, step=step, commit=True)
    assert rows(tmp_path) == [{"_step": 2, "a": 1}]


@pytest.mark.parametrize("step", [True, 1.0, "1", -1])
def test_bad_steps(tmp_path, step):
    run = mk.Run(tmp_path)
    with pytest.raises(mk.ValidationError, match=r"step: expected an int >= 0"):
        run.log({"a": 1}, step=step)


def test_bad_commit_and_reserved_step_key(tmp_path):
    run = mk.Run(tmp_path)
    with pytest.raises(mk.MediaTypeError, match=r"commit: expected True, False or None, got int 0"):
        run.log({"a": 1}, commit=0)  # type: ignore[arg-type]
    with pytest.raises(mk.ValidationError, match=r"data\['_step'\]: the name is reserved for the step number; pass step=3 instead"):
        run.log({"_step": 3, "a": 1})


def test_a_failed_log_leaves_the_step_and_pending_row_unchanged(tmp_path):
    run = mk.Run(tmp_path)
    run.log({"a": 1}, step=2)
    with pytest.raises(mk.MediaTypeError):
        run.log({"bad": object()}, step=7)
    assert run.step == 2
    run.log({"b": 2}, step=2)
    run.finish()
    assert rows(tmp_path) == [{"_step": 2, "a": 1, "b": 2}]


def test_log_after_finish(tmp_path):
    run = mk.Run(tmp_path)
    run.finish()
    run.finish()  # a second finish does nothing
    with pytest.raises(mk.MediakitError, match=r"this run is finished; start a new one with mediakit.init\(\)"):
        run.log({"a": 1})


# -- summary --------------------------------------------------------------------------------------


def test_summary_defaults_to_the_last_logged_value(tmp_path):
    run = mk.Run(tmp_path)
    for acc in (0.5, 0.9, 0.7):
        run.log({"accuracy": acc, "loss": 1 - acc})
    run.finish()
    assert summary(tmp_path) == {"accuracy": 0.7, "loss": pytest.approx(0.3)}


def test_explicit_summary_values_are_kept_over_later_logs(tmp_path):
    # wandb.run.summary["accuracy"] = best_accuracy: sorted by best, not final, accuracy.
    run = mk.init(dir=tmp_path)
    best = 0.0
    for acc in (0.5, 0.9, 0.7):
        mk.log({"accuracy": acc})
        if acc > best:
            best = acc
            mk.run.summary["accuracy"] = best
            mk.run.summary["best_accuracy"] = best
    assert run.summary["accuracy"] == 0.9
    mk.finish()
    assert summary(tmp_path) == {"accuracy": 0.9, "best_accuracy": 0.9}


def test_summary_last_explicit_value_wins_and_delete_lets_logs_in(tmp_path):
    run = mk.Run(tmp_path)
    run.summary["x"] = 1
    run.summary.update({"x": 2})
    run.summary.update()  # the reference's run.summary.update() with nothing
    run.log({"x": 3})
    assert run.summary["x"] == 2
    del run.summary["x"]
    run.log({"x": 4})
    assert run.summary["x"] == 4
    run.summary.setdefault("y", 5)
    run.log({"y": 6})
    run.finish()
    assert summary(tmp_path) == {"x": 4, "y": 5}


def test_summary_holds_media_and_whole_tensors(tmp_path):
    run = mk.Run(tmp_path)
    data = np.random.default_rng(0).normal(size=500)
    run.summary.update({"gradients": mk.Histogram(np_histogram=np.histogram(data))})
    run.summary["tensor"] = np.random.default_rng(1).random(1000)
    run.log({"img": mk.Image(np.zeros((4, 4), np.uint8))})
    run.finish()
    s = summary(tmp_path)
    assert s["gradients"]["_type"] == "histogram"
    assert s["img"]["_type"] == "image"
    # "we persist the entire tensor in a binary file and store high level metrics"
    assert s["tensor"]["_type"] == "tensor" and s["tensor"]["count"] == 1000 and "mean" in s["tensor"]
    assert mk.decode(s["tensor"], mk.LocalStore(tmp_path)).array.shape == (1000,)


def test_summary_keys_must_be_strings(tmp_path):
    run = mk.Run(tmp_path)
    with pytest.raises(mk.MediaTypeError, match=r"summary: keys must be strings, got int 1"):
        run.summary[1] = 2  # type: ignore[index]


# -- config ---------------------------------------------------------------------------------------


def test_init_with_project_notes_tags_and_config(tmp_path):
    cfg = dict(learning_rate=0.01, momentum=0.2, architecture="CNN", dataset_id="peds-0192", infra="AWS")
    run = mk.init(dir=tmp_path, project="detect-pedestrians", notes="tweak baseline", tags=["baseline", "paper1"], config=cfg)
    assert config(tmp_path) == cfg  # written at once
    assert run.meta == {"project": "detect-pedestrians", "notes": "tweak baseline", "tags": ["baseline", "paper1"]}
    assert mk.config is run.config and mk.summary is run.summary
    mk.finish()
    assert mk.run is None and mk.config is None and mk.summary is None


def test_config_from_argparse_with_attribute_access(tmp_path):
    args = argparse.Namespace(epochs=2, batch_size=32, lr=np.float32(0.5), out=Path("out"))
    mk.init(dir=tmp_path, config=args)
    run = mk.run
    assert run.config.epochs == 2 and run.config["batch_size"] == 32
    for epoch in range(1, run.config.epochs + 1):
        mk.log({"loss": 1 / epoch, "val_loss": 2 / epoch})
    mk.config.dropout = 0.1
    mk.config.update({"epochs": 3}, allow_val_change=True)
    assert config(tmp_path) == {"epochs": 3, "batch_size": 32, "lr": 0.5, "out": "out", "dropout": 0.1}
    with pytest.raises(AttributeError, match=r"config has no key 'num_steps'"):
        _ = run.config.num_steps
    mk.finish()
    assert [r["_step"] for r in rows(tmp_path)] == [0, 1]


def test_config_from_absl_style_flags(tmp_path):
    class Flags:
        def flag_values_dict(self) -> dict[str, Any]:
            return {"num_steps": 3, "batch_size": 8}

    run = mk.Run(tmp_path, config=Flags())
    for step in range(1, run.config.num_steps + 1):
        run.log({"acc": step / 10, "loss": 1 / step})
    run.finish()
    assert config(tmp_path) == {"num_steps": 3, "batch_size": 8}
    assert len(rows(tmp_path)) == 3


def test_empty_config_is_written_at_finish(tmp_path):
    run = mk.Run(tmp_path)
    assert not (tmp_path / "config.json").exists()
    run.finish()
    assert config(tmp_path) == {}


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (float("nan"), mk.ValidationError, r"config\['x'\]: expected a finite number, got nan"),
        (object(), mk.MediaTypeError, r"config\['x'\]: cannot store a builtins.object in config.json; pass a number, string"),
        ({1: 2}, mk.MediaTypeError, r"config\['x'\]: keys must be strings"),
    ],
)
def test_config_values_must_be_json(tmp_path, value, error, match):
    run = mk.Run(tmp_path)
    with pytest.raises(error, match=match):
        run.config["x"] = value
    assert "x" not in run.config


def test_config_must_be_a_mapping_namespace_or_flags(tmp_path):
    with pytest.raises(mk.MediaTypeError, match=r"config: expected a dict, an argparse.Namespace or absl flags, got builtins.list"):
        mk.Run(tmp_path, config=[1, 2])


# -- run lifecycle --------------------------------------------------------------------------------


def test_history_row_is_not_provided_and_says_what_to_use(tmp_path):
    run = mk.Run(tmp_path)
    with pytest.raises(AttributeError, match=r"Run.history: .*run.log\(data, commit=False\)"):
        _ = run.history
    with pytest.raises(AttributeError, match=r"'Run' object has no attribute 'nope'"):
        _ = run.nope


def test_init_again_finishes_the_previous_run(tmp_path):
    first = mk.init(dir=tmp_path / "a")
    mk.log({"x": 1}, commit=False)
    second = mk.init(dir=tmp_path / "b")
    assert mk.run is second and first is not second
    assert rows(tmp_path / "a") == [{"_step": 0, "x": 1}]
    assert summary(tmp_path / "a") == {"x": 1}


def test_run_finish_clears_the_current_run_and_context_manager(tmp_path):
    run = mk.init(dir=tmp_path / "a")
    run.finish()
    assert mk.run is None
    with mk.Run(tmp_path / "b") as run2:
        run2.log({"y": 2}, commit=False)
    assert rows(tmp_path / "b") == [{"_step": 0, "y": 2}]
    assert summary(tmp_path / "b") == {"y": 2}
