"""The ``mediakit`` command line: encode, convert, thumbnail, validate, info, schema.

A thin front end over the library: every command calls the public API. Exit codes: 0 success,
1 some items failed or there was nothing to do (each failure is reported, the batch goes on),
2 usage error. Results go to stdout; FAILED lines, warnings (one line each) and progress bars to
stderr; ``--json`` prints one JSON document on stdout with the warnings in it.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .._errors import shown
from ._batch import cmd_encode, cmd_gallery, cmd_thumbnail
from ._commands import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    WarningSink,
    cmd_info,
    cmd_schema,
    cmd_validate,
    constructor_for,
    probe_file,
)
from ._convert import GIF_DEFAULT_FPS, GIF_DEFAULT_SIZE, cmd_convert, conversion_table, converter_for

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "constructor_for",
    "converter_for",
    "main",
    "probe_file",
]

_RAW = argparse.RawDescriptionHelpFormatter


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2, as argparse does, with our prefix
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"mediakit: error: {message}\n")


_MAIN_EPILOG = """\
examples:
  mediakit encode photos/ clips/ --out store/
  mediakit thumbnail store/descriptors --out thumbs/ --size 256
  mediakit convert clip.mp4 clip.gif --fps 10 --size 320
  mediakit validate store/descriptors
  mediakit info protein.pdb
  mediakit schema image

Run 'mediakit COMMAND --help' for a command's options. Exit codes: 0 success, 1 some items
failed (or nothing to do), 2 usage error.
"""

_ENCODE_DESC = """\
Detect the kind of every file (image, audio, video, table, molecule, 3-D object, html),
encode it into a content-addressed store and write one descriptor per file under
OUT/descriptors/ (mirroring the input folders, named <file>.json).

Folders are walked recursively in sorted order; hidden files and folders, and the --out folder
itself (when it lies inside an input folder), are never inputs. Files that are not media (an
unknown suffix such as labels.txt, or a .json that is not a table file) are skipped and counted
as skipped; --strict makes them failures. A .json file is encoded when it is a table file
(a "columns" and "data" object), otherwise skipped.
"""

_ENCODE_EPILOG = """\
examples:
  mediakit encode photos/ --out store/            # store/media/..., store/descriptors/...
  mediakit encode proj --out proj/store           # safe to re-run: proj/store is not walked
  mediakit encode data.csv --out store/ --max-rows 100000
  mediakit encode dataset/ --out store/ --strict --json > report.json
"""

_THUMB_DESC = """\
Render a PNG (or WebP) thumbnail of every descriptor. The picture is fitted so its long side is
exactly --size pixels when the media is at least that large; smaller media (a 14x25 GIF) keep
their size unless --upscale is given. Thumbnails are written under --out, mirroring the input
folders (photo.png.json -> photo.png.png). A re-run skips thumbnails whose descriptor, size and
format are unchanged (recorded in one file, OUT/.mediakit-thumbnails.json); --force renders all.
"""

_THUMB_EPILOG = """\
examples:
  mediakit thumbnail store/descriptors --out thumbs/
  mediakit thumbnail store/descriptors --out thumbs/ --size 512 --format webp --upscale
  mediakit thumbnail store/descriptors --out thumbs/ --scheduler tcp://scheduler:8786
"""

_VALIDATE_DESC = """\
Check descriptor files against the JSON Schemas of their types (plugin kinds included).
Folders are searched for .json files; a file given by name is read whatever its suffix, and a
file that is not JSON is reported as invalid.
"""

_INFO_DESC = """\
Describe one file without converting or storing anything: for a media file its kind, format,
media type, byte size, SHA-256 and what its format's header reader finds (dimensions, frames,
duration, atoms and bonds ...); for a descriptor, the validated descriptor.
"""

_SCHEMA_DESC = """\
Print the JSON Schema of a descriptor type as one self-contained document (every $ref inlined,
so plain jsonschema validates with no other files), or list the types when none is given.
"""


def _convert_desc() -> str:
    lines = [
        "Convert one file to another format, chosen by the output's suffix. Parent folders of the",
        "output are created; the input is never overwritten, and an existing output only with --force.",
        f"GIF output of a video is made at --fps (default {GIF_DEFAULT_FPS:g}, or the video's own rate if lower),",
        f"--size (long side, default {GIF_DEFAULT_SIZE}, never enlarged) and at most --max-frames frames.",
        "",
        "supported conversions (input format (suffixes) -> output formats):",
    ]
    lines += [f"  {line}" for line in conversion_table()]
    return "\n".join(lines) + "\n"


_CONVERT_EPILOG = """\
examples:
  mediakit convert photo.tiff out/photo.png        # creates out/
  mediakit convert clip.mp4 clip.webm
  mediakit convert clip.mp4 clip.gif --fps 8 --size 240 --max-frames 80
  mediakit convert sound.wav sound.flac
  mediakit convert protein.cif protein.pdb
  mediakit convert table.csv table.parquet --force
"""


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mediakit", description="Encode, convert, thumbnail and validate ML media.", epilog=_MAIN_EPILOG, formatter_class=_RAW)
    p.add_argument("--version", action="version", version=f"mediakit {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    def command(name: str, summary: str, description: str, epilog: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description, epilog=epilog, formatter_class=_RAW)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="machine-readable output: one JSON document on stdout (warnings included)")
        sp.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="show a progress bar on stderr (default: when stderr is a terminal)")

    e = command("encode", "encode media files into a store and write their descriptors", _ENCODE_DESC, _ENCODE_EPILOG)
    e.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="media files, or folders walked recursively")
    e.add_argument("--out", required=True, help="store folder or URL (s3://bucket/prefix, gs://...): media go to OUT/media/, descriptors to OUT/descriptors/")
    e.add_argument("--workers", type=_positive, default=None, help="files encoded in parallel (default: the CPU count)")
    e.add_argument("--max-rows", type=int, default=None, metavar="N", help="row limit for table files (default: no limit; tables over 10,000 rows are stored as Parquet)")
    e.add_argument("--strict", action="store_true", help="count files that are not media as failures (exit 1) instead of skipping them")
    e.add_argument("--resume", action="store_true", help="skip files whose descriptor in OUT is newer than the file (finish an interrupted run; options such as --max-rows are not compared)")
    _scale_options(e)
    common(e)

    c = command("convert", "convert one file to another format (chosen by the output's suffix)", _convert_desc(), _CONVERT_EPILOG)
    c.add_argument("input", type=Path, metavar="INPUT", help="the file to convert (never modified)")
    c.add_argument("output", type=Path, metavar="OUTPUT", help="the file to write; its suffix names the format (.webm, .gif, .flac, .pdb, .parquet ...)")
    c.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    c.add_argument("--fps", type=_positive_float, default=None, help=f"GIF output only: frames per second (default {GIF_DEFAULT_FPS:g}, or the video's rate if lower)")
    c.add_argument("--size", type=_thumb_size, default=None, help=f"GIF output only: long side in pixels (default {GIF_DEFAULT_SIZE}; never enlarged)")
    c.add_argument("--max-frames", type=_positive, default=None, metavar="N", help="GIF output only: keep at most N frames (the start of the clip)")
    common(c)

    t = command("thumbnail", "render thumbnails of descriptors", _THUMB_DESC, _THUMB_EPILOG)
    t.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="descriptor .json files, or folders of them (walked recursively)")
    t.add_argument("--out", required=True, type=Path, help="folder for the thumbnails (created if missing)")
    t.add_argument("--store", default=None, help="store root or URL the descriptors' files are in (default: the folder above descriptors/, else the descriptor's folder)")
    t.add_argument("--size", type=_thumb_size, default=256, help="long side in pixels, 8 to 4096 (default 256)")
    t.add_argument("--upscale", action="store_true", help="enlarge media smaller than --size so the long side is exactly --size (default: small media keep their size)")
    t.add_argument("--format", choices=("png", "webp"), default="png", help="image format of the thumbnails (default png)")
    t.add_argument("--workers", type=_positive, default=None, help="thumbnails rendered in parallel (default: the CPU count)")
    t.add_argument("--force", action="store_true", help="re-render thumbnails that are up to date")
    _scale_options(t)
    common(t)

    v = command("validate", "validate descriptors against the JSON Schemas", _VALIDATE_DESC, "examples:\n  mediakit validate store/descriptors\n  mediakit validate store/descriptors/photo.png.json --json\n")
    v.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="descriptor files, or folders searched for .json files")
    common(v)

    i = command("info", "describe a media file or a descriptor (nothing is converted)", _INFO_DESC, "examples:\n  mediakit info photo.png\n  mediakit info protein.pdb --json\n  mediakit info store/descriptors/clip.mp4.json\n")
    i.add_argument("input", type=Path, metavar="INPUT", help="a media file or a descriptor .json")
    common(i)

    g = command(
        "gallery",
        "write a static site showing a run's media (open its index.html; no network needed)",
        "Write a self-contained gallery of a run (or of descriptor files): one panel per logged key, with\n"
        "overlays, step sliders, players, sortable tables, live charts and 3-D views. Every script is\n"
        "bundled; the site loads nothing from outside its folder. Invalid descriptors become error panels.",
        "examples:\n  mediakit gallery runs/exp1 -o site/\n  mediakit gallery store/descriptors -o site/ --title 'validation set'\n",
    )
    g.add_argument("source", nargs="+", type=Path, metavar="RUN_DIR_OR_DESCRIPTORS", help="a run folder, descriptor .json files or folders of them")
    g.add_argument("-o", "--output", required=True, type=Path, help="the folder to write the site into")
    g.add_argument("--title", default=None, help="page title (default: the run folder's name)")
    common(g)

    s = command("schema", "print the JSON Schema of a descriptor type (or list the types)", _SCHEMA_DESC, "examples:\n  mediakit schema            # list the types\n  mediakit schema image > image.schema.json\n")
    s.add_argument("kind", nargs="?", metavar="TYPE", help="a descriptor type (image, audio, table ...); omit to list them")
    return p


def _scale_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--processes", action="store_true", help="run items in worker processes instead of threads (for GIL-bound work; a killed worker's item is retried once)")
    sp.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run items on Dask: 'local' (a LocalCluster of --workers processes) or a scheduler address tcp://HOST:PORT")
    sp.add_argument("--jsonl", action="store_true", help="one JSON line per item as it finishes, then a summary line (for big runs: memory stays flat)")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        msg = f"expected a positive integer, got {shown(text)}"
        raise argparse.ArgumentTypeError(msg) from None
    if n < 1:
        msg = f"expected a positive integer, got {n}"
        raise argparse.ArgumentTypeError(msg)
    return n


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        msg = f"expected a positive number, got {shown(text)}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 < x <= 100:
        msg = f"expected a number above 0 and at most 100, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return x


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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "convert" and args.output.suffix.lower() != ".gif":
        given = [f"--{name.replace('_', '-')}" for name in ("fps", "size", "max_frames") if getattr(args, name) is not None]
        if given:
            parser.error(f"convert: {', '.join(given)} only apply to GIF output; {str(args.output)!r} is not a .gif")
    handler = {
        "encode": cmd_encode,
        "convert": cmd_convert,
        "thumbnail": cmd_thumbnail,
        "validate": cmd_validate,
        "info": cmd_info,
        "schema": cmd_schema,
        "gallery": cmd_gallery,
    }[args.command]
    sink = WarningSink(quiet=bool(getattr(args, "json", False)))
    try:
        with warnings.catch_warnings():
            # Every warning, once per item, as one line on stderr (and in --json): never the raw
            # "file.py:58: UserWarning" form, never deduplicated away across files.
            warnings.simplefilter("always")
            warnings.showwarning = sink.show
            args.warnings = sink
            return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK
