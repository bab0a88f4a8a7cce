"""Errors that used to escape the error tree: each hostile input below reached a public call as a
builtin (RecursionError, TokenError, MemoryError, OverflowError, RuntimeError); now each is a
MediakitError whose message names the field."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest

import mediakit as mk
from mediakit import formats

DEPTH = 100_000  # deeper than Python's JSON parser can recurse


def _deep_object(n: int = DEPTH) -> str:
    return '{"a":' * n + "1" + "}" * n


def _gltf(n: int = DEPTH) -> bytes:
    return ('{"asset":{"version":"2.0"},"extras":' + _deep_object(n) + "}").encode()


def _glb(n: int = DEPTH) -> bytes:
    doc = _gltf(n)
    doc += b" " * (-len(doc) % 4)
    return b"glTF" + struct.pack("<II", 2, 20 + len(doc)) + struct.pack("<I", len(doc)) + b"JSON" + doc


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda: mk.Object3D(_gltf(), file_type="gltf"), "glTF JSON"),
        (lambda: mk.Object3D(_glb(), file_type="glb"), "GLB JSON chunk"),
        (lambda: mk.Object3D(('{"points":' + "[" * DEPTH + "]" * DEPTH + "}").encode(), file_type="pts.json"), "pts.json document"),
        (lambda: mk.Plotly('{"data":[],"layout":' + _deep_object() + "}"), "Plotly JSON"),
        (lambda: formats.get("gltf").probe(_gltf()), "glTF JSON"),
        (lambda: formats.get("json").probe(("[" * DEPTH + "]" * DEPTH).encode()), "JSON"),
    ],
    ids=["gltf", "glb", "pts.json", "plotly", "gltf-probe", "json-probe"],
)
def test_deeply_nested_json_is_a_limit_error(make, what: str) -> None:
    with pytest.raises(mk.LimitError, match=rf"the {what} is nested too deeply to read; flatten it"):
        make()


def test_deeply_nested_table_file_in_the_store_is_a_limit_error() -> None:
    st = mk.MemoryStore()
    desc = mk.Table(columns=["a"], data=[[1]]).encode(st)
    blob = ("[" * DEPTH + "]" * DEPTH).encode()
    ref = st.put(blob, suffix=".json")
    desc.update(path=ref.path, sha256=ref.sha256, size=ref.size)
    with pytest.raises(mk.LimitError, match="nested too deeply"):
        mk.thumbnail(desc, st, size=64)
    with pytest.raises(mk.LimitError, match="nested too deeply"):
        mk.decode(desc, st)


def test_deeply_nested_plotly_file_in_the_store_is_a_limit_error() -> None:
    st = mk.MemoryStore()
    desc = mk.Plotly({"data": [], "layout": {}}).encode(st)
    ref = st.put(('{"data":[],"layout":' + _deep_object() + "}").encode(), suffix=".json")
    desc.update(path=ref.path, sha256=ref.sha256, size=ref.size)
    for call in (lambda: mk.thumbnail(desc, st, size=64), lambda: mk.decode(desc, st)):
        with pytest.raises(mk.LimitError, match="nested too deeply"):
            call()


def _npy(header_edit: tuple[bytes, bytes] | None = None, *, truncate_header: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros((4, 3), np.float32))
    good = buf.getvalue()
    hl = int.from_bytes(good[8:10], "little")
    hdr = good[10 : 10 + hl]
    if truncate_header:  # an unclosed parenthesis: numpy's tokenizer raises TokenError
        hdr = b"{'descr': '<f4', 'fortran_order': False, 'shape': (".ljust(hl - 1) + b"\n"
    elif header_edit:
        hdr = hdr.replace(*header_edit).ljust(hl)[:hl]
    return good[:10] + hdr + good[10 + hl :]


@pytest.mark.parametrize("call", [lambda b: mk.Object3D(b, file_type="npy"), lambda b: formats.get("npy").probe(b)], ids=["decode", "probe"])
def test_tampered_npy_header_is_a_decode_error(call) -> None:
    with pytest.raises(mk.DecodeError, match=r"not a valid \.npy file: its header does not parse \(TokenError"):
        call(_npy(truncate_header=True))


def test_npy_header_claiming_more_than_the_file_holds_is_refused_before_allocating() -> None:
    blob = _npy((b"(4, 3)", b"(99999999999, 3)"))
    with pytest.raises(mk.DecodeError, match=r"claims shape \(99999999999, 3\) of float32 \(1,199,999,999,988 bytes\), but the file holds 48 bytes"):
        mk.Object3D(blob, file_type="npy")


def test_npy_still_reads_plain_arrays() -> None:
    arr = (np.arange(12, dtype=np.float32).reshape(4, 3) / 7).astype(np.float32)
    for order in ("C", "F"):
        buf = io.BytesIO()
        np.save(buf, np.asarray(arr, order=order))
        np.testing.assert_array_equal(formats.get("npy").decode(buf.getvalue()), arr)


@pytest.mark.parametrize(
    "position",
    [
        {"minX": -1e308, "minY": -1e308, "maxX": 1e308, "maxY": 1e308},
        {"middle": [1e308, -1e308], "width": 1e308, "height": 1e308},
    ],
)
@pytest.mark.parametrize("domain", ["pixel", None])
def test_boxes_at_the_float_limit_render(position: dict, domain: str | None) -> None:
    st = mk.MemoryStore()
    desc = mk.Image(np.zeros((8, 8, 3), np.uint8)).encode(st)
    box: dict = {"position": position, "class_id": 1}
    if domain:
        box["domain"] = domain
    desc["boxes"] = {"p": {"box_data": [box], "class_labels": {"1": "a"}}}
    mk.validate(desc)
    assert mk.thumbnail(desc, st, size=16)[:8] == b"\x89PNG\r\n\x1a\n"


def test_box_pixels_clamps_to_a_margin_around_the_image() -> None:
    from mediakit.geometry import box_pixels

    box = {"position": {"minX": -1e308, "minY": 2.0, "maxX": 1e308, "maxY": 3.0}, "domain": "pixel"}
    assert box_pixels(box, 10, 20) == (-10.0, 2.0, 20.0, 3.0)
    inf_box = {"position": {"middle": [1e308, 0.5], "width": 1e308, "height": 0.5}}
    assert box_pixels(inf_box, 10, 20) == (20.0, 5.0, 20.0, 15.0)


def test_flac_header_claiming_a_huge_length_is_not_allocated() -> None:
    import soundfile as sf  # the audio extra, installed by the test setup
    buf = io.BytesIO()
    sf.write(buf, (np.sin(np.arange(4800) / 10) * 0.5).astype(np.float32), 48000, format="FLAC", subtype="PCM_16")
    blob = bytearray(buf.getvalue())
    fields = int.from_bytes(blob[18:26], "big")  # STREAMINFO: rate, channels, bits, 36-bit total
    assert fields & ((1 << 36) - 1) == 4800
    blob[18:26] = (fields | ((1 << 36) - 1)).to_bytes(8, "big")  # 68.7e9 frames claimed
    # Before: libsndfile's read allocated the claimed 128 GiB (MemoryError).
    with pytest.raises(mk.DecodeError, match=r"data \(bytes\): FLAC data could not be decoded"):
        mk.Audio(bytes(blob))
