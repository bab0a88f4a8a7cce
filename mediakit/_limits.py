"""Safety limits, in one place. Servers may pass their own :class:`Limits` to ``thumbnail``."""

from __future__ import annotations

from dataclasses import dataclass

#: Largest image side accepted anywhere (JPEG and WebP cannot go beyond 65,535).
MAX_SIDE = 65_500
#: Largest pixel count decoded from a file (twice Pillow's warning threshold).
MAX_PIXELS = 178_956_970
#: Largest number of boxes in one image (all groups together) and masks per image.
MAX_BOXES = 100_000
MAX_MASKS = 64
#: Largest number of bins in a Histogram.
MAX_BINS = 512
#: Largest logical-screen area x frames a GIF may ask to composite (each frame is composited at
#: the full logical screen size, whatever its own size): checked from the blocks before decoding.
MAX_CANVAS_FRAMES = 1_000_000_000


@dataclass(frozen=True)
class Limits:
    """Resource limits for work on untrusted descriptors and files.

    - ``max_pixels``, ``max_side``: largest decoded image (pixel count, longest side).
    - ``max_frames``: most frames decoded from one animation or video.
    - ``max_points``: most atoms, vertices, faces or points a 3-D thumbnail parses.
    - ``max_file_bytes``: largest stored file a thumbnail reads.
    - ``max_boxes``: most boxes in one image descriptor.
    - ``render_seconds``, ``render_bytes``: the chart renderer (vl-convert, in its own worker
      process) is killed past this wall time or resident memory, and the caller gets a
      :class:`~mediakit.LimitError`; the caller's process is never at risk.
    - ``max_canvas_frames``: a GIF thumbnail or probe composites every frame on the logical
      screen: logical width x height x frames beyond this is refused from the header, before any
      frame is decoded.
    - ``max_raster_fragments``: the most pixel fragments the software 3-D renderer draws for one
      thumbnail (triangles by their covered area, splats by their disc area); beyond it the
      thumbnail is refused (meshes) or the splats shrink (molecules, point clouds).
    """

    max_pixels: int = MAX_PIXELS
    max_side: int = MAX_SIDE
    max_frames: int = 100_000
    max_points: int = 50_000_000
    max_file_bytes: int = 2 << 30
    max_boxes: int = MAX_BOXES
    render_seconds: float = 20.0
    render_bytes: int = 1 << 30
    max_canvas_frames: int = MAX_CANVAS_FRAMES
    max_raster_fragments: int = 50_000_000


DEFAULT_LIMITS = Limits()
