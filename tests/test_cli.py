"""The ``mediakit`` command line: exit codes, outputs on disk, failure isolation, re-runs."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

import mediakit as mk
from mediakit.cli import build_parser, main


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
    assert set(failed) == {"broken.png", "truncated.png"}
    assert failed["broken.png"].startswith("DecodeError: data")
    assert failed["truncated.png"].startswith("DecodeError")
    # A file that is not media is skipped, not failed.
    assert report["skipped"] == [{"input": str(media_dir / "notes.xyz"), "reason": "not a media file (unknown suffix '.xyz')"}]
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


# -- issue 13: folder runs, skipping, messages ------------------------------------------------------


def test_encode_into_a_folder_inside_the_input_twice(media_dir, capsys):
    store = media_dir / "store"
    code, first = run_json(["encode", str(media_dir), "--out", str(store)], capsys)
    assert code == 0 and len(first["encoded"]) == 3
    # The second run does not walk into its own output (descriptors, media).
    code, second = run_json(["encode", str(media_dir), "--out", str(store)], capsys)
    assert code == 0, second["failed"]
    assert sorted(Path(e["input"]).name for e in second["encoded"]) == ["hubble.jpg", "logo.png", "page.html"]
    assert second["skipped"] == [] and second["failed"] == []
    assert [e["descriptor"] for e in second["encoded"]] == [e["descriptor"] for e in first["encoded"]]


def test_non_media_files_are_skipped_and_strict_fails_them(media_dir, tmp_path, capsys):
    (media_dir / "labels.txt").write_text("cat\ndog\n")
    (media_dir / "meta.json").write_text('{"author": "me"}')
    (media_dir / "rows.json").write_text('{"columns": ["a"], "data": [[1], [2]]}')
    (media_dir / ".hidden").mkdir()
    (media_dir / ".hidden" / "x.png").write_bytes(b"junk")
    code, report = run_json(["encode", str(media_dir), "--out", str(tmp_path / "o")], capsys)
    assert code == 0 and report["failed"] == []
    assert sorted(Path(e["input"]).name for e in report["encoded"]) == ["hubble.jpg", "logo.png", "page.html", "rows.json"]
    skipped = {Path(s["input"]).name: s["reason"] for s in report["skipped"]}
    assert skipped == {
        "labels.txt": "not a media file (unknown suffix '.txt')",
        "meta.json": "a .json file that is not a table file (tables have 'columns' and 'data'); descriptors are checked with 'mediakit validate'",
    }
    code, report = run_json(["encode", str(media_dir), "--out", str(tmp_path / "o2"), "--strict"], capsys)
    assert code == 1 and report["skipped"] == []
    assert sorted(Path(f["input"]).name for f in report["failed"]) == ["labels.txt", "meta.json"]
    assert report["failed"][0]["error"].startswith("ValidationError: ") and report["failed"][0]["error"].endswith("(--strict)")
    # The text report: skipped files on stdout with the reason, the summary counts them.
    assert main(["encode", str(media_dir), "--out", str(tmp_path / "o3")]) == 0
    out = capsys.readouterr().out
    assert f"{media_dir / 'labels.txt'}: skipped, not a media file (unknown suffix '.txt')" in out
    assert "encoded 4 file(s), 2 skipped, 0 failed" in out


@pytest.mark.parametrize("command", ["encode", "thumbnail", "validate"])
def test_nothing_to_do_is_a_message_and_exit_1(command, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = [command, str(empty)] + (["--out", str(tmp_path / "o")] if command != "validate" else [])
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    what = "no media files to encode" if command == "encode" else "no descriptor (.json) files"
    assert captured.err == f"mediakit {command}: {what} in {empty}\n"
    # Only non-media files: the message names what was skipped.
    (empty / "notes.txt").write_text("x")
    if command == "encode":
        assert main(argv) == 1
        assert "1 file(s) skipped: " in capsys.readouterr().err
    code, report = run_json(argv, capsys)
    assert code == 1 and report["error"].startswith(f"{what} in {empty}")


def test_validate_a_non_json_file_is_a_clean_error(tmp_path, capsys):
    png = tmp_path / "horse.png"
    shutil.copy(CORPUS / "images" / "logo.png", png)
    assert main(["validate", str(png)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err == f"{png}: INVALID ValidationError: {str(png)!r}: not a descriptor (not JSON text but a png file); pass a descriptor .json file\n"
    text = tmp_path / "notes.json"
    text.write_text("hello")
    code, report = run_json(["validate", str(text)], capsys)
    assert code == 1 and report["invalid"][0]["error"].startswith(f"ValidationError: {str(text)!r}: not a descriptor (descriptor: not valid JSON")


def test_failed_lines_go_to_stderr(media_dir, tmp_path, capsys):
    (media_dir / "broken.png").write_bytes(b"not a png at all")
    assert main(["encode", str(media_dir), "--out", str(tmp_path / "o")]) == 1
    captured = capsys.readouterr()
    assert "FAILED" not in captured.out
    assert captured.err.startswith(f"{media_dir / 'broken.png'}: FAILED DecodeError: ")
    assert "encoded 3 file(s), 0 skipped, 1 failed" in captured.out


def test_warnings_are_one_line_each_and_in_json(tmp_path, capsys):
    import numpy as np
    from PIL import Image as PILImage

    d = tmp_path / "in"
    d.mkdir()
    frames = [PILImage.fromarray(np.full((8, 8, 3), v, np.uint8)) for v in (0, 255)]
    for name in ("a.tif", "b.tif"):  # a two-page TIFF is an image with a warning naming the pages
        frames[0].save(d / name, save_all=True, append_images=frames[1:])
    assert main(["encode", str(d), "--out", str(tmp_path / "o")]) == 0
    err_lines = capsys.readouterr().err.splitlines()
    assert len(err_lines) == 2
    for name, line in zip(("a.tif", "b.tif"), sorted(err_lines)):
        assert line.startswith(f"{d / name}: warning: UserWarning: ") and "thread.py" not in line
    code, report = run_json(["encode", str(d), "--out", str(tmp_path / "o2")], capsys)
    assert code == 0
    assert [(Path(w["input"]).name, w["warning"].split(":")[0]) for w in report["warnings"]] == [("a.tif", "UserWarning"), ("b.tif", "UserWarning")]
    assert capsys.readouterr().err == ""


def test_thumbnail_folder_has_no_stamp_files_and_reruns_skip(media_dir, tmp_path, capsys):
    out = tmp_path / "out"
    main(["encode", str(media_dir), "--out", str(out)])
    thumbs = tmp_path / "thumbs"
    main(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64"])
    capsys.readouterr()
    names = sorted(p.relative_to(thumbs).as_posix() for p in thumbs.iterdir())
    # One hidden folder keeps what each thumbnail was made from (a stamp each: flat memory).
    assert names == [".mediakit-stamps", "logo.png.png", "page.html.png", "sub"]
    assert sorted(p.name for p in (thumbs / "sub").iterdir()) == ["hubble.jpg.png"]
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64"], capsys)
    assert code == 0 and report["rendered"] == [] and len(report["skipped"]) == 3
    # A changed descriptor renders again; --upscale is part of what a thumbnail was made from.
    (out / "descriptors" / "logo.png.json").write_bytes((out / "descriptors" / "logo.png.json").read_bytes().rstrip() + b"\n\n")
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64"], capsys)
    assert [Path(p).name for p in report["rendered"]] == ["logo.png.png"]
    code, report = run_json(["thumbnail", str(out / "descriptors"), "--out", str(thumbs), "--size", "64", "--upscale"], capsys)
    assert len(report["rendered"]) == 3


def test_thumbnail_upscale_enlarges_small_media(tmp_path, capsys):
    import numpy as np
    from PIL import Image as PILImage

    d = tmp_path / "in"
    d.mkdir()
    PILImage.fromarray(np.arange(14 * 25 * 3, dtype=np.uint8).reshape(25, 14, 3)).save(d / "tiny.png")
    main(["encode", str(d), "--out", str(tmp_path / "o")])
    for flag, want in (([], (14, 25)), (["--upscale"], (143, 256))):
        main(["thumbnail", str(tmp_path / "o" / "descriptors"), "--out", str(tmp_path / "t"), "--force", *flag])
        with PILImage.open(tmp_path / "t" / "tiny.png.png") as im:
            assert im.size == want
    capsys.readouterr()


def test_convert_creates_folders_and_refuses_overwrites(tmp_path, capsys):
    src = tmp_path / "h.png"
    shutil.copy(CORPUS / "images" / "logo.png", src)
    original = src.read_bytes()
    dst = tmp_path / "new" / "deeper" / "h.webp"
    assert main(["convert", str(src), str(dst)]) == 0
    assert dst.is_file() and capsys.readouterr().out.startswith(f"{src} -> {dst} (")
    # Its own input: refused, untouched (also through another spelling of the path).
    for same in (src, tmp_path / "new" / ".." / "h.png"):
        code, report = run_json(["convert", str(src), str(same)], capsys)
        assert code == 1 and "is the input file; choose another output name" in report["error"]
    assert src.read_bytes() == original
    # An existing output: refused without --force, replaced with it.
    dst.write_bytes(b"keep me")
    code, report = run_json(["convert", str(src), str(dst)], capsys)
    assert code == 1 and report["error"] == f"FileExistsError: output: {str(dst)!r} exists; pass --force to overwrite it"
    assert dst.read_bytes() == b"keep me"
    assert main(["convert", str(src), str(dst), "--force"]) == 0
    assert dst.read_bytes()[:4] == b"RIFF"
    capsys.readouterr()
    # A failed conversion leaves no folders behind and never names an internal temporary file.
    code, report = run_json(["convert", str(tmp_path / "missing.png"), str(tmp_path / "x" / "y.webp")], capsys)
    assert code == 1 and not (tmp_path / "x").exists() and ".partial" not in report["error"]


def test_convert_video_to_gif_with_fps_size_and_max_frames(tmp_path, capsys):
    from mediakit.formats import Source
    from mediakit.formats import video as codec

    src = CORPUS / "video" / "example.mp4"
    info = codec.probe(Source(src))
    out = tmp_path / "clip.gif"
    assert main(["convert", str(src), str(out), "--fps", "5", "--size", "96", "--max-frames", "7"]) == 0
    capsys.readouterr()
    got = codec.probe(Source(out))
    assert max(got.width, got.height) == 96
    assert got.frames == min(7, int(info.frames * 5 / info.fps))
    assert abs(got.fps - 5) < 0.3
    # The defaults make a modest GIF: 12 fps at most, 480 px long side at most.
    default = tmp_path / "default.gif"
    assert main(["convert", str(src), str(default)]) == 0
    capsys.readouterr()
    d = codec.probe(Source(default))
    assert max(d.width, d.height) == min(480, max(info.width, info.height)) and d.fps <= 12.5


@pytest.mark.parametrize("flag", [["--fps", "5"], ["--size", "64"], ["--max-frames", "3"]])
def test_gif_options_refused_for_other_outputs(flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["convert", str(CORPUS / "images" / "logo.png"), str(tmp_path / "x.webp"), *flag])
    assert e.value.code == 2
    assert f"convert: {flag[0]} only apply to GIF output" in capsys.readouterr().err


def test_gif_plan_picks_frames_evenly():
    from mediakit.cli._convert import gif_plan

    fps, size, keep = gif_plan(30.0, 90, 1920, 1080, fps=10, size=None, max_frames=None)
    assert (fps, size) == (10, (480, 270)) and keep == list(range(0, 90, 3))
    fps, size, keep = gif_plan(5.0, 10, 14, 25, fps=None, size=256, max_frames=4)
    assert (fps, size, keep) == (5.0, (14, 25), [0, 1, 2, 3])


def test_info_probes_the_input_and_pdb_bonds(capsys):
    code, info = run_json(["info", str(CORPUS / "molecules" / "4E43.pdb")], capsys)
    assert code == 0 and info["kind"] == "molecule" and info["format"] == "pdb"
    assert isinstance(info["bonds"], int) and info["bonds"] > 0
    code, info = run_json(["info", str(CORPUS / "video" / "example.mp4")], capsys)
    assert code == 0 and info["bytes"] == (CORPUS / "video" / "example.mp4").stat().st_size


def test_help_describes_every_command_and_argument(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == {"encode", "convert", "thumbnail", "validate", "info", "schema", "gallery"}
    for name, sp in sub.choices.items():
        assert sp.description and len(sp.description) > 40, name
        assert "examples:" in (sp.epilog or ""), name
        for action in sp._actions:
            assert action.help, f"{name} {action.dest} has no help"
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    text = capsys.readouterr().out
    # The supported pairs come from the format registry.
    from mediakit.formats import specs

    for spec in specs():
        if spec.convert is not None or spec.converts_to:
            assert f"{spec.name} (" in text, spec.name
    assert "mp4 (.mp4)" in text and "-> gif, ogv, webm" in text


def test_encode_resume_skips_finished_files_and_jsonl_streams(media_dir, tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["encode", str(media_dir), "--out", str(store), "--jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in lines[:-1]] == ["encoded"] * 3 and lines[-1]["summary"]["encoded"] == 3
    # An interrupted run: one descriptor missing. --resume encodes only that one.
    (store / "descriptors" / "logo.png.json").unlink()
    assert main(["encode", str(media_dir), "--out", str(store), "--resume", "--jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    status = {Path(r["input"]).name: r["status"] for r in lines[:-1]}
    assert status == {"logo.png": "encoded", "hubble.jpg": "up to date", "page.html": "up to date"}
    assert lines[-1]["summary"] == {"encoded": 1, "up_to_date": 2, "skipped": 0, "failed": 0, "store": str(store)}


def test_encode_and_thumbnail_in_worker_processes(media_dir, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["encode", str(media_dir), "--out", str(a)]) == 0
    assert main(["encode", str(media_dir), "--out", str(b), "--processes", "--workers", "2"]) == 0
    capsys.readouterr()
    da = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert da == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert all((a / n).read_bytes() == (b / n).read_bytes() for n in da)
    assert main(["thumbnail", str(b / "descriptors"), "--out", str(tmp_path / "t"), "--processes", "--size", "48"]) == 0
    assert len(list((tmp_path / "t").rglob("*.png"))) == 3


def test_progress_shows_rate_and_eta(media_dir, tmp_path, capsys):
    assert main(["encode", str(media_dir), "--out", str(tmp_path / "o"), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "/s" in err and "encode" in err


def test_gallery_subcommand(media_dir, tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["encode", str(media_dir), "--out", str(store)]) == 0
    capsys.readouterr()
    code, report = run_json(["gallery", str(store / "descriptors"), "-o", str(tmp_path / "site")], capsys)
    assert code == 0 and report["ok"] and Path(report["index"]).name == "index.html" and Path(report["index"]).exists()
    code, report = run_json(["gallery", str(tmp_path / "missing"), "-o", str(tmp_path / "site2")], capsys)
    assert code == 1 and "missing" in report["error"]
