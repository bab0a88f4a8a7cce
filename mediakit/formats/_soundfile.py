"""Reading audio through ``soundfile`` (libsndfile, extra ``audio``): what every audio format
shares. Probing decodes completely (a file that does not decode to the end is refused); the
cheap :func:`facts` reads the header only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError
from .._lazy import require
from .._limits import MAX_AUDIO_SAMPLES
from ._spec import Source

#: libsndfile major format -> our format name (others are readable but get transcoded to WAV).
KEPT_FORMATS = {"WAV": "wav", "WAVEX": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}
#: WAV encodings that browsers play; anything else in a WAV (ADPCM, u-law, ...) is transcoded.
WAV_PLAYABLE = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"}
#: Most samples (frames x channels) decoded from one file: 2^30 (4 GiB as float32, over three
#: hours of 48 kHz 8-channel audio; ``Limits.max_audio_samples``). Decoding stops there, whatever
#: the header claims.
MAX_SAMPLES = MAX_AUDIO_SAMPLES
MAX_CHANNELS = 1024
_BLOCK_FRAMES = 1 << 18


def sf() -> Any:
    return require("soundfile", extra="audio", feature="FLAC/OGG/MP3 audio")


@dataclass(frozen=True)
class AudioInfo:
    """What a probe found in an audio file."""

    format: str  # wav, flac, ogg, mp3, or another libsndfile format name in lower case
    subtype: str  # libsndfile subtype, e.g. PCM_16, FLOAT, VORBIS, MPEG_LAYER_III
    sample_rate: int
    channels: int
    frames: int

    @property
    def kept(self) -> bool:
        """Whether the file can be stored as it is (a format browsers play)."""
        if self.format == "wav":
            return self.subtype in WAV_PLAYABLE
        return self.format in ("flac", "ogg", "mp3")


def _open(blob: bytes, field: str) -> Any:
    mod = sf()
    try:
        return mod.SoundFile(io.BytesIO(blob))
    except (mod.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        msg = f"{field}: expected a decodable WAV, FLAC, OGG or MP3 file, got {len(blob)} bytes that libsndfile cannot read ({_reason(e)})"
        raise DecodeError(msg) from None


def _reason(e: BaseException) -> str:
    text = str(e)
    # libsndfile prefixes "Error opening <_io.BytesIO object at 0x...>: "; the address is noise.
    return text.split(">: ", 1)[-1] if ">: " in text else text


def decode(blob: bytes, *, field: str = "data", max_frames: int | None = None, max_samples: int = MAX_SAMPLES) -> tuple[AudioInfo, np.ndarray]:
    """Decode an audio file completely (at most ``max_samples`` samples, frames x channels).
    Returns the info and the samples (``(N, C)`` in the file's own integer type for 16/32-bit PCM,
    float32 otherwise)."""
    mod = sf()
    with _open(blob, field) as f:
        fmt = KEPT_FORMATS.get(f.format, f.format.lower())
        subtype = f.subtype
        if max_frames is not None and f.frames > max_frames:
            msg = f"{field}: the file announces {f.frames} frames, more than the limit of {max_frames}"
            raise LimitError(msg)
        dtype = {"PCM_16": "int16", "PCM_32": "int32"}.get(subtype, "float32")
        samples = _read_bounded(f, dtype, field, fmt, mod, max_samples)
        announced = f.frames
        info = AudioInfo(fmt, subtype, int(f.samplerate), int(f.channels), len(samples))
    if len(samples) == 0:
        msg = f"{field}: the {fmt.upper()} file holds no audio frames"
        raise DecodeError(msg)
    # MP3 has no exact length field; libsndfile estimates it (exactly, with a Xing header). A file
    # that decodes to much less than announced was cut off.
    if fmt == "mp3" and len(samples) < 0.98 * announced - 2 * 1152:
        msg = f"{field}: truncated MP3 file: {announced} frames announced, only {len(samples)} decode"
        raise DecodeError(msg)
    return info, samples


def _read_bounded(f: Any, dtype: str, field: str, fmt: str, mod: Any, max_samples: int = MAX_SAMPLES) -> np.ndarray:
    """All samples, read in blocks: memory follows the data actually decoded, never the length
    the header claims (libsndfile would allocate the claimed frame count at once), and stops at
    ``max_samples``."""
    channels = int(f.channels)
    if channels < 1 or channels > MAX_CHANNELS:
        msg = f"{field}: the file announces {channels} channels; 1 to {MAX_CHANNELS} are supported"
        raise DecodeError(msg)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        while True:
            block = f.read(frames=_BLOCK_FRAMES, dtype=dtype, always_2d=True)
            if not len(block):
                break
            total += len(block) * channels
            if total > max_samples:
                msg = f"{field}: the {fmt.upper()} file decodes to more than {max_samples:,} samples (frames x channels), the limit (max_audio_samples)"
                raise LimitError(msg)
            chunks.append(block)
    except (mod.LibsndfileError, RuntimeError, ValueError, MemoryError) as e:
        if isinstance(e, LimitError):
            raise
        msg = f"{field}: {fmt.upper()} data could not be decoded ({_reason(e)})"
        raise DecodeError(msg) from None
    if not chunks:
        return np.zeros((0, channels), dtype=dtype)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def convert(src: Any, dst: Any, *, progress: Any = None) -> None:
    """``spec.convert`` of the audio formats: see :func:`mediakit.formats.audio.convert`."""
    from .audio import convert as convert_audio

    convert_audio(src, dst, progress=progress)


def facts(src: Source) -> dict[str, Any]:
    """``spec.probe`` of the audio formats: what the header says (libsndfile reads the caller's
    file when ``src`` is a path; nothing is decoded; MP3 lengths are libsndfile's estimate)."""
    mod = sf()
    target: Any = str(src.path) if src.path is not None else io.BytesIO(src.read())
    try:
        f = mod.SoundFile(target)
    except (mod.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        msg = f"{src.field}: libsndfile cannot read {src.name!r} ({_reason(e)})"
        raise DecodeError(msg) from None
    with f:
        fmt = KEPT_FORMATS.get(f.format, f.format.lower())
        rate, frames = int(f.samplerate), int(f.frames)
        info = AudioInfo(fmt, f.subtype, rate, int(f.channels), frames)
    return {
        "format": fmt, "encoding": info.subtype.lower(), "sample_rate": rate, "channels": info.channels, "frames": frames,
        "duration": round(frames / rate, 6) if rate else 0.0, "kept": info.kept, "size": src.size,
    }  # fmt: skip
