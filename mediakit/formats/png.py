"""PNG writer and a fast reader for the files it writes. Backend: numpy + libdeflate.

The writer is built for the one-image-at-a-time path of a training loop:

- **Filter**: one PNG filter per block of :data:`BLOCK_BYTES` of rows, chosen by a sampled
  estimate (sum of absolute residuals over every 8th row and 4th byte) among Up, Sub and, for
  8-bit images, Average; vectorised numpy, a few passes over the block. Per-row adaptive
  filtering (what Pillow and zlib-based writers do) buys ~3 % of size for ten times the filter
  time.
- **Deflate**: images up to :data:`STREAM_BYTES` of filtered rows are deflated as one stream
  (one IDAT chunk) by libdeflate (the ``deflate`` package, the ``speed`` extra, imported on
  first use) at level 1: about 2x faster than zlib level 1 and smaller. Without it the stdlib
  zlib is used (level 2), so files stay valid, only slower; :data:`backend` says which one is
  in use.
- **Two parts at once**: from :data:`SPLIT_BYTES` (512 kB; a 512x512 photo is 768 kB) the stream is
  deflated in two parts on both cores (:func:`_write_split`): libdeflate compresses whole
  buffers only, each ending in a final block, so the first part's blocks are walked (C
  extension, ``_speedups.deflate_tail``: Huffman codes skipped, nothing inflated) to clear its
  final flag and end it with an empty stored block, as a sync flush does; the second part
  follows. The parts are filtered separately (the filter blocks cut where they meet). A 512x512
  photo: 8.5 instead of 11 ms per ``Run.log``.
- **Blocks**: larger images are filtered and compressed block by block by the stdlib zlib (each
  block an independent deflate stream ended by a sync flush, written as its own IDAT chunk;
  Adler-32 values combined arithmetically), a few blocks in flight on the shared worker pool
  (zlib releases the GIL). Peak extra memory is a few blocks plus the output, and both cores
  help. (libdeflate compresses whole buffers only: it cannot end a block with a sync flush.)

Why not ISA-L, which is faster still: through python-isal it wrote different bytes for the same
input depending on the thread or process that ran it (CI saw it for the streaming interface on
big images, then a fresh checkout here for one-call compression of a 16x11 thumbnail), and
content addresses need the same bytes for the same pixels. libdeflate's compressor is a pure
function of the input and the level.

Output is deterministic for a given deflate library build: no timestamps or text chunks; block
layout, filter choice and level depend only on the pixels, never on the number of cores or
threads (the parts' cut depends on the image's height only). Another library or version, or
an install without the C extension (one part), may produce different (equally valid) bytes, so
the content address of the same pixels can change across installs (ARCHITECTURE.md,
Decisions).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _native
from .._errors import DecodeError, MediaTypeError
from .._threads import in_pool as _in_pool
from .._threads import pool as _pool
from .._threads import workers as _workers
from ._spec import FormatSpec, Source

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Future

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type
CHANNELS = {v: k for k, v in _COLOR_TYPES.items()}  # PNG colour type -> channels

#: Filtered bytes per block of rows: each block gets its own filter, and images over
#: :data:`STREAM_BYTES` are deflated block by block.
BLOCK_BYTES = 1 << 21
#: Images with up to this many filtered bytes are deflated as one stream in one call
#: (libdeflate when installed); larger ones in blocks of :data:`BLOCK_BYTES` by zlib on the
#: worker pool.
STREAM_BYTES = 1 << 24
#: Images of at least this many filtered bytes (and up to :data:`STREAM_BYTES`) are deflated as
#: one stream in two parts at once (:func:`_write_split`), when libdeflate and the C extension
#: are installed. A 512x512 RGB photo (768 kB) is; its masks (256 kB, and they deflate fast)
#: are not: the walk would cost more than the second core saves.
SPLIT_BYTES = 1 << 19
#: The share of rows in the first part of a split image, which also walks its blocks (about half
#: the time deflating them takes): both parts then take about as long.
SPLIT_SHARE = 0.41
#: Deflate levels per backend (libdeflate's level 1 is smaller than zlib's level 2 on photos).
LEVELS = {"libdeflate": 1, "zlib": 2}

_NONE, _SUB, _UP, _AVG = 0, 1, 2, 3
_COST = np.minimum(np.arange(256), 256 - np.arange(256)).astype(np.uint8)  # |byte as int8|
_IDAT_CRC = zlib.crc32(b"IDAT")
_ADLER_MOD = 65521
_deflater: tuple[Any, str] | None = None


def _deflate_lib() -> tuple[Any, str]:
    """``(compress(data, level) -> bytes-like, name)``: libdeflate if importable, else zlib.
    Imported on first use, so ``import mediakit`` stays light."""
    global _deflater
    if _deflater is None:
        try:
            import deflate

            _deflater = (deflate.zlib_compress, "libdeflate")
        except ImportError:  # the speed extra is not installed: valid files, slower
            _deflater = (zlib.compress, "zlib")
    return _deflater


def backend() -> str:
    """Which deflate implementation the writer uses for images deflated as one stream, with its
    version (``"libdeflate (deflate 0.9.0), in two parts"``, ``"libdeflate (deflate 0.9.0)"``
    without the C extension, or ``"zlib 1.3.1"``): part of what determines the exact bytes
    written (bigger images always use zlib)."""
    if _deflate_lib()[1] == "libdeflate":
        from importlib.metadata import version

        parts = ", in two parts" if _native.speedups() is not None else ""
        return f"libdeflate (deflate {version('deflate')}){parts}"
    return f"zlib {zlib.ZLIB_RUNTIME_VERSION}"


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def chunks(data: bytes, *, crc: bool = False) -> Iterator[tuple[bytes, memoryview]]:
    """``(tag, body)`` of a PNG's chunks after the signature, up to and including ``IEND``.
    A chunk running past the end of the data, an IHDR that is not 13 bytes and (with ``crc``) a
    chunk failing its CRC raise :class:`DecodeError` (messages start with ``PNG:``)."""
    view = memoryview(data)
    pos = 8
    while pos + 8 <= len(view):
        (length,) = struct.unpack(">I", view[pos : pos + 4])
        tag = bytes(view[pos + 4 : pos + 8])
        end = pos + 8 + length
        if end > len(view) or (crc and end + 4 > len(view)):
            msg = f"PNG: file is truncated (chunk {tag!r} runs past the end)"
            raise DecodeError(msg)
        if crc and zlib.crc32(view[pos + 4 : end]) != struct.unpack(">I", view[end : end + 4])[0]:
            msg = f"PNG: chunk {tag!r} fails its CRC check (corrupt file)"
            raise DecodeError(msg)
        if tag == b"IHDR" and length != 13:
            msg = f"PNG: the IHDR chunk is {length} bytes long, expected 13; the file is corrupt"
            raise DecodeError(msg)
        yield tag, view[pos + 8 : end]
        if tag == b"IEND":
            return
        pos = end + 4


def _adler_combine(a1: int, a2: int, len2: int) -> int:
    """Adler-32 of ``x + y`` from ``adler32(x)``, ``adler32(y)`` and ``len(y)``. With
    ``A = 1 + sum(bytes)`` and ``B = sum of the running A values`` (both mod 65521), appending
    ``y`` gives ``A = A1 + A2 - 1`` and ``B = B1 + B2 + len(y) * (A1 - 1)``."""
    s1, t1 = a1 & 0xFFFF, a1 >> 16
    s2, t2 = a2 & 0xFFFF, a2 >> 16
    s = (s1 + s2 - 1) % _ADLER_MOD
    t = (t1 + t2 + len2 * (s1 - 1)) % _ADLER_MOD
    return (t << 16) | s


def _above(src: np.ndarray, start: int, end: int) -> np.ndarray:
    """The rows above ``src[start:end]`` (a zero row above the image's first row)."""
    if start > 0:
        return src[start - 1 : end - 1]
    out = np.empty((end - start, src.shape[1]), np.uint8)
    out[0] = 0
    out[1:] = src[start : end - 1]
    return out


def _choose(src: np.ndarray, start: int, end: int, bpp: int, *, avg: bool) -> int:
    """The filter type for rows ``start:end``: the least sum of absolute residuals over a
    sample of rows (every 8th) and bytes (every 4th byte lane of wide rows)."""
    idx = np.arange(start, end, 8 if end - start > 8 else 1)
    x = src[idx]
    up = np.zeros_like(x)
    ok = idx > 0
    up[ok] = src[idx[ok] - 1]
    left = np.zeros_like(x)
    left[:, bpp:] = x[:, :-bpp]
    step = 5 if x.shape[1] >= 256 else 1  # 5 is coprime with every bpp (1-4, 6, 8): all lanes sampled
    cands = {_UP: x - up, _SUB: x - left}
    if avg:
        cands[_AVG] = x - ((up & left) + ((up ^ left) >> 1))
    costs = {k: int(_COST[v[:, ::step]].sum(dtype=np.int64)) for k, v in cands.items()}
    return min(costs, key=lambda k: (costs[k], k != _UP))  # ties: Up (cheapest to undo)


def _filter_block(src: np.ndarray, start: int, end: int, bpp: int, kind: int, out: np.ndarray | None = None) -> np.ndarray:
    """``src[start:end]`` filtered with ``kind``, each row prefixed by its filter-type byte
    (into ``out``, ``(end - start, n + 1)`` uint8, when given)."""
    rows = src[start:end]
    h, n = rows.shape
    if out is None:
        out = np.empty((h, n + 1), np.uint8)
    out[:, 0] = kind
    body = out[:, 1:]
    if kind == _SUB:
        body[:, :bpp] = rows[:, :bpp]
        np.subtract(rows[:, bpp:], rows[:, :-bpp], out=body[:, bpp:])
    elif kind == _UP:
        np.subtract(rows, _above(src, start, end), out=body)
    else:  # Average: x - floor((left + above) / 2), in uint8 as (l & a) + ((l ^ a) >> 1)
        above = _above(src, start, end)
        pred = np.empty_like(rows)
        np.right_shift(above[:, :bpp], 1, out=pred[:, :bpp])
        left, up = rows[:, :-bpp], above[:, bpp:]
        tmp = np.bitwise_xor(left, up)
        np.right_shift(tmp, 1, out=tmp)
        np.bitwise_and(left, up, out=pred[:, bpp:])
        pred[:, bpp:] += tmp
        del tmp
        np.subtract(rows, pred, out=body)
    return out


def _filter_rows(src: np.ndarray, bpp: int, avg: bool, per: int, start: int = 0, end: int | None = None) -> np.ndarray:
    """Rows ``start:end`` of ``src`` (all by default) filtered, in one array: one filter chosen
    per block of ``per`` rows of the image (counted from its first row), cut at ``start`` and
    ``end``."""
    end = src.shape[0] if end is None else end
    out = np.empty((end - start, src.shape[1] + 1), np.uint8)
    s = start
    while s < end:
        e = min(end, (s // per + 1) * per)
        _filter_block(src, s, e, bpp, _choose(src, s, e, bpp, avg=avg), out[s - start : e - start])
        s = e
    return out


def _head_part(src: np.ndarray, end: int, bpp: int, avg: bool, per: int, level: int) -> tuple[bytes, int]:
    """Rows ``:end`` filtered and deflated by libdeflate, made the first part of a longer stream
    (run on a worker thread): the final flag of its last block cleared and an empty stored block
    after it (to a byte boundary, as a sync flush ends), found by walking the blocks
    (``_speedups.deflate_tail``). Returns ``(deflate bytes, Adler-32 of the rows)``."""
    import deflate

    data = memoryview(_filter_rows(src, bpp, avg, per, 0, end).data).cast("B")
    return open_ended(deflate.deflate_compress(data, level)), zlib.adler32(data)


def open_ended(raw: bytes | bytearray) -> bytes:
    """A complete raw DEFLATE stream made the first part of a longer one: its last block's final
    flag cleared (found by ``_speedups.deflate_tail``) and an empty stored block after it, to a
    byte boundary, as a sync flush ends. Another stream may then follow."""
    final, stop = _native.speedups().deflate_tail(raw)
    size = (stop + 3 + 7) // 8  # the stored block's 3 header bits (all 0), then the boundary
    head = bytearray(raw[:size]).ljust(size, b"\x00")
    head[final >> 3] &= ~(1 << (final & 7)) & 0xFF  # not the last block any more
    head[stop >> 3] &= (1 << (stop & 7)) - 1  # every bit from the end on is 0
    head[(stop >> 3) + 1 :] = bytes(size - (stop >> 3) - 1)
    return bytes(head) + b"\x00\x00\xff\xff"


def _write_split(out: io.BytesIO, src: np.ndarray, bpp: int, avg: bool, per: int, level: int | None) -> None:
    """One zlib stream deflated in two parts at once, on both cores, both by libdeflate: the
    first :data:`SPLIT_SHARE` of the rows on a worker thread (:func:`_head_part`, which also walks
    its blocks), the rest here; the share is set so both take about as long. The cut depends on
    the image's height only, so the bytes do not depend on threads or cores (on a pool thread the
    parts are deflated one after the other, the same way)."""
    import deflate

    h = src.shape[0]
    cut = max(1, min(h - 1, round(h * SPLIT_SHARE)))
    lvl = LEVELS["libdeflate"] if level is None else level
    job = (src, cut, bpp, avg, per, lvl)
    first = None if _in_pool() else _pool().submit(_head_part, *job)
    try:
        rest = _filter_rows(src, bpp, avg, per, cut, h)
        data = memoryview(rest.data).cast("B")
        body = deflate.deflate_compress(data, lvl)
        adler, size = zlib.adler32(data), len(data)
        del rest, data
        head, head_adler = first.result() if first is not None else _head_part(*job)
    finally:
        if first is not None:
            first.cancel()
    _idat(out, b"\x78\x01", head, body, struct.pack(">I", _adler_combine(head_adler, adler, size)))


def _block(src: np.ndarray, start: int, end: int, bpp: int, avg: bool, level: int, last: bool) -> tuple[bytes, int, int]:
    """Filter and deflate (stdlib zlib: see the module's docstring) one block of rows as a raw
    deflate stream ending in a sync flush (or the final block; run on a worker thread). Returns
    ``(deflate bytes, Adler-32 of the filtered rows, their length)``."""
    filtered = _filter_block(src, start, end, bpp, _choose(src, start, end, bpp, avg=avg))
    data = memoryview(filtered.data).cast("B")
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data)
    body += c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return body, zlib.adler32(data), len(data)


def _idat(w: io.BytesIO, *parts: bytes | bytearray) -> None:
    """Write one IDAT chunk whose data is ``parts`` joined (without joining them)."""
    crc = _IDAT_CRC
    for p in parts:
        crc = zlib.crc32(p, crc)
    w.write(struct.pack(">I", sum(len(p) for p in parts)))
    w.write(b"IDAT")
    for p in parts:
        w.write(p)
    w.write(struct.pack(">I", crc & 0xFFFFFFFF))


def _write_rows(out: io.BytesIO, src: np.ndarray, bpp: int, *, avg: bool, level: int | None) -> None:
    """Write the IDAT chunks of the rows ``src`` (2-D uint8, one image row per row)."""
    compress, name = _deflate_lib()
    h, n = src.shape
    per = max(1, BLOCK_BYTES // (n + 1))  # the block layout depends on the row size only
    if h <= per or h * (n + 1) <= STREAM_BYTES:  # one zlib stream, one chunk
        if name == "libdeflate" and h > 1 and h * (n + 1) >= SPLIT_BYTES and _native.speedups() is not None:
            _write_split(out, src, bpp, avg, per, level)
            return
        filtered = _filter_rows(src, bpp, avg, per)
        data = compress(memoryview(filtered.data).cast("B"), LEVELS[name] if level is None else level)
        del filtered  # before the chunk is copied into ``out``: the peak is one of the two
        _idat(out, data)
        return
    lvl = LEVELS["zlib"] if level is None else level
    bounds = [(s, min(h, s + per)) for s in range(0, h, per)]
    jobs = [(src, s, e, bpp, avg, lvl, k == len(bounds) - 1) for k, (s, e) in enumerate(bounds)]
    adler = 1
    for k, (body, a, size) in enumerate(_in_order(jobs)):
        adler = _adler_combine(adler, a, size)
        head = b"\x78\x01" if k == 0 else b""  # zlib header (deflate, 32 KiB window)
        tail = struct.pack(">I", adler) if k == len(jobs) - 1 else b""
        _idat(out, head, body, tail)
        del body


def _in_order(jobs: list[tuple[Any, ...]]) -> Iterator[tuple[bytes, int, int]]:
    """``_block(*job)`` for every job, in order: on the shared pool with a bounded number in
    flight (so memory stays a few blocks), or inline when already on a pool thread."""
    if _in_pool():
        for job in jobs:
            yield _block(*job)
        return
    pool = _pool()
    pending: deque[Future[tuple[bytes, int, int]]] = deque()
    todo = iter(jobs)
    in_flight = _workers() + 1
    try:
        for job in todo:
            pending.append(pool.submit(_block, *job))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # an error (or an abandoned generator): queued blocks are not started
        for f in pending:
            f.cancel()


def encode_png(arr: np.ndarray, *, level: int | None = None) -> bytes:
    """Encode ``(H, W)`` or ``(H, W, C)`` uint8/uint16 pixels (C in 1..4) as PNG bytes.
    ``level`` overrides the deflate level (see :data:`LEVELS`): of the backend in use for images
    deflated as one stream, of zlib for those over :data:`STREAM_BYTES`."""
    if arr.dtype not in (np.uint8, np.uint16):
        msg = f"pixels: expected uint8 or uint16, got {arr.dtype}"
        raise MediaTypeError(msg)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    h, w, c = arr.shape
    if c not in _COLOR_TYPES:
        msg = f"pixels: expected 1 to 4 channels, got {c}"
        raise MediaTypeError(msg)
    depth = 16 if arr.dtype == np.uint16 else 8
    if depth == 16:
        arr = arr.astype(">u2", copy=False)
    rows = np.ascontiguousarray(arr).view(np.uint8).reshape(h, w * c * depth // 8)
    out = io.BytesIO()
    out.write(_SIGNATURE)
    out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, _COLOR_TYPES[c], 0, 0, 0)))
    # 16-bit files keep to Sub/Up, which decode_png_fast undoes (Pillow has no 16-bit colour).
    _write_rows(out, rows, c * depth // 8, avg=depth == 8, level=level)
    out.write(_chunk(b"IEND", b""))
    return out.getvalue()


def decode_png_fast(data: bytes, *, max_pixels: int) -> np.ndarray | None:
    """Decode a non-interlaced 8/16-bit PNG whose rows all use filters None, Sub or Up (what
    :func:`encode_png` writes). Returns ``None`` for any other PNG (let Pillow decode it)."""
    if not data.startswith(_SIGNATURE):
        return None
    idat: list[memoryview] = []
    header = None
    for tag, body in chunks(data):
        if tag == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat.append(body)
        elif tag == b"PLTE" or tag == b"tRNS":
            return None
    if header is None:
        return None
    w, h, depth, ctype, _comp, _filt, interlace = header
    if interlace or depth not in (8, 16) or ctype not in CHANNELS:
        return None
    if w < 1 or h < 1:
        msg = f"PNG: image of {w}x{h} pixels has no pixels"
        raise DecodeError(msg)
    from .._limits import MAX_SIDE

    if w > MAX_SIDE or h > MAX_SIDE:
        from .._errors import LimitError

        msg = f"image of {w}x{h} pixels; each side must be between 1 and {MAX_SIDE}"
        raise LimitError(msg)
    if w * h > max_pixels:
        from .._errors import LimitError

        msg = f"image of {w}x{h} = {w * h} pixels exceeds the limit of {max_pixels} (decompression-bomb guard)"
        raise LimitError(msg)
    c = CHANNELS[ctype]
    bpp = c * depth // 8
    stride = w * bpp + 1
    expected = h * stride
    d = zlib.decompressobj()
    try:
        raw = d.decompress(b"".join(idat), expected + 1)
    except zlib.error as e:
        msg = f"PNG: corrupt image data ({e})"
        raise DecodeError(msg) from None
    if len(raw) != expected:
        msg = f"PNG: image data has {len(raw)} bytes, expected {expected} (truncated or corrupt)"
        raise DecodeError(msg)
    rows = np.frombuffer(raw, np.uint8).reshape(h, stride)
    kinds = rows[:, 0]
    if not np.isin(kinds, (0, 1, 2)).all():
        return None
    px = rows[:, 1:].copy()
    if (kinds == 1).any():
        # Sub: running sum along each row, per byte lane (uint8 arithmetic wraps like PNG's).
        sub_rows = kinds == 1
        lanes = px[sub_rows].reshape(int(sub_rows.sum()), w, bpp)
        px[sub_rows] = np.cumsum(lanes, axis=1, dtype=np.uint8).reshape(-1, w * bpp)
    if (kinds == 2).any():
        # Up: each Up row adds the reconstructed row above; runs of Up rows are a cumulative sum.
        if kinds.all() == 2 or (kinds == 2).all():
            px = np.cumsum(px, axis=0, dtype=np.uint8)
        else:
            for y in range(1, h):
                if kinds[y] == 2:
                    px[y] += px[y - 1]
    dtype = np.dtype(">u2") if depth == 16 else np.dtype(np.uint8)
    out = px.view(dtype).reshape(h, w, c)
    if depth == 16:
        out = out.astype(np.uint16)
    return out[:, :, 0] if c == 1 else out


def encode(arr: np.ndarray, *, quality: int | None = None) -> bytes:
    """The format's encoder for :class:`FormatSpec` (``quality`` does not apply to PNG)."""
    return encode_png(arr)


def _probe(source: Source) -> dict[str, object]:
    from . import raster

    return raster.probe_source(source)


def _convert(src: object, dst: object, *, progress: object = None) -> None:
    from . import raster

    raster.convert(src, dst, progress=progress)


def _decode(source: Source, *, page: int | None = None) -> tuple[np.ndarray, int]:
    from . import raster

    return raster.decode_source(source, page=page)


SPEC = FormatSpec(
    name="png",
    kinds=("image",),
    suffixes=(".png",),
    media_type="image/png",
    magic=(_SIGNATURE,),
    probe=_probe,
    decode=_decode,
    encode=encode,
    convert=_convert,
    converts_to=("jpeg", "webp", "bmp"),
    description="PNG, written by mediakit's own vectorised encoder (8/16-bit, 1-4 channels)",
)
