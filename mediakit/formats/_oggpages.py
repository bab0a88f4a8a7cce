"""Ogg pages, shared by Ogg audio (``ogg``) and Ogg video (``ogv``): fixed serial numbers for
reproducible output, a completeness check for cut-off files, a look for a Theora stream."""

from __future__ import annotations

import struct
import zlib

from .._errors import DecodeError

MAGIC = b"OggS"

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
    while pos + 27 <= len(out) and out[pos : pos + 4] == MAGIC:
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
        if blob[pos : pos + 4] != MAGIC or pos + 27 > len(blob):
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


def has_theora(head: bytes) -> bool:
    """Whether the first pages of an Ogg file (its first 4 KiB) announce a Theora video stream."""
    return b"\x80theora" in head
