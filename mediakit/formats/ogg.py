"""Ogg audio (Vorbis written; Vorbis and Opus read), through soundfile (libsndfile, extra
``audio``). An Ogg file holding Theora video is a video (:func:`classify`; see :mod:`.ogv`).

Vorbis is written in blocks of at most one second: libvorbis overflows its stack on large
single writes (python-soundfile #396). libsndfile gives each Ogg stream a random serial number,
so the serials are rewritten to fixed values afterwards to keep output reproducible.
"""

from __future__ import annotations

import io

import numpy as np

from ._oggpages import MAGIC, check_ogg_complete, fix_ogg_serials, has_theora
from ._pcm import to_float
from ._soundfile import convert, facts, sf
from ._spec import FormatSpec, Source

#: Sample encodings the writer takes (Vorbis takes none).
SUBTYPES: tuple[str | None, ...] = (None,)
#: Highest sample rate written: libvorbis crashes the process above ~200 kHz.
MAX_RATE = 192_000
#: Vorbis block size in seconds (see module docstring).
VORBIS_BLOCK_SECONDS = 1.0

__all__ = ["check_ogg_complete", "encode_ogg", "fix_ogg_serials"]


def encode_ogg(data: np.ndarray, sample_rate: int, subtype: None = None) -> bytes:
    """Ogg/Vorbis of ``(N, C)`` samples, with fixed stream serial numbers."""
    buf = io.BytesIO()
    samples = to_float(data)
    step = max(1, int(sample_rate * VORBIS_BLOCK_SECONDS))
    with sf().SoundFile(buf, "w", samplerate=sample_rate, channels=data.shape[1], format="OGG", subtype="VORBIS") as f:
        for i in range(0, len(samples), step):
            f.write(samples[i : i + step])
    return fix_ogg_serials(buf.getvalue())


def sniff(head: bytes) -> bool:
    """An Ogg file without a Theora stream in its first pages."""
    return head[:4] == MAGIC and not has_theora(head)


def classify(src: Source) -> str:
    """Ogg holding Theora is a video, any other Ogg audio."""
    return "video" if has_theora(src.head(4096)) else "audio"


SPEC = FormatSpec(
    name="ogg",
    kinds=("audio",),
    suffixes=(".ogg", ".oga", ".opus"),
    media_type="audio/ogg",
    sniff=sniff,
    extra="audio",
    probe=facts,
    convert=convert,
    encode=encode_ogg,
    converts_to=("wav", "flac"),
    classify=classify,
    description="Ogg audio (Vorbis, Opus)",
    notes={"subtypes": SUBTYPES, "max_rate": MAX_RATE},
)
