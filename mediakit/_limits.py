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


@dataclass(frozen=True)
class Limits:
    """Resource limits for work on untrusted descriptors and files."""

    max_pixels: int = MAX_PIXELS
    max_side: int = MAX_SIDE
    max_frames: int = 100_000
    max_points: int = 50_000_000
    max_file_bytes: int = 2 << 30
    max_boxes: int = MAX_BOXES


DEFAULT_LIMITS = Limits()
