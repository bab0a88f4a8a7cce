"""Hostile inputs that used to cost minutes, gigabytes or the whole process (issue 9): each is
refused (a LimitError) or rendered with bounded work, in under 2 s and 300 MB of traced memory."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

import mediakit as mk
from mediakit._limits import Limits
from mediakit.formats import gif
from mediakit.render import _vlworker
from mediakit.store import MemoryStore

SECONDS = 2.0
BYTES = 300 << 20


def bounded(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` and assert it took under 2 s and under 300 MB of traced memory."""
    tracemalloc.start()
    t = time.perf_counter()
    try:
        return fn()
    finally:
        elapsed = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert elapsed < SECONDS, f"took {elapsed:.2f} s"
        assert peak < BYTES, f"traced {peak / 2**20:.0f} MB"


def refused(fn: Callable[[], Any], pattern: str) -> None:
    def run() -> None:
        with pytest.raises(mk.LimitError, match=pattern):
            fn()

    bounded(run)


# -- charts ------------------------------------------------------------------------------------------

pytest.importorskip  # noqa: B018 (vl-convert is a core test dependency: the plot extra)


@pytest.fixture(scope="module")
def chart() -> tuple[dict[str, Any], MemoryStore]:
    store = MemoryStore()
    desc = mk.plot.scatter(mk.Table(columns=["x", "y"], data=[[1, 2], [3, 4], [5, 1]]), "x", "y").encode(store)
    mk.thumbnail(desc, store)  # starts the renderer's worker process outside the timed part
    return desc, store


def _png(b: bytes) -> PILImage.Image:
    return PILImage.open(io.BytesIO(b))


@pytest.mark.parametrize(
    "change",
    [
        {"padding": 1e6},
        {"padding": {"left": 1e6, "top": -1e6}},
        {"mark": {"type": "point", "fontSize": 1e6, "strokeWidth": 1e9, "size": 1e12}},
        {"config": {"axis": {"labelFontSize": 1e6, "titlePadding": 1e7, "tickSize": 1e8}}},
        {"params": [{"name": "p", "value": 1e6}], "padding": {"expr": "p"}},
        {"spacing": 1e9, "title": {"text": "t", "fontSize": 1e6, "offset": 1e9}},
    ],
    ids=["padding", "padding-object", "mark-sizes", "config-axis", "padding-expr", "title"],
)
def test_chart_layout_numbers_are_clamped(chart: Any, change: dict[str, Any]) -> None:
    desc, store = chart
    hostile = {**desc, "spec": {**desc["spec"], **change}}
    im = _png(bounded(lambda: mk.thumbnail(hostile, store, size=256)))
    assert max(im.size) == 256


@pytest.mark.parametrize("stop", [49_000_000, 1e8, 1e300])
def test_chart_generators_are_refused(chart: Any, stop: float) -> None:
    desc, store = chart
    spec = {k: v for k, v in desc["spec"].items() if k not in ("mark", "encoding")}
    spec["layer"] = [{"data": {"sequence": {"start": 0, "stop": stop}}, "mark": "point"}]
    hostile = {**desc, "spec": spec}
    refused(lambda: mk.thumbnail(hostile, store), r"spec.layer\[0\].data.sequence: generates more than 100,000 values")


def test_chart_impute_keyvals_are_refused(chart: Any) -> None:
    desc, store = chart
    enc = {**desc["spec"]["encoding"]}
    enc["y"] = {**enc["y"], "impute": {"keyvals": {"start": 0, "stop": 1e9}}}
    hostile = {**desc, "spec": {**desc["spec"], "encoding": enc}}
    refused(lambda: mk.thumbnail(hostile, store), r"spec.encoding.y.impute.keyvals: generates more than 100,000 values")


def test_chart_data_is_not_clamped() -> None:
    from mediakit.render.chart import safe_spec

    spec = {"layer": [{"data": {"values": [{"size": 1e9, "padding": 5e6}]}, "mark": {"type": "text", "fontSize": 500}}],
            "encoding": {"x": {"field": "size", "scale": {"domain": [0, 1e9]}}}, "transform": [{"filter": {"field": "size", "lt": 1e9}}]}  # fmt: skip
    out = safe_spec(spec, Limits())
    assert out["layer"][0]["data"]["values"] == [{"size": 1e9, "padding": 5e6}]
    assert out["layer"][0]["mark"]["fontSize"] == 200
    assert out["encoding"]["x"]["scale"]["domain"] == [0, 1e9]
    assert out["transform"][0]["filter"]["lt"] == 1e9


def test_chart_renderer_abort_is_a_limit_error_and_the_worker_restarts(chart: Any) -> None:
    desc, store = chart
    # Unsanitised: vl-convert aborts (SIGABRT) on a 2e6-pixel-wide canvas; only the worker dies.
    spec = {"data": {"values": [{"a": 1}]}, "mark": "point", "padding": 1e6, "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    refused(lambda: _vlworker.render_png(spec, 1.0, Limits()), r"spec: the chart renderer stopped \(signal 6\)")
    assert max(_png(mk.thumbnail(desc, store, size=128)).size) == 128  # a fresh worker draws the next chart


def test_chart_renderer_memory_limit(chart: Any) -> None:
    desc, store = chart
    tiny = Limits(render_bytes=1)
    refused(lambda: mk.thumbnail(desc, store, limits=tiny), r"spec: the chart renderer used more than 1 bytes of memory")
    assert max(_png(mk.thumbnail(desc, store, size=128)).size) == 128


# -- GIF ---------------------------------------------------------------------------------------------


def _gif_screen(width: int, height: int, frames: int) -> bytes:
    """A GIF with a large logical screen and ``frames`` 1x1 frames (about 13 bytes each)."""
    head = b"GIF89a" + width.to_bytes(2, "little") + height.to_bytes(2, "little") + b"\x00\x00\x00"
    # image descriptor at (0, 0), 1x1, a 2-colour local table; LZW (min code 2): clear, 0, end
    frame = b",\x00\x00\x00\x00\x01\x00\x01\x00\x80" + b"\x00\x00\x00\xff\xff\xff" + b"\x02\x02\x44\x01\x00"
    return head + frame * frames + b";"


def test_gif_canvas_frames_are_refused_before_decoding() -> None:
    blob = _gif_screen(4096, 4096, 1000)
    assert len(blob) < 25_000
    pattern = r"data: the GIF composites \d[\d,]* frames on a 4096x4096 screen, more than the limit of 1,000,000,000 pixels x frames"
    refused(lambda: gif.probe_gif(blob), pattern)
    refused(lambda: list(gif.iter_frames(blob, 3, (64, 64), None, "data", mk_pixels())), pattern)


def mk_pixels() -> int:
    return Limits().max_pixels


def test_gif_thumbnail_frames_within_budget_decode() -> None:
    blob = _gif_screen(64, 64, 5)
    frames = bounded(lambda: list(gif.iter_frames(blob, 3, None, 2, "data", mk_pixels())))
    assert len(frames) == 2 and frames[0].shape == (64, 64, 3)
    assert gif.probe_gif(blob).frames == 5


# -- lists -------------------------------------------------------------------------------------------


def test_list_item_count_is_checked_before_decoding() -> None:
    store = MemoryStore()
    img = mk.Image(np.zeros((8, 8, 3), np.uint8), layout="HWC")
    desc = mk.MediaList([img, img]).encode(store)
    desc["items"] = desc["items"][:1] * 10_001
    desc["count"] = 10_001
    from mediakit.kinds.list import MediaList

    # Kind-level decode (the validator's walk of the items is bounded separately).
    refused(lambda: MediaList._decode(desc, store), r"items: at most 10000 image items can be decoded from one list, got 10001")
