"""Audio and video workloads: GIF and MP4 from 48 frames of 128x128 RGB, WAV from 30 s of
44.1 kHz float32.

Inputs are real media: the frames are the first 48 frames of the corpus video
``fixtures/corpus/video/example.mp4`` (a 640x480 test card with moving elements, decoded and
scaled to 128x128 once, untimed), as the ``(T, C, H, W)`` uint8 array the reference documents
use; the audio is the corpus recording ``fixtures/corpus/audio/example.wav`` (2 s, stereo),
mixed to mono and repeated to 30 s as float32.

What each contender times:

- ``mediakit``: ``mk.Video(frames, fps=4, format=...)`` / ``mk.Audio(x, sample_rate=44100)``
  and ``.encode(mk.MemoryStore())``: validation, encoding (GIF: Pillow FASTOCTREE palettes; MP4:
  x264 ``veryfast`` through PyAV in-process, frames streamed one at a time; WAV: numpy), sha256
  naming, storing, the descriptor.
- ``wandb.Video`` / ``wandb.Audio``: constructing the object, which is where wandb encodes
  (moviepy + imageio for video, soundfile for audio) into its temporary media folder and hashes
  the file; the temporary file is removed inside the timed call. wandb needs moviepy for arrays:
  without it the contender is reported as skipped.
- ``tensorboardX summary.video`` / ``summary.audio``: the summary protocol buffer, GIF through
  moviepy (skipped without it), WAV through soundfile.
- ``baseline: ...``: what the machine allows. GIF: Pillow's FASTOCTREE quantisation alone
  (no LZW, no container). MP4: x264 ``ultrafast`` through PyAV in-process (the encoder floor), and
  the same through the bundled ffmpeg binary reading a pipe (what a subprocess costs, start-up
  included). WAV: the float32 to int16 conversion alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Target, Workload

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
T, C, SIDE = 48, 3, 128
RATE, SECONDS = 44_100, 30


# --------------------------------------------------------------------------------------------
# Inputs


def _setup_frames() -> np.ndarray:
    """``(48, 3, 128, 128)`` uint8 from the corpus video (decoded with mediakit's own reader)."""
    from mediakit.formats import Source
    from mediakit.formats import video as codec

    path = Source(CORPUS / "video" / "example.mp4")
    info = codec.probe(path)
    frames = np.stack(list(codec.iter_frames(path, info, channels=3, size=(SIDE, SIDE), max_frames=T)))
    return np.ascontiguousarray(np.moveaxis(frames, -1, 1))


def _setup_audio() -> np.ndarray:
    import soundfile as sf

    clip, _ = sf.read(CORPUS / "audio" / "example.wav", dtype="float32")  # 44.1 kHz, as RATE
    mono = clip.mean(axis=1) if clip.ndim == 2 else clip
    reps = -(-RATE * SECONDS // len(mono))
    x = np.tile(mono, reps)[: RATE * SECONDS]
    peak = float(np.abs(x).max()) or 1.0
    return np.ascontiguousarray(x * np.float32(0.9 / peak), dtype=np.float32)


# --------------------------------------------------------------------------------------------
# mediakit


def _mk_video(fmt: str) -> Any:
    def run(frames: np.ndarray) -> int:
        import mediakit as mk

        return int(mk.Video(frames, fps=4, format=fmt).encode(mk.MemoryStore())["size"])

    return run


def mk_audio(x: np.ndarray) -> int:
    import mediakit as mk

    return int(mk.Audio(x, sample_rate=RATE).encode(mk.MemoryStore())["size"])


# --------------------------------------------------------------------------------------------
# wandb (offline)


def _wandb() -> Any:
    os.environ["WANDB_MODE"] = "offline"
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_CONSOLE", "off")
    import wandb

    return wandb


def _wandb_video(fmt: str) -> Any:
    def run(frames: np.ndarray) -> int:
        wandb = _wandb()
        try:
            v = wandb.Video(frames, fps=4, format=fmt)
        except Exception as e:
            if "moviepy" in str(e) or "imageio" in str(e):
                raise ImportError(f"wandb.Video needs moviepy/imageio for arrays: {e}") from e
            raise
        size = int(v._size)
        if v._is_tmp:
            os.unlink(v._path)
        return size

    return run


def wandb_audio(x: np.ndarray) -> int:
    wandb = _wandb()
    a = wandb.Audio(x, sample_rate=RATE)
    size = int(a._size)
    if a._is_tmp:
        os.unlink(a._path)
    return size


# --------------------------------------------------------------------------------------------
# tensorboardX


def tbx_video(frames: np.ndarray) -> int:
    import importlib.util

    if importlib.util.find_spec("moviepy") is None:
        raise ImportError("tensorboardX summary.video needs moviepy, which is not installed")
    from tensorboardX import summary

    s = summary.video("v", frames[None], fps=4)
    return len(s.value[0].image.encoded_image_string)


def tbx_audio(x: np.ndarray) -> int:
    from tensorboardX import summary

    s = summary.audio("a", x, sample_rate=RATE)
    return len(s.value[0].audio.encoded_audio_string)


# --------------------------------------------------------------------------------------------
# Baselines


def quantize_only(frames: np.ndarray) -> None:
    from PIL import Image as PILImage

    for f in np.moveaxis(frames, 1, -1):
        PILImage.fromarray(np.ascontiguousarray(f)).quantize(256, method=PILImage.Quantize.FASTOCTREE)


def ffmpeg_ultrafast(frames: np.ndarray) -> int:
    import subprocess
    import tempfile

    from mediakit.formats.video import ffmpeg_exe

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "o.mp4"
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"]
        cmd += ["-s", f"{SIDE}x{SIDE}", "-framerate", "4", "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast"]
        cmd += ["-pix_fmt", "yuv420p", str(out)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for f in np.moveaxis(frames, 1, -1):
            proc.stdin.write(np.ascontiguousarray(f).tobytes())
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError("ffmpeg failed")
        return out.stat().st_size


def pyav_ultrafast(frames: np.ndarray) -> int:
    import tempfile

    import av

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "o.mp4"
        with av.open(str(out), "w") as c:
            s = c.add_stream("libx264", rate=4)
            s.width, s.height, s.pix_fmt = SIDE, SIDE, "yuv420p"
            s.options = {"preset": "ultrafast"}
            for f in np.moveaxis(frames, 1, -1):
                for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                    c.mux(p)
            for p in s.encode():
                c.mux(p)
        return out.stat().st_size


def int16_only(x: np.ndarray) -> int:
    return len(np.rint(x * np.float32(32767)).astype("<i2").tobytes())


# --------------------------------------------------------------------------------------------
# Workloads


GIF = Workload(
    name="GIF from 48x3x128x128 frames",
    description=(
        "48 RGB frames of 128x128 (the corpus test-card video, scaled) as an animated GIF at 4 fps: "
        "mk.Video(...).encode against wandb.Video(format='gif') and tensorboardX summary.video (both through moviepy); "
        "the baseline is the per-frame palette quantisation alone. Peak extra memory of mediakit is traced"
    ),
    setup=_setup_frames,
    contenders={
        "mediakit": _mk_video("gif"),
        "wandb.Video": _wandb_video("gif"),
        "tensorboardX summary.video": tbx_video,
        "baseline: FASTOCTREE quantise only": quantize_only,
    },
    targets=[
        Target("mediakit", "wandb.Video", ratio=20.0, max_bytes_ratio=1.2, max_peak_fraction=1.0),
        Target("mediakit", "tensorboardX summary.video", ratio=20.0),
    ],
    repeat=5,
    input_bytes=lambda f: int(f.nbytes),
    items=T,
    unit="frames",
)

MP4 = Workload(
    name="MP4 from 48x3x128x128 frames",
    description=(
        "The same frames as H.264 MP4 (yuv420p, faststart): mk.Video(..., format='mp4').encode against "
        "wandb.Video(format='mp4') (moviepy's write_videofile through the ffmpeg binary); baselines: x264 'ultrafast' "
        "in-process (PyAV) and through the ffmpeg binary. Peak extra memory of mediakit is traced"
    ),
    setup=_setup_frames,
    contenders={
        "mediakit": _mk_video("mp4"),
        "wandb.Video": _wandb_video("mp4"),
        "baseline: PyAV x264 ultrafast": pyav_ultrafast,
        "baseline: ffmpeg binary x264 ultrafast": ffmpeg_ultrafast,
    },
    targets=[Target("mediakit", "wandb.Video", ratio=2.5, max_bytes_ratio=1.2, max_peak_fraction=1.0)],
    repeat=5,
    input_bytes=lambda f: int(f.nbytes),
    items=T,
    unit="frames",
)

WAV = Workload(
    name="WAV from 30 s of 44.1 kHz float32",
    description=(
        "30 s of mono float32 audio (the corpus recording, repeated) as 16-bit PCM WAV: mk.Audio(x, sample_rate=44100)"
        ".encode against wandb.Audio and tensorboardX summary.audio (both soundfile); the baseline is the "
        "float-to-int16 conversion alone"
    ),
    setup=_setup_audio,
    contenders={
        "mediakit": mk_audio,
        "wandb.Audio": wandb_audio,
        "tensorboardX summary.audio": tbx_audio,
        "baseline: float32 -> int16 only": int16_only,
    },
    targets=[
        Target("mediakit", "wandb.Audio", ratio=3.0, max_bytes_ratio=1.0),
        Target("mediakit", "tensorboardX summary.audio", ratio=1.0, max_bytes_ratio=1.0),
    ],
    repeat=7,
    input_bytes=lambda x: int(x.nbytes),
    items=SECONDS,
    unit="s of audio",
)

WORKLOADS = [GIF, MP4, WAV]
