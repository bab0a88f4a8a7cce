"""The GIF writer's fast path: frames mapped a block at a time (the bytes do not depend on the
block size or the input's memory layout), LZW by giflib (``imagecodecs``, the speed extra) on
worker threads or by Pillow without it (same decoded pixels), deterministic under threads and
processes, progress per frame, bounded buffering."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage
from test_gif_palette import _local_tables

from mediakit.formats import gif
from mediakit.formats.gif import PALETTE_FRAMES


def _scenes(h: int = 24, w: int = 32, c: int = 3) -> np.ndarray:
    """Three scenes: a red ramp drifting, a blue ramp (fits the first palette badly) and noise,
    then the red ramp again; ``(T, H, W, c)`` uint8 (c = 4: alpha is a checkerboard)."""
    rng = np.random.default_rng(7)
    t = np.arange(20)[:, None, None]
    red = np.zeros((20, h, w, 3), np.int64)
    red[..., 0] = np.linspace(0, 255, w)[None, None, :] - 2 * t
    red[..., 1] = 40
    blue = np.zeros((9, h, w, 3), np.int64)
    blue[..., 2] = np.linspace(0, 255, h)[None, :, None]
    blue[..., 1] = 200
    noise = rng.integers(0, 256, (7, h, w, 3))
    rgb = np.clip(np.concatenate([red, blue, noise, red[:5]]), 0, 255).astype(np.uint8)
    if c == 3:
        return rgb
    alpha = np.where((np.indices((h, w)).sum(0) // 4) % 2 == 0, 255, 0).astype(np.uint8)
    return np.concatenate([rgb, np.broadcast_to(alpha[None, :, :, None], (len(rgb), h, w, 1))], axis=-1)


def _channel_first_views(frames: np.ndarray) -> np.ndarray:
    """The same frames as views of a ``(T, C, H, W)`` array (what Video hands the writer)."""
    return np.moveaxis(np.ascontiguousarray(np.moveaxis(frames, -1, 1)), 1, -1)


def _encode(frames: np.ndarray, **kw: Any) -> bytes:
    return gif.encode_gif(iter(frames), width=frames.shape[2], height=frames.shape[1], fps=10, **kw)


def _pixels(blob: bytes) -> list[np.ndarray]:
    im = PILImage.open(io.BytesIO(blob))
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        out.append(np.asarray(im.convert("RGBA")))
    return out


def _block_imagecodecs(monkeypatch: pytest.MonkeyPatch, block_import: Any) -> None:
    """The writer as installed without the speed extra: ``imagecodecs`` cannot be imported."""
    block_import.add("imagecodecs")
    monkeypatch.setattr(gif, "_codec", None)


def test_giflib_is_the_lzw_encoder_when_the_speed_extra_is_installed() -> None:
    import imagecodecs

    assert gif.backend() == f"{imagecodecs.gif_version()} (imagecodecs {imagecodecs.__version__})"
    assert gif.backend().startswith("giflib ")


@pytest.mark.parametrize("c", [1, 3, 4])
def test_without_imagecodecs_pillow_writes_the_same_pixels(c: int, monkeypatch: pytest.MonkeyPatch, block_import: Any) -> None:
    import PIL

    frames = _scenes(c=3)[..., :1] if c == 1 else _scenes(c=c)
    assert gif.backend().startswith("giflib ")
    giflib = _encode(frames)
    _block_imagecodecs(monkeypatch, block_import)
    assert gif.backend() == f"pillow {PIL.__version__}"
    pillow = _encode(frames)
    assert gif.scan(pillow)[2] == gif.scan(giflib)[2] == len(frames)
    assert _local_tables(pillow) == _local_tables(giflib)
    got_pillow, got_giflib = _pixels(pillow), _pixels(giflib)
    assert len(got_pillow) == len(got_giflib) == len(frames)
    for a, b in zip(got_pillow, got_giflib):
        np.testing.assert_array_equal(a, b)
    # The pictures are the input's (grey: exactly; the two ramps: close; alpha: on/off at half).
    for got, want in zip(got_giflib[:29], frames[:29]):
        if c == 1:
            np.testing.assert_array_equal(got[..., 0], want[..., 0])
        else:
            opaque = want[..., 3] >= 128 if c == 4 else np.ones(want.shape[:2], bool)
            np.testing.assert_array_equal(got[..., 3] == 255, opaque)
            err = np.abs(got[..., :3].astype(np.int16) - want[..., :3])[opaque].mean()
            assert err < 2.0


@pytest.mark.parametrize("c", [3, 4])
@pytest.mark.parametrize("giflib", [True, False])
def test_blocks_and_layout_do_not_change_the_bytes(
    c: int, giflib: bool, monkeypatch: pytest.MonkeyPatch, block_import: Any
) -> None:
    # Scene changes land inside blocks, at their edges and in the buffered head; the bytes are
    # those of the frame-by-frame writer (a block of one frame) whatever the block size.
    if not giflib:
        _block_imagecodecs(monkeypatch, block_import)
    frames = _scenes(c=c)
    monkeypatch.setattr(gif, "BLOCK_PIXELS", 1)
    one_by_one = _encode(frames)
    assert _local_tables(one_by_one).count(True) >= 2  # the test has scene changes
    for per in (3, 5, 16, 64):
        monkeypatch.setattr(gif, "BLOCK_PIXELS", per * 24 * 32)
        assert _encode(frames) == one_by_one, per
        assert _encode(_channel_first_views(frames)) == one_by_one, per
        assert _encode(np.ascontiguousarray(frames[:, ::-1])[:, ::-1]) == one_by_one, per


def test_progress_is_called_once_per_frame_in_order() -> None:
    frames = _channel_first_views(_scenes())
    calls: list[tuple[int, int | None]] = []
    _encode(frames, count=len(frames), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i + 1, len(frames)) for i in range(len(frames))]


@pytest.mark.parametrize("c", [1, 3])
def test_frames_are_pulled_as_they_are_written(c: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Streaming: besides the palette's head, at most the blocks in flight are read ahead.
    monkeypatch.setattr(gif, "BLOCK_PIXELS", 2 * 24 * 32)
    frames = _scenes()[..., :c]
    frames = np.concatenate([frames] * 3)
    pulled = [0]
    ahead: list[int] = []

    def source() -> Any:
        for f in frames:
            pulled[0] += 1
            yield f

    def progress(done: int, total: int | None) -> None:
        ahead.append(pulled[0] - done)

    gif.encode_gif(source(), width=32, height=24, fps=10, progress=progress)
    assert len(ahead) == len(frames)
    bound = gif.PALETTE_FRAMES + 2 * (gif.LZW_IN_FLIGHT + 2)  # head, then blocks of 2 frames
    assert max(ahead) <= bound
    assert ahead[-1] == 0


def test_same_bytes_from_threads_at_once() -> None:
    frames = _channel_first_views(_scenes(48, 64))
    want = _encode(frames)
    got: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                got.append(_encode(frames))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(got) == 12
    assert all(g == want for g in got)


@pytest.mark.parametrize("c_mapper", [False, True])
def test_the_palette_cache_warm_up_changes_no_byte(c_mapper: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """With 16 frames or more mapped by Pillow (no C mapper, or RGBA frames), the global
    palette's nearest-colour cache is filled on a worker thread while the writer maps the first
    blocks (both fill the one cache): the bytes are those written without it, whichever gets to
    an entry first, however it is timed. The C mapper maps on the workers already: no warm-up."""
    from mediakit import _native

    if c_mapper and _native.speedups() is None:
        pytest.skip("mediakit._speedups is not built (tests/test_speedups.py fails under CI then)")
    if not c_mapper:
        monkeypatch.setattr(_native, "speedups", lambda: None)
    frames = _channel_first_views(_scenes(96, 128))
    calls: list[int] = []
    real = gif._Palette.warm_up

    def counted(self: Any, pool: Any) -> Any:
        calls.append(1)
        return real(self, pool)

    monkeypatch.setattr(gif._Palette, "warm_up", counted)
    if c_mapper:
        assert _encode(frames) and not calls
        assert _encode(_channel_first_views(_scenes(96, 128, c=4))) and len(calls) == 1  # RGBA: Pillow maps
        return
    with_warm_up = {_encode(frames) for _ in range(6)}
    assert len(calls) == 6
    assert _encode(frames[: PALETTE_FRAMES - 1]) and len(calls) == 6  # short clips: not worth a job
    monkeypatch.setattr(gif, "_cache_warm_up_safe", lambda: False)
    assert with_warm_up == {_encode(frames)}
    assert len(calls) == 6


_CHILD = """
import hashlib, sys
import numpy as np
sys.path.insert(0, {tests!r})
from test_gif_writer_fast import _channel_first_views, _encode, _scenes
blobs = {{_encode(_channel_first_views(_scenes(48, 64))) for _ in range(3)}}
print(len(blobs), hashlib.sha256(blobs.pop()).hexdigest())
"""


def test_same_bytes_from_processes_at_once() -> None:
    import hashlib
    from pathlib import Path

    want = hashlib.sha256(_encode(_channel_first_views(_scenes(48, 64)))).hexdigest()
    code = _CHILD.format(tests=str(Path(__file__).resolve().parent))
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs == [["1", want], ["1", want]]


def test_a_failing_frame_source_stops_the_writer() -> None:
    frames = _scenes()

    def source() -> Any:
        yield from frames[:30]
        raise RuntimeError("camera unplugged")

    with pytest.raises(RuntimeError, match="camera unplugged"):
        gif.encode_gif(source(), width=32, height=24, fps=10)


def test_on_a_worker_thread_the_lzw_runs_inline_with_the_same_bytes() -> None:
    # A GIF encoded on one of mediakit's own worker threads (batch encoding) must not wait on the
    # pool it runs on.
    from mediakit._threads import pool

    frames = _channel_first_views(_scenes())
    assert pool().submit(_encode, frames).result(timeout=60) == _encode(frames)


@pytest.mark.parametrize("giflib", [True, False])
@pytest.mark.parametrize(("n", "h", "w"), [(20, 50, 40), (2, 300, 400), (1, 1024, 1024), (1, 1, 1)])
def test_incompressible_frames_are_written_whole(
    giflib: bool, n: int, h: int, w: int, monkeypatch: pytest.MonkeyPatch, block_import: Any
) -> None:
    """Noise: LZW makes it larger than the pixels (up to 12 bits each). giflib's output buffer
    is sized for that (imagecodecs' default, about a byte per pixel, overflowed with
    "Write failed (disk full?)"), and both encoders decode back to the same indices."""
    if not giflib:
        _block_imagecodecs(monkeypatch, block_import)
    rng = np.random.default_rng(n * h)
    idx = rng.integers(0, 256, (n, h, w), dtype=np.uint8)
    frames = idx[..., None]  # grey: the values are the indices
    blob = gif.encode_gif(iter(frames), width=w, height=h, fps=10)
    assert len(blob) > idx.size  # it did not compress: every code was written
    got = _pixels(blob)
    assert len(got) == n
    for a, b in zip(got, idx):
        np.testing.assert_array_equal(a[..., 0], b)


def _controls(blob: bytes) -> list[tuple[int, bool, bytes | None]]:
    """For each frame: its graphic control's disposal method, whether it has a transparent index,
    and its local colour table (None: the global one)."""
    out = []
    pos = 13 + (3 << ((blob[10] & 7) + 1) if blob[10] & 0x80 else 0)
    control = (0, False)
    while blob[pos] != 0x3B:
        if blob[pos] == 0x21:
            if blob[pos + 1] == 0xF9:
                control = ((blob[pos + 3] >> 2) & 7, bool(blob[pos + 3] & 1))
            pos = gif._skip_sub_blocks(blob, pos + 2)
            continue
        packed = blob[pos + 9]
        end = pos + 10 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0)
        out.append((*control, blob[pos + 10 : end] if packed & 0x80 else None))
        pos = gif._skip_sub_blocks(blob, end + 1)
    return out


@pytest.mark.parametrize("giflib", [True, False])
def test_frames_after_the_first_keep_unchanged_pixels_transparent(
    giflib: bool, monkeypatch: pytest.MonkeyPatch, block_import: Any
) -> None:
    """A colour frame whose pixel has the index the frame before had there writes the transparent
    index instead, over the frame before (disposal 1): decoded, every frame is exactly what it is
    written whole, and the file is smaller. A frame with a new palette is written whole."""
    if not giflib:
        _block_imagecodecs(monkeypatch, block_import)
    frames = _scenes()
    frames[21] = frames[20]  # a frame with no change at all
    delta = _encode(frames)
    controls = _controls(delta)
    new_palette = [i == 0 or controls[i][2] != controls[i - 1][2] for i in range(len(frames))]
    assert 3 <= new_palette.count(True) < len(frames) // 2  # the test has scene changes
    assert [c[:2] for c in controls] == [(1, not new) for new in new_palette]
    monkeypatch.setattr(gif, "_delta", lambda idx, prev: idx)  # every frame whole, same controls
    whole = _encode(frames)
    assert len(delta) < len(whole)
    for a, b in zip(_pixels(delta), _pixels(whole)):
        np.testing.assert_array_equal(a, b)
    assert gif.scan(delta)[4] is False  # differences over an opaque frame: no alpha


def _gif(frames: list[tuple[int, bool, tuple[int, int, int, int]]]) -> bytes:
    """A 4x4 GIF of frames ``(disposal, transparent, (x, y, w, h))``, each of one colour index."""
    out = bytearray(b"GIF89a\x04\x00\x04\x00\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff")
    for disposal, transparent, (x, y, w, h) in frames:
        out += b"!\xf9\x04" + bytes([disposal << 2 | transparent]) + b"\x05\x00\x01\x00"
        out += b"," + bytes([x, 0, y, 0, w, 0, h, 0, 0])
        out += b"\x02" + PILImage.frombuffer("P", (w, h), bytes(w * h), "raw", "P", 0, 1).tobytes("gif", "P") + b"\x00"
    return bytes(out + b";")


@pytest.mark.parametrize(
    ("frames", "alpha"),
    [
        ([(1, False, (0, 0, 4, 4)), (1, True, (0, 0, 4, 4))], False),  # differences over an opaque frame
        ([(0, False, (0, 0, 4, 4)), (0, True, (1, 1, 2, 2))], False),  # unspecified disposal keeps the frame
        ([(1, True, (0, 0, 4, 4)), (1, False, (0, 0, 4, 4))], True),  # the first frame has holes
        ([(1, False, (0, 0, 2, 4)), (1, True, (0, 0, 4, 4))], True),  # the screen was not covered
        ([(2, False, (0, 0, 4, 4)), (1, True, (0, 0, 4, 4))], True),  # cleared after the first frame
        ([(1, False, (0, 0, 4, 4)), (3, False, (0, 0, 2, 2)), (1, True, (0, 0, 4, 4))], False),  # restored
        ([(3, False, (0, 0, 4, 4)), (1, True, (0, 0, 4, 4))], True),  # restored to the empty screen
        ([(4, False, (0, 0, 4, 4)), (1, True, (0, 0, 4, 4))], True),  # 4-7: as 3 (Pillow, browsers)
        ([(1, False, (0, 0, 4, 4)), (2, False, (0, 0, 4, 4)), (1, False, (0, 0, 4, 4))], False),  # cleared, covered again
    ],
)
def test_scan_reports_alpha_only_where_the_background_can_show(frames: list[Any], alpha: bool) -> None:
    blob = _gif(frames)
    assert gif.scan(blob)[2] == len(frames)
    assert gif.scan(blob)[4] is alpha


def test_a_colour_frame_after_rgba_frames_is_written_whole() -> None:
    # RGBA frames are cleared after they show (disposal 2): the next colour frame cannot be a
    # difference against the colour frame before them.
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    b = np.concatenate([a[::-1], np.full((16, 16, 1), 255, np.uint8)], axis=2)  # same colours, opaque
    blob = gif.encode_gif(iter([a] * PALETTE_FRAMES + [b, a]), width=16, height=16, fps=10)
    got = _pixels(blob)
    assert [c[:2] for c in _controls(blob)[-3:]] == [(1, True), (2, True), (1, False)]
    for frame, want in zip(got[-3:], [a, b[..., :3], a]):
        assert np.abs(frame[..., :3].astype(np.int16) - want).max() <= 16
