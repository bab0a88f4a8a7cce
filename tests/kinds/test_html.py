"""Html: strings, paths and file objects; the injected stylesheet; sanitising; round trips."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import roundtrip

import mediakit as mk
from mediakit._errors import DecodeError, LimitError, MediaFileNotFoundError, MediaTypeError, ValidationError
from mediakit.kinds import html as html_mod
from mediakit.kinds.html import DEFAULT_STYLE, DOCTYPE, META_CHARSET

ADD = META_CHARSET + DEFAULT_STYLE

DOC = (
    "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>  My\n  Page </title></head>"
    '<body><p onclick="steal()">Hi — ünïcode ✓</p><script>alert(1)</script>'
    "<a href='javascript:evil()'>link</a><img src='x.png' onerror='alert(2)'></body></html>"
)


def raises(cls: type[BaseException], match: str, fn: Any) -> BaseException:
    with pytest.raises(cls, match=match) as info:
        fn()
    assert type(info.value) is cls, f"expected exactly {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    return info.value


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    p = tmp_path / "some.html"
    p.write_bytes(DOC.encode("utf-8"))
    return p


@pytest.mark.parametrize("form", ["str path", "Path", "text file", "binary file", "BytesIO", "StringIO", "from_path"])
def test_input_forms_agree(form: str, doc_path: Path) -> None:
    if form in ("text file", "binary file"):
        with open(doc_path, "r" if form == "text file" else "rb", encoding="utf-8" if form == "text file" else None) as f:
            h = mk.Html(f, inject=False)
    else:
        data = {
            "str path": str(doc_path),
            "Path": doc_path,
            "BytesIO": io.BytesIO(DOC.encode("utf-8")),
            "StringIO": io.StringIO(DOC),
        }.get(form)
        h = mk.Html.from_path(doc_path, inject=False) if form == "from_path" else mk.Html(data, inject=False)
    assert h.html == DOC
    assert h == mk.Html(DOC, inject=False)


def test_string_is_html_not_a_path() -> None:
    assert mk.Html("<a href='https://mysite'>Link</a>", inject=False).html == "<a href='https://mysite'>Link</a>"
    assert mk.Html("plain text.html is not a file <b>here</b>", inject=False).html.startswith("plain text.html")
    assert mk.Html.from_string("index.html", inject=False).html == "index.html"
    raises(MediaTypeError, r"html: expected a str, got bytes", lambda: mk.Html.from_string(b"<p>"))


def test_inject_false_leaves_bytes_identical(doc_path: Path, store: mk.Store) -> None:
    h = mk.Html(doc_path, inject=False)
    desc, back = roundtrip(h, store)
    assert store.read(desc["path"]) == doc_path.read_bytes()
    assert desc["injected"] is False and desc["sanitized"] is False
    assert desc["chars"] == len(DOC)
    assert desc["media_type"] == "text/html; charset=utf-8" and desc["path"].endswith(".html")
    assert back == h and back.html == DOC


def test_inject_puts_style_inside_existing_head(doc_path: Path) -> None:
    out = mk.Html(doc_path).html
    assert out.count(DEFAULT_STYLE) == 1
    head = out.index("<head>")
    assert out.index(DEFAULT_STYLE) == head + len("<head>")
    assert out.replace(DEFAULT_STYLE, "") == DOC  # nothing else changed


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>fragment</p>", f"{DOCTYPE}<head>{ADD}</head><p>fragment</p>"),
        ("<html><body>b</body></html>", f"<html><head>{ADD}</head><body>b</body></html>"),
        (
            "<!doctype html><HTML lang=en><body>b</body></HTML>",
            f"<!doctype html><HTML lang=en><head>{ADD}</head><body>b</body></HTML>",
        ),
        (
            "<html><HEAD profile='x'><title>t</title></HEAD></html>",
            f"<html><HEAD profile='x'>{ADD}<title>t</title></HEAD></html>",
        ),
        (
            "<html><body><header>h</header></body></html>",
            f"<html><head>{ADD}</head><body><header>h</header></body></html>",
        ),
        ("<!-- <head> --><html><head></head></html>", f"<!-- <head> --><html><head>{ADD}</head></html>"),
        (
            "<script>var s = '<head>';</script><p>x</p>",
            f"{DOCTYPE}<head>{ADD}</head><script>var s = '<head>';</script><p>x</p>",
        ),
        ("", f"{DOCTYPE}<head>{ADD}</head>"),
        # A doctype without <html> is a document, not a fragment: no second doctype.
        ("<!DOCTYPE html><p>x</p>", f"<!DOCTYPE html><head>{ADD}</head><p>x</p>"),
        ("<!-- c -->\n<!doctype html >\n<p>x</p>", f"<!-- c -->\n<!doctype html ><head>{ADD}</head>\n<p>x</p>"),
        # A UTF-8 declaration first (either spelling) is kept and not repeated.
        ("<html><head><META CHARSET=UTF8></head></html>", f"<html><head>{DEFAULT_STYLE}<META CHARSET=UTF8></head></html>"),
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head></html>',
            f'<html><head>{DEFAULT_STYLE}<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head></html>',
        ),
        # Another charset declared first: ours goes before it and wins (the file is UTF-8).
        (
            "<html><head><meta charset='iso-8859-1'></head></html>",
            f"<html><head>{ADD}<meta charset='iso-8859-1'></head></html>",
        ),
        # A charset inside a comment or a script is no declaration.
        ("<!-- <meta charset=utf-8> --><p>x</p>", f"{DOCTYPE}<head>{ADD}</head><!-- <meta charset=utf-8> --><p>x</p>"),
    ],
)
def test_inject_positions(source: str, expected: str) -> None:
    assert mk.Html(source).html == expected


def test_non_ascii_fragment_declares_utf8_and_standards_mode(mem: mk.Store) -> None:
    """Issue 11: a fragment served with the descriptor's media type showed mojibake in Chromium
    (no charset anywhere) and rendered in quirks mode (no doctype)."""
    desc = mk.Html("<p>Grüße — 日本語</p>").encode(mem)
    assert desc["media_type"] == "text/html; charset=utf-8"
    blob = mem.read(desc["path"])
    assert blob.startswith(b'<!DOCTYPE html><head><meta charset="utf-8"><style')
    # Browsers look for the declaration in the first 1024 bytes only.
    assert blob.index(b'<meta charset="utf-8">') < 1024
    assert blob.endswith("</head><p>Grüße — 日本語</p>".encode())
    assert desc["size"] == len(blob) and desc["chars"] == len(blob.decode("utf-8"))
    # inject=False: the text untouched, the media type still says what the bytes are.
    plain = mk.Html("<p>Grüße</p>", inject=False).encode(mem)
    assert mem.read(plain["path"]) == "<p>Grüße</p>".encode() and plain["media_type"] == "text/html; charset=utf-8"


def test_store_serves_html_with_its_charset(mem: mk.Store) -> None:
    from mediakit import formats

    assert formats.media_type(".html") == formats.media_type(".htm") == "text/html; charset=utf-8"
    assert mem.put(b"<p>x</p>", suffix=".html").media_type == "text/html; charset=utf-8"


def test_inject_is_idempotent() -> None:
    for text in ("<p>x</p>", "<html><head><meta charset='latin1'></head></html>", DOC, ""):
        once = mk.Html(text).html
        assert mk.Html(once).html == once


def test_sanitize_removes_active_content(store: mk.Store) -> None:
    pytest.importorskip("nh3")
    h = mk.Html(DOC, sanitize=True, inject=False)
    low = h.html.lower()
    assert "<script" not in low and "alert(1)" not in low
    assert "onclick" not in low and "onerror" not in low
    assert "javascript:" not in low
    assert "Hi — ünïcode ✓" in h.html and ">link</a>" in h.html
    desc, back = roundtrip(h, store)
    assert desc["sanitized"] is True
    assert back == h and back.sanitized is True


def test_sanitize_then_inject_keeps_our_style() -> None:
    pytest.importorskip("nh3")
    h = mk.Html("<style>body{background:url(javascript:x)}</style><p style='x'>p</p>", sanitize=True)
    assert h.html.count("<style") == 1 and DEFAULT_STYLE in h.html
    assert "javascript" not in h.html


def test_title() -> None:
    assert mk.Html(DOC).title == "My Page"
    assert mk.Html("<p>no title</p>").title is None
    assert mk.Html("<TITLE>Upper</TITLE>").title == "Upper"


def test_descriptor_fields(doc_path: Path, mem: mk.Store) -> None:
    desc, back = roundtrip(mk.Html(doc_path), mem)
    assert desc["title"] == "My Page"
    assert desc["injected"] is True
    text = mem.read(desc["path"]).decode("utf-8")
    assert desc["chars"] == len(text) and DEFAULT_STYLE in text
    assert desc["size"] == len(text.encode("utf-8"))
    assert back.html == text


def test_utf8_bom_is_dropped() -> None:
    assert mk.Html(io.BytesIO(b"\xef\xbb\xbf<p>x</p>"), inject=False).html == "<p>x</p>"


def test_decode_refuses_non_utf8_stored_file(mem: mk.Store) -> None:
    desc = mk.Html("<p>x</p>").encode(mem)
    bad = mem.put("<p>caf\xe9</p>".encode("latin-1"), suffix=".html")
    raises(DecodeError, r"path: HTML must be UTF-8 text; byte 6 is not", lambda: mk.decode({**desc, **bad.to_dict()}, mem))


BAD_INPUTS = {
    "int": (lambda p: 3, {}, MediaTypeError, r"data: expected an HTML string, a path to an .html file or a file object, got int"),
    "bytes": (lambda p: b"<p>x</p>", {}, MediaTypeError, r"got bytes"),
    "None": (lambda p: None, {}, MediaTypeError, r"got NoneType"),
    "missing str path": (
        lambda p: str(p / "nope.html"),
        {},
        MediaFileNotFoundError,
        r"data: HTML file '.*nope\.html' does not exist",
    ),
    "missing Path": (lambda p: p / "nope.htm", {}, MediaFileNotFoundError, r"data: HTML file '.*nope\.htm' does not exist"),
    "directory": (lambda p: p, {}, ValidationError, r"data: '.*' is a directory, expected an HTML file"),
    "latin-1 file": (
        lambda p: _write(p / "latin.html", "<p>caf\xe9</p>".encode("latin-1")),
        {},
        DecodeError,
        r"data \('.*latin\.html'\): HTML must be UTF-8 text; byte 6 is not \(invalid continuation byte\)",
    ),
    "latin-1 file object": (
        lambda p: io.BytesIO("<p>caf\xe9</p>".encode("latin-1")),
        {},
        DecodeError,
        r"data \(file object\): HTML must be UTF-8 text; byte 6",
    ),
    "latin-1 text file object": (
        lambda p: open(_write(p / "latin.html", "<p>caf\xe9</p>".encode("latin-1")), encoding="utf-8"),  # noqa: SIM115
        {},
        DecodeError,
        r"data \(file object\): could not read the text \(utf-8: invalid continuation byte at byte 6\); open the file in binary mode",
    ),
    "inject not bool": (lambda p: "<p>", {"inject": "yes"}, MediaTypeError, r"inject: expected True or False, got 'yes'"),
    "sanitize not bool": (lambda p: "<p>", {"sanitize": 1}, MediaTypeError, r"sanitize: expected True or False, got 1"),
}


def _write(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_inputs(name: str, tmp_path: Path) -> None:
    make, kwargs, cls, match = BAD_INPUTS[name]
    raises(cls, match, lambda: mk.Html(make(tmp_path), **kwargs))


def test_missing_file_is_also_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        mk.Html(tmp_path / "nope.html")


def test_size_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(html_mod, "MAX_HTML_BYTES", 100)
    big = _write(tmp_path / "big.html", b"<p>" + b"x" * 200 + b"</p>")
    raises(LimitError, r"data: '.*big\.html' has 207 bytes; at most 100 are accepted", lambda: mk.Html(big))
    raises(LimitError, r"data: file object holds more than 100 bytes of HTML", lambda: mk.Html(io.BytesIO(big.read_bytes())))
    assert mk.Html(io.BytesIO(b"<p>" + b"x" * 90 + b"</p>"), inject=False).html.startswith("<p>")


@pytest.mark.parametrize("unit", ["<head ", "<html ", "<title ", "<!--", "<script>", "<HEAD\t", "<meta ", "<meta x>", "<!doctype "])
def test_hostile_markup_is_handled_in_linear_time(unit: str) -> None:
    # Each unit opens a tag that never closes; a backtracking regex would rescan to the end from
    # every one of them (minutes for this size). Ours finishes at once.
    text = unit * 150_000
    start = time.perf_counter()
    h = mk.Html(text)
    assert h.title is None
    assert time.perf_counter() - start < 5
    assert DEFAULT_STYLE in h.html


def test_title_forms() -> None:
    assert mk.Html("<title x='1'>a\n  b</TITLE >").title == "a b"
    assert mk.Html("<title>unclosed").title is None
    assert mk.Html("<titles>no</titles><title>yes</title>").title == "yes"


def test_equality_and_repr() -> None:
    a = mk.Html("<p>x</p>")
    assert a == mk.Html("<p>x</p>")
    assert a != mk.Html("<p>x</p>", inject=False)
    assert a != mk.Html("<p>y</p>")
    assert repr(mk.Html("<p>x</p>", inject=False)) == "Html(8 chars)"
