"""Html: an HTML document or fragment, optionally sanitised, stored as a UTF-8 ``.html`` file.

Backend: stdlib; ``sanitize=True`` needs nh3 (``pip install 'mediakit[html]'``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, ClassVar

from .._errors import DecodeError, LimitError, MediaFileNotFoundError, MediaTypeError, ValidationError, shown
from .._lazy import require
from ..store import Store
from ._base import Kind

MAX_HTML_BYTES = 64 << 20

#: The declaration ``inject=True`` puts first in ``<head>``: stored files are UTF-8, and a browser
#: opening one without an HTTP charset (``file://``, a server sending bare ``text/html``) would
#: otherwise guess a legacy encoding and show mojibake.
META_CHARSET = '<meta charset="utf-8">'
#: What ``inject=True`` puts before a fragment (no ``<html>`` and no doctype): standards mode,
#: not quirks mode.
DOCTYPE = "<!DOCTYPE html>"

#: The stylesheet ``inject=True`` adds: readable defaults for logged fragments, no external fetch.
DEFAULT_STYLE = (
    '<style data-mediakit="default">'
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px;"
    "line-height:1.45;color:#1f2328;margin:8px}table{border-collapse:collapse}"
    "td,th{border:1px solid #d0d7de;padding:2px 6px}pre,code{font-family:ui-monospace,monospace}"
    "img{max-width:100%}"
    "</style>"
)

# Tag starts only; the end of a tag is found with str.find. A pattern such as ``<head(\s[^>]*)?>``
# rescans to the end of the text from every unclosed ``<head `` and takes quadratic time on
# hostile input ("<head " * 50_000); these patterns and the scans below stay linear.
_HEAD = re.compile(r"<head(?=[\s>/])", re.IGNORECASE)
_HTML = re.compile(r"<html(?=[\s>/])", re.IGNORECASE)
_TITLE = re.compile(r"<title(?=[\s>/])", re.IGNORECASE)
_TITLE_END = re.compile(r"</title\s*>", re.IGNORECASE)
_META = re.compile(r"<meta(?=[\s/])", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!doctype\s", re.IGNORECASE)
_HIDDEN = re.compile(r"<!--.*?(-->|\Z)|<(script|style|template)\b.*?(</\2\s*>|\Z)", re.IGNORECASE | re.DOTALL)


class Html(Kind):
    """HTML content.

    Parameters
    ----------
    data:
        A string of HTML, a path to an ``.html``/``.htm`` file (``str`` or ``Path``), or a text or
        binary file object.
    inject:
        Make the file display the same in every browser, however it is served: put
        ``<meta charset="utf-8">`` first in ``<head>`` (unless the document's first charset
        declaration already says UTF-8), ``<!DOCTYPE html>`` before a fragment (text with
        neither ``<html>`` nor a doctype; full documents keep their own mode) and a small default
        stylesheet inside ``<head>`` (created if missing). ``False`` leaves the document exactly
        as given. Either way the file is stored as UTF-8 and its media type is
        ``text/html; charset=utf-8``.
    sanitize:
        Strip scripts, styles, event handlers and ``javascript:`` URLs (for showing untrusted HTML).
    """

    TYPE: ClassVar[str] = "html"
    VERSION: ClassVar[int] = 1

    def __init__(self, data: Any, *, inject: bool = True, sanitize: bool = False) -> None:
        for name, flag in (("inject", inject), ("sanitize", sanitize)):
            if not isinstance(flag, bool):
                msg = f"{name}: expected True or False, got {shown(flag)}"
                raise MediaTypeError(msg)
        text = _read(data)
        if sanitize:
            nh3 = require("nh3", extra="html", feature="Html(sanitize=True)")
            text = nh3.clean(text)
        if inject:
            text = inject_defaults(text)
        self.html = text
        self.inject = inject
        self.sanitized = sanitize

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Html:
        return cls(Path(path), **kwargs)

    @classmethod
    def from_string(cls, html: str, **kwargs: Any) -> Html:
        if not isinstance(html, str):
            msg = f"html: expected a str, got {type(html).__name__}"
            raise MediaTypeError(msg)
        return cls(_Literal(html), **kwargs)

    def __repr__(self) -> str:
        return f"Html({len(self.html)} chars)"

    @property
    def title(self) -> str | None:
        """The text of the first ``<title>``, whitespace collapsed (``None`` without one)."""
        start = _tag_end(self.html, _TITLE)
        end = _TITLE_END.search(self.html, start) if start is not None else None
        return re.sub(r"\s+", " ", self.html[start:end.start()]).strip() if start is not None and end else None

    def _encode(self, store: Store) -> dict[str, Any]:
        ref = store.put(self.html.encode("utf-8"), suffix=".html")
        return {
            **self._header(),
            **ref.to_dict(),
            "chars": len(self.html),
            "title": self.title,
            "injected": self.inject,
            "sanitized": self.sanitized,
        }

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Html:
        obj = cls.from_string(_utf8(store.read(desc["path"]), "path"), inject=False)
        obj.inject, obj.sanitized = desc["injected"], desc["sanitized"]
        return obj

    def _content(self) -> tuple[Any, ...]:
        return (self.html,)


class _Literal(str):
    """Marks a string as HTML text, never a path."""


def inject_defaults(text: str) -> str:
    """What ``inject=True`` does: :data:`DOCTYPE` before a fragment, then :data:`META_CHARSET`
    (unless the first charset declaration is UTF-8) and :data:`DEFAULT_STYLE` at the start of
    ``<head>`` (adding a head when absent). Applying it twice changes nothing more."""
    # Look for the tags outside comments and scripts (a "<head>" in a comment is not the head):
    # search a copy with those blanked out, which keeps every offset.
    visible = _HIDDEN.sub(lambda m: " " * len(m.group(0)), text)
    add = ("" if _declares_utf8(visible) else META_CHARSET) + ("" if DEFAULT_STYLE in text else DEFAULT_STYLE)
    fragment = _DOCTYPE.search(visible) is None and _HTML.search(visible) is None
    if add:
        end = _tag_end(visible, _HEAD)
        if end is not None:
            text = text[:end] + add + text[end:]
        elif (end := _tag_end(visible, _HTML)) is not None:
            text = text[:end] + "<head>" + add + "</head>" + text[end:]
        else:  # after a doctype (before it would mean quirks mode), else at the start
            end = _tag_end(visible, _DOCTYPE) or 0
            text = text[:end] + "<head>" + add + "</head>" + text[end:]
    return DOCTYPE + text if fragment else text


def _declares_utf8(visible: str) -> bool:
    """Whether the first ``<meta>`` declaring a charset (``charset=`` or an ``http-equiv``
    content type) names UTF-8. Linear time: each tag is scanned once."""
    pos = 0
    while (m := _META.search(visible, pos)) is not None:
        close = visible.find(">", m.end())
        if close < 0:
            return False
        found = _CHARSET.search(visible, m.end(), close)
        if found is not None:
            return found.group(1).lower() in ("utf-8", "utf8")
        pos = close + 1
    return False


def _tag_end(text: str, start: re.Pattern[str]) -> int | None:
    """Index just past the ``>`` of the first tag ``start`` finds, or None (linear time)."""
    m = start.search(text)
    if m is None:
        return None
    close = text.find(">", m.end())
    # No ">" after the first start means none after any later start either.
    return close + 1 if close >= 0 else None


def _utf8(blob: bytes, field: str) -> str:
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        msg = f"{field}: HTML must be UTF-8 text; byte {e.start} is not ({e.reason})"
        raise DecodeError(msg) from None


def _read(data: Any) -> str:
    if isinstance(data, _Literal):
        return str(data)
    if isinstance(data, os.PathLike) or (
        isinstance(data, str) and data.lower().endswith((".html", ".htm")) and "<" not in data and "\n" not in data
    ):
        path = os.fspath(data)
        try:
            size = os.path.getsize(path)
            if size > MAX_HTML_BYTES:
                msg = f"data: {path!r} has {size} bytes; at most {MAX_HTML_BYTES} are accepted"
                raise LimitError(msg)
            with open(path, "rb") as f:
                return _utf8(f.read(), f"data ({path!r})")
        except FileNotFoundError:
            msg = f"data: HTML file {path!r} does not exist"
            raise MediaFileNotFoundError(msg) from None
        except IsADirectoryError:
            msg = f"data: {path!r} is a directory, expected an HTML file"
            raise ValidationError(msg) from None
    if isinstance(data, str):
        return data
    if callable(getattr(data, "read", None)):
        try:
            blob = data.read(MAX_HTML_BYTES + 1)
        except UnicodeDecodeError as e:  # a text file object opened with the wrong encoding
            msg = f"data (file object): could not read the text ({e.encoding}: {e.reason} at byte {e.start}); open the file in binary mode ('rb') to have it read as UTF-8"
            raise DecodeError(msg) from None
        if len(blob) > MAX_HTML_BYTES:
            msg = f"data: file object holds more than {MAX_HTML_BYTES} bytes of HTML"
            raise LimitError(msg)
        return blob if isinstance(blob, str) else _utf8(bytes(blob), "data (file object)")
    msg = f"data: expected an HTML string, a path to an .html file or a file object, got {type(data).__name__}"
    raise MediaTypeError(msg)
