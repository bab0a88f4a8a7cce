"""The conformance tables: for every registered kind, GOOD inputs (which must round-trip and
render) and BAD inputs (which must raise the documented error and write nothing), all in ONE
shape, :class:`Case`. ``tests/test_conformance.py`` runs them; a registered kind without a table
fails there, so a new kind (built-in or plugin) comes with its table here.

``make`` builds the object (BAD cases may raise while building it or when it is encoded);
``error``/``match`` are the error class and message pattern of a BAD case (None for GOOD).
Inputs are small: the whole suite runs in a few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from plugin_kind import Spectrum

import mediakit as mk
from mediakit._descriptor import dumps, loads

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[], Any]
    error: type[BaseException] | None = None
    match: str | None = None

    @property
    def good(self) -> bool:
        return self.error is None


def check_descriptor(desc: dict[str, Any]) -> dict[str, Any]:
    """Valid for mediakit's validator and, through the bundled self-contained schema of its type,
    for the reference ``jsonschema``; canonical JSON round-trips. Works for plugin kinds too."""
    import jsonschema

    mk.validate(desc)
    jsonschema.Draft202012Validator(_bundled(desc["_type"])).validate(desc)
    for item in desc.get("items", []) if desc["_type"] == "list" else []:
        check_descriptor(item)
    text = dumps(desc)
    assert loads(text) == desc
    assert dumps(loads(text)) == text
    return desc


_BUNDLES: dict[str, str] = {}


def _bundled(type_name: str) -> dict[str, Any]:
    if type_name not in _BUNDLES:  # kept as text: a fresh copy per use
        _BUNDLES[type_name] = json.dumps(mk.schema(type_name, bundled=True))
    return json.loads(_BUNDLES[type_name])


# -- inputs ---------------------------------------------------------------------------------------

RNG = np.random.default_rng(5)
TONE = (0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)).astype(np.float32)
GRAY = np.arange(48, dtype=np.uint8).reshape(6, 8)
RGB = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)
POINTS = RNG.random((20, 3))


def _table() -> mk.Table:
    return mk.Table(columns=["x", "y", "g"], data=[[i, i * i, "ab"[i % 2]] for i in range(6)])


class Stray(mk.Kind):
    """A kind nobody registered: it writes a file, then its descriptor fails validation."""

    TYPE: ClassVar[str] = "stray"

    def _encode(self, store: Any) -> dict[str, Any]:
        return {**self._header(), **store.put(b"stray", suffix=".bin").to_dict()}

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Any) -> Stray:
        return cls()

    def _content(self) -> tuple[Any, ...]:
        return ()


AUDIO = [
    Case("float-mono", lambda: mk.Audio(TONE, sample_rate=8000, caption="tone")),
    Case("int16-stereo", lambda: mk.Audio(np.stack([TONE, -TONE], 1).__mul__(3000).astype(np.int16), sample_rate=8000)),
    Case("wav-file", lambda: mk.Audio.from_path(CORPUS / "audio" / "example.wav")),
    Case("uint8", lambda: mk.Audio(np.zeros(100, np.uint8), sample_rate=8000), mk.MediaTypeError, "got uint8"),
    Case("nan", lambda: mk.Audio(np.array([0.0, np.nan] * 5, np.float32), sample_rate=8000), mk.ValidationError, "finite samples"),
    Case("no-rate", lambda: mk.Audio(TONE), mk.ValidationError, "sample_rate: required"),
]

CHART = [
    Case("line", lambda: mk.plot.line(_table(), "x", "y", title="squares")),
    Case("bar", lambda: mk.plot.bar(_table(), "g", "y")),
    Case("missing-column", lambda: mk.plot.line(_table(), "x", "nope"), mk.ValidationError, r"column 'nope' is not in the table"),
    Case("string-y", lambda: mk.plot.line(_table(), "x", "g"), mk.ValidationError, "holds string values"),
]

HISTOGRAM = [
    Case("sequence", lambda: mk.Histogram(RNG.normal(size=200), num_bins=8)),
    Case("np-histogram", lambda: mk.Histogram(np_histogram=np.histogram([1, 2, 2, 3], bins=3))),
    Case("strings", lambda: mk.Histogram(["a", "b"]), mk.MediaTypeError, "expected a sequence of numbers"),
    Case("zero-bins", lambda: mk.Histogram([1.0, 2.0], num_bins=0), mk.ValidationError, "num_bins"),
]

HTML = [
    Case("string", lambda: mk.Html("<h1>Title</h1><p>text</p>")),
    Case("sanitized", lambda: mk.Html("<p onclick='x()'>hi</p>", sanitize=True)),
    Case("int", lambda: mk.Html(3), mk.MediaTypeError, "expected an HTML string"),
    Case("missing-file", lambda: mk.Html(Path("/nonexistent/page.html")), mk.MediaFileNotFoundError, "does not exist"),
]

IMAGE = [
    Case("gray", lambda: mk.Image(GRAY, caption="g")),
    Case("rgb-boxes-masks", lambda: mk.Image(
        RGB, layout="HWC",
        masks={"m": {"mask_data": (GRAY > 20).astype(np.uint8), "class_labels": {1: "one"}}},
        boxes={"b": {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1}], "class_labels": {1: "one"}}},
    )),
    Case("png-file", lambda: mk.Image.from_path(CORPUS / "images" / "logo.png")),
    Case("string-array", lambda: mk.Image(np.array([["a"]])), mk.MediaTypeError, "expected a numeric array"),
    Case("nan", lambda: mk.Image(np.full((4, 4), np.nan)), mk.ValidationError, "expected finite values"),
    Case("missing-file", lambda: mk.Image.from_path("/nonexistent/x.png"), mk.MediaFileNotFoundError, "does not exist"),
]

LIST = [
    Case("images", lambda: mk.MediaList([mk.Image(GRAY), mk.Image(GRAY[::-1])])),
    Case("html", lambda: mk.MediaList([mk.Html("<p>a</p>"), mk.Html("<p>b</p>")])),
    Case("empty", lambda: mk.MediaList([]), mk.ValidationError, "non-empty list"),
    Case("mixed", lambda: mk.MediaList([mk.Image(GRAY), mk.Html("<p>x</p>")]), mk.MediaTypeError, "one kind"),
    Case("numbers", lambda: mk.MediaList([mk.get_kind("number")(float("nan"))] * 2), mk.MediaTypeError, "not media"),
    # Fails after its items wrote files: the encode's transaction removes them again.
    Case("unregistered-items", lambda: mk.MediaList([Stray(), Stray()]), mk.SchemaError, "unknown descriptor type 'stray'"),
]

MOLECULE = [
    Case("sdf", lambda: mk.Molecule.from_path(CORPUS / "molecules" / "molecule.sdf")),
    Case("gro", lambda: mk.Molecule.from_path(CORPUS / "molecules" / "two_water_gro.gro", caption="water")),
    Case("pdb-zeros", lambda: mk.Molecule(b"00000", file_type="pdb"), mk.DecodeError, "no ATOM or HETATM"),
    Case("sdf-empty", lambda: mk.Molecule(b"", file_type="sdf"), mk.DecodeError, "no MOL records"),
]

NUMBER = [
    Case("nan", lambda: mk.get_kind("number")(float("nan"))),
    Case("-inf", lambda: mk.get_kind("number")(float("-inf"))),
    Case("finite", lambda: mk.get_kind("number")(1.5), mk.ValidationError, "expected a non-finite number"),
    Case("string", lambda: mk.get_kind("number")("nan"), mk.MediaTypeError, "expected a float"),
]

OBJECT3D = [
    Case("points", lambda: mk.Object3D(POINTS)),
    Case("points-rgb", lambda: mk.Object3D(np.hstack([POINTS, RNG.integers(0, 256, (20, 3))]))),
    Case("ply-file", lambda: mk.Object3D.from_path(CORPUS / "meshes" / "points_bin.ply")),
    Case("shape", lambda: mk.Object3D(np.zeros((4, 5))), mk.ValidationError, r"got shape \(4, 5\)"),
    Case("nan", lambda: mk.Object3D(np.array([[0, np.nan, 0]])), mk.ValidationError, "finite coordinate"),
]

PLOTLY = [
    Case("bar", lambda: mk.Plotly({"data": [{"type": "bar", "y": [1, 2]}], "layout": {"title": "T"}})),
    Case("scatter-numpy", lambda: mk.Plotly({"data": [{"type": "scatter", "x": np.arange(5.0), "y": [1, None, 3, 2, 5]}]}, caption="c")),
    Case("int", lambda: mk.Plotly(5), mk.MediaTypeError, "expected a plotly Figure"),
    Case("trace-type", lambda: mk.Plotly({"data": [{"type": "Bar Chart"}]}), mk.ValidationError, "trace type name"),
]

TABLE = [
    Case("rows", _table),
    Case("optional-and-nonfinite", lambda: mk.Table(columns=["a", "b"], data=[[1.0, None], [float("nan"), "x"]])),
    Case("row-length", lambda: mk.Table(columns=["a", "b"], data=[[1, 2], [1]]), mk.ValidationError, r"row 1: expected 2 values"),
    Case("type-mismatch", lambda: mk.Table(columns=["a"], data=[[1], ["six"]]), mk.MediaTypeError, "expected number like row 0"),
    Case("too-many-rows", lambda: mk.Table(columns=["a"], data=[[i] for i in range(11)], max_rows=10), mk.LimitError, "exceed max_rows=10"),
]

TENSOR = [
    Case("floats", lambda: mk.TensorSummary(RNG.normal(size=(10, 10)))),
    Case("kept-ints", lambda: mk.TensorSummary(np.arange(100), keep=True)),
    Case("strings", lambda: mk.TensorSummary(np.array(["a", "b"])), mk.MediaTypeError, "expected a numeric array"),
]

VIDEO = [
    Case("gif-frames", lambda: mk.Video(RNG.integers(0, 256, (3, 3, 16, 16), dtype=np.uint8), fps=4, caption="v")),
    Case("gif-file", lambda: mk.Video(CORPUS / "video" / "circle.gif")),
    Case("3-d", lambda: mk.Video(np.zeros((8, 24, 32), np.uint8)), mk.ValidationError, "got a 3-D array"),
    Case("no-frames", lambda: mk.Video(np.zeros((0, 3, 24, 32), np.uint8)), mk.ValidationError, "at least one frame"),
]

SPECTRUM = [  # the plugin kind of tests/plugin_kind
    Case("sine", lambda: Spectrum(np.sin(np.linspace(0, 6, 300)), caption="s")),
    Case("one-value", lambda: Spectrum([2.5])),
    Case("2-d", lambda: Spectrum(np.zeros((2, 2))), mk.ValidationError, "1-D array"),
    Case("nan", lambda: Spectrum([1.0, float("nan")]), mk.ValidationError, "finite"),
]

#: kind name -> its table; every kind in the registry must have one.
TABLES: dict[str, list[Case]] = {
    "audio": AUDIO,
    "chart": CHART,
    "histogram": HISTOGRAM,
    "html": HTML,
    "image": IMAGE,
    "list": LIST,
    "molecule": MOLECULE,
    "number": NUMBER,
    "object3d": OBJECT3D,
    "plotly": PLOTLY,
    "spectrum": SPECTRUM,
    "table": TABLE,
    "tensor": TENSOR,
    "video": VIDEO,
}
