"""``mediakit encode`` and ``mediakit thumbnail`` at scale: folder walks and descriptor lists are
streamed (never listed whole), at most a window of items is in flight (:func:`mediakit.batch.stream`),
results are printed as they finish (``--jsonl``: one JSON line each, then a summary line), a re-run
skips finished work, and the work runs on threads, worker processes or a Dask cluster.

Memory stays flat whatever the number of items, except with ``--json`` (one JSON document, which
must hold every result: use ``--jsonl`` for big runs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._descriptor import dumps, loads
from .._errors import MediakitError, ValidationError
from ..batch import stamp_name, thumb_stamp
from ..formats import kind_of
from ._commands import EXIT_FAILED, EXIT_OK, _inside, _names, _sink, constructor_for, err, not_media, nothing_to_do, walk
from ._progress import Progress


def _is_url(text: str) -> bool:
    return "://" in text and not text.startswith(("file://", "local://"))


def _executor(args: argparse.Namespace) -> str:
    scheduler = getattr(args, "scheduler", None)
    if scheduler:
        return str(scheduler)
    return "processes" if getattr(args, "processes", False) else "threads"


def _captures(args: argparse.Namespace) -> bool:
    """Work in other processes cannot reach the CLI's warning sink: it records its own."""
    return _executor(args) != "threads"


def _count_in_background(inputs: list[Path], suffixes: set[str] | None, exclude: Path | None, bar: Progress) -> None:
    """Count the files of a walk in a daemon thread (names are not kept), so the progress bar can
    show a total and an ETA once counting is done, without holding a listing."""

    def run() -> None:
        n = sum(1 for _ in walk(inputs, suffixes=suffixes, exclude=exclude))
        bar.set_total(n)

    if bar.enabled:
        threading.Thread(target=run, name="mediakit-count", daemon=True).start()


def _with_item(sink: Any, job: Any) -> Any:
    """In-process (threads): warnings reach the CLI's sink, attributed to the item's input."""

    def run(item: tuple[str, ...]) -> Any:
        with sink.item(item[0]):
            return job(item)

    return run


class _StoreCache:
    """The stores a job has opened, by location: opened once per job and process, not once per
    item. Never pickled (a worker opens its own)."""

    def __init__(self) -> None:
        self.stores: dict[str, Any] = {}

    def get(self, url: str) -> Any:
        store = self.stores.get(url)
        if store is None:
            from ..store import open_store

            if len(self.stores) >= 64:  # descriptors from many store folders: memory stays bounded
                self.stores.clear()
            store = self.stores.setdefault(url, open_store(url))
        return store

    def __reduce__(self) -> tuple[type[_StoreCache], tuple[()]]:
        return (_StoreCache, ())


# -- encode ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncodeFileJob:
    """Encode one file into the store at ``store_url`` and write its descriptor under ``name``
    (picklable: a worker re-opens the store from its URL)."""

    store_url: str
    max_rows: int | None
    capture: bool
    _stores: _StoreCache = field(default_factory=_StoreCache, init=False, compare=False, repr=False)

    def __call__(self, item: tuple[str, str, str]) -> tuple[dict[str, Any], list[str]]:
        path, name, kind = item
        store = self._stores.get(self.store_url)
        caught: list[str] = []
        if self.capture:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                desc = self._encode(path, kind, store)
            caught = [f"{w.category.__name__}: {' '.join(str(w.message).split())}" for w in rec]
        else:
            desc = self._encode(path, kind, store)
        store.write(name, dumps(desc) + b"\n")
        return desc, caught

    def _encode(self, path: str, kind: str, store: Any) -> dict[str, Any]:
        kwargs = {"max_rows": self.max_rows} if kind == "table" else {}
        desc: dict[str, Any] = constructor_for(kind)(Path(path), **kwargs).encode(store)
        return desc


def cmd_encode(args: argparse.Namespace) -> int:
    from ..batch import stream
    from ..store import open_store

    sink = _sink(args)
    out_text = str(args.out)
    local_out = None if _is_url(out_text) else Path(out_text.split("://", 1)[-1])
    try:
        store = open_store(out_text)
    except MediakitError as e:
        return nothing_to_do(args, f"--out: {e}", {"encoded": [], "skipped": [], "failed": []})
    store_url = str(local_out.resolve()) if local_out is not None else out_text
    excluded = local_out.resolve() if local_out is not None else None
    skipped: list[tuple[Path, str]] = []
    failed: list[tuple[Path, BaseException]] = []  # found while walking: reported at the end
    n_failed_items = 0  # failed while encoding: reported as they happen
    taken: set[str] = set()
    seen = {"inputs": 0}

    def items() -> Iterator[tuple[str, str, str]]:
        for f, rel in walk(args.inputs, exclude=excluded):
            seen["inputs"] += 1
            if not f.exists():
                failed.append((f, FileNotFoundError(f"{str(f)!r} does not exist")))
                continue
            if _inside(f, excluded):
                skipped.append((f, f"inside the output folder {out_text!r}"))
                continue
            why = not_media(f)
            if why is not None:
                if args.strict:
                    failed.append((f, ValidationError(f"{str(f)!r}: {why} (--strict)")))
                else:
                    skipped.append((f, why))
                continue
            name = f"descriptors/{rel.as_posix()}.json"
            if name in taken:
                # Two inputs would write the same descriptor: refuse the second, never overwrite.
                msg = f"{str(f)!r}: its descriptor would overwrite another input's ({name}); encode them into different --out folders"
                failed.append((f, ValidationError(msg)))
                continue
            taken.add(name)
            yield str(f), name, kind_of(f)

    def up_to_date(item: tuple[str, str, str]) -> bool:
        """Resume: a file whose descriptor exists (and, in a local store, is newer than the file)
        was encoded by an earlier run."""
        if not args.resume:
            return False
        path, name, _kind = item
        if local_out is not None:
            d = local_out / name
            try:
                return d.stat().st_mtime >= os.stat(path).st_mtime
            except OSError:
                return False
        return bool(store.exists(name))

    bar = Progress(None, "encode", enabled=args.progress)
    _count_in_background(list(args.inputs), None, excluded, bar)
    job = EncodeFileJob(store_url, args.max_rows, _captures(args))
    fn = job if _captures(args) else _with_item(sink, job)
    jsonl = _JsonLines(sys.stdout) if args.jsonl else None
    encoded: list[tuple[str, dict[str, Any]]] = []
    json_doc: list[dict[str, str]] | None = [] if args.json else None
    n_ok = n_resumed = 0
    for out in stream(fn, items(), executor=_executor(args), workers=args.workers, ordered=True, key=lambda it: it[0], skip=up_to_date):
        path = str(out.key)
        bar.update(failed=out.error is not None)
        if out.skipped:
            n_resumed += 1
            if jsonl:
                jsonl.write({"input": path, "status": "up to date"})
            elif not args.json:
                print(f"{path}: up to date")
            continue
        if out.error is not None:
            n_failed_items += 1
            if json_doc is not None:
                json_doc.append({"input": path, "error": err(out.error)})
            if jsonl:
                jsonl.write({"input": path, "status": "failed", "error": err(out.error)})
            elif not args.json:
                sys.stderr.write(f"{path}: FAILED {err(out.error)}\n")
            continue
        desc, caught = out.value
        for w in caught:
            sink.record(path, w)
        n_ok += 1
        if jsonl:
            jsonl.write({"input": path, "status": "encoded", "descriptor": desc, "warnings": caught})
        elif args.json:
            encoded.append((path, desc))
        else:
            print(f"{path}: {desc['_type']} -> {desc.get('path', '(inline)')}")
    bar.close()
    if seen["inputs"] == 0 or (n_ok == 0 and n_resumed == 0 and n_failed_items == 0 and not failed):
        why = f"no media files to encode in {_names(args.inputs)}"
        if skipped:
            why += f" ({len(skipped)} file(s) skipped: {'; '.join(f'{f}: {r}' for f, r in skipped[:5])}{' ...' if len(skipped) > 5 else ''})"
        return nothing_to_do(args, why, {"encoded": [], "skipped": [{"input": str(f), "reason": r} for f, r in skipped], "failed": []})
    n_failed = n_failed_items + len(failed)
    counts = {"encoded": n_ok, "up_to_date": n_resumed, "skipped": len(skipped), "failed": n_failed}
    if jsonl:
        for f, why in skipped:
            jsonl.write({"input": str(f), "status": "skipped", "reason": why})
        for f, exc in failed:
            jsonl.write({"input": str(f), "status": "failed", "error": err(exc)})
        jsonl.write({"summary": {**counts, "store": out_text}})
    elif json_doc is not None:
        payload = {
            "encoded": [{"input": p, "descriptor": d} for p, d in encoded],
            "up_to_date": n_resumed,
            "skipped": [{"input": str(f), "reason": why} for f, why in skipped],
            "failed": json_doc + [{"input": str(f), "error": err(exc)} for f, exc in failed],
            "warnings": sink.for_json(),
        }
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    else:
        for f, exc in failed:
            sys.stderr.write(f"{f}: FAILED {err(exc)}\n")
        for f, why in skipped:
            print(f"{f}: skipped, {why}")
        resumed = f", {n_resumed} up to date" if n_resumed else ""
        print(f"encoded {n_ok} file(s), {len(skipped)} skipped, {n_failed} failed{resumed}; store: {out_text}")
    return EXIT_FAILED if n_failed else EXIT_OK


class _JsonLines:
    """One JSON line per record on ``file`` (flushed as it goes)."""

    def __init__(self, file: Any) -> None:
        self.file = file

    def write(self, record: dict[str, Any]) -> None:
        self.file.write(json.dumps(record, sort_keys=True, separators=(",", ":"), default=str) + "\n")
        self.file.flush()


# -- thumbnail -----------------------------------------------------------------------------------------


def _store_root_for(desc_path: Path) -> Path:
    parent = desc_path.resolve().parent
    for p in (parent, *parent.parents):
        if p.name == "descriptors":
            return p.parent
    return parent


def stamp_path(out: Path, rel: Path) -> Path:
    return out / stamp_name(rel.as_posix())


@dataclass(frozen=True)
class ThumbnailFileJob:
    """Render one descriptor file into a thumbnail file and record its stamp (picklable)."""

    out: str
    size: int
    format: str
    upscale: bool
    store: str | None
    capture: bool
    _stores: _StoreCache = field(default_factory=_StoreCache, init=False, compare=False, repr=False)

    def __call__(self, item: tuple[str, str]) -> tuple[str, list[str]]:
        from .._files import write_atomic
        from ..api import thumbnail

        desc_path, rel = item
        raw = Path(desc_path).read_bytes()
        try:
            desc = loads(raw)
        except (ValueError, RecursionError):
            msg = f"{desc_path}: not a JSON descriptor"
            raise ValidationError(msg) from None
        store = self._stores.get(self.store or str(_store_root_for(Path(desc_path))))
        caught: list[str] = []
        if self.capture:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                image = thumbnail(desc, store, size=self.size, format=self.format, upscale=self.upscale)  # type: ignore[arg-type]
            caught = [f"{w.category.__name__}: {' '.join(str(w.message).split())}" for w in rec]
        else:
            image = thumbnail(desc, store, size=self.size, format=self.format, upscale=self.upscale)  # type: ignore[arg-type]
        out = Path(self.out)
        target = out / rel
        write_atomic(target, image, make_parents=True)
        write_atomic(stamp_path(out, Path(rel)), thumb_stamp(raw, self.size, self.format, self.upscale), make_parents=True)
        return str(target), caught


def cmd_thumbnail(args: argparse.Namespace) -> int:
    from ..batch import stream

    sink = _sink(args)
    out: Path = args.out
    excluded = out.resolve()
    seen = {"inputs": 0}

    def items() -> Iterator[tuple[str, str]]:
        for f, rel in walk(args.inputs, suffixes={".json"}, exclude=excluded):
            seen["inputs"] += 1
            yield str(f), rel.with_suffix(f".{args.format}").as_posix()

    def up_to_date(item: tuple[str, str]) -> bool:
        if args.force:
            return False
        desc_path, rel = item
        try:
            return (out / rel).exists() and stamp_path(out, Path(rel)).read_bytes() == thumb_stamp(Path(desc_path).read_bytes(), args.size, args.format, args.upscale)
        except OSError:
            return False

    bar = Progress(None, "thumbnail", enabled=args.progress)
    _count_in_background(list(args.inputs), {".json"}, excluded, bar)
    job = ThumbnailFileJob(str(out), args.size, args.format, args.upscale, args.store, _captures(args))
    fn = job if _captures(args) else _with_item(sink, job)
    jsonl = _JsonLines(sys.stdout) if args.jsonl else None
    rendered: list[str] = []
    skipped: list[str] = []
    failed: list[dict[str, str]] = []
    n_ok = n_skipped = n_failed = 0
    for res in stream(fn, items(), executor=_executor(args), workers=args.workers, ordered=True, key=lambda it: it[0], skip=up_to_date):
        path = str(res.key)
        bar.update(failed=res.error is not None)
        if res.skipped:
            n_skipped += 1
            target = str(out / _rel_of(path, args))
            if jsonl:
                jsonl.write({"input": path, "status": "up to date", "thumbnail": target})
            elif args.json:
                skipped.append(target)
            continue
        if res.error is not None:
            n_failed += 1
            e = res.error
            if isinstance(e, FileNotFoundError) and not Path(path).exists():
                e = FileNotFoundError(f"{path!r} does not exist")
            if jsonl:
                jsonl.write({"input": path, "status": "failed", "error": err(e)})
            elif args.json:
                failed.append({"input": path, "error": err(e)})
            else:
                sys.stderr.write(f"{path}: FAILED {err(e)}\n")
            continue
        target, caught = res.value
        for w in caught:
            sink.record(path, w)
        n_ok += 1
        if jsonl:
            jsonl.write({"input": path, "status": "rendered", "thumbnail": target, "warnings": caught})
        elif args.json:
            rendered.append(target)
        else:
            print(f"{path} -> {target}")
    bar.close()
    if seen["inputs"] == 0:
        return nothing_to_do(args, f"no descriptor (.json) files in {_names(args.inputs)}", {"rendered": [], "skipped": [], "failed": []})
    if jsonl:
        jsonl.write({"summary": {"rendered": n_ok, "up_to_date": n_skipped, "failed": n_failed}})
    elif args.json:
        payload = {"rendered": rendered, "skipped": skipped, "failed": failed, "warnings": sink.for_json()}
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    else:
        print(f"rendered {n_ok}, skipped {n_skipped} up to date, {n_failed} failed")
    return EXIT_FAILED if n_failed else EXIT_OK


def _rel_of(desc_path: str, args: argparse.Namespace) -> str:
    """The thumbnail name of a descriptor path (as ``walk`` names it)."""
    p = Path(desc_path)
    for inp in args.inputs:
        if inp.is_dir() and _inside(p, inp.resolve()):
            return p.resolve().relative_to(inp.resolve()).with_suffix(f".{args.format}").as_posix()
    return Path(p.name).with_suffix(f".{args.format}").as_posix()


# -- gallery ---------------------------------------------------------------------------------------------


def cmd_gallery(args: argparse.Namespace) -> int:
    from .._gallery import build

    try:
        index = build(args.source[0] if len(args.source) == 1 else args.source, args.output, title=args.title)
    except MediakitError as e:
        if args.json:
            sys.stdout.write(json.dumps({"ok": False, "error": err(e)}) + "\n")
        else:
            sys.stderr.write(f"mediakit gallery: FAILED {err(e)}\n")
        return EXIT_FAILED
    if args.json:
        sys.stdout.write(json.dumps({"ok": True, "index": str(index), "url": index.resolve().as_uri()}) + "\n")
    else:
        print(f"gallery written: open {index.resolve().as_uri()}")
    return EXIT_OK
