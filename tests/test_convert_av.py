"""The CLI's converters for audio and video files (``mediakit.formats.audio:convert`` and
``mediakit.formats.video:convert``) and the ``from_path`` constructors the CLI tables name."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import CORPUS

import mediakit as mk
from mediakit._errors import DecodeError, MediaFileNotFoundError, ValidationError
from mediakit.cli import constructor_for, converter_for

sf = pytest.importorskip("soundfile")
pytest.importorskip("imageio_ffmpeg")

WAV = CORPUS / "audio" / "example.wav"
MP3 = CORPUS / "audio" / "crunching.mp3"
MP4 = CORPUS / "video" / "example.mp4"
WEBM = CORPUS / "video" / "big_buck_bunny_432_433.webm"
GIF = CORPUS / "video" / "circle.gif"


def test_cli_tables_resolve():
    assert callable(converter_for(WAV)) and callable(converter_for(MP4))
    assert constructor_for("audio")(WAV).file_type == "wav"
    assert constructor_for("video")(GIF).file_type == "gif"


# -- audio ---------------------------------------------------------------------------------------------

AUDIO_CASES = [
    # source, destination name, expected libsndfile format, subtype
    (WAV, "out.flac", "FLAC", "PCM_16"),
    (WAV, "out.ogg", "OGG", "VORBIS"),
    (MP3, "out.wav", "WAV", "PCM_16"),
    (MP3, "out.oga", "OGG", "VORBIS"),
]


@pytest.mark.parametrize(("src", "name", "fmt", "subtype"), AUDIO_CASES, ids=[f"{c[0].suffix[1:]}-{c[1]}" for c in AUDIO_CASES])
def test_audio_convert(src, name, fmt, subtype, tmp_path):
    convert = converter_for(src)
    calls = []
    dst = tmp_path / name
    convert(src, dst, progress=lambda done, total: calls.append((done, total)))
    info, src_info = sf.info(dst), sf.info(src)
    assert (info.format, info.subtype) == (fmt, subtype)
    assert (info.samplerate, info.channels) == (src_info.samplerate, src_info.channels)
    assert abs(info.frames - src_info.frames) <= 1152  # mp3 length is estimated by the reader
    assert calls[-1] == (2, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    again = tmp_path / ("again" + dst.suffix)
    convert(src, again)
    assert again.read_bytes() == dst.read_bytes()  # reproducible


def test_audio_convert_keeps_float_samples(tmp_path):
    from mediakit.formats.audio import convert

    src = tmp_path / "f.wav"
    tone = (0.25 * np.sin(np.arange(2000) / 7)).astype(np.float32)
    sf.write(src, tone, 16000, subtype="FLOAT")
    convert(src, tmp_path / "g.wav")
    back, _ = sf.read(tmp_path / "g.wav", dtype="float32")
    assert sf.info(tmp_path / "g.wav").subtype == "FLOAT" and np.array_equal(back, tone)


def test_audio_convert_errors(tmp_path):
    from mediakit.formats.audio import convert

    with pytest.raises(ValidationError, match="dst: expected a .wav, .flac, .ogg or .oga"):
        convert(WAV, tmp_path / "out.mp3")
    with pytest.raises(MediaFileNotFoundError, match="src: audio file"):
        convert(tmp_path / "none.wav", tmp_path / "out.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(WAV.read_bytes()[:5000])
    with pytest.raises(DecodeError, match="truncated WAV"):
        convert(bad, tmp_path / "out.flac")
    assert not (tmp_path / "out.flac").exists()


# -- video -------------------------------------------------------------------------------------------------

VIDEO_CASES = [
    # source, destination name, expected (container, codec)
    (MP4, "out.gif", ("gif", "gif")),
    (MP4, "out.webm", ("webm", "vp9")),
    (GIF, "out.mp4", ("mp4", "h264")),
    (WEBM, "out.ogv", ("ogg", "theora")),
    (GIF, "out.ogg", ("ogg", "theora")),
]


@pytest.mark.parametrize(("src", "name", "expected"), VIDEO_CASES, ids=[f"{c[0].suffix[1:]}-{c[1]}" for c in VIDEO_CASES])
def test_video_convert(src, name, expected, tmp_path):
    from mediakit.formats import video as codec

    convert = converter_for(src)
    calls = []
    dst = tmp_path / name
    convert(src, dst, progress=lambda done, total: calls.append((done, total)))
    info, src_info = codec.probe(dst), codec.probe(src)
    assert (info.container, info.codec) == expected
    assert info.frames == src_info.frames
    assert info.standard and info.browser_safe == (info.container != "ogg")  # Theora plays in Firefox only
    assert calls and all(total == src_info.frames for _, total in calls)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    if src == WEBM and name == "out.ogv":
        assert info.audio_codec == "vorbis"  # the sound track is converted too


def test_video_convert_errors(tmp_path):
    from mediakit.formats.video import convert

    with pytest.raises(ValidationError, match="dst: expected a .gif, .mp4, .webm, .ogv or .ogg"):
        convert(MP4, tmp_path / "out.avi")
    with pytest.raises(MediaFileNotFoundError, match="src: video file"):
        convert(tmp_path / "missing.mp4", tmp_path / "out.mp4")
    with pytest.raises(DecodeError, match="moov atom not found"):
        convert(CORPUS / "bad" / "example_truncated.mp4", tmp_path / "out.webm")
    with pytest.raises(ValidationError, match="cannot be a GIF"):
        convert(_fast_video(tmp_path), tmp_path / "fast.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast.mp4"]


def _fast_video(tmp_path):
    path = tmp_path / "fast.mp4"
    path.write_bytes(mk.Video(np.zeros((4, 3, 8, 8), np.uint8), fps=60, format="mp4").encode_bytes())
    return path


def test_video_bytes_and_fileobj_give_the_same_descriptor(tmp_path):
    a = mk.Video(MP4.read_bytes(), format="mp4").encode(tmp_path / "s")
    b = mk.Video(io.BytesIO(MP4.read_bytes())).encode(tmp_path / "s")
    assert a == b
