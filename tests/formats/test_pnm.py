"""Netpbm: one format module (``mediakit/formats/pnm.py``) and these tests are all it took."""

from __future__ import annotations

import numpy as np
import pytest

import mediakit as mk
from mediakit import formats
from mediakit._errors import DecodeError
from mediakit.cli import main


def _pgm16(a: np.ndarray) -> bytes:
    h, w = a.shape
    return f"P5\n{w} {h}\n65535\n".encode() + a.astype(">u2").tobytes()


def _ppm(a: np.ndarray) -> bytes:
    h, w, _ = a.shape
    return f"P6\n{w} {h}\n255\n".encode() + a.astype(np.uint8).tobytes()


def test_registered_everywhere() -> None:
    spec = formats.get("pnm")
    assert formats.get("pgm") is spec and formats.sniff(b"P5\n4 4\n255\n") is spec
    assert {s: formats.kind_by_suffix()[s] for s in (".pnm", ".ppm", ".pgm", ".pbm")} == dict.fromkeys((".pnm", ".ppm", ".pgm", ".pbm"), "image")


def test_sixteen_bit_pgm_round_trips_as_png() -> None:
    a = np.arange(12 * 10, dtype=np.uint16).reshape(12, 10) * 500
    store = mk.MemoryStore()
    desc = mk.Image(_pgm16(a)).encode(store)
    assert (desc["format"], desc["mode"], desc["bit_depth"]) == ("png", "I;16", 16)
    np.testing.assert_array_equal(mk.decode(desc, store).pixels, a)


def test_ppm_through_the_cli(tmp_path) -> None:
    rgb = np.random.default_rng(3).integers(0, 255, (6, 9, 3))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "frame.ppm").write_bytes(_ppm(rgb))
    assert main(["encode", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 0
    assert main(["convert", str(tmp_path / "in" / "frame.ppm"), str(tmp_path / "frame.png")]) == 0
    from PIL import Image as PILImage

    with PILImage.open(tmp_path / "frame.png") as im:
        np.testing.assert_array_equal(np.asarray(im), rgb)


def test_truncated_pnm_is_a_decode_error() -> None:
    blob = _ppm(np.zeros((8, 8, 3)))[:-40]
    with pytest.raises(DecodeError, match=r"data \(bytes\): image data could not be decoded"):
        mk.Image(blob)
