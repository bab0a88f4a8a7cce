"""FLAC (16 or 24 bit), written and read through soundfile (libsndfile, extra ``audio``)."""

from __future__ import annotations

import io

import numpy as np

from ._pcm import to_pcm
from ._soundfile import convert, facts, sf
from ._spec import FormatSpec

#: Sample encodings the writer takes (the first is the default).
SUBTYPES = ("pcm16", "pcm24")
#: Highest sample rate FLAC holds.
MAX_RATE = 655_350


def encode_flac(data: np.ndarray, sample_rate: int, subtype: str | None = "pcm16") -> bytes:
    """A FLAC file of ``(N, C)`` samples; ``subtype`` is ``pcm16`` or ``pcm24``."""
    subtype = subtype or "pcm16"
    buf = io.BytesIO()
    samples = to_pcm(data, subtype)
    if subtype == "pcm24":
        samples = samples << 8  # soundfile takes 24-bit audio as the top bits of an int32
    sf().write(buf, samples, sample_rate, format="FLAC", subtype="PCM_24" if subtype == "pcm24" else "PCM_16")
    return buf.getvalue()


SPEC = FormatSpec(
    name="flac",
    kinds=("audio",),
    suffixes=(".flac",),
    media_type="audio/flac",
    magic=(b"fLaC",),
    extra="audio",
    probe=facts,
    convert=convert,
    encode=encode_flac,
    converts_to=("wav", "ogg"),
    description="FLAC (lossless)",
    notes={"subtypes": SUBTYPES, "max_rate": MAX_RATE},
)
