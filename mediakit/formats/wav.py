"""WAV: our own writer (numpy, core) and a truncation check; read through soundfile.

The writer does PCM 16/24 bit or 32-bit float, ``WAVE_FORMAT_EXTENSIBLE`` for more than two
channels: it needs no optional package, is faster than libsndfile for this simple format and,
unlike libsndfile's float WAV (whose ``PEAK`` chunk holds the wall-clock time), always gives the
same bytes.
"""

from __future__ import annotations

import struct

import numpy as np

from .._errors import DecodeError, LimitError
from ._pcm import to_pcm
from ._soundfile import convert, facts
from ._spec import FormatSpec

#: Sample encodings the writer takes (the first is the default).
SUBTYPES = ("pcm16", "pcm24", "float")
#: Highest sample rate written.
MAX_RATE = 768_000
#: Largest WAV data chunk (the RIFF size fields are 32 bits).
MAX_WAV_BYTES = 0xFFFF_FFFF - 1024

_PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
_FLOAT_GUID = bytes.fromhex("0300000000001000800000aa00389b71")
#: Speaker masks for WAVE_FORMAT_EXTENSIBLE (mono, stereo, 3.0, quad, 5.0, 5.1, 6.1, 7.1).
_CHANNEL_MASKS = {1: 0x4, 2: 0x3, 3: 0x7, 4: 0x33, 5: 0x37, 6: 0x3F, 7: 0x13F, 8: 0x63F}


def encode_wav(data: np.ndarray, sample_rate: int, subtype: str | None = "pcm16") -> bytes:
    """A WAV file of ``data`` (``(N, C)``); ``subtype`` is ``pcm16``, ``pcm24`` or ``float``."""
    subtype = subtype or "pcm16"
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
    if not sniff(blob):
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


def sniff(head: bytes) -> bool:
    return head[:4] in (b"RIFF", b"RIFX") and head[8:12] == b"WAVE"


SPEC = FormatSpec(
    name="wav",
    kinds=("audio",),
    suffixes=(".wav",),
    media_type="audio/wav",
    sniff=sniff,
    probe=facts,
    convert=convert,
    encode=encode_wav,
    converts_to=("flac", "ogg"),
    description="WAV (PCM 16/24-bit or 32-bit float written; read through libsndfile, extra 'audio')",
    notes={"subtypes": SUBTYPES, "max_rate": MAX_RATE},
)
