"""Text that str.isdigit() calls digits but int() refuses (superscripts such as '¹', '²') in
counts, serials and keys: each is a MediakitError naming the field (found by mutation fuzzing of
a GRO file: 'invalid literal for int()' escaped from the reader)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mediakit as mk


@pytest.mark.parametrize(
    ("name", "text", "ctor", "match"),
    [
        ("count.gro", "water\n\u00b9\n    1SOL     OW    1   0.126   1.624   1.679\n   1.0 1.0 1.0\n", mk.Molecule, "should hold the atom count"),
        ("resnum.gro", "water\n1\n\u00b9\u00b9\u00b9\u00b9\u00b9SOL     OW    1   0.126   1.624   1.679\n   1.0 1.0 1.0\n", mk.Molecule, "residue number"),
        ("counts.off", "OFF\n\u00b2 1 0\n0 0 0\n0 1 0\n3 0 1 1\n", mk.Object3D, "OFF"),
        ("element.ply", "ply\nformat ascii 1.0\nelement vertex \u00b3\nproperty float x\nend_header\n", mk.Object3D, "PLY"),
    ],
)
def test_superscript_digits_in_files_are_decode_errors(name: str, text: str, ctor: type, match: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(mk.MediakitError, match=match):
        ctor(path)


def test_a_pqr_record_with_superscript_serial_is_not_split_as_a_number(tmp_path: Path) -> None:
    path = tmp_path / "m.pqr"
    path.write_text("ATOM\u00b9      1  O   HOH     1       0.000   0.000   0.000 -0.8340 1.7683\nEND\n", encoding="utf-8")
    with pytest.raises(mk.MediakitError):
        mk.Molecule(path)


def test_a_class_label_key_with_a_superscript_digit_is_refused_by_name() -> None:
    with pytest.raises(mk.MediaTypeError, match=r"class_labels: class ids must be integers, got key '¹'"):
        mk.Image(
            np.zeros((5, 6, 3), np.uint8),
            boxes={"p": {"box_data": [{"position": {"minX": 1, "maxX": 2, "minY": 1, "maxY": 2}, "class_id": 1}], "class_labels": {"\u00b9": "a"}}},
        )
