"""HTML documents (UTF-8 text): what ``Html`` stores and ``mediakit encode`` reads."""

from __future__ import annotations

from typing import Any

from ._spec import FormatSpec, Source


def probe(source: Source) -> dict[str, Any]:
    """Size and character count (the text must be UTF-8)."""
    from .._errors import DecodeError

    blob = source.read()
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as e:
        msg = f"{source.where}: HTML is not valid UTF-8 (byte {e.start})"
        raise DecodeError(msg) from None
    return {"bytes": len(blob), "chars": len(text)}


def _sniff(head: bytes) -> bool:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return h.startswith((b"<!doctype html", b"<html"))


SPEC = FormatSpec(
    name="html",
    kinds=("html",),
    suffixes=(".html", ".htm"),
    media_type="text/html; charset=utf-8",
    sniff=_sniff,
    probe=probe,
    description="HTML document (UTF-8)",
)
