"""``make demo``: encode every fixture file and one value of every kind and chart preset into a
store, write descriptors and 256 px thumbnails, an index page of all thumbnails
(``index.html``) and a contact sheet (``contact-sheet.png``; ``--sheet docs/thumbnails.png``
refreshes the README's copy), and print what was written.

    python scripts/demo.py --out demo-out

Names are the same everywhere: ``corpus/<folder>/<file>`` and ``showcase/<name>``, with the
descriptor at ``descriptors/<name>.json`` and the thumbnail at ``thumbnails/<name>.png``. The
corpus files under ``bad/`` are broken on purpose (truncated, empty, malformed): the listing says
so when they are refused; any other refusal is a failure (exit 1).
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
import warnings
from pathlib import Path

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._registry import get_kind
from mediakit.formats import kind_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
import showcase

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"
SIZE = 256


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "demo-out", help="output folder (replaced)")
    ap.add_argument("--sheet", type=Path, default=None, help="also write the contact sheet here (docs/thumbnails.png)")
    args = ap.parse_args()
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    store = mk.LocalStore(out)
    rows: list[tuple[str, str, str, str]] = []  # name, type, thumbnail path or "", note
    tiles: list[tuple[str, bytes]] = []
    failed = 0

    def emit(name: str, desc: dict, note: str = "") -> None:
        path = out / "descriptors" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dumps(desc) + b"\n")
        png = mk.thumbnail(desc, store, size=SIZE)
        thumb = out / "thumbnails" / f"{name}.png"
        thumb.parent.mkdir(parents=True, exist_ok=True)
        thumb.write_bytes(png)
        rows.append((name, desc["_type"], thumb.relative_to(out).as_posix(), note))
        print(f"{name:48s} {desc['_type']:9s} thumbnails/{name}.png ({len(png):,d} B)" + (f"  [{note}]" if note else ""))

    print(f"encoding the bundled corpus ({CORPUS.relative_to(ROOT)}) into {out}/")
    for f in sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        rel = f.relative_to(CORPUS).as_posix()
        name = f"corpus/{rel}"
        broken = rel.startswith("bad/")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = get_kind(kind_of(f)).from_path(f)
                desc = obj.encode(store)
            emit(name, desc, "broken on purpose, yet readable" if broken else "")
        except (mk.MediakitError, OSError) as e:
            if broken:
                note = f"refused as expected (broken on purpose): {type(e).__name__}: {e}"
            else:
                failed += 1
                note = f"FAILED: {type(e).__name__}: {e}"
            rows.append((name, "-", "", note))
            print(f"{name:48s} {note}")

    print("\none value of every kind and every chart preset (scripts/showcase.py)")
    for key, build in showcase.values().items():
        name = f"showcase/{key}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                desc = mk.encode({key: build()}, store)[key]
            emit(name, desc)
            tiles.append((key, (out / "thumbnails" / f"{name}.png").read_bytes()))
        except (mk.MediakitError, OSError, ImportError) as e:
            failed += 1
            rows.append((name, "-", "", f"FAILED: {type(e).__name__}: {e}"))
            print(f"{name:48s} FAILED: {type(e).__name__}: {e}")

    sheet = showcase.contact_sheet(tiles, size=SIZE)
    (out / "contact-sheet.png").write_bytes(sheet)
    if args.sheet is not None:
        args.sheet.parent.mkdir(parents=True, exist_ok=True)
        args.sheet.write_bytes(sheet)
    (out / "index.html").write_text(index_page(rows))
    failed += write_run_and_gallery(out)
    files = [p for p in (out / "media").rglob("*") if p.is_file()]
    shown = sum(1 for r in rows if r[2])
    print(f"\nwrote {shown} descriptors and thumbnails, {len(files)} media files ({sum(p.stat().st_size for p in files):,d} B)")
    print(f"open {out / 'index.html'} to see every thumbnail; contact sheet: {out / 'contact-sheet.png'}")
    return 1 if failed else 0


def write_run_and_gallery(out: Path) -> int:
    """Log every showcase value into a run (a few steps for the kinds that change during
    training), then write the run's gallery. Returns the number of failures."""
    import numpy as np

    run_dir = out / "run"
    rng = np.random.default_rng(0)
    try:
        run = mk.init(dir=str(run_dir), config={"lr": 3e-4, "batch_size": 32, "model": "demo"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for step in range(3):
                row = {"loss": float(1.0 / (step + 1)), "histogram": mk.Histogram(rng.normal(step, 1.0, 2000))}
                if step == 0:
                    row.update({key: build() for key, build in showcase.values().items()})
                else:  # the keys that change during training, at later steps
                    row["image"] = showcase.values()["image"]()
                    row["chart_line"] = showcase.values()["chart_line"]()
                run.log(row, step=step)
        run.finish()
        index = mk.gallery(run_dir, out / "gallery")
    except (mk.MediakitError, OSError, ImportError) as e:
        print(f"run and gallery FAILED: {type(e).__name__}: {e}")
        return 1
    print(f"\nwrote a run of every kind into {run_dir}/ and its gallery: open {index.resolve().as_uri()}")
    return 0


def index_page(rows: list[tuple[str, str, str, str]]) -> str:
    """A static page: one card per item (thumbnail, name, type, note)."""
    cards = []
    for name, kind, thumb, note in rows:
        img = f'<img src="{html.escape(thumb)}" alt="{html.escape(name)}" loading="lazy">' if thumb else '<div class="none">no thumbnail</div>'
        desc = f'<a href="descriptors/{html.escape(name)}.json">descriptor</a>' if thumb else ""
        cards.append(
            f'<figure>{img}<figcaption><b>{html.escape(name)}</b><br>{html.escape(kind)} {desc}'
            + (f'<br><span class="note">{html.escape(note)}</span>' if note else "")
            + "</figcaption></figure>"
        )
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mediakit demo</title>\n<style>"
        "body{font-family:system-ui,sans-serif;margin:16px;background:#f6f8fa}"
        "main{display:grid;grid-template-columns:repeat(auto-fill,minmax(272px,1fr));gap:12px}"
        "figure{margin:0;background:#fff;border:1px solid #d0d7de;padding:8px;border-radius:6px}"
        "img{display:block;margin:auto;max-width:256px;max-height:256px;"
        "background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px}"
        ".none{height:64px;color:#888;display:flex;align-items:center;justify-content:center}"
        ".note{color:#8a5300;font-size:90%}figcaption{font-size:85%;word-break:break-all;margin-top:6px}"
        "</style></head><body>\n<h1>mediakit demo: every thumbnail at 256 px</h1>\n<main>\n"
        + "\n".join(cards)
        + "\n</main></body></html>\n"
    )


if __name__ == "__main__":
    sys.exit(main())
