"""Video containers mediakit reads but never stores (browsers do not play them everywhere):
QuickTime, Matroska, AVI and M4V. Files in them are probed and decoded through the ffmpeg binary
(extra ``video``) and converted to mp4 (or the ``file_type=`` asked for); see :mod:`._ffvideo`."""

from __future__ import annotations

from ._spec import FormatSpec
from .video import convert, decode, facts

_CONVERTS_TO = ("mp4", "webm", "gif")


def _sniff_mov(head: bytes) -> bool:
    return (head[4:8] == b"ftyp" and head[8:10] == b"qt") or head[4:8] in (b"moov", b"wide", b"mdat")


def _sniff_mkv(head: bytes) -> bool:
    return head[:4] == b"\x1a\x45\xdf\xa3" and b"\x42\x82\x84webm" not in head[:64]


def _sniff_avi(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"AVI "


def _input(name: str, suffixes: tuple[str, ...], media_type: str, description: str, sniff: object = None) -> FormatSpec:
    return FormatSpec(
        name=name,
        kinds=("video",),
        suffixes=suffixes,
        media_type=media_type,
        sniff=sniff,  # type: ignore[arg-type]
        stored=False,
        extra="video",
        probe=facts,
        decode=decode,
        converts_to=_CONVERTS_TO,
        convert=convert,
        description=description,
    )


SPECS = (
    _input("avi", (".avi",), "video/x-msvideo", "AVI (converted to mp4)", _sniff_avi),
    _input("m4v", (".m4v",), "video/x-m4v", "M4V, Apple's MP4 (converted to mp4 unless browsers play it as it is)"),
    _input("mkv", (".mkv",), "video/x-matroska", "Matroska (converted to mp4; WebM inside is kept)", _sniff_mkv),
    _input("mov", (".mov",), "video/quicktime", "QuickTime (converted to mp4)", _sniff_mov),
)
