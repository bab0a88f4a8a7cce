"""The CLI commands other than ``convert``: encode, thumbnail, validate, info, schema, and what
they share (walking folders, reporting, warnings)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._descriptor import loads, validate
from .._errors import MediakitError, ValidationError, shown
from .._files import write_atomic
from ..formats import kind_of, spec_for_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class WarningSink:
    """Collects warnings raised while a command runs, with the item they belong to (workers set
    theirs with :meth:`item`), and prints each as one line on stderr unless ``quiet`` (--json)."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.records: list[dict[str, str]] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    @contextmanager
    def item(self, name: str) -> Iterator[None]:
        prev = getattr(self._local, "name", None)
        self._local.name = name
        try:
            yield
        finally:
            self._local.name = prev

    def show(self, message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: str | None = None) -> None:
        text = " ".join(str(message).split())
        rec = {"input": getattr(self._local, "name", None) or "", "warning": f"{category.__name__}: {text}"}
        with self._lock:
            self.records.append(rec)
        if not self.quiet:
            where = f"{rec['input']}: " if rec["input"] else ""
            sys.stderr.write(f"{where}warning: {rec['warning']}\n")

    def record(self, name: str, warning: str) -> None:
        """A warning caught in another process (``"Category: message"``), shown like local ones."""
        rec = {"input": name, "warning": warning}
        with self._lock:
            self.records.append(rec)
        if not self.quiet:
            sys.stderr.write(f"{name}: warning: {warning}\n")

    def for_json(self) -> list[dict[str, str]]:
        """The warnings by input name (workers finish in any order), each input's in order."""
        return sorted(self.records, key=lambda r: r["input"])


def _sink(args: argparse.Namespace) -> WarningSink:
    sink = getattr(args, "warnings", None)
    return sink if isinstance(sink, WarningSink) else WarningSink(quiet=args.json)


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


def walk(inputs: Sequence[Path], *, suffixes: set[str] | None = None, exclude: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """(file, its path relative to the input it came from), folders walked in sorted order.

    Hidden files and folders are left out, and so is everything under ``exclude`` (the command's
    own output folder), so a re-run never reads its own output."""
    ex = exclude.resolve() if exclude is not None else None
    for inp in inputs:
        if inp.is_dir():
            if _inside(inp, ex):
                continue
            for root, dirs, files in os.walk(inp):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _inside(Path(root, d), ex))
                for name in sorted(files):
                    f = Path(root, name)
                    if name.startswith(".") or (suffixes and f.suffix.lower() not in suffixes):
                        continue
                    yield f, f.relative_to(inp)
        else:
            yield inp, Path(inp.name)


def report(args: argparse.Namespace, payload: dict[str, Any], lines: list[str], errors: Sequence[str] = ()) -> None:
    """Print the results: ``lines`` on stdout and ``errors`` (FAILED lines) on stderr, or one
    JSON document with the warnings added."""
    if args.json:
        payload = {**payload, "warnings": _sink(args).for_json()}
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
        return
    for line in errors:
        sys.stderr.write(line + "\n")
    for line in lines:
        print(line)


def nothing_to_do(args: argparse.Namespace, message: str, payload: dict[str, Any]) -> int:
    """No inputs at all: say so (stderr, or in the JSON document) and exit 1."""
    if args.json:
        report(args, {**payload, "error": message}, [])
    else:
        sys.stderr.write(f"mediakit {args.command}: {message}\n")
    return EXIT_FAILED


def err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _write_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, data, make_parents=True)


def _names(paths: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in paths)


# -- encode ----------------------------------------------------------------------------------------


def not_media(f: Path) -> str | None:
    """Why ``f`` is not a media file the encoder reads (None when it is one)."""
    if spec_for_path(f) is None:
        return f"not a media file (unknown suffix {f.suffix.lower() or '(none)'!r})"
    try:
        kind = kind_of(f)
    except MediakitError as e:
        return str(e)
    if kind == "descriptor":
        return "a .json file that is not a table file (tables have 'columns' and 'data'); descriptors are checked with 'mediakit validate'"
    return None


def constructor_for(kind: str) -> Any:
    """The named constructor that builds ``kind`` from a file (built-in and plugin kinds)."""
    from .._registry import get_kind

    cls = get_kind(kind)
    if not callable(getattr(cls, "from_path", None)):
        msg = f"input: the {shown(kind)} kind ({cls.__module__}.{cls.__qualname__}) has no from_path constructor, so files cannot be encoded as it"
        raise ValidationError(msg)
    return cls.from_path


# -- thumbnail -------------------------------------------------------------------------------------


# -- validate / info / schema ----------------------------------------------------------------------


def _load_descriptor(f: Path) -> dict[str, Any]:
    raw = f.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        what = f"a {spec.name} file" if (spec := spec_for_path(f)) is not None and spec.name != "json" else "binary data"
        msg = f"{str(f)!r}: not a descriptor (not JSON text but {what}); pass a descriptor .json file"
        raise ValidationError(msg) from None
    try:
        doc = loads(text)
    except MediakitError as e:
        msg = f"{str(f)!r}: not a descriptor ({e}); pass a descriptor .json file"
        raise ValidationError(msg) from None
    return validate(doc)


def cmd_validate(args: argparse.Namespace) -> int:
    good: list[str] = []
    bad: list[tuple[str, Exception]] = []
    found = False
    for f, _rel in walk(args.inputs, suffixes={".json"}):
        found = True
        try:
            _load_descriptor(f)
            good.append(str(f))
        except RecursionError:
            bad.append((str(f), ValidationError(f"{f}: JSON nested too deeply to be a descriptor")))
        except (MediakitError, OSError) as e:
            bad.append((str(f), e))
    if not found:
        return nothing_to_do(args, f"no descriptor (.json) files in {_names(args.inputs)}", {"valid": [], "invalid": []})
    lines = [f"{f}: ok" for f in good] + [f"{len(good)} valid, {len(bad)} invalid"]
    report(args, {"valid": good, "invalid": [{"input": f, "error": err(e)} for f, e in bad]}, lines, [f"{f}: INVALID {err(e)}" for f, e in bad])
    return EXIT_FAILED if bad else EXIT_OK


def probe_file(path: Path, kind: str) -> dict[str, Any]:
    """What ``mediakit info`` shows of a media file: the input's own bytes, digest, format and
    the facts its format's probe reads (nothing is converted or stored)."""
    import hashlib

    from ..formats import Source

    spec = spec_for_path(path)
    assert spec is not None  # kind_of found it
    spec = spec.for_kind(kind)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    facts = spec.probe(Source(path, field="input")) if spec.probe is not None else {}
    return {"kind": kind, "format": spec.name, "media_type": spec.media_type, "bytes": path.stat().st_size, "sha256": h.hexdigest(), **facts}


def cmd_info(args: argparse.Namespace) -> int:
    f: Path = args.input
    try:
        if not f.is_file():
            msg = f"input: {str(f)!r} {'is a folder; pass one file' if f.is_dir() else 'does not exist'}"
            raise FileNotFoundError(msg)
        kind = kind_of(f)
        if kind == "descriptor":
            info = {"file": str(f), "descriptor": True, **_load_descriptor(f)}
        else:
            info = {"file": str(f), "descriptor": False, **probe_file(f, kind)}
    except (MediakitError, OSError) as e:
        report(args, {"ok": False, "error": err(e)}, [], [f"{f}: FAILED {err(e)}"])
        return EXIT_FAILED
    lines = [f"{f}"] + [f"  {k}: {json.dumps(v, default=str)[:200]}" for k, v in info.items() if k != "file"]
    report(args, info, lines)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print one type's schema bundled into a self-contained document (no ``$ref`` to other
    files), or list the types (plugin kinds included)."""
    from .._registry import load_entry_points
    from .._schema import schema, schema_names

    if args.kind is None:
        load_entry_points()
        print("\n".join(schema_names()))
        return EXIT_OK
    try:
        doc = schema(args.kind, bundled=True)
    except MediakitError as e:
        sys.stderr.write(f"mediakit: error: {e}\n")
        return EXIT_USAGE
    print(json.dumps(doc, indent=2))
    return EXIT_OK
