"""Audio sample conversions shared by the audio writers (WAV, FLAC, Ogg/Vorbis)."""

from __future__ import annotations

import numpy as np


def to_float(data: np.ndarray) -> np.ndarray:
    """Samples as float32 in [-1, 1] (integers are divided by their type's full scale)."""
    if data.dtype == np.int16:
        return data.astype(np.float32) * np.float32(1 / 32768)
    if data.dtype == np.int32:
        return (data.astype(np.float64) * (1 / 2147483648)).astype(np.float32)
    return data.astype(np.float32, copy=False)


def to_pcm(data: np.ndarray, subtype: str) -> np.ndarray:
    """Convert samples (int16, int32, or floats already in [-1, 1]) to ``subtype``'s storage type.

    ``pcm16`` -> int16, ``pcm24`` -> int32 holding 24-bit values, ``float`` -> float32. Floats are
    scaled by the symmetric full scale (32767, 8388607) and rounded, without dither, so the
    result is reproducible.
    """
    kind = data.dtype.kind
    if subtype == "float":
        return to_float(data)
    bits = 16 if subtype == "pcm16" else 24
    if kind == "i":
        shift = data.dtype.itemsize * 8 - bits
        if shift > 0:
            # Round to nearest instead of truncating towards -inf (saturating at the top).
            wide = data.astype(np.int64) + (1 << (shift - 1))
            return np.minimum(wide >> shift, (1 << (bits - 1)) - 1).astype(np.int16 if bits == 16 else np.int32)
        return (data.astype(np.int32) << -shift) if shift < 0 else data
    scale = float((1 << (bits - 1)) - 1)
    out = np.multiply(data, np.float32(scale) if data.dtype == np.float32 else scale)
    np.rint(out, out=out)
    return out.astype(np.int16 if bits == 16 else np.int32)
