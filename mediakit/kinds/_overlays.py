"""Segmentation masks and bounding boxes that ride on an Image: validation and descriptors.

Input forms follow the trackers' dicts::

    masks={"predictions": {"mask_data": 2-D int array, "class_labels": {1: "tree"}}}
    masks={"ground_truth": {"path": "mask.png", "class_labels": {...}}}
    boxes={"predictions": {"box_data": [{"position": {"minX": .1, "maxX": .2, "minY": .3, "maxY": .4},
                                          "class_id": 2, "box_caption": "car", "scores": {"acc": .9},
                                          "domain": "pixel"}], "class_labels": {2: "car"}}}

Every problem is reported with its path, e.g. ``boxes["predictions"].box_data[3].position.minX``.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .._arrays import is_array_like, to_numpy, warn_user
from .._errors import MediaFileNotFoundError, MediaTypeError, ValidationError, shown
from .._limits import MAX_BOXES, MAX_MASKS
from .._record import Record
from ..geometry import box_extent

_BOX_KEYS = {"position", "class_id", "box_caption", "scores", "domain"}
_MINMAX = ("minX", "maxX", "minY", "maxY")


def _where(group: str, name: str) -> str:
    return f"{group}[{shown(name)}]"


def check_class_labels(labels: Any, where: str) -> dict[int, str]:
    """``{int: str}``; string keys made of digits (from JSON) are accepted."""
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        msg = f"{where}: expected a dict of class id -> label, got {type(labels).__name__}"
        raise MediaTypeError(msg)
    out: dict[int, str] = {}
    for k, v in labels.items():
        key = k
        if isinstance(k, str) and k.lstrip("-").isascii() and k.lstrip("-").isdigit():
            # int() of a 5,000-digit string raises; past 20 significant digits it is out of range anyway
            key = int(k) if len(k.lstrip("-").lstrip("0")) <= 20 else _ID_MAX + 1
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            msg = f"{where}: class ids must be integers, got key {shown(k)}"
            raise MediaTypeError(msg)
        _check_id_range(key, where, k)
        if not isinstance(v, str):
            msg = f"{where}[{shown(k)}]: class labels must be strings, got {type(v).__name__} {shown(v)}"
            raise MediaTypeError(msg)
        out[int(key)] = v
    return dict(sorted(out.items()))


#: Class ids are int64 (JSON readers in other languages, numpy label arrays); a bigger int would
#: not even print (Python refuses int->str past 4,300 digits).
_ID_MAX = 2**63 - 1


def _check_id_range(cid: Any, where: str, given: Any = None) -> None:
    if not -_ID_MAX - 1 <= int(cid) <= _ID_MAX:
        msg = f"{where}: expected a class id from {-_ID_MAX - 1} to {_ID_MAX} (int64), got {shown(cid if given is None else given)}"
        raise ValidationError(msg)


def check_classes(classes: Any) -> dict[int, str]:
    """``classes=[{"id": 1, "name": "tree"}, ...]`` -> ``{1: "tree"}``."""
    if classes is None:
        return {}
    if hasattr(classes, "_class_set"):  # a wandb-style Classes object
        classes = classes._class_set
    if not isinstance(classes, (list, tuple)):
        msg = f"classes: expected a list of {{'id': int, 'name': str}}, got {type(classes).__name__}"
        raise MediaTypeError(msg)
    out: dict[int, str] = {}
    for i, c in enumerate(classes):
        if not isinstance(c, dict) or "id" not in c or "name" not in c:
            msg = f"classes[{i}]: expected {{'id': int, 'name': str}}, got {shown(c)}"
            raise MediaTypeError(msg)
        cid, name = c["id"], c["name"]
        if isinstance(cid, bool) or not isinstance(cid, (int, np.integer)):
            msg = f"classes[{i}].id: expected an int, got {shown(cid)}"
            raise MediaTypeError(msg)
        _check_id_range(cid, f"classes[{i}].id")
        if not isinstance(name, str):
            msg = f"classes[{i}].name: expected a str, got {shown(name)}"
            raise MediaTypeError(msg)
        if int(cid) in out:
            msg = f"classes[{i}].id: class id {shown(int(cid))} appears twice"
            raise ValidationError(msg)
        out[int(cid)] = name
    return dict(sorted(out.items()))


class Mask(Record):
    """One named segmentation mask: a uint8 (H, W) array of class ids plus labels."""

    __slots__ = __match_args__ = ("data", "class_labels", "unlabeled_ids")

    def __init__(self, data: np.ndarray, class_labels: dict[int, str], unlabeled_ids: list[int] | None = None) -> None:
        self.data = data
        self.class_labels = class_labels
        self.unlabeled_ids = [] if unlabeled_ids is None else unlabeled_ids

    def content(self) -> tuple[Any, ...]:
        return (self.data, self.class_labels)


def check_masks(masks: Any, shape: tuple[int, int], classes: dict[int, str]) -> dict[str, Mask]:
    if masks is None:
        return {}
    if not isinstance(masks, dict):
        msg = f"masks: expected a dict of name -> {{'mask_data': array, 'class_labels': dict}}, got {type(masks).__name__}"
        raise MediaTypeError(msg)
    if len(masks) > MAX_MASKS:
        msg = f"masks: at most {MAX_MASKS} masks per image, got {len(masks)}"
        raise ValidationError(msg)
    out: dict[str, Mask] = {}
    for name in masks:
        out[_check_name(name, "masks")] = _check_mask(masks[name], shape, classes, _where("masks", name))
    return dict(sorted(out.items()))


def _check_name(name: Any, group: str) -> str:
    if not isinstance(name, str) or not name:
        msg = f"{group}: names must be non-empty strings, got {shown(name)}"
        raise MediaTypeError(msg)
    return name


def _check_mask(spec: Any, shape: tuple[int, int], classes: dict[int, str], where: str) -> Mask:
    if isinstance(spec, Mask):
        spec = {"mask_data": spec.data, "class_labels": spec.class_labels}
    if not isinstance(spec, dict):
        msg = f"{where}: expected a dict with 'mask_data' (or 'path') and 'class_labels', got {type(spec).__name__}"
        raise MediaTypeError(msg)
    unknown = set(spec) - {"mask_data", "path", "class_labels"}
    if unknown:
        msg = f"{where}: unexpected keys {shown(sorted(unknown, key=shown), 200)} (allowed: 'mask_data', 'path', 'class_labels')"
        raise ValidationError(msg)
    if ("mask_data" in spec) == ("path" in spec):
        msg = f"{where}: give exactly one of 'mask_data' (an array) or 'path' (a PNG file)"
        raise ValidationError(msg)
    if "path" in spec:
        arr = _load_mask_file(spec["path"], f"{where}.path")
    else:
        raw = spec["mask_data"]
        if not (is_array_like(raw) or isinstance(raw, (list, tuple))):
            msg = f"{where}.mask_data: expected a 2-D integer array, got {type(raw).__name__}"
            raise MediaTypeError(msg)
        arr = to_numpy(raw, field=f"{where}.mask_data") if is_array_like(raw) else np.asarray(raw)
    field_name = f"{where}.path" if "path" in spec else f"{where}.mask_data"
    arr = _mask_values(arr, field_name)
    if arr.shape != shape:
        msg = f"{field_name}: shape {arr.shape} does not match the image's (height, width) {shape}"
        raise ValidationError(msg)
    labels = check_class_labels(spec.get("class_labels"), f"{where}.class_labels") or dict(classes)
    missing = _unlabelled_present(arr, labels)
    # Every unlabeled id is reported. Id 0 is conventionally background: it keeps no label and
    # raises no warning; any other id gets the default ``class_<id>`` and a warning.
    named = [v for v in missing if v != 0]
    if named:
        warn_user(f"{where}: class ids {named} have no label; using 'class_<id>'")
        labels = dict(sorted({**labels, **{v: f"class_{v}" for v in named}}.items()))
    return Mask(np.ascontiguousarray(arr), labels, missing)


#: Unlabelled ids up to the mask's maximum that are looked for one by one (a vectorised
#: comparison each, ~10x cheaper than counting every id); more are counted in one pass.
_FEW_UNLABELLED = 4


def _unlabelled_present(arr: np.ndarray, labels: dict[int, str]) -> list[int]:
    """The ids present in ``arr`` (uint8) that ``labels`` does not name, ascending."""
    if not arr.size:
        return []
    top = int(arr.max())
    candidates = [v for v in range(top + 1) if v not in labels]
    if not candidates:
        return []
    if len(candidates) <= _FEW_UNLABELLED:
        return [v for v in candidates if v == top or bool((arr == v).any())]
    present = np.bincount(arr.ravel(), minlength=256)
    return [v for v in candidates if present[v]]


def _mask_values(arr: np.ndarray, where: str) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[:, :, 0]
    if arr.ndim != 2:
        msg = f"{where}: expected a 2-D array (height, width), got shape {arr.shape}"
        raise ValidationError(msg)
    if arr.dtype.kind == "b":
        return arr.astype(np.uint8)
    if arr.dtype == np.uint8:  # every value is a valid class id already: no copy, no scan
        return arr
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or not (arr == np.round(arr)).all():
            msg = f"{where}: expected integer class ids 0-255, got non-integer floats (dtype {arr.dtype})"
            raise ValidationError(msg)
    elif arr.dtype.kind not in "iu":
        msg = f"{where}: expected integer class ids 0-255, got dtype {arr.dtype}"
        raise MediaTypeError(msg)
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        bad = np.argwhere((arr < 0) | (arr > 255))[0]
        msg = f"{where}: class ids must be in 0-255, got {shown(arr[tuple(bad)].item())} at [{bad[0]}, {bad[1]}]"
        raise ValidationError(msg)
    return arr.astype(np.uint8)


def _load_mask_file(path: Any, where: str) -> np.ndarray:
    from ..formats import raster

    if not isinstance(path, (str, os.PathLike)):
        msg = f"{where}: expected a path to a PNG file, got {type(path).__name__}"
        raise MediaTypeError(msg)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        msg = f"{where}: file {os.fspath(path)!r} does not exist"
        raise MediaFileNotFoundError(msg) from None
    except IsADirectoryError:
        msg = f"{where}: {os.fspath(path)!r} is a directory, expected a PNG mask file"
        raise ValidationError(msg) from None
    im = raster.load(data, field=where)
    if im.mode not in ("L", "P", "1", "I", "I;16"):
        msg = f"{where}: expected a single-channel (greyscale or palette) mask image, got mode {im.mode!r}"
        raise ValidationError(msg)
    return np.asarray(im if im.mode != "1" else im.convert("L"))


# -- boxes -----------------------------------------------------------------------------------------


class BoxSet(Record):
    """One named group of boxes; ``boxes`` are normalised dicts (Python numbers only)."""

    __slots__ = __match_args__ = ("boxes", "class_labels", "unlabeled_ids", "outside")

    def __init__(
        self,
        boxes: list[dict[str, Any]],
        class_labels: dict[int, str],
        unlabeled_ids: list[int] | None = None,
        outside: list[int] | None = None,
    ) -> None:
        self.boxes = boxes
        self.class_labels = class_labels
        self.unlabeled_ids = [] if unlabeled_ids is None else unlabeled_ids
        self.outside = [] if outside is None else outside

    def content(self) -> tuple[Any, ...]:
        return (self.boxes, self.class_labels)


def check_boxes(boxes: Any, size: tuple[int, int], classes: dict[int, str]) -> dict[str, BoxSet]:
    """``size`` is (width, height) of the image."""
    if boxes is None:
        return {}
    if not isinstance(boxes, dict):
        msg = f"boxes: expected a dict of name -> {{'box_data': [...], 'class_labels': dict}}, got {type(boxes).__name__}"
        raise MediaTypeError(msg)
    out: dict[str, BoxSet] = {}
    total = 0
    for name in boxes:
        where = _where("boxes", _check_name(name, "boxes"))
        spec = boxes[name]
        if isinstance(spec, BoxSet):
            spec = {"box_data": spec.boxes, "class_labels": spec.class_labels}
        if not isinstance(spec, dict):
            msg = f"{where}: expected a dict with 'box_data' and 'class_labels', got {type(spec).__name__}"
            raise MediaTypeError(msg)
        unknown = set(spec) - {"box_data", "class_labels"}
        if unknown:
            msg = f"{where}: unexpected keys {shown(sorted(unknown, key=shown), 200)} (allowed: 'box_data', 'class_labels')"
            raise ValidationError(msg)
        data = spec.get("box_data")
        if not isinstance(data, (list, tuple)):
            msg = f"{where}.box_data: expected a list of boxes, got {type(data).__name__}"
            raise MediaTypeError(msg)
        total += len(data)
        if total > MAX_BOXES:
            msg = f"{where}.box_data: at most {MAX_BOXES} boxes per image, got {total}"
            raise ValidationError(msg)
        labels = check_class_labels(spec.get("class_labels"), f"{where}.class_labels") or dict(classes)
        checked = [_plain_box(b) or _check_box(b, f"{where}.box_data[{i}]") for i, b in enumerate(data)]
        ids = sorted({b["class_id"] for b in checked if "class_id" in b})
        missing = [i for i in ids if i not in labels]
        if missing:
            warn_user(f"{where}: class ids {shown(missing, 200)} have no label; using 'class_<id>'")
            labels = dict(sorted({**labels, **{i: f"class_{i}" for i in missing}}.items()))
        outside = [i for i, b in enumerate(checked) if _is_outside(b, size)]
        if outside:
            warn_user(
                f"{where}: boxes {outside[:10]}{'...' if len(outside) > 10 else ''} lie partly or wholly outside the image; kept as given"
            )
        out[name] = BoxSet(checked, labels, missing, outside)
    return dict(sorted(out.items()))


def _number(v: Any, where: str) -> float | int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        msg = f"{where}: expected a number, got {type(v).__name__} {shown(v)}"
        raise MediaTypeError(msg)
    x = v.item() if isinstance(v, np.generic) else v
    if isinstance(x, float) and not math.isfinite(x):
        msg = f"{where}: expected a finite number, got {shown(x)}"
        raise ValidationError(msg)
    return x


_MINMAX_KEYS = frozenset(_MINMAX)
_BOX_KEYSET = frozenset(_BOX_KEYS)


def _plain(v: Any) -> bool:
    """A plain finite Python number (what JSON gives and most code passes)."""
    c = v.__class__
    return c is int or (c is float and v - v == 0)


def _plain_box(box: Any) -> dict[str, Any] | None:
    """The common case of :func:`_check_box` without building any field path: a plain dict
    with a min/max position of plain numbers and plain optional fields. Returns the same
    normalised box, or ``None`` when anything is unusual or wrong (then ``_check_box`` decides
    and names the field)."""
    if box.__class__ is not dict or not box.keys() <= _BOX_KEYSET:
        return None
    pos = box.get("position")
    if pos.__class__ is not dict or pos.keys() != _MINMAX_KEYS:
        return None
    x0, x1, y0, y1 = pos["minX"], pos["maxX"], pos["minY"], pos["maxY"]
    if not (_plain(x0) and _plain(x1) and _plain(y0) and _plain(y1) and x0 <= x1 and y0 <= y1):
        return None
    out: dict[str, Any] = {"position": {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}}
    domain = box.get("domain")
    if domain is not None:
        if domain != "pixel":
            return None
        out["domain"] = "pixel"
    cid = box.get("class_id")
    if cid is not None:
        if cid.__class__ is not int or not -_ID_MAX - 1 <= cid <= _ID_MAX:
            return None
        out["class_id"] = cid
    caption = box.get("box_caption")
    if caption is not None:
        if caption.__class__ is not str:
            return None
        out["box_caption"] = caption
    scores = box.get("scores")
    if scores is not None:
        if scores.__class__ is not dict:
            return None
        for k, v in scores.items():
            if k.__class__ is not str or not _plain(v):
                return None
        out["scores"] = dict(sorted(scores.items()))
    return out


def _check_box(box: Any, where: str) -> dict[str, Any]:
    if not isinstance(box, dict):
        msg = f"{where}: expected a dict with 'position', got {type(box).__name__}"
        raise MediaTypeError(msg)
    unknown = set(box) - _BOX_KEYS
    if unknown:
        msg = f"{where}: unexpected keys {shown(sorted(unknown, key=shown), 200)} (allowed: {sorted(_BOX_KEYS)})"
        raise ValidationError(msg)
    if "position" not in box:
        msg = f"{where}: missing 'position'"
        raise ValidationError(msg)
    pos = box["position"]
    if not isinstance(pos, dict):
        msg = f"{where}.position: expected a dict, got {type(pos).__name__}"
        raise MediaTypeError(msg)
    out: dict[str, Any] = {}
    keys = set(pos)
    if keys == set(_MINMAX):
        p = {k: _number(pos[k], f"{where}.position.{k}") for k in _MINMAX}
        for lo, hi in (("minX", "maxX"), ("minY", "maxY")):
            if p[lo] > p[hi]:
                msg = f"{where}.position.{lo}: {lo} ({shown(p[lo])}) must be <= {hi} ({shown(p[hi])})"
                raise ValidationError(msg)
        out["position"] = p
    elif keys == {"middle", "width", "height"}:
        mid = pos["middle"]
        if not isinstance(mid, (list, tuple, np.ndarray)) or len(mid) != 2:
            msg = f"{where}.position.middle: expected [x, y], got {shown(mid)}"
            raise ValidationError(msg)
        m = [_number(mid[0], f"{where}.position.middle[0]"), _number(mid[1], f"{where}.position.middle[1]")]
        wd = _number(pos["width"], f"{where}.position.width")
        ht = _number(pos["height"], f"{where}.position.height")
        for k, v in (("width", wd), ("height", ht)):
            if v < 0:
                msg = f"{where}.position.{k}: expected a number >= 0, got {shown(v)}"
                raise ValidationError(msg)
        out["position"] = {"middle": m, "width": wd, "height": ht}
    else:
        msg = (
            f"{where}.position: expected keys {{minX, maxX, minY, maxY}} or {{middle, width, height}}, "
            f"got {shown(sorted(keys, key=shown), 200)}"
        )
        raise ValidationError(msg)
    if "domain" in box and box["domain"] is not None:
        if box["domain"] != "pixel":
            msg = f"{where}.domain: expected 'pixel' or None (fractions of the image), got {shown(box['domain'])}"
            raise ValidationError(msg)
        out["domain"] = "pixel"
    if "class_id" in box and box["class_id"] is not None:
        cid = box["class_id"]
        if isinstance(cid, (bool, np.bool_)) or not isinstance(cid, (int, np.integer)):
            msg = f"{where}.class_id: expected an int, got {type(cid).__name__} {shown(cid)}"
            raise MediaTypeError(msg)
        _check_id_range(cid, f"{where}.class_id")
        out["class_id"] = int(cid)
    if "box_caption" in box and box["box_caption"] is not None:
        if not isinstance(box["box_caption"], str):
            msg = f"{where}.box_caption: expected a str, got {type(box['box_caption']).__name__}"
            raise MediaTypeError(msg)
        out["box_caption"] = box["box_caption"]
    if "scores" in box and box["scores"] is not None:
        scores = box["scores"]
        if not isinstance(scores, dict):
            msg = f"{where}.scores: expected a dict of name -> number, got {type(scores).__name__}"
            raise MediaTypeError(msg)
        checked: dict[str, float | int] = {}
        for k, v in scores.items():
            if not isinstance(k, str):
                msg = f"{where}.scores: names must be strings, got {shown(k)}"
                raise MediaTypeError(msg)
            checked[k] = _number(v, f"{where}.scores[{shown(k)}]")
        out["scores"] = dict(sorted(checked.items()))
    return out


def _is_outside(box: dict[str, Any], size: tuple[int, int]) -> bool:
    x0, y0, x1, y1 = box_extent(box)
    w, h = (size if box.get("domain") == "pixel" else (1, 1))
    return x0 < 0 or y0 < 0 or x1 > w or y1 > h


def labels_json(labels: dict[int, str]) -> dict[str, str]:
    return {str(k): v for k, v in sorted(labels.items())}
