"""Audio files for the kinds, renderers and the CLI: one entry point over the audio formats
(:mod:`.wav`, :mod:`.flac`, :mod:`.ogg`, :mod:`.mp3`; reading through libsndfile, see
:mod:`._soundfile`). Declares no format itself.

:func:`convert` (wav/flac/ogg/mp3 -> wav/flac/ogg) is the CLI's ``mediakit convert`` for audio.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import MediaFileNotFoundError, ValidationError
from .._files import write_atomic
from .._limits import MAX_AUDIO_SAMPLES
from . import flac, mp3, ogg, wav
from ._oggpages import check_ogg_complete
from ._pcm import to_float as to_float
from ._pcm import to_pcm as to_pcm
from ._soundfile import AudioInfo as AudioInfo
from ._soundfile import decode as _decode
from ._spec import Source

#: Output formats and the sample encodings each accepts (the first is the default).
SUBTYPES: dict[str, tuple[str | None, ...]] = {"wav": wav.SUBTYPES, "flac": flac.SUBTYPES, "ogg": ogg.SUBTYPES}
#: Highest sample rate each output format can hold.
MAX_RATE = {"wav": wav.MAX_RATE, "flac": flac.MAX_RATE, "ogg": ogg.MAX_RATE}
#: Store suffix of each format kept or written.
SUFFIX = {m.SPEC.name: m.SPEC.suffix for m in (wav, flac, ogg, mp3)}
#: libsndfile subtype of a source -> the sample encoding a re-encoding keeps (else pcm16).
KEEP_SUBTYPE = {"FLOAT": "float", "DOUBLE": "float", "PCM_24": "pcm24", "PCM_32": "pcm24"}

_ENCODERS: dict[str, Callable[..., bytes]] = {"wav": wav.encode_wav, "flac": flac.encode_flac, "ogg": ogg.encode_ogg}


def encode(data: np.ndarray, sample_rate: int, fmt: str, subtype: str | None) -> bytes:
    """Encode ``(N, C)`` samples as ``fmt`` (``wav``, ``flac`` or ``ogg``)."""
    return _ENCODERS[fmt](data, sample_rate, subtype)


def probe(data: Any, *, field: str = "data", max_frames: int | None = None, max_samples: int = MAX_AUDIO_SAMPLES) -> tuple[AudioInfo, np.ndarray]:
    """Identify an audio file (a :class:`Source`, path or bytes) and decode it completely (a
    file that does not decode to the end is a :class:`DecodeError`; one decoding to more than
    ``max_samples`` samples, frames x channels, a :class:`LimitError`). Returns the info and the
    samples (``(N, C)`` in the file's own integer type for 16/32-bit PCM, float32 otherwise)."""
    blob = (data if isinstance(data, Source) else Source(data, field=field, what="audio")).read()
    wav.check_wav_length(blob, field=field)
    if blob[:4] == b"OggS":
        check_ogg_complete(blob, field=field)
    elif mp3.sniff(blob):
        mp3.check_mp3_complete(blob, field=field)
    return _decode(blob, field=field, max_frames=max_frames, max_samples=max_samples)


def read(data: Any, *, field: str = "data", max_samples: int = MAX_AUDIO_SAMPLES) -> np.ndarray:
    """Decode an audio file to ``(N, C)`` samples (see :func:`probe`)."""
    return probe(data, field=field, max_samples=max_samples)[1]


# -- conversion for the CLI -----------------------------------------------------------------------------

_OUT_BY_SUFFIX = {".wav": "wav", ".flac": "flac", ".ogg": "ogg", ".oga": "ogg"}


def convert(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], *, progress: Callable[[int, int | None], None] | None = None
) -> None:
    """Convert an audio file (wav/flac/ogg/mp3, anything libsndfile reads) to wav, flac or ogg,
    chosen by ``dst``'s suffix. WAV output is 16-bit PCM unless the source is float or 24-bit.

    The output is written to a temporary name beside ``dst`` and renamed into place.
    """
    src, dst = Path(src), Path(dst)
    fmt = _OUT_BY_SUFFIX.get(dst.suffix.lower())
    if fmt is None:
        msg = f"dst: expected a .wav, .flac, .ogg or .oga file name, got {str(dst)!r}"
        raise ValidationError(msg)
    try:
        blob = src.read_bytes()
    except FileNotFoundError:
        msg = f"src: audio file {str(src)!r} does not exist"
        raise MediaFileNotFoundError(msg) from None
    if progress:
        progress(0, 2)
    info, samples = probe(blob, field=f"src ({str(src)!r})")
    if info.sample_rate > MAX_RATE[fmt]:
        msg = f"dst: {fmt} holds sample rates up to {MAX_RATE[fmt]} Hz, the source has {info.sample_rate} Hz"
        raise ValidationError(msg)
    subtype: str | None = KEEP_SUBTYPE.get(info.subtype, "pcm16")
    if subtype not in SUBTYPES[fmt]:
        subtype = SUBTYPES[fmt][-1] if fmt == "flac" else SUBTYPES[fmt][0]
    out = encode(samples, info.sample_rate, fmt, subtype if fmt != "ogg" else None)
    if progress:
        progress(1, 2)
    write_atomic(dst, out, field="dst")
    if progress:
        progress(2, 2)
