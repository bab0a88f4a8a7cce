"""GIF: our animated-GIF writer, frame reading and probing (Pillow, core; giflib's LZW through
``imagecodecs``, the ``speed`` extra, when installed).

Frames share one palette (the global colour table) made by Pillow's fast octree quantiser
(``Quantize.FASTOCTREE``) from a sample of the first frames, and are mapped to it by Pillow's
cached nearest-colour search; a scene the palette fits badly gets a palette of its own (see
:func:`encode_gif`). Every frame is written with its own delay (the container is assembled here
so that no frame is merged or dropped: Pillow's ``save_all`` folds identical frames together,
which changes the frame count), full-screen; a colour frame after the first under the same palette
is a difference: where a pixel has the index the frame before had, it holds the transparent
index :data:`KEEP` instead, drawn over the frame before (disposal 1, as gifsicle's and FFmpeg's
optimisers do). Every frame decodes to exactly the indices mapped for it; on a typical clip the
file is about half the size and LZW has a third less to do (runs of one index).

Speed: frames go through in blocks of at most :data:`BLOCK_PIXELS` pixels. With the C extension
(RGB frames), the palette checks decide from sparse grids of the block's frames and the frames
are mapped on the LZW worker threads by ``_speedups.palette_map`` (Pillow's nearest-colour rule,
without the GIL, read straight from the input's layout); otherwise a block is stacked into one
tall image that one Pillow call maps (no per-frame Pillow objects). Either way the checks are
vectorised over the block and the bytes are those of mapping frame by frame with Pillow. Each frame's
LZW data is written by giflib (``imagecodecs.gif_encode``, which releases the GIL: blocks are
compressed on the shared worker threads, a bounded number in flight, while the next block is
mapped) or, without the extra, by Pillow's GIF encoder on the calling thread. Both give the same
indices, so the same decoded pixels, but not always the same LZW bytes: a GIF's bytes (and
content address) depend on whether the extra is installed, never on threads or timing. While
the first blocks are mapped, a worker fills the global palette's nearest-colour cache from the
palette's sample (:meth:`_Palette.warm_up`).

A GIF is a video when it is animated, else an image (:func:`classify`); still GIFs as images are
decoded by :mod:`mediakit.formats.raster`.

(Over 500 lines: the writer, the reader and the block scanner of one container share its block
layout and helpers; splitting the writer into a module of its own is the natural next cut.)
"""

from __future__ import annotations

import io
import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .. import _native
from .._errors import DecodeError, LimitError
from .._limits import MAX_CANVAS_FRAMES, MAX_PIXELS
from ._ffmpeg import Progress
from ._ffvideo import VideoInfo
from ._spec import FormatSpec, Source

MAGIC = (b"GIF87a", b"GIF89a")
#: GIF delays are whole centiseconds and browsers play delays under 2 cs at 10 fps.
GIF_MAX_FPS = 50.0


# -- writing -----------------------------------------------------------------------------------------


def _gif_delays(fps: float) -> Iterator[int]:
    """Per-frame delays in centiseconds whose running sum tracks ``i / fps`` (so 30 fps plays
    as 3, 3, 4, 3, 3, 4 ... cs rather than drifting at 3 cs)."""
    prev, i = 0, 0
    while True:
        i += 1
        t = round(100 * i / fps)
        yield max(2, t - prev)
        prev = t


_GREY_PALETTE = bytes(i // 3 for i in range(768))
#: Frames buffered (and pixels sampled) to build the shared palette before the first is written.
PALETTE_FRAMES = 16
PALETTE_SAMPLE_PIXELS = 1 << 17
#: A frame whose mean error against the palette in use (per channel, 0-255) passes this, and
#: twice the error the palette had where it was made, gets a palette of its own (a scene change).
REPALETTE_ERROR = 3.0
#: Mean change (per channel, 0-255, on a sparse grid) since the last check that makes the writer
#: measure the palette's fit again.
CHANGE_LEVELS = 6.0
#: Pixels per block: frames (all of one size) stacked and mapped by one Pillow call, and one LZW
#: job. A frame larger than this is a block of its own. What is buffered is a few blocks
#: (:data:`LZW_IN_FLIGHT`), so memory does not grow with the clip; 2^17 (8 frames of 128x128)
#: halves the per-block work of 2^16 (~10 % faster on the benchmark clip) for ~1 MB more.
BLOCK_PIXELS = 1 << 17
#: The transparent index of colour GIFs (their palettes have 255 colours): holes in RGBA frames,
#: and in the other frames pixels that keep the frame before's colour.
KEEP = 255
#: LZW jobs (blocks) queued or running on the worker threads before the writer waits for the first.
LZW_IN_FLIGHT = 4
_codec: Any = None  # imagecodecs (giflib) once looked up; False when it is not installed


def _giflib() -> Any:
    """``imagecodecs`` when it is installed (giflib's LZW, GIL released), else None."""
    global _codec
    if _codec is None:
        try:
            import imagecodecs
            from imagecodecs import gif_encode  # noqa: F401  (its codecs load on first use: this one must)

            _codec = imagecodecs
        except ImportError:  # the speed extra is not installed: Pillow's encoder, same pixels
            _codec = False
    return _codec or None


def backend() -> str:
    """Which LZW encoder writes the frames (``"giflib 6.1.1 (imagecodecs 2026.3.6)"`` or
    ``"pillow 13.0.0"``): part of what determines the exact bytes written."""
    codec = _giflib()
    if codec is not None:
        return f"{codec.gif_version()} (imagecodecs {codec.__version__})"
    import PIL

    return f"pillow {PIL.__version__}"


class _Palette:
    """One colour table (Pillow quantiser output) and the mean error it had on its sample."""

    def __init__(self, frames: list[np.ndarray], colours: int) -> None:
        from PIL import Image as PILImage

        h, w = frames[0].shape[:2]
        # A strided sample of every buffered frame: the octree sees all of them, at most
        # PALETTE_SAMPLE_PIXELS pixels in all.
        step = 1
        while len(frames) * ((h + step - 1) // step) * ((w + step - 1) // step) > PALETTE_SAMPLE_PIXELS:
            step += 1
        sample, px, _ = _tall(frames, step)
        self.sample: Any = sample  # for warm_up(), which drops it
        self.image = sample.quantize(colours, method=PILImage.Quantize.FASTOCTREE)
        raw = bytes(self.image.getpalette() or [])[: 3 * colours]
        raw = raw.ljust(3 * colours, b"\x00")  # all ``colours`` entries, so KEEP is in the table
        self.rgb = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        self._rgb16 = self.rgb.astype(np.int16)
        self.table = raw
        # The entries Pillow maps to (as many as the quantiser made) and, for the C mapper, the
        # nearest-colour cells and which of their boxes are filled (made on first use).
        self.entries = bytes(self.image.getpalette() or [])
        # (255 colours at most: a cell holds index + 1 in a byte; calloc: pages on first touch)
        self._cells = (np.zeros(1 << 18, np.uint8), np.zeros(512 * 258, np.uint8))
        self.error = float(self.errors(np.asarray(self.image)[None], _error_grid(px.reshape(1, -1, *px.shape[2:])))[0])

    def errors(self, idx: np.ndarray, want: np.ndarray, which: list[int] | None = None) -> np.ndarray:
        """Mean absolute error (0-255) on a sparse grid of ``idx`` (``(n, H, W)`` indices) against
        ``want`` (the pixels on that grid, :func:`_error_grid`), per frame (or per frame ``which``)."""
        got = idx[:, :: _error_step(idx.shape[1:]), :: _error_step(idx.shape[1:])]
        if which is not None:
            got, want = got[which], want[which]
        return self.grid_errors(got, want)

    def grid_errors(self, got: np.ndarray, want: np.ndarray) -> np.ndarray:
        """Mean absolute error per frame of grid indices ``got`` against the grid pixels ``want``."""
        diff = np.take(self._rgb16, got.reshape(len(got), -1), axis=0)  # (n, pixels, 3) int16
        diff -= want.reshape(diff.shape)
        np.abs(diff, out=diff)
        return diff.reshape(len(got), -1).sum(axis=1) / diff[0].size  # exact integer sums: the mean

    def map_frames(self, frames: list[np.ndarray]) -> np.ndarray:
        """``(n, H, W)`` indices of frames ``(H, W, C>=3)`` by the C mapper (``_speedups.palette_map``:
        Pillow's nearest-colour rule, without the GIL, safe on several threads at once)."""
        native = _native.speedups()
        if native is None:  # only reached with the extension (see _Colour.segments)
            msg = "the C palette mapper is not built"
            raise RuntimeError(msg)
        h, w = frames[0].shape[:2]
        out = np.empty((len(frames), h, w), np.uint8)
        native.palette_map(frames, out, *self._cells, self.entries)
        return out

    def warm_up(self, pool: Any) -> Any:
        """Start filling Pillow's nearest-colour cache of this palette on a worker thread (a
        job; cancel it if unstarted) by mapping the sample the palette was made from, last
        frames first, while this thread stacks and maps the first blocks from the first frame
        on. A new palette's first mappings are mostly this fill (at each first miss Pillow finds
        the nearest entry for a whole 32-level cube of colours) and the other core is idle then:
        ~6 % of a 48-frame clip.

        Safe because of how Pillow keeps that cache (checked up to Pillow 13; other versions
        skip this, same bytes, a little slower): it is made once per palette, here first by a
        1-pixel mapping, and then only ever filled, each entry with the same value (its nearest
        colour) whichever thread computes it, so the indices never depend on timing."""
        from PIL import Image as PILImage

        sample, self.sample = self.sample, None
        self._quantize(PILImage.new("RGB", (1, 1)))
        return pool.submit(self._quantize, sample.transpose(PILImage.Transpose.FLIP_TOP_BOTTOM))

    def map(self, rgb: Any) -> np.ndarray:
        """A Pillow RGB image's indices (nearest colour, no dithering) as ``(rows, columns)`` uint8."""
        return np.asarray(self._quantize(rgb))

    def _quantize(self, rgb: Any) -> Any:
        from PIL import Image as PILImage

        return rgb.quantize(palette=self.image, dither=PILImage.Dither.NONE)


def _cache_warm_up_safe() -> bool:
    """Whether the installed Pillow keeps a palette's nearest-colour cache the way
    :meth:`_Palette.warm_up` relies on (read in its source, versions 9 to 13)."""
    import PIL

    try:
        return 9 <= int(PIL.__version__.split(".")[0]) <= 13
    except ValueError:
        return False


def _error_step(shape: tuple[int, ...]) -> int:
    return max(1, min(shape) // 32)


def _error_grid(px: np.ndarray) -> np.ndarray:
    """The pixels palette errors are measured on: a sparse grid of ``(n, H, W, 3+)``."""
    s = _error_step(px.shape[1:3])
    return px[:, ::s, ::s, :3].copy(order="K")  # in the memory order of px (planes stay planes)


def _table_bits(table: bytes) -> int:
    return max(1, (max(1, len(table) // 3) - 1).bit_length())


def _gif_image_block(size: tuple[int, int], table: bytes | None, delay_cs: int, transparent: int | None, disposal: int) -> bytes:
    """Graphic control extension and image descriptor (with a local colour table unless ``table``
    is None: the global one applies); the frame's LZW data (code size, sub-blocks, terminator)
    follows. ``disposal``: 0 unspecified, 1 the frame stays (the next draws over it), 2 its area
    is cleared (holes show through)."""
    packed = disposal << 2 | (transparent is not None)
    gce = b"!\xf9\x04" + bytes([packed]) + delay_cs.to_bytes(2, "little") + bytes([transparent or 0]) + b"\x00"
    w, h = size
    flags = b"\x00"
    local = b""
    if table is not None:
        bits = _table_bits(table)
        local = table.ljust(3 << bits, b"\x00")[: 3 << bits]
        flags = bytes([0x80 | (bits - 1)])
    desc = b"," + b"\x00\x00\x00\x00" + w.to_bytes(2, "little") + h.to_bytes(2, "little") + flags
    return gce + desc + local


def _delta(idx: np.ndarray, prev: np.ndarray | None) -> np.ndarray:
    """``(n, H, W)`` indices with :data:`KEEP` wherever a pixel's index is the one the frame before
    had (``prev`` before the first; None: the first is whole). Drawn over the frame before (which
    stays), each frame decodes to exactly its own indices; runs of :data:`KEEP` cost LZW little."""
    native = _native.speedups()
    if native is not None and idx.flags.c_contiguous and (prev is None or prev.flags.c_contiguous):
        out = np.empty_like(idx)
        native.gif_delta(idx, prev, out, idx[0].size, KEEP)  # one pass in C, without the GIL
        return out
    out = idx.copy()
    keep = np.uint8(KEEP)
    for i in range(1, len(idx)):  # frame by frame: the comparison's mask stays one frame
        np.copyto(out[i], keep, where=idx[i] == idx[i - 1])
    if prev is not None:
        np.copyto(out[0], keep, where=idx[0] == prev)
    return out


class _ToMap:
    """Frames to map to a palette on the LZW worker (the C mapper releases the GIL), with the
    frame before (same palette; None: the first is whole), whose indices the delta takes."""

    __slots__ = ("frames", "palette", "prev")

    def __init__(self, frames: list[np.ndarray], palette: _Palette, prev: np.ndarray | None) -> None:
        self.frames, self.palette, self.prev = frames, palette, prev

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.frames), *self.frames[0].shape[:2])

    def __len__(self) -> int:
        return len(self.frames)

    def indices(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The frames' ``(n, H, W)`` indices and the frame before's (or None)."""
        if self.prev is None:
            return self.palette.map_frames(self.frames), None
        idx = self.palette.map_frames([self.prev, *self.frames])
        return idx[1:], idx[0]


def _lzw(idx: np.ndarray | _ToMap, prev: np.ndarray | None = None, delta: bool = False) -> bytes | list[bytes]:
    """The LZW data of ``(n, H, W)`` indices (with ``delta``, of :func:`_delta` of them and
    ``prev``): giflib's GIF87a of the n frames (:func:`_frames_lzw` splits it, on the writing
    thread: the worker holds the GIL only to return), or with Pillow each frame's code size,
    sub-blocks and terminator. Runs on a worker thread with giflib (numpy's comparisons and
    copies there release the GIL too). ``idx`` may be a :class:`_ToMap` (frames mapped here)."""
    if isinstance(idx, _ToMap):
        idx, prev = idx.indices()
    if delta:
        idx = _delta(idx, prev)
    codec = _giflib()
    if codec is not None:
        # 256-colour table, code size 8. imagecodecs sizes its output for compressible data
        # (about one byte per pixel); LZW of noise takes at most one 12-bit code per pixel (plus a
        # clear code per ~4,000 codes), a length byte per 255 bytes and the headers: room for 1.5
        # bytes per pixel and a 1/64 margin, so no input overflows it (and the buffer of each job
        # running stays small).
        return bytes(codec.gif_encode(idx, out=4096 + (3 * idx.size) // 2 + idx.size // 64 + 1024 * len(idx)))
    from PIL import Image as PILImage

    # Pillow's GIF encoder (a public encoder name for Image.tobytes) gives the sub-blocks.
    h, w = idx.shape[1:]
    return [b"\x08" + PILImage.frombuffer("P", (w, h), f, "raw", "P", 0, 1).tobytes("gif", "P") + b"\x00" for f in idx]


def _frames_lzw(blob: bytes, n: int) -> list[memoryview]:
    """Each frame's LZW data (code size, sub-blocks, terminator) in giflib's GIF of ``n`` frames."""
    view, out = memoryview(blob), []
    pos = 13 + (3 << ((blob[10] & 7) + 1) if blob[10] & 0x80 else 0)
    while blob[pos] != 0x3B:
        if blob[pos] == 0x21:
            pos = _skip_sub_blocks(blob, pos + 2)
            continue
        start = pos + 10 + (3 << ((blob[pos + 9] & 7) + 1) if blob[pos + 9] & 0x80 else 0)
        if blob[pos] != 0x2C or blob[start] != 8:
            msg = f"giflib wrote an unexpected block at byte {pos}"
            raise AssertionError(msg)
        pos = _skip_sub_blocks(blob, start + 1)
        out.append(view[start:pos])
    if len(out) != n:
        msg = f"giflib wrote {len(out)} of {n} frames"
        raise AssertionError(msg)
    return out


class _Writer:
    """Writes image blocks in frame order, each with its delay. With giflib each run's LZW is a
    job on the shared worker threads (at most :data:`LZW_IN_FLIGHT` waiting, so memory stays a
    few blocks); with Pillow it runs inline. Calls ``progress`` per frame written."""

    def __init__(self, out: io.BytesIO, fps: float, count: int | None, progress: Progress | None) -> None:
        from .._threads import in_pool, pool

        self.out, self.count, self.progress = out, count, progress
        self.delays = _gif_delays(fps)
        self.pool = pool() if _giflib() is not None and not in_pool() else None
        self.in_flight = LZW_IN_FLIGHT if self.pool is not None else 0
        self.pending: deque[tuple[Any, list[tuple[int, bytes | None, int | None, int]], tuple[int, int]]] = deque()
        self.written = 0

    def add(self, idx: np.ndarray | _ToMap, table: bytes | None, kind: str | None = None, prev: np.ndarray | None = None) -> None:
        """Queue ``(n, H, W)`` indices (or frames to map to them) drawn with ``table`` (None: the global one). ``kind``:
        None (every index drawn), ``"holes"`` (index :data:`KEEP` is transparent and cleared
        after the frame: RGBA input) or ``"delta"`` (written as :func:`_delta` of them and
        ``prev``, the frame before's indices under the same table, or None)."""
        n = len(idx)
        meta: list[tuple[int, bytes | None, int | None, int]]
        if kind == "holes":
            meta = [(next(self.delays), table, KEEP, 2) for _ in range(n)]
        elif kind == "delta":
            before = prev is not None or (isinstance(idx, _ToMap) and idx.prev is not None)
            meta = [(next(self.delays), table, KEEP if i or before else None, 1) for i in range(n)]
        else:
            meta = [(next(self.delays), table, None, 0) for _ in range(n)]
        delta = kind == "delta"
        job = self.pool.submit(_lzw, idx, prev, delta) if self.pool is not None else _lzw(idx, prev, delta)
        self.pending.append((job, meta, (idx.shape[2], idx.shape[1])))
        while len(self.pending) > self.in_flight:
            self._write_next()

    def add_runs(self, runs: Iterable[tuple[np.ndarray | _ToMap, bytes | None, str | None, np.ndarray | None]]) -> None:
        for idx, table, kind, prev in runs:
            self.add(idx, table, kind, prev)

    def _write_next(self) -> None:
        job, meta, size = self.pending.popleft()
        lzws = job if isinstance(job, (list, bytes)) else job.result()  # inline, or a future
        if not isinstance(lzws, list):
            lzws = _frames_lzw(lzws, len(meta))
        for lzw, (delay, table, transparent, disposal) in zip(lzws, meta):
            self.out.write(_gif_image_block(size, table, delay, transparent, disposal))
            self.out.write(lzw)
            self.written += 1
            if self.progress:
                self.progress(self.written, self.count)

    def finish(self) -> None:
        while self.pending:
            self._write_next()

    def cancel(self) -> None:
        for job, _, _ in self.pending:
            if not isinstance(job, (list, bytes)):
                job.cancel()


def _blocks(frames: Iterator[np.ndarray]) -> Iterator[list[np.ndarray]]:
    """Consecutive frames of one shape, at most :data:`BLOCK_PIXELS` pixels (or one frame)."""
    block: list[np.ndarray] = []
    per = 1
    for f in frames:
        if block and (len(block) >= per or f.shape != block[0].shape):
            yield block
            block = []
        if not block:
            per = max(1, BLOCK_PIXELS // max(1, f.shape[0] * f.shape[1]))
        block.append(f)
    if block:
        yield block


def _tall(frames: list[np.ndarray], step: int = 1) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """``frames`` (of one shape, every ``step``-th row and column) stacked as one tall Pillow RGB
    image, with their pixels ``(n, H, W, 3)`` and alpha ``(n, H, W)`` (None without) as views of
    the stacked copy. Channel-first views (the usual ``(T, C, H, W)`` input) are copied plane by
    plane and merged by Pillow (much faster than numpy's interleaving copy)."""
    from PIL import Image as PILImage

    first = frames[0][::step, ::step]
    h, w, c = first.shape
    n = len(frames)
    if frames[0][:, :, 0].flags.c_contiguous:
        planes = np.empty((c, n, h, w), np.uint8)
        for i, f in enumerate(frames):
            planes[:, i] = f.transpose(2, 0, 1)[:, ::step, ::step]
        bands = [PILImage.frombuffer("L", (w, n * h), planes[k], "raw", "L", 0, 1) for k in range(3)]
        return PILImage.merge("RGB", bands), planes[:3].transpose(1, 2, 3, 0), planes[3] if c == 4 else None
    px = np.stack([f[::step, ::step] for f in frames]) if step > 1 else np.stack(frames)
    mode = "RGB" if c == 3 else "RGBA"
    rgb = PILImage.frombuffer(mode, (w, n * h), px, "raw", mode, 0, 1)
    return rgb if c == 3 else rgb.convert("RGB"), px[..., :3], px[..., 3] if c == 4 else None


def _stacked(block: list[np.ndarray]) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray | None]:
    """A block as one tall Pillow RGB image (:func:`_tall`) with the sparse grids its checks
    need (the change grid as int16, :func:`_error_grid`) and where it is opaque (None without
    alpha); the stacked copy is freed on return."""
    rgb, px, alpha = _tall(block)
    s = max(1, min(px.shape[1:3]) // 16)
    return rgb, px[:, ::s, ::s].astype(np.int16), _error_grid(px), None if alpha is None else alpha >= 128


def _grids(block: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The change grid (int16) and error grid (:func:`_error_grid`) of RGB frames, as
    :func:`_stacked` makes them, taken from the frames without stacking them."""
    h, w = block[0].shape[:2]
    s = max(1, min(h, w) // 16)
    e = _error_step((h, w))
    return np.stack([f[::s, ::s, :3] for f in block]).astype(np.int16), np.stack([f[::e, ::e, :3] for f in block])


def _checked(checks: list[bool], start: int) -> list[int]:
    """The checked frames a run from frame ``start`` of a block is measured on: those after it,
    and the first frame itself when no palette has been tried on it yet in this block."""
    return [i for i in range(start, len(checks)) if checks[i] and (start == 0 or i > start)]


def _first_bad(pal: _Palette, which: list[int], errs: np.ndarray | None, n: int) -> int:
    """Where the run under ``pal`` ends: the first of the frames ``which`` (with their errors
    ``errs``) that it fits badly, else the block's end ``n``."""
    if errs is None:
        return n
    bad = (errs > REPALETTE_ERROR) & (errs > 2 * pal.error + 1)
    return which[int(np.argmax(bad))] if bad.any() else n


class _Colour:
    """The palette state of a colour GIF: the global palette, the one in use, the sparse grid of
    the frame whose fit was last measured and the last frame's indices (the next frame's delta
    is taken against them while the palette stays)."""

    def __init__(self, glob: _Palette, colours: int) -> None:
        self.glob = self.current = glob
        self.colours = colours
        self.seen: np.ndarray | None = None
        self.last: np.ndarray | None = None
        self.last_px: np.ndarray | None = None  # the C mapper's path keeps the last frame's pixels instead

    def _checks(self, grids: np.ndarray) -> list[bool]:
        """Per frame (of change grids): whether it moved on by more than :data:`CHANGE_LEVELS`
        on average since the frame last checked (which it then becomes)."""
        out = [False] * len(grids)
        size = grids[0].size
        i = 0
        while i < len(grids):
            if self.seen is None or self.seen.shape != grids.shape[1:]:
                moved = np.array([True])
            else:  # mean change of every frame left against the one last checked
                moved = np.abs(grids[i:] - self.seen).reshape(len(grids) - i, -1).sum(axis=1) / size > CHANGE_LEVELS
            if not moved.any():
                break
            i += int(np.argmax(moved))
            out[i], self.seen = True, grids[i]
            i += 1
        return out

    def segments(self, block: list[np.ndarray]) -> Iterator[tuple[np.ndarray | _ToMap, bytes | None, str, np.ndarray | None]]:
        """The block's indices in runs drawn with one palette: ``(indices, local table or None,
        kind, previous frame's indices or None)`` for :meth:`_Writer.add`: ``"holes"`` for RGBA
        frames (index :data:`KEEP` where alpha is below half), else ``"delta"``. A checked frame
        the palette fits badly starts a new palette, made from it, and the rest of the block is
        mapped again with that. With the C mapper (RGB frames), the checks map only their grids
        and the frames are mapped on the LZW workers (:meth:`_segments_mapped_later`)."""
        if block[0].shape[2] == 3 and _native.speedups() is not None:
            yield from self._segments_mapped_later(block)
            return
        rgb, grids, want, opaque = _stacked(block)  # opaque: GIF transparency is on/off
        n, (h, w) = len(block), block[0].shape[:2]
        checks = self._checks(grids)
        pal, start = self.current, 0
        idx = pal.map(rgb).reshape(n, h, w)
        while True:
            which = _checked(checks, start)
            cut = _first_bad(pal, which, pal.errors(idx, want[start:], [i - start for i in which]) if which else None, n)
            if cut > start:
                run = idx[: cut - start]
                table = None if pal is self.glob else pal.table
                if opaque is not None:  # index KEEP where alpha is below half
                    yield np.where(opaque[start:cut], run, np.uint8(KEEP)), table, "holes", None
                    self.last = self.last_px = None  # cleared after each frame (disposal 2): nothing to keep
                else:
                    prev = self.last if self.last is not None and self.last.shape == run.shape[1:] else None
                    yield run, table, "delta", prev
                    self.last = run[-1]
            if cut == n:
                return
            pal = self.current = _Palette([block[cut]], self.colours)
            self.last = None  # the next frame is drawn whole with the new palette
            start = cut
            idx = pal.map(rgb.crop((0, start * h, w, n * h))).reshape(n - start, h, w)

    def _segments_mapped_later(self, block: list[np.ndarray]) -> Iterator[tuple[_ToMap, bytes | None, str, None]]:
        """:meth:`segments` of RGB frames, deciding from the grids alone (their indices are those of
        the whole frames at those pixels): each run is frames to map on the LZW worker, with the
        frame before under the same palette for the delta, so the same indices and bytes."""
        n = len(block)
        grids, want = _grids(block)
        checks = self._checks(grids)
        pal, start = self.current, 0
        while True:
            which = _checked(checks, start)
            errs = pal.grid_errors(pal.map_frames([want[i] for i in which]), want[which]) if which else None
            cut = _first_bad(pal, which, errs, n)
            if cut > start:
                last = self.last_px
                prev = last if last is not None and last.shape == block[0].shape else None
                yield _ToMap(block[start:cut], pal, prev), None if pal is self.glob else pal.table, "delta", None
                self.last_px = block[cut - 1]
            if cut == n:
                return
            pal = self.current = _Palette([block[cut]], self.colours)
            self.last_px = None  # the next frame is drawn whole with the new palette
            start = cut


def encode_gif(
    frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None, progress: Progress | None = None
) -> bytes:  # fmt: skip
    """An animated GIF (looping) of frames of ``(H, W, C)`` uint8, C in {1, 3, 4} (``count``,
    if known, is only for ``progress``). Every frame is written full-screen with its own delay.

    Colour: one palette (the global colour table) is built by Pillow's fast octree from a
    sample of the first :data:`PALETTE_FRAMES` frames and every frame is mapped to it (nearest
    colour, no dithering); a frame the palette in use fits badly (a scene change) gets its own
    palette as a local colour table, used by the frames after it while it fits (palettes have 255
    colours: index :data:`KEEP` is transparent). After the first frame under a palette, pixels
    whose index is unchanged are written as :data:`KEEP` over the frame before (:func:`_delta`).
    Grey frames use a grey ramp (lossless, written whole). RGBA frames are transparent (index
    :data:`KEEP`, cleared after the frame) where alpha is below half, and written whole.

    Streaming: the first :data:`PALETTE_FRAMES` frames are buffered for the palette, then at most
    a block (:data:`BLOCK_PIXELS`) and the LZW jobs in flight; ``progress(written, count)`` is
    called once per frame as it is written."""
    it = iter(frames)
    head = list(itertools.islice(it, PALETTE_FRAMES))
    out = io.BytesIO()
    out.write(b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little"))
    grey = bool(head) and head[0].shape[2] == 1
    colour: _Colour | None = None
    warming = None
    if grey:
        out.write(b"\xf7\x00\x00" + _GREY_PALETTE)  # global table of 256 greys
    elif head:
        colour = _Colour(_Palette(head, 255), 255)  # index KEEP: transparent
        # More frames to come, mapped by Pillow (the C mapper maps on the workers already).
        if len(head) == PALETTE_FRAMES and _cache_warm_up_safe() and (head[0].shape[2] != 3 or _native.speedups() is None):
            from .._threads import in_pool, pool

            warming = None if in_pool() else colour.glob.warm_up(pool())
        bits = _table_bits(colour.glob.table)
        out.write(bytes([0x80 | (bits - 1) << 4 | (bits - 1), 0, 0]) + colour.glob.table.ljust(3 << bits, b"\x00"))
    else:
        out.write(b"\x00\x00\x00")
    out.write(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    writer = _Writer(out, fps, count, progress)
    try:
        for block in _blocks(itertools.chain(head, it)):
            if colour is None:  # grey: the values are the indices
                writer.add(np.stack([f[:, :, 0] for f in block]), None)
            else:
                writer.add_runs(colour.segments(block))
        writer.finish()
    finally:  # an error (or a failing frame source): queued LZW jobs are not started
        writer.cancel()
        if warming is not None:
            warming.cancel()
    out.write(b";")
    return out.getvalue()


# -- reading -----------------------------------------------------------------------------------------


def _open_gif(blob: bytes, field: str, max_pixels: int) -> Any:
    from PIL import Image as PILImage

    w, h = int.from_bytes(blob[6:8], "little"), int.from_bytes(blob[8:10], "little")
    if w * h > max_pixels:
        msg = f"{field}: GIF of {w}x{h} exceeds the pixel limit ({max_pixels})"
        raise LimitError(msg)
    try:
        return PILImage.open(io.BytesIO(blob), formats=["GIF"])
    except Exception as e:
        msg = f"{field}: not a decodable GIF ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None


def gif_frames(
    blob: bytes, *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS, channels: int | None = None
) -> Iterator[tuple[np.ndarray, int]]:
    """Decode a GIF's frames (composited, ``(H, W, C)`` uint8) with their delays in ms. C is
    ``channels`` (1, 3 or 4), by default 4 if the GIF has transparency, else 3."""
    im = _open_gif(blob, field, max_pixels)
    with im:
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels or (4 if "transparency" in im.info else 3)]
        area = max(1, im.size[0] * im.size[1])
        i = 0
        while True:
            if i >= max_frames:
                msg = f"{field}: the GIF has more than {max_frames} frames (the limit)"
                raise LimitError(msg)
            if (i + 1) * area > MAX_CANVAS_FRAMES:
                _refuse_canvas(field, im.size[0], im.size[1], i + 1)
            try:
                im.seek(i)
                arr = np.asarray(im.convert(mode))
                if arr.ndim == 2:
                    arr = arr[:, :, None]
            except EOFError:
                if i == 0:
                    msg = f"{field}: the GIF holds no frames"
                    raise DecodeError(msg) from None
                return
            except Exception as e:
                msg = f"{field}: GIF frame {i} could not be decoded ({type(e).__name__}: {e})"
                raise DecodeError(msg) from None
            yield arr, int(im.info.get("duration") or 0)
            i += 1


def _refuse_canvas(field: str, w: int, h: int, frames: int) -> None:
    msg = (
        f"{field}: the GIF composites {frames:,} frames on a {w}x{h} screen, more than the limit of "
        f"{MAX_CANVAS_FRAMES:,} pixels x frames; shrink the animation or give it fewer frames"
    )
    raise LimitError(msg)


def check_canvas(blob: bytes, *, field: str = "data", max_frames: int | None = None) -> None:
    """Refuse, from the blocks alone (no pixel decoded), a GIF whose logical screen x frames (the
    first ``max_frames`` when given) exceeds :data:`~mediakit._limits.MAX_CANVAS_FRAMES`: Pillow
    composites every frame at the full logical screen size. A GIF whose blocks do not scan is left
    to the decoder (which also counts as it goes)."""
    if len(blob) < 13:
        return
    w, h = int.from_bytes(blob[6:8], "little"), int.from_bytes(blob[8:10], "little")
    area = max(1, w * h)
    cap = MAX_CANVAS_FRAMES // area + 1
    if max_frames is not None:
        cap = min(cap, max_frames)
    try:
        n = scan(blob, stop_after=cap)[2]
    except DecodeError:
        return
    if n * area > MAX_CANVAS_FRAMES:
        _refuse_canvas(field, w, h, n)


def iter_frames(
    blob: bytes, channels: int, size: tuple[int, int] | None, max_frames: int | None, field: str, max_pixels: int
) -> Iterator[np.ndarray]:
    """Decoded frames ``(H, W, C)``, optionally box-scaled to ``size`` (width, height)."""
    from PIL import Image as PILImage

    check_canvas(blob, field=field, max_frames=max_frames)
    c = channels
    for i, (arr, _) in enumerate(gif_frames(blob, field=field, channels=c, max_pixels=max_pixels)):
        if max_frames is not None and i >= max_frames:
            return
        if size is not None and (arr.shape[1], arr.shape[0]) != size:
            im = PILImage.fromarray(arr[:, :, 0] if c == 1 else arr).resize(size, PILImage.Resampling.BOX)
            arr = np.asarray(im).reshape(size[1], size[0], c)
        yield arr


def _effective_delay(ms: int) -> int:
    return ms if ms >= 20 else 100  # browsers play delays under 20 ms at 100 ms


def probe_gif(blob: bytes, *, field: str = "data", max_frames: int = 100_000, max_pixels: int = MAX_PIXELS) -> VideoInfo:
    """Identify a GIF and decode every frame (a GIF that does not decode to its end is a
    :class:`DecodeError`)."""
    if not blob.rstrip(b"\x00").endswith(b";"):
        # Pillow stops quietly at a cut between frames; a complete GIF ends with its trailer.
        msg = f"{field}: truncated GIF: the file does not end with the GIF trailer"
        raise DecodeError(msg)
    check_canvas(blob, field=field)
    n, total, alpha = 0, 0, False
    w = h = 0
    for arr, delay in gif_frames(blob, field=field, max_frames=max_frames, max_pixels=max_pixels):
        n += 1
        total += _effective_delay(delay)
        h, w = arr.shape[:2]
        alpha = arr.shape[2] == 4
    duration = total / 1000
    return VideoInfo("gif", "gif", w, h, n, round(n / duration, 6), round(duration, 6), "rgba" if alpha else "rgb24")


# -- cheap facts (no LZW decoding) -------------------------------------------------------------------


def _skip_sub_blocks(blob: bytes, pos: int) -> int:
    while True:
        if pos >= len(blob):
            msg = "truncated GIF"
            raise DecodeError(msg)
        n = blob[pos]
        pos += 1 + n
        if n == 0:
            return pos


def scan(blob: bytes, *, stop_after: int | None = None) -> tuple[int, int, int, int, bool]:
    """Walk a GIF's blocks without decoding pixels: ``(width, height, frames, total delay in ms
    as browsers play it, has transparency)``; stops after ``stop_after`` frames when given.
    Transparency counts where it can show the background: a frame with a transparent index
    drawn while the screen is not yet (or no longer) covered by an opaque full-screen frame."""
    if blob[:6] not in MAGIC or len(blob) < 13:
        msg = "not a GIF"
        raise DecodeError(msg)
    w, h, packed = int.from_bytes(blob[6:8], "little"), int.from_bytes(blob[8:10], "little"), blob[10]
    pos = 13 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0)
    frames = total = delay = 0
    alpha = False
    # Whether the logical screen is covered by opaque pixels: a transparent pixel shows the
    # background (alpha) only where it is not. Frame differencing (transparent = keep the pixel
    # below, disposal 1) over an opaque first frame is therefore opaque.
    covered = keyed = False
    disposal = 0
    while pos < len(blob) and blob[pos] != 0x3B and (stop_after is None or frames < stop_after):
        if blob[pos] == 0x21 and pos + 1 < len(blob):
            if blob[pos + 1] == 0xF9 and pos + 6 < len(blob) and blob[pos + 2] >= 4:
                keyed = bool(blob[pos + 3] & 1)
                disposal = (blob[pos + 3] >> 2) & 7
                delay = int.from_bytes(blob[pos + 4 : pos + 6], "little") * 10
            pos = _skip_sub_blocks(blob, pos + 2)
        elif blob[pos] == 0x2C and pos + 10 < len(blob):
            before = covered
            if keyed and not covered:
                alpha = True
            if not keyed and blob[pos + 1 : pos + 5] == b"\x00\x00\x00\x00":
                covered = covered or (
                    int.from_bytes(blob[pos + 5 : pos + 7], "little") >= w
                    and int.from_bytes(blob[pos + 7 : pos + 9], "little") >= h
                )
            if disposal == 2:
                covered = False
            elif disposal >= 3:  # restore the previous screen (decoders treat 4-7 as 3)
                covered = before
            packed = blob[pos + 9]
            pos += 10 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0) + 1  # + LZW minimum code size
            pos = _skip_sub_blocks(blob, pos)
            frames += 1
            total += _effective_delay(delay)
            delay = disposal = 0
            keyed = False
        else:
            msg = f"corrupt GIF (unexpected byte at {pos})"
            raise DecodeError(msg)
    return w, h, frames, total, alpha


def scan_info(blob: bytes, *, field: str = "data") -> VideoInfo:
    """:func:`probe_gif`'s facts from the blocks alone, for GIFs known to be sound (our own)."""
    try:
        w, h, n, total, alpha = scan(blob)
    except DecodeError as e:
        msg = f"{field}: {e}"
        raise DecodeError(msg) from None
    duration = total / 1000
    fps = round(n / duration, 6) if duration else 0.0
    return VideoInfo("gif", "gif", w, h, n, fps, round(duration, 6), "rgba" if alpha else "rgb24")


def probe(src: Source) -> dict[str, Any]:
    """``spec.probe``: size, frame count, timing and transparency from the GIF's blocks."""
    blob = src.read()
    info = scan_info(blob, field=src.field)
    return {**info.facts(len(blob)), "animated": info.frames > 1}


def classify(src: Source) -> str:
    """An animated GIF is a video, a still one an image."""
    try:
        return "video" if scan(src.read(), stop_after=2)[2] > 1 else "image"
    except DecodeError:
        return "image"


def decode(src: Source) -> np.ndarray:
    """``spec.decode`` (as a video): every frame, ``(T, H, W, C)`` uint8."""
    from .video import decode as decode_video

    return decode_video(src)


def convert(src: Any, dst: Any, *, progress: Progress | None = None) -> None:
    """``spec.convert`` (as a video): see :func:`mediakit.formats.video.convert`."""
    from .video import convert as convert_video

    convert_video(src, dst, progress=progress)


def encode(frames: Iterable[np.ndarray], *, width: int, height: int, fps: float, count: int | None = None,
           progress: Progress | None = None) -> bytes:  # fmt: skip
    """``spec.encode``: an animated GIF of ``(H, W, C)`` uint8 frames (see :func:`encode_gif`)."""
    return encode_gif(frames, width=width, height=height, fps=fps, count=count, progress=progress)


def _image_convert(src: Any, dst: Any, *, progress: Any = None) -> None:
    from . import raster

    raster.convert(src, dst, progress=progress)


def _image_decode(source: Source, *, page: int | None = None) -> tuple[np.ndarray, int]:
    from . import raster

    return raster.decode_source(source, page=page)


SPEC = FormatSpec(
    name="gif",
    kinds=("image", "video"),
    suffixes=(".gif",),
    media_type="image/gif",
    magic=MAGIC,
    probe=probe,
    decode=decode,
    encode=encode,
    converts_to=("mp4", "webm", "ogv"),
    convert=convert,
    classify=classify,
    description="GIF (animated: a video, written by mediakit's own container writer; still: an image)",
    notes={"codec": "gif", "container": "gif", "max_fps": GIF_MAX_FPS},
    # A GIF given to Image is read through Pillow one page at a time and kept when it is a still;
    # mediakit writes GIFs only as video.
    by_kind={
        "image": {
            "decode": _image_decode,
            "encode": None,
            "converts_to": ("png", "jpeg", "webp", "bmp"),
            "convert": _image_convert,
        }
    },
)
