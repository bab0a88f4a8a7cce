from __future__ import annotations

import numpy as np

import mediakit as mk
from conftest import roundtrip


def test_image_roundtrip(store):
    img = mk.Image(np.arange(60, dtype=np.uint8).reshape(5, 4, 3), caption="x")
    desc, back = roundtrip(img, store)
    assert back == img
    assert desc["width"] == 4
