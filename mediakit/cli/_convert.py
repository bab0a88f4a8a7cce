"""``mediakit convert``: one file to another format, safely (parent folders created, the input
never overwritten, an existing output only with ``--force``), and GIFs of a sensible size."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import MediakitError, ValidationError
from ..formats import kind_of, spec_for_path, specs
from ._commands import EXIT_FAILED, EXIT_OK, err, report
from ._progress import Progress

#: GIF output of a video: frames per second and long side unless --fps/--size say otherwise.
GIF_DEFAULT_FPS = 12.0
GIF_DEFAULT_SIZE = 480


def conversion_table() -> list[str]:
    """One line per readable format: ``name (.suffixes) [kind] -> targets``, from the format
    registry (``converts_to`` of each spec as each of its kinds reads it)."""
    lines = []
    for spec in specs():
        for kind in spec.kinds:
            view = spec.for_kind(kind)
            if not view.converts_to or kind == "descriptor":
                continue
            label = f"{spec.name} ({' '.join(spec.suffixes)})" + (f" as {kind}" if len(spec.kinds) > 1 else "")
            lines.append(f"{label:34s} -> {', '.join(sorted(view.converts_to))}")
    return lines


def converter_for(path: Path) -> Any:
    """The ``convert`` function of the input's format (as its kind reads it)."""
    from .._registry import get_kind

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


def _same_file(a: Path, b: Path) -> bool:
    if b.exists():
        try:
            return os.path.samefile(a, b)
        except OSError:
            return False
    return a.resolve() == b.resolve()


def _check(args: argparse.Namespace) -> None:
    src, dst = args.input, args.output
    if not src.exists():
        msg = f"input: {str(src)!r} does not exist"
        raise FileNotFoundError(msg)
    if src.is_dir():
        msg = f"input: {str(src)!r} is a folder; convert takes one file (use 'mediakit encode' for folders)"
        raise IsADirectoryError(msg)
    if _same_file(src, dst):
        msg = f"output: {str(dst)!r} is the input file; choose another output name (convert never overwrites its input)"
        raise ValidationError(msg)
    if dst.is_dir():
        msg = f"output: {str(dst)!r} is a folder; give a file name whose suffix names the format (e.g. {str(dst / (src.stem + '.png'))!r})"
        raise ValidationError(msg)
    if dst.exists() and not args.force:
        msg = f"output: {str(dst)!r} exists; pass --force to overwrite it"
        raise FileExistsError(msg)


def cmd_convert(args: argparse.Namespace) -> int:
    made: list[Path] = []
    try:
        _check(args)
        convert = converter_for(args.input)
        gif_video = args.output.suffix.lower() == ".gif" and kind_of(args.input) == "video"
        for parent in reversed([args.output.parent, *args.output.parent.parents]):
            if not parent.exists():
                parent.mkdir()
                made.append(parent)
        bar = Progress(None, "convert", enabled=args.progress)
        try:
            if gif_video:
                to_gif(args.input, args.output, fps=args.fps, size=args.size, max_frames=args.max_frames, progress=bar.set)
            else:
                convert(args.input, args.output, progress=bar.set)
        finally:
            bar.close()
    except (MediakitError, OSError) as e:
        for folder in reversed(made):  # leave no empty folders behind a failure
            try:
                folder.rmdir()
            except OSError:
                break
        report(args, {"ok": False, "error": err(e)}, [], [f"{args.input}: FAILED {err(e)}"])
        return EXIT_FAILED
    size = args.output.stat().st_size
    report(args, {"ok": True, "input": str(args.input), "output": str(args.output), "bytes": size}, [f"{args.input} -> {args.output} ({size:,} bytes)"])
    return EXIT_OK


def gif_plan(src_fps: float, frames: int, width: int, height: int, *, fps: float | None, size: int | None, max_frames: int | None) -> tuple[float, tuple[int, int], list[int]]:
    """(output fps, output size, indices of the source frames kept) for a GIF of a video.

    The rate is ``fps`` (default :data:`GIF_DEFAULT_FPS`), never above the source's; the long side
    ``size`` (default :data:`GIF_DEFAULT_SIZE`), never enlarged; frames are picked evenly in time
    and cut after ``max_frames``."""
    from ..formats.video import GIF_MAX_FPS

    want = min(fps if fps is not None else GIF_DEFAULT_FPS, src_fps if src_fps > 0 else GIF_DEFAULT_FPS, GIF_MAX_FPS)
    long_side = size if size is not None else GIF_DEFAULT_SIZE
    scale = min(1.0, long_side / max(width, height))
    out_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if src_fps <= 0 or want >= src_fps:
        keep = list(range(frames))
        want = src_fps if src_fps > 0 else want
    else:
        n = max(1, math.floor(frames * want / src_fps))
        keep = sorted({min(frames - 1, round(k * src_fps / want)) for k in range(n)})
    if max_frames is not None:
        keep = keep[:max_frames]
    return want, out_size, keep


def to_gif(src: Path, dst: Path, *, fps: float | None, size: int | None, max_frames: int | None, progress: Any = None) -> None:
    """Write a looping GIF of the video ``src`` at the planned rate, size and frame count."""
    from .._files import write_atomic
    from ..formats import Source, gif
    from ..formats import video as codec

    source = Source(src, field="input", what="video")
    info = codec.probe(source, field=f"input ({str(src)!r})")
    out_fps, (w, h), keep = gif_plan(info.fps, info.frames, info.width, info.height, fps=fps, size=size, max_frames=max_frames)
    wanted = set(keep)
    last = keep[-1] if keep else -1

    def frames() -> Iterator[np.ndarray]:
        gen = codec.iter_frames(source, info, size=(w, h), max_frames=last + 1, field="input")
        try:
            for i, frame in enumerate(gen):
                if i in wanted:
                    yield frame
                if i >= last:
                    break
        finally:
            gen.close()

    data = gif.encode_gif(frames(), width=w, height=h, fps=out_fps, count=len(keep), progress=progress)
    write_atomic(dst, data, field="output")
