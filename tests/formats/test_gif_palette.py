"""The GIF writer's shared palette: one global colour table for a scene, a local one where the
scene changes, and colours close to the input either way."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from mediakit.formats import gif


def _gradient(seed: int, t: int = 6, h: int = 48, w: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=3)
    yy, xx = np.mgrid[0:h, 0:w]
    frame = np.stack([(base[0] + 3 * xx) % 256, (base[1] + 4 * yy) % 256, (base[2] + xx + yy) % 256], -1).astype(np.uint8)
    return np.stack([np.roll(frame, k, axis=1) for k in range(t)])


def _decode(blob: bytes) -> list[np.ndarray]:
    im = PILImage.open(io.BytesIO(blob))
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        out.append(np.asarray(im.convert("RGB")).astype(np.int16))
    return out


def _local_tables(blob: bytes) -> list[bool]:
    """For each image descriptor, whether it carries a local colour table."""
    flags = []
    pos = 13 + (3 << ((blob[10] & 7) + 1) if blob[10] & 0x80 else 0)
    while blob[pos] != 0x3B:
        if blob[pos] == 0x21:  # extension: label, then sub-blocks
            pos = gif._skip_sub_blocks(blob, pos + 2)
            continue
        assert blob[pos] == 0x2C
        packed = blob[pos + 9]
        flags.append(bool(packed & 0x80))
        pos += 10 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0)
        pos = gif._skip_sub_blocks(blob, pos + 1)
    return flags


def test_one_scene_uses_the_global_table_only() -> None:
    frames = _gradient(1)
    blob = gif.encode_gif(iter(frames), width=64, height=48, fps=5)
    assert blob[10] & 0x80  # a global colour table
    assert _local_tables(blob) == [False] * 6
    for got, want in zip(_decode(blob), frames):
        assert np.abs(got - want).mean() < 4.0


def test_a_scene_change_gets_its_own_palette_and_keeps_its_colours() -> None:
    # Two unrelated scenes, the second after the frames the shared palette is made from: that
    # palette fits the second scene badly.
    n = gif.PALETTE_FRAMES + 2
    a = np.zeros((n, 32, 32, 3), np.uint8)
    a[..., 0] = np.linspace(0, 255, 32, dtype=np.uint8)  # red ramp
    b = np.zeros((4, 32, 32, 3), np.uint8)
    b[..., 2] = np.linspace(0, 255, 32, dtype=np.uint8)[:, None]  # blue ramp
    b[..., 1] = 200
    frames = np.concatenate([a, b])
    blob = gif.encode_gif(iter(frames), width=32, height=32, fps=5, count=n + 4)
    assert _local_tables(blob) == [False] * n + [True] * 4
    decoded = _decode(blob)
    assert len(decoded) == n + 4
    for got, want in zip(decoded, frames):
        assert np.abs(got - want).mean() < 2.0


def test_the_palette_sees_frames_past_the_first() -> None:
    # Frame 0 is black; the colours arrive later within the buffered head, so the shared palette
    # must come from all of them.
    frames = _gradient(3, t=8)
    frames[0] = 0
    blob = gif.encode_gif(iter(frames), width=64, height=48, fps=5)
    assert _local_tables(blob) == [False] * 8
    for got, want in zip(_decode(blob)[1:], frames[1:]):
        assert np.abs(got - want).mean() < 4.0


def test_output_is_deterministic() -> None:
    frames = _gradient(5, t=20)
    one = gif.encode_gif(iter(frames), width=64, height=48, fps=10)
    two = gif.encode_gif(iter(list(frames)), width=64, height=48, fps=10)
    assert one == two
