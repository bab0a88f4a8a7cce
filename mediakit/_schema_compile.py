"""Schemas compiled once into Python predicates: the fast path of :mod:`mediakit._validator`.

:class:`~mediakit._validator.Validator` interprets a schema node by node, building the JSON path
of every value as it goes, so that an error can name its field. That costs microseconds per value,
seconds for a descriptor with 100,000 boxes. Here the same schema is turned once into Python
source (one function per ``$ref`` target and per repeated element schema, the leaves inlined:
type tests, ``dict.keys() <= allowed`` for closed objects) that only answers *valid or not*. The
validator runs the predicate first and, only when it says no, runs the interpreter to raise the
error with its field. The two must accept exactly the same instances: the tests check them
against each other (and against ``jsonschema``) on valid and mutated descriptors.

A node using anything unusual (a ``false`` schema, ``anyOf`` together with ``oneOf``) is handed
to the interpreter, so the predicate is never less strict than it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from operator import itemgetter as _itemgetter
from typing import Any

from . import _native

_MISSING = object()
_LEAF_KEYS = frozenset(
    "type enum const minimum maximum exclusiveMinimum exclusiveMaximum minLength maxLength pattern".split()
)
_ANNOTATION_KEYS = frozenset(
    "$schema $id $defs $comment title description default examples deprecated readOnly writeOnly format".split()
)

_TYPE_EXPR = {
    "object": "isinstance({x}, dict)",
    "array": "isinstance({x}, list)",
    "string": "isinstance({x}, str)",
    "boolean": "isinstance({x}, bool)",
    "null": "{x} is None",
    "number": "(isinstance({x}, (int, float)) and not isinstance({x}, bool))",
    "integer": "((isinstance({x}, int) and not isinstance({x}, bool)) or (isinstance({x}, float) and {x}.is_integer()))",
}
_COMPARE = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


#: Long arrays of objects are checked this many values at a time: the ~30 column passes over one
#: block then find its dicts and numbers still in the CPU cache (100,000 boxes: ~25% less time
#: than whole-column passes, whose working set is tens of MB).
CHUNK = 2048


def _chunked(check: Callable[[list[Any]], bool], vs: list[Any]) -> bool:
    """``check`` (a column function) over ``vs`` one block of :data:`CHUNK` values at a time."""
    n = len(vs)
    if n <= CHUNK:
        return check(vs)
    for i in range(0, n, CHUNK):
        if not check(vs[i : i + CHUNK]):
            return False
    return True


def same(a: Any, b: Any) -> bool:
    """JSON equality as the validator means it: booleans equal only booleans."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


class Compiler:
    """Builds the predicate of one schema file.

    ``resolve(ref, file) -> (node, file)`` follows a ``$ref``; ``pattern(p)`` compiles a
    pattern the way the interpreter does; ``interpret(value, node, file) -> bool`` is the
    interpreter, used for nodes this compiler does not translate.

    Optional extra rules make the predicate check more than the schema in the same pass:
    ``object_rule(d) -> bool`` is applied to every object that may hold a key named in
    ``rule_keys`` (declared in its properties, or allowed as an additional key), and
    ``free_rule(x) -> bool`` to every value the schema leaves unconstrained (so it must look
    inside it itself), except inside properties named in ``skip_keys``. Used for the
    descriptors' content-path rule.
    """

    def __init__(
        self,
        resolve: Callable[[str, str], tuple[Any, str]],
        pattern: Callable[[str], Any],
        interpret: Callable[[Any, Any, str], bool],
        *,
        object_rule: Callable[[dict[str, Any]], bool] | None = None,
        free_rule: Callable[[Any], bool] | None = None,
        rule_keys: frozenset[str] = frozenset(),
        skip_keys: frozenset[str] = frozenset(),
    ) -> None:
        self._resolve = resolve
        self._pattern = pattern
        self._rules = object_rule is not None and free_rule is not None
        self._rule_keys = rule_keys
        self._skip_keys = skip_keys  # properties whose values the rules leave alone
        self._ns: dict[str, Any] = {
            "_M": _MISSING,
            "_NUM": frozenset({int, float}),
            "_INT": frozenset({int}),
            "_STR": frozenset({str}),
            "_DICT": {dict},
            "_chain": itertools.chain,
            "_repeat": itertools.repeat,
            "_contains": dict.__contains__,
            "_finite": math.isfinite,
            "_same": same,
            "_interp": interpret,
            "_orule": object_rule,
            "_free": free_rule,
            "_chunked": _chunked,
            "_itemgetter": _itemgetter,
        }
        speedups = _native.speedups()
        #: Column checks use the C primitives of ``mediakit._speedups`` (one pass per column
        #: instead of several); without them, the same checks in Python.
        self._native = speedups is not None
        if speedups is not None:
            self._ns.update(_ncols=speedups.columns, _nvals=speedups.values, _nnums=speedups.numbers, _nonly=speedups.only)
        self._names: dict[tuple[Any, ...], str] = {}
        self._keep: list[Any] = []  # nodes named by id(): kept alive while the predicate lives
        self._sources: list[str] = []
        self._n = 0

    def compile(self, node: Any, file: str) -> Callable[[Any], bool]:
        name = self._function(node, file)
        exec("\n\n".join(self._sources), self._ns)
        return self._ns[name]  # type: ignore[no-any-return]

    # -- naming ------------------------------------------------------------------------------------
    def _const(self, value: Any) -> str:
        self._n += 1
        name = f"_c{self._n}"
        self._ns[name] = value
        return name

    def _var(self) -> str:
        self._n += 1
        return f"x{self._n}"

    def _pure_ref(self, node: Any, file: str) -> tuple[Any, str] | None:
        """The target of a node that is only a ``$ref`` to a non-trivial schema: checking the
        node is checking the target (the node's own finite-number and string-key rules are
        implied by any non-trivial target)."""
        if isinstance(node, dict) and "$ref" in node and not (set(node) - _ANNOTATION_KEYS - {"$ref"}):
            target, tf = self._resolve(node["$ref"], file)
            if isinstance(target, dict) and target and not ("anyOf" in target and "oneOf" in target):
                return target, tf
        return None

    def _function(self, node: Any, file: str) -> str:
        ref = self._pure_ref(node, file)
        if ref is not None:
            return self._function(*ref)
        key = (id(node), file, self._rules)
        name = self._names.get(key)
        if name is None:
            self._n += 1
            name = self._names[key] = f"f{self._n}"
            self._keep.append(node)
            body = self._checks(node, file, "v", "    ")
            self._sources.append("\n".join([f"def {name}(v):", *body, "    return True"]))
        return name

    # -- translation -------------------------------------------------------------------------------
    def _simple(self, node: Any, file: str, seen: int = 0) -> bool:
        """Whether ``node`` checks one value without containers (worth inlining)."""
        if node is True or node == {}:
            return True
        if not isinstance(node, dict) or seen > 8:
            return False
        keys = set(node) - _ANNOTATION_KEYS
        if "$ref" in keys:
            target, tf = self._resolve(node["$ref"], file)
            if not self._simple(target, tf, seen + 1):
                return False
            keys.discard("$ref")
        return keys <= _LEAF_KEYS

    def _sub(self, node: Any, file: str, x: str, ind: str) -> list[str]:
        """Lines that ``return False`` unless ``x`` satisfies ``node``: inline when simple."""
        ref = self._pure_ref(node, file)
        if ref is not None:
            return self._sub(*ref, x, ind)
        if self._simple(node, file):
            return self._checks(node, file, x, ind)
        return [f"{ind}if not {self._function(node, file)}({x}): return False"]

    def _checks(self, s: Any, f: str, x: str, ind: str) -> list[str]:
        if s is True or (isinstance(s, dict) and not s):
            return self._free(x, ind)
        if not isinstance(s, dict) or ("anyOf" in s and "oneOf" in s):
            return [f"{ind}if not _interp({x}, {self._const(s)}, {f!r}): return False"]
        out: list[str] = []
        if "$ref" in s:
            target, tf = self._resolve(s["$ref"], f)
            out += self._sub(target, tf, x, ind)
        t = s.get("type")
        types = None if t is None else (t if isinstance(t, list) else [t])
        if types == ["number"]:
            # The commonest leaf: exact floats and ints first, the general rule for the rest.
            out += [
                f"{ind}if {x}.__class__ is float:",
                f"{ind}    if not _finite({x}): return False",
                f"{ind}elif {x}.__class__ is not int:",
                f"{ind}    if not ({_TYPE_EXPR['number'].format(x=x)}): return False",
                f"{ind}    if isinstance({x}, float) and not _finite({x}): return False",
            ]
        elif types == ["integer"]:
            out.append(f"{ind}if {x}.__class__ is not int and not ({_TYPE_EXPR['integer'].format(x=x)}): return False")
        elif types is not None:
            out.append(f"{ind}if not ({' or '.join(_TYPE_EXPR[k].format(x=x) for k in types)}): return False")
        if "const" in s:
            c = s["const"]
            if isinstance(c, str):
                out.append(f"{ind}if {x} != {c!r}: return False")
            else:
                out.append(f"{ind}if not _same({x}, {self._const(c)}): return False")
        if "enum" in s:
            values = s["enum"]
            if values and all(isinstance(e, str) for e in values):
                out.append(f"{ind}if not (isinstance({x}, str) and {x} in {self._const(frozenset(values))}): return False")
            else:
                out.append(f"{ind}if not any(_same({x}, e) for e in {self._const(list(values))}): return False")
        numeric = types is None or "number" in types or "integer" in types
        if numeric:
            only_strings = isinstance(s.get("const", ""), str) and all(isinstance(e, str) for e in s.get("enum", [0]))
            if (types is None and not only_strings) or (types is not None and len(types) > 1):
                # (["number"] and ["integer"] are finite by their type test; a string const or
                # enum refuses every float)
                out.append(f"{ind}if isinstance({x}, float) and not _finite({x}): return False")
            for key, op in _COMPARE.items():
                if key in s:
                    bound = self._const(s[key])
                    out.append(
                        f"{ind}if isinstance({x}, (int, float)) and not isinstance({x}, bool) and not ({x} {op} {bound}): return False"
                    )
        if types is None or "string" in types:
            lines = []
            if "minLength" in s:
                lines.append(f"{ind}    if len({x}) < {int(s['minLength'])}: return False")
            if "maxLength" in s:
                lines.append(f"{ind}    if len({x}) > {int(s['maxLength'])}: return False")
            if "pattern" in s:
                lines.append(f"{ind}    if not {self._const(self._pattern(s['pattern']))}.search({x}): return False")
            if lines:
                out += [f"{ind}if isinstance({x}, str):", *lines]
        if types is None or "array" in types:
            out += self._array(s, f, x, ind)
        if types is None or "object" in types:
            out += self._object(s, f, x, ind)
        for sub in s.get("allOf", ()):
            out += self._sub(sub, f, x, ind)
        branches = s.get("anyOf") or s.get("oneOf")
        if branches:
            calls = [f"{self._function(b, f)}({x})" for b in branches]
            if "anyOf" in s:
                out.append(f"{ind}if not ({' or '.join(calls)}): return False")
            else:
                out.append(f"{ind}if [{', '.join(calls)}].count(True) != 1: return False")
        elif "oneOf" in s:  # oneOf: [] - nothing can pass
            out.append(f"{ind}return False")
        if "not" in s:
            out.append(f"{ind}if {self._function(s['not'], f)}({x}): return False")
        return out

    def _array(self, s: dict[str, Any], f: str, x: str, ind: str) -> list[str]:
        lines: list[str] = []
        inner = ind + "    "
        if "minItems" in s:
            lines.append(f"{inner}if len({x}) < {int(s['minItems'])}: return False")
        if "maxItems" in s:
            lines.append(f"{inner}if len({x}) > {int(s['maxItems'])}: return False")
        prefix = s.get("prefixItems", [])
        for i, sub in enumerate(prefix):
            y = self._var()
            body = self._sub(sub, f, y, inner + "    ")
            if body:
                lines += [f"{inner}if len({x}) > {i}:", f"{inner}    {y} = {x}[{i}]", *body]
        y = self._var()
        seq = f"{x}[{len(prefix)}:]" if prefix else x
        if "items" in s and not self._simple(s["items"], f):
            # Arrays of objects (boxes, points): checked column by column (see _column).
            lines.append(f"{inner}if not _chunked({self._column(s['items'], f)}, {seq}): return False")
        else:
            body = self._sub(s["items"], f, y, inner + "    ") if "items" in s else self._free(y, inner + "    ")
            if body:
                lines += [f"{inner}for {y} in {seq}:", *body]
        return [f"{ind}if isinstance({x}, list):", *lines] if lines else []

    def _object(self, s: dict[str, Any], f: str, x: str, ind: str) -> list[str]:
        props: dict[str, Any] = s.get("properties", {})
        pprops: dict[str, Any] = s.get("patternProperties", {})
        extra = s.get("additionalProperties", True)
        required = list(s.get("required", ()))
        if not (props or pprops or required or "maxProperties" in s or "additionalProperties" in s):
            if self._covered(s, f):
                return []  # a $ref, allOf or branch checks this same object, keys and content
            # No object keywords: only the rule that keys are strings (and whatever is inside).
            return [
                f"{ind}if isinstance({x}, dict):",
                f"{ind}    if not all(isinstance(k, str) for k in {x}): return False",
                *self._free(x, ind + "    "),
            ]
        inner = ind + "    "
        lines: list[str] = []
        if self._needs_rule(props, pprops, extra):
            lines.append(f"{inner}if not _orule({x}): return False")
        if "maxProperties" in s:
            lines.append(f"{inner}if len({x}) > {int(s['maxProperties'])}: return False")
        if required:
            lines.append(f"{inner}if not {self._const(frozenset(required))} <= {x}.keys(): return False")
        if pprops:
            # Rare in our schemas: one loop, every key matched against names and patterns.
            k, y = self._var(), self._var()
            lines += [f"{inner}for {k}, {y} in {x}.items():", f"{inner}    if not isinstance({k}, str): return False"]
            lines.append(f"{inner}    m = False")
            for name, sub in props.items():
                lines += [f"{inner}    if {k} == {name!r}:", f"{inner}        m = True", *self._sub(sub, f, y, inner + "        ")]
            for pat, sub in pprops.items():
                rx = self._const(self._pattern(pat))
                lines += [f"{inner}    if {rx}.search({k}):", f"{inner}        m = True", *self._sub(sub, f, y, inner + "        ")]
            lines.append(f"{inner}    if not m:")
            lines += self._extra(extra, f, y, inner + "        ") or [f"{inner}        pass"]
            return [f"{ind}if isinstance({x}, dict):", *lines]
        allowed = self._const(frozenset(props))
        if extra is False:
            lines.append(f"{inner}if not {x}.keys() <= {allowed}: return False")
        else:
            k, y = self._var(), self._var()
            check = self._extra(extra, f, y, inner + "        ")
            lines += [f"{inner}for {k}, {y} in {x}.items():", f"{inner}    if not isinstance({k}, str): return False"]
            if check:
                lines += [f"{inner}    if {k} not in {allowed}:", *check]
        for name, sub in props.items():
            y = self._var()
            rules = self._rules
            self._rules = rules and name not in self._skip_keys
            body = self._sub(sub, f, y, inner + ("" if name in required else "    "))
            self._rules = rules
            if not body:
                continue
            if name in required:
                lines += [f"{inner}{y} = {x}[{name!r}]", *body]
            else:
                lines += [f"{inner}{y} = {x}.get({name!r}, _M)", f"{inner}if {y} is not _M:", *body]
        return [f"{ind}if isinstance({x}, dict):", *lines]

    # -- columns: one check over many values -----------------------------------------------------
    def _column(self, node: Any, file: str, *, size: int | None = None) -> str:
        """A function ``c(values) -> bool``: every value satisfies ``node``. Built from whole-column
        operations that run in C (``set(map(type, values))``, ``min``, ``sum``, ``itemgetter``)
        where the schema allows, falling back to the per-value predicate otherwise; it is never
        more lenient than that predicate. ``size``: ``node`` is a closed object branch and its
        dispatcher has checked that every value is a dict of this many keys (those two passes
        are not repeated)."""
        ref = self._pure_ref(node, file) if size is None else None
        if ref is not None:
            return self._column(*ref)
        key = (id(node), file, self._rules, "column", size)
        name = self._names.get(key)
        if name is not None:
            return name
        self._n += 1
        name = self._names[key] = f"c{self._n}"
        self._keep.append(node)
        each = self._function(node, file)
        body = self._column_body(node, file, each) if size is None else self._column_object(node, file, each, size=size)
        self._sources.append("\n".join([f"def {name}(vs):", "    if not vs: return True", *body, "    return True"]))
        return name

    def _column_body(self, s: Any, f: str, each: str) -> list[str]:
        slow = [f"    return all(map({each}, vs))"]
        if not isinstance(s, dict) or not s or s.get("$ref") is not None or "not" in s or "allOf" in s:
            return slow
        if set(s) - _ANNOTATION_KEYS <= _LEAF_KEYS:
            return self._column_leaf(s, each) or slow
        if s.get("anyOf") or s.get("oneOf"):
            return self._column_branches(s, f, each) or slow
        if s.get("type") == "object" and not s.get("patternProperties") and not ({"anyOf", "oneOf"} & set(s)):
            return self._column_object(s, f, each)
        return slow

    def _column_leaf(self, s: dict[str, Any], each: str) -> list[str] | None:
        t = s.get("type")
        fallback = f"return all(map({each}, vs))"
        if t in ("number", "integer") and not ({"const", "enum"} & set(s)) and self._native:
            # numbers(): exact finite ints/floats, whether all are ints, the extremes.
            lines = ["    r = _nnums(vs)", f"    if r is None: {fallback}"]
            if t == "integer":
                lines.append(f"    if not r[0]: {fallback}")
            for key, op in _COMPARE.items():
                if key in s:
                    lines.append(f"    if not (r[{1 if op in ('>=', '>') else 2}] {op} {self._const(s[key])}): return False")
            return lines
        if t in ("number", "integer") and not ({"const", "enum"} & set(s)):
            allowed = "_NUM" if t == "number" else "_INT"
            lines = [f"    if not set(map(type, vs)) <= {allowed}: {fallback}"]
            if t == "number":  # NaN or an infinity makes the sum non-finite (so may an overflow)
                lines += ["    t = sum(vs)", f"    if t - t != 0: {fallback}"]
            for key, op in _COMPARE.items():
                if key in s:
                    worst = "min" if op in (">=", ">") else "max"
                    lines.append(f"    if not ({worst}(vs) {op} {self._const(s[key])}): return False")
            return lines
        strings = "_nonly(vs, str)" if self._native else "set(map(type, vs)) <= _STR"
        if t == "string" and "pattern" not in s:
            lines = [f"    if not {strings}: {fallback}"]
            if "minLength" in s:
                lines.append(f"    if min(map(len, vs)) < {int(s['minLength'])}: return False")
            if "maxLength" in s:
                lines.append(f"    if max(map(len, vs)) > {int(s['maxLength'])}: return False")
            if "const" in s:
                lines.append(f"    if set(vs) != {{{s['const']!r}}}: return False" if isinstance(s["const"], str) else f"    {fallback}")
            if "enum" in s:
                e = s["enum"]
                lines.append(f"    if not set(vs) <= {self._const(frozenset(e))}: return False" if all(isinstance(v, str) for v in e) else f"    {fallback}")
            return lines
        if set(s) - _ANNOTATION_KEYS == {"const"} and isinstance(s["const"], str):
            return [f"    if not {strings}: {fallback}", f"    if set(vs) != {{{s['const']!r}}}: return False"]
        return None

    def _column_object(self, s: dict[str, Any], f: str, each: str, *, size: int | None = None) -> list[str]:
        """``size``: the caller has checked that every value is a dict of this many keys."""
        props: dict[str, Any] = s.get("properties", {})
        required = list(s.get("required", ()))
        extra = s.get("additionalProperties", True)
        fallback = f"return all(map({each}, vs))"
        if set(required) - set(props):
            return [f"    {fallback}"]
        native = self._native_object(s, f, props, required, extra, size=size)
        if size is not None and native:
            return native  # the branch dispatcher handles what the C pass cannot decide
        if size is None:
            lines = [f"    if set(map(type, vs)) != _DICT: {fallback}", "    n = len(vs)", "    total = sum(map(len, vs))"]
        else:
            lines = ["    n = len(vs)", f"    total = n * {int(size)}"]
        lines = native + lines
        if "maxProperties" in s:
            lines.append(f"    if max(map(len, vs)) > {int(s['maxProperties'])}: return False")
        if not props and isinstance(extra, dict):
            # A map of free keys to one schema (a box's scores): when every value has the first
            # value's keys and no others (each has them all and the sizes add up), the keys are
            # checked once and the values come out key by key; else keys and values of all.
            col = self._column(extra, f)
            lines += [
                "    keys = list(vs[0])",
                "    cols = None",
                "    if len(keys) <= 16 and set(map(type, keys)) <= _STR and total == n * len(keys):",
                "        cols = []",
                "        try:",
                "            for k in keys:",
                "                cols += map(_itemgetter(k), vs)",
                "        except KeyError:",
                "            cols = None",
                "    if cols is None:",
                "        if not all(isinstance(k, str) for k in set(_chain.from_iterable(vs))): return False",
                "        cols = list(_chain.from_iterable(map(dict.values, vs)))",
                f"    if not {col}(cols): return False",
            ]
        elif not props:
            lines.append("    if not all(isinstance(k, str) for k in set(_chain.from_iterable(vs))): return False")
            if extra is False:
                lines.append("    if total: return False")
            elif self._rules:
                lines.append(f"    {fallback}")
        if self._needs_rule(props, None, extra):
            lines.append("    if not all(map(_orule, vs)): return False")
        if props:
            lines.append("    seen = 0")
        for pname, sub in props.items():
            check = self._property_column(pname, sub, f)
            getter = self._const(_itemgetter(pname))
            # Every value has the key (the usual case: one C-level pass), or some lack it.
            missing = "return False" if pname in required else f"col = [d[{pname!r}] for d in vs if {pname!r} in d]"
            lines += ["    try:", f"        col = list(map({getter}, vs))", "    except KeyError:", f"        {missing}", "    seen += len(col)"]
            if check is not None:
                lines.append(f"    if not {check}(col): return False")
        if props:
            # Every key was one of the named properties iff the counts add up.
            if extra is False:
                lines.append("    if seen != total: return False")
            elif isinstance(extra, dict) or self._rules:
                lines.append(f"    if seen != total: {fallback}")
            else:
                lines.append("    if seen != total and not all(isinstance(k, str) for k in set(_chain.from_iterable(vs))): return False")
        return lines

    def _native_object(
        self, s: dict[str, Any], f: str, props: dict[str, Any], required: list[str], extra: Any, *, size: int | None
    ) -> list[str]:
        """Lines deciding a column of objects in C passes when every value is a plain dict of
        str keys the C code can sort out (``columns()`` for named properties, ``values()`` for
        a map of free keys); otherwise they fall through to the Python lines that follow. For
        a closed branch shape (``size``), falling through means ``return False``: not all
        values have this shape, so the dispatcher checks them one by one."""
        if not self._native:
            return []
        lines: list[str] = []
        if "maxProperties" in s:
            lines.append(f"        if max(map(len, vs)) > {int(s['maxProperties'])}: return False")
        if self._needs_rule(props, None, extra):
            lines.append("        if not all(map(_orule, vs)): return False")
        if not props and isinstance(extra, dict):
            head = "    cols = _nvals(vs)"
            lines.append(f"        if not {self._column(extra, f)}(cols): return False")
        elif props:
            head = f"    cols = _ncols(vs, {self._const(tuple(props))})"
            lines.append("        n = len(vs)")
            for j, (pname, sub) in enumerate(props.items()):
                check = self._property_column(pname, sub, f)
                if pname in required:
                    lines.append(f"        if len(cols[{j}]) != n: return False")
                if check is not None:
                    lines.append(f"        if not {check}(cols[{j}]): return False")
        else:
            return []
        return [head, "    if cols is not None:", *lines, "        return True", *(["    return False"] if size is not None else [])]

    def _property_column(self, name: str, sub: Any, f: str) -> str | None:
        """The column function of property ``name``'s values (None: nothing to check there),
        with the rules off inside properties they skip."""
        rules = self._rules
        self._rules = rules and name not in self._skip_keys
        try:
            return self._column(sub, f) if not (sub is True or sub == {}) or self._rules else None
        finally:
            self._rules = rules

    def _column_branches(self, s: dict[str, Any], f: str, each: str) -> list[str] | None:
        """``oneOf``/``anyOf`` of closed object shapes whose keys are all required (a box's two
        position forms): when every value has exactly one branch's keys, and no value of that
        shape can fit another branch, the column is that branch's; else value by value."""
        if ("anyOf" in s and "oneOf" in s) or set(s) - _ANNOTATION_KEYS - {"anyOf", "oneOf"}:
            return None
        branches: list[Any] = s.get("anyOf") or s.get("oneOf") or []
        shapes: list[tuple[str, ...]] = []
        for b in branches:
            if not (isinstance(b, dict) and b.get("type") == "object" and b.get("additionalProperties") is False):
                return None
            if b.get("patternProperties") or {"anyOf", "oneOf", "allOf", "not", "$ref"} & set(b):
                return None
            req, allowed = tuple(b.get("required", ())), frozenset(b.get("properties", {}))
            if set(req) != allowed or not req:
                return None
            shapes.append(req)
        fallback = f"return all(map({self._function(s, f)}, vs))"
        lines = [] if self._native else [f"    if set(map(type, vs)) != _DICT: {fallback}", "    lens = set(map(len, vs))", "    if len(lens) != 1: " + fallback]
        for i, req in enumerate(shapes):
            if any(set(other) <= set(req) for j, other in enumerate(shapes) if j != i):
                continue  # a value of this shape could also fit another branch: not decidable here
            if self._native:
                # True: every value is a plain dict with exactly this branch's keys and fits it.
                lines.append(f"    if {self._column(branches[i], f, size=len(req))}(vs): return True")
                continue
            # The branch's own column check decides: True means every value has exactly this
            # branch's keys and fits it (so fits no other); False sends every value to the exact
            # per-value check below. (Checking the keys first with a tuple per value cost more
            # than the rest of a box list's validation: 100,000 new tuples wake the collector.)
            lines += [f"    if lens == {{{len(req)}}} and {self._column(branches[i], f, size=len(req))}(vs): return True"]
        lines.append(f"    {fallback}")
        return lines

    def _needs_rule(self, props: dict[str, Any], pprops: Any, extra: Any) -> bool:
        """Whether an object may hold a rule key with a string value: declared, or allowed by
        patterns or by additional properties that are not typed as something else."""
        if not self._rules:
            return False
        if self._rule_keys & set(props) or pprops:
            return True
        if extra is False:
            return False
        t = extra.get("type") if isinstance(extra, dict) and not ({"$ref", "anyOf", "oneOf", "allOf"} & set(extra)) else None
        types = [t] if isinstance(t, str) else t
        return not (isinstance(types, list) and "string" not in types)

    def _covered(self, s: dict[str, Any], f: str) -> bool:
        """Whether another schema applied to the same value (a non-trivial ``$ref`` target, an
        ``allOf`` member, every ``anyOf``/``oneOf`` branch) checks an object's keys and content."""

        def real(node: Any) -> bool:
            return isinstance(node, dict) and bool(set(node) - _ANNOTATION_KEYS)

        if "$ref" in s and real(self._resolve(s["$ref"], f)[0]):
            return True
        if any(real(sub) for sub in s.get("allOf", ())):
            return True
        branches: list[Any] = s.get("anyOf") or s.get("oneOf") or []
        return bool(branches) and all(real(b) for b in branches)

    def _extra(self, extra: Any, f: str, y: str, ind: str) -> list[str]:
        if extra is False:
            return [f"{ind}return False"]
        if isinstance(extra, dict):
            return self._sub(extra, f, y, ind)
        return self._free(y, ind)

    def _free(self, x: str, ind: str) -> list[str]:
        """Lines applying the free rule to a value the schema does not constrain."""
        if not self._rules:
            return []
        return [f"{ind}if isinstance({x}, (dict, list)) and not _free({x}): return False"]
