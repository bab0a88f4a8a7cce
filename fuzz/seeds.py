"""Seed inputs for the fuzz targets: the real files of ``fixtures/corpus`` (by format, through the
format registry) plus a small valid file for every registered format the corpus has no file of
(written here with Pillow, soundfile, ffmpeg, pyarrow or by hand), so every reader starts from
input it accepts. Small files only: a fuzzer runs many more executions on a 4 KB file than on a
700 KB photo.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"
#: Corpus files larger than this are left out of the seeds (they slow every execution down).
MAX_SEED_BYTES = 200_000


def corpus_files() -> list[Path]:
    """Every media file of the corpus (``SOURCES.md`` excluded), sorted."""
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


@functools.cache
def seeds(fmt: str, max_bytes: int = MAX_SEED_BYTES) -> tuple[bytes, ...]:
    """Valid (and a few deliberately broken, from ``corpus/bad``) files of format ``fmt``: the
    corpus's files of that format no larger than ``max_bytes``, then generated ones. Never empty
    for a built-in format."""
    from mediakit.formats import spec_for_path

    out = []
    for p in corpus_files():
        spec = spec_for_path(p)
        if spec is not None and spec.name == fmt and p.stat().st_size <= max_bytes:
            out.append(p.read_bytes())
    out += _generated(fmt)
    return tuple(out)


# -- generated seeds ------------------------------------------------------------------------------


def _pixels() -> np.ndarray:
    y, x = np.mgrid[0:12, 0:16]
    return np.stack([x * 16, y * 20, (x + y) * 9], axis=-1).astype(np.uint8)


def _pil(fmt: str, **kw: object) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(_pixels()).save(buf, format=fmt, **kw)
    return buf.getvalue()


def _gif() -> bytes:
    from PIL import Image

    frames = [Image.fromarray(np.roll(_pixels(), i * 3, axis=1)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def _tone() -> np.ndarray:
    return (0.4 * np.sin(2 * np.pi * 440 * np.arange(4000) / 8000)).astype(np.float32)


def _soundfile(fmt: str, subtype: str | None = None) -> bytes:
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, _tone(), 8000, format=fmt, subtype=subtype)
    return buf.getvalue()


def _ffmpeg_video(suffix: str, *codec: str) -> bytes:
    """A 0.4 s, 32x24 test pattern in the container ``suffix`` names (ffmpeg from imageio-ffmpeg)."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"seed{suffix}"
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=10:duration=0.4",
               *codec, "-pix_fmt", "yuv420p", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, timeout=60, stdin=subprocess.DEVNULL, capture_output=True)
        return out.read_bytes()


_TABLE_ROWS = [{"x": i, "y": i * 0.5, "name": "ab"[i % 2], "ok": i % 3 == 0} for i in range(5)]


def _parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(_TABLE_ROWS), buf)
    return buf.getvalue()


def _delimited(sep: str) -> bytes:
    lines = [sep.join(_TABLE_ROWS[0])] + [sep.join(str(v) for v in r.values()) for r in _TABLE_ROWS]
    return ("\n".join(lines) + "\n").encode()


def _npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.random.default_rng(1).random((16, 3)).astype(np.float32))
    return buf.getvalue()


_OFF = b"OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n3 0 2 3\n3 1 2 3\n"
_OBJ = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n"
_PTS = {"type": "lidar/beta", "points": [[0, 0, 0], [1, 2, 3], [0.5, 0.5, 0.1]],
        "boxes": [{"corners": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
                   "label": "car", "color": [255, 0, 0]}]}  # fmt: skip
_PDB = (b"HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\n"
        b"HETATM    2  H1  HOH A   1       0.957   0.000   0.000  1.00  0.00           H\n"
        b"HETATM    3  H2  HOH A   1      -0.240   0.927   0.000  1.00  0.00           H\nEND\n")  # fmt: skip
_HTML = b"<!doctype html><html><head><title>t</title></head><body><h1>Title</h1><p>text <b>bold</b></p></body></html>"


def _generated(fmt: str) -> list[bytes]:
    makers = {
        "png": lambda: _pil("PNG"),
        "jpeg": lambda: _pil("JPEG", quality=80),
        "webp": lambda: _pil("WEBP", lossless=True),
        "bmp": lambda: _pil("BMP"),
        "tiff": lambda: _pil("TIFF"),
        "pnm": lambda: _pil("PPM"),
        "gif": _gif,
        "wav": lambda: _soundfile("WAV", "PCM_16"),
        "flac": lambda: _soundfile("FLAC"),
        "ogg": lambda: _soundfile("OGG", "VORBIS"),
        "mp3": lambda: _soundfile("MP3", "MPEG_LAYER_III"),
        "mp4": lambda: _ffmpeg_video(".mp4", "-c:v", "libx264"),
        "m4v": lambda: _ffmpeg_video(".m4v", "-c:v", "libx264"),
        "mov": lambda: _ffmpeg_video(".mov", "-c:v", "libx264"),
        "mkv": lambda: _ffmpeg_video(".mkv", "-c:v", "libx264"),
        "avi": lambda: _ffmpeg_video(".avi", "-c:v", "mpeg4"),
        "webm": lambda: _ffmpeg_video(".webm", "-c:v", "libvpx-vp9"),
        "ogv": lambda: _ffmpeg_video(".ogv", "-c:v", "libtheora"),
        "csv": lambda: _delimited(","),
        "tsv": lambda: _delimited("\t"),
        "jsonl": lambda: b"".join(json.dumps(r).encode() + b"\n" for r in _TABLE_ROWS),
        "json": lambda: json.dumps({"columns": list(_TABLE_ROWS[0]), "data": [list(r.values()) for r in _TABLE_ROWS]}).encode(),
        "parquet": _parquet,
        "npy": _npy,
        "off": lambda: _OFF,
        "obj": lambda: _OBJ,
        "pts.json": lambda: json.dumps(_PTS).encode(),
        "pdb": lambda: _PDB,
        # The corpus's PQR file is 400 KB: its remarks and first residues are a valid, small one.
        "pqr": lambda: b"".join((CORPUS / "molecules" / "1A2C.pqr").read_bytes().splitlines(keepends=True)[:220]),
        "html": lambda: _HTML,
    }
    make = makers.get(fmt)
    return [make()] if make is not None else []


def gz(blob: bytes) -> bytes:
    """``blob`` gzip-compressed, deterministically (mtime 0): seeds for ``.pdb.gz`` and the like."""
    return gzip.compress(blob, mtime=0)
