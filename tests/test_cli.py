"""The ``mediakit`` command line: exit codes, outputs on disk, failure isolation, re-runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

import mediakit as mk
from mediakit.cli import main


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    shutil.copy(CORPUS / "images" / "logo.png", d / "logo.png")
    shutil.copy(CORPUS / "images" / "hubble_deep_field.jpg", d / "sub" / "hubble.jpg")
    (d / "page.html").write_text("<html><head><title>T</title></head><body><p>hello</p></body></html>")
    return d


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_encode_folder_writes_media_and_descriptors(media_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code, report = run_json(["encode", str(media_dir), "--out", str(out)], capsys)
    assert code == 0
    assert report["failed"] == []
    kinds = sorted(item["descriptor"]["_type"] for item in report["encoded"])
    assert kinds == ["html", "image", "image"]
    descs = sorted(p.relative_to(out / "descriptors").as_posix() for p in (out / "descriptors").rglob("*.json"))
    assert descs == ["logo.png.json", "page.html.json", "sub/hubble.jpg.json"]
    for p in (out / "descriptors").rglob("*.json"):
        desc = mk.validate(json.loads(p.read_bytes()))
        assert (out / desc["path"]).is_file()
    # The JPEG is kept byte-for-byte.
    d = json.loads((out / "descriptors" / "sub" / "hubble.jpg.json").read_bytes())
    assert (out / d["path"]).read_bytes() == (media_dir / "sub" / "hubble.jpg").read_bytes()


def test_encode_bad_file_is_reported_and_skipped(media_dir, tmp_path, capsys):
    (media_dir / "broken.png").write_bytes(b"not a png at all")
    shutil.copy(CORPUS / "bad" / "coffee_truncated.png", media_dir / "truncated.png")
    (media_dir / "notes.xyz").write_text("?")
    out = tmp_path / "out"
    code, report = run_json(["encode", str(media_dir), "--out", str(out)], capsys)
    assert code == 1
    failed = {Path(f["input"]).name: f["error"] for f in report["failed"]}
    assert set(failed) == {"broken.png", "truncated.png", "notes.xyz"}
    assert failed["broken.png"].startswith("DecodeError: data")
    assert failed["truncated.png"].startswith("DecodeError")
    assert "unknown file type '.xyz'" in failed["notes.xyz"]
    assert len(report["encoded"]) == 3
    # Nothing of the failed files is in the store: only the 3 good media files.
    assert len([p for p in (out / "media").rglob("*") if p.is_file()]) == 3


def test_encode_missing_input_fails_with_exit_1(tmp_path, capsys):
    code, report = run_json(["encode", str(tmp_path / "nope.png"), "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "does not exist" in report["failed"][0]["error"]


def test_thumbnail_batch_rerun_and_failures(media_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["encode", str(media_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    thumbs = tmp_path / "thumbs"
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64"], capsys)
    assert code == 0 and len(report["rendered"]) == 3
    from PIL import Image as PILImage

    for p in report["rendered"]:
        with PILImage.open(p) as im:
            assert max(im.size) <= 64
    # A re-run skips finished work.
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64"], capsys)
    assert code == 0 and report["rendered"] == [] and len(report["skipped"]) == 3
    # A hostile descriptor is reported and the rest still render.
    bad = out / "descriptors" / "evil.json"
    desc = json.loads((out / "descriptors" / "logo.png.json").read_bytes())
    desc["path"] = "../../../etc/passwd"
    bad.write_text(json.dumps(desc))
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--force"], capsys)
    assert code == 1
    assert len(report["rendered"]) == 3
    assert report["failed"][0]["error"].startswith("SchemaError")


def test_thumbnail_with_local_dask_scheduler(media_dir, tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    assert main(["encode", str(media_dir / "logo.png"), "--out", str(out)]) == 0
    capsys.readouterr()
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(tmp_path / "t"), "--scheduler", "local"], capsys)
    assert code == 0 and len(report["rendered"]) == 1


def test_validate_and_info_and_schema(media_dir, tmp_path, capsys):
    out = tmp_path / "out"
    main(["encode", str(media_dir / "logo.png"), "--out", str(out)])
    capsys.readouterr()
    good = out / "descriptors" / "logo.png.json"
    bad = tmp_path / "bad.json"
    d = json.loads(good.read_bytes())
    d["width"] = -1
    bad.write_text(json.dumps(d))
    code, report = run_json(["validate", str(good), str(bad)], capsys)
    assert code == 1
    assert report["valid"] == [str(good)]
    assert "$.width" in report["invalid"][0]["error"]

    import hashlib

    from PIL import Image as PILImage

    logo = media_dir / "logo.png"
    code, info = run_json(["info", str(logo)], capsys)
    assert code == 0 and info["kind"] == "image" and info["format"] == "png" and info["media_type"] == "image/png"
    # The input's own facts: its bytes, digest and size, read from the header (nothing converted).
    assert info["sha256"] == hashlib.sha256(logo.read_bytes()).hexdigest() and info["bytes"] == logo.stat().st_size
    with PILImage.open(logo) as im:
        assert (info["width"], info["height"], info["pages"]) == (*im.size, 1)
    code, info = run_json(["info", str(good)], capsys)
    assert code == 0 and info["descriptor"] is True

    assert main(["schema", "image"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"].endswith("image.schema.json")
    assert main(["schema"]) == 0
    assert "image" in capsys.readouterr().out.split()
    assert main(["schema", "nope"]) == 2


def test_convert_image(tmp_path, capsys):
    src = CORPUS / "images" / "logo.png"
    code, report = run_json(["convert", str(src), str(tmp_path / "logo.webp")], capsys)
    assert code == 0 and report["ok"]
    from PIL import Image as PILImage

    with PILImage.open(tmp_path / "logo.webp") as im:
        assert im.format == "WEBP"
    code, report = run_json(["convert", str(src), str(tmp_path / "logo.xyz")], capsys)
    assert code == 1 and "images convert to" in report["error"]


@pytest.mark.parametrize("argv", [[], ["encode"], ["encode", "x"], ["thumbnail", "x", "--out", "o", "--size", "0"], ["bogus"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("mediakit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mediakit"]
    res = subprocess.run([*cmd, "schema"], capture_output=True, text=True, env={**os.environ}, check=False)
    assert res.returncode == 0 and "image" in res.stdout


def test_encode_table_files_and_json_tables(tmp_path, capsys):
    pytest.importorskip("pandas")
    d = tmp_path / "in"
    d.mkdir()
    rows = "\n".join(f"{i},{i * 0.5},name{i}" for i in range(12_000))
    (d / "big.csv").write_text("a,b,c\n" + rows + "\n")
    (d / "small.json").write_text(json.dumps({"columns": ["x", "y"], "data": [[1, "a"], [2, "b"]]}))
    out = tmp_path / "out"
    code, report = run_json(["encode", str(d), "--out", str(out)], capsys)
    assert code == 0, report["failed"]
    by_name = {Path(e["input"]).name: e["descriptor"] for e in report["encoded"]}
    assert by_name["small.json"]["_type"] == "table"
    assert by_name["big.csv"]["_type"] == "table"
    code, report = run_json(["encode", str(d / "big.csv"), "--out", str(out), "--max-rows", "100"], capsys)
    assert code == 1 and "12000" in report["failed"][0]["error"].replace(",", "")


def test_thumbnail_rerun_with_another_size_renders_again(media_dir, tmp_path, capsys):
    out = tmp_path / "out"
    main(["encode", str(media_dir / "logo.png"), "--out", str(out)])
    capsys.readouterr()
    thumbs = tmp_path / "t"
    run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64"], capsys)
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "100"], capsys)
    assert code == 0 and len(report["rendered"]) == 1
    from PIL import Image as PILImage

    with PILImage.open(report["rendered"][0]) as im:
        assert max(im.size) == 100


def test_encode_refuses_colliding_outputs(tmp_path, capsys):
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
        shutil.copy(CORPUS / "images" / "logo.png", tmp_path / d / "img.png")
    code, report = run_json(["encode", str(tmp_path / "d1" / "img.png"), str(tmp_path / "d2" / "img.png"), "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "would overwrite" in report["failed"][0]["error"]
    assert len(report["encoded"]) == 1


def test_validate_reports_absurdly_nested_json(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 3000 + "]" * 3000)
    code, report = run_json(["validate", str(deep)], capsys)
    assert code == 1 and report["invalid"]
