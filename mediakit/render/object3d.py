"""Object3D thumbnails: a software-rendered view (numpy + Pillow, no GPU, no OpenGL).

- Meshes: flat-shaded triangles through a z-buffer (face, vertex, texture-sampled or material
  colours; a neutral blue-grey otherwise), drawn at twice the size and reduced for smooth edges.
- Points: z-buffered splats coloured by their RGB, their category (the shared class palette) or,
  without colours, by height; splat size grows as the cloud gets sparser.
- ``lidar/beta`` boxes: wireframes in their colour with their label (and score); vectors: arrows.

The camera is fixed (see :func:`mediakit.render._raster3d.view_basis`): orthographic, from the
front-right and 25 degrees above, with the descriptor's ``up_axis`` up, fitted to the bounds of
everything drawn (for large point clouds, to the 0.1-99.9 percentile range so a few stray returns do
not shrink the picture). Same descriptor and file, same pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from .._errors import LimitError
from .._limits import Limits
from ..formats import scene as meshio
from ..formats.ply import read_points
from ..store import Store
from . import _raster3d as r3
from ._common import BACKGROUND, font, one_line

VECTOR_COLOR = (230, 90, 20)
#: Height colours for uncoloured points (low -> high), interpolated.
_HEIGHT_STOPS = np.array([(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], np.float32)

#: Most boxes and most vectors drawn in one thumbnail.
MAX_DRAWN = 2000


def render(desc: dict[str, Any], store: Store, *, size: int, limits: Limits) -> PILImage.Image:
    if desc["size"] > limits.max_file_bytes:
        msg = f"size: the file has {desc['size']} bytes, more than the limit of {limits.max_file_bytes}"
        raise LimitError(msg)
    declared = int(desc["faces"]) + int(desc["points"])
    if declared > limits.max_points:  # refuse before parsing; the parsed counts are checked again below
        msg = f"faces: {desc['faces']} faces and {desc['points']} points exceed the render limit of {limits.max_points}"
        raise LimitError(msg)
    blob = store.read(desc["path"])
    meshes: list[meshio.Part] = []
    clouds: list[meshio.Part] = []
    if desc["format"] == "ply" and desc["source_format"] in meshio.OWN_POINT_SOURCES:
        cols = read_points(blob, max_points=limits.max_points, field="path")
        xyz = np.stack([cols["x"], cols["y"], cols["z"]], axis=1)
        rgb = np.stack([cols["red"], cols["green"], cols["blue"]], axis=1) if "red" in cols else None
        clouds.append(meshio.Part("points", xyz, None, rgb))
    else:
        for p in meshio.scene_parts(meshio.load_scene(blob, desc["format"], field="path")):
            (meshes if p.kind == "mesh" else clouds).append(p)
    work = sum(len(p.faces) for p in meshes if p.faces is not None) + sum(len(p.vertices) for p in clouds)
    if work > limits.max_points:
        msg = f"path: {work} faces and points exceed the render limit of {limits.max_points}"
        raise LimitError(msg)
    # A thumbnail cannot show more than a few thousand overlays legibly; drawing more would only
    # let a large descriptor buy seconds of server time.
    boxes = (desc.get("boxes") or [])[:MAX_DRAWN]
    vectors = (desc.get("vectors") or [])[:MAX_DRAWN]
    return draw(meshes, clouds, boxes, vectors, size=size, up_axis=desc.get("up_axis", "z"), limits=limits)


def draw(
    meshes: list[meshio.Part],
    clouds: list[meshio.Part],
    boxes: list[dict[str, Any]],
    vectors: list[dict[str, Any]],
    *,
    size: int,
    up_axis: str,
    limits: Limits | None = None,
) -> PILImage.Image:
    """Render parts (world coordinates) and overlays into a ``size`` x ``size`` image.

    Drawing is bounded by the fragment budget (``limits.max_raster_fragments``, see
    :class:`~mediakit.render._raster3d.Canvas`): meshes whose covered area exceeds it are
    refused with :class:`~mediakit.LimitError` before any pixel is drawn; point splats shrink."""
    ss = 2 if meshes else 1  # supersample meshes for anti-aliased edges
    w = size * ss
    basis = r3.view_basis(up_axis)
    extent = _extent(meshes, clouds, boxes, vectors)
    proj = r3.fit_projection(basis, extent, w, w, margin=max(2.0, 0.06 * w))
    canvas = r3.Canvas(w, w, BACKGROUND, budget=(limits or Limits()).max_raster_fragments)
    for m in meshes:
        assert m.faces is not None and m.colors is not None
        faces = m.faces
        if len(faces) == 0:
            continue
        screen = proj.to_screen(m.vertices)
        view = proj.view(m.vertices)
        shaded = r3.flat_shade(view[faces], m.colors)
        canvas.triangles(screen[faces], shaded)
    n_points = sum(len(c.vertices) for c in clouds)
    if n_points:
        radius = min(size / 48.0, 0.45 * size / np.sqrt(n_points)) * ss
        radius = radius if radius >= 0.75 else 0.0
        for c in clouds:
            screen = proj.to_screen(c.vertices)
            colors = c.colors if c.colors is not None else _height_colors(c.vertices, up_axis)
            canvas.splats(screen, r3.depth_cue(colors, screen[:, 2], 0.3), radius)
    im = canvas.image()
    if ss > 1:
        im = im.reduce(ss)
        proj.scale /= ss
        proj.offset = proj.offset / ss
    if boxes or vectors:
        _overlays(im, proj, boxes, vectors, size)
    return im


def _extent(
    meshes: list[meshio.Part], clouds: list[meshio.Part], boxes: list[dict[str, Any]], vectors: list[dict[str, Any]]
) -> np.ndarray:
    pieces = [np.vstack([m.vertices.min(axis=0), m.vertices.max(axis=0)]) for m in meshes if len(m.vertices)]
    for c in clouds:
        v = c.vertices
        if len(v) > 10_000:
            cols = [np.ascontiguousarray(v[:, i], np.float64) for i in range(3)]
            lo = [np.percentile(x, 0.1) for x in cols]
            hi = [np.percentile(x, 99.9) for x in cols]
            pieces.append(np.array([lo, hi]))
        elif len(v):
            pieces.append(np.vstack([v.min(axis=0), v.max(axis=0)]))
    overlay = [np.asarray(b["corners"], np.float64) for b in boxes] + [np.asarray([v["start"], v["end"]], np.float64) for v in vectors]
    if not pieces and not overlay:
        return np.zeros((1, 3))
    if overlay:
        # A scene with boxes or vectors is framed on them (what was annotated), with room
        # around them, rather than on a whole sweep of ground points.
        o = np.vstack(overlay)
        olo, ohi = o.min(axis=0), o.max(axis=0)
        pad = max(0.25 * float((ohi - olo).max()), 1e-6)
        lo, hi = olo - pad, ohi + pad
        if pieces:
            e = np.vstack(pieces)
            lo, hi = np.maximum(lo, np.minimum(e.min(axis=0), olo)), np.minimum(hi, np.maximum(e.max(axis=0), ohi))
    else:
        e = np.vstack(pieces)
        lo, hi = e.min(axis=0), e.max(axis=0)
    # all 8 corners, so the fit holds whatever the view direction
    return np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])


def _height_colors(v: np.ndarray, up_axis: str) -> np.ndarray:
    h = np.ascontiguousarray(v[:, 2 if up_axis == "z" else 1], np.float64)
    lo, hi = (np.percentile(h, 1), np.percentile(h, 99)) if len(h) > 100 else (h.min(), h.max())
    t = np.clip((h - lo) / (hi - lo), 0, 1) if hi > lo else np.full(len(h), 0.5)
    pos = t * (len(_HEIGHT_STOPS) - 1)
    i = np.minimum(pos.astype(np.int64), len(_HEIGHT_STOPS) - 2)
    f = (pos - i)[:, None].astype(np.float32)
    return np.clip(_HEIGHT_STOPS[i] * (1 - f) + _HEIGHT_STOPS[i + 1] * f + 0.5, 0, 255).astype(np.uint8)


def _overlays(
    im: PILImage.Image, proj: r3.Projection, boxes: list[dict[str, Any]], vectors: list[dict[str, Any]], size: int
) -> None:
    d = ImageDraw.Draw(im)
    lw = max(2, size // 100)
    fs = max(8, size // 18)
    f = font(fs)
    for b in boxes:
        corners = np.asarray(b["corners"], np.float64)
        scr = proj.to_screen(corners)
        col = tuple(int(c) for c in b["color"])
        for i, j in r3.box_edges(corners):
            d.line([(scr[i, 0], scr[i, 1]), (scr[j, 0], scr[j, 1])], fill=col, width=lw)
        text = one_line(b.get("label") or "")
        if b.get("score") is not None:
            text = f"{text} {b['score']:.2f}".strip()
        if text:
            top = int(np.argmin(scr[:, 1]))
            x, y = float(scr[top, 0]), float(scr[top, 1]) - fs - 3
            tw = d.textlength(text, font=f)
            x = min(max(0.0, x - tw / 2), im.width - tw - 2)
            y = min(max(0.0, y), im.height - fs - 2)
            d.rectangle((x, y, x + tw + 3, y + fs + 2), fill=col)
            d.text((x + 2, y), text, fill=(0, 0, 0) if sum(col) > 380 else (255, 255, 255), font=f)
    for v in vectors:
        s, e = proj.to_screen(np.asarray([v["start"], v["end"]], np.float64))[:, :2]
        direction = e - s
        n = float(np.hypot(*direction))
        if n < 1e-6:
            continue
        u = direction / n
        head = min(n * 0.45, max(6.0, size / 18))
        left = e - head * u + head * 0.55 * np.array([-u[1], u[0]])
        right = e - head * u - head * 0.55 * np.array([-u[1], u[0]])
        # A white halo under the arrow keeps it visible over any points.
        d.line([tuple(s), tuple(e - head * 0.5 * u)], fill=(255, 255, 255), width=lw * 2 + 3)
        d.polygon([tuple(e), tuple(left), tuple(right)], outline=(255, 255, 255), fill=(255, 255, 255), width=3)
        d.line([tuple(s), tuple(e - head * 0.5 * u)], fill=VECTOR_COLOR, width=lw * 2)
        d.polygon([tuple(e), tuple(left), tuple(right)], fill=VECTOR_COLOR)
