"""Run mediakit's benchmark suite: every workload in ``benchmarks/workloads/*.py``.

Usage (from the repository root, in the benchmark environment made by ``make bench``)::

    .venv-bench/bin/python benchmarks/run.py                 # everything; updates BENCHMARKS.md
    .venv-bench/bin/python benchmarks/run.py --list          # what would run
    .venv-bench/bin/python benchmarks/run.py --only png --repeat 5
    .venv-bench/bin/python benchmarks/run.py --json /tmp/r.json --no-md

Each workload prints a table (contender, best time, throughput, output bytes, speed ratio
against every contender a target compares with) and its target verdicts (MET / MISSED / not
measured), all from this one run. Results go to ``benchmarks/out/results.json``; a full run
(no ``--only``) also rewrites the figures section of ``BENCHMARKS.md`` between the
``<!-- results:start -->`` and ``<!-- results:end -->`` markers, leaving the prose alone.

The incumbents run offline and quiet: ``WANDB_MODE=offline``, ``WANDB_SILENT=true``, and every
wandb directory (run files, cache, config, artifacts) in a temporary directory that is removed
at the end, so nothing is uploaded and nothing is left in the home directory.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import importlib.util
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # ``python benchmarks/run.py`` puts benchmarks/ first on sys.path; workload modules import
    # ``benchmarks.harness``, which needs the repository root.
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Result, Workload, check_targets, effective_repeat, run_workload  # noqa: E402

WORKLOADS_DIR = ROOT / "benchmarks" / "workloads"
DEFAULT_JSON = ROOT / "benchmarks" / "out" / "results.json"
DEFAULT_MD = ROOT / "BENCHMARKS.md"
START = "<!-- results:start -->"
END = "<!-- results:end -->"
#: Distributions whose versions are recorded with the results.
VERSIONS = ("mediakit", "numpy", "pillow", "wandb", "tensorboardX", "protobuf")


# --------------------------------------------------------------------------------------------
# Environment for the incumbents


def configure_incumbents(tmp: str | os.PathLike[str]) -> dict[str, str]:
    """Point wandb (offline, silent, no console capture, no git/code saving) and its cache,
    config, data and artifact folders into ``tmp``. Returns the variables set."""
    tmp = str(tmp)
    env = {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_CONSOLE": "off",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DISABLE_CODE": "true",
        "WANDB_DIR": tmp,
        "WANDB_CACHE_DIR": os.path.join(tmp, "cache"),
        "WANDB_CONFIG_DIR": os.path.join(tmp, "config"),
        "WANDB_DATA_DIR": os.path.join(tmp, "data"),
        "WANDB_ARTIFACT_DIR": os.path.join(tmp, "artifacts"),
    }
    os.environ.update(env)
    return env


# --------------------------------------------------------------------------------------------
# Discovery


def discover(
    directory: Path = WORKLOADS_DIR, package: str = "benchmarks.workloads"
) -> tuple[list[tuple[str, Workload]], dict[str, str]]:
    """Import every ``*.py`` module in ``directory`` (not ``_private`` ones) and collect its
    ``WORKLOADS``. Returns ``[(module_name, workload), ...]`` in file-name order, and
    ``{module_name: error}`` for modules that failed to import or define no ``WORKLOADS``."""
    found: list[tuple[str, Workload]] = []
    errors: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = path.stem
        try:
            mod = _import(path, f"{package}.{name}")
        except Exception as e:  # one broken module must not stop the suite
            errors[name] = f"{type(e).__name__}: {e}"
            continue
        workloads = getattr(mod, "WORKLOADS", None)
        if not isinstance(workloads, (list, tuple)):
            errors[name] = "defines no WORKLOADS list"
            continue
        for w in workloads:
            if not isinstance(w, Workload):
                errors[name] = f"WORKLOADS holds a {type(w).__name__}, expected harness.Workload"
                continue
            found.append((name, w))
    return found, errors


def _import(path: Path, qualname: str) -> ModuleType:
    try:
        return importlib.import_module(qualname)
    except ModuleNotFoundError as e:
        if e.name is None or not qualname.startswith(e.name):
            raise
    # Not importable as a package member (e.g. a directory outside the repository, in tests).
    spec = importlib.util.spec_from_file_location(qualname, path)
    if spec is None or spec.loader is None:
        msg = f"cannot load {path}"
        raise ImportError(msg)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[qualname] = mod
    spec.loader.exec_module(mod)
    return mod


def select(found: list[tuple[str, Workload]], only: list[str] | None) -> list[tuple[str, Workload]]:
    """Workloads whose name or module name contains any of ``only`` (case-insensitive)."""
    if not only:
        return list(found)
    keys = [s.lower() for s in only]
    return [(m, w) for m, w in found if any(k in w.name.lower() or k in m.lower() for k in keys)]


# --------------------------------------------------------------------------------------------
# Figures


def references(w: Workload) -> list[str]:
    """Contenders the ratio columns compare against: every target's ``versus`` (in order), or
    the first contender when the workload has no targets."""
    refs: list[str] = []
    for t in w.targets:
        if t.max_seconds is None and t.versus not in refs:
            refs.append(t.versus)
    if not refs and w.contenders:
        refs.append(next(iter(w.contenders)))
    return refs


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    if n < 10_000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1e3:.1f} kB"
    return f"{n / 1e6:.2f} MB"


def fmt_throughput(w: Workload | dict[str, Any], r: Result) -> str:
    if not r.seconds:
        return "-"
    items, unit = (w.get("items"), w.get("unit", "items")) if isinstance(w, dict) else (w.items, w.unit)
    parts = []
    if items:
        parts.append(f"{_si(items / r.seconds)} {unit}/s")
    if r.input_bytes:
        parts.append(f"{r.input_bytes / r.seconds / 1e6:,.0f} MB/s")
    return ", ".join(parts) or "-"


def _si(x: float) -> str:
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= factor * 10:
            return f"{x / factor:.0f} {prefix}"
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def ratio_text(results: list[Result], r: Result, ref: str) -> str:
    base = next((x for x in results if x.contender == ref), None)
    if r.contender == ref:
        return "1.00x" if r.seconds else "-"
    if base is None or not base.seconds or not r.seconds:
        return "-"
    return f"{base.seconds / r.seconds:.2f}x"


def rows(w: Workload | dict[str, Any], results: list[Result]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a workload's table (shared by the console and Markdown output). ``w``
    is the workload, or its entry in a results report (which records what the table needs)."""
    refs = w["references"] if isinstance(w, dict) else references(w)
    items = w.get("items") if isinstance(w, dict) else w.items
    header = ["contender", "median", "spread", "per item", "throughput", "output", *[f"vs {ref}" for ref in refs], "CPU/wall"]
    body = []
    for r in results:
        if r.seconds is None:
            note = r.error or "not run"
            body.append([r.contender, note, "", "", "", "", *["" for _ in refs], ""])
            continue
        # CPU/wall: ~1 on one core, ~2 on two; child processes are not counted, so below 0.05
        # the work happened elsewhere (a subprocess) and the figure means nothing.
        util = r.cpu_seconds / r.seconds if r.cpu_seconds is not None and r.seconds else None
        cpu = f"{util:.2f}" if util is not None and util >= 0.05 else "-"
        body.append(
            [
                r.contender,
                fmt_seconds(r.seconds),
                f"±{r.spread / 2:.0%}" if r.spread is not None and len(r.times) > 1 else "-",
                fmt_seconds(r.seconds / items) if items else "-",
                fmt_throughput(w, r),
                fmt_bytes(r.bytes_out),
                *[ratio_text(results, r, ref) for ref in refs],
                cpu,
            ]
        )
    return header, body


def verdict_word(ok: bool | None) -> str:
    return "MET" if ok else ("not measured" if ok is None else "MISSED")


def console_table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(header)]
    # An error message in the "median" column may be long: do not let it widen the whole table.
    widths[1] = min(widths[1], 40)
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * wd for wd in widths))
    for row in body:
        if row[1] and not row[2] and len(row[1]) > widths[1]:  # an error row: print it in full
            lines.append(f"{row[0].ljust(widths[0])}  {row[1]}")
        else:
            lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    """The generated results section (without the markers), from a results report alone."""
    m = report["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    out = [
        f"Generated by `benchmarks/run.py` on {report['started']} "
        f"({m['cpu']}, {m['cores']} cores, load average {m['loadavg']} at start; Python {m['python']}; {versions}). "
        "Times are the median of N interleaved runs after one warm-up run, with their spread (± half the range "
        "between the fastest and slowest run, relative to the median); ratios are speed ratios of medians (the "
        "reference's median divided by the row's: above 1 means faster than the reference)."
        + (f" Some workloads were re-measured later, up to {report['updated']}." if report.get("updated") else ""),
        "",
    ]
    if report["import_errors"]:
        out.append(
            "Workload modules that could not be loaded: " + "; ".join(f"`{k}`: {v}" for k, v in report["import_errors"].items())
        )
        out.append("")
    summary = [(wl["name"], v) for wl in report["workloads"] for v in wl["verdicts"]]
    if summary:
        out += ["| workload | target | verdict | measured |", "|---|---|---|---|"]
        out += [
            f"| {_md_cell(n)} | {_md_cell(v['target'])} | **{verdict_word(v['met'])}** | {_md_cell(v['text'])} |"
            for n, v in summary
        ]
        out.append("")
    for wl in report["workloads"]:
        results = [Result(**r) for r in wl["results"]]
        out.append(f"### {wl['name']}")
        out.append("")
        during = (wl.get("other_cpu") or {}).get("during")
        when = f"measured {wl['measured_at']}; " if wl.get("measured_at") else ""
        out.append(f"{wl['description']} ({when}median of {wl['repeat']}; {load_note(during)})")
        out.append("")
        out.append(markdown_table(*rows(wl, results)))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def replace_section(text: str, body: str) -> str:
    """``text`` with everything between the results markers replaced by ``body``; the markers
    (and a heading) are appended when the file has none yet. Text outside the markers is kept."""
    block = f"{START}\n{body.rstrip()}\n{END}"
    # Markers count only on lines of their own, so prose may mention them (in backticks).
    starts = [m.start() for m in re.finditer(rf"^{re.escape(START)}[ \t]*$", text, re.M)]
    ends = [m for m in re.finditer(rf"^{re.escape(END)}[ \t]*$", text, re.M)]
    if len(starts) == 1 and len(ends) == 1 and starts[0] < ends[0].start():
        return text[: starts[0]] + block + text[ends[0].end() :]
    if starts or ends:
        msg = f"BENCHMARKS.md has unpaired or repeated results markers; expected one {START} line, then one {END} line"
        raise ValueError(msg)
    sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    return f"{text}{sep}## Results\n\n{block}\n"


# --------------------------------------------------------------------------------------------
# Running


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _cpu_seconds() -> tuple[float, float] | None:
    """``(busy CPU seconds of the whole machine, CPU seconds of this process and its reaped
    children)`` now; ``None`` where ``/proc/stat`` is missing. Time stolen by the hypervisor counts
    as busy: it is CPU this machine's work could not have."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 9:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[1:9])
    t = os.times()
    return (user + nice + system + irq + softirq + steal) / tick, t.user + t.system + t.children_user + t.children_system


class OtherLoad:
    """Context manager measuring how many cores *other* processes kept busy meanwhile (mean)."""

    def __enter__(self) -> OtherLoad:
        self.cores: float | None = None
        self._t0 = time.perf_counter()
        self._c0 = _cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        c1 = _cpu_seconds()
        wall = time.perf_counter() - self._t0
        if self._c0 is not None and c1 is not None and wall > 0:
            self.cores = round(max(0.0, (c1[0] - self._c0[0]) - (c1[1] - self._c0[1])) / wall, 2)


def wait_quiet(max_wait: float, *, threshold: float = 0.25, window: float = 1.0, echo: Any = print) -> float | None:
    """Wait (up to ``max_wait`` seconds) until other processes use less than ``threshold`` cores
    over a ``window``-second sample; return the last sample (``None`` if unmeasurable)."""
    deadline = time.monotonic() + max_wait
    told = False
    while True:
        with OtherLoad() as sample:
            time.sleep(window)
        if sample.cores is None or sample.cores < threshold or time.monotonic() >= deadline:
            if told:
                echo(f"   ... other processes now use {sample.cores} cores; going ahead")
            return sample.cores
        if not told:
            echo(f"   waiting up to {max_wait:g} s for other processes to go quiet ({sample.cores} cores busy)")
            told = True


def load_note(cores: float | None) -> str:
    """How busy the rest of the machine was during a workload, for the reader of the figures."""
    if cores is None:
        return "load of other processes not measured"
    text = f"other processes used {cores:.2f} of {os.cpu_count()} cores meanwhile"
    if cores >= 0.5:
        text += ": a busy machine, contenders that use several cores are understated"
    return text


def merge_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the workloads that ``new`` measured replaced in place (new ones appended);
    machine details and module errors are the new run's, ``updated`` its start time."""
    fresh = {wl["name"]: wl for wl in new["workloads"]}
    workloads = [fresh.pop(wl.get("name"), wl) for wl in old["workloads"]]
    workloads += list(fresh.values())
    return {
        **old,
        "machine": new["machine"],
        "import_errors": new["import_errors"],
        "updated": new["started"],
        "workloads": workloads,
    }


def update_markdown(path: Path, report: dict[str, Any]) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    path.write_text(replace_section(text, render_markdown(report)))


def machine() -> dict[str, Any]:
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for dist in VERSIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "loadavg": load,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def run(
    selected: list[tuple[str, Workload]],
    *,
    repeat: int | None,
    measure_memory: bool,
    quiet_wait: float = 0.0,
    echo: Any = print,
) -> list[dict[str, Any]]:
    out = []
    for module, w in selected:
        echo(f"\n== {w.name}  [{module}]")
        echo(f"   {w.description}")
        before = wait_quiet(quiet_wait, echo=echo) if quiet_wait > 0 else None
        measured_at = _now()
        with OtherLoad() as during:
            results = run_workload(w, measure_memory=measure_memory, repeat=repeat)
        verdicts = check_targets(w, results)
        echo(console_table(*rows(w, results)))
        echo(f"   {load_note(during.cores)}")
        for label, ok, text in verdicts:
            echo(f"   {verdict_word(ok):>12}  {label}: {text}")
        out.append(
            {
                "module": module,
                "name": w.name,
                "description": w.description,
                "repeat": max(1, repeat if repeat is not None else effective_repeat(w)),
                "measured_at": measured_at,
                "other_cpu": {"before": before, "during": during.cores},
                "items": w.items,
                "unit": w.unit,
                "references": references(w),
                "results": [asdict(r) for r in results],
                "verdicts": [{"target": label, "met": ok, "text": text} for label, ok, text in verdicts],
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--only", action="append", metavar="NAME_SUBSTRING", help="run workloads whose name or module contains this (repeatable)"
    )
    p.add_argument("--repeat", type=int, metavar="N", help="timed runs per contender (default: each workload's own)")
    p.add_argument("--list", action="store_true", help="list workloads and contenders, run nothing")
    p.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, metavar="PATH", help=f"results file (default {DEFAULT_JSON.relative_to(ROOT)})"
    )
    p.add_argument("--md", type=Path, default=DEFAULT_MD, metavar="PATH", help="Markdown file whose results section is rewritten")
    p.add_argument("--no-md", action="store_true", help="do not touch BENCHMARKS.md")
    p.add_argument("--update-md", action="store_true", help="rewrite BENCHMARKS.md even after a partial (--only) run")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc peak-memory runs")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="before each workload, wait up to this long for other processes to leave the CPUs (default 120; 0: never wait)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 if any target is MISSED")
    p.add_argument(
        "--render-only", action="store_true", help="run nothing: rewrite the BENCHMARKS.md section from the --json results file"
    )
    args = p.parse_args(argv)

    if args.render_only:
        report = json.loads(args.json.read_text())
        update_markdown(args.md, report)
        print(f"results section of {args.md} rewritten from {args.json}")
        return 0
    tmp = tempfile.mkdtemp(prefix="mediakit-bench-")
    try:
        configure_incumbents(tmp)
        found, errors = discover()
        for mod, err in errors.items():
            print(f"!! workload module {mod!r} not loaded: {err}", file=sys.stderr)
        selected = select(found, args.only)
        if args.list:
            for mod, w in selected:
                print(f"{mod:14s} {w.name}\n{'':14s}   {w.description}\n{'':14s}   contenders: {', '.join(w.contenders)}")
            return 0
        if not selected:
            print(f"no workload matches {args.only!r}; try --list", file=sys.stderr)
            return 2
        report: dict[str, Any] = {
            "started": _now(),
            "machine": machine(),
            "argv": sys.argv[1:] if argv is None else argv,
            "import_errors": errors,
        }
        print(
            f"mediakit benchmarks: {report['machine']['cpu']}, {report['machine']['cores']} cores, load {report['machine']['loadavg']}"
        )
        report["workloads"] = run(selected, repeat=args.repeat, measure_memory=not args.no_memory, quiet_wait=args.quiet_wait)
        partial = bool(args.only)
        if partial and args.json.exists():
            # A partial run re-measures some workloads: keep the others' earlier results.
            try:
                old = json.loads(args.json.read_text())
            except ValueError:
                old = None
            if isinstance(old, dict) and isinstance(old.get("workloads"), list):
                report = merge_reports(old, report)
                print(f"\n{len(report['workloads']) - len(selected)} earlier workload result(s) kept from {args.json}")

        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"\nresults written to {args.json}")
        if not args.no_md and (not partial or args.update_md):
            update_markdown(args.md, report)
            print(f"results section of {args.md} rewritten")
        elif partial and not args.no_md:
            print(f"{args.md.name} not updated after a partial run (use --update-md to force)")
        missed = any(v["met"] is False for wl in report["workloads"] for v in wl["verdicts"])
        return 1 if args.strict and missed else 0
    except KeyboardInterrupt:
        traceback.print_exc()
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
