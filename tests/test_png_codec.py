"""The PNG writer and its fast reader: exact round trips through Pillow and
``decode_png_fast`` for every channel count and depth, odd sizes, one stream with a filter per
block of rows for mid-sized images, the block path for large images (bounded memory), the same
bytes whatever thread (fresh or not) and heap state, the filter choice, the zlib fallback,
deterministic output, and malformed input."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image as PILImage

from mediakit._errors import DecodeError, LimitError, MediaTypeError
from mediakit.formats import png
from mediakit.formats.png import BLOCK_BYTES, STREAM_BYTES, decode_png_fast, encode_png
from mediakit.formats.raster import decode_pixels

RNG = np.random.default_rng(99)
SHAPES = [(1, 1), (1, 257), (257, 1), (7, 13), (3, 4000), (64, 64)]


def pixels(shape: tuple[int, int], channels: int, dtype: Any, *, smooth: bool = False) -> np.ndarray:
    hi = 256 if dtype == np.uint8 else 65536
    full = shape + ((channels,) if channels > 1 else ())
    if smooth:  # photo-like: exercises the filter choice (Paeth/Up/Sub win on different rows)
        y, x = np.indices(shape)
        base = (x * 3 + y * 5 + (x * y) % 7) % hi
        if channels == 1:
            return base.astype(dtype)
        return np.stack([(base + 40 * c) % hi for c in range(channels)], -1).astype(dtype)
    return RNG.integers(0, hi, full, dtype=dtype)


def pil_decode(data: bytes) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(data))
    assert im.format == "PNG"
    im.load()
    return im


def ihdr(data: bytes) -> tuple[int, ...]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">IIBBBBB", data[16:29])


@pytest.mark.parametrize("smooth", [False, True], ids=["noise", "smooth"])
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{h}x{w}" for h, w in SHAPES])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["8bit", "16bit"])
def test_round_trip(dtype: Any, channels: int, shape: tuple[int, int], smooth: bool) -> None:
    arr = pixels(shape, channels, dtype, smooth=smooth)
    data = encode_png(arr)
    assert data == encode_png(arr.copy())  # deterministic
    w, h, depth, colour, _, _, interlace = ihdr(data)
    assert (w, h, depth, colour, interlace) == (
        shape[1],
        shape[0],
        8 if dtype == np.uint8 else 16,
        {1: 0, 2: 4, 3: 2, 4: 6}[channels],
        0,
    )
    # Pillow reads every file exactly (16-bit colour only at 8 bits: it has no such mode).
    im = pil_decode(data)
    if dtype == np.uint8:
        np.testing.assert_array_equal(np.asarray(im), arr)
    elif channels == 1:
        np.testing.assert_array_equal(np.asarray(im).astype(np.uint16), arr)
    elif channels in (3, 4):
        np.testing.assert_array_equal(np.asarray(im), (arr >> 8).astype(np.uint8))
    # The fast reader reads 16-bit files always (they use only Sub/Up filters), 8-bit ones when
    # no Average block was chosen; whatever it returns is exact.
    fast = decode_png_fast(data, max_pixels=10**9)
    if dtype == np.uint16:
        assert fast is not None
    if fast is not None:
        assert fast.dtype == arr.dtype
        np.testing.assert_array_equal(fast, arr)
    # decode_pixels gives the exact array either way.
    out = decode_pixels(data)
    assert out.dtype == arr.dtype
    np.testing.assert_array_equal(out, arr)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16]),
        shape=st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 2, 3, 4])),
    )
)
def test_round_trip_property(arr: np.ndarray) -> None:
    data = encode_png(arr)
    np.testing.assert_array_equal(decode_pixels(data), arr[:, :, 0] if arr.shape[2] == 1 else arr)


def test_two_dimensional_and_single_channel_agree() -> None:
    arr = pixels((10, 12), 1, np.uint8)
    assert encode_png(arr) == encode_png(arr[:, :, None])


def test_non_contiguous_input() -> None:
    base = pixels((40, 60), 4, np.uint8)
    view = base[::2, 1::3, :3]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(decode_pixels(encode_png(view)), view)


@pytest.mark.parametrize(("dtype", "channels"), [(np.uint8, 3), (np.uint16, 4), (np.uint8, 1)])
def test_block_path(dtype: Any, channels: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Images above STREAM_BYTES (lowered here) are written block by block on the worker pool:
    one IDAT chunk per block, together one valid zlib stream (zlib checks the combined
    Adler-32), exact pixels."""
    monkeypatch.setattr(png, "STREAM_BYTES", BLOCK_BYTES)
    itemsize = np.dtype(dtype).itemsize
    h, w = 700, BLOCK_BYTES // (700 * channels * itemsize) * 3 + 50
    arr = pixels((h, w), channels, dtype, smooth=True)
    arr[::17] = RNG.integers(0, 256, arr[::17].shape, dtype=dtype)  # some noise rows
    calls: list[tuple[int, int]] = []
    real = png._block

    def spy(src: np.ndarray, start: int, end: int, *rest: Any) -> Any:
        calls.append((start, end))
        return real(src, start, end, *rest)

    monkeypatch.setattr(png, "_block", spy)
    data = encode_png(arr)
    per = BLOCK_BYTES // (w * channels * itemsize + 1)
    assert calls == [(s, min(h, s + per)) for s in range(0, h, per)] and len(calls) > 3
    chunks = _chunk_list(data)
    assert [t for t, _ in chunks].count(b"IDAT") == len(calls)
    assert data == encode_png(arr)  # deterministic
    raw = zlib.decompress(b"".join(body for t, body in chunks if t == b"IDAT"))
    assert len(raw) == h * (w * channels * itemsize + 1)
    np.testing.assert_array_equal(decode_pixels(data), arr)
    if dtype == np.uint8:
        np.testing.assert_array_equal(np.asarray(pil_decode(data)), arr)


def test_block_path_bytes_do_not_depend_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The block layout depends on the pixels only: a one-thread pool, a four-thread pool and
    the inline path (used on the pool's own threads) write the same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(png, "STREAM_BYTES", BLOCK_BYTES)
    arr = pixels((1500, 1200), 3, np.uint8, smooth=True)
    assert arr.nbytes > 2 * BLOCK_BYTES
    outputs = []
    for n in (1, 4):
        with ThreadPoolExecutor(n) as ex:
            monkeypatch.setattr(png, "_pool", lambda ex=ex: ex)
            monkeypatch.setattr(png, "_workers", lambda n=n: n)
            outputs.append(encode_png(arr))
    monkeypatch.setattr(png, "_in_pool", lambda: True)
    outputs.append(encode_png(arr))
    assert outputs[0] == outputs[1] == outputs[2]
    np.testing.assert_array_equal(decode_pixels(outputs[0]), arr)


def test_inline_on_pool_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Encoding on one of the shared pool's threads does not wait on the pool (no deadlock even
    when every worker is busy encoding)."""
    from mediakit._threads import pool, workers

    monkeypatch.setattr(png, "STREAM_BYTES", BLOCK_BYTES)
    arr = pixels((600, 1800), 3, np.uint8, smooth=True)
    expected = encode_png(arr)
    futures = [pool().submit(encode_png, arr) for _ in range(workers() + 1)]
    assert all(f.result(timeout=60) == expected for f in futures)


def test_mid_sized_images_are_one_stream_with_a_filter_per_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between BLOCK_BYTES and STREAM_BYTES of rows: one IDAT chunk (one deflate call), each
    block of rows with its own filter (here Sub for the top half, Up for the bottom half), the
    pool not used."""
    calls: list[Any] = []
    monkeypatch.setattr(png, "_block", lambda *a: calls.append(a))
    h, w = 1400, 1500  # 4.2 MB of 3-channel rows
    per = BLOCK_BYTES // (w * 3 + 1)
    y, x = np.mgrid[0:h, 0:w]
    ramp = np.stack([(x * 7 + c) % 256 for c in range(3)], -1).astype(np.uint8)  # rows: Sub wins
    rows = np.broadcast_to(RNG.integers(0, 256, (1, w, 3), dtype=np.uint8), (h, w, 3))  # columns: Up wins
    shift = RNG.integers(0, 256, (h, 1, 1), dtype=np.uint8)  # each row of the ramp moved: Up residuals large
    arr = np.where((y < 2 * per)[..., None], ramp + shift, rows).astype(np.uint8)
    assert BLOCK_BYTES < arr.nbytes < STREAM_BYTES
    data = encode_png(arr)
    assert calls == []
    chunks = _chunk_list(data)
    assert [t for t, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    raw = np.frombuffer(zlib.decompress(chunks[1][1]), np.uint8).reshape(h, w * 3 + 1)
    assert set(raw[: 2 * per, 0]) == {1} and set(raw[2 * per :, 0]) == {2}
    np.testing.assert_array_equal(decode_pixels(data), arr)


def _dirty_heap() -> None:
    """Free blocks of random bytes of the sizes deflaters allocate (state, tables, windows,
    output buffers), so a library reading memory it never wrote would see garbage."""
    junk = [RNG.integers(0, 256, n, dtype=np.uint8).tobytes() for n in (1 << 12, 1 << 14, 1 << 16, 200_000, 1 << 18, 1 << 20, 1 << 21)]
    del junk


@pytest.mark.parametrize("path", ["one stream", "blocks"])
def test_bytes_do_not_depend_on_the_thread_or_the_heap(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Content addresses need the same bytes for the same pixels: the calling thread, fresh
    threads (fresh, zeroed heap arenas) and threads that ran on a dirtied heap all agree, for
    both deflate paths (ISA-L, the writer's former backend, disagreed between threads)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    if path == "blocks":
        monkeypatch.setattr(png, "STREAM_BYTES", BLOCK_BYTES)
    arr = pixels((1100, 1000), 3, np.uint8, smooth=True)
    arr[::13] = RNG.integers(0, 256, arr[::13].shape, dtype=np.uint8)
    expected = encode_png(arr)
    outputs: list[bytes] = []

    def run(dirty: bool) -> None:
        if dirty:
            _dirty_heap()
        outputs.append(encode_png(arr))

    for dirty in (False, True):
        t = threading.Thread(target=run, args=(dirty,))
        t.start()
        t.join()
        with ThreadPoolExecutor(3) as ex:
            list(ex.map(run, [dirty] * 3))
        run(dirty)
    assert len(outputs) == 10
    assert all(o == expected for o in outputs)
    assert [t for t, _ in _chunk_list(expected)].count(b"IDAT") == (1 if path == "one stream" else 2)


def test_large_image_memory_is_bounded() -> None:
    """Peak extra memory of a large encode is the output plus a few blocks, not copies of the
    input (24 MB here; the filtered image alone would be as large)."""
    import tracemalloc

    y, x = np.mgrid[0:2000, 0:4000]
    arr = np.stack([(x // 3 + y // 5) % 256, (x * y // 997) % 256, (x // 7) % 256], -1).astype(np.uint8)
    arr[::97] = RNG.integers(0, 256, arr[::97].shape, dtype=np.uint8)
    encode_png(arr)  # pool and library warm
    tracemalloc.start()
    try:
        data = encode_png(arr)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    from mediakit._threads import workers

    assert peak <= len(data) * 1.25 + (workers() + 2) * 4 * BLOCK_BYTES
    assert peak < 0.5 * arr.nbytes
    np.testing.assert_array_equal(decode_pixels(data), arr)


def _filters(data: bytes, stride: int) -> set[int]:
    raw = zlib.decompress(b"".join(body for t, body in _chunk_list(data) if t == b"IDAT"))
    return set(raw[::stride])


def test_filter_choice() -> None:
    """One filter per block, the one with the least residuals: Sub for rows that change only
    along x, Up for columns that change only along y, Average for photos."""
    y, x = np.mgrid[0:64, 0:300]
    noise = RNG.integers(0, 256, 300, dtype=np.uint8)
    across = np.broadcast_to(noise, (64, 300)).copy()  # every row the same: Up residuals are 0
    along = ((x * 7) % 256).astype(np.uint8) + noise[:64, None]  # a ramp per row: Sub residuals tiny
    assert _filters(encode_png(across), 301) == {2}
    assert _filters(encode_png(along), 301) == {1}
    from PIL import Image as PILImage

    with PILImage.open(CORPUS / "astronaut.png") as im:
        photo = np.asarray(im.convert("RGB"))
    with pytest.MonkeyPatch.context() as m:  # one stream, one block: one filter for the photo
        m.setattr(png, "SPLIT_BYTES", STREAM_BYTES + 1)
        assert _filters(encode_png(photo), photo.shape[1] * 3 + 1) == {3}
    # 16-bit images never get Average (the fast reader undoes Sub and Up only).
    assert _filters(encode_png(photo.astype(np.uint16) * 257), photo.shape[1] * 6 + 1) <= {1, 2}


CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "images"


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "camera.png"])
def test_size_close_to_pillow_default(name: str) -> None:
    """On real photographs the file is at most 1.12x what Pillow writes at its default level 6
    (the incumbents' encoder), and smaller than Pillow's fastest level."""
    from PIL import Image as PILImage

    with PILImage.open(CORPUS / name) as im:
        photo = np.asarray(im)

    def pil(level: int) -> int:
        buf = io.BytesIO()
        PILImage.fromarray(photo).save(buf, "png", compress_level=level)
        return buf.tell()

    size = len(encode_png(photo))
    assert size <= 1.12 * pil(6)
    assert size <= pil(1)


def test_zlib_fallback(monkeypatch: pytest.MonkeyPatch, block_import: Any) -> None:
    """Without the deflate package (libdeflate) the stdlib zlib writes the same pixels (both
    paths)."""
    arr = pixels((700, 1500), 3, np.uint8, smooth=True)
    small = pixels((30, 40), 4, np.uint8, smooth=True)
    block_import.add("deflate")
    monkeypatch.setattr(png, "_deflater", None)
    assert png.backend() == f"zlib {zlib.ZLIB_RUNTIME_VERSION}"
    for a in (arr, small):
        data = encode_png(a)
        np.testing.assert_array_equal(decode_pixels(data), a)
        np.testing.assert_array_equal(np.asarray(pil_decode(data)), a)
    monkeypatch.setattr(png, "_deflater", None)
    block_import.discard("deflate")
    assert png.backend().startswith("libdeflate (deflate ")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.binary(max_size=3000))
def test_adler_combine(x: bytes, y: bytes) -> None:
    assert png._adler_combine(zlib.adler32(x), zlib.adler32(y), len(y)) == zlib.adler32(x + y)


def test_adler_combine_long() -> None:
    x = RNG.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    y = b"\xff" * 150_000
    assert png._adler_combine(zlib.adler32(x), zlib.adler32(y), len(y)) == zlib.adler32(x + y)


def _chunk_list(data: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        out.append((tag, body))
        pos += 12 + length
    return out


def _chunks(data: bytes) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        out[tag] = out.get(tag, b"") + body
        pos += 12 + length
    return out


def test_file_has_only_the_needed_chunks() -> None:
    data = encode_png(pixels((5, 6), 3, np.uint8))
    assert list(_chunks(data)) == [b"IHDR", b"IDAT", b"IEND"]  # no text, time or gamma chunks


def test_compresses_smooth_images() -> None:
    arr = pixels((256, 256), 3, np.uint8, smooth=True)
    assert len(encode_png(arr)) < arr.nbytes / 4


@pytest.mark.parametrize(
    ("arr", "match"),
    [
        (np.zeros((4, 4), np.float32), r"pixels: expected uint8 or uint16, got float32"),
        (np.zeros((4, 4), np.int16), r"pixels: expected uint8 or uint16, got int16"),
        (np.zeros((4, 4, 5), np.uint8), r"pixels: expected 1 to 4 channels, got 5"),
    ],
)
def test_encode_refuses(arr: np.ndarray, match: str) -> None:
    with pytest.raises(MediaTypeError, match=match):
        encode_png(arr)


def _png(header: tuple[int, ...], payload: bytes, *, extra: list[tuple[bytes, bytes]] | None = None) -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    body = b"".join(chunk(t, b) for t, b in (extra or []))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", *header))
        + body
        + chunk(b"IDAT", zlib.compress(payload))
        + chunk(b"IEND", b"")
    )


def test_fast_reader_declines_what_it_does_not_handle() -> None:
    assert decode_png_fast(b"GIF89a....", max_pixels=100) is None
    assert decode_png_fast(_png((2, 2, 8, 0, 0, 0, 1), b"\0" * 6), max_pixels=100) is None  # interlaced
    assert decode_png_fast(_png((2, 2, 4, 0, 0, 0, 0), b"\0" * 4), max_pixels=100) is None  # 4-bit
    assert decode_png_fast(_png((2, 2, 8, 3, 0, 0, 0), b"\0" * 6, extra=[(b"PLTE", b"\0\0\0")]), max_pixels=100) is None
    assert decode_png_fast(_png((2, 1, 8, 0, 0, 0, 0), b"\x04\x01\x02"), max_pixels=100) is None  # a Paeth row


def test_fast_reader_errors() -> None:
    good = encode_png(pixels((8, 8), 3, np.uint16))
    with pytest.raises(DecodeError, match=r"PNG: file is truncated"):
        decode_png_fast(good[:-30], max_pixels=10**6)
    with pytest.raises(LimitError, match=r"image of 8x8 = 64 pixels exceeds the limit of 10 \(decompression-bomb guard\)"):
        decode_png_fast(good, max_pixels=10)
    with pytest.raises(DecodeError, match=r"PNG: image data has 3 bytes, expected 8 \(truncated or corrupt\)"):
        decode_png_fast(_png((3, 2, 8, 0, 0, 0, 0), b"\0\0\0"), max_pixels=100)
    with pytest.raises(DecodeError, match=r"PNG: image of 0x5 pixels has no pixels"):
        decode_png_fast(_png((0, 5, 8, 0, 0, 0, 0), b"\0" * 5), max_pixels=100)
    corrupt = bytearray(good)
    pos = good.index(b"IDAT") + 6
    corrupt[pos : pos + 8] = b"\xff" * 8
    with pytest.raises(DecodeError):
        decode_png_fast(bytes(corrupt), max_pixels=10**6)


def test_decode_pixels_names_the_field() -> None:
    good = encode_png(pixels((8, 8), 1, np.uint16))
    with pytest.raises(DecodeError, match=r"masks\['m'\]: PNG: file is truncated"):
        decode_pixels(good[:-30], field="masks['m']")
    with pytest.raises(LimitError, match=r"thumb: image of 8x8 = 64 pixels exceeds the limit of 10 \(decompression-bomb guard\)"):
        decode_pixels(good, field="thumb", max_pixels=10)


def test_fast_reader_refuses_overlong_sides() -> None:
    """A 1 x 4,000,000 PNG is few pixels but a row loop of millions: refused by the side limit."""
    import struct
    import zlib

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    h = 4_000_000
    rows = bytes([0, 0, 2, 0]) * (h // 2)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    with pytest.raises(LimitError, match="each side must be between 1 and 65500"):
        decode_png_fast(data, max_pixels=10**9)


# -- images deflated in two parts at once (libdeflate + the C extension's block walker) ---------


def _split_available() -> bool:
    from mediakit import _native

    return png._deflate_lib()[1] == "libdeflate" and _native.speedups() is not None


@pytest.mark.parametrize(
    ("shape", "channels", "dtype"),
    [((512, 512), 3, np.uint8), ((1024, 512), 1, np.uint8), ((400, 200), 4, np.uint16), ((4, 50000), 3, np.uint8), ((1400, 1500), 3, np.uint8)],
)
def test_split_images_are_one_valid_stream(shape: tuple[int, int], channels: int, dtype: Any) -> None:
    """Between SPLIT_BYTES and STREAM_BYTES of rows: one IDAT chunk holding one zlib stream whose
    two parts were deflated at once (the first part's final flag cleared, a sync flush after
    it); it inflates to exactly the filtered rows, with the filter blocks of the image cut where
    the parts meet, and Pillow and our reader decode the pixels."""
    if not _split_available():
        pytest.skip("libdeflate or the C extension is missing here (CI installs both)")
    calls: list[Any] = []
    real = png._head_part

    def head_part(*a: Any) -> Any:
        calls.append(a[1])  # the cut
        return real(*a)

    arr = pixels(shape, channels, dtype, smooth=True)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(png, "_head_part", head_part)
        data = encode_png(arr)
    h = shape[0]
    assert calls == [max(1, min(h - 1, round(h * png.SPLIT_SHARE)))]
    chunks = _chunk_list(data)
    assert [t for t, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    stride = shape[1] * channels * np.dtype(dtype).itemsize + 1
    raw = zlib.decompress(chunks[1][1])  # the Adler-32 of the whole is checked here
    rows = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder(">")).view(np.uint8).reshape(h, stride - 1)
    per, cut = max(1, png.BLOCK_BYTES // stride), calls[0]
    bpp, avg = channels * np.dtype(dtype).itemsize, dtype == np.uint8
    want = np.concatenate([png._filter_rows(rows, bpp, avg, per, 0, cut), png._filter_rows(rows, bpp, avg, per, cut, h)])
    assert raw == want.tobytes()
    np.testing.assert_array_equal(decode_pixels(data), arr)
    if dtype == np.uint8:
        np.testing.assert_array_equal(np.asarray(pil_decode(data)).reshape(arr.shape), arr)


def test_split_bytes_do_not_depend_on_threads() -> None:
    # On one of the pool's threads (batch encoding) the parts are deflated one after the other.
    from mediakit._threads import pool

    if not _split_available():
        pytest.skip("libdeflate or the C extension is missing here (CI installs both)")
    arr = pixels((512, 512), 3, np.uint8, smooth=True)
    here = encode_png(arr)
    assert pool().submit(encode_png, arr).result(timeout=60) == here
    assert {encode_png(arr) for _ in range(5)} == {here}


def test_below_split_bytes_the_image_is_one_deflate_call(monkeypatch: pytest.MonkeyPatch) -> None:
    mask = RNG.integers(0, 6, (512, 512), dtype=np.uint8)  # 256 kB of rows: a mask of a 512x512 image
    assert mask.nbytes < png.SPLIT_BYTES
    monkeypatch.setattr(png, "_write_split", lambda *a: pytest.fail("split below SPLIT_BYTES"))
    np.testing.assert_array_equal(decode_pixels(encode_png(mask)), mask)


def test_without_the_extension_the_image_is_one_deflate_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediakit import _native

    arr = pixels((512, 512), 3, np.uint8, smooth=True)
    monkeypatch.setattr(_native, "speedups", lambda: None)
    monkeypatch.setattr(png, "_write_split", lambda *a: pytest.fail("split without the block walker"))
    data = encode_png(arr)
    np.testing.assert_array_equal(decode_pixels(data), arr)
