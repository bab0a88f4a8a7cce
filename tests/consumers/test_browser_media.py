"""Headless Chromium reads what mediakit writes: every audio and video format written from arrays
(and the corpus files mediakit keeps), served over HTTP on 127.0.0.1 with the descriptor's
``media_type``, fires ``loadeddata`` and shows the descriptor's duration and size and the frames
and samples that went in; Html documents display non-ASCII text.

Theora (``Video(..., format="ogg")``) is the one format written that Chromium does not play, by
the browser's design: the tests assert that Chromium refuses it and that mediakit says so.
"""

from __future__ import annotations

import base64
import io
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser_js import AUDIO, CAN_PLAY, HTML_PAGE, IMAGE, VIDEO
from PIL import Image as PILImage

import mediakit as mk

#: The fixtures (browser, HTTP server, glTF validator) live in consumer_tools.py, not a conftest.
pytest_plugins = ["consumer_tools"]
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
FPS = 10
N_FRAMES = 12


def publish(server: Any, desc: dict[str, Any], store: mk.Store) -> str:
    """Serve the descriptor's file under its content path with the descriptor's media type."""
    return server.publish(desc["path"], store.read(desc["path"]), desc["media_type"])


def frame_of(report: dict[str, Any]) -> np.ndarray:
    data = base64.b64decode(report["frame"].split(",", 1)[1])
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB")).astype(np.int16)


def as_float(text: str) -> float:
    return float(text.replace("Infinity", "inf"))


def frames_thwc(height: int, width: int) -> np.ndarray:
    """Smooth moving gradients in 60..220 (no black anywhere, so black padding shows)."""
    t, y, x = np.mgrid[0:N_FRAMES, 0:height, 0:width].astype(np.float32)
    r = 60 + 160 * x / max(1, width - 1)
    g = 60 + 160 * y / max(1, height - 1)
    b = 60 + 160 * (0.5 + 0.5 * np.sin(t / 3 + (x + y) / 12))
    return np.stack([r, g, b], axis=-1).round().astype(np.uint8)


def encode_video(frames: np.ndarray, fmt: str) -> tuple[dict[str, Any], mk.MemoryStore, list[str]]:
    store = mk.MemoryStore()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        desc = mk.Video(frames, fps=FPS, format=fmt, layout="THWC").encode(store)
    return desc, store, [str(w.message) for w in caught]


def check_shows(shown: np.ndarray, expected: np.ndarray, tolerance: float, what: str) -> None:
    """``shown`` (H', W', 3) with H' >= H, W' >= W: the top-left H x W part is the input within
    ``tolerance`` (mean absolute difference, 0-255), and any padding repeats the edge (not black)."""
    h, w = expected.shape[:2]
    mae = float(np.abs(shown[:h, :w] - expected).mean())
    assert mae <= tolerance, f"{what}: the first frame shown differs from the input by {mae:.1f} on average"
    if shown.shape[0] > h:
        pad = float(np.abs(shown[h:, :w] - expected[h - 1 :, :]).mean())
        assert pad <= 3 * tolerance, f"{what}: the padding rows shown differ from the edge row by {pad:.1f} (black bars?)"
    if shown.shape[1] > w:
        pad = float(np.abs(shown[:h, w:] - expected[:, w - 1 :]).mean())
        assert pad <= 3 * tolerance, f"{what}: the padding columns shown differ from the edge column by {pad:.1f}"


# -- video written from arrays ------------------------------------------------------------------------

SIZES = {"even-48x32": (32, 48), "odd-47x33": (33, 47)}
#: Mean absolute error allowed between the input and the first frame shown (GIF is palette-quantised).
TOLERANCE = {"mp4": 6.0, "webm": 6.0, "gif": 10.0}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_video_plays_in_chromium(fmt: str, size: str, page: Any, media_server: Any) -> None:
    height, width = SIZES[size]
    frames = frames_thwc(height, width)
    desc, store, _ = encode_video(frames, fmt)
    report = page.execute_async_script(VIDEO, publish(media_server, desc, store))
    assert report["event"] == "loadeddata", report
    assert (report["width"], report["height"]) == (desc["width"], desc["height"]), "the descriptor's size is not the size shown"
    assert desc["width"] in (width, width + width % 2) and desc["height"] in (height, height + height % 2), desc
    assert abs(as_float(report["duration"]) - desc["duration"]) <= 1 / FPS + 1e-3, (report["duration"], desc["duration"])
    assert desc["duration"] == pytest.approx(N_FRAMES / FPS)
    check_shows(frame_of(report), frames[0].astype(np.int16), TOLERANCE[fmt], f"{fmt} {size}")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_gif_video_shows_in_chromium_as_an_image(size: str, page: Any, media_server: Any) -> None:
    height, width = SIZES[size]
    frames = frames_thwc(height, width)
    desc, store, _ = encode_video(frames, "gif")
    assert desc["media_type"] == "image/gif"
    report = page.execute_async_script(IMAGE, publish(media_server, desc, store))
    assert report["event"] == "load", report
    assert (report["width"], report["height"]) == (desc["width"], desc["height"]) == (width, height)
    assert "decoderError" not in report, report["decoderError"]
    assert report["contentType"] == "image/gif"
    assert report["frameCount"] == desc["frames"] == N_FRAMES
    assert report["totalDuration"] == pytest.approx(desc["duration"], abs=0.011)  # GIF delays are in 1/100 s
    check_shows(frame_of(report), frames[0].astype(np.int16), TOLERANCE["gif"], f"gif {size}")
    # Frames after the first keep unchanged pixels transparent over the frame before: the last
    # frame, as the browser composites it, is still the input's.
    check_shows(frame_of({"frame": report["last"]}), frames[-1].astype(np.int16), TOLERANCE["gif"], f"gif {size}, last frame")


def test_theora_is_refused_by_chromium_and_mediakit_says_so(page: Any, media_server: Any) -> None:
    """By design Chromium-based browsers dropped Theora: mediakit keeps writing it on request but
    must warn and recommend WebM. If this starts playing, update the README's browser table."""
    desc, store, messages = encode_video(frames_thwc(32, 48), "ogg")
    assert desc["codec"] == "theora" and desc["media_type"] == "video/ogg"
    assert any("chrom" in m.lower() and "webm" in m.lower() for m in messages), messages
    assert page.execute_script(CAN_PLAY, ['video/ogg; codecs="theora"']) == [""]
    report = page.execute_async_script(VIDEO, publish(media_server, desc, store))
    assert report["event"] == "error" and report["code"] == 4, report  # MEDIA_ERR_SRC_NOT_SUPPORTED


@pytest.mark.parametrize("size", sorted(SIZES))
def test_theora_has_the_descriptors_true_size(size: str) -> None:
    """Chromium cannot show Theora, so FFmpeg's Theora decoder (through PyAV) checks the size and
    the pixels: the descriptor's size is the decoded size, and no rows are black or garbage."""
    import av

    height, width = SIZES[size]
    frames = frames_thwc(height, width)
    desc, store, _ = encode_video(frames, "ogg")
    with av.open(io.BytesIO(store.read(desc["path"]))) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(np.int16)
    assert (first.shape[1], first.shape[0]) == (desc["width"], desc["height"])
    assert desc["width"] in (width, width + width % 2) and desc["height"] in (height, height + height % 2), desc
    check_shows(first, frames[0].astype(np.int16), 8.0, f"theora {size}")


# -- video files mediakit keeps or converts -------------------------------------------------------


def _webm_without_duration(path: Path) -> None:
    """A WebM as live encoders and MediaRecorder write it: no duration and no cues (streamed to
    a pipe, so the muxer cannot seek back)."""
    import imageio_ffmpeg

    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10:duration=3",
        "-c:v",
        "libvpx",
        "-b:v",
        "200k",
        "-f",
        "webm",
        "pipe:1",
    ]
    path.write_bytes(subprocess.run(cmd, capture_output=True, check=True, timeout=60).stdout)


@pytest.mark.parametrize("name", ["video/example.mp4", "video/big_buck_bunny_432_433.webm", "generated/live.webm"])
def test_video_files_play_in_chromium(name: str, page: Any, media_server: Any, tmp_path: Path) -> None:
    import av

    if name.startswith("generated/"):
        src = tmp_path / "live.webm"
        _webm_without_duration(src)
        with av.open(str(src)) as container:
            assert container.duration is None  # the input really lacks it
    else:
        src = CORPUS / name
    store = mk.MemoryStore()
    desc = mk.Video(src).encode(store)
    if name.startswith("generated/"):
        assert desc.get("remuxed") is True, "a container without duration is remuxed (losslessly) and says so"
    report = page.execute_async_script(VIDEO, publish(media_server, desc, store))
    assert report["event"] == "loadeddata", report
    assert (report["width"], report["height"]) == (desc["width"], desc["height"])
    duration = as_float(report["duration"])
    assert np.isfinite(duration), "Chromium sees no duration (no seek bar): the container lacks it"
    assert abs(duration - desc["duration"]) <= 1.5 / desc["fps"] + 0.05, (duration, desc["duration"])
    frame = frame_of(report)
    assert frame.mean() > 8 and np.ptp(frame) > 32, "the first frame shown is blank"


def test_gif_file_shows_in_chromium(page: Any, media_server: Any) -> None:
    store = mk.MemoryStore()
    desc = mk.Video(CORPUS / "video" / "circle.gif").encode(store)
    report = page.execute_async_script(IMAGE, publish(media_server, desc, store))
    assert report["event"] == "load", report
    assert (report["width"], report["height"]) == (desc["width"], desc["height"])
    assert report["frameCount"] == desc["frames"]
    assert report["totalDuration"] == pytest.approx(desc["duration"], abs=0.011)


# -- audio ------------------------------------------------------------------------------------------

RATE = 22050


def stereo_tones(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t + 0.5)], axis=1).astype(np.float32)


def decoded(report: dict[str, Any]) -> np.ndarray:
    return np.stack([np.frombuffer(base64.b64decode(s), "<f4") for s in report["samples"]], axis=1)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(spectrum.argmax())])


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg"])
def test_audio_plays_in_chromium(fmt: str, page: Any, media_server: Any) -> None:
    signal = stereo_tones()
    store = mk.MemoryStore()
    desc = mk.Audio(signal, sample_rate=RATE, file_type=fmt).encode(store)
    assert (desc["sample_rate"], desc["channels"], desc["frames"]) == (RATE, 2, len(signal))
    report = page.execute_async_script(AUDIO, publish(media_server, desc, store), desc["sample_rate"])
    assert report["event"] == "loadeddata", report
    assert "decodeError" not in report, report["decodeError"]
    assert (report["sampleRate"], report["channels"]) == (RATE, 2)
    got = decoded(report)
    if fmt in ("wav", "flac"):  # 16-bit PCM: every sample, exact to one quantisation step
        assert abs(as_float(report["duration"]) - desc["duration"]) <= 1e-3, (report["duration"], desc["duration"])
        assert report["length"] == desc["frames"]
        assert np.abs(got - signal).max() <= 1.5 / 32767
        return
    # Vorbis: Chromium's own Ogg/Vorbis reading is off by up to a few hundred samples at the
    # edges (for files written by libvorbis through FFmpeg too), so: within half a long block
    # (1024 samples), and the same tones at the same loudness.
    slack = 1024 / RATE
    assert abs(as_float(report["duration"]) - desc["duration"]) <= slack, (report["duration"], desc["duration"])
    assert abs(report["length"] - desc["frames"]) <= 1024, (report["length"], desc["frames"])
    for ch, hz in enumerate((440, 660)):
        assert abs(peak_hz(got[:, ch], RATE) - hz) <= 3, f"channel {ch}: not the {hz} Hz tone"
        rms_got, rms_in = np.sqrt(np.mean(got[:, ch] ** 2)), np.sqrt(np.mean(signal[:, ch] ** 2))
        assert rms_got == pytest.approx(rms_in, rel=0.1)


@pytest.mark.parametrize("name", ["example.wav", "crunching.mp3"])
def test_audio_files_play_in_chromium(name: str, page: Any, media_server: Any) -> None:
    store = mk.MemoryStore()
    desc = mk.Audio(CORPUS / "audio" / name).encode(store)
    report = page.execute_async_script(AUDIO, publish(media_server, desc, store), desc["sample_rate"])
    assert report["event"] == "loadeddata", report
    assert "decodeError" not in report, report["decodeError"]
    assert abs(as_float(report["duration"]) - desc["duration"]) <= 0.06, (report["duration"], desc["duration"])
    assert (report["sampleRate"], report["channels"]) == (desc["sample_rate"], desc["channels"])
    assert np.abs(decoded(report)).max() > 0.01, "Chromium decoded silence"


def test_audio_below_browser_rates_is_warned_about(page: Any, media_server: Any) -> None:
    """The reference docs' own call writes a 32 Hz file no browser plays: mediakit must say so."""
    store = mk.MemoryStore()
    with pytest.warns(UserWarning, match=r"(?i)browser"):
        desc = mk.Audio(np.random.default_rng(0).random(64), sample_rate=32).encode(store)
    report = page.execute_async_script(AUDIO, publish(media_server, desc, store), 8000)
    assert report["event"] == "error", report  # what the warning is about: Chromium refuses it


# -- Html -------------------------------------------------------------------------------------------

TEXT = "Grüße — 日本語"


@pytest.mark.parametrize(
    ("source", "kwargs", "title"),
    [
        (f"<p>{TEXT}</p>", {}, ""),
        (f"<html><head><title>Grüße</title></head><body><p>{TEXT}</p></body></html>", {}, "Grüße"),
        (f"<p>{TEXT}</p>", {"inject": False}, ""),
    ],
    ids=["fragment", "document-without-charset", "fragment-inject-false"],
)
def test_html_shows_non_ascii_text(source: str, kwargs: dict[str, Any], title: str, page: Any, media_server: Any) -> None:
    store = mk.MemoryStore()
    desc = mk.Html(source, **kwargs).encode(store)
    page.get(publish(media_server, desc, store))
    shown = page.execute_script(HTML_PAGE)
    assert shown["text"].strip() == TEXT, shown
    assert shown["title"] == title
    assert shown["charset"] == "UTF-8"
    if kwargs.get("inject", True) and not source.startswith("<html"):
        # A fragment gets a doctype; a whole document keeps the mode its author chose.
        assert shown["mode"] == "CSS1Compat", "rendered in quirks mode: no doctype"


def test_server_serves_ranges(media_server: Any) -> None:
    """Media elements fetch byte ranges: the test server answers them as a web server does."""
    import urllib.request

    url = media_server.publish("range-check.bin", bytes(range(100)), "application/octet-stream")
    req = urllib.request.Request(url, headers={"Range": "bytes=10-19"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == "bytes 10-19/100"
        assert resp.read() == bytes(range(10, 20))
