"""Image: pixels (PNG/JPEG/WebP/BMP, or a kept file) with optional masks and boxes.

Backend: numpy + Pillow (core). Input forms: numpy arrays and array-likes (torch/jax/tf via
``__array__``/``.numpy()``, never imported), ``PIL.Image``, a path (kept byte-for-byte), bytes or
a binary file object (kept), a matplotlib figure or the ``pyplot`` module (rendered), or another
``Image``.
"""

from __future__ import annotations

import io
import os
import types
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np

from .. import formats
from .._arrays import check_normalize, is_array_like, to_numpy, to_pixels, warn_user
from .._errors import MediaTypeError, ValidationError, shown
from .._limits import MAX_PIXELS, MAX_SIDE
from ..formats import raster
from ..store import Store
from . import _overlays as ov
from ._base import FileKind, check_caption, has_read, is_bytes, is_path, pick_adapter

FileType = Literal["png", "jpeg", "jpg", "webp", "bmp"]


def _writable() -> dict[str, str]:
    """``file_type=`` names (aliases included) -> format, for the image formats mediakit writes."""

    def build() -> dict[str, str]:
        out: dict[str, str] = {}
        for spec in formats.by_kind("image", stored=True):
            if spec.for_kind("image").encode is not None:
                out.update({name: spec.name for name in (spec.name, *spec.aliases)})
        return out

    result: dict[str, str] = formats.derived("image.writable", build)
    return result
_MODES = ("L", "LA", "RGB", "RGBA", "I;16")
_CHANNELS_OK = (1, 3, 4)


class Image(FileKind):
    """An image with optional segmentation masks and bounding boxes.

    Parameters
    ----------
    data:
        Array ``(H, W)``, ``(H, W, 1|3|4)`` or channel-first ``(1|3|4, H, W)``; array-like;
        ``PIL.Image``; path; bytes; binary file object; matplotlib figure or ``pyplot``;
        another :class:`Image`.
    mode:
        Convert to this Pillow mode (``L``, ``LA``, ``RGB``, ``RGBA``, ``I;16``).
    caption, grouping:
        Free text and an integer group, kept in the descriptor.
    classes:
        ``[{"id": int, "name": str}, ...]`` shared by masks and boxes without their own labels.
    boxes, masks:
        See :mod:`mediakit.kinds._overlays`.
    file_type:
        ``png`` (default for arrays), ``jpeg``/``jpg``, ``webp`` or ``bmp``. Files keep their own
        format unless this asks for another; formats that are not web-ready (TIFF, ...) and
        animated or multi-page files are stored as PNG.
    page:
        For a multi-page or animated file (TIFF stack, animated GIF/WebP): the page (frame) to
        take, from 0. Without it the first page is taken with a warning naming the page count.
    layout:
        ``"auto"`` (channel-first only when unambiguous), ``"HWC"`` or ``"CHW"``.
    normalize:
        ``"auto"``, ``"clip"``, ``"minmax"`` or ``"none"`` for float and wide-integer pixels; the
        tracker's bools are accepted (``True`` = ``"auto"``, ``False`` = ``"none"``).
    quality:
        JPEG/WebP quality (default 90; WebP 100 is lossless). Given for a JPEG or WebP file, the
        file is re-encoded at that quality instead of being kept.

    Raises
    ------
    MediaTypeError, ValidationError, DecodeError, LimitError, MediaFileNotFoundError
    """

    TYPE: ClassVar[str] = "image"
    VERSION: ClassVar[int] = 1

    def __init__(
        self,
        data: Any,
        *,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Any = None,
        boxes: Any = None,
        masks: Any = None,
        file_type: FileType | None = None,
        layout: Literal["auto", "HWC", "CHW"] = "auto",
        normalize: Literal["auto", "clip", "minmax", "none"] | bool = "auto",
        quality: int | None = None,
        page: int | None = None,
    ) -> None:
        if isinstance(normalize, bool):  # the tracker's spelling: True maps values, False keeps them
            normalize = "auto" if normalize else "none"
        check_normalize(normalize)
        if layout not in ("auto", "HWC", "CHW"):
            msg = f"layout: expected 'auto', 'HWC' or 'CHW', got {shown(layout)}"
            raise ValidationError(msg)
        writable = _writable()
        if file_type is not None and (not isinstance(file_type, str) or file_type not in writable):
            msg = f"file_type: expected one of {sorted(writable)}, got {shown(file_type)}"
            raise ValidationError(msg)
        if page is not None and (isinstance(page, bool) or not isinstance(page, (int, np.integer)) or page < 0):
            msg = f"page: expected an int >= 0 or None, got {type(page).__name__} {shown(page)}"
            raise (MediaTypeError if not isinstance(page, (int, np.integer)) or isinstance(page, bool) else ValidationError)(msg)
        if mode is not None and mode not in _MODES:
            msg = f"mode: expected one of {_MODES}, got {shown(mode)}"
            raise ValidationError(msg)
        if quality is not None and (isinstance(quality, bool) or not isinstance(quality, (int, np.integer))):
            msg = f"quality: expected an int from 1 to 100, got {type(quality).__name__} {shown(quality)}"
            raise MediaTypeError(msg)
        if quality is not None and not 1 <= quality <= 100:
            msg = f"quality: expected an int from 1 to 100, got {shown(quality)}"
            raise ValidationError(msg)
        if grouping is not None and (isinstance(grouping, bool) or not isinstance(grouping, (int, np.integer))):
            msg = f"grouping: expected an int or None, got {type(grouping).__name__} {shown(grouping)}"
            raise MediaTypeError(msg)

        self._pixels: np.ndarray | None = None
        self._mode_wanted: str | None = None  # set by decode: the mode the descriptor names
        self._bit_depth: int | None = None  # known without the pixels (big kept files)
        self._file: bytes | None = None
        self._file_format: str | None = None
        self._orientation = 1  # the kept file's EXIF orientation (pixels and sizes are as displayed)
        self.normalize_applied: str | None = None
        inherited: dict[str, Any] = {}

        adapter = _adapter_for(data)
        if page is not None and adapter not in (_from_path, _from_bytes, _from_fileobj):
            msg = f"page: applies to multi-page files only, got it with {type(data).__name__} data"
            raise ValidationError(msg)
        adapter(self, data, layout=layout, normalize=normalize, inherited=inherited, page=None if page is None else int(page))

        self.caption = check_caption(caption if caption is not None else inherited.get("caption"))
        self.grouping = int(grouping) if grouping is not None else inherited.get("grouping")
        self.quality = int(quality) if quality is not None else None

        if mode is not None:
            self._convert_mode(mode)
        self.file_type = self._choose_format(writable.get(file_type) if file_type else None)

        self.classes = ov.check_classes(classes) if classes is not None else inherited.get("classes", {})
        shape = (self.height, self.width)
        self.masks = ov.check_masks(masks, shape, self.classes) if masks is not None else inherited.get("masks", {})
        self.boxes = (
            ov.check_boxes(boxes, (self.width, self.height), self.classes) if boxes is not None else inherited.get("boxes", {})
        )

    # -- properties -----------------------------------------------------------------------------
    @property
    def pixels(self) -> np.ndarray:
        """The decoded pixels: uint8 (or uint16) ``(H, W)`` or ``(H, W, C)``."""
        if self._pixels is None:
            assert self._file is not None  # internal invariant: every adapter sets pixels or a file
            px = raster.decode_pixels(self._file, field="data")
            wanted = self._mode_wanted
            if wanted is not None and px.dtype == np.uint8 and wanted != "I;16" and _mode_of(px) != wanted:
                # WebP stores grey as RGB and drops an all-opaque alpha: give back the pixels the
                # descriptor describes, keeping the stored file as it is.
                from PIL import Image as PILImage

                px = np.asarray(PILImage.fromarray(px).convert(wanted))
            self._pixels = px
        return self._pixels

    @property
    def format(self) -> str:
        return self.file_type

    def to_pil(self) -> Any:
        """The pixels as a ``PIL.Image`` (16-bit grey as ``I;16``)."""
        from PIL import Image as PILImage

        if self.pixels.dtype == np.uint16 and self.pixels.ndim == 3:
            msg = f"to_pil: Pillow has no 16-bit {self.mode} mode; use .pixels (uint16, shape {self.pixels.shape})"
            raise ValidationError(msg)
        return PILImage.fromarray(self.pixels)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={len(v)}" for k, v in (("masks", self.masks), ("boxes", self.boxes)) if v)
        return f"Image({self.width}x{self.height} {self.mode} {self.file_type}{extra}, caption={self.caption!r})"

    # -- input adapters --------------------------------------------------------------------------
    def _set_array(self, arr: np.ndarray, *, layout: str, normalize: str) -> None:
        self._set_hwc(_to_hwc(arr, layout), normalize=normalize)

    def _set_hwc(self, arr: np.ndarray, *, normalize: str = "auto") -> None:
        # Pixels already in (H, W[, C]) order: decoded files and PIL images (which may be LA).
        px, applied = to_pixels(arr, normalize)
        if px.ndim == 3 and px.shape[2] == 1:
            px = px[:, :, 0]
        _check_size(px.shape[1], px.shape[0])
        self._pixels = np.ascontiguousarray(px)
        self.normalize_applied = applied
        self._set_geometry()

    def _set_file(self, source: formats.Source, *, page: int | None, normalize: str = "auto") -> None:
        """Read a media file: probe and decode it once. Web-ready single-page files are kept
        byte-for-byte; other formats and multi-page/animated files keep the chosen page's pixels
        (stored as PNG)."""
        field = source.where
        spec = formats.sniff(source.head(64), kind="image")
        spec = spec.for_kind("image") if spec is not None else None
        if spec is not None and spec.stored and spec.name in ("png", "jpeg") and not page:
            big = raster.check_big_file(source.read(), spec.name, field=field)
            if big is not None:
                # Proven whole in bounded memory; its pixels are decoded only if asked for.
                self._file = source.read()
                self._file_format = spec.name
                self._orientation = big.orientation
                self._mode_wanted = big.mode
                self._bit_depth = big.bit_depth
                self.width, self.height, self.mode = big.width, big.height, big.mode
                return
        if spec is not None and spec.decode is not None:
            px, pages = spec.decode(source, page=page)
        else:  # no signature of ours: whatever else Pillow reads (PPM, TGA, ICO, ...), or its error
            px, pages = raster.decode_source(source, page=page)
        if pages > 1 and page is None:
            warn_user(f"{field}: the file has {pages} pages (frames); the first is taken. Pass page= to choose another, or log it as a Video")
        keep = spec is not None and spec.stored and pages == 1
        if not keep:
            self._set_hwc(px, normalize=normalize)
            return
        # The whole file was decoded once (a truncated file is an error now, not in a viewer
        # later); 16-bit colour PNGs stay at 16 bits.
        assert spec is not None
        self._pixels = px  # as displayed: the EXIF orientation applied
        self._file = source.read()
        self._file_format = spec.name
        self._orientation = raster.file_orientation(self._file)
        self._set_geometry()

    def _set_geometry(self) -> None:
        px = self._pixels
        assert px is not None  # internal invariant: called after pixels are set
        self.height, self.width = int(px.shape[0]), int(px.shape[1])
        self.mode = _mode_of(px)

    def _convert_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        from PIL import Image as PILImage

        if mode == "I;16" or self.pixels.dtype == np.uint16:
            depth = "16-bit " if self.pixels.dtype == np.uint16 else ""
            msg = f"mode: cannot convert a {depth}{self.mode} image to {shown(mode)} without losing data; convert the array yourself"
            raise ValidationError(msg)
        im = PILImage.fromarray(self.pixels).convert(mode)
        self._pixels = np.asarray(im)
        self._file = None
        self._file_format = None
        self._orientation = 1
        self._set_geometry()

    def _choose_format(self, requested: str | None) -> str:
        fmt = requested or self._file_format or "png"
        if self._file is not None and (fmt != self._file_format or (self.quality is not None and fmt in ("jpeg", "webp"))):
            # Transcode at encode time: another format, or an explicit quality for a lossy one
            # (keeping the file would silently ignore it). The pixels are upright already.
            self._file = None
            self._orientation = 1
        if self._file is None:
            if self.pixels.dtype == np.uint16 and fmt != "png":
                msg = f"file_type: 16-bit images can only be stored as png, got {shown(fmt)}"
                raise ValidationError(msg)
            if fmt in ("jpeg", "bmp") and self.mode in ("RGBA", "LA"):
                # JPEG has no alpha; Pillow writes 32-bit BMPs that readers (Pillow included)
                # load without it. Dropping it loudly beats storing a file that silently lost it.
                warn_user(f"file_type={shown(fmt)} cannot hold transparency: the alpha channel is dropped")
                self._pixels = np.ascontiguousarray(self.pixels[:, :, :-1] if self.mode == "RGBA" else self.pixels[:, :, 0])
                self._set_geometry()
            if fmt == "gif":
                fmt = "png"
        return fmt

    # -- encode / decode -------------------------------------------------------------------------
    def _encode(self, store: Store) -> dict[str, Any]:
        spec = formats.derived("image.spec." + self.file_type, lambda: formats.get(self.file_type, kind="image").for_kind("image"))
        masks: dict[str, Any] = {}
        if self._file is not None:
            blob = self._file
        else:
            assert spec.encode is not None  # file_type was checked against the writable formats
            from .._threads import in_pool, pool

            if self.masks and not in_pool():
                # The masks' PNGs are made on a worker thread while this one encodes the image
                # (whose deflate puts part of itself on another worker): every core for an
                # annotated image. The files are stored here, on the calling thread.
                from ..formats.png import encode_png

                job = pool().submit(lambda: [encode_png(m.data) for m in self.masks.values()])
                try:
                    blob = spec.encode(self.pixels, quality=self.quality)
                except BaseException:
                    job.cancel()  # if not started yet; a running encode only makes bytes
                    raise
                made = job.result()
                masks = {name: _mask_desc(m, store, data) for (name, m), data in zip(self.masks.items(), made)}
            else:
                blob = spec.encode(self.pixels, quality=self.quality)
        ref = store.put(blob, suffix=spec.suffix)
        desc = {
            **self._header(),
            **ref.to_dict(),
            "format": self.file_type,
            "width": self.width,
            "height": self.height,
            "mode": self.mode,
            "bit_depth": self._bit_depth if self._pixels is None and self._bit_depth else 16 if self.pixels.dtype == np.uint16 else 8,
            "caption": self.caption,
        }
        if self.grouping is not None:
            desc["grouping"] = self.grouping
        if self._orientation != 1:
            desc["exif_orientation"] = self._orientation
        if self.normalize_applied is not None:
            desc["normalize"] = self.normalize_applied
        if self.classes:
            desc["classes"] = [{"id": k, "name": v} for k, v in self.classes.items()]
        if self.masks:
            desc["masks"] = masks or {name: _mask_desc(m, store) for name, m in self.masks.items()}
        if self.boxes:
            desc["boxes"] = {
                name: {
                    "box_data": b.boxes,
                    "class_labels": ov.labels_json(b.class_labels),
                    **({"unlabeled_ids": b.unlabeled_ids} if b.unlabeled_ids else {}),
                    **({"outside": b.outside} if b.outside else {}),
                }
                for name, b in self.boxes.items()
            }
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Image:
        """Rebuild from a validated descriptor without re-running the constructor: geometry and
        metadata come from the descriptor, the stored file is kept as it is and its pixels are
        decoded on first use; masks are decoded (their shape is checked against the image)."""
        obj = cls.__new__(cls)
        obj._file = store.read(desc["path"])
        obj._file_format = desc["format"]
        obj._orientation = desc.get("exif_orientation", 1)
        obj._pixels = None
        obj._mode_wanted = desc["mode"]
        obj._bit_depth = desc.get("bit_depth")
        obj.normalize_applied = desc.get("normalize")
        obj.width, obj.height, obj.mode = desc["width"], desc["height"], desc["mode"]
        obj.caption, obj.grouping, obj.quality = desc.get("caption"), desc.get("grouping"), None
        obj.file_type = desc["format"]
        obj.classes = ov.check_classes(desc.get("classes"))
        masks = {
            name: {
                "mask_data": raster.decode_pixels(store.read(m["path"]), field=f"masks[{shown(name)}].path"),
                "class_labels": _given_labels(m),
            }
            for name, m in desc.get("masks", {}).items()
        }
        boxes = {name: {"box_data": b["box_data"], "class_labels": _given_labels(b)} for name, b in desc.get("boxes", {}).items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings were given when the image was made
            obj.masks = ov.check_masks(masks or None, (obj.height, obj.width), obj.classes)
            obj.boxes = ov.check_boxes(boxes or None, (obj.width, obj.height), obj.classes)
        return obj

    def _content(self) -> tuple[Any, ...]:
        return (
            self.pixels,
            self.caption,
            self.grouping,
            self.classes,
            {k: m.content() for k, m in self.masks.items()},
            {k: b.content() for k, b in self.boxes.items()},
        )


def _mode_of(px: np.ndarray) -> str:
    """The mode names the channels; 16-bit colour keeps its RGB/RGBA name (Pillow has no 16-bit
    colour mode) and its depth lives in the pixels and the PNG file."""
    c = 1 if px.ndim == 2 else px.shape[2]
    return {1: "I;16" if px.dtype == np.uint16 else "L", 2: "LA", 3: "RGB", 4: "RGBA"}[c]


def _given_labels(group: dict[str, Any]) -> dict[str, str]:
    """A mask's or box group's labels without the ``class_<id>`` defaults filled in at encode
    time, so that decoding and encoding again reproduces ``unlabeled_ids``."""
    defaulted = set(group.get("unlabeled_ids", ()))
    return {k: v for k, v in group["class_labels"].items() if int(k) not in defaulted}


def _mask_desc(m: ov.Mask, store: Store, data: bytes | None = None) -> dict[str, Any]:
    """A mask's descriptor, its PNG (``data``, or made here) stored."""
    from ..formats.png import encode_png

    ref = store.put(encode_png(m.data) if data is None else data, suffix=".png")
    out = {**ref.to_dict(), "class_labels": ov.labels_json(m.class_labels)}
    if m.unlabeled_ids:
        out["unlabeled_ids"] = m.unlabeled_ids
    return out


# -- shape rules -------------------------------------------------------------------------------


def _to_hwc(arr: np.ndarray, layout: str) -> np.ndarray:
    shape = arr.shape
    if arr.ndim == 2:
        return arr
    if arr.ndim != 3:
        msg = (
            f"data: expected an image of shape (H, W), (H, W, C) or (C, H, W) with C in {_CHANNELS_OK}, "
            f"got shape {shape}" + ("; for a batch, pass a list of Images" if arr.ndim == 4 else "")
        )
        raise ValidationError(msg)
    first, last = shape[0] in _CHANNELS_OK, shape[2] in _CHANNELS_OK
    if layout == "auto" and shape[2] == 2:
        # (H, W, 2) reads as grey + alpha, which arrays cannot carry; guessing channel-first
        # instead would turn it into a sliver of an image.
        msg = (
            f"data: shape {shape} has 2 values per pixel in the last axis (grey + alpha arrays are not accepted: "
            "pass (H, W, 4) RGBA, or layout='CHW' if the channels come first)"
        )
        raise ValidationError(msg)
    if layout == "HWC" or (layout == "auto" and last and not first):
        if not last:
            msg = f"data: layout='HWC' needs 1, 3 or 4 channels in the last axis, got shape {shape}"
            raise ValidationError(msg)
        return arr
    if layout == "CHW" or (layout == "auto" and first and not last):
        if not first:
            msg = f"data: layout='CHW' needs 1, 3 or 4 channels in the first axis, got shape {shape}"
            raise ValidationError(msg)
        return np.moveaxis(arr, 0, -1)
    if first and last:
        msg = f"data: shape {shape} is ambiguous (channels first or last?); pass layout='HWC' or layout='CHW'"
        raise ValidationError(msg)
    msg = f"data: expected 1, 3 or 4 channels in the first or last axis, got shape {shape}"
    raise ValidationError(msg)


def _check_size(w: int, h: int) -> None:
    if w < 1 or h < 1:
        msg = f"data: image has no pixels (width {w}, height {h})"
        raise ValidationError(msg)
    if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        from .._errors import LimitError

        msg = f"data: image of {w}x{h} exceeds the limits (side <= {MAX_SIDE}, pixels <= {MAX_PIXELS})"
        raise LimitError(msg)


# -- the input adapter table ---------------------------------------------------------------------

Adapter = Callable[..., None]


def _from_image(self: Image, data: Image, *, inherited: dict[str, Any], **_: Any) -> None:
    self._pixels = data._pixels
    self._file = data._file
    self._file_format = data._file_format
    self._orientation = data._orientation
    self._mode_wanted = data._mode_wanted
    self._bit_depth = data._bit_depth
    self.normalize_applied = data.normalize_applied
    self.width, self.height, self.mode = data.width, data.height, data.mode
    inherited.update(caption=data.caption, grouping=data.grouping, classes=data.classes, masks=data.masks, boxes=data.boxes)


def _from_pil(self: Image, data: Any, **_: Any) -> None:
    self._set_hwc(raster.pil_to_array(data))


def _from_array(self: Image, data: Any, *, layout: str, normalize: str, **_: Any) -> None:
    self._set_array(to_numpy(data), layout=layout, normalize=normalize)


def _from_path(self: Image, data: str | os.PathLike[str], *, page: int | None, normalize: str, **_: Any) -> None:
    self._set_file(formats.Source(data, what="image"), page=page, normalize=normalize)


def _from_bytes(self: Image, data: bytes | bytearray | memoryview, *, page: int | None, normalize: str, **_: Any) -> None:
    self._set_file(formats.Source(data), page=page, normalize=normalize)


def _from_fileobj(self: Image, data: Any, *, page: int | None, normalize: str, **_: Any) -> None:
    self._set_file(formats.Source(data), page=page, normalize=normalize)


def _from_figure(self: Image, data: Any, **_: Any) -> None:
    fig = data.gcf() if isinstance(data, types.ModuleType) else data
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    self._set_hwc(raster.pil_to_array(raster.load(buf.getvalue(), field="data (figure)")))


def _is_pil(x: Any) -> bool:
    return type(x).__module__.startswith("PIL.") and hasattr(x, "getbands")


def _is_figure(x: Any) -> bool:
    if isinstance(x, types.ModuleType):
        return x.__name__ == "matplotlib.pyplot"
    return type(x).__module__.startswith("matplotlib") and hasattr(x, "savefig")


_ADAPTERS: tuple[tuple[Callable[[Any], bool], Adapter], ...] = (
    (lambda x: isinstance(x, Image), _from_image),
    (_is_pil, _from_pil),
    (_is_figure, _from_figure),
    (is_path, _from_path),
    (is_bytes, _from_bytes),
    (has_read, _from_fileobj),
    (is_array_like, _from_array),
    (lambda x: isinstance(x, (list, tuple)), _from_array),
)


def _adapter_for(data: Any) -> Adapter:
    expected = "a numpy array or array-like, PIL.Image, path, bytes, binary file object, matplotlib figure or Image"
    return pick_adapter(_ADAPTERS, data, expected=expected)
