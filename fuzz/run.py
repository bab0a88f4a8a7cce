"""Coverage-guided fuzzing of mediakit's readers with atheris (libFuzzer for Python)::

    python fuzz/run.py all --seconds 60        # every target, 60 s each (what `make fuzz-cov` runs)
    python fuzz/run.py images audio --seconds 300
    python fuzz/run.py images --corpus fuzz-corpus   # keep the grown corpus between runs
    python fuzz/run.py images -- -max_len=65536      # after --: libFuzzer flags

The targets are the plain functions of ``fuzz/targets.py``, seeded from ``fixtures/corpus``. Each
target runs in its own process. Coverage comes from atheris's instrumentation of mediakit (every
submodule) and of the pure-Python parsers a target relies on (Pillow's plugins for images and
GIF video, trimesh for meshes); native decoders (libpng, libsndfile, ffmpeg, RDKit) are not
instrumented, their inputs still are fuzzed.

A Python exception other than ``MediakitError`` does not stop the run: the input is written to
``tests/fuzz/regressions/<target>/<sha256>.bin`` (one file per distinct exception type and place;
known ones, already in that folder, are not written again), its traceback printed, and fuzzing
goes on. A native crash, or an input over libFuzzer's ``-timeout`` or ``-rss_limit_mb``, ends that
target's run; its input is saved to the same folder. ``tests/fuzz/test_regressions.py`` replays
every file there. Exit status 1 when the run added a regression file, else 0.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REGRESSIONS = ROOT / "tests" / "fuzz" / "regressions"


def _targets() -> Any:
    sys.path.insert(0, str(HERE))
    import targets  # fuzz/targets.py (fuzz/ is no package: see targets.load_sibling)

    return targets


# -- the child: one target under atheris -----------------------------------------------------------


def _signature(exc: BaseException) -> str:
    """Type and innermost place in mediakit (else anywhere) of an exception: one regression file
    per signature and run."""
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/mediakit/" in f.filename.replace(os.sep, "/")]
    where = (inside or frames or [None])[-1]
    place = f"{Path(where.filename).name}:{where.lineno}" if where is not None else "?"
    return f"{type(exc).__name__}@{place}"


def _save(name: str, data: bytes) -> Path:
    folder = REGRESSIONS / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}.bin"
    if not path.exists():
        path.write_bytes(data)
    return path


#: Pure-Python libraries a target's readers rely on, instrumented with mediakit (instrumenting
#: everything loaded, ``atheris.instrument_all()``, takes minutes; these take seconds).
INSTRUMENT: dict[str, tuple[str, ...]] = {"images": ("PIL",), "video": ("PIL",), "meshes": ("trimesh",)}


def _import_instrumented(name: str) -> None:
    """Import mediakit (every submodule: most are imported lazily, on first use) and the target's
    pure-Python libraries under atheris's instrumentation, so coverage guides the fuzzer."""
    import importlib
    import pkgutil

    import atheris

    extra = INSTRUMENT.get(name, ())
    with atheris.instrument_imports(include=["mediakit", *extra]):
        import mediakit

        for info in pkgutil.walk_packages(mediakit.__path__, "mediakit."):
            if info.name.endswith("__main__"):
                continue
            try:
                importlib.import_module(info.name)
            except Exception as e:  # an optional extra missing: its readers are not fuzzed
                print(f"not instrumented: {info.name}: {e}", file=sys.stderr)
        for lib in extra:
            importlib.import_module(lib)
            if lib == "PIL":
                from PIL import Image

                Image.init()  # every image plugin


def child(name: str, corpus: Path, libfuzzer_args: list[str]) -> None:
    import atheris

    _import_instrumented(name)
    import mediakit as mk

    targets = _targets()
    target = targets.TARGETS[name]
    seen: set[str] = set()

    def run(data: bytes) -> None:
        try:
            target(data)
        except mk.MediakitError:  # the targets catch these; kept for clarity
            pass
        except Exception as e:
            sig = _signature(e)
            if sig not in seen:
                seen.add(sig)
                path = _save(name, data)
                print(f"\nNEW REGRESSION {path.relative_to(ROOT)}: {sig}", file=sys.stderr)
                traceback.print_exception(e, file=sys.stderr)

    # Known, unfixed crashes (already in the regressions folder) are not reported again.
    folder = REGRESSIONS / name
    for f in sorted(folder.glob("*.bin")) if folder.is_dir() else []:
        try:
            target(f.read_bytes())
        except mk.MediakitError:
            pass
        except Exception as e:
            seen.add(_signature(e))
    corpus.mkdir(parents=True, exist_ok=True)
    for blob in targets.target_seeds(name):
        (corpus / f"seed-{hashlib.sha256(blob).hexdigest()[:16]}").write_bytes(blob)
        run(blob)
    atheris.Setup([sys.argv[0], *libfuzzer_args, str(corpus)], run)
    atheris.Fuzz()


# -- the parent: every target in turn ----------------------------------------------------------------


def _run_target(name: str, seconds: int, corpus: Path, extra: list[str], log: Path) -> list[Path]:
    before = set((REGRESSIONS / name).glob("*.bin"))
    with tempfile.TemporaryDirectory(prefix=f"mediakit-fuzz-{name}-") as art:
        flags = [f"-max_total_time={seconds}", "-timeout=30", "-rss_limit_mb=3072", f"-artifact_prefix={art}/",
                 "-print_final_stats=1", *extra]  # fmt: skip
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--corpus", str(corpus), "--", *flags]
        started = time.monotonic()
        with open(log, "w") as out:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False, timeout=seconds + 900)
        took = time.monotonic() - started
        # Native crashes, timeouts, out-of-memory inputs: libFuzzer's artifacts become regressions.
        for f in sorted(Path(art).iterdir()):
            if f.name.startswith(("crash-", "timeout-", "oom-", "leak-")):
                path = _save(name, f.read_bytes())
                print(f"NEW REGRESSION {path.relative_to(ROOT)}: {f.name.split('-')[0]} (see {log})")
    text = log.read_text(errors="replace").splitlines()
    stats = {ln.split(":")[2].split()[0]: ln.split()[-1] for ln in text if ln.startswith("stat::")}
    cov = next((ln.split("cov:")[1].split()[0] for ln in reversed(text) if " cov:" in ln), "?")
    print(f"{name}: {took:.0f} s, exit {proc.returncode}, {stats.get('number_of_executed_units', '?')} inputs, "
          f"coverage {cov} edges, corpus +{stats.get('new_units_added', '?')}; log {log}")  # fmt: skip
    for ln in text:
        if ln.startswith("NEW REGRESSION"):
            print("  " + ln)
    return sorted(set((REGRESSIONS / name).glob("*.bin")) - before)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", default=["all"], help="target names, or 'all' (default)")
    parser.add_argument("--seconds", type=int, default=60, help="time budget per target (libFuzzer -max_total_time)")
    parser.add_argument("--corpus", type=Path, help="folder for the grown corpora (<corpus>/<target>); default: a temporary one")
    parser.add_argument("--logs", type=Path, help="folder for the libFuzzer logs; default: a temporary one")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.corpus, extra)
        return 0
    names = list(_targets().TARGETS)
    chosen = names if args.targets == ["all"] else args.targets
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(names)}, all")
    try:
        import atheris  # noqa: F401
    except ImportError:
        parser.error("atheris is not installed: pip install -e '.[fuzz]' (or run `make fuzz-cov`)")
    tmp = Path(tempfile.mkdtemp(prefix="mediakit-fuzz-"))
    corpora, logs = args.corpus or tmp / "corpus", args.logs or tmp / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    found: list[Path] = []
    try:
        for name in chosen:
            found += _run_target(name, args.seconds, corpora / name, extra, logs / f"{name}.log")
    finally:
        if args.corpus is None:
            shutil.rmtree(tmp / "corpus", ignore_errors=True)
    if found:
        print(f"\n{len(found)} new regression file(s): replay with `.venv/bin/python -m pytest tests/fuzz/test_regressions.py`")
        for p in found:
            print(f"  {p.relative_to(ROOT)}")
        return 1
    print("no new regression files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
