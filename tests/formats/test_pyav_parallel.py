"""In-process MP4/WebM encoding is deterministic under parallel load: the same frames encoded in
several processes at once (and in threads of one process) give identical bytes, equal to a lone
encode; and the H.264 settings are x264's default quality (crf 23)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

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
