"""Point clouds and ``lidar/beta`` scenes for :class:`~mediakit.Object3D`: validation and
normalisation of points, 3-D boxes and vectors, and :func:`box3d`.

Backend: numpy (core). Every check names the failing field (``data[12, 4]``,
``boxes[0].color[1]``, ``vectors[2].end``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._arrays import is_array_like, to_numpy, warn_user
from .._errors import LimitError, MediaTypeError, ValidationError, shown
from .._hashing import prehashed
from .._limits import DEFAULT_LIMITS, MAX_BOXES
from .._threads import in_pool
from ._obj3d_fill import CATEGORY_RANGE, _category_lut, _column_bounds, _fill_hashing, _fill_slice, _slices

if TYPE_CHECKING:
    from ..store import FileRef, Store

#: Largest point count accepted (the server-side render limit).
MAX_POINTS = DEFAULT_LIMITS.max_points
MAX_VECTORS = MAX_BOXES
SCENE_TYPE = "lidar/beta"
SCENE_KEYS = ("boxes", "points", "type", "vectors")
BOX_KEYS = ("color", "corners", "label", "score")
VECTOR_KEYS = ("end", "start")
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass
class Points:
    """A normalised point cloud: float32 positions and optional uint8 colours or categories.

    Made by :func:`check_points`, the arrays are read-only views into ``ply``, the immutable
    bytes of the binary PLY that will be stored (the input is cast straight into the file's
    records, which are then frozen into bytes). ``digest`` pairs those bytes (the very object)
    with their sha256 when it was computed during the fill (big clouds), for the store.
    """

    xyz: np.ndarray  # (N, 3) float32
    rgb: np.ndarray | None = None  # (N, 3) uint8
    category: np.ndarray | None = None  # (N,) uint8 in CATEGORY_RANGE
    ply: bytes | None = None  # the whole PLY file, when built
    box: tuple[np.ndarray, np.ndarray] | None = None  # cached bounds
    digest: tuple[bytes, str] | None = None  # (the hashed bytes object, its sha256 hex)

    @property
    def colors(self) -> str:
        return "rgb" if self.rgb is not None else "category" if self.category is not None else "none"

    def __len__(self) -> int:
        return len(self.xyz)

    def as_array(self) -> np.ndarray:
        """``(N, 3)``, ``(N, 4)`` or ``(N, 6)`` float32, the shape the points were given in."""
        cols = [self.xyz]
        if self.category is not None:
            cols.append(self.category[:, None].astype(np.float32))
        if self.rgb is not None:
            cols.append(self.rgb.astype(np.float32))
        return np.ascontiguousarray(np.hstack(cols)) if len(cols) > 1 else np.array(self.xyz)  # a copy: never the file's bytes

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        if len(self.xyz) == 0:
            return None
        if self.box is None:
            self.box = _column_bounds(self.xyz)
        return self.box

    def put(self, store: Store, suffix: str) -> FileRef:
        """Store the PLY, handing over the digest computed while it was filled (if any): the
        store uses it only for that very bytes object, and hashes anything else itself."""
        blob = self.to_ply()
        if self.digest is None:
            return store.put(blob, suffix=suffix)
        with prehashed(*self.digest):
            return store.put(blob, suffix=suffix)

    def to_ply(self) -> bytes:
        """The binary PLY bytes (float32 xyz, uint8 rgb; categories also as palette colours)."""
        if self.ply is not None:
            return self.ply
        from ..formats.ply import write_points

        rgb = _category_lut()[self.category] if self.category is not None else self.rgb
        return write_points(self.xyz, rgb, self.category)


def _where(field: str, idx: tuple[int, ...]) -> str:
    return f"{field}[{', '.join(str(int(i)) for i in idx)}]"


def _as_point_array(data: Any, field: str) -> np.ndarray:
    if isinstance(data, (list, tuple)):
        try:
            arr = np.asarray(data)
        except ValueError:
            msg = f"{field}: expected rows of 3, 4 or 6 numbers, got rows of different lengths"
            raise ValidationError(msg) from None
        if arr.dtype == object:
            msg = f"{field}: expected rows of 3, 4 or 6 numbers, got rows of different lengths or non-numbers"
            raise ValidationError(msg)
        return arr.reshape(0, 3) if arr.size == 0 else arr
    return to_numpy(data, field=field)


def check_points(data: Any, *, field: str = "data", allow_empty: bool = False) -> Points:
    """Validate an ``(N, 3)`` / ``(N, 4)`` / ``(N, 6)`` array-like and normalise it.

    Positions must be finite and fit float32; categories must be integers in [1, 14]; colours
    must be in [0, 255] (floats are rounded half up). Fast path: the input is cast straight into
    the PLY record buffer, and the checks run on per-column minima and maxima (NaN propagates
    through them); only a failing check scans for the first bad element to name it.
    """
    arr = _as_point_array(data, field)
    if arr.dtype.kind not in "iuf":
        msg = f"{field}: expected numbers (int or float), got dtype {arr.dtype}"
        raise MediaTypeError(msg)
    if arr.ndim != 2 or arr.shape[1] not in (3, 4, 6):
        msg = f"{field}: expected a point array of shape (N, 3) xyz, (N, 4) xyz+category or (N, 6) xyz+rgb, got shape {arr.shape}"
        raise ValidationError(msg)
    n, k = arr.shape
    if n > MAX_POINTS:
        msg = f"{field}: {n} points exceed the limit of {MAX_POINTS}"
        raise LimitError(msg)
    if n == 0 and not allow_empty:
        msg = f"{field}: expected at least one point, got an empty array of shape {arr.shape}"
        raise ValidationError(msg)
    from ..formats.ply import ply_point_records

    buf, rec = ply_point_records(n, rgb=k != 3, category=k == 4)
    # Rows are cast into the PLY records and checked in slices, on both cores for big clouds
    # (numpy's casts and reductions release the GIL); each slice reports its bounds. Big clouds
    # are hashed meanwhile, slice by slice in file order as each is finished (hashlib releases
    # the GIL too), so the store need not hash the file again.
    pieces = _slices(n)
    sha = None
    if len(pieces) > 1 and not in_pool():
        parts, sha = _fill_hashing(arr, rec, buf, pieces)
    else:
        parts = [_fill_slice(arr, rec, sl) for sl in pieces]
    box = None
    if n:
        lo = np.min([p[0] for p in parts], axis=0)
        hi = np.max([p[1] for p in parts], axis=0)
        if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
            _raise_first_bad(arr, field)
        box = (lo, hi)
    if k != 3 and any(p[2] for p in parts):
        _raise_first_bad(arr, field)
    if k == 6 and arr.dtype.kind == "f" and n and 0 < max(p[3] for p in parts) <= 1:
        warn_user(
            f"{field}: every colour value is within [0, 1]; point colours are 0-255, so these points will be almost black (multiply by 255)"
        )
    # Frozen: the file becomes immutable bytes (nothing writes ``buf`` after the slices were
    # hashed) and the arrays read-only views into them, so the digest stays the file's.
    ply = buf.tobytes()
    del buf
    rec = np.frombuffer(ply, rec.dtype, count=n, offset=len(ply) - n * rec.dtype.itemsize)
    pts = Points(rec["xyz"], ply=ply, box=box, digest=None if sha is None else (ply, sha))
    if k == 4:
        pts.category = rec["category"]
    elif k == 6:
        pts.rgb = rec["rgb"]
    return pts


def _raise_first_bad(arr: np.ndarray, field: str) -> None:
    """Name the first element that fails the point rules (called only when a check failed)."""
    k = arr.shape[1]
    if arr.dtype.kind == "f":
        nonfinite = ~np.isfinite(arr)
        if nonfinite.any():
            bad = tuple(np.argwhere(nonfinite)[0])
            what = "coordinate" if bad[1] < 3 else ("category" if k == 4 else "colour value")
            msg = f"{_where(field, bad)}: expected a finite {what}, got {shown(arr[bad].item())}"
            raise ValidationError(msg)
        big = np.abs(arr[:, :3]) > _F32_MAX
        if big.any():
            bad = tuple(np.argwhere(big)[0])
            msg = f"{_where(field, bad)}: coordinate {shown(arr[bad].item())} does not fit in float32"
            raise ValidationError(msg)
    if k == 4:
        c = arr[:, 3]
        lo, hi = CATEGORY_RANGE
        mask = (c < lo) | (c > hi) | ((c != np.floor(c)) if arr.dtype.kind == "f" else False)
        i = int(np.argmax(mask))
        msg = f"{field}[{i}, 3]: expected a category, an integer from {lo} to {hi}, got {shown(c[i].item())}"
        raise ValidationError(msg)
    if k == 6:
        rgb = arr[:, 3:]
        bad = tuple(np.argwhere((rgb < 0) | (rgb > 255))[0])
        msg = f"{field}[{bad[0]}, {bad[1] + 3}]: expected a colour value (red, green, blue) in [0, 255], got {shown(rgb[bad].item())}"
        raise ValidationError(msg)
    msg = f"{field}: invalid point data"  # unreachable: a failed check always finds its element
    raise ValidationError(msg)


# -- scalars and small vectors -------------------------------------------------------------------


def _number(x: Any, field: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        msg = f"{field}: expected a number, got {type(x).__name__} {shown(x)}"
        raise MediaTypeError(msg)
    v = float(x)
    if not math.isfinite(v):
        msg = f"{field}: expected a finite number, got {shown(x)}"
        raise ValidationError(msg)
    return v


def vector3(x: Any, field: str) -> list[float]:
    """Three finite numbers (list, tuple or array)."""
    seq = _sequence(x, field, "3 numbers (x, y, z)")
    if len(seq) != 3:
        msg = f"{field}: expected 3 numbers (x, y, z), got {len(seq)}"
        raise ValidationError(msg)
    return [_number(v, f"{field}[{i}]") for i, v in enumerate(seq)]


def _sequence(x: Any, field: str, what: str) -> Sequence[Any]:
    if isinstance(x, np.ndarray):
        return list(x.reshape(-1)) if x.ndim == 1 else list(x)
    if isinstance(x, (list, tuple)):
        return x
    if is_array_like(x):
        return list(to_numpy(x, field=field))
    msg = f"{field}: expected {what} as a list, tuple or array, got {type(x).__name__}"
    raise MediaTypeError(msg)


def _items(x: Any, field: str) -> list[Any]:
    """Boxes and vectors come as lists, tuples or numpy object arrays (the reference docs pass
    ``np.array([dict, dict])``)."""
    if x is None:
        return []
    if isinstance(x, np.ndarray):
        if x.dtype != object and x.size == 0:
            return []
        if x.dtype != object or x.ndim != 1:
            msg = f"{field}: expected a list (or 1-D object array) of dicts, got an array of dtype {x.dtype} and shape {x.shape}"
            raise MediaTypeError(msg)
        return list(x)
    if isinstance(x, (list, tuple)):
        return list(x)
    msg = f"{field}: expected a list of dicts, got {type(x).__name__}"
    raise MediaTypeError(msg)


def _check_keys(d: Any, field: str, known: tuple[str, ...], required: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        msg = f"{field}: expected a dict with keys {', '.join(required)}, got {type(d).__name__}"
        raise MediaTypeError(msg)
    for k in d:
        if k not in known:
            msg = f"{field}: unknown key {shown(k)} (known: {', '.join(known)})"
            raise ValidationError(msg)
    for k in required:
        if k not in d:
            msg = f"{field}.{k}: missing (required: {', '.join(required)})"
            raise ValidationError(msg)
    return d


def check_color(x: Any, field: str) -> list[int]:
    """An RGB colour of three numbers in [0, 255] (floats are rounded)."""
    seq = _sequence(x, field, "3 numbers (red, green, blue)")
    if len(seq) != 3:
        msg = f"{field}: expected 3 numbers (red, green, blue) in [0, 255], got {len(seq)}"
        raise ValidationError(msg)
    out = []
    for i, v in enumerate(seq):
        f = _number(v, f"{field}[{i}]")
        if not 0 <= f <= 255:
            msg = f"{field}[{i}]: expected a colour value from 0 to 255, got {shown(v)}"
            raise ValidationError(msg)
        out.append(round(f))
    return out


def check_box(box: Any, field: str) -> dict[str, Any]:
    """A 3-D box: ``corners`` (8 x 3 finite), ``color`` (RGB 0-255), optional ``label`` and ``score``."""
    d = _check_keys(box, field, BOX_KEYS, ("corners", "color"))
    corners = _sequence(d["corners"], f"{field}.corners", "8 corners")
    if len(corners) != 8:
        msg = f"{field}.corners: expected 8 corners of [x, y, z], got {len(corners)}"
        raise ValidationError(msg)
    pts = [vector3(c, f"{field}.corners[{i}]") for i, c in enumerate(corners)]
    label = d.get("label")
    if label is not None and not isinstance(label, str):
        msg = f"{field}.label: expected a str or None, got {type(label).__name__} {shown(label)}"
        raise MediaTypeError(msg)
    score = d.get("score")
    score = None if score is None else _number(score, f"{field}.score")
    return {"corners": pts, "label": label, "color": check_color(d["color"], f"{field}.color"), "score": score}


def check_boxes(boxes: Any, field: str = "boxes") -> list[dict[str, Any]]:
    items = _items(boxes, field)
    if len(items) > MAX_BOXES:
        msg = f"{field}: {len(items)} boxes exceed the limit of {MAX_BOXES}"
        raise LimitError(msg)
    return [check_box(b, f"{field}[{i}]") for i, b in enumerate(items)]


def check_vectors(vectors: Any, field: str = "vectors") -> list[dict[str, list[float]]]:
    items = _items(vectors, field)
    if len(items) > MAX_VECTORS:
        msg = f"{field}: {len(items)} vectors exceed the limit of {MAX_VECTORS}"
        raise LimitError(msg)
    out = []
    for i, v in enumerate(items):
        d = _check_keys(v, f"{field}[{i}]", VECTOR_KEYS, VECTOR_KEYS)
        out.append({"start": vector3(d["start"], f"{field}[{i}].start"), "end": vector3(d["end"], f"{field}[{i}].end")})
    return out


def check_scene(scene: Mapping[str, Any], *, field: str = "data") -> tuple[Points, list[dict[str, Any]], list[dict[str, Any]]]:
    """A ``{"type": "lidar/beta", "points", "boxes", "vectors"}`` dict, every part optional (an
    empty scene is an empty point cloud). Unknown keys are errors (a misspelt ``"boxs"`` must not
    vanish silently)."""
    for k in scene:
        if k not in SCENE_KEYS:
            msg = f"{field}: unknown key {shown(k)} in a {SCENE_TYPE} scene (known: {', '.join(SCENE_KEYS)})"
            raise ValidationError(msg)
    if scene.get("type") != SCENE_TYPE:
        msg = f"{field}.type: expected {SCENE_TYPE!r} (the only scene type), got {shown(scene.get('type'))}"
        raise ValidationError(msg)
    pts = scene.get("points")
    points = check_points(np.zeros((0, 3)) if pts is None else pts, field="points", allow_empty=True)
    boxes = check_boxes(scene.get("boxes"), "boxes")
    vectors = check_vectors(scene.get("vectors"), "vectors")
    # An empty scene is valid: a lidar step where nothing was detected (no points, boxes or
    # vectors) is stored as an empty point cloud with null bounds.
    return points, boxes, vectors


# -- box3d ---------------------------------------------------------------------------------------


def _quaternion_matrix(q: Any) -> np.ndarray:
    """Rotation matrix of the (non-zero, normalised here) quaternion ``[w, x, y, z]``."""
    w, x, y, z = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def _box_color(color: Any, field: str) -> list[int]:
    arr = _sequence(color, field, "3 numbers (red, green, blue)")
    if len(arr) != 3:
        msg = f"{field}: expected 3 numbers (red, green, blue), got {len(arr)}"
        raise ValidationError(msg)
    vals = [_number(v, f"{field}[{i}]") for i, v in enumerate(arr)]
    is_float = any(isinstance(v, (float, np.floating)) for v in arr)
    if is_float:
        for i, v in enumerate(vals):
            if not 0 <= v <= 1:
                msg = f"{field}[{i}]: expected a float from 0 to 1 (or ints from 0 to 255), got {shown(arr[i])}"
                raise ValidationError(msg)
        return [round(v * 255) for v in vals]
    return check_color(vals, field)


def box3d(
    *,
    center: Any,
    size: Any,
    orientation: Any,
    color: Any,
    label: str | None = None,
    score: float | None = None,
) -> dict[str, Any]:
    """A 3-D box for :meth:`Object3D.from_point_cloud` and ``lidar/beta`` scenes.

    Parameters
    ----------
    center:
        The box centre ``(x, y, z)``.
    size:
        Its extent along its own x, y and z axes (non-negative).
    orientation:
        A non-zero quaternion ``[w, x, y, z]`` (scalar first, as in the reference docs) rotating
        the box's axes into the scene's; it is normalised here. scipy's ``Rotation.as_quat()``
        returns scalar-last: pass ``as_quat(scalar_first=True)``.
    color:
        ``(r, g, b)`` floats in [0, 1] (the reference docs' convention) or ints in [0, 255].
    label, score:
        Optional text and number shown with the box.

    Returns
    -------
    dict
        ``{"corners": 8 x [x, y, z], "color": [r, g, b] (0-255), "label", "score"}``.
    """
    c = np.array(vector3(center, "center"))
    s = np.array(vector3(size, "size"))
    if (s < 0).any():
        i = int(np.argmax(s < 0))
        msg = f"size[{i}]: expected a non-negative extent, got {shown(s[i])}"
        raise ValidationError(msg)
    q = _sequence(orientation, "orientation", "a quaternion [w, x, y, z]")
    if len(q) != 4:
        msg = f"orientation: expected a quaternion of 4 numbers [w, x, y, z], got {len(q)}"
        raise ValidationError(msg)
    qv = [_number(v, f"orientation[{i}]") for i, v in enumerate(q)]
    if not any(qv):
        msg = "orientation: expected a non-zero quaternion, got [0, 0, 0, 0]"
        raise ValidationError(msg)
    rot = _quaternion_matrix(qv)
    unit = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], np.float64)
    corners = c + (0.5 * s * unit) @ rot.T
    if label is not None and not isinstance(label, str):
        msg = f"label: expected a str or None, got {type(label).__name__} {shown(label)}"
        raise MediaTypeError(msg)
    return {
        "corners": [[float(v) for v in row] for row in corners],
        "label": label,
        "color": _box_color(color, "color"),
        "score": None if score is None else _number(score, "score"),
    }
