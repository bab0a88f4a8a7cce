"""Video: input tables, round trips of all four formats through mk.decode, kept and converted
files, broken files, streaming memory, poster frames and animated previews.

Lossy tolerances stated here (and in the README): on smooth full-colour frames the mean absolute
error per channel value after a round trip is below 6 (of 255) for mp4, webm and ogg, and below
10 for GIF (one 256-colour palette per frame, no dithering); greyscale GIFs are lossless. GIF
frame delays are whole centiseconds, so GIF frame rates come back within 5%.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit._errors import DecodeError, LimitError, MediaFileNotFoundError, MediaTypeError, ValidationError
from mediakit.formats import _ffmpeg, _ffvideo, _pyav
from mediakit.formats import video as codec
from mediakit.render.video import animated_preview

pytest.importorskip("imageio_ffmpeg")

VIDEO = CORPUS / "video"
BAD = CORPUS / "bad"


def frames(t: int = 8, h: int = 24, w: int = 32, c: int = 3, *, blank: int = 0) -> np.ndarray:
    """Smooth moving colour waves ``(T, C, H, W)`` uint8; the first ``blank`` frames are black."""
    yy, xx = np.mgrid[0:h, 0:w] / 8.0
    out = np.empty((t, c, h, w), np.uint8)
    for i in range(t):
        planes = [np.sin(xx + i / 3), np.cos(yy - i / 4), np.sin((xx + yy) / 2 + i / 5)]
        for k in range(min(c, 3)):
            out[i, k] = np.rint(127.5 + 100 * planes[k])
        if c == 4:
            out[i, 3] = 255
    out[:blank] = 0
    return out


def ffmpeg(*args: str) -> None:
    subprocess.run([codec.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """Files in containers and codecs the corpus lacks, made with ffmpeg's test source."""
    d = tmp_path_factory.mktemp("made")
    src = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1"]
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    ffmpeg(*src, *tone, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", "-shortest", str(d / "clip.mov"))
    ffmpeg(*src, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(d / "clip.mkv"))
    ffmpeg(*src, "-c:v", "mpeg4", str(d / "clip.avi"))
    ffmpeg(*src, "-c:v", "mpeg4", str(d / "mpeg4.mp4"))
    ffmpeg(*src, "-c:v", "libx264", "-pix_fmt", "yuv444p", str(d / "yuv444.mp4"))
    return {p.name: p for p in d.iterdir()}


class FakeTensor:
    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    def numpy(self) -> np.ndarray:
        return self._a


class FakeClip:
    """Duck-types a moviepy clip: iter_frames, fps, duration (moviepy is never imported)."""

    def __init__(self, fps: float | None = 10, duration: float = 0.5, bad_frame: int | None = None) -> None:
        self.fps, self.duration, self.bad_frame = fps, duration, bad_frame
        self.size = (32, 24)

    def iter_frames(self, fps=None, dtype=None, **_):
        n = int(self.duration * (fps or self.fps))
        data = np.moveaxis(frames(n), 1, -1)
        for i in range(n):
            yield data[i, :10] if i == self.bad_frame else data[i]


# -- good inputs ----------------------------------------------------------------------------------

GOOD_INPUTS = [
    # id, factory, expected descriptor fields
    (
        "reference-gif",
        lambda: mk.Video(frames(), fps=4, format="gif"),
        {"format": "gif", "codec": "gif", "frames": 8, "fps": 4, "duration": 2.0, "media_type": "image/gif"},
    ),
    ("default-gif", lambda: mk.Video(frames()), {"format": "gif", "width": 32, "height": 24}),
    ("mp4", lambda: mk.Video(frames(), format="mp4"), {"codec": "h264", "media_type": "video/mp4"}),
    ("mp4-odd-padded", lambda: mk.Video(frames(h=23, w=31), format="mp4"), {"width": 32, "height": 24}),
    (
        "webm",
        lambda: mk.Video(frames(h=23, w=31), format="webm"),
        {"codec": "vp9", "width": 31, "height": 23, "media_type": "video/webm"},
    ),
    ("ogg", lambda: mk.Video(frames(), format="ogg"), {"codec": "theora", "media_type": "video/ogg"}),
    ("ogv-alias", lambda: mk.Video(frames(), format="ogv"), {"format": "ogg"}),
    ("ogg-odd-exact", lambda: mk.Video(frames(h=33, w=47), format="ogg"), {"width": 47, "height": 33}),
    ("ogg-narrow-widened", lambda: mk.Video(frames(h=5, w=9), format="ogg"), {"width": 18, "height": 5}),
    ("webm-1x1", lambda: mk.Video(frames(h=1, w=1), format="webm"), {"width": 1, "height": 1}),
    ("grey", lambda: mk.Video(frames(c=1)), {"frames": 8}),
    ("rgba-gif", lambda: mk.Video(frames(c=4)), {"format": "gif"}),
    ("float-unit", lambda: mk.Video(frames().astype(np.float32) / 255), {"normalize": "unit"}),
    ("float-signed", lambda: mk.Video(frames().astype(np.float64) / 127.5 - 1), {"normalize": "signed_unit"}),
    ("uint16", lambda: mk.Video(frames().astype(np.uint16) * 257), {"normalize": "uint16"}),
    ("thwc", lambda: mk.Video(np.moveaxis(frames(), 1, -1), layout="THWC"), {"width": 32, "height": 24}),
    ("batch-4", lambda: mk.Video(np.stack([frames()] * 4)), {"width": 64, "height": 48}),
    ("batch-5", lambda: mk.Video(np.stack([frames()] * 5)), {"width": 96, "height": 48}),
    ("tensor-like", lambda: mk.Video(FakeTensor(frames())), {"frames": 8}),
    ("fps-fraction", lambda: mk.Video(frames(), fps=30000 / 1001, format="mp4"), {"fps": pytest.approx(29.97, abs=1e-3)}),
    ("clip", lambda: mk.Video(FakeClip()), {"frames": 5, "fps": 10}),
    ("clip-no-fps", lambda: mk.Video(FakeClip(fps=None), fps=8, format="webm"), {"frames": 4, "fps": 8}),
    (
        "corpus-mp4",
        lambda: mk.Video(str(VIDEO / "example.mp4")),
        {"format": "mp4", "width": 640, "height": 480, "frames": 50, "fps": 25.0, "duration": 2.0},
    ),
    (
        "corpus-webm",
        lambda: mk.Video.from_path(VIDEO / "big_buck_bunny_432_433.webm"),
        {"format": "webm", "codec": "vp8", "frames": 24, "has_audio": True},
    ),
    ("corpus-gif", lambda: mk.Video(VIDEO / "circle.gif"), {"format": "gif", "frames": 30, "duration": 2.1}),
    (
        "bytesio-with-format",
        lambda: mk.Video(io.BytesIO((VIDEO / "example.mp4").read_bytes()), format="mp4"),
        {"format": "mp4", "frames": 50},
    ),
    ("bytes", lambda: mk.Video.from_bytes((VIDEO / "circle.gif").read_bytes()), {"format": "gif"}),
    ("copy", lambda: mk.Video(mk.Video(frames(), caption="c")), {"caption": "c", "frames": 8}),
]


@pytest.mark.parametrize(("factory", "expected"), [g[1:] for g in GOOD_INPUTS], ids=[g[0] for g in GOOD_INPUTS])
def test_good_inputs(factory, expected, mem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="file_type='ogg': Theora")  # see test_theora_warns_*
        desc = check_descriptor(factory().encode(mem))
    for key, value in expected.items():
        assert desc[key] == value, key
    info = codec.probe(mem.read(desc["path"]))
    assert (info.width, info.height, info.frames, info.codec) == (desc["width"], desc["height"], desc["frames"], desc["codec"])


# -- bad inputs ---------------------------------------------------------------------------------------------


BAD_INPUTS = [
    (
        "3-d",
        lambda: mk.Video(np.zeros((8, 24, 32), np.uint8)),
        ValidationError,
        r"data: expected frames of shape \(T, C, H, W\) or \(B, T, C, H, W\), got a 3-D array.*add a channel axis",
    ),
    ("2-d", lambda: mk.Video(np.zeros((8, 24), np.uint8)), ValidationError, r"\(T, C, H, W\)"),
    ("6-d", lambda: mk.Video(np.zeros((1, 1, 1, 3, 4, 4), np.uint8)), ValidationError, "6-D"),
    (
        "two-channels",
        lambda: mk.Video(np.zeros((8, 2, 24, 32), np.uint8)),
        ValidationError,
        r"data: expected C in \(1, 3, 4\) at axis 1",
    ),
    ("channel-last-hint", lambda: mk.Video(np.zeros((8, 24, 32, 3), np.uint8)), ValidationError, "layout='THWC'"),
    ("no-frames", lambda: mk.Video(np.zeros((0, 3, 24, 32), np.uint8)), ValidationError, "at least one frame"),
    ("nan", lambda: mk.Video(np.full((2, 3, 4, 4), np.nan, np.float32)), ValidationError, "data: expected finite values"),
    ("complex", lambda: mk.Video(np.zeros((2, 3, 4, 4), np.complex64)), MediaTypeError, "data: expected a numeric array"),
    ("too-wide", lambda: mk.Video(np.zeros((1, 1, 1, 20000), np.uint8)), LimitError, "exceed the largest encodable side"),
    ("fps-zero", lambda: mk.Video(frames(), fps=0), ValidationError, "fps: expected a frame rate above 0"),
    ("fps-nan", lambda: mk.Video(frames(), fps=float("nan")), ValidationError, "fps"),
    ("fps-string", lambda: mk.Video(frames(), fps="4"), MediaTypeError, "fps: expected a number"),
    ("fps-bool", lambda: mk.Video(frames(), fps=True), MediaTypeError, "fps"),
    ("gif-too-fast", lambda: mk.Video(frames(), fps=60), ValidationError, "fps: browsers play GIFs at most at 50 fps, got 60"),
    (
        "format",
        lambda: mk.Video(frames(), format="avi"),
        ValidationError,
        r"format: expected one of \['gif', 'mp4', 'webm', 'ogg'\], got 'avi'",
    ),
    ("layout", lambda: mk.Video(frames(), layout="HWC"), ValidationError, "layout: expected 'TCHW' or 'THWC'"),
    ("normalize", lambda: mk.Video(frames(), normalize="yes"), ValidationError, "normalize: expected one of"),
    ("caption", lambda: mk.Video(frames(), caption=3), MediaTypeError, "caption"),
    ("object", lambda: mk.Video(object()), MediaTypeError, "data: expected a numpy array or array-like, path"),
    (
        "missing",
        lambda: mk.Video("/nonexistent/myvideo.mp4"),
        MediaFileNotFoundError,
        "data: video file '/nonexistent/myvideo.mp4' does not exist",
    ),
    ("directory", lambda: mk.Video(VIDEO), ValidationError, "is a directory"),
    (
        "corpus-truncated",
        lambda: mk.Video(BAD / "example_truncated.mp4"),
        DecodeError,
        r"data \('.*example_truncated.mp4'\): not a decodable video: moov atom not found",
    ),
    ("garbage", lambda: mk.Video(np.random.default_rng(0).bytes(5000)), DecodeError, r"data \(bytes\): not a decodable video"),
    ("audio-is-not-video", lambda: mk.Video(CORPUS / "audio" / "example.wav"), DecodeError, "has no video stream"),
    ("text-fileobj", lambda: mk.Video(io.StringIO("x")), MediaTypeError, "binary file object"),
    ("clip-duration", lambda: mk.Video(FakeClip(duration=float("inf"))), ValidationError, "finite positive duration"),
    ("clip-fps", lambda: mk.Video(FakeClip(fps=-3)), ValidationError, "clip.fps"),
    (
        "gif-bomb",
        lambda: mk.Video(b"GIF89a" + (60000).to_bytes(2, "little") * 2 + bytes(20) + b";"),
        LimitError,
        "GIF of 60000x60000 exceeds the pixel limit",
    ),
]


@pytest.mark.parametrize(("factory", "error", "match"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs(factory, error, match):
    with pytest.raises(error, match=match) as info:
        factory()
    assert type(info.value) is error


def test_garbage_named_mp4(tmp_path):
    p = tmp_path / "myvideo.mp4"
    p.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 20)
    with pytest.raises(DecodeError, match=r"myvideo.mp4'\): not a decodable video"):
        mk.Video(p)


@pytest.mark.parametrize("fmt", ["gif", "mp4", "webm", "ogg"])
def test_files_broken_by_truncation_are_decode_errors(fmt):
    blob = mk.Video(frames(t=12, h=32, w=32), fps=6, format=fmt).encode_bytes()
    for frac in (0.2, 0.6, 0.95):
        with pytest.raises(DecodeError):
            mk.Video(blob[: int(len(blob) * frac)])


@pytest.mark.parametrize("fmt", ["gif", "mp4", "webm", "ogg"])
def test_files_with_flipped_bytes_decode_or_are_decode_errors(fmt):
    blob = bytearray(mk.Video(frames(t=12, h=32, w=32), fps=6, format=fmt).encode_bytes())
    rng = np.random.default_rng(7)
    for i in rng.integers(len(blob) // 3, len(blob), 30):
        blob[i] ^= 0x5A
    try:
        v = mk.Video(bytes(blob))
    except DecodeError:
        return
    assert v.num_frames >= 1  # decoders conceal some damage; then the video must still be whole


def test_frame_limit_of_files():
    with pytest.raises(LimitError, match="more than 10 frames"):
        codec.probe(VIDEO / "example.mp4", max_frames=10)
    with pytest.raises(LimitError, match="more than 10 frames"):
        codec.probe(VIDEO / "circle.gif", max_frames=10)


def test_fps_given_for_a_file_is_reported_as_ignored():
    with pytest.warns(UserWarning, match=r"fps=10 is ignored for video files: the file's own rate \(25 fps\)"):
        v = mk.Video(VIDEO / "example.mp4", fps=10)
    assert v.fps == 25


def test_an_ffmpeg_without_the_encoder_is_a_missing_dependency(monkeypatch):
    monkeypatch.setattr(_pyav, "USE_PYAV", False)
    monkeypatch.setitem(_ffvideo.VIDEO_ARGS, "mp4", ["-c:v", "no_such_encoder"])
    with pytest.raises(mk.MissingDependencyError, match="lacks an encoder"):
        mk.Video(frames(), format="mp4").encode_bytes()


def test_probe_timeout_is_a_decode_error(monkeypatch):
    monkeypatch.setattr(_ffmpeg, "TIMEOUT", 1e-4)
    with pytest.raises(DecodeError, match="did not finish within"):
        mk.Video(VIDEO / "example.mp4")


def test_missing_video_extra_names_it(monkeypatch):
    _ffmpeg.ffmpeg_exe.cache_clear()
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    try:
        with pytest.raises(mk.MissingDependencyError, match=r"pip install 'mediakit\[video\]'"):
            mk.Video(frames(), format="ogg").encode(mk.MemoryStore())  # Theora needs the ffmpeg binary
        monkeypatch.setitem(sys.modules, "av", None)
        with pytest.raises(mk.MissingDependencyError, match=r"pip install 'mediakit\[video\]'"):
            mk.Video(frames(), format="mp4").encode(mk.MemoryStore())
        assert mk.Video(frames()).encode(mk.MemoryStore())["format"] == "gif"  # GIF needs only Pillow
    finally:
        _ffmpeg.ffmpeg_exe.cache_clear()


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_the_ffmpeg_binary_path_matches_the_pyav_path(fmt, monkeypatch):
    """MP4/WebM frames go through PyAV in-process when it is installed, else the ffmpeg binary:
    both are reproducible and give the same frames within the lossy tolerance."""
    src = frames(t=6, h=23, w=31)
    fast = mk.Video(src, format=fmt).encode_bytes()
    monkeypatch.setattr(_pyav, "USE_PYAV", False)
    slow = mk.Video(src, format=fmt).encode_bytes()
    assert slow == mk.Video(src.copy(), format=fmt).encode_bytes()
    a, b = codec.probe(fast), codec.probe(slow)
    assert (a.width, a.height, a.frames, a.codec, a.pix_fmt) == (b.width, b.height, b.frames, b.codec, b.pix_fmt)
    da, db = mk.Video(fast).data.astype(int), mk.Video(slow).data.astype(int)
    assert np.abs(da - db).mean() < 3


# -- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gif", "mp4", "webm", "ogg"])
def test_round_trip_of_every_format_within_tolerance(fmt, store):
    src = frames(t=10, h=40, w=48)
    video = mk.Video(src, fps=5, format=fmt, caption=fmt)
    desc, back = roundtrip(video, store)
    assert (back.format, back.num_frames, back.fps, back.caption) == (fmt, 10, 5, fmt)
    got = back.data[:, :40, :48].astype(np.int16)
    assert got.shape == (10, 40, 48, 3)
    assert float(np.abs(got - np.moveaxis(src, 1, -1)).mean()) < (10 if fmt == "gif" else 6)
    assert mk.decode(desc, store).encode(store) == {**desc, "fps": float(back.fps)}  # a kept file


def test_grey_gif_is_lossless_and_equal_after_decode(mem):
    video = mk.Video(frames(c=1), fps=4)
    desc, back = roundtrip(video, mem)
    grey = back.data
    assert np.array_equal(grey[..., 0], frames(c=1)[:, 0])
    assert mk.Video(mem.read(desc["path"])) == back


def test_gif_transparency_and_frame_timing(mem):
    src = frames(c=4)
    src[:, 3, :, :16] = 0  # left half transparent
    desc, back = roundtrip(mk.Video(src, fps=30), mem)
    rgba = back.data
    assert rgba.shape[-1] == 4 and (rgba[:, :, :16, 3] == 0).all() and (rgba[:, :, 16:, 3] == 255).all()
    assert desc["fps"] == 30 and back.num_frames == 8
    assert back.fps == pytest.approx(30, rel=0.05)  # 3, 3, 4, 3, 3, 4, 3, 4 cs


def test_alpha_is_dropped_with_a_warning_for_video_codecs(mem):
    with pytest.warns(UserWarning, match="format='mp4' cannot hold transparency"):
        v = mk.Video(frames(c=4), format="mp4")
    assert v.encode(mem)["format"] == "mp4"


def test_batch_is_tiled_without_extra_black_tiles():
    batch = np.stack([frames() // (i + 1) for i in range(5)])  # 5 videos -> 3 columns x 2 rows
    grid = mk.Video(batch).data
    assert grid.shape == (8, 48, 96, 3)
    for i in range(5):
        r, c = divmod(i, 3)
        assert np.array_equal(grid[:, r * 24 : (r + 1) * 24, c * 32 : (c + 1) * 32], np.moveaxis(batch[i], 1, -1))
    assert not grid[:, 24:, 64:].any()  # the one empty cell the grid shape needs
    assert mk.Video(np.stack([frames()] * 2)).data.shape == (8, 24, 64, 3)  # 2 -> 2 x 1, no padding


def test_clips_are_streamed_and_checked(mem):
    desc = mk.Video(FakeClip(), format="mp4").encode(mem)
    assert desc["frames"] == 5
    bad = mk.Video(FakeClip(bad_frame=3), format="mp4")
    with pytest.raises(ValidationError, match=r"clip frame 3: expected uint8 of shape \(24, 32, 3\)"):
        bad.encode(mem)
    assert list(mem._list()) == [desc["path"]]  # nothing left by the failed encode
    assert mk.Video.from_clip(FakeClip()).data.shape == (5, 24, 32, 3)
    with pytest.raises(MediaTypeError, match="moviepy clip"):
        mk.Video.from_clip(frames())


def test_mp4_is_browser_ready():
    blob = mk.Video(frames(h=23, w=31), format="mp4").encode_bytes()
    assert blob.index(b"moov") < blob.index(b"mdat")  # faststart: playable while downloading
    info = codec.probe(blob)
    assert (info.codec, info.pix_fmt, info.width % 2, info.height % 2) == ("h264", "yuv420p", 0, 0)
    assert b"avc1" in blob[:64] or b"isom" in blob[:64]


def test_encoding_is_deterministic_across_objects():
    for fmt in ("gif", "mp4", "webm", "ogg"):
        assert mk.Video(frames(), format=fmt).encode_bytes() == mk.Video(frames().copy(), format=fmt).encode_bytes()


def test_equality_by_content():
    a = mk.Video(frames())
    assert a == mk.Video(frames())
    assert a != mk.Video(frames(), fps=5)
    assert a != mk.Video(frames(), caption="x")


# -- files: kept or converted --------------------------------------------------------------------------------


def test_reference_path_example(tmp_path, monkeypatch, mem):
    shutil.copy(VIDEO / "example.mp4", tmp_path / "myvideo.mp4")
    monkeypatch.chdir(tmp_path)
    desc = mk.Video("myvideo.mp4").encode(mem)
    assert mem.read(desc["path"]) == (VIDEO / "example.mp4").read_bytes()  # kept byte-for-byte
    assert "converted_from" not in desc


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("clip.mov", "mov/h264"),
        ("clip.mkv", "mkv/h264"),
        ("clip.avi", "avi/mpeg4"),
        ("mpeg4.mp4", "mp4/mpeg4"),
        ("yuv444.mp4", "mp4/h264"),
    ],
)
def test_unsafe_inputs_are_converted_to_mp4(made, name, source, mem):
    desc = check_descriptor(mk.Video(made[name]).encode(mem))
    assert (desc["format"], desc["codec"], desc["converted_from"]) == ("mp4", "h264", source)
    info = codec.probe(mem.read(desc["path"]))
    assert info.browser_safe and info.pix_fmt == "yuv420p" and info.frames == 10
    if name == "clip.mov":
        assert desc["has_audio"] and info.audio_codec == "aac"


def test_files_are_converted_to_a_requested_format(mem):
    desc = mk.Video(VIDEO / "example.mp4", format="webm").encode(mem)
    assert (desc["format"], desc["codec"], desc["frames"], desc["converted_from"]) == ("webm", "vp9", 50, "mp4/h264")
    desc = mk.Video(VIDEO / "circle.gif", format="mp4").encode(mem)
    assert (desc["format"], desc["frames"]) == ("mp4", 30)
    desc = mk.Video(VIDEO / "big_buck_bunny_432_433.webm", format="gif").encode(mem)
    assert (desc["format"], desc["frames"], desc["has_audio"]) == ("gif", 24, False)


def test_corpus_files_encode_decode_and_thumbnail(tmp_path):
    store = mk.LocalStore(tmp_path / "s")
    for path in sorted(VIDEO.iterdir()):
        v = mk.Video(path)
        desc = check_descriptor(v.encode(store))
        assert store.read(desc["path"]) == path.read_bytes()
        px = np.asarray(PILImage.open(io.BytesIO(mk.thumbnail(desc, store, size=64))))
        assert max(px.shape[:2]) == 64 and px.std() > 10
        assert v.data.shape == (desc["frames"], desc["height"], desc["width"], 3)


# -- memory ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gif", "mp4"])
def test_encoding_streams_frames_without_copying_the_array(fmt):
    # 240 frames: what is buffered (the GIF writer's blocks of 2^17 pixels in flight, one frame
    # for MP4) stays the same whatever the clip's length, so the peak is a small fraction of a long
    # clip (a copy of the array alone would be 1.0); the encoded file itself is part of the peak.
    arr = np.ascontiguousarray(np.broadcast_to(frames(t=240, h=128, w=128), (240, 3, 128, 128)))
    video = mk.Video(arr, format=fmt)
    video.encode_bytes()  # warm-up: imports and caches
    tracemalloc.start()
    try:
        mk.Video(arr, format=fmt).encode_bytes()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.4 * arr.nbytes, f"peak {peak} bytes for a {arr.nbytes}-byte array"


# -- thumbnails ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gif", "mp4", "webm", "ogg"])
def test_poster_is_the_first_non_blank_frame(fmt, mem):
    desc = mk.Video(frames(t=6, h=40, w=64, blank=2), format=fmt).encode(mem)
    png = mk.thumbnail(desc, mem, size=32)
    assert png == mk.thumbnail(desc, mem, size=32)
    px = np.asarray(PILImage.open(io.BytesIO(png)))
    assert px.shape == (round(32 * desc["height"] / desc["width"]), 32, 3)  # ogg: 40 rows padded to 48
    assert px[:, 16:].std() > 20  # the picture, not the black frames


def test_animated_preview(mem):
    desc = mk.Video(frames(t=20, h=40, w=64), fps=10, format="mp4").encode(mem)
    gif = animated_preview(desc, mem, 32, max_frames=5)
    assert gif == animated_preview(desc, mem, 32, max_frames=5)
    im = PILImage.open(io.BytesIO(gif))
    assert im.format == "GIF" and im.n_frames == 5 and im.size == (32, 20)
    webp = animated_preview(desc, mem, 32, max_frames=4, format="webp")
    assert PILImage.open(io.BytesIO(webp)).n_frames == 4
    with pytest.raises(ValidationError, match="format: expected 'gif' or 'webp'"):
        animated_preview(desc, mem, 32, format="png")


def test_thumbnail_refuses_hostile_descriptors(mem):
    desc = mk.Video(frames(), format="mp4").encode(mem)
    with pytest.raises(LimitError, match="width, height"):
        mk.thumbnail({**desc, "width": 60000, "height": 60000}, mem)
    with pytest.raises(LimitError, match="frames"):
        mk.thumbnail(desc, mem, limits=mk.Limits(max_frames=3))
    with pytest.raises(LimitError, match="pixel limit"):  # the file is larger than the descriptor says
        mk.thumbnail({**desc, "width": 8, "height": 8}, mem, limits=mk.Limits(max_pixels=100))
    gif = mk.Video(frames(), format="gif").encode(mem)
    lying = {**desc, "path": gif["path"], "sha256": gif["sha256"], "format": "mp4"}
    assert mk.thumbnail(lying, mem, size=16)  # the file's real format decides how it is decoded


def test_thumbnail_of_a_broken_stored_file_is_a_decode_error(mem):
    desc = mk.Video(frames(), format="mp4").encode(mem)
    ref = mem.put(mem.read(desc["path"])[:300], suffix=".mp4")
    with pytest.raises(DecodeError):
        mk.thumbnail({**desc, **ref.to_dict()}, mem)


# -- names and spellings shared with the other kinds ----------------------------------------------------------


def test_file_type_is_the_name_and_format_its_former_one(mem):
    v = mk.Video(frames(), file_type="mp4")
    assert v.file_type == v.format == "mp4"
    assert mk.Video(frames(), format="webm").file_type == "webm"
    assert mk.Video(frames(), file_type="ogv", format="ogg").file_type == "ogg"  # two spellings of one format
    with pytest.raises(ValidationError, match=r"file_type: got file_type='mp4' and format='gif' \(format is its former name\)"):
        mk.Video(frames(), file_type="mp4", format="gif")
    with pytest.raises(ValidationError, match=r"file_type: expected one of \['gif', 'mp4', 'webm', 'ogg'\], got 'avi'"):
        mk.Video(frames(), file_type="avi")
    with pytest.raises(AttributeError):
        v.format = "gif"  # type: ignore[misc]
    desc = mk.Video(frames(), file_type="ogv").encode(mem)
    assert desc["format"] == "ogg" and desc["path"].endswith(".ogv") and desc["media_type"] == "video/ogg"
    assert mk.decode(desc, mem).file_type == "ogg"


def test_normalize_takes_the_bools_audio_takes():
    unit = frames().astype(np.float32) / 255
    assert mk.Video(unit, normalize=True).normalize_applied == mk.Video(unit).normalize_applied == "unit"
    assert mk.Video(unit * 255, normalize=False).normalize_applied == "byte"
    with pytest.raises(ValidationError, match=r"normalize='none' needs values in \[0, 255\]"):
        mk.Video(unit * 300, normalize=False)


# -- the format specs ---------------------------------------------------------------------------------------------


def test_spec_probe_reads_facts_without_transcoding_or_decoding(made, monkeypatch):
    from mediakit import formats
    from mediakit.formats import Source

    def refuse(*args, **kwargs):
        raise AssertionError("probe must not transcode")

    monkeypatch.setattr(_ffvideo, "transcode", refuse)
    monkeypatch.setattr(_ffmpeg, "to_bytes", refuse)
    facts = formats.spec_for_path(made["clip.mov"]).probe(Source(made["clip.mov"]))
    assert (facts["format"], facts["codec"], facts["width"], facts["height"], facts["frames"]) == ("mov", "h264", 64, 48, 10)
    assert facts["has_audio"] and not facts["browser_safe"]
    store = mk.MemoryStore()
    for path in sorted(VIDEO.iterdir()):
        facts = formats.spec_for_path(path).probe(Source(path))
        desc = mk.Video(path).encode(store)
        for key in ("format", "codec", "width", "height", "frames", "fps", "duration", "has_audio", "size"):
            assert facts[key] == desc[key], (path.name, key)


def test_paths_are_read_by_ffmpeg_in_place(monkeypatch, mem):
    """A path goes to ffmpeg as it is to probe and decode: no copy into a temporary file (bytes
    still get one)."""
    import tempfile

    real = tempfile.mkstemp
    calls = []
    monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: calls.append(1) or real(*a, **k))
    v = mk.Video(VIDEO / "example.mp4", file_type="webm")  # probed
    assert v.data.shape[0] == 50  # decoded
    assert calls == []
    mk.Video((VIDEO / "example.mp4").read_bytes())
    assert calls


def test_kind_of_and_sniff_look_into_gif_and_ogg(tmp_path):
    from mediakit import formats

    assert formats.kind_of(VIDEO / "circle.gif") == "video"
    still = tmp_path / "still.gif"
    PILImage.new("RGB", (4, 4), (200, 10, 10)).save(still)
    assert formats.kind_of(still) == "image"
    theora = tmp_path / "theora.ogg"
    theora.write_bytes(mk.Video(frames(), file_type="ogg").encode_bytes())
    assert formats.kind_of(theora) == "video"
    assert formats.sniff(theora.read_bytes()[:4096]).name == "ogv"
    for path, name in [
        (VIDEO / "example.mp4", "mp4"),
        (VIDEO / "big_buck_bunny_432_433.webm", "webm"),
        (VIDEO / "circle.gif", "gif"),
    ]:
        assert formats.sniff(path.read_bytes()[:4096]).name == name


def test_every_video_spec_converts_through_one_function():
    from mediakit import formats

    for spec in formats.by_kind("video"):
        assert spec.for_kind("video").convert is not None, spec.name
        assert spec.extra == ("video" if spec.name != "gif" else None)
    assert formats.get("mov").convert is codec.convert and not formats.get("mov").stored


# -- what real players read (issue 11) ---------------------------------------------------------------

THEORA_WARNING = (
    "file_type='ogg': Theora video plays in Firefox only; Chromium-based browsers (Chrome, Edge, Opera) "
    "and Safari do not play it. Use file_type='webm' or 'mp4' for video every browser plays"
)


@pytest.mark.parametrize(
    ("fmt", "stored"),
    [("mp4", (48, 34)), ("webm", (47, 33)), ("ogg", (47, 33)), ("gif", (47, 33))],
)
@pytest.mark.parametrize("use_pyav", [True, False], ids=["pyav", "ffmpeg"])
def test_odd_sizes_are_stored_true_with_real_pixels(fmt, stored, use_pyav, monkeypatch, mem):
    """A 47x33 input used to come out of Theora as 47x48 with black rows (and the descriptor said
    48); H.264 padded with black. Now: exact where the codec allows, else edges repeated, and
    the descriptor states the stored size."""
    monkeypatch.setattr(_pyav, "USE_PYAV", use_pyav)
    src = frames(t=6, h=33, w=47)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="file_type='ogg': Theora")
        desc = mk.Video(src, format=fmt).encode(mem)
    assert (desc["width"], desc["height"]) == stored
    blob = mem.read(desc["path"])
    info = codec.probe(blob)
    assert (info.width, info.height) == stored
    out = codec.read_frames(mk.formats.Source(blob), info).astype(int)
    assert out.shape == (6, stored[1], stored[0], 3)
    err = np.abs(out[:, :33, :47] - np.moveaxis(src, 1, -1))
    limit = 10 if fmt == "gif" else 6
    assert err.mean() < limit  # the tolerances stated at the top
    # No row or column of the picture is garbled (Theora's last rows were off by 60 on average).
    assert err.mean(axis=(0, 2, 3)).max() < 1.5 * limit and err.mean(axis=(0, 1, 3)).max() < 1.5 * limit
    if fmt == "mp4":  # the added row and column repeat the edge: no black line
        assert np.abs(out[:, 33] - out[:, 32]).mean() < 3 and np.abs(out[:, :, 47] - out[:, :, 46]).mean() < 3


def test_theora_pictures_narrower_than_ffmpeg_opens_are_widened(mem):
    with pytest.warns(UserWarning, match="Theora"):
        desc = mk.Video(frames(t=3, h=7, w=5), format="ogg").encode(mem)
    assert (desc["width"], desc["height"]) == (_ffvideo.THEORA_MIN_WIDTH, 7) == (18, 7)
    out = codec.read_frames(mk.formats.Source(mem.read(desc["path"])), codec.probe(mem.read(desc["path"])))
    assert out.shape == (3, 7, 18, 3)
    assert np.abs(out[:, :, 17].astype(int) - out[:, :, 4]).mean() < 8  # repeated edge, not black


def test_theora_picture_header_rewrite_refuses_what_is_not_theora():
    with pytest.raises(ValidationError, match="data: the Theora encoder wrote no identification header"):
        _ffvideo._set_theora_picture(b"OggS" + bytes(40), 10, 10)
    blob = mk.Video(frames(t=2, h=16, w=32), format="webm").encode_bytes()
    with pytest.raises(ValidationError, match="identification header"):
        _ffvideo._set_theora_picture(blob, 10, 10)


def test_theora_warns_that_chromium_does_not_play_it(mem, tmp_path):
    """Issue 11: Video(frames, format="ogg") did not play in Chromium, silently."""
    with pytest.warns(UserWarning) as caught:
        desc = mk.Video(frames(), format="ogg").encode(mem)
    assert [str(w.message) for w in caught] == [THEORA_WARNING]
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fmt in ("gif", "mp4", "webm"):
            mk.Video(frames(t=2), format=fmt)
        assert mk.decode(desc, mem).file_type == "ogg"  # decoding a stored descriptor does not warn again
    # An Ogg/Theora file is converted to mp4 by default (it would not play everywhere) ...
    path = tmp_path / "clip.ogv"
    path.write_bytes(mem.read(desc["path"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        conv = mk.Video(path).encode(mem)
    assert (conv["format"], conv["codec"], conv["converted_from"]) == ("mp4", "h264", "ogg/theora")
    assert conv["frames"] == desc["frames"]
    # ... and kept byte for byte, with the warning, when Ogg is asked for.
    with pytest.warns(UserWarning, match="Theora video plays in Firefox only"):
        kept = mk.Video(path, file_type="ogg").encode(mem)
    assert mem.read(kept["path"]) == path.read_bytes() and "converted_from" not in kept
    assert codec.probe(path).facts(1)["browser_safe"] is False


@pytest.fixture(scope="module")
def streamed_webm(tmp_path_factory) -> Path:
    """A WebM written as a stream (to a pipe, as a browser's MediaRecorder does): its container
    states no duration."""
    path = tmp_path_factory.mktemp("live") / "live.webm"
    with open(path, "wb") as out:
        subprocess.run(
            [codec.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
             "testsrc=size=64x48:rate=10:duration=2", "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libvpx-vp9",
             "-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p", "-c:a", "libopus", "-f", "webm", "pipe:1"],
            stdout=out, check=True, timeout=60,
        )  # fmt: skip
    return path


def test_a_webm_without_duration_is_remuxed_losslessly(streamed_webm, mem):
    """Issue 11: kept byte for byte, such a file played with duration Infinity (no seek bar)."""
    src_info = codec.probe(streamed_webm)
    assert not src_info.timed and codec.needs_remux(src_info)
    desc = check_descriptor(mk.Video(streamed_webm).encode(mem))
    assert desc["remuxed"] is True and "converted_from" not in desc
    assert (desc["format"], desc["codec"], desc["frames"], desc["has_audio"]) == ("webm", "vp9", 20, True)
    assert desc["duration"] == pytest.approx(2.0, abs=0.05)
    stored = mem.read(desc["path"])
    info = codec.probe(stored)
    assert info.timed and info.facts(1)["container_duration"] is True  # the container states it now
    # The streams were copied, not re-encoded: every decoded frame is identical.
    before = codec.read_frames(mk.formats.Source(streamed_webm), src_info)
    np.testing.assert_array_equal(codec.read_frames(mk.formats.Source(stored), info), before)
    assert mk.Video(streamed_webm).encode_bytes() == stored  # reproducible
    # A file that states its duration is kept as it is, and so is the remuxed one.
    again = mk.Video(stored).encode(mem)
    assert "remuxed" not in again and mem.read(again["path"]) == stored


def test_a_rotated_file_is_described_as_players_show_it(tmp_path, mem):
    """A phone video stores landscape frames with a display rotation; browsers and ffmpeg's
    decoder show it turned, so its descriptor does too (and its frames decode at that shape)."""
    plain, rotated = tmp_path / "plain.mp4", tmp_path / "rotated.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x32:rate=4:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(plain))
    ffmpeg("-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated))
    desc = mk.Video(rotated).encode(mem)
    assert (desc["width"], desc["height"]) == (32, 64) and mem.read(desc["path"]) == rotated.read_bytes()
    assert mk.decode(desc, mem).data.shape == (4, 64, 32, 3)
    with pytest.warns(UserWarning, match="Theora"):
        ogg = mk.Video(rotated, file_type="ogg").encode(mem)
    assert (ogg["width"], ogg["height"]) == (32, 64)
