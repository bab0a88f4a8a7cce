"""RGB (or grey) frames to 8-bit 4:2:0 planes, BT.601 limited range: what the video encoders
are fed (H.264, VP9 and Theora all take ``yuv420p``).

FFmpeg's converter (libswscale, which PyAV calls when handed RGB) costs more than x264 itself
on small frames (0.23 ms of a 128x128 frame's 0.5 ms, most of it per-frame set-up). Here one
pass writes the encoder's own frame buffer: Y per pixel, Cb and Cr from each 2x2 block's sums
(an odd last row or column counts twice),
with the integer coefficients below (Cb and Cr coefficients sum to 0, so greys stay at 128),
rounded half up. The C extension (``_speedups.yuv420``, GIL released) and the numpy code here
compute the same values, so a video's bytes do not depend on whether the extension is built.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _native

#: Fixed-point coefficients (x 2^16) of BT.601 limited range: Y = 16 + 219/255 (0.299 R + 0.587 G
#: + 0.114 B); Cb, Cr = 128 + 224/255 x (B - Y, R - Y) / (1.772, 1.402).
Y_COEF = (16829, 33039, 6416)
U_COEF = (-9714, -19071, 28785)
V_COEF = (28784, -24103, -4681)


def fill(frame: np.ndarray, planes: Any) -> None:
    """Write ``frame`` (``(H, W, C)`` uint8, C 1, 3 or 4: alpha is ignored) into a
    ``yuv420p`` frame's three planes (objects with the buffer protocol and ``line_size``)."""
    y, u, v = planes
    native = _native.speedups()
    if native is not None:
        native.yuv420(frame, y, y.line_size, u, u.line_size, v, v.line_size)
        return
    for plane, values in zip((y, u, v), planes_of(frame)):
        rows = values.shape[0]
        view = np.frombuffer(plane, np.uint8)[: rows * plane.line_size].reshape(rows, plane.line_size)
        view[:, : values.shape[1]] = values


def planes_of(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Y, Cb and Cr planes of ``frame`` in numpy (the values ``_speedups.yuv420`` writes)."""
    h, w = frame.shape[:2]
    rgb = [frame[:, :, 0 if frame.shape[2] == 1 else k].astype(np.int32) for k in range(3)]
    y = (Y_COEF[0] * rgb[0] + Y_COEF[1] * rgb[1] + Y_COEF[2] * rgb[2] + (16 << 16) + (1 << 15)) >> 16
    # An odd last row or column counts twice in its 2x2 blocks.
    even = [np.pad(c, ((0, h % 2), (0, w % 2)), mode="edge") for c in rgb]
    sums = [c.reshape((h + 1) // 2, 2, (w + 1) // 2, 2).sum(axis=(1, 3)) for c in even]
    u = (U_COEF[0] * sums[0] + U_COEF[1] * sums[1] + U_COEF[2] * sums[2] + (128 << 18) + (1 << 17)) >> 18
    v = (V_COEF[0] * sums[0] + V_COEF[1] * sums[1] + V_COEF[2] * sums[2] + (128 << 18) + (1 << 17)) >> 18
    return y.astype(np.uint8), u.astype(np.uint8), v.astype(np.uint8)
