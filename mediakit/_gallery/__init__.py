"""The gallery: a static site showing a run's media offline in a browser (``mk.gallery``,
``mediakit gallery RUN -o site/``).

The site is plain files: ``index.html``, the bundled scripts in ``assets/`` (built from npm
packages in ``gallery-js/``, licences in ``assets/LICENSES.txt``), the run's media copied into
``media/`` (verified by hash), thumbnails in ``thumbs/`` and the data as small scripts in
``data/`` loaded on demand (a page opened from ``file://`` may load scripts but not ``fetch``).
One panel per logged key, each with a step slider; panels load when scrolled into view.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from .._errors import MediaTypeError, ValidationError
from ._items import Writer, item
from ._source import read

__all__ = ["build"]

#: Steps per panel data script.
CHUNK_STEPS = 25
#: Steps drawn in a histogram-over-steps view (evenly sampled when there are more).
HISTORY_STEPS = 100

_NEEDS: dict[str, str | None] = {"chart": "vega", "histogram": "vega", "tensor": "vega", "scalar": "vega", "plotly": "plotly",
          "molecule": "viewer3d", "object3d": "viewer3d", "table": None, "list": None}  # fmt: skip
_ASSET_FILES = {"vega": "vega.js", "plotly": "plotly.min.js", "viewer3d": "viewer3d.js"}


def build(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write a gallery of ``source`` into ``out_dir``; returns the path of its ``index.html``.

    ``source`` is a run folder (``history.jsonl``, ``summary.json``, ``config.json``,
    ``media/``), a descriptor ``.json`` file, a folder of descriptor files, or a list of these.
    Descriptors that fail validation (or name a missing or altered file) become error panels.
    The site loads nothing from outside itself: open ``index.html`` directly or serve the folder.
    """
    if not isinstance(out_dir, (str, os.PathLike)):
        msg = f"out_dir: expected a folder path, got {type(out_dir).__name__}"
        raise MediaTypeError(msg)
    if title is not None and not isinstance(title, str):
        msg = f"title: expected a string or None, got {type(title).__name__}"
        raise MediaTypeError(msg)
    src = read(source)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"out_dir: {str(out)!r} is a file; pass a folder (it is created if missing)"
        raise ValidationError(msg)
    if out.is_dir() and (out / "data").is_dir():
        shutil.rmtree(out / "data")  # a rebuild never mixes old data scripts with new
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(out)
    keys: dict[str, list[Any]] = {}
    for e in src.entries:
        keys.setdefault(e.key, []).append(e)
    panels = []
    for n, key in enumerate(sorted(keys)):
        entries = sorted(keys[key], key=lambda e: e.step)
        panel = _panel(n, key, entries, w)
        panels.append(panel)
    libs = {lib for t in w.kinds if (lib := _NEEDS.get(t))}
    page_title = title or src.title
    index = {
        "title": page_title,
        "summary": _summary(src.summary),
        "config": src.config,
        "problems": src.problems,
        "panels": panels,
        "chunk": CHUNK_STEPS,
    }
    w.data("index.js", "index", index)
    _write_assets(out, libs)
    page = _PAGE.replace("{{title}}", _html_text(page_title))
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"


def _panel(n: int, key: str, entries: list[Any], w: Writer) -> dict[str, Any]:
    items = [(e.step, item(e.value, e.root, w)) for e in entries]
    types = sorted({it["t"] for _, it in items})
    steps = [s for s, _ in items]
    panel: dict[str, Any] = {"id": n, "key": key, "steps": steps, "types": types}
    good = [it for _, it in items if it["t"] != "error"]
    panel["kind"] = good[-1]["t"] if good else "error"
    if types == ["scalar"]:
        series = [[s, it["value"] if isinstance(it["value"], (int, float)) else None] for s, it in items]
        panel["series"] = w.payload(f"s{n}", lambda: series)
        panel["last"] = items[-1][1]["value"]
        return panel
    for c in range(0, len(items), CHUNK_STEPS):
        chunk = {str(s): it for s, it in items[c : c + CHUNK_STEPS]}
        w.data(f"p/{n}/{c // CHUNK_STEPS}.js", f"p{n}:{c // CHUNK_STEPS}", chunk)
    hist = [(s, it) for s, it in items if it["t"] in ("histogram", "tensor") and "bins" in it]
    if len(hist) > 1:
        pick = hist if len(hist) <= HISTORY_STEPS else [hist[round(i * (len(hist) - 1) / (HISTORY_STEPS - 1))] for i in range(HISTORY_STEPS)]
        rows = [{"step": s, "x0": it["bins"][i], "x1": it["bins"][i + 1], "count": v} for s, it in pick for i, v in enumerate(it["values"])]
        panel["over_steps"] = w.payload(f"h{n}", lambda: rows)
    return panel


def _summary(summary: dict[str, Any]) -> list[list[Any]]:
    """[key, shown value] rows: plain values as they are, media as their kind."""
    rows = []
    for k in sorted(summary):
        v = summary[k]
        if isinstance(v, dict) and "_type" in v:
            kind = v["_type"]
            if kind == "number":
                v = v.get("value")
            elif kind == "tensor":
                v = f"tensor {v.get('shape')} mean {v.get('mean')}"
            else:
                v = f"({kind})"
        rows.append([k, v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v)[:200]])
    return rows


def _write_assets(out: Path, libs: set[str]) -> None:
    assets = resources.files(__name__) / "assets"
    dst = out / "assets"
    dst.mkdir(exist_ok=True)
    names = ["gallery.js", "gallery.css", "LICENSES.txt", *(_ASSET_FILES[lib] for lib in sorted(libs))]
    for name in names:
        data = (assets / name).read_bytes()
        target = dst / name
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)


def _html_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# The page: a strict Content-Security-Policy (nothing outside the site: no network, logged HTML
# in sandboxed srcdoc frames inherits it), the data index, the gallery script.
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self' data: blob:; frame-src 'self' about:; worker-src 'self' blob:; base-uri 'none'; form-action 'none'">
<title>{{title}} — mediakit gallery</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/gallery.css">
<script src="assets/gallery.js"></script>
</head>
<body>
<noscript>The mediakit gallery needs JavaScript.</noscript>
<main id="app"></main>
</body>
</html>
"""
