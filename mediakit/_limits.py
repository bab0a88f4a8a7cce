"""Safety limits, in one place. Servers may pass their own :class:`Limits` to ``thumbnail``."""

from __future__ import annotations

from ._record import FrozenRecord

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
#: Largest JSON file a thumbnail parses (table files, a Parquet table's JSON preview, a chart's
#: table, Plotly figures) and the deepest nesting it reads in one.
MAX_JSON_BYTES = 64 << 20
MAX_JSON_DEPTH = 512
#: Largest size a gzipped input may expand to (molecule files are read through gzip).
MAX_DECOMPRESSED_BYTES = 1 << 30
#: Most samples (frames x channels) decoded from one audio file: 2^30 (4 GiB as float32).
MAX_AUDIO_SAMPLES = 1 << 30


class Limits(FrozenRecord):
    """Resource limits for work on untrusted descriptors and files (immutable; hashable; a
    variant is ``limits.replace(max_pixels=...)``).

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
    - ``max_json_bytes``: the largest JSON file a thumbnail parses (a table file or a Parquet
      table's JSON preview, a chart's table, a Plotly figure), checked before reading. A table
      thumbnail parses only the rows it draws; a chart's table and a Plotly figure are parsed
      whole.
    - ``max_json_depth``: the deepest nesting a thumbnail reads in such a JSON file (the document
      is level 1), counted before anything is parsed.
    - ``max_decompressed_bytes``: the most a gzipped file may expand to (molecule files); the
      expansion is counted while decompressing, so a bomb is refused holding a bounded amount.
    - ``max_audio_samples``: the most samples (frames x channels) an audio file may declare for
      an audio thumbnail (checked from the header before decoding); the audio readers apply the
      same default.
    """

    __slots__ = __match_args__ = (
        "max_pixels",
        "max_side",
        "max_frames",
        "max_points",
        "max_file_bytes",
        "max_boxes",
        "render_seconds",
        "render_bytes",
        "max_canvas_frames",
        "max_raster_fragments",
        "max_json_bytes",
        "max_json_depth",
        "max_decompressed_bytes",
        "max_audio_samples",
    )

    max_pixels: int
    max_side: int
    max_frames: int
    max_points: int
    max_file_bytes: int
    max_boxes: int
    render_seconds: float
    render_bytes: int
    max_canvas_frames: int
    max_raster_fragments: int
    max_json_bytes: int
    max_json_depth: int
    max_decompressed_bytes: int
    max_audio_samples: int

    def __init__(
        self,
        max_pixels: int = MAX_PIXELS,
        max_side: int = MAX_SIDE,
        max_frames: int = 100_000,
        max_points: int = 50_000_000,
        max_file_bytes: int = 2 << 30,
        max_boxes: int = MAX_BOXES,
        render_seconds: float = 20.0,
        render_bytes: int = 1 << 30,
        max_canvas_frames: int = MAX_CANVAS_FRAMES,
        max_raster_fragments: int = 50_000_000,
        max_json_bytes: int = MAX_JSON_BYTES,
        max_json_depth: int = MAX_JSON_DEPTH,
        max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES,
        max_audio_samples: int = MAX_AUDIO_SAMPLES,
    ) -> None:
        self._init(
            max_pixels, max_side, max_frames, max_points, max_file_bytes, max_boxes, render_seconds, render_bytes,
            max_canvas_frames, max_raster_fragments, max_json_bytes, max_json_depth, max_decompressed_bytes,
            max_audio_samples,
        )


DEFAULT_LIMITS = Limits()
