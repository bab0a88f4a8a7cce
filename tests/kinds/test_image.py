"""Image: input tables (good and bad), value rules, files kept byte for byte, formats, masks,
boxes, round trips through ``mk.decode`` and equality."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CORPUS, check_descriptor, roundtrip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

import mediakit as mk
from mediakit._descriptor import dumps
from mediakit._errors import (
    DecodeError,
    LimitError,
    MediaFileNotFoundError,
    MediaTypeError,
    ValidationError,
)
from mediakit._limits import MAX_BOXES, MAX_MASKS

RNG = np.random.default_rng(1234)
U8_HW = RNG.integers(0, 256, (6, 7), dtype=np.uint8)
U8_RGB = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
U8_RGBA = RNG.integers(0, 256, (6, 7, 4), dtype=np.uint8)
U16_HW = RNG.integers(0, 65536, (6, 7), dtype=np.uint16)
U16_RGB = RNG.integers(0, 65536, (6, 7, 3), dtype=np.uint16)
U16_RGBA = RNG.integers(0, 65536, (6, 7, 4), dtype=np.uint16)
UNIT = RNG.random((6, 7))
IMAGES = sorted((CORPUS / "images").iterdir())


def raises(cls: type[BaseException], match: str, fn: Callable[[], Any]) -> BaseException:
    """``fn()`` raises exactly ``cls`` (not a subclass) with a message matching ``match``."""
    with pytest.raises(cls, match=match) as info:
        fn()
    assert type(info.value) is cls, f"expected exactly {cls.__name__}, got {type(info.value).__name__}: {info.value}"
    return info.value


def quiet(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` and fail on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


# -- array-likes that behave like torch / jax / tf without importing them --------------------------


class ArrayInterface:
    """jax-like: only ``__array__``."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.a if dtype is None else self.a.astype(dtype)


class NumpyMethod:
    """tf-like: only ``.numpy()``."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def numpy(self) -> np.ndarray:
        return self.a


class FakeTensor:
    """torch-like: a tensor that requires grad on a 'GPU' refuses conversion until detached and
    moved to the CPU, exactly as torch does."""

    def __init__(self, a: np.ndarray, *, requires_grad: bool = True, device: str = "cuda") -> None:
        self.a, self.requires_grad, self.device = a, requires_grad, device

    def detach(self) -> FakeTensor:
        return FakeTensor(self.a, requires_grad=False, device=self.device)

    def cpu(self) -> FakeTensor:
        return FakeTensor(self.a, requires_grad=self.requires_grad, device="cpu")

    def _check(self) -> None:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device != "cpu":
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu()")

    def numpy(self) -> np.ndarray:
        self._check()
        return self.a

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        self._check()
        return self.a


class BrokenArray:
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise RuntimeError("device lost")


# -- GOOD inputs ----------------------------------------------------------------------------------
# id -> (make data, kwargs, expected (width, height, mode), expected descriptor "normalize", pixels)

GOOD_INPUTS: dict[str, tuple[Callable[[], Any], dict[str, Any], tuple[int, int, str], str | None, Callable[[], np.ndarray]]] = {
    "HW uint8": (lambda: U8_HW, {}, (7, 6, "L"), None, lambda: U8_HW),
    "HW1 uint8": (lambda: U8_HW[:, :, None], {}, (7, 6, "L"), None, lambda: U8_HW),
    "HWC3 uint8": (lambda: U8_RGB, {}, (7, 6, "RGB"), None, lambda: U8_RGB),
    "HWC4 uint8": (lambda: U8_RGBA, {}, (7, 6, "RGBA"), None, lambda: U8_RGBA),
    "CHW3": (lambda: np.moveaxis(U8_RGB, -1, 0), {}, (7, 6, "RGB"), None, lambda: U8_RGB),
    "CHW1": (lambda: U8_HW[None], {}, (7, 6, "L"), None, lambda: U8_HW),
    "CHW4": (lambda: np.moveaxis(U8_RGBA, -1, 0), {}, (7, 6, "RGBA"), None, lambda: U8_RGBA),
    "ambiguous as HWC": (lambda: U8_RGB[:3, :4], {"layout": "HWC"}, (4, 3, "RGB"), None, lambda: U8_RGB[:3, :4]),
    "ambiguous as CHW": (
        lambda: U8_RGB[:3, :4],
        {"layout": "CHW"},
        (3, 4, "RGB"),
        None,
        lambda: np.moveaxis(U8_RGB[:3, :4], 0, -1),
    ),
    "HWC explicit": (lambda: U8_RGB, {"layout": "HWC"}, (7, 6, "RGB"), None, lambda: U8_RGB),
    "float unit": (lambda: UNIT, {}, (7, 6, "L"), "unit", lambda: np.rint(UNIT * 255).astype(np.uint8)),
    "float32 unit": (
        lambda: UNIT.astype(np.float32),
        {},
        (7, 6, "L"),
        "unit",
        lambda: np.rint(UNIT.astype(np.float32) * np.float32(255)).astype(np.uint8),
    ),
    "float signed unit": (
        lambda: UNIT * 2 - 1,
        {},
        (7, 6, "L"),
        "signed_unit",
        lambda: np.rint((UNIT * 2 - 1 + 1) * 127.5).astype(np.uint8),
    ),
    "float byte range": (lambda: UNIT * 255, {}, (7, 6, "L"), "byte", lambda: np.rint(UNIT * 255).astype(np.uint8)),
    "int64 byte range": (lambda: U8_HW.astype(np.int64), {}, (7, 6, "L"), "byte", lambda: U8_HW),
    "clip": (
        lambda: UNIT * 600 - 100,
        {"normalize": "clip"},
        (7, 6, "L"),
        "clip",
        lambda: np.clip(np.rint(UNIT * 600 - 100), 0, 255).astype(np.uint8),
    ),
    "clip unit": (lambda: UNIT, {"normalize": "clip"}, (7, 6, "L"), "unit", lambda: np.rint(UNIT * 255).astype(np.uint8)),
    "minmax": (
        lambda: UNIT * 0.5,
        {"normalize": "minmax"},
        (7, 6, "L"),
        "minmax",
        lambda: np.rint((UNIT * 0.5 - (UNIT * 0.5).min()) * (255 / ((UNIT * 0.5).max() - (UNIT * 0.5).min()))).astype(np.uint8),
    ),
    "none": (lambda: UNIT * 200, {"normalize": "none"}, (7, 6, "L"), "byte", lambda: np.rint(UNIT * 200).astype(np.uint8)),
    "uint8 minmax": (
        lambda: np.array([[10, 20], [30, 40]], np.uint8),
        {"normalize": "minmax"},
        (2, 2, "L"),
        "minmax",
        lambda: np.array([[0, 85], [170, 255]], np.uint8),
    ),
    "uint16 grey": (lambda: U16_HW, {}, (7, 6, "I;16"), None, lambda: U16_HW),
    "uint16 RGB": (lambda: U16_RGB, {}, (7, 6, "RGB"), None, lambda: U16_RGB),
    "uint16 RGBA": (lambda: U16_RGBA, {}, (7, 6, "RGBA"), None, lambda: U16_RGBA),
    "bool": (lambda: U8_HW > 127, {}, (7, 6, "L"), "bool", lambda: np.where(U8_HW > 127, 255, 0).astype(np.uint8)),
    "nested list": (lambda: U8_HW.tolist(), {}, (7, 6, "L"), "byte", lambda: U8_HW),
    "__array__": (lambda: ArrayInterface(U8_RGB), {}, (7, 6, "RGB"), None, lambda: U8_RGB),
    ".numpy()": (lambda: NumpyMethod(U8_RGB), {}, (7, 6, "RGB"), None, lambda: U8_RGB),
    "torch-like requires_grad cuda CHW float": (
        lambda: FakeTensor(np.moveaxis(UNIT[:, :, None].repeat(3, 2), -1, 0).astype(np.float32)),
        {},
        (7, 6, "RGB"),
        "unit",
        lambda: np.rint(UNIT[:, :, None].repeat(3, 2).astype(np.float32) * np.float32(255)).astype(np.uint8),
    ),
    "mode L from RGB": (
        lambda: U8_RGB,
        {"mode": "L"},
        (7, 6, "L"),
        None,
        lambda: np.asarray(PILImage.fromarray(U8_RGB).convert("L")),
    ),
    "mode RGBA from L": (
        lambda: U8_HW,
        {"mode": "RGBA"},
        (7, 6, "RGBA"),
        None,
        lambda: np.asarray(PILImage.fromarray(U8_HW).convert("RGBA")),
    ),
    "mode LA from RGBA": (
        lambda: U8_RGBA,
        {"mode": "LA"},
        (7, 6, "LA"),
        None,
        lambda: np.asarray(PILImage.fromarray(U8_RGBA).convert("LA")),
    ),
    "bmp": (lambda: U8_RGB, {"file_type": "bmp"}, (7, 6, "RGB"), None, lambda: U8_RGB),
    "bmp grey": (lambda: U8_HW, {"file_type": "bmp"}, (7, 6, "L"), None, lambda: U8_HW),
    "webp lossless (quality=100)": (
        lambda: U8_RGBA,
        {"file_type": "webp", "quality": 100},
        (7, 6, "RGBA"),
        None,
        lambda: U8_RGBA,
    ),
}


@pytest.mark.parametrize("name", list(GOOD_INPUTS))
def test_good_inputs(name: str, store: mk.Store) -> None:
    make, kwargs, (w, h, mode), applied, expected = GOOD_INPUTS[name]
    img = quiet(lambda: mk.Image(make(), caption=name, **kwargs))
    assert (img.width, img.height, img.mode) == (w, h, mode)
    assert img.normalize_applied == applied
    exp = expected()
    assert img.pixels.dtype == exp.dtype and img.pixels.shape == exp.shape
    np.testing.assert_array_equal(img.pixels, exp)
    desc, back = roundtrip(img, store)
    assert (desc["width"], desc["height"], desc["mode"], desc["caption"]) == (w, h, mode, name)
    assert desc.get("normalize") == applied
    assert desc["format"] == kwargs.get("file_type", "png")
    assert back == img
    np.testing.assert_array_equal(back.pixels, exp)


def test_uint16_is_stored_as_16_bit_png(mem: mk.Store) -> None:
    for arr, ctype in ((U16_HW, 0), (U16_RGB, 2), (U16_RGBA, 6)):
        desc = mk.Image(arr).encode(mem)
        blob = mem.read(desc["path"])
        width, height, depth, colour = struct.unpack(">IIBB", blob[16:26])
        assert (width, height, depth, colour) == (7, 6, 16, ctype)
        back = mk.decode(desc, mem)
        assert back.pixels.dtype == np.uint16
        np.testing.assert_array_equal(back.pixels, arr)


def test_uint16_grey_from_pil_round_trips(mem: mk.Store) -> None:
    img = mk.Image(PILImage.fromarray(U16_HW))
    assert img.mode == "I;16"
    _, back = roundtrip(img, mem)
    np.testing.assert_array_equal(back.pixels, U16_HW)


def test_out_of_range_floats_warn_and_stretch() -> None:
    data = UNIT * 1000 - 300
    with pytest.warns(UserWarning, match=r"data: values span \[-?\d.*\]; stretched min-max") as rec:
        img = mk.Image(data)
    # The warning points at the caller, not into mediakit.
    assert rec[0].filename == __file__
    assert img.normalize_applied == "minmax"
    assert img.pixels.min() == 0 and img.pixels.max() == 255


def test_out_of_range_ints_warn_and_stretch() -> None:
    with pytest.warns(UserWarning, match="stretched min-max"):
        img = mk.Image(np.arange(-5, 25).reshape(5, 6))
    assert img.normalize_applied == "minmax"
    assert img.pixels[0, 0] == 0 and img.pixels[-1, -1] == 255


def test_constant_minmax_is_black() -> None:
    img = mk.Image(np.full((4, 5), 7.5), normalize="minmax")
    assert (img.pixels == 0).all()


# -- PIL images ------------------------------------------------------------------------------------


def _pil(mode: str) -> PILImage.Image:
    base = PILImage.fromarray(U8_RGBA[:, :, :3]).resize((14, 12))
    if mode == "RGBA":
        return PILImage.fromarray(np.repeat(np.repeat(U8_RGBA, 2, 0), 2, 1))
    if mode == "I;16":
        return PILImage.fromarray(np.repeat(np.repeat(U16_HW, 2, 0), 2, 1))
    if mode == "I":
        return base.convert("L").convert("I")
    if mode == "P+transparency":
        im = base.convert("P")
        im.info["transparency"] = 0
        return im
    return base.convert(mode)


PIL_MODES = {
    # input mode -> (our mode, Pillow mode the pixels must equal)
    "L": ("L", "L"),
    "RGB": ("RGB", "RGB"),
    "RGBA": ("RGBA", "RGBA"),
    "P": ("RGB", "RGB"),
    "P+transparency": ("RGBA", "RGBA"),
    "I;16": ("I;16", None),
    "I": ("I;16", None),
    "LA": ("LA", "LA"),
    "1": ("L", "L"),
    "CMYK": ("RGB", "RGB"),
    "YCbCr": ("RGB", "RGB"),
    "F": ("L", None),
}


@pytest.mark.parametrize("pil_mode", list(PIL_MODES))
def test_pil_modes(pil_mode: str, mem: mk.Store) -> None:
    src = _pil(pil_mode)
    ours, compare = PIL_MODES[pil_mode]
    img = quiet(lambda: mk.Image(src))
    assert img.mode == ours
    assert (img.width, img.height) == src.size
    if compare is not None:
        np.testing.assert_array_equal(img.pixels, np.asarray(src.convert(compare)))
    elif pil_mode in ("I;16", "I"):
        np.testing.assert_array_equal(img.pixels, np.asarray(src).astype(np.uint16))
    desc, back = roundtrip(img, mem)
    assert desc["mode"] == ours
    assert back == img


def test_pil_image_via_encode_is_an_image(mem: mk.Store) -> None:
    desc = mk.encode({"p": PILImage.fromarray(U8_RGB)}, mem)["p"]
    assert desc["_type"] == "image" and desc["mode"] == "RGB"
    np.testing.assert_array_equal(mk.decode(desc, mem).pixels, U8_RGB)


# -- files: kept byte for byte -------------------------------------------------------------------


@pytest.mark.parametrize("path", IMAGES, ids=[p.name for p in IMAGES])
@pytest.mark.parametrize("form", ["str", "Path", "bytes", "binary file", "BytesIO", "from_path", "from_bytes"])
def test_files_are_kept_byte_for_byte(path: Path, form: str, mem: mk.Store) -> None:
    raw = path.read_bytes()
    if form == "binary file":
        with open(path, "rb") as f:
            img = mk.Image(f)
    else:
        data = {
            "str": lambda: str(path),
            "Path": lambda: path,
            "bytes": lambda: raw,
            "BytesIO": lambda: io.BytesIO(raw),
            "from_path": None,
            "from_bytes": None,
        }[form]
        if form == "from_path":
            img = mk.Image.from_path(path)
        elif form == "from_bytes":
            img = mk.Image.from_bytes(raw)
        else:
            img = mk.Image(data())
    desc = check_descriptor(img.encode(mem))
    assert desc["sha256"] == hashlib.sha256(raw).hexdigest()
    assert mem.read(desc["path"]) == raw
    assert desc["size"] == len(raw)
    expected_format = "jpeg" if path.suffix == ".jpg" else "png"
    assert desc["format"] == expected_format
    assert desc["path"].endswith(".jpg" if expected_format == "jpeg" else ".png")
    with PILImage.open(path) as im:
        assert (desc["width"], desc["height"]) == im.size
    back = mk.decode(desc, mem)
    assert back == img
    assert back.encode(mem) == desc


def test_corpus_modes() -> None:
    modes = {p.name: mk.Image(p).mode for p in IMAGES}
    assert modes == {
        "astronaut.png": "RGB",
        "camera.png": "L",
        "chessboard_GRAY.png": "L",
        "coffee.png": "RGB",
        "hubble_deep_field.jpg": "RGB",
        "logo.png": "RGBA",
    }


def test_file_transcoded_when_another_format_is_asked(mem: mk.Store) -> None:
    src = CORPUS / "images" / "hubble_deep_field.jpg"
    img = mk.Image(src, file_type="png")
    desc = img.encode(mem)
    assert desc["format"] == "png" and desc["media_type"] == "image/png"
    assert desc["sha256"] != hashlib.sha256(src.read_bytes()).hexdigest()
    np.testing.assert_array_equal(mk.decode(desc, mem).pixels, mk.Image(src).pixels)


def test_explicit_quality_reencodes_a_lossy_file(mem: mk.Store) -> None:
    src = CORPUS / "images" / "hubble_deep_field.jpg"
    kept = mk.Image(src).encode(mem)
    smaller = mk.Image(src, quality=20).encode(mem)
    assert smaller["format"] == "jpeg" and smaller["size"] < kept["size"] / 2
    assert (
        mk.Image(CORPUS / "images" / "coffee.png", quality=20).encode(mem)["sha256"]
        == hashlib.sha256((CORPUS / "images" / "coffee.png").read_bytes()).hexdigest()
    )


def test_non_web_file_is_reencoded_as_png(mem: mk.Store) -> None:
    buf = io.BytesIO()
    PILImage.fromarray(U8_RGB).save(buf, format="TIFF")
    img = mk.Image(buf.getvalue())
    desc = img.encode(mem)
    assert desc["format"] == "png"
    np.testing.assert_array_equal(mk.decode(desc, mem).pixels, U8_RGB)


# -- matplotlib -----------------------------------------------------------------------------------


def test_matplotlib_figure_and_pyplot(mem: mk.Store) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    fig = plt.figure()
    try:
        plt.plot([1, 2, 3, 4])
        plt.ylabel("some interesting numbers")
        by_fig = mk.Image(fig)
        by_module = mk.Image(plt)
    finally:
        plt.close(fig)
    # The default figure (6.4 x 4.8 in at 100 dpi) rasterises to 640 x 480.
    assert (by_fig.width, by_fig.height) == (640, 480)
    assert by_fig == by_module
    assert len(np.unique(by_fig.pixels.reshape(-1, by_fig.pixels.shape[-1]), axis=0)) > 10  # not blank
    _, back = roundtrip(by_fig, mem)
    assert back == by_fig


# -- another Image ----------------------------------------------------------------------------------


def test_from_another_image_inherits_overlays(mem: mk.Store) -> None:
    mask = (U8_HW > 100).astype(np.uint8)
    boxes = {
        "p": {
            "box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1}],
            "class_labels": {1: "a"},
        }
    }
    first = mk.Image(
        U8_RGB, caption="first", grouping=2, masks={"m": {"mask_data": mask, "class_labels": {1: "on"}}}, boxes=boxes
    )
    copy = mk.Image(first)
    assert copy == first
    assert (copy.caption, copy.grouping) == ("first", 2)
    assert set(copy.masks) == {"m"} and set(copy.boxes) == {"p"}
    renamed = mk.Image(first, caption="second", masks={}, boxes={})
    assert renamed.caption == "second" and renamed.masks == {} and renamed.boxes == {}
    assert renamed != first
    assert first.caption == "first" and set(first.masks) == {"m"}  # the source is untouched
    desc, back = roundtrip(copy, mem)
    assert desc["masks"]["m"]["class_labels"] == {"1": "on"}
    assert back == first


def test_from_another_file_image_keeps_the_file(mem: mk.Store) -> None:
    src = CORPUS / "images" / "hubble_deep_field.jpg"
    desc = mk.Image(mk.Image(src), caption="c").encode(mem)
    assert desc["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert desc["caption"] == "c"


# -- file types -------------------------------------------------------------------------------------

SMOOTH = np.stack(np.broadcast_arrays(*(np.indices((48, 64)) * 3 % 256), 128), -1).astype(np.uint8)


@pytest.mark.parametrize(
    ("file_type", "fmt", "suffix", "media_type", "tolerance"),
    [
        ("png", "png", ".png", "image/png", 0),
        ("bmp", "bmp", ".bmp", "image/bmp", 0),
        ("jpeg", "jpeg", ".jpg", "image/jpeg", 3.0),
        ("jpg", "jpeg", ".jpg", "image/jpeg", 3.0),
        ("webp", "webp", ".webp", "image/webp", 3.0),
    ],
)
def test_file_types(file_type: str, fmt: str, suffix: str, media_type: str, tolerance: float, store: mk.Store) -> None:
    img = mk.Image(SMOOTH, file_type=file_type)
    assert img.format == fmt
    desc, back = roundtrip(img, store)
    assert (desc["format"], desc["media_type"]) == (fmt, media_type)
    assert desc["path"].endswith(suffix)
    with PILImage.open(io.BytesIO(store.read(desc["path"]))) as im:
        assert im.format == {"png": "PNG", "bmp": "BMP", "jpeg": "JPEG", "webp": "WEBP"}[fmt]
    err = np.abs(back.pixels.astype(np.int16) - SMOOTH).mean()
    if tolerance == 0:
        assert back == img
    else:
        assert back.pixels.shape == SMOOTH.shape
        assert 0 < err <= tolerance  # lossy, but close


@pytest.mark.parametrize(("mode", "arr"), [("L", U8_HW), ("LA", None), ("RGBA", U8_RGBA)])
def test_webp_keeps_the_mode_on_decode(mode: str, arr: np.ndarray | None, mem: mk.Store) -> None:
    # WebP has no grey mode and drops an all-opaque alpha; decode gives back the described mode.
    img = (
        mk.Image(arr, file_type="webp")
        if arr is not None
        else mk.Image(PILImage.fromarray(U8_HW).convert("LA"), file_type="webp")
    )
    desc = img.encode(mem)
    back = mk.decode(desc, mem)
    assert back.mode == desc["mode"] == mode
    assert back.encode(mem) == desc


@pytest.mark.parametrize("file_type", ["jpeg", "bmp"])
@pytest.mark.parametrize(("src", "kept"), [(U8_RGBA, "RGB"), (None, "L")])
def test_alpha_dropped_with_warning(file_type: str, src: np.ndarray | None, kept: str, mem: mk.Store) -> None:
    data = src if src is not None else PILImage.fromarray(U8_HW).convert("LA")
    with pytest.warns(
        UserWarning, match=rf"file_type='{file_type}' cannot hold transparency: the alpha channel is dropped"
    ) as rec:
        img = mk.Image(data, file_type=file_type)
    assert rec[0].filename == __file__
    assert img.mode == kept
    desc = img.encode(mem)
    assert desc["mode"] == kept
    back = mk.decode(desc, mem)
    assert back.mode == kept
    if file_type == "bmp":
        np.testing.assert_array_equal(back.pixels, U8_RGBA[:, :, :3] if kept == "RGB" else U8_HW)


def test_jpeg_quality_changes_size(mem: mk.Store) -> None:
    noisy = RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    sizes = [mk.Image(noisy, file_type="jpeg", quality=q).encode(mem)["size"] for q in (10, 50, 95)]
    assert sizes[0] < sizes[1] < sizes[2]


@pytest.mark.parametrize("quality", [1, 100])
def test_quality_bounds_accepted(quality: int) -> None:
    assert mk.Image(U8_RGB, file_type="jpeg", quality=quality).quality == quality


# -- BAD inputs ------------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


BAD_INPUTS: dict[str, tuple[Callable[[], Any], dict[str, Any], type[BaseException], str]] = {
    "4-D batch": (
        lambda: np.zeros((2, 6, 7, 3), np.uint8),
        {},
        ValidationError,
        r"got shape \(2, 6, 7, 3\); for a batch, pass a list of Images",
    ),
    "1-D": (lambda: np.zeros(7, np.uint8), {}, ValidationError, r"data: expected an image of shape .* got shape \(7,\)"),
    "HW2": (lambda: np.zeros((6, 7, 2), np.uint8), {}, ValidationError, r"data: shape \(6, 7, 2\) has 2 values per pixel"),
    "CHW-looking HW2": (
        lambda: np.zeros((3, 7, 2), np.uint8),
        {},
        ValidationError,
        r"data: shape \(3, 7, 2\) has 2 values per pixel",
    ),
    "5 channels": (
        lambda: np.zeros((6, 7, 5), np.uint8),
        {},
        ValidationError,
        r"data: expected 1, 3 or 4 channels .* got shape \(6, 7, 5\)",
    ),
    "ambiguous": (
        lambda: np.zeros((3, 4, 3), np.uint8),
        {},
        ValidationError,
        r"data: shape \(3, 4, 3\) is ambiguous .* layout='HWC' or layout='CHW'",
    ),
    "ambiguous 4": (lambda: np.zeros((4, 6, 4), np.uint8), {}, ValidationError, r"ambiguous.*layout"),
    "HWC layout wrong": (
        lambda: np.zeros((3, 6, 7), np.uint8),
        {"layout": "HWC"},
        ValidationError,
        r"layout='HWC' needs 1, 3 or 4 channels in the last axis",
    ),
    "CHW layout wrong": (
        lambda: np.zeros((6, 7, 3), np.uint8),
        {"layout": "CHW"},
        ValidationError,
        r"layout='CHW' needs 1, 3 or 4 channels in the first axis",
    ),
    "empty height": (lambda: np.zeros((0, 7), np.uint8), {}, ValidationError, r"data: image has no pixels \(width 7, height 0\)"),
    "empty width": (lambda: np.zeros((6, 0, 3), np.uint8), {}, ValidationError, r"data: image has no pixels"),
    "side too large": (
        lambda: np.zeros((1, 65_501), np.uint8),
        {},
        LimitError,
        r"data: image of 65501x1 exceeds the limits \(side <= 65500",
    ),
    "NaN": (
        lambda: np.array([[0.0, 0.5], [np.nan, 1.0]]),
        {},
        ValidationError,
        r"data: expected finite values, got .*nan.* at index \[1, 0\]",
    ),
    "inf": (
        lambda: np.array([[0.0, 0.5], [0.25, np.inf]]),
        {},
        ValidationError,
        r"data: expected finite values, got .*inf.* at index \[1, 1\]",
    ),
    "-inf RGB": (
        lambda: np.where(np.arange(12).reshape(2, 2, 3) == 7, -np.inf, 0.5),
        {"layout": "HWC"},
        ValidationError,
        r"at index \[1, 0, 1\]",
    ),
    "none out of range": (
        lambda: UNIT - 0.5,
        {"normalize": "none"},
        ValidationError,
        r"normalize='none' needs values in \[0, 255\], got range",
    ),
    "complex": (lambda: np.zeros((6, 7), complex), {}, MediaTypeError, r"data: expected a numeric array .* got dtype complex128"),
    "strings": (lambda: np.full((6, 7), "a"), {}, MediaTypeError, r"data: expected a numeric array .* got dtype <U1"),
    "objects": (
        lambda: np.full((6, 7), None, dtype=object),
        {},
        MediaTypeError,
        r"data: expected a numeric array \(bool, int, uint or float\), got dtype object",
    ),
    "array-like of objects": (
        lambda: ArrayInterface(np.full((6, 7), None, dtype=object)),
        {},
        MediaTypeError,
        r"data: expected a numeric array, got an array of Python objects \(shape \(6, 7\)\)",
    ),
    "dict": (lambda: {"a": 1}, {}, MediaTypeError, r"data: expected a numpy array or array-like, PIL.Image, path, .* got dict"),
    "None": (lambda: None, {}, MediaTypeError, r"got NoneType"),
    "int": (lambda: 5, {}, MediaTypeError, r"got int"),
    "text file object": (
        lambda: io.StringIO("not an image"),
        {},
        MediaTypeError,
        r"data: expected a binary file object \(open the file with 'rb'\)",
    ),
    "garbage bytes": (lambda: b"definitely not an image", {}, DecodeError, r"data \(bytes\): not a readable image file"),
    "empty bytes": (lambda: b"", {}, DecodeError, r"data \(bytes\): not a readable image file .*0 bytes"),
    "garbage file object": (
        lambda: io.BytesIO(b"\x89PNG but not really"),
        {},
        DecodeError,
        r"data \(file object\): not a readable image",
    ),
    "truncated corpus PNG": (
        lambda: CORPUS / "bad" / "coffee_truncated.png",
        {},
        DecodeError,
        r"coffee_truncated\.png.*truncated",
    ),
    "truncated JPEG": (
        lambda: (CORPUS / "images" / "hubble_deep_field.jpg").read_bytes()[:5000],
        {},
        DecodeError,
        r"data \(bytes\): not a readable image file \(OSError: Truncated File Read\)",
    ),
    "missing path": (
        lambda: "no/such/image.png",
        {},
        MediaFileNotFoundError,
        r"data: image file 'no/such/image.png' does not exist",
    ),
    "missing Path": (lambda: Path("no/such/image.png"), {}, MediaFileNotFoundError, r"does not exist"),
    "directory": (lambda: CORPUS / "images", {}, ValidationError, r"is a directory, expected an image file"),
    "bomb 60000x60000": (lambda: _png(60_000, 60_000), {}, LimitError, r"data \(bytes\): image of 60000x60000 = 3600000000 pixels exceeds the limit of \d+ \(decompression-bomb guard\)"),
    "bomb side": (lambda: _png(70_000, 1), {}, LimitError, r"image of 70000x1 pixels; each side must be between 1 and 65500"),
    "broken array-like": (
        lambda: BrokenArray(),
        {},
        MediaTypeError,
        r"data: could not convert BrokenArray to a numpy array: device lost",
    ),
    "layout value": (lambda: U8_RGB, {"layout": "WHC"}, ValidationError, r"layout: expected 'auto', 'HWC' or 'CHW', got 'WHC'"),
    "normalize value": (lambda: U8_RGB, {"normalize": "scale"}, ValidationError, r"normalize: expected one of .* got 'scale'"),
    "file_type value": (
        lambda: U8_RGB,
        {"file_type": "gif"},
        ValidationError,
        r"file_type: expected one of \['bmp', 'jpeg', 'jpg', 'png', 'webp'\], got 'gif'",
    ),
    "mode value": (lambda: U8_RGB, {"mode": "CMYK"}, ValidationError, r"mode: expected one of .* got 'CMYK'"),
    "quality 0": (
        lambda: U8_RGB,
        {"file_type": "jpeg", "quality": 0},
        ValidationError,
        r"quality: expected an int from 1 to 100, got 0",
    ),
    "quality 101": (
        lambda: U8_RGB,
        {"file_type": "jpeg", "quality": 101},
        ValidationError,
        r"quality: expected an int from 1 to 100, got 101",
    ),
    "quality float": (
        lambda: U8_RGB,
        {"file_type": "jpeg", "quality": 90.0},
        MediaTypeError,
        r"quality: expected an int from 1 to 100, got float 90.0",
    ),
    "quality bool": (lambda: U8_RGB, {"file_type": "jpeg", "quality": True}, MediaTypeError, r"quality: .* got bool True"),
    "quality str": (lambda: U8_RGB, {"file_type": "jpeg", "quality": "90"}, MediaTypeError, r"quality: .* got str '90'"),
    "grouping str": (lambda: U8_RGB, {"grouping": "a"}, MediaTypeError, r"grouping: expected an int or None, got str 'a'"),
    "grouping bool": (lambda: U8_RGB, {"grouping": True}, MediaTypeError, r"grouping: expected an int or None, got bool True"),
    "grouping float": (lambda: U8_RGB, {"grouping": 1.0}, MediaTypeError, r"grouping: .* got float 1.0"),
    "caption int": (lambda: U8_RGB, {"caption": 3}, MediaTypeError, r"caption: expected a str or None, got int 3"),
    "caption bytes": (lambda: U8_RGB, {"caption": b"x"}, MediaTypeError, r"caption: expected a str or None, got bytes"),
    "16-bit as jpeg": (
        lambda: U16_HW,
        {"file_type": "jpeg"},
        ValidationError,
        r"file_type: 16-bit images can only be stored as png, got 'jpeg'",
    ),
    "16-bit RGB as webp": (lambda: U16_RGB, {"file_type": "webp"}, ValidationError, r"16-bit images can only be stored as png"),
    "16-bit to L": (
        lambda: U16_HW,
        {"mode": "L"},
        ValidationError,
        r"mode: cannot convert a 16-bit I;16 image to 'L' without losing data",
    ),
    "16-bit RGB to L": (lambda: U16_RGB, {"mode": "L"}, ValidationError, r"mode: cannot convert a 16-bit RGB image to 'L'"),
    "to I;16": (lambda: U8_HW, {"mode": "I;16"}, ValidationError, r"mode: cannot convert a L image to 'I;16'"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_inputs(name: str) -> None:
    make, kwargs, cls, match = BAD_INPUTS[name]
    raises(cls, match, lambda: mk.Image(make(), **kwargs))


def test_errors_are_mediakit_errors_and_builtins() -> None:
    e = raises(MediaFileNotFoundError, "does not exist", lambda: mk.Image("missing.png"))
    assert isinstance(e, FileNotFoundError) and isinstance(e, mk.MediakitError)
    assert isinstance(raises(DecodeError, "not a readable", lambda: mk.Image(b"xx")), ValueError)
    assert isinstance(raises(MediaTypeError, "got dict", lambda: mk.Image({})), TypeError)
    assert isinstance(raises(LimitError, "bomb", lambda: mk.Image(_png(60_000, 60_000))), ValueError)


def test_bomb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageFile

    from mediakit.formats import png

    calls: list[str] = []
    real_load = ImageFile.ImageFile.load

    def spy_load(self: Any) -> Any:
        calls.append("load")
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    monkeypatch.setattr(png, "decode_png_fast", lambda *a, **k: calls.append("fast"))
    bomb = _png(60_000, 60_000)
    assert len(bomb) < 200
    for data in (bomb, io.BytesIO(bomb)):
        raises(LimitError, "decompression-bomb guard", lambda data=data: mk.Image(data))
    # Just below Pillow's hard limit but above ours: still refused from the header alone.
    raises(LimitError, "decompression-bomb guard", lambda: mk.Image(_png(20_000, 10_000)))
    assert calls == []


def test_from_array_refuses_non_arrays() -> None:
    raises(MediaTypeError, r"array: expected a numpy array or array-like, got str", lambda: mk.Image.from_array("a.png"))
    assert mk.Image.from_array(U8_RGB) == mk.Image(U8_RGB)


def test_failed_constructor_has_no_side_effects(tmp_path: Path) -> None:
    store = mk.LocalStore(tmp_path / "s")
    with pytest.raises(ValidationError):
        mk.Image(np.zeros((2, 6, 7, 3), np.uint8))
    mk.Image(U8_RGB)  # constructors never write
    assert store.list() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


# -- equality --------------------------------------------------------------------------------------


def test_equality_semantics() -> None:
    a = mk.Image(U8_RGB, caption="cat")
    assert a == mk.Image(U8_RGB.copy(), caption="cat")
    assert a != mk.Image(U8_RGB, caption="dog")
    assert a != mk.Image(U8_RGB, caption="cat", grouping=1)
    other = U8_RGB.copy()
    other[0, 0, 0] ^= 1
    assert a != mk.Image(other, caption="cat")
    assert mk.Image(U8_HW) != mk.Image(U8_HW.astype(np.uint16))  # same values, different depth
    assert mk.Image(U8_RGB) == mk.Image(np.moveaxis(U8_RGB, -1, 0))  # same pixels, other layout
    assert (a == "cat") is False
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)


def test_grouping_and_classes_in_descriptor(store: mk.Store) -> None:
    img = mk.Image(U8_RGB, grouping=np.int64(3), classes=[{"id": 2, "name": "dog"}, {"id": 1, "name": "cat"}])
    desc, back = roundtrip(img, store)
    assert desc["grouping"] == 3 and isinstance(desc["grouping"], int)
    assert desc["classes"] == [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    assert back == img


@pytest.mark.parametrize(
    ("classes", "cls", "match"),
    [
        ({"id": 1}, MediaTypeError, r"classes: expected a list of \{'id': int, 'name': str\}, got dict"),
        ([{"id": 1}], MediaTypeError, r"classes\[0\]: expected \{'id': int, 'name': str\}"),
        ([{"id": "1", "name": "a"}], MediaTypeError, r"classes\[0\]\.id: expected an int, got '1'"),
        ([{"id": 1, "name": 2}], MediaTypeError, r"classes\[0\]\.name: expected a str, got 2"),
        ([{"id": 1, "name": "a"}, {"id": 1, "name": "b"}], ValidationError, r"classes\[1\]\.id: class id 1 appears twice"),
    ],
)
def test_bad_classes(classes: Any, cls: type[BaseException], match: str) -> None:
    raises(cls, match, lambda: mk.Image(U8_RGB, classes=classes))


def test_repr_and_to_pil() -> None:
    img = mk.Image(U8_RGB, caption="x", masks={"m": {"mask_data": np.zeros((6, 7), np.uint8)}})
    assert repr(img) == "Image(7x6 RGB png, masks=1, caption='x')"
    np.testing.assert_array_equal(np.asarray(img.to_pil()), U8_RGB)
    assert mk.Image(U16_HW).to_pil().mode.startswith("I;16")
    raises(ValidationError, r"to_pil: Pillow has no 16-bit RGB mode", lambda: mk.Image(U16_RGB).to_pil())


# -- masks -----------------------------------------------------------------------------------------

MASK = np.zeros((6, 7), np.uint8)
MASK[1:4, 2:5] = 1
MASK[5, 6] = 7


def test_several_named_masks(store: mk.Store) -> None:
    img = mk.Image(
        U8_RGB,
        masks={
            "predictions": {"mask_data": MASK, "class_labels": {1: "tree", 7: "car"}},
            "ground_truth": {"mask_data": (MASK > 0).astype(np.int32), "class_labels": {"1": "thing"}},
        },
    )
    desc, back = roundtrip(img, store)
    assert sorted(desc["masks"]) == ["ground_truth", "predictions"]
    p = desc["masks"]["predictions"]
    assert p["class_labels"] == {"1": "tree", "7": "car"}
    assert p["unlabeled_ids"] == [0]  # background is reported, but not labelled
    assert desc["masks"]["ground_truth"]["class_labels"] == {"1": "thing"}
    assert p["media_type"] == "image/png"
    np.testing.assert_array_equal(mk.Image(store.read(p["path"])).pixels, MASK)
    assert back == img
    np.testing.assert_array_equal(back.masks["predictions"].data, MASK)


def test_unlabeled_mask_ids_get_default_labels_and_are_reported(mem: mk.Store) -> None:
    with pytest.warns(UserWarning, match=r"masks\['m'\]: class ids \[7\] have no label; using 'class_<id>'") as rec:
        img = mk.Image(U8_RGB, masks={"m": {"mask_data": MASK, "class_labels": {1: "tree"}}})
    assert len(rec) == 1 and rec[0].filename == __file__
    m = img.masks["m"]
    assert m.class_labels == {1: "tree", 7: "class_7"}
    assert m.unlabeled_ids == [0, 7]
    desc = img.encode(mem)
    assert desc["masks"]["m"]["class_labels"] == {"1": "tree", "7": "class_7"}
    assert desc["masks"]["m"]["unlabeled_ids"] == [0, 7]
    # Decoding and encoding again gives the same descriptor (defaults are not taken as given).
    assert mk.decode(desc, mem).encode(mem) == desc


@pytest.mark.parametrize("seed", range(12))
def test_unlabelled_ids_are_found_whether_few_or_many(seed: int) -> None:
    """The ids reported unlabelled are exactly those present without a label, both when a few
    ids are looked for one by one and when many are counted in one pass."""
    from mediakit.kinds._overlays import _unlabelled_present

    rng = np.random.default_rng(seed)
    top = int(rng.choice([0, 1, 5, 40, 255]))
    mask = rng.integers(0, top + 1, (37, 29), dtype=np.uint8)
    mask[rng.random(mask.shape) < 0.5] = 0  # gaps: not every id up to the maximum is present
    labels = {int(v): "x" for v in rng.choice(256, size=int(rng.integers(0, 12)), replace=False)} | (
        {v: "y" for v in range(1, top + 1)} if seed % 3 == 0 else {}
    )
    want = [int(v) for v in np.flatnonzero(np.bincount(mask.ravel(), minlength=256)) if int(v) not in labels]
    assert _unlabelled_present(mask, labels) == want
    assert _unlabelled_present(mask[::2, 1::3], labels) == [
        int(v) for v in np.flatnonzero(np.bincount(mask[::2, 1::3].ravel(), minlength=256)) if int(v) not in labels
    ]


def test_background_only_mask_does_not_warn() -> None:
    img = quiet(lambda: mk.Image(U8_RGB, masks={"m": {"mask_data": np.zeros((6, 7), np.int64)}}))
    assert img.masks["m"].class_labels == {} and img.masks["m"].unlabeled_ids == [0]


def test_shared_classes_label_masks_and_boxes(mem: mk.Store) -> None:
    classes = [{"id": 0, "name": "background"}, {"id": 1, "name": "tree"}, {"id": 7, "name": "car"}]
    box = {"position": {"minX": 0.0, "maxX": 0.5, "minY": 0.0, "maxY": 0.5}, "class_id": 7}
    img = quiet(lambda: mk.Image(U8_RGB, classes=classes, masks={"m": {"mask_data": MASK}}, boxes={"b": {"box_data": [box]}}))
    assert img.masks["m"].class_labels == {0: "background", 1: "tree", 7: "car"}
    assert img.masks["m"].unlabeled_ids == []
    assert img.boxes["b"].class_labels == {0: "background", 1: "tree", 7: "car"}
    # Own labels win over the shared set.
    own = quiet(lambda: mk.Image(U8_RGB, classes=classes, masks={"m": {"mask_data": MASK > 0, "class_labels": {1: "x"}}}))
    assert own.masks["m"].class_labels == {1: "x"}
    assert own.masks["m"].unlabeled_ids == [0]
    _, back = roundtrip(img, mem)
    assert back == img


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int64, np.uint16, np.float32, np.float64, bool])
def test_mask_dtypes(dtype: Any) -> None:
    data = (MASK > 0) if dtype is bool else MASK.astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = mk.Image(U8_RGB, masks={"m": {"mask_data": data}})
    assert img.masks["m"].data.dtype == np.uint8
    np.testing.assert_array_equal(img.masks["m"].data, (MASK > 0) if dtype is bool else MASK)


def test_mask_forms(tmp_path: Path, mem: mk.Store) -> None:
    png = tmp_path / "mask.png"
    PILImage.fromarray(MASK).save(png)
    labels = {1: "tree", 7: "car"}
    by_array = quiet(lambda: mk.Image(U8_RGB, masks={"m": {"mask_data": MASK, "class_labels": labels}}))
    for form in (str(png), png):
        by_path = quiet(lambda form=form: mk.Image(U8_RGB, masks={"m": {"path": form, "class_labels": labels}}))
        assert by_path == by_array
    by_list = quiet(lambda: mk.Image(U8_RGB, masks={"m": {"mask_data": MASK.tolist(), "class_labels": labels}}))
    assert by_list == by_array
    by_array_like = quiet(
        lambda: mk.Image(U8_RGB, masks={"m": {"mask_data": FakeTensor(MASK[:, :, None]), "class_labels": labels}})
    )
    assert by_array_like == by_array
    p_mask = tmp_path / "palette.png"
    PILImage.fromarray(MASK).convert("P").save(p_mask)
    assert np.array_equal(mk.Image(U8_RGB, masks={"m": {"path": p_mask, "class_labels": labels}}).masks["m"].data, MASK)
    _, back = roundtrip(by_array, mem)
    assert back == by_array


def _mask(spec: Any, **kw: Any) -> Callable[[], Any]:
    return lambda: mk.Image(U8_RGB, masks={"m": spec}, **kw)


BAD_MASKS: dict[str, tuple[Callable[[], Any], type[BaseException], str]] = {
    "shape": (
        _mask({"mask_data": MASK.T}),
        ValidationError,
        r"masks\['m'\]\.mask_data: shape \(7, 6\) does not match the image's \(height, width\) \(6, 7\)",
    ),
    "too large value": (
        _mask({"mask_data": np.where(MASK == 7, 300, MASK.astype(np.int64))}),
        ValidationError,
        r"masks\['m'\]\.mask_data: class ids must be in 0-255, got 300 at \[5, 6\]",
    ),
    "negative": (_mask({"mask_data": -MASK.astype(int)}), ValidationError, r"class ids must be in 0-255, got -1 at \[1, 2\]"),
    "non-integral floats": (
        _mask({"mask_data": MASK + 0.5}),
        ValidationError,
        r"masks\['m'\]\.mask_data: expected integer class ids 0-255, got non-integer floats",
    ),
    "nan floats": (_mask({"mask_data": np.where(MASK > 0, np.nan, 0.0)}), ValidationError, r"non-integer floats"),
    "3-D": (
        _mask({"mask_data": np.zeros((6, 7, 2), np.uint8)}),
        ValidationError,
        r"masks\['m'\]\.mask_data: expected a 2-D array \(height, width\), got shape \(6, 7, 2\)",
    ),
    "string data": (
        _mask({"mask_data": "mask.png"}),
        MediaTypeError,
        r"masks\['m'\]\.mask_data: expected a 2-D integer array, got str",
    ),
    "object dtype": (
        _mask({"mask_data": np.full((6, 7), "a")}),
        MediaTypeError,
        r"masks\['m'\]\.mask_data: expected integer class ids 0-255, got dtype <U1",
    ),
    "unknown key": (_mask({"mask_data": MASK, "colors": {}}), ValidationError, r"masks\['m'\]: unexpected keys \['colors'\]"),
    "both data and path": (
        _mask({"mask_data": MASK, "path": "x.png"}),
        ValidationError,
        r"masks\['m'\]: give exactly one of 'mask_data'",
    ),
    "neither": (_mask({"class_labels": {1: "a"}}), ValidationError, r"give exactly one of 'mask_data' \(an array\) or 'path'"),
    "not a dict": (
        _mask(MASK),
        MediaTypeError,
        r"masks\['m'\]: expected a dict with 'mask_data' \(or 'path'\) and 'class_labels', got ndarray",
    ),
    "label key str": (
        _mask({"mask_data": MASK, "class_labels": {"tree": 1}}),
        MediaTypeError,
        r"masks\['m'\]\.class_labels: class ids must be integers, got key 'tree'",
    ),
    "label key float": (
        _mask({"mask_data": MASK, "class_labels": {1.0: "a"}}),
        MediaTypeError,
        r"class ids must be integers, got key 1.0",
    ),
    "label key bool": (
        _mask({"mask_data": MASK, "class_labels": {True: "a"}}),
        MediaTypeError,
        r"class ids must be integers, got key True",
    ),
    "label value": (
        _mask({"mask_data": MASK, "class_labels": {1: 2}}),
        MediaTypeError,
        r"masks\['m'\]\.class_labels\[1\]: class labels must be strings, got int 2",
    ),
    "labels not dict": (
        _mask({"mask_data": MASK, "class_labels": ["a"]}),
        MediaTypeError,
        r"masks\['m'\]\.class_labels: expected a dict of class id -> label, got list",
    ),
    "path missing": (
        _mask({"path": "no/mask.png"}),
        MediaFileNotFoundError,
        r"masks\['m'\]\.path: file 'no/mask.png' does not exist",
    ),
    "path is a dir": (
        _mask({"path": CORPUS}),
        ValidationError,
        r"masks\['m'\]\.path: .* is a directory, expected a PNG mask file",
    ),
    "path not an image": (_mask({"path": CORPUS / "SOURCES.md"}), DecodeError, r"masks\['m'\]\.path: not a readable image file"),
    "path RGB image": (
        _mask({"path": CORPUS / "images" / "coffee.png"}),
        ValidationError,
        r"masks\['m'\]\.path: expected a single-channel .* got mode 'RGB'",
    ),
    "path wrong type": (_mask({"path": 3}), MediaTypeError, r"masks\['m'\]\.path: expected a path to a PNG file, got int"),
    "masks not a dict": (
        lambda: mk.Image(U8_RGB, masks=[MASK]),
        MediaTypeError,
        r"masks: expected a dict of name -> .* got list",
    ),
    "mask name": (
        lambda: mk.Image(U8_RGB, masks={3: {"mask_data": MASK}}),
        MediaTypeError,
        r"masks: names must be non-empty strings, got 3",
    ),
    "too many masks": (
        lambda: mk.Image(U8_RGB, masks={f"m{i}": {"mask_data": MASK} for i in range(MAX_MASKS + 1)}),
        ValidationError,
        rf"masks: at most {MAX_MASKS} masks per image, got {MAX_MASKS + 1}",
    ),
}


@pytest.mark.parametrize("name", list(BAD_MASKS))
def test_bad_masks(name: str) -> None:
    make, cls, match = BAD_MASKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises(cls, match, make)


def test_mask_from_16_bit_file_out_of_range(tmp_path: Path) -> None:
    p = tmp_path / "m16.png"
    PILImage.fromarray(MASK.astype(np.uint16) * 1000).save(p)
    raises(ValidationError, r"masks\['m'\]\.path: class ids must be in 0-255, got 1000 at \[1, 2\]", _mask({"path": p}))


def test_mask_shape_from_path_names_the_path(tmp_path: Path) -> None:
    p = tmp_path / "m.png"
    PILImage.fromarray(MASK.T.copy()).save(p)
    raises(ValidationError, r"masks\['m'\]\.path: shape \(7, 6\) does not match .* \(6, 7\)", _mask({"path": p}))


def test_max_masks_allowed() -> None:
    img = quiet(
        lambda: mk.Image(U8_RGB, masks={f"m{i}": {"mask_data": MASK, "class_labels": {1: "a", 7: "b"}} for i in range(MAX_MASKS)})
    )
    assert len(img.masks) == MAX_MASKS


# -- boxes -----------------------------------------------------------------------------------------

MINMAX = {"minX": 0.1, "maxX": 0.2, "minY": 0.3, "maxY": 0.4}


def _boxes(*boxes: Any, labels: Any = None, **kw: Any) -> mk.Image:
    group: dict[str, Any] = {"box_data": list(boxes)}
    if labels is not None:
        group["class_labels"] = labels
    return mk.Image(U8_RGB, boxes={"predictions": group}, **kw)


def test_box_forms_round_trip(store: mk.Store) -> None:
    img = quiet(
        lambda: mk.Image(
            U8_RGB,
            boxes={
                "predictions": {
                    "box_data": [
                        {"position": MINMAX, "class_id": 2, "box_caption": "minMax(pixel)", "scores": {"acc": 0.1, "loss": 1.2}},
                        {"position": {"middle": [3, 2], "width": 2, "height": 1.5}, "domain": "pixel", "class_id": 1},
                        {
                            "position": {"middle": (0.5, 0.5), "width": 0.0, "height": 0.0},
                            "domain": None,
                            "class_id": None,
                            "scores": None,
                        },
                        {
                            "position": {k: np.float32(v) for k, v in MINMAX.items()},
                            "class_id": np.int64(1),
                            "scores": {"p": np.float64(0.5)},
                        },
                    ],
                    "class_labels": {1: "car", 2: "road", 3: "building"},
                },
                "ground_truth": {
                    "box_data": [{"position": {"minX": 0, "maxX": 7, "minY": 0, "maxY": 6}, "domain": "pixel", "class_id": 3}],
                    "class_labels": {3: "building"},
                },
            },
        )
    )
    desc, back = roundtrip(img, store)
    boxes = desc["boxes"]["predictions"]["box_data"]
    assert boxes[0] == {"position": MINMAX, "class_id": 2, "box_caption": "minMax(pixel)", "scores": {"acc": 0.1, "loss": 1.2}}
    assert boxes[1] == {"position": {"middle": [3, 2], "width": 2, "height": 1.5}, "domain": "pixel", "class_id": 1}
    assert boxes[2] == {"position": {"middle": [0.5, 0.5], "width": 0.0, "height": 0.0}}
    assert boxes[3]["class_id"] == 1 and type(boxes[3]["class_id"]) is int
    assert type(boxes[3]["position"]["minX"]) is float and type(boxes[3]["scores"]["p"]) is float
    assert desc["boxes"]["predictions"]["class_labels"] == {"1": "car", "2": "road", "3": "building"}
    assert "outside" not in desc["boxes"]["predictions"] and "unlabeled_ids" not in desc["boxes"]["predictions"]
    assert back == img
    assert back.encode(store) == desc


def test_boxes_outside_are_kept_and_reported(mem: mk.Store) -> None:
    with pytest.warns(
        UserWarning, match=r"boxes\['predictions'\]: boxes \[0, 2\] lie partly or wholly outside the image; kept as given"
    ) as rec:
        img = _boxes(
            {"position": {"minX": -0.1, "maxX": 0.2, "minY": 0.3, "maxY": 0.4}},
            {"position": {"minX": 0, "maxX": 7, "minY": 0, "maxY": 6}, "domain": "pixel"},
            {"position": {"middle": [6, 5], "width": 4, "height": 1}, "domain": "pixel"},
        )
    assert rec[0].filename == __file__
    assert img.boxes["predictions"].outside == [0, 2]
    desc = img.encode(mem)
    assert desc["boxes"]["predictions"]["outside"] == [0, 2]
    assert len(desc["boxes"]["predictions"]["box_data"]) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # decode does not warn again
        back = mk.decode(desc, mem)
    assert back == img and back.encode(mem) == desc


def test_unknown_box_class_ids_get_default_labels(mem: mk.Store) -> None:
    with pytest.warns(UserWarning, match=r"boxes\['predictions'\]: class ids \[4, 9\] have no label; using 'class_<id>'") as rec:
        img = _boxes(
            {"position": MINMAX, "class_id": 9},
            {"position": MINMAX, "class_id": 4},
            {"position": MINMAX, "class_id": 2},
            labels={2: "road"},
        )
    assert rec[0].filename == __file__
    assert img.boxes["predictions"].class_labels == {2: "road", 4: "class_4", 9: "class_9"}
    desc = img.encode(mem)
    group = desc["boxes"]["predictions"]
    assert group["class_labels"] == {"2": "road", "4": "class_4", "9": "class_9"}
    assert group["unlabeled_ids"] == [4, 9]
    assert mk.decode(desc, mem).encode(mem) == desc


def test_box_without_labels_has_none() -> None:
    img = quiet(lambda: _boxes({"position": MINMAX}))
    assert img.boxes["predictions"].class_labels == {}


def _box(**changes: Any) -> dict[str, Any]:
    box: dict[str, Any] = {"position": dict(MINMAX), "class_id": 1}
    for k, v in changes.items():
        if k.startswith("pos_"):
            box["position"][k[4:]] = v
        elif v is _DROP:
            box.pop(k)
        else:
            box[k] = v
    return box


_DROP = object()
P3 = r"boxes\['predictions'\]\.box_data\[3\]"

BAD_BOXES: dict[str, tuple[dict[str, Any], type[BaseException], str]] = {
    "string coordinate": (_box(pos_minX="0.1"), MediaTypeError, rf"{P3}\.position\.minX: expected a number, got str '0\.1'"),
    "None coordinate": (_box(pos_maxY=None), MediaTypeError, rf"{P3}\.position\.maxY: expected a number, got NoneType None"),
    "bool coordinate": (_box(pos_minY=True), MediaTypeError, rf"{P3}\.position\.minY: expected a number, got bool True"),
    "NaN coordinate": (_box(pos_minX=float("nan")), ValidationError, rf"{P3}\.position\.minX: expected a finite number, got nan"),
    "inf coordinate": (_box(pos_maxX=np.inf), ValidationError, rf"{P3}\.position\.maxX: expected a finite number, got inf"),
    "minX > maxX": (_box(pos_minX=0.5), ValidationError, rf"{P3}\.position\.minX: minX \(0\.5\) must be <= maxX \(0\.2\)"),
    "minY > maxY": (_box(pos_minY=0.9), ValidationError, rf"{P3}\.position\.minY: minY \(0\.9\) must be <= maxY \(0\.4\)"),
    "negative width": (
        {"position": {"middle": [1, 1], "width": -2, "height": 1}},
        ValidationError,
        rf"{P3}\.position\.width: expected a number >= 0, got -2",
    ),
    "negative height": (
        {"position": {"middle": [1, 1], "width": 2, "height": -0.5}},
        ValidationError,
        rf"{P3}\.position\.height: expected a number >= 0",
    ),
    "middle of one": (
        {"position": {"middle": [1], "width": 2, "height": 1}},
        ValidationError,
        rf"{P3}\.position\.middle: expected \[x, y\], got \[1\]",
    ),
    "middle string": (
        {"position": {"middle": "ab", "width": 2, "height": 1}},
        ValidationError,
        rf"{P3}\.position\.middle: expected \[x, y\], got 'ab'",
    ),
    "middle value": (
        {"position": {"middle": [1, "y"], "width": 2, "height": 1}},
        MediaTypeError,
        rf"{P3}\.position\.middle\[1\]: expected a number, got str 'y'",
    ),
    "middle NaN": (
        {"position": {"middle": [np.nan, 1], "width": 2, "height": 1}},
        ValidationError,
        rf"{P3}\.position\.middle\[0\]: expected a finite number",
    ),
    "mixed position keys": (
        _box(pos_width=1),
        ValidationError,
        rf"{P3}\.position: expected keys \{{minX, maxX, minY, maxY\}} or \{{middle, width, height\}}",
    ),
    "partial position": (
        {"position": {"minX": 0.1, "maxX": 0.2}},
        ValidationError,
        rf"{P3}\.position: expected keys .* got \['maxX', 'minX'\]",
    ),
    "position not a dict": ({"position": [0, 0, 1, 1]}, MediaTypeError, rf"{P3}\.position: expected a dict, got list"),
    "missing position": ({"class_id": 1}, ValidationError, rf"{P3}: missing 'position'"),
    "unknown key": (
        _box(color=(1, 2, 3)),
        ValidationError,
        rf"{P3}: unexpected keys \['color'\] \(allowed: \['box_caption', 'class_id', 'domain', 'position', 'scores'\]\)",
    ),
    "box not a dict": ([0.1, 0.2, 0.3, 0.4], MediaTypeError, rf"{P3}: expected a dict with 'position', got list"),  # type: ignore[dict-item]
    "domain": (
        _box(domain="percentage"),
        ValidationError,
        rf"{P3}\.domain: expected 'pixel' or None \(fractions of the image\), got 'percentage'",
    ),
    "class_id float": (_box(class_id=1.0), MediaTypeError, rf"{P3}\.class_id: expected an int, got float 1\.0"),
    "class_id str": (_box(class_id="car"), MediaTypeError, rf"{P3}\.class_id: expected an int, got str 'car'"),
    "class_id bool": (_box(class_id=True), MediaTypeError, rf"{P3}\.class_id: expected an int, got bool True"),
    "caption": (_box(box_caption=5), MediaTypeError, rf"{P3}\.box_caption: expected a str, got int"),
    "scores not a dict": (_box(scores=[0.1]), MediaTypeError, rf"{P3}\.scores: expected a dict of name -> number, got list"),
    "score value": (_box(scores={"acc": "high"}), MediaTypeError, rf"{P3}\.scores\['acc'\]: expected a number, got str 'high'"),
    "score NaN": (
        _box(scores={"acc": float("nan")}),
        ValidationError,
        rf"{P3}\.scores\['acc'\]: expected a finite number, got nan",
    ),
    "score name": (_box(scores={1: 0.5}), MediaTypeError, rf"{P3}\.scores: names must be strings, got 1"),
}


@pytest.mark.parametrize("name", list(BAD_BOXES))
def test_bad_boxes(name: str) -> None:
    bad, cls, match = BAD_BOXES[name]
    good = _box()
    raises(cls, match, lambda: _boxes(good, good, good, bad, good, labels={1: "car"}))


@pytest.mark.parametrize(
    ("boxes", "cls", "match"),
    [
        (
            [_box()],
            MediaTypeError,
            r"boxes: expected a dict of name -> \{'box_data': \[\.\.\.\], 'class_labels': dict\}, got list",
        ),
        ({"": {"box_data": []}}, MediaTypeError, r"boxes: names must be non-empty strings, got ''"),
        ({"p": [_box()]}, MediaTypeError, r"boxes\['p'\]: expected a dict with 'box_data' and 'class_labels', got list"),
        ({"p": {"box_data": [], "colors": 1}}, ValidationError, r"boxes\['p'\]: unexpected keys \['colors'\]"),
        ({"p": {"class_labels": {}}}, MediaTypeError, r"boxes\['p'\]\.box_data: expected a list of boxes, got NoneType"),
        ({"p": {"box_data": _box()}}, MediaTypeError, r"boxes\['p'\]\.box_data: expected a list of boxes, got dict"),
        (
            {"p": {"box_data": [], "class_labels": {"car": 1}}},
            MediaTypeError,
            r"boxes\['p'\]\.class_labels: class ids must be integers, got key 'car'",
        ),
        (
            {"p": {"box_data": [], "class_labels": {1: None}}},
            MediaTypeError,
            r"boxes\['p'\]\.class_labels\[1\]: class labels must be strings",
        ),
    ],
)
def test_bad_box_groups(boxes: Any, cls: type[BaseException], match: str) -> None:
    raises(cls, match, lambda: mk.Image(U8_RGB, boxes=boxes))


def test_max_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    many = [{"position": MINMAX}] * (MAX_BOXES + 1)
    raises(
        ValidationError,
        rf"boxes\['p'\]\.box_data: at most {MAX_BOXES} boxes per image, got {MAX_BOXES + 1}",
        lambda: mk.Image(U8_RGB, boxes={"p": {"box_data": many}}),
    )
    # The limit counts all groups together.
    half = [{"position": MINMAX}] * (MAX_BOXES // 2 + 1)
    raises(
        ValidationError,
        r"boxes\['b'\]\.box_data: at most",
        lambda: mk.Image(U8_RGB, boxes={"a": {"box_data": half}, "b": {"box_data": half}}),
    )


def test_empty_box_group(mem: mk.Store) -> None:
    img = mk.Image(U8_RGB, boxes={"p": {"box_data": []}})
    desc, back = roundtrip(img, mem)
    assert desc["boxes"] == {"p": {"box_data": [], "class_labels": {}}}
    assert back == img


# -- hypothesis: overlays round-trip -------------------------------------------------------------

_coord = st.floats(-2, 2, allow_nan=False, width=32)


@st.composite
def _box_strategy(draw: Any) -> dict[str, Any]:
    if draw(st.booleans()):
        x0, x1 = sorted((draw(_coord), draw(_coord)))
        y0, y1 = sorted((draw(_coord), draw(_coord)))
        box: dict[str, Any] = {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}}
    else:
        box = {"position": {"middle": [draw(_coord), draw(_coord)], "width": abs(draw(_coord)), "height": abs(draw(_coord))}}
    if draw(st.booleans()):
        box["domain"] = "pixel"
    if draw(st.booleans()):
        box["class_id"] = draw(st.integers(0, 12))
    if draw(st.booleans()):
        box["box_caption"] = draw(st.text(max_size=5))
    if draw(st.booleans()):
        box["scores"] = draw(st.dictionaries(st.text(max_size=3), st.floats(-1e6, 1e6) | st.integers(-5, 5), max_size=2))
    return box


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    boxes=st.lists(_box_strategy(), max_size=6),
    labels=st.dictionaries(st.integers(0, 12), st.text(min_size=1, max_size=4), max_size=4),
    mask=st.lists(st.integers(0, 255), min_size=6 * 7, max_size=6 * 7),
)
def test_overlays_round_trip_property(boxes: list[dict[str, Any]], labels: dict[int, str], mask: list[int]) -> None:
    store = mk.MemoryStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = mk.Image(
            U8_RGB,
            boxes={"b": {"box_data": boxes, "class_labels": labels}},
            masks={"m": {"mask_data": np.array(mask).reshape(6, 7), "class_labels": labels}},
        )
    desc = check_descriptor(img.encode(store))
    back = mk.decode(desc, store)
    assert back == img
    assert dumps(back.encode(store)) == dumps(desc)
    ids = {b["class_id"] for b in boxes if "class_id" in b}
    assert set(desc["boxes"]["b"].get("unlabeled_ids", [])) == ids - set(labels)


# -- EXIF orientation (issue 11): described, checked and drawn as browsers display the picture ---------


def _exif_file(orientation: int, fmt: str = "JPEG", size: tuple[int, int] = (40, 20)) -> tuple[bytes, np.ndarray]:
    """A file whose stored pixels are ``size`` (w, h) with a red left quarter and a green top
    strip, tagged with ``orientation``; and the pixels as stored."""
    w, h = size
    raw = np.full((h, w, 3), 40, np.uint8)
    raw[:, : w // 4] = (255, 0, 0)
    raw[: h // 4, w // 4 :] = (0, 255, 0)
    im = PILImage.fromarray(raw)
    exif = im.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, fmt, exif=exif.tobytes(), **({"quality": 95, "subsampling": 0} if fmt == "JPEG" else {}))
    return buf.getvalue(), raw


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_gives_the_displayed_picture(orientation: int, fmt: str, mem: mk.Store) -> None:
    from PIL import ImageOps

    blob, _raw = _exif_file(orientation, fmt)
    shown = np.asarray(ImageOps.exif_transpose(PILImage.open(io.BytesIO(blob))).convert("RGB"))
    img = mk.Image(blob)
    np.testing.assert_array_equal(img.pixels, shown)  # Pillow's own reading of the tag agrees
    desc = img.encode(mem)
    assert (desc["height"], desc["width"]) == shown.shape[:2] == ((40, 20) if orientation >= 5 else (20, 40))
    assert desc.get("exif_orientation") == (None if orientation == 1 else orientation)
    assert mem.read(desc["path"]) == blob  # kept byte for byte: browsers turn it themselves
    back = mk.decode(desc, mem)
    assert (back.width, back.height) == (desc["width"], desc["height"])
    np.testing.assert_array_equal(back.pixels, shown)
    assert mk.formats.get(fmt.lower(), kind="image").probe(mk.formats.Source(blob)) == {
        "width": desc["width"], "height": desc["height"], "mode": "RGB", "pages": 1,
        **({"orientation": orientation} if orientation != 1 else {}),
    }  # fmt: skip


def test_exif_orientation_6_jpeg_is_portrait_with_overlays_and_thumbnail(mem: mk.Store) -> None:
    """The issue's case: a 40x20 JPEG tagged 6 (turn 90 degrees clockwise) is a 20x40 picture,
    and masks, boxes and the thumbnail follow what is displayed."""
    blob, raw = _exif_file(6)
    mask = np.zeros((40, 20), np.uint8)
    mask[:10] = 1  # the top quarter as displayed: the raw red left quarter
    box = {"position": {"minX": 0, "maxX": 19, "minY": 30, "maxY": 39}, "domain": "pixel", "class_id": 2}
    img = mk.Image(blob, masks={"m": {"mask_data": mask, "class_labels": {1: "red"}}}, boxes={"b": {"box_data": [box], "class_labels": {2: "car"}}})
    np.testing.assert_array_equal(img.pixels[:10, :, 0] > 200, np.ones((10, 20), bool))  # red on top
    desc = check_descriptor(img.encode(mem))
    assert (desc["width"], desc["height"], desc["exif_orientation"]) == (20, 40, 6)
    assert "outside" not in desc["boxes"]["b"]  # inside the displayed 20x40 picture
    thumb = np.asarray(PILImage.open(io.BytesIO(mk.thumbnail(desc, mem, size=64))).convert("RGB"))
    assert thumb.shape == (40, 20, 3)
    assert thumb[2, 10, 0] > 150 and thumb[2, 10, 1] < 100  # top: the red quarter (mask blended over it)
    assert thumb[20, 5, 0] < 100  # middle: neither red nor masked
    # Masks are checked against the displayed shape: the stored (raw) shape is refused.
    err = raises(ValidationError, r"shape \(20, 40\) does not match the image's \(height, width\) \(40, 20\)",
                 lambda: mk.Image(blob, masks={"m": {"mask_data": np.zeros((20, 40), np.uint8)}}))  # fmt: skip
    assert "masks['m'].mask_data" in str(err)


def test_exif_orientation_is_applied_when_the_file_is_rewritten(mem: mk.Store) -> None:
    blob, _raw = _exif_file(8)
    for kwargs in ({"quality": 80}, {"file_type": "png"}, {"mode": "L"}):
        desc = mk.Image(blob, **kwargs).encode(mem)
        stored = PILImage.open(io.BytesIO(mem.read(desc["path"])))
        assert "exif_orientation" not in desc and stored.getexif().get(0x0112) is None
        assert stored.size == (desc["width"], desc["height"]) == (20, 40)  # written upright
    # Arrays and PIL images are taken as the pixels they are.
    assert mk.Image(PILImage.open(io.BytesIO(blob))).encode(mem)["width"] == 40


def test_a_corrupt_or_out_of_range_orientation_is_ignored(mem: mk.Store) -> None:
    blob, raw = _exif_file(9)
    desc = mk.Image(blob).encode(mem)
    assert (desc["width"], desc["height"]) == (40, 20) and "exif_orientation" not in desc


def test_an_annotated_image_is_the_same_from_any_thread() -> None:
    """From the calling thread its masks are made on a worker while the image is encoded (the
    image's deflate using the other worker for its first part); on a pool thread everything runs
    inline. Same descriptor, same stored files."""
    from mediakit._threads import pool

    rng = np.random.default_rng(4)
    px = (np.indices((512, 512)).sum(0)[..., None] * [1, 2, 3] % 256).astype(np.uint8) + rng.integers(0, 8, (512, 512, 3), dtype=np.uint8)
    labels = {i: f"c{i}" for i in range(6)}
    masks = {name: {"mask_data": rng.integers(0, 6, (512, 512), dtype=np.uint8), "class_labels": labels} for name in ("p", "q")}
    boxes = {"b": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.4}, "class_id": 1}], "class_labels": {1: "a"}}}

    def encode() -> tuple[Any, list[str]]:
        store = mk.MemoryStore()
        order: list[str] = []
        real = store.put

        def put(data: Any, **kw: Any) -> Any:
            ref = real(data, **kw)
            order.append(ref.to_dict()["path"])
            return ref

        store.put = put  # type: ignore[method-assign]
        desc = mk.Image(px, masks=masks, boxes=boxes).encode(store)
        return desc, order

    here = encode()
    there = pool().submit(encode).result(timeout=60)
    assert there[0] == here[0]
    assert sorted(there[1]) == sorted(here[1]) and len(here[1]) == 3
