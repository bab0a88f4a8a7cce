"""Properties of valid values, for every registered kind: a value Hypothesis builds encodes to a
descriptor that ``mk.validate`` (and jsonschema) accepts, whose canonical JSON round-trips;
``decode`` gives back a value that encodes to the same descriptor byte for byte (and, where the
kind is lossless, the same data); ``thumbnail`` renders a PNG that Pillow reads as RGB or RGBA
whose long side is the asked size (pixel media smaller than that keep their own size)."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from conformance_cases import check_descriptor
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

import mediakit as mk
from mediakit._descriptor import dumps

from .strategies import PIXEL_KINDS, VALID, budget

#: examples per kind under the "dev" profile: the slow renderers (Vega-Lite in its worker
#: process, RDKit embedding) get fewer
EXAMPLES = {"chart": 6, "molecule": 8, "video": 10, "list": 10}


def test_every_builtin_kind_has_a_strategy() -> None:
    builtin = {k for k, v in mk.registry.items() if isinstance(v, str) and v.startswith("mediakit.")}
    assert builtin == set(VALID), "a kind without a valid-value strategy in tests/properties/strategies.py"


def _same_data(kind: str, obj: Any, back: Any) -> None:
    """Where the stored form is lossless, the decoded value holds the same data."""
    if kind == "image":
        assert back.pixels.shape == obj.pixels.shape and np.array_equal(back.pixels, obj.pixels)
    elif kind == "audio":
        assert (back.frames, back.channels, back.sample_rate) == (obj.frames, obj.channels, obj.sample_rate)
        np.testing.assert_allclose(back.as_float(), obj.as_float(), atol=1 / 16384)  # 16-bit PCM
    elif kind == "video":
        assert (back.num_frames, back.fps) == (obj.num_frames, obj.fps)  # sizes: MP4 pads odd ones
    elif kind == "list":
        assert len(back) == len(obj)


def _check(kind: str, obj: Any, size: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = mk.MemoryStore()
        desc = check_descriptor(obj.encode(store))
        assert desc["_type"] == kind
        back = mk.decode(desc, store)
        again = back.encode(store) if isinstance(back, mk.Kind) else mk.encode(back, store)
        assert dumps(again) == dumps(desc)
        _same_data(kind, obj, back)
        png = mk.thumbnail(desc, store, size=size)
    with PILImage.open(io.BytesIO(png)) as im:
        im.load()
        assert im.format == "PNG" and im.mode in ("RGB", "RGBA")
        assert min(im.size) >= 1
        if kind in PIXEL_KINDS:
            assert max(im.size) <= size
        else:
            assert max(im.size) == size, f"{kind}: drawn at {im.size}, asked {size}"


def _control_chars_chart() -> mk.Chart:
    table = mk.Table(columns=["x", "y\x1b", "g"], data=[[0.0, 0.0, "a\x00"], [1.0, 2.0, "b"]])
    return mk.plot.line(table, "x", "y\x1b", title="\x08")


#: Cases Hypothesis found, kept as explicit examples: kind -> (value builder, size).
FOUND: dict[str, list[tuple[Any, int]]] = {
    # A control character in a title, column name or value aborted vl-convert's SVG renderer
    # (SIGABRT in the worker, a LimitError for a chart mk.plot made): now drawn as U+FFFD.
    "chart": [(_control_chars_chart, 8)],
    # Finite values near the float64 limit overflowed the mean, variance or percentiles to inf
    # (a SchemaError on encode): now computed on values scaled by a power of two.
    "tensor": [(lambda: mk.TensorSummary(np.full(3, 4.36428197e206)), 8), (lambda: mk.TensorSummary(np.array([5e-324, 1.7e308, 1e308])), 17)],
}


def _property(kind: str) -> Any:
    @settings(max_examples=budget(EXAMPLES.get(kind, 12)))
    @given(obj=VALID[kind](), size=st.sampled_from([8, 17, 64]))
    def test(obj: Any, size: int) -> None:
        _check(kind, obj, size)

    for make, size in FOUND.get(kind, []):
        test = example(obj=make(), size=size)(test)

    test.__name__ = test.__qualname__ = f"test_valid_{kind}_round_trips_and_renders"
    return test


# One test per kind (its own example budget): test_valid_audio_round_trips_and_renders, ...
for _kind in VALID:
    globals()[f"test_valid_{_kind}_round_trips_and_renders"] = _property(_kind)
