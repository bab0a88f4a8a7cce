"""The numpy PNG writer and its fast reader: exact round trips through Pillow and
``decode_png_fast`` for every channel count and depth, odd sizes, the parallel deflate path,
deterministic output, and malformed input."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image as PILImage

from mediakit._errors import DecodeError, LimitError, MediaTypeError
from mediakit.formats import png
from mediakit.formats.png import PARALLEL_BYTES, decode_png_fast, encode_png
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
    # no Paeth row was chosen; whatever it returns is exact.
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


@pytest.mark.parametrize(("dtype", "channels"), [(np.uint8, 3), (np.uint16, 4)])
def test_parallel_deflate(dtype: Any, channels: int, monkeypatch: pytest.MonkeyPatch) -> None:
    itemsize = np.dtype(dtype).itemsize
    h, w = 700, PARALLEL_BYTES // (700 * channels * itemsize) + 50
    arr = pixels((h, w), channels, dtype, smooth=True)
    arr[::17] = RNG.integers(0, 256, arr[::17].shape, dtype=dtype)  # some noise rows
    assert arr.nbytes + h > PARALLEL_BYTES
    calls: list[int] = []
    real = png._deflate

    def spy(data: memoryview, level: int) -> bytes:
        calls.append(len(data))
        return real(data, level)

    monkeypatch.setattr(png, "_deflate", spy)
    data = encode_png(arr)
    assert calls and calls[0] >= PARALLEL_BYTES  # the parallel path was taken
    assert data == encode_png(arr)  # and is deterministic
    # The joined slices form one valid zlib stream (checked by zlib itself, Adler-32 included).
    idat = _chunks(data)[b"IDAT"]
    raw = zlib.decompress(idat)
    assert len(raw) == h * (w * channels * itemsize + 1)
    np.testing.assert_array_equal(decode_pixels(data), arr)
    if dtype == np.uint8:
        np.testing.assert_array_equal(np.asarray(pil_decode(data)), arr)


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
