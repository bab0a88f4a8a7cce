"""In-process MP4/WebM encoding is deterministic under parallel load: the same frames encoded in
several processes at once (and in threads of one process) give identical bytes, equal to a lone
encode; and the H.264 settings are x264's default quality (crf 23)."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import mediakit as mk

ROOT = Path(__file__).resolve().parents[2]

# Moving, textured frames: enough motion that the encoder's threads have real work.
SCRIPT = """
import hashlib, sys
import numpy as np
import mediakit as mk
y, x = np.mgrid[0:96, 0:128]
frames = np.stack([np.stack([(x * 2 + t * 5) % 256, (y * 3 + t * 7) % 256, ((x + y) * t) % 256], 0) for t in range(24)]).astype(np.uint8)
for fmt in sys.argv[1:]:
    desc = mk.Video(frames, fps=8, format=fmt).encode(mk.MemoryStore())
    print(fmt, desc["sha256"])
"""


def _frames() -> np.ndarray:
    y, x = np.mgrid[0:96, 0:128]
    return np.stack([np.stack([(x * 2 + t * 5) % 256, (y * 3 + t * 7) % 256, ((x + y) * t) % 256], 0) for t in range(24)]).astype(np.uint8)


def _encode(fmt: str) -> str:
    return str(mk.Video(_frames(), fps=8, format=fmt).encode(mk.MemoryStore())["sha256"])


def test_same_bytes_in_parallel_processes() -> None:
    formats = ["mp4", "webm"]
    alone = {fmt: _encode(fmt) for fmt in formats}
    procs = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, *formats], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(dict(line.split() for line in out.splitlines()))
    assert all(r == alone for r in results), (alone, results)


def test_same_bytes_in_parallel_threads() -> None:
    alone = _encode("mp4")
    with ThreadPoolExecutor(4) as ex:
        assert set(ex.map(lambda _: _encode("mp4"), range(6))) == {alone}


def test_h264_settings() -> None:
    from mediakit.formats import _pyav

    codec, options, muxer = _pyav.SETTINGS["mp4"]
    assert (codec, options["crf"], options["preset"]) == ("libx264", "23", "veryfast")
    assert muxer == {"movflags": "+faststart"}
    data = mk.MemoryStore()
    desc = mk.Video(_frames(), fps=8, format="mp4").encode(data)
    blob = data.read(desc["path"])
    assert hashlib.sha256(blob).hexdigest() == desc["sha256"]
    assert b"crf=23.0" in blob  # x264 writes its settings into the stream


def test_thread_count_follows_the_frame_size_only() -> None:
    from mediakit.formats import _ffvideo, _pyav

    assert _pyav.encoder_threads("mp4", 128, 128) == 1
    assert _pyav.encoder_threads("mp4", 1280, 720) == 2
    assert _pyav.encoder_threads("ogg", 1920, 1080) == 1
    assert _ffvideo._video_args("mp4", 1280, 720)[-2:] == ["-threads", "2"]
    assert "20" not in _ffvideo.VIDEO_ARGS["mp4"]  # the same quality (crf 23) as PyAV's path
    data = mk.MemoryStore()
    desc = mk.Video(_frames(), fps=8, format="mp4").encode(data)
    assert b"threads=1 " in data.read(desc["path"])  # x264 states its settings in the stream


# -- in memory or through a temporary file: the same bytes ----------------------------------------------------------


def _top_boxes(blob: bytes) -> list[bytes]:
    from mediakit.formats import _pyav

    return [kind for kind, *_ in _pyav._boxes(blob, 0, len(blob))]


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
@pytest.mark.parametrize(("t", "h", "w", "c"), [(24, 96, 128, 3), (5, 33, 17, 1), (3, 20, 20, 4)])
def test_clips_written_in_memory_equal_those_written_to_a_file(fmt, t, h, w, c, monkeypatch) -> None:
    from mediakit.formats import _ffvideo, _pyav

    rng = np.random.default_rng(t * h + c)
    frames = [(rng.integers(0, 255, (h, w, c)) // 32 * 32).astype(np.uint8) for _ in range(t)]
    calls = []
    real = _pyav._mux
    monkeypatch.setattr(_pyav, "_mux", lambda av, dest, *a, **k: (calls.append(type(dest).__name__), real(av, dest, *a, **k))[1])
    in_memory = _ffvideo.encode_frames(frames, width=w, height=h, fps=4, fmt=fmt, count=t)
    unbounded = _ffvideo.encode_frames(iter(frames), width=w, height=h, fps=4, fmt=fmt, count=None)  # count unknown
    monkeypatch.setattr(_pyav, "IN_MEMORY_RAW_BYTES", 0)
    too_big = _ffvideo.encode_frames(frames, width=w, height=h, fps=4, fmt=fmt, count=t)
    assert calls == ["BytesIO", "str", "str"]
    assert in_memory == unbounded == too_big
    if fmt == "mp4":
        assert _top_boxes(in_memory) == [b"ftyp", b"moov", b"free", b"mdat"]  # the index first


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _moov(stco: bytes) -> bytes:
    return _box(b"moov", _box(b"mvhd", b"\0" * 12) + _box(b"trak", _box(b"mdia", _box(b"minf", _box(b"stbl", stco)))))


@pytest.mark.parametrize("wide", [False, True])
def test_faststart_moves_the_index_and_every_chunk_offset(wide) -> None:
    from mediakit.formats import _pyav

    ftyp, free = _box(b"ftyp", b"isom" + b"\0" * 4), _box(b"free", b"")
    mdat = _box(b"mdat", bytes(range(40)))
    start = len(ftyp) + len(free) + 8  # the first media byte
    offsets = [start, start + 10, start + 30]
    table = struct.pack(f">II{len(offsets)}{'Q' if wide else 'I'}", 0, len(offsets), *offsets)
    moov = _moov(_box(b"co64" if wide else b"stco", table))
    out = _pyav.faststart(ftyp + free + mdat + moov)
    assert _top_boxes(out) == [b"ftyp", b"moov", b"free", b"mdat"]
    assert len(out) == len(ftyp + free + mdat + moov)
    moved = out[len(ftyp) : len(ftyp) + len(moov)]
    new = struct.unpack(f">{len(offsets)}{'Q' if wide else 'I'}", moved[-(8 if wide else 4) * len(offsets) :])
    assert [out[o] for o in new] == [mdat[8 + o - start] for o in offsets]  # still the same media bytes
    assert _pyav.faststart(out) == out  # the index in front already: as it is


def test_faststart_refuses_offsets_that_no_longer_fit_32_bits() -> None:
    from mediakit.formats import _pyav

    ftyp, mdat = _box(b"ftyp", b"isom" + b"\0" * 4), _box(b"mdat", b"x")
    moov = _moov(_box(b"stco", struct.pack(">III", 0, 1, 0xFFFFFFFF - 4)))
    with pytest.raises(mk.ValidationError, match="chunk offsets past 4 GiB"):
        _pyav.faststart(ftyp + mdat + moov)


@pytest.mark.parametrize(
    "layout",
    [
        [b"ftyp", b"moov", b"mdat"],  # already in front
        [b"ftyp", b"free", b"moov"],  # no media data
        [b"free", b"mdat", b"moov"],  # no ftyp first
        [b"ftyp", b"mdat", b"moov", b"moov"],  # two indexes
    ],
)
def test_faststart_leaves_other_layouts_as_they_are(layout) -> None:
    from mediakit.formats import _pyav

    blob = b"".join(_moov(_box(b"stco", struct.pack(">III", 0, 1, 40))) if k == b"moov" else _box(k, b"abcd") for k in layout)
    assert _pyav.faststart(blob) == blob


def test_faststart_refuses_a_box_running_past_the_end() -> None:
    from mediakit.formats import _pyav

    with pytest.raises(mk.ValidationError, match=r"MP4: box b'mdat' at byte 16 has a bad size 99"):
        _pyav.faststart(_box(b"ftyp", b"isom" + b"\0" * 4) + struct.pack(">I4s", 99, b"mdat") + b"x")
