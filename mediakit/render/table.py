"""Table thumbnails: the first rows as a grid (Pillow only), media cells as small thumbnails.

Reads the JSON table file (for Parquet tables, the JSON preview written beside it), so rendering
needs no pyarrow. Nested media descriptors come from an untrusted file: each is validated before
its own renderer draws it, and a cell that cannot be drawn shows its kind's name instead.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw

from .._descriptor import validate
from .._errors import LimitError, MediakitError
from .._limits import MAX_JSON_BYTES, Limits
from .._registry import get_renderer
from ..formats.jsontable import read_head
from ..store import Store
from ._common import BACKGROUND, INK, ellipsize, font, one_line

#: JSON table files larger than this are not read for a thumbnail (the default of
#: ``Limits.max_json_bytes``).
MAX_RENDER_BYTES = MAX_JSON_BYTES
MAX_ROWS_SHOWN = 12
HEADER_BG = (45, 51, 59)
HEADER_INK = (255, 255, 255)
GRID = (208, 215, 222)
MUTED = (120, 128, 136)
_CONTAINERS = ("table", "chart", "list")


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    """The first rows as a grid. Only what is drawn is parsed (:func:`read_head`): the rest of the
    rows is skipped unparsed, so the work follows the file's bytes, not its row count."""
    ref = desc["preview"] if desc["format"] == "parquet" else desc
    cap = min(limits.max_file_bytes, limits.max_json_bytes)
    if ref["size"] > cap:
        msg = f"path: table file of {ref['size']:,} bytes is larger than the {cap:,} bytes a thumbnail reads (max_json_bytes)"
        raise LimitError(msg)
    blob = store.read(ref["path"])
    if len(blob) > cap:
        msg = f"path: table file of {len(blob):,} bytes is larger than the {cap:,} bytes a thumbnail reads (max_json_bytes)"
        raise LimitError(msg)
    doc = read_head(blob, rows=MAX_ROWS_SHOWN, field="path", max_depth=limits.max_json_depth)
    return grid(doc, store, size=size, limits=limits, total_rows=desc["nrows"])


def grid(doc: dict[str, Any], store: Store, *, size: int, limits: Limits, total_rows: int) -> PILImage.Image:
    """Draw the first rows of a JSON table document into a ``size`` x ``size`` image."""
    names: list[str] = doc["columns"]
    types = doc.get("column_types") or [{"type": "mixed"}] * len(names)
    media_rows = {k: set(v) for k, v in (doc.get("media_rows") or {}).items() if isinstance(v, list)}
    nonfinite = doc.get("nonfinite") or {}
    im = PILImage.new("RGB", (size, size), BACKGROUND)
    d = ImageDraw.Draw(im)
    fs = max(8, size // 17)
    f = font(fs)
    pad = max(2, fs // 4)
    line_h = fs + 2 * pad
    max_cols = max(1, size // max(40, 5 * fs))
    shown_cols = min(len(names), max_cols)
    extra_cols = len(names) - shown_cols
    if not names:
        d.text((pad, pad), "(empty table)", fill=MUTED, font=f)
        return im
    # Columns share the width by how wide their header and first cells are (datetimes, long
    # names), each at least a fifth of the equal share.
    widths = []
    for j in range(shown_cols):
        sample = [one_line(names[j])] + [_text(r[j], 0, None)[0] for r in doc["data"][:MAX_ROWS_SHOWN] if j < len(r) and not isinstance(r[j], dict)]
        if types[j].get("type") == "datetime":
            sample = [compact_datetime(t) for t in sample[1:]] + [names[j]]
        widths.append(max(d.textlength(t[:40], font=f) for t in sample) + 2 * pad + 2)
    share = size / shown_cols
    widths = [max(w, share / 5) for w in widths]
    total = sum(widths)
    col_x = [0.0]
    for w in widths:
        col_x.append(col_x[-1] + w * size / total)
    col_w = share
    has_media = any(t.get("type") in ("media", "mixed") for t in types[:shown_cols])
    row_h = max(line_h, min(3 * line_h, size // 6)) if has_media else line_h
    footer_h = line_h
    avail = size - line_h - footer_h
    nrows = min(len(doc["data"]), MAX_ROWS_SHOWN, max(0, avail // row_h))
    # header
    d.rectangle((0, 0, size, line_h), fill=HEADER_BG)
    for j in range(shown_cols):
        label = names[j] if not (j == shown_cols - 1 and extra_cols) else f"{names[j]} (+{extra_cols})"
        d.text((col_x[j] + pad, pad), ellipsize(d, label, f, int(col_x[j + 1] - col_x[j] - 2 * pad)), fill=HEADER_INK, font=f)
    # rows
    for i in range(nrows):
        y = line_h + i * row_h
        row = doc["data"][i]
        for j in range(shown_cols):
            x = col_x[j]
            col_w = col_x[j + 1] - col_x[j]
            cell = row[j]
            name = names[j]
            is_media = types[j].get("type") == "media" or (types[j].get("type") == "mixed" and i in media_rows.get(name, ()))
            if is_media and isinstance(cell, dict):
                _media_cell(im, cell, store, (int(x + pad), int(y + pad), int(col_w - 2 * pad), int(row_h - 2 * pad)), limits, d, f)
            else:
                text, muted = _text(cell, i, nonfinite.get(name))
                if types[j].get("type") == "datetime" and isinstance(cell, str):
                    text = compact_datetime(text)
                d.text((x + pad, y + (row_h - fs) // 2), ellipsize(d, text, f, int(col_w - 2 * pad)), fill=MUTED if muted else INK, font=f)
        d.line((0, y + row_h - 1, size, y + row_h - 1), fill=GRID)
    for j in range(1, shown_cols):
        d.line((int(col_x[j]), 0, int(col_x[j]), line_h + nrows * row_h), fill=GRID)
    more = total_rows - nrows
    foot = f"{total_rows:,} rows x {len(names)} columns" + (f" ({more:,} more)" if more > 0 else "")
    top = line_h + nrows * row_h
    d.text((pad, top + pad), ellipsize(d, foot, f, size - 2 * pad), fill=MUTED, font=f)
    return im.crop((0, 0, size, min(size, top + footer_h)))


def compact_datetime(text: str) -> str:
    """``2024-05-01T09:30:00.000`` -> ``2024-05-01 09:30`` (seconds kept when not zero; a
    midnight time dropped), so datetimes fit a thumbnail's cell."""
    date, _, time = text.replace(" ", "T", 1).partition("T")
    time = time.rstrip("Z").split("+")[0]
    if not time:
        return date
    hms = time.split(".")[0]
    if hms in ("00:00:00", "00:00"):
        return date
    return f"{date} {hms[:5] if hms.endswith(':00') or len(hms) == 5 else hms}"


def _text(cell: Any, row: int, nonfinite: Any) -> tuple[str, bool]:
    if cell is None:
        if isinstance(nonfinite, dict):
            for key, word in (("nan", "NaN"), ("posinf", "inf"), ("neginf", "-inf")):
                rows = nonfinite.get(key)
                if isinstance(rows, list) and row in rows:
                    return word, False
        return "-", True
    if isinstance(cell, bool):
        return ("true" if cell else "false"), False
    if isinstance(cell, int):
        return str(cell), False
    if isinstance(cell, float):
        return (f"{cell:.4g}" if math.isfinite(cell) else str(cell)), False
    if isinstance(cell, str):
        return cell.replace("\n", " "), False
    return json.dumps(cell, separators=(",", ":"), ensure_ascii=False)[:200], False


def _media_cell(im: PILImage.Image, desc: dict[str, Any], store: Store, box: tuple[int, int, int, int], limits: Limits, d: Any, f: Any) -> None:
    x, y, w, h = box
    kind = str(desc.get("_type", "media"))
    if kind in _CONTAINERS:
        # Cells that hold other tables, charts or lists are named, not drawn: a hostile file
        # could otherwise nest (or point back to) itself without end.
        d.text((x, y), f"[{kind}]", fill=MUTED, font=f)
        return
    try:
        validate(desc)
        tile = get_renderer(kind)(desc, store, size=max(8, min(w, h) if kind != "table" else h), limits=limits)
    except (MediakitError, OSError, ValueError):
        d.text((x, y), f"[{kind}]", fill=MUTED, font=f)
        return
    if tile.width > w or tile.height > h:
        tile = tile.copy()
        tile.thumbnail((max(1, w), max(1, h)), PILImage.Resampling.LANCZOS)
    tile = tile.convert("RGBA")
    im.paste(tile, (x, y + (h - tile.height) // 2), tile)
