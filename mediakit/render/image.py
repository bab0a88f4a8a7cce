"""Image thumbnails: the picture scaled to fit, masks blended with the class palette, boxes
drawn with their labels."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from .._errors import LimitError
from .._limits import Limits
from ..formats import raster
from ..geometry import box_pixels
from ..palette import color_for
from ..store import Store
from ._common import fit, font, one_line

MASK_ALPHA = 0.45

#: JPEGs much larger than the thumbnail are decoded at 1/2, 1/4 or 1/8 scale, but never below
#: this many times the target: LANCZOS makes the last step (as sharp as a full decode, within
#: about 1/255 on average; decoding straight at the target size would alias).
DRAFT_GAP = 2

#: Big reductions first shrink by a whole factor with a box filter (``Image.reduce``), leaving
#: LANCZOS at least this factor (Pillow's ``thumbnail`` default; within 1/255 on average of a
#: single LANCZOS pass over the whole picture, at less than half the cost).
REDUCING_GAP = 2.0


#: Box labels longer than this are cut before measuring and drawing.
MAX_LABEL_CHARS = 64

#: Most boxes drawn per group in one thumbnail (more are not legible, only costly).
MAX_DRAWN = 2000


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    n_boxes = sum(len(group["box_data"]) for group in desc.get("boxes", {}).values())
    if n_boxes > limits.max_boxes:
        msg = f"boxes: {n_boxes} boxes exceed the limit of {limits.max_boxes}"
        raise LimitError(msg)
    data = store.read(desc["path"])
    im = raster.probe(data, field="path", max_pixels=limits.max_pixels, max_side=limits.max_side)
    # Decoded once. A JPEG's EXIF is in its header, so its orientation is known before decoding
    # and the decoder can scale by 1/2, 1/4 or 1/8 on the way (draft); it is asked for at least
    # twice the target, so LANCZOS still makes the last step (the DCT scaling alone aliases).
    # Other formats may keep EXIF after the pixels (PNG's eXIf chunk), so they are decoded first
    # (reading their orientation before would decode the whole file a second time).
    if im.format == "JPEG":
        turn = raster.orientation(im)
        w, h = raster.oriented_size(*im.size, turn)
        tw, th = fit(w, h, size)
        if max(tw, th) * DRAFT_GAP <= max(w, h):
            im.draft("RGB", raster.oriented_size(tw * DRAFT_GAP, th * DRAFT_GAP, turn))
        im = _load(im)
    else:
        im = _load(im)
        turn = raster.orientation(im)  # drawn as displayed: masks and boxes are in displayed pixels
        w, h = raster.oriented_size(*im.size, turn)
        tw, th = fit(w, h, size)
    im = raster.oriented(im, turn)
    if im.mode in ("I;16", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        im = PILImage.fromarray(arr.astype(np.uint8))
    mode = "RGBA" if ("A" in im.getbands() or "transparency" in im.info) else "RGB"
    if im.mode != mode:  # (converting to its own mode would copy the whole picture)
        im = im.convert(mode)
    if im.size != (tw, th):
        im = im.resize((tw, th), PILImage.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    for name in sorted(desc.get("masks", {})):
        im = _blend_mask(im, store.read(desc["masks"][name]["path"]), limits)
    if desc.get("boxes"):
        im = _draw_boxes(im, desc["boxes"], w, h)
    return im


def _load(im: PILImage.Image) -> PILImage.Image:
    from .._errors import DecodeError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)  # checked by raster.probe
            im.load()
    except Exception as e:  # Pillow raises many kinds of errors for undecodable data
        msg = f"path: image data could not be decoded ({type(e).__name__}: {e})"
        raise DecodeError(msg) from None
    return im


def _blend_mask(im: PILImage.Image, blob: bytes, limits: Limits) -> PILImage.Image:
    mask = raster.decode_pixels(blob, field="masks.path", max_pixels=limits.max_pixels)
    if mask.ndim != 2:
        mask = mask[..., 0]
    m = PILImage.fromarray(mask.astype(np.uint8)).resize(im.size, PILImage.Resampling.NEAREST)
    ids = np.asarray(m)
    lut = np.array([color_for(i) for i in range(256)], np.uint8)
    color = lut[ids]
    base = np.asarray(im.convert("RGB"), np.float32)
    sel = (ids > 0)[..., None]
    out = np.where(sel, base * (1 - MASK_ALPHA) + color.astype(np.float32) * MASK_ALPHA, base)
    res = PILImage.fromarray(np.rint(out).astype(np.uint8))
    if im.mode == "RGBA":
        res.putalpha(im.getchannel("A"))
    return res


def _draw_boxes(im: PILImage.Image, boxes: dict[str, Any], w: int, h: int) -> PILImage.Image:
    im = im.copy()
    d = ImageDraw.Draw(im)
    sx, sy = im.width / w, im.height / h
    fs = max(8, min(im.size) // 24)
    f = font(fs)
    lw = max(1, min(im.size) // 160)
    for name in sorted(boxes):
        group = boxes[name]
        labels = group.get("class_labels", {})
        for box in group["box_data"][:MAX_DRAWN]:
            x0, y0, x1, y1 = box_pixels(box, w, h)
            x0, x1, y0, y1 = x0 * sx, x1 * sx, y0 * sy, y1 * sy
            cid = box.get("class_id", 0)
            col = color_for(cid) if cid else (255, 255, 255)
            d.rectangle((x0, y0, x1, y1), outline=col, width=lw)
            label = box.get("box_caption") or labels.get(str(cid)) if "class_id" in box else box.get("box_caption")
            if label:
                label = one_line(label[:MAX_LABEL_CHARS])
                tw = d.textlength(label, font=f)
                ty = y0 - fs - 2 if y0 - fs - 2 >= 0 else y0
                d.rectangle((x0, ty, x0 + tw + 4, ty + fs + 2), fill=col)
                d.text((x0 + 2, ty), label, fill=(0, 0, 0) if sum(col) > 380 else (255, 255, 255), font=f)
    return im
