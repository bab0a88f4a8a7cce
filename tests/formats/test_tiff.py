"""TIFF through imageio's tifffile plugin: stacks, planar pages, 16-bit and float samples, the
page rule (never silently cut), and accurate reasons for broken files."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import mediakit as mk
from mediakit import formats
from mediakit._errors import DecodeError, MediaTypeError, ValidationError

tifffile = pytest.importorskip("tifffile")  # part of the [image] extra, installed by `make test`


def _tiff(arr: np.ndarray, **kw: object) -> bytes:
    buf = io.BytesIO()
    kw.setdefault("photometric", "minisblack")
    tifffile.imwrite(buf, arr, **kw)
    return buf.getvalue()


def test_spec_is_registered_and_not_stored() -> None:
    spec = formats.get("tiff")
    assert spec is formats.get("tif")
    assert formats.spec_for_suffix(".tif") is spec and formats.spec_for_suffix(".TIFF") is spec
    assert spec.stored is False and spec.extra == "image"
    assert formats.sniff(b"II*\x00rest") is spec and formats.sniff(b"MM\x00*rest") is spec


def test_multipage_stack_warns_and_takes_first_page(tmp_path) -> None:
    stack = np.arange(5 * 6 * 7, dtype=np.uint16).reshape(5, 6, 7) * 100
    path = tmp_path / "stack.tif"
    path.write_bytes(_tiff(stack))
    with pytest.warns(UserWarning, match=r"has 5 pages \(frames\); the first is taken\. Pass page="):
        img = mk.Image(path)
    assert (img.width, img.height, img.mode) == (7, 6, "I;16")
    np.testing.assert_array_equal(img.pixels, stack[0])
    desc = img.encode(mk.MemoryStore())
    assert desc["format"] == "png" and desc["media_type"] == "image/png" and desc["bit_depth"] == 16


@pytest.mark.parametrize("page", [0, 3, 4])
def test_page_chooses_without_warning(page: int) -> None:
    stack = (np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3) * 3).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        img = mk.Image(_tiff(stack), page=page)
    np.testing.assert_array_equal(img.pixels, stack[page])


def test_page_out_of_range_and_bad_types() -> None:
    blob = _tiff(np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(ValidationError, match=r"page: data \(bytes\) has 2 pages \(0 to 1\), got page=2"):
        mk.Image(blob, page=2)
    with pytest.raises(MediaTypeError, match=r"page: expected an int >= 0 or None, got str '1'"):
        mk.Image(blob, page="1")
    with pytest.raises(ValidationError, match=r"page: expected an int >= 0 or None, got int -1"):
        mk.Image(blob, page=-1)
    with pytest.raises(ValidationError, match=r"page: applies to multi-page files only"):
        mk.Image(np.zeros((4, 4), np.uint8), page=0)


def test_planar_rgb_is_channel_last() -> None:
    rgb = np.random.default_rng(0).integers(0, 255, (3, 10, 12), dtype=np.uint8)
    img = mk.Image(_tiff(rgb, planarconfig="separate", photometric="rgb"))
    assert (img.width, img.height, img.mode) == (12, 10, "RGB")
    np.testing.assert_array_equal(img.pixels, np.moveaxis(rgb, 0, -1))


def test_sixteen_bit_rgb_kept_at_sixteen_bits() -> None:
    rgb = np.random.default_rng(1).integers(0, 65535, (9, 8, 3), dtype=np.uint16)
    img = mk.Image(_tiff(rgb, photometric="rgb"))
    store = mk.MemoryStore()
    desc = img.encode(store)
    assert desc["bit_depth"] == 16 and desc["mode"] == "RGB"
    np.testing.assert_array_equal(mk.decode(desc, store).pixels, rgb)


def test_float_tiff_follows_the_normalize_rule() -> None:
    f = np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5)
    img = mk.Image(_tiff(f))
    assert img.normalize_applied == "unit"
    np.testing.assert_array_equal(img.pixels, np.round(f * 255).astype(np.uint8))
    wide = np.linspace(-3, 7, 20, dtype=np.float32).reshape(4, 5)
    img = mk.Image(_tiff(wide), normalize="minmax")
    assert img.pixels.min() == 0 and img.pixels.max() == 255


def test_signature_right_content_broken_gets_an_accurate_reason() -> None:
    blob = _tiff(np.zeros((8, 8), np.uint8))
    broken = blob[:8] + b"\xff" * 8  # a TIFF header pointing at a page directory past the end
    with pytest.raises(DecodeError, match=r"data \(bytes\): TIFF signature found, but") as info:
        mk.Image(broken)
    assert "no TIFF signature" not in str(info.value)
    with pytest.raises(DecodeError, match=r"TIFF signature found"):
        mk.Image(b"II*\x00")


def test_not_an_image_lists_the_signatures() -> None:
    with pytest.raises(DecodeError, match=r"not a readable image file \(no .*PNG.*TIFF.* signature; 5 bytes\)"):
        mk.Image(b"hello")


def test_probe_reads_headers_only(tmp_path) -> None:
    path = tmp_path / "s.tiff"
    path.write_bytes(_tiff(np.zeros((3, 6, 5), np.uint16)))
    facts = formats.get("tiff").probe(formats.Source(path))
    assert facts == {"width": 5, "height": 6, "samples": 1, "dtype": "uint16", "pages": 3}


def test_animated_gif_given_to_image_is_not_silently_cut() -> None:
    from PIL import Image as PILImage

    frames = [PILImage.new("RGB", (6, 4), (i * 40, 0, 0)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.warns(UserWarning, match=r"has 3 pages \(frames\); the first is taken"):
        img = mk.Image(buf.getvalue())
    assert img.file_type == "png"
    second = mk.Image(buf.getvalue(), page=2)
    assert second.pixels[0, 0, 0] == 80


def test_animated_webp_page() -> None:
    from PIL import Image as PILImage

    frames = [PILImage.new("RGB", (6, 4), (0, i * 50, 0)) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    with pytest.warns(UserWarning, match=r"has 4 pages"):
        mk.Image(buf.getvalue())
    img = mk.Image(buf.getvalue(), page=3)
    assert img.pixels[0, 0, 1] == 150 and img.file_type == "png"
