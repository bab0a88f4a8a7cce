"""Audio: input tables, round trips through mk.decode, files kept byte-for-byte, broken files,
the WAV writer, waveform thumbnails.

Lossy tolerances stated here (and in the README): 16-bit PCM within 1/32767 of the float input;
Ogg/Vorbis within an RMS error of 0.01 on a half-scale tone.
"""

from __future__ import annotations

import io
import shutil
import struct
import warnings

import numpy as np
import pytest
from conftest import CORPUS, check_descriptor, roundtrip
from PIL import Image as PILImage

import mediakit as mk
from mediakit._errors import DecodeError, LimitError, MediaFileNotFoundError, MediaTypeError, SchemaError, ValidationError
from mediakit.formats import audio as codec
from mediakit.formats import ogg, wav

sf = pytest.importorskip("soundfile")

SR = 8000
T = np.arange(SR // 2) / SR
TONE = (0.5 * np.sin(2 * np.pi * 440 * T)).astype(np.float32)  # 0.5 s, half scale
STEREO = np.stack([TONE, -TONE * 0.5], axis=1)
WAV = CORPUS / "audio" / "example.wav"
MP3 = CORPUS / "audio" / "crunching.mp3"


class FakeTensor:
    """Stands in for a torch tensor: __array__ plus detach/cpu, never a numpy subclass."""

    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    def detach(self) -> FakeTensor:
        return self

    def cpu(self) -> FakeTensor:
        return self

    def __array__(self, dtype=None, copy=None):
        return self._a


def _file(fmt: str, subtype: str, data: np.ndarray = STEREO, rate: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, data, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


# -- good inputs -------------------------------------------------------------------------------------

GOOD_INPUTS = [
    # id, factory, expected descriptor fields
    (
        "mono-float32",
        lambda: mk.Audio(TONE, sample_rate=SR),
        {"format": "wav", "encoding": "pcm_16", "channels": 1, "frames": 4000, "duration": 0.5},
    ),
    (
        "stereo-int16",
        lambda: mk.Audio((STEREO * 32767).astype(np.int16), sample_rate=SR),
        {"channels": 2, "media_type": "audio/wav"},
    ),
    ("channels-first", lambda: mk.Audio(STEREO.T.copy(), sample_rate=SR), {"channels": 2, "frames": 4000}),
    ("int32", lambda: mk.Audio((TONE * 2**31).astype(np.int32), sample_rate=SR), {"channels": 1, "encoding": "pcm_16"}),
    ("float64", lambda: mk.Audio(TONE.astype(np.float64), sample_rate=SR), {"frames": 4000}),
    ("float-wav", lambda: mk.Audio(STEREO, sample_rate=SR, subtype="float"), {"encoding": "float"}),
    ("pcm24-wav", lambda: mk.Audio(TONE, sample_rate=SR, subtype="pcm24"), {"encoding": "pcm_24"}),
    ("six-channels", lambda: mk.Audio(np.repeat(TONE[:, None], 6, axis=1), sample_rate=SR), {"channels": 6}),
    ("flac", lambda: mk.Audio(STEREO, sample_rate=SR, file_type="flac"), {"format": "flac", "media_type": "audio/flac"}),
    ("flac-24", lambda: mk.Audio(STEREO, sample_rate=SR, file_type="flac", subtype="pcm24"), {"encoding": "pcm_24"}),
    (
        "ogg",
        lambda: mk.Audio(STEREO, sample_rate=SR, file_type="ogg"),
        {"format": "ogg", "encoding": "vorbis", "media_type": "audio/ogg"},
    ),
    ("tensor-like", lambda: mk.Audio(FakeTensor(TONE), sample_rate=SR), {"frames": 4000}),
    ("numpy-int-rate", lambda: mk.Audio(TONE, sample_rate=np.int64(SR)), {"sample_rate": SR}),
    (
        "reference-example",
        lambda: mk.Audio(TONE, caption="Nice", sample_rate=32),
        {"sample_rate": 32, "caption": "Nice", "duration": 125.0},
    ),
    ("normalize", lambda: mk.Audio(TONE * 4, sample_rate=SR, normalize=True), {"gain": pytest.approx(0.5, rel=1e-6)}),
    ("normalize-in-range", lambda: mk.Audio(TONE, sample_rate=SR, normalize=True), {"format": "wav"}),
    ("normalize-peak", lambda: mk.Audio(TONE * 4, sample_rate=SR, normalize="peak"), {"gain": pytest.approx(0.5, rel=1e-6)}),
    ("normalize-none", lambda: mk.Audio(TONE, sample_rate=SR, normalize="none"), {"format": "wav"}),
    ("wav-path", lambda: mk.Audio(str(WAV)), {"format": "wav", "sample_rate": 44100, "channels": 2, "frames": 88200}),
    (
        "mp3-path",
        lambda: mk.Audio.from_path(MP3),
        {"format": "mp3", "encoding": "mpeg_layer_iii", "sample_rate": 48000, "media_type": "audio/mpeg"},
    ),
    ("bytes-flac", lambda: mk.Audio(_file("FLAC", "PCM_16")), {"format": "flac", "channels": 2, "sample_rate": SR}),
    ("fileobj-ogg", lambda: mk.Audio(io.BytesIO(_file("OGG", "VORBIS"))), {"format": "ogg"}),
    ("file-transcoded", lambda: mk.Audio(MP3, file_type="flac"), {"format": "flac", "frames": 398592}),
    ("adpcm-wav-transcoded", lambda: mk.Audio(_file("WAV", "MS_ADPCM", TONE)), {"format": "wav", "encoding": "pcm_16"}),
    ("aiff-transcoded", lambda: mk.Audio(_file("AIFF", "PCM_16")), {"format": "wav", "channels": 2}),
    ("copy", lambda: mk.Audio(mk.Audio(TONE, sample_rate=SR, caption="c")), {"caption": "c", "sample_rate": SR}),
    ("file-rate-agrees", lambda: mk.Audio(WAV, sample_rate=44100), {"sample_rate": 44100}),
]


@pytest.mark.parametrize(("factory", "expected"), [g[1:] for g in GOOD_INPUTS], ids=[g[0] for g in GOOD_INPUTS])
def test_good_inputs(factory, expected, mem):
    with warnings.catch_warnings():
        # Only the reference example's 32 Hz warns (see test_rates_browsers_refuse_warn).
        warnings.filterwarnings("ignore", message="sample_rate: browsers play audio at 3000 Hz")
        obj = factory()
    desc = check_descriptor(obj.encode(mem))
    for key, value in expected.items():
        assert desc[key] == value, key
    assert desc["duration"] == pytest.approx(desc["frames"] / desc["sample_rate"], abs=1e-6)
    assert mem.read(desc["path"])[:4] in (b"RIFF", b"fLaC", b"OggS", b"ID3\x03")


# -- bad inputs --------------------------------------------------------------------------------------


def _truncated_wav() -> bytes:
    blob = wav.encode_wav(STEREO, SR)
    return blob[: len(blob) * 3 // 4]


BAD_INPUTS = [
    # id, factory, error class, message pattern
    (
        "uint8",
        lambda: mk.Audio(np.zeros(100, np.uint8), sample_rate=SR),
        MediaTypeError,
        r"data: expected samples of dtype int16.*got uint8",
    ),
    ("int64", lambda: mk.Audio(np.zeros(100, np.int64), sample_rate=SR), MediaTypeError, "got int64"),
    (
        "3-d",
        lambda: mk.Audio(np.zeros((10, 2, 2), np.float32), sample_rate=SR),
        ValidationError,
        r"data: expected samples of shape \(N,\) or \(N, C\)",
    ),
    (
        "ambiguous",
        lambda: mk.Audio(np.zeros((4, 6), np.float32), sample_rate=SR),
        ValidationError,
        r"data: shape \(4, 6\) is ambiguous",
    ),
    (
        "too-many-channels",
        lambda: mk.Audio(np.zeros((100, 9), np.float32), sample_rate=SR),
        ValidationError,
        "at most 8 channels",
    ),
    ("empty", lambda: mk.Audio(np.zeros(0, np.float32), sample_rate=SR), ValidationError, "at least one sample"),
    (
        "nan",
        lambda: mk.Audio(np.array([0.0, np.nan, 0.1] * 5, np.float32), sample_rate=SR),
        ValidationError,
        "data: expected finite samples, got .*nan.* at frame 1",
    ),
    (
        "inf-even-normalized",
        lambda: mk.Audio(np.array([0.0, np.inf] * 9), sample_rate=SR, normalize=True),
        ValidationError,
        "finite",
    ),
    (
        "too-loud",
        lambda: mk.Audio(TONE * 3, sample_rate=SR),
        ValidationError,
        r"data: float samples must lie in \[-1, 1\], got a peak of 1.5.*normalize=True",
    ),
    ("no-rate", lambda: mk.Audio(TONE), ValidationError, "sample_rate: required"),
    ("rate-zero", lambda: mk.Audio(TONE, sample_rate=0), ValidationError, "sample_rate: expected an int from 1"),
    ("rate-negative", lambda: mk.Audio(TONE, sample_rate=-44100), ValidationError, "sample_rate"),
    ("rate-huge", lambda: mk.Audio(TONE, sample_rate=10**7), ValidationError, "sample_rate"),
    ("rate-float", lambda: mk.Audio(TONE, sample_rate=44100.0), MediaTypeError, "sample_rate: expected a positive int.*float"),
    ("rate-bool", lambda: mk.Audio(TONE, sample_rate=True), MediaTypeError, "sample_rate"),
    (
        "ogg-rate",
        lambda: mk.Audio(TONE, sample_rate=256000, file_type="ogg"),
        ValidationError,
        "sample_rate: ogg holds sample rates up to 192000",
    ),
    ("file-type", lambda: mk.Audio(TONE, sample_rate=SR, file_type="mp3"), ValidationError, "file_type: expected one of"),
    (
        "flac-float",
        lambda: mk.Audio(TONE, sample_rate=SR, file_type="flac", subtype="float"),
        ValidationError,
        "subtype: flac takes pcm16, pcm24",
    ),
    (
        "ogg-subtype",
        lambda: mk.Audio(TONE, sample_rate=SR, file_type="ogg", subtype="pcm16"),
        ValidationError,
        "subtype: ogg takes None",
    ),
    ("caption", lambda: mk.Audio(TONE, sample_rate=SR, caption=5), MediaTypeError, "caption: expected a str"),
    (
        "normalize-type",
        lambda: mk.Audio(TONE, sample_rate=SR, normalize=1),
        MediaTypeError,
        "normalize: expected True or False",
    ),
    (
        "normalize-string",
        lambda: mk.Audio(TONE, sample_rate=SR, normalize="yes"),
        ValidationError,
        r"normalize: expected True or False, or one of \('none', 'peak'\), got 'yes'",
    ),
    ("object", lambda: mk.Audio(object(), sample_rate=SR), MediaTypeError, "data: expected a numpy array"),
    ("strings", lambda: mk.Audio(np.array(["a"] * 20), sample_rate=SR), MediaTypeError, "data: expected samples of dtype"),
    (
        "missing-file",
        lambda: mk.Audio("/nonexistent/x.wav"),
        MediaFileNotFoundError,
        "data: audio file '/nonexistent/x.wav' does not exist",
    ),
    ("directory", lambda: mk.Audio(CORPUS), ValidationError, "is a directory"),
    (
        "garbage",
        lambda: mk.Audio(b"RIFF" + bytes(200)),
        DecodeError,
        r"data \(bytes\): expected a decodable WAV, FLAC, OGG or MP3",
    ),
    ("text-fileobj", lambda: mk.Audio(io.StringIO("abc")), MediaTypeError, "binary file object"),
    ("truncated-wav", lambda: mk.Audio(_truncated_wav()), DecodeError, "truncated WAV"),
    ("truncated-flac", lambda: mk.Audio(_file("FLAC", "PCM_16")[:-700]), DecodeError, "data"),
    ("truncated-ogg", lambda: mk.Audio(_file("OGG", "VORBIS")[:-300]), DecodeError, "Ogg"),
    ("truncated-mp3", lambda: mk.Audio(MP3.read_bytes()[:150_001]), DecodeError, "truncated MP3"),
    (
        "rate-mismatch",
        lambda: mk.Audio(WAV, sample_rate=SR),
        ValidationError,
        "sample_rate: the file's sample rate is 44100 Hz, got 8000",
    ),
]


@pytest.mark.parametrize(("factory", "error", "match"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs(factory, error, match):
    with pytest.raises(error, match=match) as info:
        factory()
    assert type(info.value) is error


# -- round trips -------------------------------------------------------------------------------------


def test_lossless_round_trips(store):
    for audio in (
        mk.Audio((STEREO * 32767).astype(np.int16), sample_rate=SR, caption="pcm"),
        mk.Audio(STEREO, sample_rate=SR, subtype="float"),
        mk.Audio((STEREO * 32767).astype(np.int16), sample_rate=SR, file_type="flac"),
        mk.Audio(WAV),
        mk.Audio(MP3),
    ):
        desc, back = roundtrip(audio, store)
        assert back == audio
        assert back.caption == audio.caption


@pytest.mark.parametrize(
    ("file_type", "subtype", "rms"), [("wav", None, 2e-5), ("wav", "pcm24", 1e-7), ("flac", None, 2e-5), ("ogg", None, 0.01)]
)
def test_lossy_round_trips_within_tolerance(file_type, subtype, rms, mem):
    audio = mk.Audio(STEREO, sample_rate=SR, file_type=file_type, subtype=subtype)
    desc, back = roundtrip(audio, mem)
    assert (back.sample_rate, back.channels, back.frames, back.format) == (SR, 2, 4000, file_type)
    err = back.as_float() - STEREO
    assert float(np.sqrt(np.mean(err**2))) < rms
    if file_type != "ogg":
        assert float(np.abs(err).max()) <= 1 / 32767 + 1e-7


def test_kept_file_is_byte_for_byte(mem):
    for path in (WAV, MP3):
        desc = mk.Audio(path).encode(mem)
        assert mem.read(desc["path"]) == path.read_bytes()


def test_reference_example_in_a_logged_row(mem):
    numpy_array = TONE
    with pytest.warns(UserWarning, match="browsers play audio at 3000 Hz"):
        clip = mk.Audio(numpy_array, caption="Nice", sample_rate=32)
    row = mk.encode({"examples": [clip]}, mem)
    desc = row["examples"]
    check_descriptor(desc)
    assert desc["_type"] == "list" and desc["kind"] == "audio" and desc["count"] == 1
    assert desc["captions"] == ["Nice"]


@pytest.mark.parametrize("rate", [1, 32, 2999])
def test_rates_browsers_refuse_warn_and_are_kept(rate, mem, tmp_path):
    """Issue 11: the reference documents' Audio(np.random.rand(64), sample_rate=32) was accepted
    silently and no browser plays it. It still stores what was given, unchanged, but says so."""
    data = np.random.default_rng(0).random(64)
    with pytest.warns(UserWarning) as caught:
        clip = mk.Audio(data, sample_rate=rate)
    assert [str(w.message) for w in caught] == [
        f"sample_rate: browsers play audio at 3000 Hz and above (Chromium refuses lower rates), got {rate} Hz; "
        "the clip is stored as given: resample it (e.g. to 8000 Hz or more) to play it in a browser"
    ]
    assert caught[0].filename == __file__  # attributed to the caller's line
    desc = clip.encode(mem)
    assert desc["sample_rate"] == rate and desc["frames"] == 64
    path = tmp_path / "low.wav"
    path.write_bytes(mem.read(desc["path"]))
    with pytest.warns(UserWarning, match=f"got {rate} Hz"):
        mk.Audio(path)  # a file at such a rate warns too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = mk.decode(desc, mem)  # decoding a stored descriptor does not warn again
        mk.Audio(data, sample_rate=3000)  # the lowest rate browsers play: no warning
    assert back.sample_rate == rate


def test_list_of_clips_and_the_100_clip_limit(mem):
    clips = [mk.Audio(TONE[:100] * (i / 10), sample_rate=SR, caption=f"c{i}") for i in range(1, 4)]
    desc = check_descriptor(mk.encode({"a": clips}, mem)["a"])
    assert desc["count"] == 3 and [d["caption"] for d in desc["items"]] == ["c1", "c2", "c3"]
    back = mk.decode(desc, mem)
    assert [c.caption for c in back] == ["c1", "c2", "c3"]
    many = [mk.Audio(TONE[:50], sample_rate=SR)] * 101
    before = set(mem._list())
    with pytest.raises(LimitError, match="at most 100 audio items can be logged in one list, got 101"):
        mk.encode({"a": many}, mem)
    assert set(mem._list()) == before


def test_properties_and_shapes():
    a = mk.Audio(STEREO.T.copy(), sample_rate=SR)
    assert a.data.shape == (4000, 2) and a.channels == 2 and a.frames == 4000 and a.duration == 0.5
    mono = mk.Audio(TONE[:, None], sample_rate=SR)
    assert mono.data.shape == (4000,)
    assert mk.Audio.from_array([0.0, 0.5, -0.5] * 4, sample_rate=SR).data.dtype == np.float64
    assert "8000 Hz" in repr(a)
    assert mk.Audio.from_bytes(WAV.read_bytes()).data.dtype == np.int16
    with pytest.raises(MediaTypeError, match="array: expected"):
        mk.Audio.from_array("x.wav", sample_rate=SR)


def test_equality_by_content():
    a = mk.Audio(TONE, sample_rate=SR)
    assert a == mk.Audio(TONE.copy(), sample_rate=SR)
    assert a != mk.Audio(TONE, sample_rate=SR + 1)
    assert a != mk.Audio(TONE, sample_rate=SR, caption="x")
    assert a != mk.Audio(TONE * 0.5, sample_rate=SR)


def test_path_like_and_bad_wav_header_name(tmp_path):
    p = tmp_path / "clip.flac"
    p.write_bytes(_file("FLAC", "PCM_16"))
    assert mk.Audio(p).format == "flac"
    liar = tmp_path / "liar.mp3"
    liar.write_bytes(b"not audio at all" * 10)
    with pytest.raises(DecodeError, match=r"data \('.*liar.mp3'\): expected a decodable"):
        mk.Audio(liar)


def test_failed_encode_leaves_nothing(mem, monkeypatch):
    """A failure after the file was written (here: descriptor validation) removes the file."""
    import mediakit.kinds._base as base

    def broken(desc, **_kwargs):
        raise SchemaError("forced", field="$")

    monkeypatch.setattr(base, "validate", broken)
    with pytest.raises(SchemaError):
        mk.Audio(STEREO, sample_rate=SR, file_type="flac").encode(mem)
    assert list(mem._list()) == []


def test_missing_soundfile_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "soundfile", None)
    with pytest.raises(mk.MissingDependencyError, match=r"pip install 'mediakit\[audio\]'"):
        mk.Audio(STEREO, sample_rate=SR, file_type="flac").encode(mk.MemoryStore())
    # WAV output needs nothing optional
    assert mk.Audio(STEREO, sample_rate=SR).encode(mk.MemoryStore())["format"] == "wav"


# -- the codecs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subtype", ["pcm16", "pcm24", "float"])
@pytest.mark.parametrize("channels", [1, 2, 3, 8])
def test_wav_writer_is_read_back_by_libsndfile(subtype, channels):
    data = np.repeat(TONE[:333, None], channels, axis=1) * np.linspace(1, 0.2, channels)
    blob = wav.encode_wav(data.astype(np.float32), 22050, subtype)
    back, rate = sf.read(io.BytesIO(blob), always_2d=True, dtype="float32")
    assert rate == 22050 and back.shape == (333, channels)
    assert np.abs(back - data).max() <= (1e-7 if subtype == "float" else 1 / 32767 if subtype == "pcm16" else 1 / 8388607) + 1e-7
    assert len(blob) % 2 == 0 and struct.unpack("<I", blob[4:8])[0] == len(blob) - 8


def test_integer_sample_conversions():
    i32 = np.array([[2**31 - 1], [-(2**31)], [65536 * 5 + 40000]], np.int32)
    assert codec.to_pcm(i32, "pcm16")[:, 0].tolist() == [32767, -32768, 6]
    i16 = np.array([[32767], [-32768]], np.int16)
    assert codec.to_pcm(i16, "pcm24")[:, 0].tolist() == [32767 * 256, -32768 * 256]
    assert codec.to_float(i16)[:, 0].tolist() == [32767 / 32768, -1.0]


def test_ogg_output_is_reproducible_and_has_fixed_serials():
    a = ogg.encode_ogg(STEREO, SR)
    assert a == ogg.encode_ogg(STEREO, SR)
    assert struct.unpack("<I", a[14:18])[0] == 1
    ogg.check_ogg_complete(a)


def test_long_vorbis_is_written_in_blocks():
    """One-shot Vorbis writes of a minute crash libvorbis; block writes must not."""
    minute = np.tile(TONE, 240)  # two minutes at 8 kHz: 120 one-second blocks
    blob = ogg.encode_ogg(minute[:, None], SR)
    assert sf.info(io.BytesIO(blob)).frames == len(minute)


# -- thumbnails -------------------------------------------------------------------------------------------


def _png(b: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(b)).convert("RGB"))


def test_waveform_thumbnail(mem):
    desc = mk.Audio(STEREO, sample_rate=SR).encode(mem)
    png = mk.thumbnail(desc, mem, size=128)
    assert png == mk.thumbnail(desc, mem, size=128)
    px = _png(png)
    assert px.shape == (80, 128, 3)  # two lanes of 32 rows, then a 16-row time axis
    accent = np.all(px == (0, 130, 200), axis=2)
    lane0, lane1 = accent[:32].sum(), accent[32:64].sum()
    assert lane0 > lane1 > 0  # the second channel is half as loud
    assert accent[:, 0].any() and accent[:, -1].any()  # the envelope spans the whole width


def test_waveform_of_silence_and_of_long_audio_with_a_small_budget(mem):
    silent = mk.Audio(np.zeros(1000, np.int16), sample_rate=SR).encode(mem)
    px = _png(mk.thumbnail(silent, mem, size=64))
    assert np.all(px == (0, 130, 200), axis=2).sum(axis=0).max() == 1  # a one-pixel line
    long = mk.Audio(np.tile(TONE, 20), sample_rate=SR, file_type="flac").encode(mem)
    small = mk.Limits(max_points=5000)
    px = _png(mk.thumbnail(long, mem, size=64, limits=small))
    assert np.all(px == (0, 130, 200), axis=2).any()


@pytest.mark.parametrize("path", [WAV, MP3], ids=lambda p: p.name)
def test_corpus_files_encode_and_thumbnail(path, tmp_path):
    store = mk.LocalStore(tmp_path / "s")
    desc = check_descriptor(mk.Audio(path).encode(store))
    px = _png(mk.thumbnail(desc, store, size=96))
    assert px.shape[1] == 96 and np.all(px == (0, 130, 200), axis=2).sum() > 50
    shutil.rmtree(tmp_path / "s")


def test_thumbnail_limits(mem):
    desc = mk.Audio(STEREO, sample_rate=SR).encode(mem)
    with pytest.raises(LimitError, match="more than the limit of 100"):
        mk.thumbnail(desc, mem, size=64, limits=mk.Limits(max_file_bytes=100))


# -- the format specs ---------------------------------------------------------------------------------------------


def test_spec_probe_reads_the_header_only(tmp_path):
    from mediakit import formats
    from mediakit.formats import Source

    facts = formats.get("wav").probe(Source(WAV))
    assert facts == {
        "format": "wav", "encoding": "pcm_16", "sample_rate": 44100, "channels": 2, "frames": 88200, "duration": 2.0,
        "kept": True, "size": WAV.stat().st_size,
    }  # fmt: skip
    mp3 = formats.spec_for_path(MP3).probe(Source(MP3.read_bytes()))
    assert (mp3["format"], mp3["sample_rate"], mp3["encoding"]) == ("mp3", 48000, "mpeg_layer_iii")
    ogg = tmp_path / "a.ogg"
    ogg.write_bytes(_file("OGG", "VORBIS"))
    assert formats.kind_of(ogg) == "audio" and formats.sniff(ogg.read_bytes()[:64]).name == "ogg"
    assert formats.sniff(WAV.read_bytes()[:64]).name == "wav" and formats.sniff(MP3.read_bytes()[:64]).name == "mp3"


def test_audio_specs_match_the_store():
    from mediakit import formats

    for spec in formats.by_kind("audio"):
        assert spec.convert is not None and spec.converts_to
        assert mk.MemoryStore().put(b"x", suffix=spec.suffix).media_type == spec.media_type
    assert [s.name for s in formats.by_kind("audio")] == ["flac", "mp3", "ogg", "wav"]
