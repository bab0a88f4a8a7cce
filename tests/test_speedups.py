"""The C column primitives behind the compiled schema predicates (``mediakit._speedups``).

Each answers exactly or says "not mine" (None): the tests check the answers against plain Python
on valid and hostile inputs (dict and str subclasses, keys that are not str, bools, numpy
scalars, non-finite numbers, huge ints), that no reference is leaked or lost on either path,
and that the image validator really uses them when they are built. Whether validation with and
without them agrees is tests/test_validator_compiled.py's business (it runs in both modes).
"""

from __future__ import annotations

import enum
import gc
import math
import os
import sys
import warnings
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediakit import _native, _schema

S = _native.speedups()
if S is None:
    if os.environ.get("CI"):
        pytest.fail("mediakit._speedups was not built: the install step must compile it", pytrace=False)
    pytest.skip("mediakit._speedups is not built here (no C compiler at install)", allow_module_level=True)


class Key(str):
    pass


class Map(dict):  # type: ignore[type-arg]
    pass


class Color(enum.Enum):
    RED = 1.5


KEYS = ("a", "b", "c")


def counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Route every caller's C functions through a counter (how many calls each): a test that
    compares the C and Python paths checks the C one really ran."""
    calls: dict[str, int] = {}

    class Counting:
        def __getattr__(self, name: str) -> Any:
            real = getattr(S, name)

            def counted(*args: Any) -> Any:
                calls[name] = calls.get(name, 0) + 1
                return real(*args)

            return counted

    monkeypatch.setattr(_native, "speedups", lambda: Counting())
    return calls


# -- columns ----------------------------------------------------------------------------------


def test_columns_splits_values_by_key_in_order() -> None:
    vs = [{"a": 1, "b": 2.5}, {"b": "x", "a": None}, {"c": [1]}, {}]
    assert S.columns(vs, KEYS) == ([1, None], [2.5, "x"], [[1]])
    assert S.columns([], KEYS) == ([], [], [])
    assert S.columns([{}], ()) == ()


def test_columns_matches_keys_by_text_not_identity() -> None:
    # keys built at run time are other objects than the tuple's: compared by their code points
    made = ["".join(["po", "sition"]), "".join(["é", "t"]), "".join(["\U0001f600", "x"])]
    vs = [{made[0]: 1, made[1]: 2, made[2]: 3}]
    assert S.columns(vs, ("position", "ét", "\U0001f600x")) == ([1], [2], [3])
    assert S.columns([{"positiom": 1}], ("position",)) is None
    assert S.columns([{"a": 1}], ("\u00e1",)) is None  # same length, other code point


@pytest.mark.parametrize(
    "bad",
    [
        Map(a=1),  # a dict subclass may override anything: the Python path decides
        {"a": 1, "d": 2},  # a key outside the names
        {"a": 1, 7: 2},  # a key that is no str
        {Key("a"): 1},  # a str subclass key
        [("a", 1)],
        None,
        "a",
        {"a": 1, "b": 2, "c": 3, "d": 4},  # more entries than names
    ],
)
def test_columns_gives_up_on_what_it_does_not_handle(bad: Any) -> None:
    vs = [{"a": 1}] * 5 + [bad] + [{"b": 2}] * 5
    assert S.columns(vs, KEYS) is None


def test_no_keys_or_no_rows_leave_the_shared_empty_tuple_alone() -> None:
    """Zero columns (or a transpose of no rows) give the shared empty tuple: it is never
    untracked and then tracked by the collector (it is not a tracked object)."""
    for call in (lambda: S.columns([{}, {}], ()), lambda: S.columns([], ()), lambda: S.transpose([[], []], 0)):
        assert not gc.is_tracked(())
        assert call() == ()
        assert not gc.is_tracked(())  # (a collection would untrack it again: none ran)
    assert S.transpose([], 2) == ((), ())
    assert not gc.is_tracked(())


def test_columns_has_a_limit_on_names() -> None:
    many = tuple(f"k{i}" for i in range(65))
    assert S.columns([{"k0": 1}], many) is None
    assert S.columns([{"k0": 1}], many[:64])[0] == [1]


@pytest.mark.parametrize("args", [([], ["a"]), ((), ("a",)), ([], (1,)), ([],), ([], ("a",), 1)])
def test_columns_refuses_wrong_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        S.columns(*args)


def test_columns_counts_references_right_on_both_paths() -> None:
    value = object()
    vs = [{"a": value, "b": value} for _ in range(100)]
    gc.collect()
    before = sys.getrefcount(value)
    cols = S.columns(vs, KEYS)
    assert sys.getrefcount(value) == before + 200
    del cols
    assert sys.getrefcount(value) == before
    vs.append({"z": value})  # gives up after filling the columns of 100 dicts
    assert S.columns(vs, KEYS) is None
    assert sys.getrefcount(value) == before + 1  # only the new dict holds it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "é"]), st.integers(), max_size=4), max_size=30))
def test_columns_agree_with_python(vs: list[dict[str, int]]) -> None:
    expected = None if any(set(d) - set(KEYS) for d in vs) else tuple([d[k] for d in vs if k in d] for k in KEYS)
    assert S.columns(vs, KEYS) == expected


# -- values -----------------------------------------------------------------------------------


def test_values_in_order_or_none() -> None:
    assert S.values([{"x": 1, "y": 2.0}, {}, {"z": "s"}]) == [1, 2.0, "s"]
    assert S.values([]) == []
    for bad in (Map(x=1), {"x": 1, 2: 3}, {Key("x"): 1}, [1], None):
        assert S.values([{"x": 1}, bad]) is None
    with pytest.raises(TypeError):
        S.values(({"x": 1},))


def test_values_counts_references_right() -> None:
    value = object()
    vs = [{"p": value, "q": value}] * 10
    before = sys.getrefcount(value)
    out = S.values(vs)
    assert sys.getrefcount(value) == before + 20
    del out
    held = [*vs, {1: value}]  # gives up at the last dict, after taking the others' values
    assert S.values(held) is None
    assert sys.getrefcount(value) == before + 1  # the one new dict of held holds it; nothing leaked


# -- numbers ----------------------------------------------------------------------------------


def test_numbers_reports_kind_and_extremes() -> None:
    assert S.numbers([3, -2, 10**30]) == (True, -2, 10**30)
    out = S.numbers([0.5, 2, -1.25, 7])
    assert out == (False, -1.25, 7) and type(out[2]) is int
    assert S.numbers([-0.0]) == (False, 0.0, 0.0)
    assert S.numbers([]) == (True, None, None)
    # a huge int against floats is compared exactly, not through a rounded double
    assert S.numbers([1e300, 10**400, -(10**400), 2.0]) == (False, -(10**400), 10**400)


@pytest.mark.parametrize("bad", [True, False, math.nan, math.inf, -math.inf, np.float64(1.0), np.int64(1), Decimal(1), Color.RED, "1", None, [1]])
def test_numbers_gives_up_on_what_is_not_a_plain_finite_number(bad: Any) -> None:
    assert S.numbers([1.0, 2, bad, 3.0]) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)), min_size=1, max_size=40))
def test_numbers_agree_with_python(vs: list[float]) -> None:
    all_int, lo, hi = S.numbers(vs)
    assert all_int == all(type(v) is int for v in vs)
    assert lo == min(vs) and hi == max(vs)


def test_numbers_refuses_wrong_arguments() -> None:
    with pytest.raises(TypeError):
        S.numbers((1, 2))


# -- only -------------------------------------------------------------------------------------


def test_only_compares_exact_types() -> None:
    assert S.only(["a", "b"], str) is True
    assert S.only([], str) is True
    assert S.only(["a", Key("b")], str) is False
    assert S.only([{}, Map()], dict) is False
    with pytest.raises(TypeError):
        S.only(["a"], "str")


# -- in use ---------------------------------------------------------------------------------------


def test_the_image_validator_uses_the_c_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the module built, validating many boxes goes through columns()/numbers(); a box
    they cannot judge (a numpy float) still gets the exact verdict of the Python path."""
    import mediakit as mk

    calls = counting(monkeypatch)
    v = _schema.validator_for("image")
    monkeypatch.setattr(v, "_fast", None)
    boxes = [{"position": {"minX": i, "maxX": i + 1.5, "minY": 0.0, "maxY": 2.0}, "class_id": 1, "scores": {"p": 0.5}} for i in range(3000)]
    with warnings.catch_warnings():  # boxes outside the tiny image: expected here
        warnings.simplefilter("ignore")
        desc = mk.Image(np.zeros((4, 4), np.uint8), boxes={"p": {"box_data": boxes, "class_labels": {1: "a"}}}).encode(mk.MemoryStore())
    assert v.accepts(desc)
    assert calls["columns"] >= 2 and calls["numbers"] >= 4
    desc["boxes"]["p"]["box_data"][2500]["position"]["minY"] = np.float64(1.0)
    assert v.accepts(desc)  # not the C path's to judge: the Python path accepts a float subclass
    desc["boxes"]["p"]["box_data"][2500]["position"]["minY"] = np.float64(math.nan)
    assert not v.accepts(desc)
    monkeypatch.setattr(v, "_fast", None)


# -- rdp: the curve reduction of mediakit.plot._curves ----------------------------------------


def _python_reduce(x: np.ndarray, y: np.ndarray, tol: float, limit: int | None, monkeypatch: pytest.MonkeyPatch) -> Any:
    from mediakit.plot import _curves as cv

    with monkeypatch.context() as m:
        m.setattr(_native, "speedups", lambda: None)
        return cv.reduce(x, y, tol, limit=limit)


def _curve(kind: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if kind == 0:  # a smooth rising curve
        x = np.sort(rng.random(n))
        y = np.cumsum(rng.random(n))
        return x, y / y[-1]
    if kind == 1:  # saw teeth
        return np.linspace(0, 1, n), (np.arange(n) % 7) / 7.0
    if kind == 2:  # coarse values, many ties and repeated points
        return np.round(rng.random(n), 2), np.round(rng.random(n), 1)
    return np.zeros(n), rng.random(n)  # every segment of zero length in x


@pytest.mark.parametrize("kind", [0, 1, 2, 3])
def test_rdp_keeps_exactly_the_points_the_python_loop_keeps(kind: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored table must not depend on whether the module was built: same points, bit for bit."""
    from mediakit.plot import _curves as cv

    calls = counting(monkeypatch)
    rng = np.random.default_rng(kind)
    for trial in range(150):
        x, y = _curve(kind, int(rng.integers(3, 2500)), rng)
        tol = float(rng.choice([0.0, 1e-4, 1e-3, 1e-2, 0.1]))
        limit = None if trial % 3 else int(rng.integers(-1, 150))
        fast, slow = cv.reduce(x, y, tol, limit=limit), _python_reduce(x, y, tol, limit, monkeypatch)
        assert (fast is None) == (slow is None)
        if fast is not None:
            assert np.array_equal(fast, slow)
    assert calls["rdp"] == 150  # the C loop ran every time (and gave the Python loop's points)


def test_rdp_leaves_non_finite_and_other_dtypes_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediakit.plot import _curves as cv

    x = np.linspace(0, 1, 50)
    y = np.sin(x * 9)
    keep = np.zeros(50, bool)
    y_nan = y.copy()
    y_nan[10] = np.nan
    assert S.rdp(x, y_nan, 0.01, None, keep) is None
    assert not keep.any()
    for xs, ys in ((x, y_nan), (x.astype(np.float32), y.astype(np.float32)), (x[::2], y[::2])):
        got, want = cv.reduce(xs, ys, 0.01), _python_reduce(xs, ys, 0.01, None, monkeypatch)
        assert np.array_equal(got, want)


@pytest.mark.parametrize(
    "args",
    [
        (np.zeros(5), np.zeros(4), 0.1, None, np.zeros(5, bool)),  # lengths differ
        (np.zeros(2), np.zeros(2), 0.1, None, np.zeros(2, bool)),  # too short
        (np.zeros(5, np.float32), np.zeros(5), 0.1, None, np.zeros(5, bool)),
        (np.zeros((5, 2)), np.zeros(5), 0.1, None, np.zeros(5, bool)),
        (np.zeros(5), np.zeros(5), 0.1, None, np.zeros(5, np.uint8)),
        (np.zeros(5), np.zeros(5), 0.1, None, np.zeros(5, bool)[::-1].copy().view(np.uint8)),
        (np.zeros(5), np.zeros(5), "x", None, np.zeros(5, bool)),
        (np.zeros(5), np.zeros(5), 0.1, "x", np.zeros(5, bool)),
        (np.zeros(10)[::2], np.zeros(5), 0.1, None, np.zeros(5, bool)),  # not contiguous
        (b"\0" * 40, np.zeros(5), 0.1, None, np.zeros(5, bool)),
        (np.zeros(5), np.zeros(5), 0.1, None),
    ],
)
def test_rdp_refuses_wrong_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises((TypeError, ValueError, BufferError)):
        S.rdp(*args)
    readonly = np.zeros(5, bool)
    readonly.flags.writeable = False
    with pytest.raises((TypeError, ValueError, BufferError)):
        S.rdp(np.zeros(5), np.zeros(5), 0.1, None, readonly)


def test_curve_charts_store_the_same_bytes_with_and_without_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import mediakit as mk

    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 20_000)
    p = rng.dirichlet(np.ones(4), 20_000)
    p[np.arange(20_000), y] += rng.random(20_000)
    p /= p.sum(1, keepdims=True)

    def stored() -> list[Any]:
        store = mk.MemoryStore()
        descs = [mk.plot.pr_curve(y, p).encode(store), mk.plot.roc_curve(y, p).encode(store)]
        return [(d["table"]["sha256"], d["reduction"]) if "reduction" in d else d["table"]["sha256"] for d in descs]

    fast = stored()
    monkeypatch.setattr(_native, "speedups", lambda: None)
    assert stored() == fast


# -- Python code run by a collection inside an allocation ---------------------------------------

_TRAP = """
import gc
from mediakit import _speedups as S
vs = {setup}
class Trap:
    def __del__(self):
        {action}
gc.disable(); gc.collect()
t = Trap(); t.me = t; del t  # young cyclic garbage with a finalizer
gc.set_threshold(1); gc.enable()  # the call's first allocation of a tracked object collects it
r = {call}
junk = [10**100 + i for i in range(1000)]  # reuse freed memory, so a dangling pointer shows
print(repr(r))
"""


@pytest.mark.parametrize(
    ("setup", "action", "call", "printed"),
    [
        ('[{"a": 1.5} for _ in range(10)]', "vs.clear()", 'S.columns(vs, ("a", "b", "c"))', "None"),
        ('[{"a": 1, "b": 2}]', "vs[0].clear()", "S.values(vs)", "None"),
        ('[[1.5, "x"] for _ in range(10)]', "vs.clear()", "S.transpose(vs, 2)", "None"),
        ('[[1.5, "x"] for _ in range(10)]', "vs[3] = [1]", "S.transpose(vs, 2)", "None"),
        ('[[1.5, "x"] for _ in range(10)]', "vs[3].pop()", "S.transpose(vs, 2)", "None"),
        ('[{"a": 1, "b": 2}, {"c": 3}]', "vs.pop()", "S.values(vs)", "None"),
        ("[10**100 + 1, -10**100 - 1]", "vs.clear()", "S.numbers(vs)", "(True, -10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001, 10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001)"),
    ],
)
def test_a_finalizer_run_by_an_allocation_cannot_crash_the_process(setup: str, action: str, call: str, printed: str) -> None:
    """A garbage collection inside the C functions' result allocations may run a finalizer that
    empties the input: they give up (None) or answer from objects they own, never read freed
    memory. Run in a child process: a crash must fail the test, not the test runner."""
    import subprocess

    code = _TRAP.format(setup=setup, action=action, call=call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == printed


def test_columns_results_are_not_handed_out_half_built() -> None:
    """While columns() fills its lists they are untracked, so a gc callback walking the
    youngest generation during one of its allocations never meets a list with empty slots."""
    import subprocess

    code = """
import gc, sys
from mediakit import _speedups as S
vs = [{"a": 1.5} for _ in range(12345)]
armed = False
def walk(phase, info):
    if armed and phase == "start":
        for o in gc.get_objects(0):
            if type(o) is list and len(o) == 12345 and o is not vs:
                o[-1]  # an empty slot of a half-built list would crash here
gc.callbacks.append(walk)
gc.disable(); gc.collect(); gc.set_threshold(1); armed = True; gc.enable()
r = S.columns(vs, ("a", "b", "c", "d", "e"))
armed = False
print(r[0][:2], r[4])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[1.5, 1.5] []"


# -- transpose: a table's rows as columns ------------------------------------------------------


class Row(list):  # type: ignore[type-arg]
    pass


def test_transpose_gives_zips_columns() -> None:
    rows: list[Any] = [[1, "a", None], (2.5, "b", True), [3, "c", [1]]]
    assert S.transpose(rows, 3) == tuple(zip(*rows))
    assert S.transpose([], 3) == ((), (), ())
    assert S.transpose([[], ()], 0) == ()
    assert S.transpose([[1]] * 40, 1) == ((1,) * 40,)


@pytest.mark.parametrize("bad", [[1, 2], (1,), [1, 2, 3, 4], Row([1, 2, 3]), np.array([1, 2, 3]), "abc", None, {1: 1, 2: 2, 3: 3}])
def test_transpose_gives_up_on_rows_it_does_not_handle(bad: Any) -> None:
    for at in (0, 5, 39):
        rows: list[Any] = [[i, i, i] for i in range(40)]
        rows[at] = bad
        assert S.transpose(rows, 3) is None


@pytest.mark.parametrize("args", [([], -1), ((), 3), ([], 3.0), ([],), ([], 3, 1), ([], True)])
def test_transpose_refuses_wrong_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises((TypeError, ValueError)):
        S.transpose(*args)


def test_transpose_counts_references_right() -> None:
    value = object()
    rows = [[value, value] for _ in range(100)]
    gc.collect()
    before = sys.getrefcount(value)
    cols = S.transpose(rows, 2)
    assert sys.getrefcount(value) == before + 200
    del cols
    assert sys.getrefcount(value) == before
    assert S.transpose([*rows, [value]], 2) is None  # the short row is found before any column is filled
    assert sys.getrefcount(value) == before


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5).flatmap(lambda w: st.lists(st.lists(st.integers() | st.text(max_size=3) | st.none(), min_size=w, max_size=w), max_size=60).map(lambda r: (w, r))))
def test_transpose_agrees_with_zip(case: tuple[int, list[list[Any]]]) -> None:
    width, rows = case
    expected = tuple(zip(*rows)) if rows else tuple(() for _ in range(width))
    assert S.transpose(rows, width) == expected


def test_transpose_results_are_not_handed_out_half_built() -> None:
    """As for columns(): a gc callback walking the youngest generation during the allocations
    of transpose() never meets a column tuple with empty slots."""
    import subprocess

    code = """
import gc
from mediakit import _speedups as S
rows = [[1.5, "x"] for _ in range(12345)]
armed = False
def walk(phase, info):
    if armed and phase == "start":
        for o in gc.get_objects(0):
            if type(o) is tuple and len(o) == 12345:
                o[-1]  # an empty slot of a half-built tuple would crash here
gc.callbacks.append(walk)
gc.disable(); gc.collect(); gc.set_threshold(1); armed = True; gc.enable()
r = S.transpose(rows, 2)
armed = False
print(r[0][:2], r[1][-1])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "(1.5, 1.5) x"


def test_tables_from_rows_are_the_same_with_and_without_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import mediakit as mk

    rng = np.random.default_rng(5)
    rows: list[Any] = [[f"t{i}", i, float(rng.random()), i % 2 == 0, None if i % 7 == 0 else float(rng.normal()), (i, "x")[i % 2]] for i in range(3000)]
    rows[17] = tuple(rows[17])
    calls = counting(monkeypatch)
    fast = mk.Table(columns=list("abcdef"), data=rows, allow_mixed_types=True).encode(mk.MemoryStore())
    assert calls.get("transpose") == 1
    monkeypatch.setattr(_native, "speedups", lambda: None)
    slow = mk.Table(columns=list("abcdef"), data=rows, allow_mixed_types=True).encode(mk.MemoryStore())
    assert fast == slow
    rows[2999] = rows[2999][:5]  # the C pass gives up; the Python checks name the row
    with pytest.raises(mk.ValidationError, match=r"row 2999: expected 6 values"):
        mk.Table(columns=list("abcdef"), data=rows)


# -- fill_points: the (N, 6) point-cloud records of mediakit.kinds._obj3d_fill ------------------


def _cloud_both_ways(arr: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """(C result, numpy result) of encoding ``arr``: the PLY bytes and descriptor, or the error."""
    import mediakit as mk

    def run() -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                store = mk.MemoryStore()
                desc = mk.Object3D(arr).encode(store)
            return desc, store.get(desc["path"])
        except mk.MediakitError as e:
            return type(e), str(e)

    calls = counting(monkeypatch)
    fast = run()
    assert calls.get("fill_points", 0) >= 1  # the C fill ran
    with monkeypatch.context() as m:
        m.setattr(_native, "speedups", lambda: None)
        slow = run()
    return fast, slow


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 5, 600_000])  # 600,000: in slices on the worker threads, hashed meanwhile
def test_fill_points_writes_the_bytes_numpy_writes(dtype: Any, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(n)
    xyz = rng.normal(0, 1e3, (n, 3))
    xyz[: min(n, 3)] = [[0.0, -0.0, 1e-40][: 3]] * min(n, 3)  # zeros of both signs, a float32 subnormal
    rgb = rng.uniform(0, 255, (n, 3))
    rgb[: min(n, 4), 0] = [0.0, 254.5, 255.0, 0.49999997][: min(n, 4)]  # rounding half up, both ends
    arr = np.ascontiguousarray(np.c_[xyz, rgb], dtype=dtype)
    fast, slow = _cloud_both_ways(arr, monkeypatch)
    assert fast == slow and isinstance(fast[1], bytes)


@pytest.mark.parametrize(
    ("row", "col", "value"),
    [(3, 0, np.nan), (3, 4, np.nan), (3, 1, np.inf), (3, 2, 1e39), (3, 3, -0.5), (3, 5, 255.01), (3, 4, np.inf)],
)
def test_fill_points_refuses_what_numpy_refuses(row: int, col: int, value: float, monkeypatch: pytest.MonkeyPatch) -> None:
    arr = np.tile(np.array([[1.0, 2.0, 3.0, 10.0, 20.0, 30.0]]), (600_000, 1))
    arr[row, col] = value
    fast, slow = _cloud_both_ways(arr, monkeypatch)
    assert fast == slow and fast[0] is not dict and issubclass(fast[0], Exception)


def test_fill_points_refuses_wrong_arguments() -> None:
    dst = np.zeros(15 * 4, np.uint8)
    src = np.zeros((4, 6))
    for args in [
        (src, dst, 0, 0, 5),  # beyond the rows
        (src, dst, 1, 0, 4),  # records past the buffer's end
        (src, dst, 0, 3, 2),
        (src, dst, -1, 0, 1),
        (np.zeros((4, 3)), dst, 0, 0, 4),
        (np.zeros((4, 6), np.int32), dst, 0, 0, 4),
        (np.zeros((6, 4)).T, dst, 0, 0, 4),  # not C-contiguous
        (src, bytes(60), 0, 0, 4),  # not writable
        (src, dst, 0, 0),
    ]:
        with pytest.raises((TypeError, ValueError, BufferError)):
            S.fill_points(*args)
    lo, hi = S.fill_points(np.array([[1.0, -2.0, 3.0, 0.0, 128.4, 255.0]] * 4), dst, 0, 1, 3)
    assert lo == (1.0, -2.0, 3.0, 0.0, pytest.approx(128.4, rel=1e-6), 255.0) and lo == hi
    assert dst[:15].tolist() == [0] * 15 and dst[45:].tolist() == [0] * 15  # rows 0 and 3 untouched
    assert dst[15 + 12 : 15 + 15].tolist() == [0, 128, 255]


# -- gif_delta: the frame-to-frame delta of mediakit.formats.gif --------------------------------


def test_gif_delta_matches_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediakit.formats import gif

    calls = counting(monkeypatch)
    rng = np.random.default_rng(7)
    for trial in range(300):
        n, h, w = (int(v) for v in rng.integers(1, 6, 3))
        idx = rng.integers(0, 3, (n, h, w), dtype=np.uint8)  # few values: many repeats
        prev = rng.integers(0, 3, (h, w), dtype=np.uint8) if trial % 2 else None
        fast = gif._delta(idx, prev)
        with monkeypatch.context() as m:
            m.setattr(_native, "speedups", lambda: None)
            slow = gif._delta(idx, prev)
        assert np.array_equal(fast, slow)
    assert calls["gif_delta"] == 300
    idx = np.arange(8, dtype=np.uint8).reshape(2, 2, 2) % 2
    before = idx.copy()
    assert gif._delta(idx, None).tolist() == [[[0, 1], [0, 1]], [[255, 255], [255, 255]]]
    assert np.array_equal(idx, before)  # the input is left as it was


def test_gif_delta_refuses_wrong_arguments() -> None:
    idx = np.zeros((2, 3, 3), np.uint8)
    out = np.zeros_like(idx)
    for args in [
        (idx, None, np.zeros(17, np.uint8), 9, 255),  # out of another length
        (idx, None, out, 7, 255),  # not whole frames
        (idx, np.zeros(8, np.uint8), out, 9, 255),  # prev not one frame
        (idx, None, out, 0, 255),
        (idx, None, out, 9, 256),
        (idx.astype(np.uint16), None, out, 9, 255),
        (idx, None, bytes(18), 9, 255),  # not writable
        (idx, None, out, 9),
    ]:
        with pytest.raises((TypeError, ValueError, BufferError)):
            S.gif_delta(*args)


# -- palette_map: the GIF writer's nearest-colour mapping (Pillow's rule) --------------------------


def _every_colour() -> np.ndarray:
    c = np.arange(1 << 24, dtype=np.uint32)
    return np.stack([c >> 16, (c >> 8) & 255, c & 255], -1).astype(np.uint8).reshape(4096, 4096, 3)


def _c_map(frames: list[np.ndarray], entries: bytes, cells: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    assert len(entries) <= 3 * 255  # the GIF writer's palettes: 255 colours and the transparent index
    cells = cells or (np.zeros(1 << 18, np.uint8), np.zeros(512 * 258, np.uint8))
    out = np.empty(sum(f.shape[0] * f.shape[1] for f in frames), np.uint8)
    S.palette_map(frames, out, *cells, entries)
    return out


@pytest.mark.parametrize("case", ["photo-like", "16 colours", "one colour", "four levels", "two colours"])
def test_palette_map_is_pillows_mapping_for_every_colour(case: str) -> None:
    # All 2^24 colours, against Image.quantize(palette=...) with the palettes Pillow's octree
    # makes (255 entries, fewer, repeated entries: ties go to the lowest index).
    from PIL import Image as PILImage

    rng = np.random.default_rng(len(case))
    sample, colours = {
        "photo-like": (rng.integers(0, 256, (64, 64, 3)), 255),
        "16 colours": (rng.integers(0, 256, (64, 64, 3)), 16),
        "one colour": (np.full((8, 8, 3), 7), 255),
        "four levels": (rng.integers(0, 4, (64, 64, 3)) * 80, 255),
        "two colours": (rng.integers(0, 256, (256, 256, 3)), 2),
    }[case]
    pal = PILImage.fromarray(sample.astype(np.uint8)).quantize(colours, method=PILImage.Quantize.FASTOCTREE)
    every = _every_colour()
    want = np.asarray(PILImage.fromarray(every).quantize(palette=pal, dither=PILImage.Dither.NONE)).ravel()
    got = _c_map([every], bytes(pal.getpalette() or []))
    assert np.array_equal(got, want)


def test_palette_map_reads_any_layout_and_keeps_its_cells_across_calls() -> None:
    rng = np.random.default_rng(3)
    entries = rng.integers(0, 256, 3 * 200, dtype=np.uint8).tobytes()
    planar = rng.integers(0, 256, (5, 4, 30, 20), dtype=np.uint8)  # (T, C, H, W): RGB + alpha
    views = [f.transpose(1, 2, 0) for f in planar]  # channels 600 bytes apart
    packed = [np.ascontiguousarray(v) for v in views]
    flipped = [np.ascontiguousarray(v[::-1, ::-1])[::-1, ::-1] for v in views]  # negative strides
    want = _c_map(packed, entries)
    cells = (np.zeros(1 << 18, np.uint8), np.zeros(512 * 258, np.uint8))
    assert np.array_equal(_c_map(views, entries, cells), want)
    assert np.count_nonzero(cells[0]) > 0
    assert np.array_equal(_c_map(flipped, entries, cells), want)  # cells filled before: same answer
    # Against the definition: nearest entry to the cell's corner, lowest index on ties.
    pal = np.frombuffer(entries, np.uint8).reshape(-1, 3).astype(np.int64)
    corner = (np.concatenate([p.reshape(-1, 4)[:, :3] for p in packed]) & 0xFC).astype(np.int64)
    d = ((corner[:, None, :] - pal[None]) ** 2).sum(-1)
    assert np.array_equal(want, d.argmin(axis=1))


def test_palette_map_from_threads_at_once_gives_the_same_indices() -> None:
    # Threads filling one palette's cells and boxes at once (each claims boxes, waits on the
    # others' or reads them) agree with a single thread, whatever the timing.
    import threading

    rng = np.random.default_rng(11)
    entries = rng.integers(0, 256, 3 * 255, dtype=np.uint8).tobytes()
    frames = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(8)]
    want = _c_map(frames, entries)
    for trial in range(20):
        cells = (np.zeros(1 << 18, np.uint8), np.zeros(512 * 258, np.uint8))
        got: dict[int, np.ndarray] = {}

        def work(k: int, cells: tuple[np.ndarray, np.ndarray] = cells, got: dict[int, np.ndarray] = got) -> None:
            order = frames[k % 8 :] + frames[: k % 8]
            got[k] = np.roll(_c_map(order, entries, cells), (k % 8) * 64 * 64)

        threads = [threading.Thread(target=work, args=(k + trial,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(got) == 4 and all(np.array_equal(g, want) for g in got.values())


def test_palette_map_refuses_wrong_arguments() -> None:
    f = np.zeros((4, 4, 3), np.uint8)
    out = np.zeros(16, np.uint8)
    cells, boxes = np.zeros(1 << 18, np.uint8), np.zeros(512 * 258, np.uint8)
    pal = bytes(30)
    for args in [
        ([f], np.zeros(15, np.uint8), cells, boxes, pal),  # out of another length
        ([f[..., :2]], out, cells, boxes, pal),  # two channels
        ([f[0]], out, cells, boxes, pal),  # not (H, W, C)
        ([f.astype(np.uint16)], out, cells, boxes, pal),
        ([f], out, cells[:-1], boxes, pal),
        ([f], out, np.zeros(1 << 18, np.uint16), boxes, pal),  # cells of another size
        ([f], out, cells, boxes[:-1], pal),
        ([f], out, cells, boxes, b""),
        ([f], out, cells, boxes, bytes(768)),  # 256 entries: one more than a cell can name
        ([f], out, cells, boxes, bytes(31)),
        ([f], bytes(16), cells, boxes, pal),  # not writable
        ([f, "frame"], out, cells, boxes, pal),
        (f, out, cells, boxes, pal),  # a single array is a sequence of rows (2-D)
        (None, out, cells, boxes, pal),
        ([f], out, cells, boxes),
    ]:
        with pytest.raises((TypeError, ValueError, BufferError)):
            S.palette_map(*args)
    assert cells.sum() == 0 and boxes.sum() == 0  # nothing written on a refusal
    S.palette_map([], np.zeros(0, np.uint8), cells, boxes, pal)  # no frames: nothing to do


@pytest.mark.parametrize("c", [3, 4])
def test_gif_bytes_are_the_same_with_the_c_mapper_and_pillows(c: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Scene changes inside blocks and at their edges, channel-first views and packed frames, RGB
    # after RGBA: the C path (grids decide, frames mapped on the LZW workers) writes Pillow's bytes.
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "formats"))
    try:
        from test_gif_writer_fast import _channel_first_views, _encode, _scenes
    finally:
        sys.path.pop(0)
    from mediakit.formats import gif

    clips = [_scenes(c=c), _channel_first_views(_scenes(c=c)), _scenes(48, 64, c=c)]
    rgba = _scenes(c=4)  # RGB after the head, then RGBA frames, then RGB again
    mixed = [f[..., :3] for f in rgba[:18]] + list(rgba[18:24]) + [f[..., :3] for f in rgba[24:]]
    for per in (1, 5, 64):
        monkeypatch.setattr(gif, "BLOCK_PIXELS", per * 24 * 32)
        calls = counting(monkeypatch)
        fast = [_encode(clip) for clip in clips]
        fast_mixed = gif.encode_gif(iter(mixed), width=32, height=24, fps=10)
        assert calls.get("palette_map", 0) >= (len(clips[0]) if per == 1 else 1)  # a call per block at least
        monkeypatch.setattr(_native, "speedups", lambda: None)
        assert [_encode(clip) for clip in clips] == fast
        assert gif.encode_gif(iter(mixed), width=32, height=24, fps=10) == fast_mixed


# -- yuv420: the video encoders' input planes (mediakit/formats/_yuv.py) ---------------------------


def _yuv_planes(frame: np.ndarray) -> list[np.ndarray]:
    import av

    h, w = frame.shape[:2]
    vf = av.VideoFrame(w, h, "yuv420p")
    from mediakit.formats import _yuv

    _yuv.fill(frame, vf.planes)
    return [np.frombuffer(p, np.uint8)[: p.height * p.line_size].reshape(p.height, p.line_size)[:, : p.width].copy() for p in vf.planes]


def test_yuv420_writes_the_numpy_values_for_every_shape_and_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    # Odd sizes (the last row or column counts twice), grey, RGBA, channel-first views and
    # reversed strides: the C planes are the numpy ones, value for value.
    pytest.importorskip("av")
    from mediakit.formats import _yuv

    calls = counting(monkeypatch)
    rng = np.random.default_rng(5)
    for _ in range(200):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        f = rng.integers(0, 256, (h, w, int(rng.choice([1, 3, 4]))), dtype=np.uint8)
        want = _yuv.planes_of(f)
        assert [p.shape for p in want] == [(h, w), ((h + 1) // 2, (w + 1) // 2), ((h + 1) // 2, (w + 1) // 2)]
        for layout in (f, np.moveaxis(np.ascontiguousarray(np.moveaxis(f, -1, 0)), 0, -1), np.ascontiguousarray(f[::-1, ::-1])[::-1, ::-1]):
            got = _yuv_planes(layout)
            assert all(np.array_equal(g, x) for g, x in zip(got, want))
    assert calls["yuv420"] == 600
    with monkeypatch.context() as m:  # and the numpy path fills a frame the same way
        m.setattr(_native, "speedups", lambda: None)
        f = rng.integers(0, 256, (31, 17, 3), dtype=np.uint8)
        assert all(np.array_equal(g, x) for g, x in zip(_yuv_planes(f), _yuv.planes_of(f)))


def test_yuv420_values_are_bt601_limited_range() -> None:
    from mediakit.formats import _yuv

    def one(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
        y, u, v = _yuv.planes_of(np.full((2, 2, 3), rgb, np.uint8))
        return int(y[0, 0]), int(u[0, 0]), int(v[0, 0])

    assert one((0, 0, 0)) == (16, 128, 128)
    assert one((255, 255, 255)) == (235, 128, 128)
    assert all(one((g, g, g))[1:] == (128, 128) for g in range(256))  # greys stay neutral
    assert one((255, 0, 0)) == (81, 90, 240)  # the BT.601 primaries, as tabulated
    assert one((0, 255, 0)) == (145, 54, 34)
    assert one((0, 0, 255)) == (41, 240, 110)


def test_yuv420_refuses_wrong_arguments() -> None:
    f = np.zeros((4, 4, 3), np.uint8)
    y, c = np.zeros(16, np.uint8), np.zeros(4, np.uint8)
    for args in [
        (f, y, 3, c, 2, c, 2),  # a Y row shorter than the frame
        (f, y, 4, c, 1, c, 2),
        (f, y[:-1], 4, c, 2, c, 2),  # planes too small
        (f, y, 4, c[:-1], 2, c, 2),
        (f[..., :2], y, 4, c, 2, c, 2),  # two channels
        (f[0], y, 4, c, 2, c, 2),
        (f.astype(np.uint16), y, 4, c, 2, c, 2),
        (f, bytes(16), 4, c, 2, c, 2),  # not writable
        (f, y, "4", c, 2, c, 2),
        (f, y, 4, c, 2, c),
    ]:
        with pytest.raises((TypeError, ValueError, BufferError)):
            S.yuv420(*args)
    assert not y.any() and not c.any()
    S.yuv420(f, y, 4, c, 2, c, 2)
    assert (y == 16).all() and (c == 128).all()


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_video_bytes_are_the_same_with_and_without_the_extension(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("av")
    import mediakit as mk

    rng = np.random.default_rng(1)
    clips = [rng.integers(0, 256, (6, 3, 33, 47), dtype=np.uint8), rng.integers(0, 256, (5, 1, 24, 32), dtype=np.uint8)]
    calls = counting(monkeypatch)
    fast = [mk.Video(c, fps=4, format=fmt).encode_bytes() for c in clips]
    assert calls["yuv420"] == 11
    monkeypatch.setattr(_native, "speedups", lambda: None)
    assert [mk.Video(c, fps=4, format=fmt).encode_bytes() for c in clips] == fast


# -- deflate_tail: where a raw DEFLATE stream's last block starts and ends ----------------------


def _joined(first: bytes) -> bytes:
    """``first`` as the opening part of a longer stream, as mediakit.formats.png joins them."""
    from mediakit.formats import png

    final, stop = S.deflate_tail(first)
    assert 8 * len(first) - 8 < stop <= 8 * len(first)
    assert first[final >> 3] >> (final & 7) & 1  # the final flag is set there
    return png.open_ended(first)


def test_deflate_tail_finds_the_last_block_of_every_kind_of_stream() -> None:
    # Stored blocks (level 0, noise), fixed codes (tiny inputs), dynamic codes with long and
    # short codes, many blocks (long inputs), libdeflate's and zlib's block choices: the first
    # stream with its final flag cleared, then an empty stored block, then a second stream
    # inflate to both inputs joined.
    import zlib

    deflate = pytest.importorskip("deflate")
    rng = np.random.default_rng(3)
    inputs = [
        b"", b"a", b"ab" * 10, rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        rng.integers(0, 4, 100_000, dtype=np.uint8).tobytes(), bytes(200_000),
        (np.cumsum(rng.integers(-3, 4, 600_000)) % 256).astype(np.uint8).tobytes(),
    ]  # fmt: skip
    for a in inputs:
        streams = [deflate.deflate_compress(a, level) for level in (0, 1, 6, 12)]
        streams += [zlib.compress(a, level)[2:-4] for level in (0, 1, 9)]
        for first in streams:
            for b in (b"", b"xyz", inputs[4][:3000]):
                assert zlib.decompress(_joined(first) + deflate.deflate_compress(b, 1), -15) == a + b


def test_deflate_tail_refuses_what_is_not_a_whole_stream() -> None:
    import zlib

    deflate = pytest.importorskip("deflate")
    good = deflate.deflate_compress(np.random.default_rng(1).integers(0, 8, 50_000, dtype=np.uint8).tobytes(), 6)
    for bad in [b"", good[:-3], good[: len(good) // 2], b"\x07", b"\xff" * 64, b"\x01\x05\x00\xfa\xffab"]:
        with pytest.raises(ValueError, match="not a complete DEFLATE stream"):
            S.deflate_tail(bad)
    with pytest.raises(TypeError):
        S.deflate_tail("text")
    # Mutated streams (fuzzing): every answer is an error or offsets within the data, never a crash.
    rng = np.random.default_rng(2)
    for _ in range(3000):
        data = bytearray(good[: int(rng.integers(1, 400))] if rng.random() < 0.5 else good)
        for _ in range(int(rng.integers(1, 4))):
            data[int(rng.integers(len(data)))] ^= 1 << int(rng.integers(8))
        try:
            final, stop = S.deflate_tail(bytes(data))
        except ValueError:
            continue
        assert 0 <= final < stop <= 8 * len(data)
    assert zlib.decompress(good, -15)


# -- confusion: the confusion matrix's counts, with the range check ------------------------------


def test_confusion_counts_match_bincount_and_refuse_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    import mediakit as mk
    from mediakit._errors import ValidationError
    from mediakit.plot import _curves

    calls = counting(monkeypatch)
    rng = np.random.default_rng(8)
    for _ in range(100):
        n = int(rng.integers(1, 30))
        y, p = rng.integers(0, n, (2, int(rng.integers(1, 500))))
        got = _curves.confusion_counts(y, p, n)
        assert got is not None and np.array_equal(got, np.bincount(y * n + p, minlength=n * n).reshape(n, n))
    assert calls["confusion"] == 100
    names = ["a", "b", "c"]
    for preds, truth, message in [
        ([0, 5, 1], [0, 1, 2], r"preds\[1\]: class index 5 is outside 0..2"),
        ([0, 1, 2], [0, -1, 2], r"y_true\[1\]: class index -1 is outside 0..2"),
        ([0, 1, 3], [9, 1, 2], r"y_true\[0\]: class index 9 is outside 0..2"),  # y_true is named first
    ]:
        with pytest.raises(ValidationError, match=message):
            mk.plot.confusion_matrix(preds=np.array(preds), y_true=np.array(truth), class_names=names)
        with monkeypatch.context() as m:  # the same error without the extension
            m.setattr(_native, "speedups", lambda: None)
            with pytest.raises(ValidationError, match=message):
                mk.plot.confusion_matrix(preds=np.array(preds), y_true=np.array(truth), class_names=names)
    # Strided and big-endian views go through the one C pass too (copied contiguous for it).
    strided = np.array([0, 9, 2, 9, 5, 9])[::2]
    with pytest.raises(ValidationError, match=r"preds\[2\]: class index 5 is outside 0..2"):
        mk.plot.confusion_matrix(preds=strided, y_true=np.array([0, 1, 2]), class_names=names)
    with pytest.raises(ValidationError, match=r"outside 0..-1 \(0 classes\)"):
        mk.plot.confusion_matrix(preds=np.array([0]), y_true=np.array([0]), class_names=[])
    chart = mk.plot.confusion_matrix(preds=np.array([0, 2, 2])[::1].astype(">i8"), y_true=np.arange(6)[::2] % 3, class_names=names)
    assert chart.encode(mk.MemoryStore())
    y, p = rng.integers(0, 100, (2, 10_000))
    fast = mk.plot.confusion_matrix(preds=p, y_true=y, class_names=[str(i) for i in range(100)]).encode(mk.MemoryStore())
    monkeypatch.setattr(_native, "speedups", lambda: None)
    assert mk.plot.confusion_matrix(preds=p, y_true=y, class_names=[str(i) for i in range(100)]).encode(mk.MemoryStore()) == fast


def test_confusion_refuses_wrong_arguments() -> None:
    y = np.zeros(4, np.int64)
    out = np.zeros(9, np.int64)
    for args in [
        (y, y[:3], 3, out),  # lengths differ
        (y.astype(np.int32), y, 3, out),
        (y, y, 3, np.zeros(8, np.int64)),
        (y, y, 3, np.zeros(9, np.float64)),
        (y, y, 0, np.zeros(0, np.int64)),
        (y, y, 3, bytes(72)),  # not writable
        (y[::2], y[::2], 3, out),  # not contiguous
        (y, y, 3),
    ]:
        with pytest.raises((TypeError, ValueError, BufferError)):
            S.confusion(*args)
    assert not out.any()
    assert S.confusion(y, y, 3, out) is True and out[0] == 4
    assert S.confusion(np.array([0, 3]), np.array([0, 0]), 3, np.zeros(9, np.int64)) is False
