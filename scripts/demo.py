"""The main job on the bundled fixtures: encode every fixture file and a few generated values
into a store, write descriptors and thumbnails, and print what was written.

    python scripts/demo.py --out demo-out
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._registry import get_kind
from mediakit.formats import kind_of

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"


def generated() -> dict[str, object]:
    """Values a training loop would log, built from the fixtures (deterministic)."""
    from PIL import Image as PILImage

    with PILImage.open(CORPUS / "images" / "astronaut.png") as im:
        photo = np.asarray(im.convert("RGB").resize((256, 256)))
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[30:120, 60:200] = 1
    mask[150:, 140:] = 2
    values: dict[str, object] = {
        "annotated": mk.Image(
            photo,
            caption="astronaut with a mask and boxes",
            masks={"predictions": {"mask_data": mask, "class_labels": {0: "background", 1: "helmet", 2: "suit"}}},
            boxes={
                "ground_truth": {
                    "box_data": [
                        {"position": {"minX": 0.25, "maxX": 0.75, "minY": 0.08, "maxY": 0.45}, "class_id": 1, "box_caption": "face"},
                        {"position": {"middle": [200, 200], "width": 90, "height": 80}, "domain": "pixel", "class_id": 2, "scores": {"iou": 0.8}},
                    ],
                    "class_labels": {1: "face", 2: "patch"},
                }
            },
        ),
        "gradients": mk.Histogram(np.random.default_rng(0).standard_normal(100_000)),
        "weights": np.random.default_rng(1).standard_normal((64, 64)),
        "report": mk.Html("<h1>Run report</h1><p>Loss fell from 2.3 to 0.4 over 10 epochs.</p>"),
    }
    values.update(_extra_values())
    return values


def _extra_values() -> dict[str, object]:
    out: dict[str, object] = {}
    t = np.linspace(0, 1, 8000, dtype=np.float32)
    for name, build in (
        ("audio_tone", lambda: mk.Audio(0.3 * np.sin(2 * np.pi * 440 * t), sample_rate=8000, caption="440 Hz")),
        ("video_gif", lambda: mk.Video((np.random.default_rng(2).random((8, 3, 32, 32)) * 255).astype(np.uint8), fps=4, format="gif")),
        ("table", lambda: mk.Table(columns=["text", "score"], data=[["good", 0.9], ["bad", 0.1]])),
        ("line_chart", lambda: mk.plot.line(mk.Table(data=[[x, x * x] for x in range(10)], columns=["x", "y"]), "x", "y", title="y = x²")),
        ("point_cloud", lambda: mk.Object3D(np.random.default_rng(3).random((500, 3)))),
        ("molecule", lambda: mk.Molecule.from_smiles("CC(=O)Oc1ccccc1C(=O)O")),
    ):
        out[name] = build()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "demo-out")
    args = ap.parse_args()
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    store = mk.LocalStore(out)
    desc_dir, thumb_dir = out / "descriptors", out / "thumbnails"
    desc_dir.mkdir(parents=True)
    thumb_dir.mkdir()
    written, failed = 0, 0

    def emit(name: str, desc: object) -> None:
        nonlocal written
        (desc_dir / f"{name}.json").write_bytes(dumps(desc) + b"\n")
        line = f"{name:40s} {desc['_type'] if isinstance(desc, dict) and '_type' in desc else 'row':10s}"
        if isinstance(desc, dict) and "_type" in desc:
            png = mk.thumbnail(desc, store, size=256)
            (thumb_dir / f"{name}.png").write_bytes(png)
            line += f" thumbnail {len(png):>7,d} B"
        print(line)
        written += 1

    print(f"encoding the bundled corpus ({CORPUS.relative_to(ROOT)}) into {out}/")
    for f in sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        rel = f.relative_to(CORPUS).as_posix()
        expected_bad = rel.startswith("bad/")
        try:
            kind = kind_of(f)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = get_kind(kind).from_path(f)
            emit(rel.replace("/", "__"), obj.encode(store))
        except (mk.MediakitError, OSError) as e:
            failed += not expected_bad
            print(f"{rel:40s} {'refused (broken input, as expected)' if expected_bad else 'FAILED'}: {type(e).__name__}: {e}")

    print("\nencoding values a training loop logs (mk.encode)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = mk.encode(generated(), store)
    for key, desc in row.items():
        emit(f"logged__{key}", desc)
    (out / "row.json").write_text(json.dumps(row, indent=1, sort_keys=True))
    files = [p for p in (out / "media").rglob("*") if p.is_file()]
    print(f"\nwrote {written} descriptors, {len(files)} media files ({sum(p.stat().st_size for p in files):,d} B) and thumbnails to {out}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
