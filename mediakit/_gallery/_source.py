"""What a gallery is built from: a run folder (``history.jsonl``, ``summary.json``,
``config.json``, ``media/``) or descriptor files (``*.json``, alone or in folders), read as
entries ``(key, step, value, root)``. Nothing here follows a path a descriptor names: media
paths are checked by :func:`mediakit.validate` before any file is read (see ``_items``)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import MediaFileNotFoundError, MediaTypeError, ValidationError, shown

#: The largest history.jsonl / descriptor file read (a line or a file above this is an error panel).
MAX_JSON_BYTES = 256 << 20


@dataclass
class Entry:
    key: str
    step: int
    value: Any  # a descriptor dict, a number, a string ... or _Bad
    root: Path  # the folder holding media/ for this value


@dataclass
class Bad:
    """A value that could not even be read as JSON (shown as an error panel)."""

    message: str


@dataclass
class Source:
    title: str
    entries: list[Entry] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # run-level notes shown at the top


def read(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> Source:
    """Read a run folder, a descriptor file, a folder of descriptor files, or a list of these."""
    if isinstance(source, (str, os.PathLike)):
        paths = [Path(source)]
    else:
        try:
            paths = [Path(p) for p in source]
        except TypeError:
            msg = f"source: expected a run folder, a descriptor file or a list of them, got {type(source).__name__}"
            raise MediaTypeError(msg) from None
        if not paths:
            msg = "source: the list is empty; pass a run folder or descriptor files"
            raise ValidationError(msg)
    out = Source(title=paths[0].resolve().name if len(paths) == 1 else f"{len(paths)} sources")
    for p in paths:
        if not p.exists():
            msg = f"source: {str(p)!r} does not exist; pass a run folder (with history.jsonl) or descriptor .json files"
            raise MediaFileNotFoundError(msg)
        if p.is_dir() and (p / "history.jsonl").is_file():
            _read_run(p, out)
        elif p.is_dir():
            files = sorted(f for f in p.rglob("*.json") if "media" not in f.relative_to(p).parts[:1])
            if not files:
                msg = f"source: {str(p)!r} has neither history.jsonl nor descriptor .json files"
                raise ValidationError(msg)
            for f in files:
                _read_descriptor_file(f, p, out)
        else:
            _read_descriptor_file(p, p.parent, out)
    return out


def _load_json(path: Path) -> Any:
    if path.stat().st_size > MAX_JSON_BYTES:
        msg = f"{path.name}: larger than {MAX_JSON_BYTES >> 20} MiB"
        raise ValidationError(msg)
    return json.loads(path.read_text(encoding="utf-8"))


def _read_run(run: Path, out: Source) -> None:
    for name, attr in (("summary.json", "summary"), ("config.json", "config")):
        f = run / name
        if f.is_file():
            try:
                value = _load_json(f)
            except (ValueError, OSError) as e:
                out.problems.append(f"{name}: could not be read ({e})")
                continue
            if isinstance(value, dict):
                getattr(out, attr).update(value)
            else:
                out.problems.append(f"{name}: expected a JSON object, got {type(value).__name__}")
    with open(run / "history.jsonl", "rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if len(line) > MAX_JSON_BYTES:
                out.problems.append(f"history.jsonl line {n}: larger than {MAX_JSON_BYTES >> 20} MiB, skipped")
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                out.problems.append(f"history.jsonl line {n}: not JSON ({e}), skipped")
                continue
            if not isinstance(row, dict):
                out.problems.append(f"history.jsonl line {n}: expected a JSON object, skipped")
                continue
            step = row.get("_step", n - 1)
            if isinstance(step, bool) or not isinstance(step, int):
                out.problems.append(f"history.jsonl line {n}: _step is {shown(step)}, not an int; line number used")
                step = n - 1
            for k, v in row.items():
                if k != "_step":
                    out.entries.append(Entry(str(k), step, v, run))


def _media_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``media/`` (descriptors name media/...)."""
    for d in (start, *start.parents):
        if (d / "media").is_dir():
            return d
    return start


def _read_descriptor_file(f: Path, base: Path, out: Source) -> None:
    key = f.relative_to(base).with_suffix("").as_posix() if f.is_relative_to(base) and f != base else f.stem
    root = _media_root(f.parent.resolve())
    try:
        value: Any = _load_json(f)
    except (ValueError, OSError) as e:
        value = Bad(f"{f.name}: not a JSON descriptor ({e})")
    out.entries.append(Entry(key, 0, value, root))
