"""Object3D: meshes, point clouds and ``lidar/beta`` scenes with 3-D boxes and vectors.

Backends: numpy (point clouds, binary PLY, GLB packing) and trimesh for mesh files and trimesh
objects (``pip install 'mediakit[3d]'``).

What is stored:

- point clouds (arrays, scenes, ``.npy``, ``.pts.json``): a binary little-endian PLY, float32
  ``x y z`` + uint8 ``red green blue`` (``(N, 6)``) or uint8 ``category`` plus its palette colour
  (``(N, 4)``); boxes and vectors go into the descriptor. :meth:`Object3D.to_lidar_scene` gives
  the ``lidar/beta`` JSON form for consumers that need it.
- GLB, STL, PLY and OBJ files are kept byte-for-byte after trimesh has parsed them; a glTF (with
  external files or ``data:`` URIs) is packed into one self-contained GLB; OFF files and OBJ files
  whose material library sits beside them are converted to GLB (browsers read neither OFF nor
  loose ``.mtl``/texture files).
- trimesh ``Trimesh``/``Scene`` objects are exported as GLB; ``PointCloud`` as a point cloud.

File objects: one with a ``.name`` naming an existing file is read from that path in binary
(so ``Object3D(open("model.glb"))`` works even in text mode, and a glTF finds its buffers);
otherwise its content is read and ``file_type`` is required.

Length: just over 500 lines because the class keeps the tracker's constructor forms (arrays,
lidar scene dicts, paths, file objects, trimesh objects) with their checks in one place; file
reading and scene handling live in ``formats/`` and ``_obj3d_scene.py``.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from .._arrays import is_array_like
from .._errors import LimitError, MediaTypeError, ValidationError, shown
from .._files import write_atomic
from .._limits import DEFAULT_LIMITS
from ..formats import by_kind, glb, gltf, npy, ply, ptsjson
from ..formats import scene as meshio
from ..store import Store
from ._base import Kind, check_caption, read_input_file
from ._obj3d_scene import SCENE_TYPE, Points, box3d, check_boxes, check_points, check_scene, check_vectors

__all__ = ["Object3D", "box3d", "convert"]

FileType = Literal["obj", "gltf", "glb", "stl", "ply", "off", "npy", "pts.json"]
#: Largest input file read (bytes).
MAX_FILE_BYTES = DEFAULT_LIMITS.max_file_bytes
_STORED_AS = {"glb": "glb", "gltf": "glb", "obj": "obj", "off": "glb", "ply": "ply", "stl": "stl"}


class Object3D(Kind):
    """A 3-D mesh, point cloud or ``lidar/beta`` scene.

    Parameters
    ----------
    data:
        A point array ``(N, 3)`` xyz, ``(N, 4)`` xyz + category in [1, 14] or ``(N, 6)`` xyz + rgb
        in [0, 255] (array-likes and lists too); a scene dict ``{"type": "lidar/beta", "points",
        "boxes", "vectors"}``; a path, ``pathlib.Path``, file object or bytes of obj, gltf, glb,
        stl, ply, off, npy or pts.json; a trimesh ``Trimesh``, ``Scene`` or ``PointCloud``; or
        another :class:`Object3D`.
    caption:
        Free text kept in the descriptor.
    file_type:
        The format of bytes or a file object (needed unless its ``.name`` has a known suffix);
        overrides a path's suffix.
    up_axis:
        ``"y"`` or ``"z"``: which axis points up in thumbnails (and for viewers). Default: ``"z"``
        for point clouds, scenes and STL (lidar and CAD), ``"y"`` for other mesh formats (glTF).

    Raises
    ------
    MediaTypeError, ValidationError, DecodeError, LimitError, MediaFileNotFoundError,
    MissingDependencyError
    """

    TYPE: ClassVar[str] = "object3d"
    VERSION: ClassVar[int] = 1

    @staticmethod
    def convert_file(src: Any, dst: Any, *, progress: Any = None) -> None:
        """``mediakit convert`` for 3-D files: read as an Object3D (points and meshes checked),
        write the format ``dst``'s suffix names (glb, obj, off, ply or stl)."""
        convert(src, dst, progress=progress)

    def __init__(
        self,
        data: Any,
        *,
        caption: str | None = None,
        file_type: FileType | str | None = None,
        up_axis: Literal["y", "z"] | None = None,
    ) -> None:
        if up_axis not in (None, "y", "z"):
            msg = f"up_axis: expected 'y', 'z' or None, got {shown(up_axis)}"
            raise ValidationError(msg)
        self.caption = check_caption(caption)
        self._points: Points | None = None
        self.boxes: list[dict[str, Any]] = []
        self.vectors: list[dict[str, Any]] = []
        self.scene_type: str | None = None
        self._file: bytes | None = None
        self.format = "ply"
        self.source_format = "array"
        self.stats: dict[str, Any] = {}
        self._default_up = "z"
        ft = _check_file_type(file_type)
        _adapter_for(data)(self, data, file_type=ft)
        self.up_axis: str = up_axis or self._default_up
        if self._points is not None:
            self.stats = self._points_stats()

    # -- named constructors ----------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Object3D:
        """From a file: obj, gltf (with its buffers), glb, stl, ply, off, npy or pts.json."""
        return cls(Path(path), **kwargs)

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None, **kwargs: Any) -> Object3D:
        """From a path or file object (the reference docs' name for :meth:`from_path`)."""
        return cls(Path(data_or_path) if isinstance(data_or_path, str) else data_or_path, file_type=file_type, **kwargs)

    @classmethod
    def from_numpy(cls, data: Any, **kwargs: Any) -> Object3D:
        """From a point array ``(N, 3)``, ``(N, 4)`` or ``(N, 6)``."""
        if not (is_array_like(data) or isinstance(data, (list, tuple))):
            msg = f"data: expected a numpy array or array-like of points, got {type(data).__name__}"
            raise MediaTypeError(msg)
        return cls(data if is_array_like(data) else np.asarray(data), **kwargs)

    @classmethod
    def from_point_cloud(
        cls,
        points: Any,
        boxes: Any = None,
        vectors: Any = None,
        point_cloud_type: str = SCENE_TYPE,
        **kwargs: Any,
    ) -> Object3D:
        """A ``lidar/beta`` scene: points, 3-D boxes (see :func:`box3d`) and vectors."""
        scene = {"type": point_cloud_type, "points": points, "boxes": boxes, "vectors": vectors}
        if point_cloud_type != SCENE_TYPE:
            msg = f"point_cloud_type: expected {SCENE_TYPE!r}, got {shown(point_cloud_type)}"
            raise ValidationError(msg)
        return cls(scene, **kwargs)

    # -- views -----------------------------------------------------------------------------------
    @property
    def is_point_cloud(self) -> bool:
        return self._points is not None

    @property
    def points(self) -> np.ndarray:
        """The points as float32 ``(N, 3|4|6)`` (point clouds and scenes only)."""
        if self._points is None:
            msg = f"points: this Object3D holds a {self.format} file, not a point array"
            raise ValidationError(msg)
        return self._points.as_array()

    @property
    def file_bytes(self) -> bytes:
        """The bytes that are stored (the file, or the binary PLY of a point cloud)."""
        return self._file if self._file is not None else self._ply()

    @property
    def data(self) -> bytes:
        """Read alias of :attr:`file_bytes`, the stored bytes (kept for existing code; note that
        ``Video.data`` is frames: new code should use ``file_bytes``)."""
        return self.file_bytes

    def to_lidar_scene(self) -> dict[str, Any]:
        """The ``lidar/beta`` JSON form ``{"type", "points", "boxes", "vectors"}`` of a point cloud
        or scene (``json.dumps`` it to write the file the reference format describes). Not a
        descriptor: :meth:`encode` makes that."""
        if self._points is None:
            msg = f"to_lidar_scene: only point clouds and scenes have a lidar/beta JSON form; this is a {self.format} file"
            raise ValidationError(msg)
        return {
            "type": SCENE_TYPE,
            "points": self._points.as_array().astype(np.float64).tolist(),
            "boxes": [dict(b) for b in self.boxes],
            "vectors": [dict(v) for v in self.vectors],
        }

    def __repr__(self) -> str:
        s = self.stats
        parts = [
            f"{s.get('points', 0)} points" if s.get("points") else "",
            f"{s.get('faces', 0)} faces" if s.get("faces") else "",
        ]
        parts += [f"{len(self.boxes)} boxes" if self.boxes else ""]
        inner = ", ".join(p for p in parts if p)
        return f"Object3D({self.format}{': ' + inner if inner else ''}, caption={self.caption!r})"

    # -- adapters' helpers -----------------------------------------------------------------------
    def _set_points(
        self, points: Points, boxes: list[dict[str, Any]] | None = None, vectors: list[dict[str, Any]] | None = None
    ) -> None:
        self._points = points
        self.boxes = boxes or []
        self.vectors = vectors or []
        self.format = "ply"
        self._default_up = "z"

    def _set_file(self, blob: bytes, ft: str, *, field: str, base: Path | None = None) -> None:
        if ft == "npy":
            self._set_points(check_points(npy.read(blob, field), field=field))
            self.source_format = "array"
            return
        if ft == "pts.json":
            self._set_pts_json(blob, field)
            return
        if len(blob) > MAX_FILE_BYTES:
            msg = f"{field}: {len(blob)} bytes exceed the limit of {MAX_FILE_BYTES}"
            raise LimitError(msg)
        self.source_format = ft
        self._default_up = "z" if ft == "stl" else "y"
        resolver = None
        if ft == "gltf":
            blob = gltf.pack(blob, meshio.file_reader(base, field, max_bytes=MAX_FILE_BYTES), field=field, max_bytes=MAX_FILE_BYTES)
            ft = "glb"
        if ft == "glb":
            glb.read(blob, field=field)
        if ft == "obj":
            resolver = meshio.obj_resolver(blob, base, field)
        scene = meshio.load_scene(blob, ft, field=field, resolver=resolver)
        parts = meshio.scene_parts(scene, colors=False)
        meshio.check_parts(parts, ft, field)
        self.stats = meshio.parts_stats(parts)
        if ft == "off" or (ft == "obj" and resolver is not None):
            # Browsers read neither OFF nor an OBJ's loose material files: store one GLB.
            blob = meshio.export_glb(scene, field=field)
            ft = "glb"
        if ft == "ply" and self.stats["geometry"] == "points":
            self._default_up = "z"
        self._file = blob
        self.format = _STORED_AS[ft]

    def _set_pts_json(self, blob: bytes, field: str) -> None:
        doc = ptsjson.read(blob, field)
        if isinstance(doc, dict):
            _from_scene(self, doc)
        else:
            self._set_points(check_points(doc, field=field))
            self.source_format = "array"

    def _points_stats(self) -> dict[str, Any]:
        pts = self._points
        assert pts is not None
        lo_hi = pts.bounds()
        extra = [np.array(b["corners"]) for b in self.boxes] + [np.array([v["start"], v["end"]]) for v in self.vectors]
        if extra:
            e = np.vstack(extra)
            lo = e.min(axis=0) if lo_hi is None else np.minimum(lo_hi[0], e.min(axis=0))
            hi = e.max(axis=0) if lo_hi is None else np.maximum(lo_hi[1], e.max(axis=0))
            lo_hi = (lo, hi)
        return {
            "geometry": "points",
            "points": len(pts),
            "vertices": 0,
            "faces": 0,
            "bounds": meshio.bounds_json(*lo_hi) if lo_hi is not None else None,
        }

    def _ply(self) -> bytes:
        assert self._points is not None  # only called for point clouds
        return self._points.to_ply()

    # -- encode / decode ---------------------------------------------------------------------------
    def _encode(self, store: Store) -> dict[str, Any]:
        pts, suffix = self._points, "." + self.format
        ref = pts.put(store, suffix) if self._file is None and pts is not None else store.put(self.file_bytes, suffix=suffix)
        s = self.stats
        desc: dict[str, Any] = {
            **self._header(),
            **ref.to_dict(),
            "format": self.format,
            "source_format": self.source_format,
            "geometry": s["geometry"],
            "points": s["points"],
            "vertices": s["vertices"],
            "faces": s["faces"],
            "bounds": s["bounds"],
            "up_axis": self.up_axis,
            "caption": self.caption,
        }
        if self._points is not None:
            desc["colors"] = self._points.colors
            desc["boxes"] = self.boxes
            desc["vectors"] = self.vectors
        return desc

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> Object3D:
        blob = store.read(desc["path"])
        if desc["source_format"] in meshio.OWN_POINT_SOURCES and desc["format"] == "ply":
            cols = ply.read_points(blob, max_points=DEFAULT_LIMITS.max_points, field="path")
            xyz = np.stack([cols["x"], cols["y"], cols["z"]], axis=1).astype(np.float32)
            pts = Points(np.ascontiguousarray(xyz))
            if desc.get("colors") == "rgb":
                pts.rgb = np.ascontiguousarray(np.stack([cols["red"], cols["green"], cols["blue"]], axis=1))
            elif desc.get("colors") == "category":
                pts.category = np.ascontiguousarray(cols["category"])
            obj = cls.__new__(cls)
            obj.caption = desc.get("caption")
            obj._file = None
            obj._set_points(pts, check_boxes(desc.get("boxes"), "boxes"), check_vectors(desc.get("vectors"), "vectors"))
            obj.scene_type = SCENE_TYPE if desc["source_format"] == SCENE_TYPE else None
            obj.source_format = desc["source_format"]
            obj.up_axis = desc["up_axis"]
            obj.stats = obj._points_stats()
            return obj
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings were given when the object was made
            obj = cls(blob, file_type=desc["format"], caption=desc.get("caption"), up_axis=desc["up_axis"])
        obj.source_format = desc["source_format"]
        return obj

    def _content(self) -> tuple[Any, ...]:
        if self._points is not None:
            p = self._points
            return ("points", p.xyz, p.rgb, p.category, self.boxes, self.vectors, self.caption)
        return (self.format, self._file, self.caption)


# -- helpers -------------------------------------------------------------------------------------


@functools.cache
def file_types() -> tuple[str, ...]:
    """The ``file_type`` values accepted: the names of the object3d format specs, sorted."""
    return tuple(sorted(s.name for s in by_kind("object3d")))


def _check_file_type(ft: Any) -> str | None:
    if ft is None:
        return None
    if not isinstance(ft, str):
        msg = f"file_type: expected a str such as 'glb', got {type(ft).__name__}"
        raise MediaTypeError(msg)
    norm = ft.lower().lstrip(".")
    if norm not in file_types():
        msg = f"file_type: expected one of {', '.join(file_types())}, got {shown(ft)}"
        raise ValidationError(msg)
    return norm


def _type_of_name(name: str) -> str | None:
    low = name.lower()
    if low.endswith(".pts.json"):
        return "pts.json"
    suffix = os.path.splitext(low)[1].lstrip(".")
    return suffix if suffix in file_types() else None


# -- the input adapter table -----------------------------------------------------------------------

Adapter = Callable[..., None]


def _from_object3d(self: Object3D, data: Object3D, **_: Any) -> None:
    self._points, self.boxes, self.vectors = data._points, list(data.boxes), list(data.vectors)
    self._file, self.format, self.source_format = data._file, data.format, data.source_format
    self.scene_type, self.stats, self._default_up = data.scene_type, dict(data.stats), data.up_axis
    if self.caption is None:
        self.caption = data.caption


def _from_scene(self: Object3D, data: Mapping[str, Any], **_: Any) -> None:
    points, boxes, vectors = check_scene(data)
    self._set_points(points, boxes, vectors)
    self.scene_type = SCENE_TYPE
    self.source_format = SCENE_TYPE


def _from_array(self: Object3D, data: Any, **_: Any) -> None:
    self._set_points(check_points(data))
    self.source_format = "array"


def _read_path(path: str, field: str) -> bytes:
    return read_input_file(path, what="3-D", field=field, max_bytes=MAX_FILE_BYTES)


def _from_path(self: Object3D, data: Any, *, file_type: str | None, **_: Any) -> None:
    path = os.fspath(data)
    ft = file_type or _type_of_name(path)
    if ft is None:
        msg = f"data: cannot tell the 3-D format of {path!r} from its suffix; pass file_type= (one of {', '.join(file_types())})"
        raise ValidationError(msg)
    blob = _read_path(path, "data")
    self._set_file(blob, ft, field=f"data ({path!r})", base=Path(path).parent)


def _from_bytes(self: Object3D, data: Any, *, file_type: str | None, **_: Any) -> None:
    if file_type is None:
        msg = f"file_type: required for bytes (one of {', '.join(file_types())})"
        raise ValidationError(msg)
    self._set_file(bytes(data), file_type, field="data (bytes)")


def _from_fileobj(self: Object3D, data: Any, *, file_type: str | None, **_: Any) -> None:
    name = getattr(data, "name", None)
    if isinstance(name, str) and os.path.isfile(name) and (file_type or _type_of_name(name)):
        # A file opened from a path (even in text mode): read the path in binary, as given.
        _from_path(self, name, file_type=file_type)
        return
    ft = file_type or (_type_of_name(name) if isinstance(name, str) else None)
    if ft is None:
        msg = f"file_type: required for a file object without a named file (one of {', '.join(file_types())})"
        raise ValidationError(msg)
    blob = data.read()
    if isinstance(blob, str):
        blob = blob.encode("utf-8")
    if not isinstance(blob, (bytes, bytearray)):
        msg = f"data: the file object's read() returned {type(blob).__name__}, expected bytes or str"
        raise MediaTypeError(msg)
    self._set_file(bytes(blob), ft, field="data (file object)")


def _from_trimesh(self: Object3D, data: Any, **_: Any) -> None:
    trimesh = meshio.trimesh_module()
    if isinstance(data, trimesh.PointCloud):
        v = np.asarray(data.vertices)
        c = getattr(data, "colors", None)
        arr = np.hstack([v, np.asarray(c)[:, :3]]) if c is not None and len(c) == len(v) and len(v) else v
        self._set_points(check_points(arr))
        self.source_format = "trimesh"
        return
    if not isinstance(data, (trimesh.Trimesh, trimesh.Scene)):
        msg = f"data: expected a trimesh Trimesh, Scene or PointCloud, got {type(data).__name__}"
        raise MediaTypeError(msg)
    blob = meshio.export_glb(data)
    self._set_file(blob, "glb", field="data (trimesh)")
    self.source_format = "trimesh"


def _is_trimesh(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "trimesh"


def _is_fileobj(x: Any) -> bool:
    return callable(getattr(x, "read", None))


_ADAPTERS: tuple[tuple[Callable[[Any], bool], Adapter], ...] = (
    (lambda x: isinstance(x, Object3D), _from_object3d),
    (_is_trimesh, _from_trimesh),
    (lambda x: isinstance(x, Mapping), _from_scene),
    (lambda x: isinstance(x, (str, os.PathLike)), _from_path),
    (lambda x: isinstance(x, (bytes, bytearray, memoryview)), _from_bytes),
    (_is_fileobj, _from_fileobj),
    (is_array_like, _from_array),
    (lambda x: isinstance(x, (list, tuple)), _from_array),
)


def _adapter_for(data: Any) -> Adapter:
    for accepts, adapter in _ADAPTERS:
        if accepts(data):
            return adapter
    msg = (
        "data: expected a point array, a lidar/beta scene dict, a path, bytes or file object of a 3-D file, "
        f"a trimesh object or an Object3D, got {type(data).__name__}"
    )
    raise MediaTypeError(msg)


# -- conversion (CLI) ------------------------------------------------------------------------------

_OUT = ("glb", "obj", "off", "ply", "stl")


def convert(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], *, progress: Callable[[int, int | None], None] | None = None
) -> None:
    """Convert a 3-D file: obj/stl/ply/gltf/off/glb -> glb (or another mesh format), and point
    clouds (``.npy``, ``.pts.json``, ``.ply``) -> binary ``.ply``.

    The output is written atomically (a temporary file beside ``dst``, then renamed).
    """
    src_p, dst_p = Path(src), Path(dst)
    out = dst_p.suffix.lower().lstrip(".")
    if out not in _OUT:
        msg = f"dst: cannot write {dst_p.suffix or '(no suffix)'!r}; 3-D outputs are {', '.join('.' + o for o in _OUT)}"
        raise ValidationError(msg)
    if progress:
        progress(0, 1)
    obj = Object3D.from_path(src_p)
    if obj.is_point_cloud and out == "ply":
        blob = obj._ply()
    elif obj.format == out and obj._file is not None:
        blob = obj._file
    else:
        blob = _export(obj, out, src_p)
    write_atomic(dst_p, blob, field="dst")
    if progress:
        progress(1, 1)


def _export(obj: Object3D, out: str, src: Path) -> bytes:
    trimesh = meshio.trimesh_module()
    if obj.is_point_cloud:
        pts = obj._points
        assert pts is not None
        if out in ("stl", "off"):
            msg = f"dst: a point cloud cannot be written as {out.upper()} (it holds triangles only); use .ply or .glb"
            raise ValidationError(msg)
        colors = pts.rgb if pts.rgb is not None else None
        geom: Any = trimesh.PointCloud(pts.xyz.astype(np.float64), colors=colors)
    else:
        assert obj._file is not None
        resolver = trimesh.resolvers.FilePathResolver(str(src)) if obj.source_format == "obj" else None
        geom = meshio.load_scene(obj._file, obj.format, field=f"src ({str(src)!r})", resolver=resolver)
        if out in ("stl", "off", "ply", "obj"):
            geom = geom.to_geometry() if hasattr(geom, "to_geometry") else geom.dump(concatenate=True)
    try:
        data = geom.export(file_type=out)
    except Exception as e:
        msg = f"dst: could not write {out.upper()} ({type(e).__name__}: {e})"
        raise ValidationError(msg) from None
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)
