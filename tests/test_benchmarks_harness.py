"""The benchmark harness and runner without timing anything real: verdicts from fake results,
contender bookkeeping, workload discovery, report rendering and the BENCHMARKS.md section."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import run as bench  # noqa: E402
from benchmarks.harness import Result, Target, Workload, check_targets, run_workload, speed_ratio  # noqa: E402


def _res(
    contender: str, seconds: float | None, bytes_out: int | None = None, peak: int | None = None, error: str | None = None
) -> Result:
    return Result("w", contender, seconds, bytes_out, peak, error=error)


def _workload(targets: list[Target], contenders: tuple[str, ...] = ("mk", "wandb", "base")) -> Workload:
    return Workload(
        "w", "a fake workload", setup=lambda: None, contenders={c: (lambda d: None) for c in contenders}, targets=targets
    )


# --------------------------------------------------------------------------------------------
# Verdicts


@pytest.mark.parametrize(
    ("t_mk", "t_wandb", "ratio", "met", "shown"),
    [
        (1.0, 3.0, 3.0, True, "3.00x (target >= 3x)"),  # exactly on the target counts as met
        (1.0, 2.9, 3.0, False, "2.90x (target >= 3x)"),
        (0.2, 1.0, 1.5, True, "5.00x"),
        (1.2, 1.0, 1 / 1.2, True, "0.83x (target >= 0.833x)"),
        (1.3, 1.0, 1 / 1.2, False, "0.77x"),
    ],
)
def test_speed_verdicts(t_mk: float, t_wandb: float, ratio: float, met: bool, shown: str) -> None:
    w = _workload([Target("mk", "wandb", ratio)])
    [(label, ok, text)] = check_targets(w, [_res("mk", t_mk), _res("wandb", t_wandb)])
    assert label == "mk vs wandb"
    assert ok is met
    assert shown in text


def test_bytes_bound_can_fail_a_fast_contender() -> None:
    w = _workload([Target("mk", "wandb", 3.0, max_bytes_ratio=1.15)])
    [(_, ok, text)] = check_targets(w, [_res("mk", 1.0, bytes_out=1200), _res("wandb", 5.0, bytes_out=1000)])
    assert ok is False
    assert "bytes 1.200x (target <= 1.15x)" in text
    [(_, ok, _)] = check_targets(w, [_res("mk", 1.0, bytes_out=1100), _res("wandb", 5.0, bytes_out=1000)])
    assert ok is True


def test_missing_bytes_make_a_met_speed_target_unmeasured() -> None:
    w = _workload([Target("mk", "wandb", 3.0, max_bytes_ratio=1.15)])
    [(_, ok, text)] = check_targets(w, [_res("mk", 1.0), _res("wandb", 5.0, bytes_out=1000)])
    assert ok is None
    assert "bytes not measured" in text
    # ... but a missed speed target stays missed
    [(_, ok, _)] = check_targets(w, [_res("mk", 1.0), _res("wandb", 2.0, bytes_out=1000)])
    assert ok is False


def test_peak_memory_fraction_of_input() -> None:
    w = _workload([Target("mk", "base", 1.5, max_peak_fraction=0.5)])
    results = [_res("mk", 1.0, peak=30), _res("base", 2.0)]
    [(_, ok, text)] = check_targets(w, results, data_bytes=100)
    assert ok is True and "peak extra memory 0.30 of input" in text
    [(_, ok, _)] = check_targets(w, [_res("mk", 1.0, peak=60), _res("base", 2.0)], data_bytes=100)
    assert ok is False
    # the input size recorded on the results is used when the caller gives none
    recorded = [Result("w", "mk", 1.0, None, 60, input_bytes=100), _res("base", 2.0)]
    [(_, ok, _)] = check_targets(w, recorded)
    assert ok is False
    [(_, ok, text)] = check_targets(w, [_res("mk", 1.0), _res("base", 2.0)], data_bytes=100)
    assert ok is None and "peak memory not measured" in text


def test_skipped_or_failed_contenders_are_not_measured() -> None:
    w = _workload([Target("mk", "wandb", 3.0), Target("mk", "nobody", 1.0)])
    results = [_res("mk", 1.0), _res("wandb", None, error="skipped: No module named 'wandb'")]
    verdicts = check_targets(w, results)
    assert [v[1] for v in verdicts] == [None, None]
    assert "No module named 'wandb'" in verdicts[0][2]
    assert verdicts[1][2] == "not measured"


def test_absolute_time_target() -> None:
    w = _workload([Target("mk", "", 0, max_seconds=0.5)])
    assert check_targets(w, [_res("mk", 0.4)])[0][1] is True
    assert check_targets(w, [_res("mk", 0.6)])[0][1] is False
    assert check_targets(w, [_res("mk", None, error="boom")])[0][1] is None


def test_speed_ratio_helper() -> None:
    results = [_res("mk", 0.5), _res("wandb", 2.0), _res("gone", None)]
    assert speed_ratio(results, "mk", "wandb") == 4.0
    assert speed_ratio(results, "mk", "gone") is None
    assert speed_ratio(results, "mk", "absent") is None


# --------------------------------------------------------------------------------------------
# run_workload bookkeeping (no timing assertions)


def test_run_workload_calls_warms_up_repeats_and_tears_down() -> None:
    calls: dict[str, int] = {"ok": 0}
    torn: list[object] = []
    data = {"x": np.ones(1000, np.float64)}

    def ok(d: dict[str, np.ndarray]) -> int:
        calls["ok"] += 1
        return 123

    def allocates(d: dict[str, np.ndarray]) -> None:
        d["x"].copy()  # 8 kB of extra memory, traced by tracemalloc

    def missing(d: object) -> None:
        import mediakit_no_such_module  # noqa: F401

    def broken(d: object) -> None:
        raise ValueError("bad input")

    w = Workload(
        "w",
        "d",
        setup=lambda: data,
        contenders={"ok": ok, "allocates": allocates, "missing": missing, "broken": broken},
        targets=[Target("allocates", "ok", 0.0, max_peak_fraction=10.0)],
        repeat=4,
        input_bytes=lambda d: d["x"].nbytes,
        teardown=torn.append,
    )
    by = {r.contender: r for r in run_workload(w)}
    assert calls["ok"] == 1 + 5  # one warm-up, then the timed runs: at least MIN_REPEAT (5)
    assert by["ok"].bytes_out == 123 and len(by["ok"].times) == 5
    assert by["ok"].seconds == sorted(by["ok"].times)[2]  # the median
    assert by["ok"].spread == (max(by["ok"].times) - min(by["ok"].times)) / by["ok"].seconds
    assert by["ok"].peak_bytes is None  # no memory target for it: not traced
    assert by["allocates"].peak_bytes is not None and by["allocates"].peak_bytes >= 8000
    assert by["missing"].seconds is None and by["missing"].error.startswith("skipped:")
    assert by["broken"].error == "ValueError: bad input"
    assert all(r.input_bytes == 8000 for r in by.values())
    assert torn == [data]
    # a repeat override wins over the workload's own
    calls["ok"] = 0
    run_workload(Workload("w", "d", setup=lambda: data, contenders={"ok": ok}), repeat=2)
    assert calls["ok"] == 3


def test_a_deferred_byte_count_is_called_after_the_clock_stops() -> None:
    """A contender may return a callable that counts its bytes: the harness calls it once per
    run, untimed (a slow count would otherwise be charged to the contender)."""
    counted: list[int] = []

    def slow_count() -> int:
        time.sleep(0.05)
        counted.append(1)
        return 77

    w = Workload("w", "d", setup=lambda: None, contenders={"deferred": lambda d: slow_count})
    (r,) = run_workload(w, repeat=5)
    assert r.bytes_out == 77 and len(counted) == 5  # once per timed run (the warm-up's is not needed)
    assert max(r.times) < 0.04  # the count's 50 ms sleeps are in no timing


def test_repeat_floor_and_slow_workload_exemption() -> None:
    from benchmarks.harness import MIN_REPEAT, effective_repeat, median_index

    def w(n: int) -> Workload:
        return Workload("w", "d", setup=lambda: None, contenders={}, repeat=n)

    assert MIN_REPEAT == 5
    assert [effective_repeat(w(n)) for n in (1, 2, 3, 5, 9)] == [1, 2, 5, 5, 9]
    assert median_index([3.0, 1.0, 2.0]) == 2 and median_index([4.0, 1.0, 3.0, 2.0]) == 3


def test_timed_runs_are_interleaved_and_late_failures_reported() -> None:
    order: list[str] = []

    def make(name: str, fail_on: int | None = None) -> Callable[[object], None]:
        def fn(d: object) -> None:
            order.append(name)
            if fail_on is not None and order.count(name) == fail_on:
                raise OSError("disk full")

        return fn

    w = Workload("w", "d", setup=lambda: None, contenders={"a": make("a"), "b": make("b"), "c": make("c", fail_on=3)}, repeat=3)
    by = {r.contender: r for r in run_workload(w, repeat=3)}
    # warm-ups first, then rounds of one run per contender; "c" fails in round 2 and drops out
    assert order == ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b"]
    assert len(by["a"].times) == 3 and by["a"].cpu_seconds is not None
    assert by["c"].seconds is None and by["c"].error == "OSError: disk full"
    assert list(by) == ["a", "b", "c"]  # reported in the workload's order


def test_teardown_runs_even_if_a_contender_kills_the_run() -> None:
    torn: list[object] = []

    def interrupt(d: object) -> None:
        raise KeyboardInterrupt

    w = Workload("w", "d", setup=lambda: "data", contenders={"x": interrupt}, teardown=torn.append)
    with pytest.raises(KeyboardInterrupt):
        run_workload(w)
    assert torn == ["data"]


# --------------------------------------------------------------------------------------------
# Discovery and selection

_GOOD = """
from __future__ import annotations
from benchmarks.harness import Target, Workload

WORKLOADS = [
    Workload("alpha png", "first", setup=lambda: None, contenders={"a": lambda d: 1, "b": lambda d: 2},
             targets=[Target("a", "b", 1.0)]),
    Workload("beta", "second", setup=lambda: None, contenders={"a": lambda d: None}),
]
"""


def _write_modules(tmp_path: Path) -> Path:
    d = tmp_path / "workloads"
    d.mkdir()
    (d / "good.py").write_text(textwrap.dedent(_GOOD))
    (d / "broken.py").write_text("raise RuntimeError('half written')\n")
    (d / "empty.py").write_text("X = 1\n")
    (d / "_helpers.py").write_text("raise RuntimeError('private modules are not workload modules')\n")
    (d / "notes.txt").write_text("not python")
    return d


def test_discover_collects_workloads_and_reports_bad_modules(tmp_path: Path) -> None:
    found, errors = bench.discover(_write_modules(tmp_path), package="mk_bench_test_pkg")
    assert [(m, w.name) for m, w in found] == [("good", "alpha png"), ("good", "beta")]
    assert errors["broken"] == "RuntimeError: half written"
    assert errors["empty"] == "defines no WORKLOADS list"
    assert "_helpers" not in errors


def test_select_by_name_or_module_substring(tmp_path: Path) -> None:
    found, _ = bench.discover(_write_modules(tmp_path), package="mk_bench_test_pkg2")
    assert [w.name for _, w in bench.select(found, ["PNG"])] == ["alpha png"]
    assert [w.name for _, w in bench.select(found, ["good"])] == ["alpha png", "beta"]
    assert [w.name for _, w in bench.select(found, ["beta", "alpha"])] == ["alpha png", "beta"]
    assert bench.select(found, ["nothing"]) == []
    assert len(bench.select(found, None)) == 2


def test_repository_workload_modules_load_without_the_incumbents() -> None:
    # Every module under benchmarks/workloads must import in the project environment (wandb and
    # tensorboardX are imported only inside contenders) and its targets must name contenders.
    found, errors = bench.discover()
    assert errors == {}
    assert any(m == "core" for m, _ in found)
    names = [w.name for _, w in found]
    assert len(names) == len(set(names)), "workload names must be unique"
    for _, w in found:
        for t in w.targets:
            assert t.contender in w.contenders, (w.name, t)
            assert t.max_seconds is not None or t.versus in w.contenders, (w.name, t)


# --------------------------------------------------------------------------------------------
# Tables, Markdown and the BENCHMARKS.md section


def test_rows_show_ratios_against_every_target_reference() -> None:
    w = Workload(
        "w",
        "d",
        setup=lambda: None,
        contenders={"mk": lambda d: None, "wandb": lambda d: None, "np": lambda d: None, "gone": lambda d: None},
        targets=[Target("mk", "wandb", 3), Target("mk", "np", 1.5), Target("mk", "wandb", 3, max_bytes_ratio=2)],
        items=10,
        unit="images",
    )
    results = [
        Result("w", "mk", 0.5, 1_500_000, input_bytes=50_000_000),
        Result("w", "wandb", 2.0, 2_000, input_bytes=50_000_000),
        Result("w", "np", 1.0, None, input_bytes=50_000_000),
        Result("w", "gone", None, None, error="skipped: no tensorboardX"),
    ]
    results[0].times = [0.45, 0.5, 0.6]
    header, body = bench.rows(w, results)
    assert header == ["contender", "median", "spread", "per item", "throughput", "output", "vs wandb", "vs np", "CPU/wall"]
    mk_row = body[0]
    assert mk_row[:6] == ["mk", "500.0 ms", "±15%", "50.0 ms", "20.0 images/s, 100 MB/s", "1.50 MB"]
    assert mk_row[6:8] == ["4.00x", "2.00x"]
    assert body[1][6] == "1.00x" and body[1][5] == "2000 B" and body[1][2] == "-"
    assert body[3][1] == "skipped: no tensorboardX"
    # without targets, ratios are against the first contender
    plain = Workload("p", "d", setup=lambda: None, contenders={"x": lambda d: None, "y": lambda d: None})
    assert bench.references(plain) == ["x"]


def test_replace_section_keeps_prose_and_is_idempotent() -> None:
    text = f"# Benchmarks\n\nProse before.\n\n{bench.START}\nold figures\n{bench.END}\n\nProse after.\n"
    once = bench.replace_section(text, "new figures\n")
    assert once == f"# Benchmarks\n\nProse before.\n\n{bench.START}\nnew figures\n{bench.END}\n\nProse after.\n"
    assert bench.replace_section(once, "new figures") == once


def test_markers_mentioned_in_prose_are_not_the_section() -> None:
    prose = f"The run rewrites what is between `{bench.START}` and `{bench.END}`.\n\n"
    text = f"{prose}{bench.START}\nold\n{bench.END}\n"
    assert bench.replace_section(text, "new") == f"{prose}{bench.START}\nnew\n{bench.END}\n"


def test_replace_section_appends_markers_when_missing() -> None:
    out = bench.replace_section("# Benchmarks\n\nSome prose.\n", "figures")
    assert out.startswith("# Benchmarks\n\nSome prose.\n\n## Results\n\n")
    assert out.endswith(f"{bench.START}\nfigures\n{bench.END}\n")
    assert bench.replace_section(out, "figures") == out


@pytest.mark.parametrize(
    "text",
    [
        f"a\n{bench.START}\nb\n",
        f"a\n{bench.END}\nb\n",
        f"{bench.END}\nx\n{bench.START}\n",
        f"{bench.START}\n{bench.END}\n{bench.START}\n{bench.END}\n",
    ],
)
def test_replace_section_refuses_unpaired_markers(text: str) -> None:
    with pytest.raises(ValueError, match="unpaired or repeated results markers"):
        bench.replace_section(text, "figures")


def _fake_discover(calls: list[str]) -> tuple[list[tuple[str, Workload]], dict[str, str]]:
    def fast(d: object) -> int:
        calls.append("fast")
        return 10

    def slow(d: object) -> int:
        calls.append("slow")
        return 20

    w1 = Workload(
        "fake png",
        "two fake contenders",
        setup=lambda: None,
        contenders={"fast": fast, "slow": slow},
        targets=[Target("fast", "slow", 1e-9)],
        repeat=1,
    )
    w2 = Workload("fake other", "never selected", setup=lambda: None, contenders={"slow": slow}, repeat=1)
    return [("fake", w1), ("fake", w2)], {"halfdone": "SyntaxError: invalid syntax"}


def test_main_writes_json_and_rewrites_only_the_marked_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(bench, "discover", lambda: _fake_discover(calls))
    monkeypatch.setattr(bench, "configure_incumbents", lambda tmp: {})
    md = tmp_path / "BENCHMARKS.md"
    md.write_text(f"# Benchmarks\n\nHow to run.\n\n{bench.START}\nstale\n{bench.END}\n\nNotes.\n")
    out_json = tmp_path / "out" / "results.json"

    assert bench.main(["--json", str(out_json), "--md", str(md), "--repeat", "2", "--quiet-wait", "0"]) == 0
    report = json.loads(out_json.read_text())
    assert [wl["name"] for wl in report["workloads"]] == ["fake png", "fake other"]
    first = report["workloads"][0]
    assert first["repeat"] == 2 and len(first["results"][0]["times"]) == 2
    assert set(first["other_cpu"]) == {"before", "during"}
    assert first["verdicts"][0]["target"] == "fast vs slow"
    assert first["verdicts"][0]["met"] in (True, False)  # timing itself is not asserted
    assert report["import_errors"] == {"halfdone": "SyntaxError: invalid syntax"}
    text = md.read_text()
    assert text.startswith("# Benchmarks\n\nHow to run.\n\n") and text.endswith("\n\nNotes.\n")
    assert "stale" not in text and "### fake png" in text and "| fast |" in text
    assert "halfdone" in text
    console = capsys.readouterr().out
    assert "== fake png" in console and "fast vs slow" in console

    # a partial run leaves BENCHMARKS.md alone unless asked
    md.write_text(text)
    assert bench.main(["--only", "other", "--json", str(out_json), "--md", str(md), "--quiet-wait", "0"]) == 0
    assert md.read_text() == text
    merged = json.loads(out_json.read_text())
    # the partial run replaced its workload in the results file and kept the other one
    assert [wl["name"] for wl in merged["workloads"]] == ["fake png", "fake other"]
    assert merged["workloads"][0] == report["workloads"][0]
    assert merged["workloads"][1]["repeat"] == 1 and merged["updated"]
    assert "not updated after a partial run" in capsys.readouterr().out

    # the section can be regenerated from a results file without running anything
    full = tmp_path / "full.json"
    full.write_text(json.dumps(report))
    md.write_text(f"# Benchmarks\n\n{bench.START}\nstale\n{bench.END}\n")
    calls.clear()
    assert bench.main(["--render-only", "--json", str(full), "--md", str(md)]) == 0
    assert calls == [] and "### fake png" in md.read_text() and "stale" not in md.read_text()

    assert bench.main(["--only", "nothing-matches", "--json", str(out_json), "--md", str(md)]) == 2
    assert bench.main(["--list"]) == 0
    assert "fake other" in capsys.readouterr().out


def test_configure_incumbents_points_wandb_offline_into_the_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (
        "WANDB_MODE",
        "WANDB_SILENT",
        "WANDB_DIR",
        "WANDB_CACHE_DIR",
        "WANDB_CONFIG_DIR",
        "WANDB_DATA_DIR",
        "WANDB_ARTIFACT_DIR",
        "WANDB_CONSOLE",
        "WANDB_DISABLE_GIT",
        "WANDB_DISABLE_CODE",
    ):
        monkeypatch.setenv(key, "placeholder")  # so monkeypatch restores the original afterwards
    env = bench.configure_incumbents(tmp_path)
    assert env["WANDB_MODE"] == "offline" and env["WANDB_SILENT"] == "true"
    for key in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR", "WANDB_ARTIFACT_DIR"):
        assert env[key].startswith(str(tmp_path))


def test_merge_reports_replaces_in_place_and_appends() -> None:
    old = {
        "started": "t0",
        "machine": "m0",
        "import_errors": {"x": "e"},
        "workloads": [{"name": "a", "v": 0}, {"name": "b", "v": 0}],
    }
    new = {"started": "t1", "machine": "m1", "import_errors": {}, "workloads": [{"name": "c", "v": 1}, {"name": "a", "v": 1}]}
    merged = bench.merge_reports(old, new)
    assert merged["workloads"] == [{"name": "a", "v": 1}, {"name": "b", "v": 0}, {"name": "c", "v": 1}]
    assert (merged["started"], merged["updated"], merged["machine"], merged["import_errors"]) == ("t0", "t1", "m1", {})


def test_load_notes_and_other_load_measurement() -> None:
    assert bench.load_note(None) == "load of other processes not measured"
    assert "0.10 of" in bench.load_note(0.1) and "busy machine" not in bench.load_note(0.1)
    assert "busy machine" in bench.load_note(1.2)
    with bench.OtherLoad() as load:
        pass
    assert load.cores is None or load.cores >= 0
