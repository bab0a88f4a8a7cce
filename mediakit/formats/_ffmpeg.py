"""Running the ffmpeg binary that ``imageio-ffmpeg`` bundles (extra ``video``): finding it, one
way to run a process under a watchdog and tear it down, reading its log, mapping its errors.

Every run has a timeout: a corrupt or hostile file is a :class:`~mediakit.DecodeError`, never a
hang. Untrusted files are only ever decoded here, in a subprocess, never in this process.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np

from .._errors import DecodeError, LimitError, MissingDependencyError, ValidationError
from .._lazy import require

Progress = Callable[[int, "int | None"], None]

#: Seconds one ffmpeg run may take before it is killed (probe, decode, encode).
TIMEOUT = 300.0


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled by imageio-ffmpeg."""
    iio = require("imageio_ffmpeg", extra="video", feature="Video encoding and probing")
    return str(iio.get_ffmpeg_exe())


def fps_arg(fps: float) -> str:
    """A frame rate as an exact ffmpeg rational (``30000/1001``, ``4/1``)."""
    f = Fraction(fps).limit_denominator(100_000)
    return f"{f.numerator}/{f.denominator}"


# -- raw frames in -------------------------------------------------------------------------------------

#: Raw pixel format of ``(H, W, C)`` uint8 frames by channel count.
RAW_PIX = {1: "gray", 3: "rgb24", 4: "rgba"}
#: Planar raw formats (and the plane order they want) for channel-first frames.
_PLANAR = {3: ("gbrp", (1, 2, 0)), 4: ("gbrap", (1, 2, 0, 3))}


def raw_layout(first: np.ndarray) -> tuple[str, tuple[int, ...] | None]:
    """The raw pixel format to feed the encoder. Frames that are views of ``(T, C, H, W)`` data
    go in as planes (``gbrp``), written straight from the array: no per-frame transpose copy."""
    c = first.shape[2]
    if c in _PLANAR and not first.flags.c_contiguous and all(first[:, :, k].flags.c_contiguous for k in range(c)):
        return _PLANAR[c]
    return RAW_PIX[c], None


# -- the log ----------------------------------------------------------------------------------------

_LEVEL = re.compile(r"\[(panic|fatal|error|warning|info|verbose|debug|trace)\] ?(.*)$")


def log_lines(stderr: bytes) -> list[tuple[str, str]]:
    """``(level, text)`` for each line of a ``-loglevel repeat+level+...`` log."""
    out = []
    for raw in stderr.decode("utf-8", "replace").splitlines():
        m = _LEVEL.search(raw)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return out


def first_error(lines: list[tuple[str, str]]) -> str | None:
    errors = [t for lvl, t in lines if lvl in ("panic", "fatal", "error") and t]
    if not errors:
        return None
    for t in errors:  # prefer the most telling message
        if "max pixel count" in t or "matches no streams" in t:
            return t
    return errors[0]


def raise_for(error: str, field: str, what: str, *, encoding: bool = False) -> None:
    """Raise the mediakit error an ffmpeg error message stands for."""
    if "Unknown encoder" in error or "Encoder not found" in error:
        msg = (
            f"{field}: {what}: the ffmpeg at {ffmpeg_exe()!r} lacks an encoder ({error}); use the one bundled with "
            "imageio-ffmpeg (pip install 'mediakit[video]', and unset IMAGEIO_FFMPEG_EXE)"
        )
        raise MissingDependencyError(msg)
    if "max pixel count" in error:
        msg = f"{field}: {what}: frames exceed the pixel limit ({error})"
        raise LimitError(msg)
    if "matches no streams" in error:
        msg = f"{field}: {what}: the file has no video stream"
        raise DecodeError(msg)
    msg = f"{field}: {what}: {error}"
    if encoding:  # raw frames in, so the input was not the problem: a setting ffmpeg refused
        raise ValidationError(msg)
    raise DecodeError(msg)


# -- running ----------------------------------------------------------------------------------------


def run(args: list[str], *, field: str, what: str, timeout: float | None = None) -> tuple[bytes, list[tuple[str, str]]]:
    """Run ffmpeg to completion with an ``info`` log; returns stdout and the parsed log. Errors
    become :class:`DecodeError` (or what :func:`raise_for` maps them to)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "repeat+level+info", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout or TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        msg = f"{field}: {what} did not finish within {timeout or TIMEOUT:g} s (corrupt or hostile file?)"
        raise DecodeError(msg) from None
    lines = log_lines(proc.stderr)
    err = first_error(lines)
    if err is not None or proc.returncode != 0:
        raise_for(err or f"ffmpeg exited with status {proc.returncode}", field, what)
    return proc.stdout, lines


class Running:
    """An ffmpeg process started by :func:`spawn`: ``proc`` (its pipes), and after the block
    :meth:`check` turns a timeout, an exit status or a logged error into an exception."""

    def __init__(self, proc: subprocess.Popen[bytes], log: IO[bytes], timeout: float) -> None:
        self.proc = proc
        self.timeout = timeout
        self.fired = False
        self.returncode: int | None = None
        self._log = log
        self._err: str | None = None

    def _kill(self) -> None:
        self.fired = True
        self.proc.kill()

    def check(self, *, field: str, what: str, timed_out: str, encoding: bool = False) -> None:
        """Raise for a run that timed out (``timed_out`` names the step) or failed (``what``)."""
        if self.fired:
            msg = f"{field}: {timed_out} did not finish within {self.timeout:g} s"
            raise DecodeError(msg)
        if self.returncode != 0 or self._err:
            raise_for(self._err or f"ffmpeg exited with status {self.returncode}", field, what, encoding=encoding)


@contextmanager
def spawn(args: list[str], *, stdin: bool = False, stdout: bool = False, timeout: float | None = None) -> Iterator[Running]:
    """Start ffmpeg (``error`` log into a private file) with a watchdog that kills it after
    ``timeout`` seconds. Leaving the block normally waits for it; leaving it any other way
    (an exception, a closed generator) kills it. Either way the process is reaped."""
    timeout = timeout or TIMEOUT
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "repeat+level+error", *args]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
            stderr=log,
        )
        running = Running(proc, log, timeout)
        timer = threading.Timer(timeout, running._kill)
        timer.daemon = True
        timer.start()
        try:
            yield running
            running.returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except BrokenPipeError:
                        pass
        log.seek(0)
        running._err = first_error(log_lines(log.read()))


def to_bytes(
    args: list[str], suffix: str, *, feed: Iterable[tuple[np.ndarray, ...]] | None = None, count: int | None = None,
    progress: Progress | None = None, what: str, field: str = "data", timeout: float | None = None,
) -> bytes:  # fmt: skip
    """Run ffmpeg writing a temporary output file (MP4's faststart needs a seekable file) and
    return its bytes. ``feed`` buffers go to stdin; with no feed, ``-progress`` drives ``progress``."""
    follow = feed is None and progress is not None
    with tempfile.TemporaryDirectory(prefix="mediakit-") as tmp:
        out_path = Path(tmp) / f"out{suffix}"
        pre = ["-progress", "pipe:1", "-nostats"] if follow else []
        with spawn([*pre, *args, "-y", str(out_path)], stdin=feed is not None, stdout=follow, timeout=timeout) as r:
            if feed is not None:
                _feed(r.proc, feed, count, progress)
            elif progress is not None:
                _follow_progress(r.proc, count, progress)
        r.check(field=field, what=f"{what} failed", timed_out=what, encoding=feed is not None)
        return out_path.read_bytes()


def _feed(
    proc: subprocess.Popen[bytes], frames: Iterable[tuple[np.ndarray, ...]], count: int | None, progress: Progress | None
) -> None:
    assert proc.stdin is not None
    try:
        for i, buffers in enumerate(frames, 1):
            for buf in buffers:
                proc.stdin.write(buf.data.cast("B"))
            if progress:
                progress(i, count)
    except BrokenPipeError:
        pass  # ffmpeg stopped reading: its log says why
    finally:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass


def _follow_progress(proc: subprocess.Popen[bytes], total: int | None, progress: Progress) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b"frame="):
            try:
                progress(int(line[6:].strip()), total)
            except ValueError:
                pass
