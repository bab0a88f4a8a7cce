"""MP3 (MPEG audio layers I-III): read through soundfile (libsndfile >= 1.1, extra ``audio``) and
kept byte-for-byte; never written. A cut-off last frame is found by walking the frame headers."""

from __future__ import annotations

from .._errors import DecodeError
from ._soundfile import convert, facts
from ._spec import FormatSpec

_MP3_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),  # MPEG-1 layer I
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),  # MPEG-1 layer II
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),  # MPEG-2/2.5 layer I
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2/2.5 layers II, III
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
#: Frame sync bytes that start a bare MPEG audio stream (no ID3 tag).
SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa", b"\xff\xe3")


def sniff(head: bytes) -> bool:
    return head[:3] == b"ID3" or head[:2] in SYNC


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


SPEC = FormatSpec(
    name="mp3",
    kinds=("audio",),
    suffixes=(".mp3",),
    media_type="audio/mpeg",
    sniff=sniff,
    extra="audio",
    probe=facts,
    convert=convert,
    converts_to=("wav", "flac", "ogg"),
    description="MP3 (read and kept, never written)",
)
