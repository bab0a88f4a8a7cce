"""A small software renderer for 3-D thumbnails: numpy + Pillow, no GPU, no OpenGL.

Everything is drawn through one z-buffered :class:`Canvas`:

- point splats (discs of a few pixels, optionally shaded as spheres for atoms),
- thick segments (sampled into overlapping discs: backbone tubes, wireframes),
- triangles (flat colours, vectorised rasteriser: bounding-box candidates + edge functions).

Visibility is resolved per pixel with one ``np.minimum.at`` over 64-bit keys (order-preserving depth
bits in the high word, fragment index in the low word), so the nearest fragment always wins and
ties are broken by fragment order: the output is identical on every run and every machine.

Work is bounded by a fragment budget (:class:`Canvas` ``budget``: at most
``Limits.max_raster_fragments`` and at most :data:`FRAGMENTS_PER_PIXEL` per canvas pixel, so the cost is a bounded
multiple of the output size whatever the input says): splats and thick segments shrink to fit it, and triangles whose
covered area (estimated before any pixel is visited) exceeds it are refused with :class:`~mediakit.LimitError`.
Single-pixel splats are always drawn (their count is bounded by ``Limits.max_points``).

The camera is orthographic. :func:`view_basis` gives the fixed viewpoint used for meshes and point
clouds (see its docstring); molecules use their principal axes (:func:`principal_basis`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image as PILImage

from .._errors import LimitError

#: Viewer direction for meshes and point clouds, in a Z-up world: 60 degrees clockwise from +x
#: towards -y (front-right) and 25 degrees above the horizon.
AZIMUTH_DEG = -60.0
ELEVATION_DEG = 25.0
#: Light direction in view space (x right, y up, z towards the viewer): upper left, in front.
LIGHT = np.array([-0.35, 0.55, 0.76]) / np.linalg.norm([-0.35, 0.55, 0.76])
AMBIENT = 0.32
#: Fragments processed per chunk in the triangle rasteriser (bounds temporary memory).
_CHUNK = 1 << 20
_U64_MAX = np.uint64(np.iinfo(np.uint64).max)
#: Most fragments drawn per canvas pixel (all primitives together); ~16 M fragments cost ~1 s.
FRAGMENTS_PER_PIXEL = 16


def view_basis(up_axis: str = "z") -> np.ndarray:
    """Rows ``right``, ``up``, ``back`` (towards the viewer) of the fixed camera, in world axes.

    The camera looks at the scene from the front-right, 25 degrees above the horizon
    (:data:`AZIMUTH_DEG`, :data:`ELEVATION_DEG`), with ``up_axis`` (``"z"``: lidar, CAD, STL;
    ``"y"``: glTF/OBJ convention) pointing up on screen. A Y-up model's front (+z) faces the
    camera the same way a Z-up model's front (-y) does.
    """
    az, el = math.radians(AZIMUTH_DEG), math.radians(ELEVATION_DEG)
    back = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
    world_up = np.array([0.0, 0.0, 1.0])
    right = np.cross(world_up, back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    basis = np.stack([right, up, back])
    if up_axis == "y":
        # A Y-up point (x, y, z) is the Z-up point (x, -z, y): compose that change of axes.
        to_zup = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
        basis = basis @ to_zup
    return basis


def principal_basis(points: np.ndarray) -> np.ndarray:
    """Rows ``right``, ``up``, ``back`` along the principal axes of ``points`` (largest spread
    across the screen, smallest towards the viewer), with signs fixed by the third moment so
    the same structure always gives the same picture."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return np.eye(3)
    c = p - p.mean(axis=0)
    cov = c.T @ c / len(c)
    _vals, vecs = np.linalg.eigh(cov)
    axes = vecs[:, ::-1].T.copy()  # descending variance
    for i in range(2):
        proj = c @ axes[i]
        skew = float(np.mean(proj**3))
        if abs(skew) < 1e-12:
            skew = float(axes[i][np.argmax(np.abs(axes[i]))])
        if skew < 0:
            axes[i] = -axes[i]
    axes[2] = np.cross(axes[0], axes[1])
    return axes


@dataclass
class Projection:
    """Maps view-space coordinates (from a basis) to pixels of a ``width`` x ``height`` canvas."""

    basis: np.ndarray
    center: np.ndarray
    scale: float
    offset: np.ndarray  # pixel position of the view-space origin (x, y)

    def view(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) world points -> (N, 3) view coordinates (right, up, back)."""
        return _apply(self.basis, points, self.center)

    def to_screen(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) world points -> (N, 3) of pixel x, pixel y, depth (smaller is nearer)."""
        cols = _apply_cols(self.basis, points, self.center)
        out = np.empty((len(cols[0]), 3), np.float64)
        out[:, 0] = self.offset[0] + cols[0] * self.scale
        out[:, 1] = self.offset[1] - cols[1] * self.scale
        out[:, 2] = -cols[2] * self.scale
        return out


def _apply_cols(basis: np.ndarray, points: np.ndarray, center: np.ndarray) -> list[np.ndarray]:
    # Column by column on contiguous copies: a (N, 3) @ (3, 3) product goes through BLAS with a
    # tiny inner dimension and is several times slower than nine fused multiply-adds.
    p = np.asarray(points)
    cols = [np.ascontiguousarray(p[:, i], np.float64) - center[i] for i in range(3)]
    return [cols[0] * basis[r, 0] + cols[1] * basis[r, 1] + cols[2] * basis[r, 2] for r in range(3)]


def _apply(basis: np.ndarray, points: np.ndarray, center: np.ndarray) -> np.ndarray:
    return np.stack(_apply_cols(basis, points, center), axis=-1) if len(points) else np.zeros((0, 3))


def fit_projection(basis: np.ndarray, extent_points: np.ndarray, width: int, height: int, *, margin: float) -> Projection:
    """An orthographic projection that fits ``extent_points`` (world) inside the canvas."""
    pts = np.asarray(extent_points).reshape(-1, 3)
    if len(pts) == 0:
        pts = np.zeros((1, 3))
    cols = [np.ascontiguousarray(pts[:, i], np.float64) for i in range(3)]
    center = np.array([(c.min() + c.max()) / 2 for c in cols])
    v = _apply_cols(basis, pts, center)
    lo = np.array([v[0].min(), v[1].min()])
    hi = np.array([v[0].max(), v[1].max()])
    span = np.maximum(hi - lo, 1e-9)
    avail = np.array([width - 2 * margin, height - 2 * margin], np.float64)
    scale = float(np.min(np.maximum(avail, 1) / span))
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    mid = (lo + hi) / 2
    offset = np.array([width / 2 - mid[0] * scale, height / 2 + mid[1] * scale])
    return Projection(basis=basis, center=center, scale=scale, offset=offset)


def _depth_bits(depth: np.ndarray) -> np.ndarray:
    """float32 depths -> uint32 whose unsigned order equals the float order."""
    bits = np.ascontiguousarray(depth, np.float32).view(np.uint32)
    neg = (bits >> np.uint32(31)).astype(bool)
    return np.where(neg, ~bits, bits | np.uint32(0x80000000))


class Canvas:
    """An RGB image with a depth buffer; every drawing call is z-tested against it."""

    def __init__(
        self, width: int, height: int, background: tuple[int, int, int] = (255, 255, 255), *, budget: int | None = None
    ) -> None:
        self.width, self.height = int(width), int(height)
        n = self.width * self.height
        cap = FRAGMENTS_PER_PIXEL * n
        #: Fragments this canvas may still draw (splats and segments shrink to fit, triangles refuse).
        self.budget = min(cap, int(budget)) if budget is not None else cap
        self.spent = 0
        self.rgb = np.empty((n, 3), np.uint8)
        self.rgb[:] = background
        self.depth = np.full(n, np.inf, np.float32)

    # -- fragments ------------------------------------------------------------------------------
    def resolve(self, x: np.ndarray, y: np.ndarray, depth: np.ndarray, colors: np.ndarray) -> None:
        """Write fragments (integer pixel x/y, depth, uint8 RGB) where they are nearest."""
        x = np.asarray(x, np.int64)
        y = np.asarray(y, np.int64)
        inside = (x >= 0) & (x < self.width) & (y >= 0) & (y < self.height) & np.isfinite(depth)
        if not inside.all():
            x, y, depth, colors = x[inside], y[inside], depth[inside], colors[inside]
        if len(x) == 0:
            return
        for start in range(0, len(x), 1 << 31):  # the fragment index must fit in 32 bits
            sl = slice(start, start + (1 << 31))
            self._resolve(y[sl] * self.width + x[sl], depth[sl], colors[sl])

    def _resolve(self, pix: np.ndarray, depth: np.ndarray, colors: np.ndarray) -> None:
        key = (_depth_bits(depth).astype(np.uint64) << np.uint64(32)) | np.arange(len(pix), dtype=np.uint64)
        best = np.full(self.width * self.height, _U64_MAX, np.uint64)
        np.minimum.at(best, pix, key)
        touched = np.flatnonzero(best != _U64_MAX)
        win = (best[touched] & np.uint64(0xFFFFFFFF)).astype(np.intp)
        d = np.asarray(depth, np.float32)[win]
        nearer = d < self.depth[touched]
        t = touched[nearer]
        self.depth[t] = d[nearer]
        self.rgb[t] = colors[win[nearer]]

    # -- budget ---------------------------------------------------------------------------------
    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.spent)

    def _refusal(self, what: str, need: float) -> str:
        return (
            f"path: drawing the {what} needs about {int(need):,} pixel fragments at this thumbnail size, more than "
            f"the {self.remaining:,} left of the budget of {self.budget:,} (Limits.max_raster_fragments, at most "
            f"{FRAGMENTS_PER_PIXEL} per canvas pixel); pass a smaller size or a simpler file"
        )

    def fit_radius(self, count: int, radius: float) -> float:
        """The largest radius <= ``radius`` at which ``count`` discs fit the remaining budget
        (0: single pixels, which are always allowed)."""
        r = max(0.0, float(radius))
        left = self.remaining
        if count <= 0 or r == 0 or count * _disc_size(r) <= left:
            return r
        r = min(r, max(0.0, math.sqrt(left / (count * math.pi)) - 0.5))
        while r >= 0.5 and count * _disc_size(r) > left:
            r -= 0.5
        return r if r >= 0.5 else 0.0

    # -- primitives -------------------------------------------------------------------------------
    def splats(self, screen: np.ndarray, colors: np.ndarray, radius: float, *, sphere: bool = False) -> None:
        """Discs of ``radius`` pixels at screen points (N, 3: x, y, depth).

        ``sphere=True`` shades each disc as a lit sphere and bulges its depth towards the viewer
        (atoms); otherwise discs are flat (points).
        """
        if len(screen) == 0:
            return
        r = self.fit_radius(len(screen), radius)
        ri = math.ceil(r)
        oy, ox = np.mgrid[-ri : ri + 1, -ri : ri + 1]
        dist2 = (ox**2 + oy**2).astype(np.float64)
        keep = dist2 <= (r + 0.5) ** 2 if r > 0 else dist2 == 0
        ox, oy, dist2 = ox[keep], oy[keep], dist2[keep]
        cx = np.rint(screen[:, 0]).astype(np.int64)
        cy = np.rint(screen[:, 1]).astype(np.int64)
        cz = screen[:, 2].astype(np.float32)
        colors = np.asarray(colors, np.uint8)
        k = len(ox)
        self.spent += k * len(screen)
        step = max(1, _CHUNK // k)
        if sphere and r > 0:
            h = np.sqrt(np.clip(1.0 - dist2 / (r + 0.5) ** 2, 0.0, 1.0))
            nx, ny = ox / (r + 0.5), -oy / (r + 0.5)
            shade = np.clip(AMBIENT + (1 - AMBIENT) * (nx * LIGHT[0] + ny * LIGHT[1] + h * LIGHT[2]), 0.0, 1.0).astype(np.float32)
            bulge = (-h * r).astype(np.float32)
        for s in range(0, len(cx), step):
            e = min(len(cx), s + step)
            fx = (cx[s:e, None] + ox[None, :]).ravel()
            fy = (cy[s:e, None] + oy[None, :]).ravel()
            if sphere and r > 0:
                fz = (cz[s:e, None] + bulge[None, :]).ravel()
                col = (colors[s:e, None, :].astype(np.float32) * shade[None, :, None]).reshape(-1, 3)
                col = np.clip(col + 0.5, 0, 255).astype(np.uint8)
            else:
                fz = np.repeat(cz[s:e], k) if k > 1 else cz[s:e]
                col = np.repeat(colors[s:e], k, axis=0) if k > 1 else colors[s:e]
            self.resolve(fx, fy, fz, col)

    def segments(self, a: np.ndarray, b: np.ndarray, colors: np.ndarray, radius: float, *, sphere: bool = False) -> None:
        """Thick segments from screen points ``a`` to ``b`` (each (N, 3)), sampled into discs."""
        if len(a) == 0:
            return
        a = np.asarray(a, np.float64)
        b = np.asarray(b, np.float64)
        length = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
        radius = max(0.0, float(radius))
        while True:  # thinner segments take more, smaller discs: shrink until the total fits
            step = max(0.5, 0.6 * radius)
            count = np.minimum(np.ceil(length / step).astype(np.int64), 4 * (self.width + self.height)) + 1
            need = float(count.sum()) * _disc_size(radius)
            if need <= self.remaining:
                break
            if radius <= 0:
                raise LimitError(self._refusal("segments", need))
            radius = self.fit_radius(int(count.sum()), radius)  # strictly smaller: it did not fit
        seg = np.repeat(np.arange(len(a)), count)
        first = np.cumsum(count) - count
        t = (np.arange(int(count.sum())) - np.repeat(first, count)) / np.repeat(np.maximum(count - 1, 1), count)
        pts = a[seg] + (b[seg] - a[seg]) * t[:, None]
        self.splats(pts, np.asarray(colors, np.uint8)[seg], radius, sphere=sphere)

    def triangles(self, tri: np.ndarray, colors: np.ndarray) -> None:
        """Flat-coloured triangles: ``tri`` is (T, 3, 3) screen coordinates (x, y, depth).

        Scanline rasterisation, vectorised over all triangles at once: each triangle is cut into
        the pixel rows whose centres it covers, each row into its covered pixel centres, and the
        depth comes from the triangle's plane. Work is proportional to covered pixels, whatever
        the triangles' shapes (long slivers cost no more than their area).
        """
        if len(tri) == 0:
            return
        tri = np.asarray(tri, np.float64)
        colors = np.asarray(colors, np.uint8)
        xs, ys, zs = tri[:, :, 0], tri[:, :, 1], tri[:, :, 2]
        # Depth plane z = a*x + b*y + c of each triangle (degenerate ones get their mean depth).
        e1x, e1y, e1z = xs[:, 1] - xs[:, 0], ys[:, 1] - ys[:, 0], zs[:, 1] - zs[:, 0]
        e2x, e2y, e2z = xs[:, 2] - xs[:, 0], ys[:, 2] - ys[:, 0], zs[:, 2] - zs[:, 0]
        det = e1x * e2y - e2x * e1y
        flat = np.abs(det) < 1e-12
        safe = np.where(flat, 1.0, det)
        pa = np.where(flat, 0.0, (e1z * e2y - e2z * e1y) / safe)
        pb = np.where(flat, 0.0, (e2z * e1x - e1z * e2x) / safe)
        pc = np.where(flat, zs.mean(axis=1), zs[:, 0] - pa * xs[:, 0] - pb * ys[:, 0])
        covered = np.zeros(len(tri), bool)
        row0 = np.maximum(np.ceil(ys.min(axis=1)), 0).astype(np.int64)
        row1 = np.minimum(np.floor(ys.max(axis=1)), self.height - 1).astype(np.int64)
        nrows = np.where(flat, 0, np.maximum(row1 - row0 + 1, 0))
        # Work is rows + covered pixels: bound the pixels by the smaller of the triangle's area
        # (plus its perimeter, for partly covered edge pixels) and its bounding box on the canvas,
        # and refuse before visiting any pixel when the total is over budget.
        bw = np.maximum(np.minimum(np.floor(xs.max(axis=1)), self.width - 1) - np.maximum(np.ceil(xs.min(axis=1)), 0) + 1, 0)
        perim = np.hypot(e1x, e1y) + np.hypot(e2x, e2y) + np.hypot(xs[:, 2] - xs[:, 1], ys[:, 2] - ys[:, 1])
        pixels = np.minimum(np.abs(det) / 2 + perim + 1, bw * nrows)
        need = float(nrows.sum()) + float(np.where(flat, 0, pixels).sum()) + len(tri)
        if not need <= self.remaining:
            raise LimitError(self._refusal("triangles", need))
        self.spent += int(need)
        # Process triangles in groups so the row and pixel arrays stay bounded in memory.
        cum = np.cumsum(nrows)
        start = 0
        while start < len(tri):
            base = cum[start - 1] if start else 0
            stop = int(np.searchsorted(cum, base + _CHUNK, side="right"))
            stop = max(stop, start + 1)
            self._scan(slice(start, stop), xs, ys, nrows, row0, pa, pb, pc, colors, covered)
            start = stop
        # Sub-pixel and sliver triangles cover no pixel centre: keep them visible as one fragment
        # at their centroid, so dense meshes do not fall apart into holes at thumbnail size.
        rest = np.flatnonzero(~covered)
        if len(rest):
            cxy = tri[rest].mean(axis=1)
            self.resolve(np.rint(cxy[:, 0]), np.rint(cxy[:, 1]), cxy[:, 2].astype(np.float32), colors[rest])

    def _scan(self, sl: slice, xs: np.ndarray, ys: np.ndarray, nrows: np.ndarray, row0: np.ndarray,
              pa: np.ndarray, pb: np.ndarray, pc: np.ndarray, colors: np.ndarray, covered: np.ndarray) -> None:  # fmt: skip
        ids = np.arange(sl.start, sl.stop)
        n = nrows[sl]
        if n.sum() == 0:
            return
        tid = np.repeat(ids, n)
        first = np.cumsum(n) - n
        y = (row0[sl].repeat(n) + np.arange(int(n.sum())) - np.repeat(first, n)).astype(np.float64)
        xl = np.full(len(y), np.inf)
        xr = np.full(len(y), -np.inf)
        for a, b in ((0, 1), (1, 2), (2, 0)):
            ya, yb = ys[tid, a], ys[tid, b]
            xa, xb = xs[tid, a], xs[tid, b]
            lo, hi = np.minimum(ya, yb), np.maximum(ya, yb)
            hit = (y >= lo) & (y <= hi) & (hi > lo)
            t = np.where(hit, (y - ya) / np.where(hi > lo, yb - ya, 1.0), 0.0)
            xi = xa + t * (xb - xa)
            xl = np.where(hit, np.minimum(xl, xi), xl)
            xr = np.where(hit, np.maximum(xr, xi), xr)
        c0 = np.maximum(np.ceil(xl), 0)
        c1 = np.minimum(np.floor(xr), self.width - 1)
        width = np.where(np.isfinite(c0) & np.isfinite(c1), np.maximum(c1 - c0 + 1, 0), 0).astype(np.int64)
        total = int(width.sum())
        if total == 0:
            return
        ftid = np.repeat(tid, width)
        rfirst = np.cumsum(width) - width
        px = np.repeat(c0, width).astype(np.int64) + (np.arange(total) - np.repeat(rfirst, width))
        py = np.repeat(y, width).astype(np.int64)
        covered[ftid] = True
        z = (pa[ftid] * px + pb[ftid] * py + pc[ftid]).astype(np.float32)
        self.resolve(px, py, z, colors[ftid])

    def image(self) -> PILImage.Image:
        return PILImage.fromarray(self.rgb.reshape(self.height, self.width, 3), "RGB")


def _disc_size(radius: float) -> int:
    """Pixels in a splat disc of ``radius`` (as :meth:`Canvas.splats` draws it)."""
    if radius <= 0:
        return 1
    ri = math.ceil(radius)
    o = np.arange(-ri, ri + 1)
    return int(((o[:, None] ** 2 + o[None, :] ** 2) <= (radius + 0.5) ** 2).sum())


def flat_shade(view_tri: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Lambert shading (two-sided, with ambient) of triangles given in view space (T, 3, 3)."""
    n = np.cross(view_tri[:, 1] - view_tri[:, 0], view_tri[:, 2] - view_tri[:, 0])
    norm = np.linalg.norm(n, axis=1)
    norm[norm == 0] = 1.0
    lam = np.abs(n @ LIGHT) / norm
    f = AMBIENT + (1 - AMBIENT) * lam
    return np.clip(np.asarray(colors, np.float32) * f[:, None].astype(np.float32) + 0.5, 0, 255).astype(np.uint8)


def depth_cue(colors: np.ndarray, depth: np.ndarray, strength: float = 0.35) -> np.ndarray:
    """Darken far things a little (depth: smaller is nearer) so shape reads without lighting."""
    if len(depth) == 0:
        return np.asarray(colors, np.uint8)
    lo, hi = float(np.min(depth)), float(np.max(depth))
    t = (depth - lo) / (hi - lo) if hi > lo else np.zeros_like(depth)
    f = (1.0 - strength * t).astype(np.float32)
    return np.clip(np.asarray(colors, np.float32) * f[:, None] + 0.5, 0, 255).astype(np.uint8)


def box_edges(corners: np.ndarray) -> list[tuple[int, int]]:
    """The 12 edges of a box given as 8 corners in any order.

    In a parallelepiped every space diagonal's midpoint is the centre, each face diagonal shares
    its midpoint with the other diagonal of its face, and each edge's midpoint is its own: the 12
    pairs with unique midpoints that are not the centre are the edges. Corners that do not form
    a parallelepiped fall back to each corner's three nearest neighbours.
    """
    c = np.asarray(corners, np.float64).reshape(8, 3)
    scale = float(np.ptp(c, axis=0).max()) or 1.0
    tol = 1e-6 * scale + 1e-12
    pairs = [(i, j) for i in range(8) for j in range(i + 1, 8)]
    mids = np.array([(c[i] + c[j]) / 2 for i, j in pairs])
    centre = c.mean(axis=0)
    d = np.linalg.norm(mids[:, None, :] - mids[None, :, :], axis=2)
    shared = (d < tol).sum(axis=1) > 1
    at_centre = np.linalg.norm(mids - centre, axis=1) < tol
    edges = [p for p, s, z in zip(pairs, shared, at_centre) if not s and not z]
    if len(edges) == 12:
        return edges
    dist = np.linalg.norm(c[:, None, :] - c[None, :, :], axis=2)
    found: set[tuple[int, int]] = set()
    for i in range(8):
        for j in np.argsort(dist[i], kind="stable")[1:4]:
            found.add((min(i, int(j)), max(i, int(j))))
    return sorted(found)
