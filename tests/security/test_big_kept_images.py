"""Big PNG/JPEG files kept byte-for-byte are proven whole in bounded memory (image data inflated
in slices, JPEGs decoded at an eighth of their size) and their pixels decoded only when asked: the
same descriptor and the same pixels as the eager path, broken files refused, and a 9400² all-zero
PNG (a few hundred KB) constructed without holding its 265 MB of pixels."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk
from mediakit.formats import raster
from mediakit.formats.png import encode_png

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "images"


def _exif_jpeg() -> bytes:
    rng = np.random.default_rng(1)
    im = PILImage.fromarray(rng.integers(0, 255, (40, 64, 3), dtype=np.uint8))
    exif = PILImage.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), quality=90)
    return buf.getvalue()


def _exif_png() -> bytes:
    rng = np.random.default_rng(2)
    im = PILImage.fromarray(rng.integers(0, 255, (30, 50, 4), dtype=np.uint8))
    exif = PILImage.Exif()
    exif[0x0112] = 8
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif.tobytes())
    return buf.getvalue()


def _pillow_png(arr: np.ndarray, **kw: object) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, "PNG", **kw)
    return buf.getvalue()


rng = np.random.default_rng(0)
SYNTHETIC = {"L", "LA", "RGB", "RGBA", "I;16", "16-bit RGB (ours)", "exif jpeg", "exif png"}
CASES = {
    "L": _pillow_png(rng.integers(0, 255, (33, 47), dtype=np.uint8)),
    "LA": _pillow_png(rng.integers(0, 255, (20, 21, 2), dtype=np.uint8)),
    "RGB": _pillow_png(rng.integers(0, 255, (25, 31, 3), dtype=np.uint8)),
    "RGBA": _pillow_png(rng.integers(0, 255, (25, 31, 4), dtype=np.uint8)),
    "I;16": _pillow_png(rng.integers(0, 65535, (19, 23), dtype=np.uint16)),
    "16-bit RGB (ours)": encode_png(rng.integers(0, 65535, (12, 13, 3), dtype=np.uint16)),
    "exif jpeg": _exif_jpeg(),
    "exif png": _exif_png(),
    **{p.name: p.read_bytes() for p in sorted(CORPUS.iterdir()) if p.suffix in (".png", ".jpg")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_bounded_path_gives_the_eager_descriptor_and_pixels(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ("f.jpg" if CASES[name][:2] == b"\xff\xd8" else "f.png")
    path.write_bytes(CASES[name])
    monkeypatch.setattr(raster, "EAGER_PIXELS", 1 << 40)
    eager = mk.Image(path)
    want = eager.encode(mk.MemoryStore())
    monkeypatch.setattr(raster, "EAGER_PIXELS", 0)
    lazy = mk.Image(path)
    got = lazy.encode(mk.MemoryStore())
    assert got == want
    if name in SYNTHETIC:  # plain modes: the bounded path was taken, nothing decoded to encode
        assert lazy._pixels is None
    assert np.array_equal(lazy.pixels, eager.pixels)
    assert (lazy.width, lazy.height, lazy.mode) == (eager.width, eager.height, eager.mode)


def test_a_big_file_keeps_no_pixels_until_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.png"
    path.write_bytes(CASES["RGB"])
    monkeypatch.setattr(raster, "EAGER_PIXELS", 0)
    img = mk.Image(path)
    assert img._pixels is None
    assert img.pixels.shape == (25, 31, 3)


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        n = int.from_bytes(png[pos : pos + 4], "big")
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + n]))
        pos += 12 + n
    return out


def _assemble(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for tag, body in chunks:
        out += len(body).to_bytes(4, "big") + tag + body + zlib.crc32(tag + body).to_bytes(4, "big")
    return out


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "PNG: file is truncated"),
        ("crc", "fails its CRC check"),
        ("short data", "truncated or corrupt"),
        ("filter", "has an unknown filter"),
        ("ihdr", "IHDR chunk is 14 bytes long"),
        ("jpeg", "JPEG data is broken or truncated"),
    ],
)
def test_broken_big_files_are_refused(damage: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raster, "EAGER_PIXELS", 0)
    arr = np.random.default_rng(5).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    png = _pillow_png(arr)
    chunks = _chunks(png)
    if damage == "truncated":
        blob = png[: len(png) // 2]
    elif damage == "crc":
        blob = bytearray(png)
        blob[png.index(b"IDAT") + 14] ^= 0xFF  # inside the image data: the CRC no longer matches
        blob = bytes(blob)
    elif damage == "short data":
        raw = zlib.decompress(b"".join(b for t, b in chunks if t == b"IDAT"))
        blob = _assemble([(t, b) for t, b in chunks if t not in (b"IDAT", b"IEND")] + [(b"IDAT", zlib.compress(raw[:-121])), (b"IEND", b"")])
    elif damage == "filter":
        raw = bytearray(zlib.decompress(b"".join(b for t, b in chunks if t == b"IDAT")))
        raw[(1 + 40 * 3) * 7] = 9  # row 7's filter byte
        blob = _assemble([(t, b) for t, b in chunks if t not in (b"IDAT", b"IEND")] + [(b"IDAT", zlib.compress(bytes(raw))), (b"IEND", b"")])
    elif damage == "ihdr":
        blob = _assemble([(t, b + b"\x00" if t == b"IHDR" else b) for t, b in chunks])
    else:
        buf = io.BytesIO()
        PILImage.fromarray(arr).save(buf, "JPEG")
        blob = buf.getvalue()[:-300]
    path = tmp_path / ("f.jpg" if damage == "jpeg" else "f.png")
    path.write_bytes(blob)
    with pytest.raises(mk.DecodeError, match=message):
        mk.Image(path)


def test_an_all_zero_9400_square_png_costs_neither_time_nor_memory(tmp_path: Path) -> None:
    path = tmp_path / "zero.png"
    make = "import numpy as np, sys; from mediakit.formats.png import encode_png; open(sys.argv[1], 'wb').write(encode_png(np.zeros((9400, 9400, 3), np.uint8)))"
    subprocess.run([sys.executable, "-c", make, str(path)], check=True)
    assert path.stat().st_size < 2_000_000
    probe = textwrap.dedent(
        """
        import resource, sys, time
        import mediakit as mk
        from mediakit.formats import raster  # imports done before measuring
        mk.Image  # the kind's imports too
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.process_time()  # CPU time: other processes on a busy machine do not count
        img = mk.Image(sys.argv[1])
        desc = img.encode(mk.MemoryStore())
        took = time.process_time() - t
        extra = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(took, extra, desc["width"], desc["height"], desc["mode"])
        """
    )
    out = subprocess.run([sys.executable, "-c", probe, str(path)], check=True, capture_output=True, text=True).stdout.split()
    took, extra_kib = float(out[0]), int(out[1])
    assert out[2:] == ["9400", "9400", "RGB"]
    assert took < 2.0, took
    assert extra_kib < 300 * 1024, extra_kib
