"""The class palette shared by everything that colours class ids: mask and box thumbnails,
molecule chains, and the category colours written into stored point clouds (so viewers show the
same colours as thumbnails). Pure data, no imports: any package may use it."""

from __future__ import annotations

#: 20 well-separated colours for class ids (id 0 is background in masks and is not drawn).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
)  # fmt: skip


def color_for(class_id: int) -> tuple[int, int, int]:
    """The colour of a class id (ids above 20 wrap around; 0 and below are black)."""
    return PALETTE[(class_id - 1) % len(PALETTE)] if class_id > 0 else (0, 0, 0)
