"""The ``mediakit`` command line: encode, convert, thumbnail, validate, info, schema.

A thin front end over the library: every command calls the public API. Exit codes: 0 success,
1 some items failed (each failure is reported, the batch goes on), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .._descriptor import dumps, loads, validate
from .._errors import MediakitError, ValidationError
from .._files import write_atomic
from ..formats import kind_of
from ._progress import Progress

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2, as argparse does, with our prefix
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"mediakit: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mediakit", description="Encode, convert, thumbnail and validate ML media.")
    p.add_argument("--version", action="version", version=f"mediakit {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="machine-readable output (one JSON document on stdout)")
        sp.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="show a progress bar (default: when stderr is a terminal)")

    e = sub.add_parser("encode", help="detect the kind of each file, encode it, write descriptors")
    e.add_argument("inputs", nargs="+", type=Path, help="files or folders (walked recursively)")
    e.add_argument("--out", required=True, type=Path, help="store directory (media/ and descriptors/ go here)")
    e.add_argument("--workers", type=_positive, default=None, help="parallel workers (default: CPU count)")
    e.add_argument("--max-rows", type=int, default=None, metavar="N", help="row limit for table files (default: no limit; tables over 10,000 rows are stored as Parquet)")
    common(e)

    c = sub.add_parser("convert", help="convert one file to another format (by the output's suffix)")
    c.add_argument("input", type=Path)
    c.add_argument("output", type=Path)
    common(c)

    t = sub.add_parser("thumbnail", help="render thumbnails of descriptors")
    t.add_argument("inputs", nargs="+", type=Path, help="descriptor .json files or folders of them")
    t.add_argument("--out", required=True, type=Path, help="folder for the thumbnails")
    t.add_argument("--store", default=None, help="store root or URL (default: the folder above descriptors/, else the descriptor's folder)")
    t.add_argument("--size", type=_thumb_size, default=256, help="long side in pixels, 8 to 4096 (default 256)")
    t.add_argument("--format", choices=("png", "webp"), default="png")
    t.add_argument("--workers", type=_positive, default=None)
    t.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786), or 'local' for an in-process cluster")
    t.add_argument("--force", action="store_true", help="re-render thumbnails that already exist")
    common(t)

    v = sub.add_parser("validate", help="validate descriptors against the JSON Schemas")
    v.add_argument("inputs", nargs="+", type=Path)
    common(v)

    i = sub.add_parser("info", help="describe a media file or a descriptor")
    i.add_argument("input", type=Path)
    common(i)

    s = sub.add_parser("schema", help="print the JSON Schema of a descriptor type, self-contained (or list the types)")
    s.add_argument("kind", nargs="?")
    return p


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        msg = f"expected a positive integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if n < 1:
        msg = f"expected a positive integer, got {n}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _thumb_size(text: str) -> int:
    n = _positive(text)
    if not 8 <= n <= 4096:
        msg = f"expected 8 to 4096 pixels, got {n}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "encode": cmd_encode,
        "convert": cmd_convert,
        "thumbnail": cmd_thumbnail,
        "validate": cmd_validate,
        "info": cmd_info,
        "schema": cmd_schema,
    }[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK


# -- helpers ---------------------------------------------------------------------------------------


def _walk(inputs: Sequence[Path], *, suffixes: set[str] | None = None) -> Iterator[tuple[Path, Path]]:
    """(file, its path relative to the input it came from), folders walked in sorted order."""
    for inp in inputs:
        if inp.is_dir():
            for root, dirs, files in os.walk(inp):
                dirs.sort()
                for name in sorted(files):
                    f = Path(root, name)
                    if name.startswith(".") or (suffixes and f.suffix.lower() not in suffixes):
                        continue
                    yield f, f.relative_to(inp)
        else:
            yield inp, Path(inp.name)


def _report(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    else:
        for line in lines:
            print(line)


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _write_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, data, make_parents=True)


# -- encode ----------------------------------------------------------------------------------------


def cmd_encode(args: argparse.Namespace) -> int:
    from ..batch import run_isolated
    from ..store import LocalStore

    store = LocalStore(args.out)
    items = []
    missing = []
    clashes: list[tuple[Path, Exception]] = []
    taken: dict[Path, Path] = {}
    for f, rel in _walk(args.inputs):
        if not f.exists():
            missing.append(f)
            continue
        if rel in taken:
            # Two inputs would write the same descriptor: refuse the second, never overwrite.
            msg = f"{str(f)!r}: its descriptor would overwrite the one of {str(taken[rel])!r} (descriptors/{rel}.json); encode them into different --out folders"
            clashes.append((f, ValidationError(msg)))
            continue
        taken[rel] = f
        items.append((f, rel))
    bar = Progress(len(items), "encode", enabled=args.progress)

    def job(item: tuple[Path, Path]) -> dict[str, Any]:
        f, rel = item
        kind = kind_of(f)
        if kind == "descriptor":
            msg = f"{str(f)!r}: a .json file is a descriptor, not media; use 'mediakit validate' or 'thumbnail'"
            raise ValidationError(msg)
        # A table file is encoded whole unless --max-rows says otherwise: the user asked for it.
        kwargs = {"max_rows": args.max_rows} if kind == "table" else {}
        obj = constructor_for(kind)(f, **kwargs)
        desc = obj.encode(store)
        _write_atomic(args.out / "descriptors" / rel.with_name(rel.name + ".json"), dumps(desc) + b"\n")
        return desc

    results = run_isolated(job, items, workers=args.workers, on_done=lambda _i, _r, err: bar.update(failed=err is not None))
    bar.close()
    ok = [(f, d) for (f, _rel), d, err in results if err is None]
    bad = [(f, err) for (f, _rel), _d, err in results if err is not None] + [(f, FileNotFoundError(f"{str(f)!r} does not exist")) for f in missing]
    bad += clashes
    lines = [f"{f}: {d['_type']} -> {d.get('path', '(inline)')}" for f, d in ok]
    lines += [f"{f}: FAILED {_err(e)}" for f, e in bad]
    lines.append(f"encoded {len(ok)} file(s), {len(bad)} failed; store: {args.out}")
    payload = {
        "encoded": [{"input": str(f), "descriptor": d} for f, d in ok],
        "failed": [{"input": str(f), "error": _err(e)} for f, e in bad],
    }
    _report(args, payload, lines)
    return EXIT_FAILED if bad else EXIT_OK


# -- convert ---------------------------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> int:
    try:
        if not args.input.exists():
            msg = f"input: {str(args.input)!r} does not exist"
            raise FileNotFoundError(msg)
        convert = converter_for(args.input)
        bar = Progress(None, "convert", enabled=args.progress)
        convert(args.input, args.output, progress=bar.set)
        bar.close()
    except (MediakitError, OSError) as e:
        _report(args, {"ok": False, "error": _err(e)}, [f"{args.input}: FAILED {_err(e)}"])
        return EXIT_FAILED
    _report(args, {"ok": True, "input": str(args.input), "output": str(args.output)}, [f"{args.input} -> {args.output}"])
    return EXIT_OK


# -- thumbnail -------------------------------------------------------------------------------------


def _store_root_for(desc_path: Path) -> Path:
    parent = desc_path.resolve().parent
    for p in (parent, *parent.parents):
        if p.name == "descriptors":
            return p.parent
    return parent


def thumbnail_job(job: tuple[str, str, str, int, str]) -> str:
    """Render one thumbnail (a top-level function so process and Dask executors can pickle it)."""
    from ..api import thumbnail
    from ..store import open_store

    desc_path, store_root, out_path, size, fmt = job
    raw = Path(desc_path).read_bytes()
    png = thumbnail(loads(raw), open_store(store_root), size=size, format=fmt)  # type: ignore[arg-type]
    _write_atomic(Path(out_path), png)
    _write_atomic(_stamp_path(Path(out_path)), _stamp(raw, size, fmt))
    return out_path


def _stamp_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.stamp")


def _stamp(descriptor: bytes, size: int, fmt: str) -> bytes:
    """What a thumbnail was made from: re-runs skip it only when all of this is unchanged."""
    import hashlib

    return f"{hashlib.sha256(descriptor).hexdigest()} {size} {fmt}\n".encode()


def cmd_thumbnail(args: argparse.Namespace) -> int:
    from ..batch import run_isolated

    jobs = []
    skipped = []
    missing = []
    for f, rel in _walk(args.inputs, suffixes={".json"}):
        if not f.exists():
            missing.append(f)
            continue
        out = args.out / rel.with_suffix(f".{args.format}")
        stamp = _stamp_path(out)
        if not args.force and out.exists() and stamp.exists() and stamp.read_bytes() == _stamp(f.read_bytes(), args.size, args.format):
            skipped.append(out)
            continue
        root = args.store or str(_store_root_for(f))
        jobs.append((str(f), root, str(out), args.size, args.format))
    executor = None
    client = None
    if args.scheduler:
        from .._lazy import require

        distributed = require("distributed", extra="cloud", feature="--scheduler (Dask)")
        if args.scheduler == "local":
            client = distributed.Client(distributed.LocalCluster(n_workers=1, threads_per_worker=args.workers or 2, processes=False, dashboard_address=None))
        else:
            client = distributed.Client(args.scheduler)
        executor = client.get_executor()
    bar = Progress(len(jobs), "thumbnail", enabled=args.progress)
    try:
        results = run_isolated(thumbnail_job, jobs, workers=args.workers, executor=executor, on_done=lambda _i, _r, err: bar.update(failed=err is not None))
    finally:
        bar.close()
        if client is not None:
            client.close()
    ok = [j[2] for j, _r, err in results if err is None]
    bad = [(j[0], err) for j, _r, err in results if err is not None] + [(str(f), FileNotFoundError(f"{str(f)!r} does not exist")) for f in missing]
    lines = [f"{j[0]} -> {j[2]}" for j, _r, err in results if err is None]
    lines += [f"{f}: FAILED {_err(e)}" for f, e in bad]
    lines.append(f"rendered {len(ok)}, skipped {len(skipped)} up to date, {len(bad)} failed")
    payload = {"rendered": ok, "skipped": [str(s) for s in skipped], "failed": [{"input": f, "error": _err(e)} for f, e in bad]}
    _report(args, payload, lines)
    return EXIT_FAILED if bad else EXIT_OK


# -- validate / info / schema ----------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    good: list[str] = []
    bad: list[tuple[str, Exception]] = []
    for f, _rel in _walk(args.inputs, suffixes={".json"}):
        try:
            validate(loads(f.read_bytes()))
            good.append(str(f))
        except RecursionError:
            bad.append((str(f), ValidationError(f"{f}: JSON nested too deeply to be a descriptor")))
        except (MediakitError, OSError) as e:
            bad.append((str(f), e))
    lines = [f"{f}: ok" for f in good] + [f"{f}: INVALID {_err(e)}" for f, e in bad]
    _report(args, {"valid": good, "invalid": [{"input": f, "error": _err(e)} for f, e in bad]}, lines)
    return EXIT_FAILED if bad else EXIT_OK


def constructor_for(kind: str) -> Any:
    """The named constructor that builds ``kind`` from a file (built-in and plugin kinds)."""
    from .._registry import get_kind

    cls = get_kind(kind)
    if not callable(getattr(cls, "from_path", None)):
        msg = f"input: the {kind!r} kind ({cls.__module__}.{cls.__qualname__}) has no from_path constructor, so files cannot be encoded as it"
        raise ValidationError(msg)
    return cls.from_path


def converter_for(path: Path) -> Any:
    """The ``convert`` function of the input's format (as its kind reads it)."""
    from .._registry import get_kind
    from ..formats import spec_for_path

    kind = kind_of(path)
    spec = spec_for_path(path)
    # A format converts on its own (images, audio, video, molecules), or its kind reads it and
    # writes the output (tables and 3-D objects: a read *as the kind*, validation included).
    fn = spec.for_kind(kind).convert if spec is not None else None
    if fn is None and spec is not None and spec.for_kind(kind).converts_to and kind != "descriptor":
        fn = getattr(get_kind(kind), "convert_file", None)
    if fn is None:
        msg = f"input: {spec.name if spec else kind} files ({kind}) cannot be converted"
        raise ValidationError(msg)
    return fn


def probe_file(path: Path, kind: str) -> dict[str, Any]:
    """What ``mediakit info`` shows of a media file: the input's own bytes, digest, format and
    the facts its format's probe reads (nothing is converted or stored)."""
    import hashlib

    from ..formats import Source, spec_for_path

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
        kind = kind_of(f)
        if kind == "descriptor":
            desc = validate(loads(f.read_bytes()))
            info = {"file": str(f), "descriptor": True, **desc}
        else:
            info = {"file": str(f), "descriptor": False, **probe_file(f, kind)}
    except (MediakitError, OSError) as e:
        _report(args, {"ok": False, "error": _err(e)}, [f"{f}: FAILED {_err(e)}"])
        return EXIT_FAILED
    lines = [f"{f}"] + [f"  {k}: {json.dumps(v, default=str)[:200]}" for k, v in info.items() if k != "file"]
    _report(args, info, lines)
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
