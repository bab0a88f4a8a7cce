"""Audio codecs: WAV, FLAC, Ogg/Vorbis (write) and WAV, FLAC, OGG, MP3 (probe, read).

Backends:

- WAV is written here with numpy (PCM 16/24 bit or 32-bit float, ``WAVE_FORMAT_EXTENSIBLE`` for
  more than two channels): it needs no optional package, is faster than libsndfile for this
  simple format and, unlike libsndfile's float WAV (whose ``PEAK`` chunk holds the wall-clock
  time), always gives the same bytes.
- FLAC, Ogg/Vorbis and every reader use ``soundfile`` (libsndfile), extra ``audio``.
  Vorbis is written in blocks of at most one second: libvorbis overflows its stack on large
  single writes (python-soundfile #396). libsndfile gives each Ogg stream a random serial
  number, so the serials are rewritten to fixed values afterwards to keep output reproducible.

:func:`convert` (wav/flac/ogg/mp3 -> wav/flac/ogg) is the CLI's ``mediakit convert`` for audio.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import DecodeError, LimitError, MediaFileNotFoundError, ValidationError
from .._files import write_atomic
from .._lazy import require

#: Output formats and the sample encodings each accepts (the first is the default).
SUBTYPES: dict[str, tuple[str | None, ...]] = {"wav": ("pcm16", "pcm24", "float"), "flac": ("pcm16", "pcm24"), "ogg": (None,)}
#: Highest sample rate each output format can hold. libvorbis crashes the process above ~200 kHz.
MAX_RATE = {"wav": 768_000, "flac": 655_350, "ogg": 192_000}
#: File suffix and media type of each stored format.
SUFFIX = {"wav": ".wav", "flac": ".flac", "ogg": ".ogg", "mp3": ".mp3"}
#: libsndfile major format -> our format name (others are readable but get transcoded to WAV).
KEPT_FORMATS = {"WAV": "wav", "WAVEX": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}
#: WAV encodings that browsers play; anything else in a WAV (ADPCM, u-law, ...) is transcoded.
WAV_PLAYABLE = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"}
#: Largest WAV data chunk (the RIFF size fields are 32 bits).
MAX_WAV_BYTES = 0xFFFF_FFFF - 1024
#: Vorbis block size in seconds (see module docstring).
VORBIS_BLOCK_SECONDS = 1.0

_PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
_FLOAT_GUID = bytes.fromhex("0300000000001000800000aa00389b71")
#: Speaker masks for WAVE_FORMAT_EXTENSIBLE (mono, stereo, 3.0, quad, 5.0, 5.1, 6.1, 7.1).
_CHANNEL_MASKS = {1: 0x4, 2: 0x3, 3: 0x7, 4: 0x33, 5: 0x37, 6: 0x3F, 7: 0x13F, 8: 0x63F}


def _sf() -> Any:
    return require("soundfile", extra="audio", feature="FLAC/OGG/MP3 audio")


# -- sample conversion -----------------------------------------------------------------------------


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


# -- WAV ------------------------------------------------------------------------------------------


def encode_wav(data: np.ndarray, sample_rate: int, subtype: str = "pcm16") -> bytes:
    """A WAV file of ``data`` (``(N, C)``); ``subtype`` is ``pcm16``, ``pcm24`` or ``float``."""
    frames, channels = data.shape
    bits = {"pcm16": 16, "pcm24": 24, "float": 32}[subtype]
    block = channels * bits // 8
    nbytes = frames * block
    if nbytes > MAX_WAV_BYTES:
        msg = f"data: {nbytes} bytes of samples exceed what a WAV file can hold ({MAX_WAV_BYTES}); use file_type='flac'"
        raise LimitError(msg)
    is_float = subtype == "float"
    extensible = channels > 2 or (bits > 16 and not is_float)
    if extensible:
        guid = _FLOAT_GUID if is_float else _PCM_GUID
        fmt = struct.pack(
            "<HHIIHHHHI16s",
            0xFFFE,
            channels,
            sample_rate,
            sample_rate * block,
            block,
            bits,
            22,
            bits,
            _CHANNEL_MASKS.get(channels, 0),
            guid,
        )
    elif is_float:
        fmt = struct.pack("<HHIIHHH", 3, channels, sample_rate, sample_rate * block, block, bits, 0)
    else:
        fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * block, block, bits)
    chunks = [b"fmt " + struct.pack("<I", len(fmt)) + fmt]
    if is_float or extensible:
        chunks.append(b"fact" + struct.pack("<II", 4, frames))  # required for non-PCM formats
    head = b"".join(chunks)
    pad = nbytes & 1
    total = 12 + len(head) + 8 + nbytes + pad
    buf = bytearray(total)
    buf[:12] = b"RIFF" + struct.pack("<I", total - 8) + b"WAVE"
    buf[12 : 12 + len(head)] = head
    start = 12 + len(head)
    buf[start : start + 8] = b"data" + struct.pack("<I", nbytes)
    start += 8
    samples = to_pcm(data, subtype)
    if bits == 24:
        # Little-endian 24-bit: the low three bytes of each int32.
        view = np.frombuffer(buf, np.uint8, nbytes, start).reshape(frames * channels, 3)
        view[:] = samples.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
    else:
        dtype = "<f4" if is_float else "<i2"
        np.frombuffer(buf, dtype, frames * channels, start).reshape(frames, channels)[:] = samples
    return bytes(buf)


def check_wav_length(blob: bytes, *, field: str) -> None:
    """Refuse a WAV whose data chunk is shorter than its header says (libsndfile silently
    plays the part that is there)."""
    if blob[:4] not in (b"RIFF", b"RIFX") or blob[8:12] != b"WAVE":
        return
    pos = 12
    while pos + 8 <= len(blob):
        cid, size = blob[pos : pos + 4], struct.unpack("<I", blob[pos + 4 : pos + 8])[0]
        if cid == b"data":
            # 0 and 0xFFFFFFFF mean "unknown length" (streaming writers): nothing to check.
            if size not in (0, 0xFFFF_FFFF) and pos + 8 + size > len(blob):
                msg = f"{field}: truncated WAV file: the header announces {size} bytes of samples, only {len(blob) - pos - 8} are present"
                raise DecodeError(msg)
            return
        pos += 8 + size + (size & 1)


# -- FLAC and Ogg/Vorbis ----------------------------------------------------------------------------


def encode_flac(data: np.ndarray, sample_rate: int, subtype: str = "pcm16") -> bytes:
    sf = _sf()
    buf = io.BytesIO()
    samples = to_pcm(data, subtype)
    if subtype == "pcm24":
        samples = samples << 8  # soundfile takes 24-bit audio as the top bits of an int32
    sf.write(buf, samples, sample_rate, format="FLAC", subtype="PCM_24" if subtype == "pcm24" else "PCM_16")
    return buf.getvalue()


def encode_ogg(data: np.ndarray, sample_rate: int, subtype: None = None) -> bytes:
    sf = _sf()
    buf = io.BytesIO()
    samples = to_float(data)
    step = max(1, int(sample_rate * VORBIS_BLOCK_SECONDS))
    with sf.SoundFile(buf, "w", samplerate=sample_rate, channels=data.shape[1], format="OGG", subtype="VORBIS") as f:
        for i in range(0, len(samples), step):
            f.write(samples[i : i + step])
    return fix_ogg_serials(buf.getvalue())


_ENCODERS: dict[str, Callable[..., bytes]] = {"wav": encode_wav, "flac": encode_flac, "ogg": encode_ogg}


def encode(data: np.ndarray, sample_rate: int, fmt: str, subtype: str | None) -> bytes:
    """Encode ``(N, C)`` samples as ``fmt`` (``wav``, ``flac`` or ``ogg``)."""
    return _ENCODERS[fmt](data, sample_rate, subtype)


_BITREV = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _ogg_crc(page: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, zero init, no final xor), computed
    with zlib's reflected CRC over bit-reversed bytes (fast, in C)."""
    r = (~zlib.crc32(page.translate(_BITREV), 0xFFFF_FFFF)) & 0xFFFF_FFFF
    return int(f"{r:032b}"[::-1], 2)


def fix_ogg_serials(blob: bytes) -> bytes:
    """Give the logical streams of an Ogg file fixed serial numbers (1, 2, ... in order of
    appearance) and recompute the page checksums."""
    out = bytearray(blob)
    serials: dict[int, int] = {}
    pos = 0
    while pos + 27 <= len(out) and out[pos : pos + 4] == b"OggS":
        nseg = out[pos + 26]
        body = sum(out[pos + 27 : pos + 27 + nseg])
        end = pos + 27 + nseg + body
        serial = struct.unpack_from("<I", out, pos + 14)[0]
        struct.pack_into("<I", out, pos + 14, serials.setdefault(serial, len(serials) + 1))
        struct.pack_into("<I", out, pos + 22, 0)
        struct.pack_into("<I", out, pos + 22, _ogg_crc(bytes(out[pos:end])))
        pos = end
    return bytes(out)


def check_ogg_complete(blob: bytes, *, field: str = "data") -> None:
    """Refuse a cut-off Ogg file (ffmpeg's demuxer ends quietly at a cut): every page must be
    whole and the last one must close its stream (end-of-stream flag)."""
    pos, last_flags = 0, 0
    while pos < len(blob):
        if blob[pos : pos + 4] != b"OggS" or pos + 27 > len(blob):
            msg = f"{field}: corrupt or truncated Ogg file (no page at byte {pos})"
            raise DecodeError(msg)
        nseg = blob[pos + 26]
        end = pos + 27 + nseg + sum(blob[pos + 27 : pos + 27 + nseg])
        if pos + 27 + nseg > len(blob) or end > len(blob):
            msg = f"{field}: truncated Ogg file (the page at byte {pos} is cut off)"
            raise DecodeError(msg)
        last_flags = blob[pos + 5]
        pos = end
    if not last_flags & 0x04:
        msg = f"{field}: truncated Ogg file (the last page does not end the stream)"
        raise DecodeError(msg)


_MP3_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),  # MPEG-1 layer I
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),  # MPEG-1 layer II
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),  # MPEG-2/2.5 layer I
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2/2.5 layers II, III
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def check_mp3_complete(blob: bytes, *, field: str = "data") -> None:
    """Refuse an MPEG audio file whose last frame is cut off (libmpg123 plays what is there and
    libsndfile's length estimate follows the file size, so nothing else notices).

    Frames are walked from the first header after any ID3v2 tag; on data that is not a frame
    header the walk stops without judging (junk and unusual tags are left to the decoder)."""
    pos, end = 0, len(blob)
    if blob[:3] == b"ID3" and len(blob) >= 10:
        pos = 10 + ((blob[6] & 0x7F) << 21 | (blob[7] & 0x7F) << 14 | (blob[8] & 0x7F) << 7 | (blob[9] & 0x7F))
    if end >= 128 and blob[end - 128 : end - 125] == b"TAG":
        end -= 128
    while pos + 4 <= end:
        b1, b2 = blob[pos + 1], blob[pos + 2]
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        bitrate_i, rate_i = b2 >> 4, (b2 >> 2) & 3
        if blob[pos] != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer == 0 or bitrate_i in (0, 15) or rate_i == 3:
            return
        kbps = _MP3_KBPS[(3 if version == 3 else 2, layer if version == 3 or layer == 3 else 2)][bitrate_i]
        rate = _MP3_RATES[version][rate_i]
        pad = (b2 >> 1) & 1
        if layer == 3:  # layer I
            length = (12 * kbps * 1000 // rate + pad) * 4
        else:
            length = (144 if layer == 2 or version == 3 else 72) * kbps * 1000 // rate + pad
        if pos + length > end:
            msg = f"{field}: truncated MP3 file: the frame at byte {pos} needs {length} bytes, only {end - pos} remain"
            raise DecodeError(msg)
        pos += length


# -- probing and reading ----------------------------------------------------------------------------


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
    sf = _sf()
    try:
        return sf.SoundFile(io.BytesIO(blob))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        msg = f"{field}: expected a decodable WAV, FLAC, OGG or MP3 file, got {len(blob)} bytes that libsndfile cannot read ({_reason(e)})"
        raise DecodeError(msg) from None


def _reason(e: BaseException) -> str:
    text = str(e)
    # libsndfile prefixes "Error opening <_io.BytesIO object at 0x...>: "; the address is noise.
    return text.split(">: ", 1)[-1] if ">: " in text else text


def probe(blob: bytes, *, field: str = "data", max_frames: int | None = None) -> tuple[AudioInfo, np.ndarray]:
    """Identify an audio file and decode it completely (a file that does not decode to the end
    is a :class:`DecodeError`). Returns the info and the samples (``(N, C)`` in the file's own
    integer type for 16/32-bit PCM, float32 otherwise)."""
    sf = _sf()
    check_wav_length(blob, field=field)
    if blob[:4] == b"OggS":
        check_ogg_complete(blob, field=field)
    elif blob[:3] == b"ID3" or blob[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa", b"\xff\xe3"):
        check_mp3_complete(blob, field=field)
    with _open(blob, field) as f:
        fmt = KEPT_FORMATS.get(f.format, f.format.lower())
        subtype = f.subtype
        if max_frames is not None and f.frames > max_frames:
            msg = f"{field}: the file announces {f.frames} frames, more than the limit of {max_frames}"
            raise LimitError(msg)
        dtype = {"PCM_16": "int16", "PCM_32": "int32"}.get(subtype, "float32")
        try:
            samples = f.read(dtype=dtype, always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as e:
            msg = f"{field}: {fmt.upper()} data could not be decoded ({_reason(e)})"
            raise DecodeError(msg) from None
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


def read(blob: bytes, *, field: str = "data") -> np.ndarray:
    """Decode an audio file to ``(N, C)`` samples (see :func:`probe`)."""
    return probe(blob, field=field)[1]


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
    subtype: str | None = {"FLOAT": "float", "DOUBLE": "float", "PCM_24": "pcm24", "PCM_32": "pcm24"}.get(info.subtype, "pcm16")
    if subtype not in SUBTYPES[fmt]:
        subtype = SUBTYPES[fmt][-1] if fmt == "flac" else SUBTYPES[fmt][0]
    out = encode(samples, info.sample_rate, fmt, subtype if fmt != "ogg" else None)
    if progress:
        progress(1, 2)
    write_atomic(dst, out, field="dst")
    if progress:
        progress(2, 2)
