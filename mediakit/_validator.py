"""A small JSON Schema (draft 2020-12) validator for mediakit's own schemas.

It implements the subset of the standard our schemas use: ``type``, ``enum``, ``const``,
``properties``, ``required``, ``additionalProperties``, ``patternProperties``, ``items``,
``prefixItems``, ``minItems``/``maxItems``, ``minimum``/``maximum``/``exclusiveMinimum``/
``exclusiveMaximum``, ``minLength``/``maxLength``, ``pattern``, ``maxProperties``,
``allOf``/``anyOf``/``oneOf``/``not`` and ``$ref`` (to ``#/$defs/...`` or another schema file of
ours). Implementing that subset here keeps validation free of dependencies and lets every error
name the field it is about; the test suite checks that this validator and the reference
``jsonschema`` package agree on every descriptor. Where the documents come from is
:mod:`mediakit._schema`'s business: a validator is handed a ``load(file name)`` function.

Speed: on first use each validator compiles its schema into a predicate
(:mod:`mediakit._schema_compile`) that answers valid/invalid without building paths; the
interpreter below runs only when the predicate says no, to raise the error naming the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ._errors import SchemaError, shown
from ._record import FrozenRecord

ID_BASE = "https://mediakit.invalid/schemas/"

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}

#: Keywords the validator checks.
ASSERTIONS = frozenset(
    "type enum const properties required additionalProperties patternProperties items prefixItems minItems maxItems "
    "minimum maximum exclusiveMinimum exclusiveMaximum minLength maxLength pattern maxProperties allOf anyOf oneOf not "
    "$ref".split()
)


class Rules(FrozenRecord):
    """Checks beyond JSON Schema folded into a validator's compiled predicate:
    ``object_rule(obj)`` on every object that may hold one of ``keys``, ``free_rule(value)`` on
    every object or array the schema leaves unconstrained (it must look inside by itself),
    except within properties named in ``skip``."""

    __slots__ = __match_args__ = ("object_rule", "free_rule", "keys", "skip")

    object_rule: Callable[[dict[str, Any]], bool]
    free_rule: Callable[[Any], bool]
    keys: frozenset[str]
    skip: frozenset[str]

    def __init__(
        self,
        object_rule: Callable[[dict[str, Any]], bool],
        free_rule: Callable[[Any], bool],
        keys: frozenset[str],
        skip: frozenset[str] = frozenset(),
    ) -> None:
        self._init(object_rule, free_rule, keys, skip)


def split_ref(ref: str, base_file: str) -> tuple[str, str]:
    """``(file, JSON pointer)`` a ``$ref`` in schema file ``base_file`` points at."""
    file_part, _, pointer = ref.partition("#")
    if file_part.startswith(ID_BASE):
        file_part = file_part[len(ID_BASE):]
    target_file = base_file
    if file_part:
        base_dir = base_file.rsplit("/", 1)[0] + "/" if "/" in base_file else ""
        parts: list[str] = []
        for p in (base_dir + file_part).split("/"):  # normalise "_defs/../x" style paths
            if p == "..":
                if not parts:
                    msg = f"$ref: {ref!r} leaves the schema folder"
                    raise SchemaError(msg)
                parts.pop()
            elif p not in ("", "."):
                parts.append(p)
        target_file = "/".join(parts)
    return target_file, pointer


def lookup(doc: Any, pointer: str) -> Any:
    node = doc
    for token in [t for t in pointer.split("/") if t]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    # ECMA-262 ``$`` (what JSON Schema means) never matches before a trailing newline; Python's
    # does, so an anchored pattern is compiled with ``\Z``.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _fmt(path: str) -> str:
    return path or "$"


def _short(value: Any) -> str:
    return shown(value, 80)


class Validator:
    """Validates instances against one schema file; ``load(file name)`` returns the documents
    it and its ``$ref`` targets are in."""

    def __init__(self, schema_file: str, load: Callable[[str], dict[str, Any]], *, rules: Rules | None = None) -> None:
        self.root_file = schema_file
        self._load = load
        self.root = load(schema_file)
        self._refs: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        self._rules = rules
        self._fast: Callable[[Any], bool] | None = None

    def validate(self, instance: Any, *, where: str = "$") -> None:
        """Raise :class:`~mediakit.SchemaError` naming the first bad field, or return."""
        if not self.accepts(instance):
            self._check(instance, self.root, self.root_file, where)

    def accepts(self, instance: Any) -> bool:
        """Whether ``instance`` is valid (and passes the extra ``rules``), by the compiled
        predicate; ``False`` says only that :meth:`check` (and the rules' own checks) must run
        to find and name the problem."""
        fast = self._fast
        if fast is None:
            fast = self._fast = self.compiled()
        try:
            return fast(instance)
        except RecursionError:  # a pathologically deep value: the interpreter reports it
            return False
        except (ValueError, TypeError):  # values no JSON holds (numpy arrays compare elementwise)
            return False

    def compiled(self) -> Callable[[Any], bool]:
        """The schema compiled into a predicate (``True``: valid), built once per validator."""
        from ._schema_compile import Compiler

        def interpret(v: Any, s: Any, f: str) -> bool:
            try:
                self._check(v, s, f, "")
            except SchemaError:
                return False
            return True

        r = self._rules
        return Compiler(
            self._resolve,
            _compiled,
            interpret,
            object_rule=r.object_rule if r else None,
            free_rule=r.free_rule if r else None,
            rule_keys=r.keys if r else frozenset(),
            skip_keys=r.skip if r else frozenset(),
        ).compile(self.root, self.root_file)

    def check(self, instance: Any, *, where: str = "$") -> None:
        """The interpreter alone (no compiled predicate): what :meth:`validate` falls back to."""
        self._check(instance, self.root, self.root_file, where)

    # -- internals ------------------------------------------------------------------------------
    def _resolve(self, ref: str, base_file: str) -> tuple[dict[str, Any], str]:
        key = (ref, base_file)
        hit = self._refs.get(key)
        if hit is None:
            target_file, pointer = split_ref(ref, base_file)
            hit = self._refs[key] = (lookup(self._load(target_file), pointer), target_file)
        return hit

    def _check(self, v: Any, s: Any, f: str, path: str) -> None:
        if s is True or s == {}:
            return
        if len(s) == 1 and isinstance(s.get("type"), str):
            # Fast path for the many leaf schemas that are just a type.
            if not _TYPES[s["type"]](v):
                msg = f"{_fmt(path)}: expected {s['type']}, got {type(v).__name__} {_short(v)}"
                raise SchemaError(msg, field=path)
            if isinstance(v, float) and not math.isfinite(v):
                msg = f"{_fmt(path)}: expected a finite number, got {shown(v)}"
                raise SchemaError(msg, field=path)
            return
        if s is False:
            msg = f"{_fmt(path)}: no value is allowed here, got {_short(v)}"
            raise SchemaError(msg, field=path)
        if "$ref" in s:
            target, tf = self._resolve(s["$ref"], f)
            self._check(v, target, tf, path)
        t = s.get("type")
        if t is not None:
            types = t if isinstance(t, list) else [t]
            if not any(_TYPES[x](v) for x in types):
                msg = f"{_fmt(path)}: expected {' or '.join(types)}, got {type(v).__name__} {_short(v)}"
                raise SchemaError(msg, field=path)
        if "const" in s and not _same(v, s["const"]):
            msg = f"{_fmt(path)}: expected {s['const']!r}, got {_short(v)}"
            raise SchemaError(msg, field=path)
        if "enum" in s and not any(_same(v, e) for e in s["enum"]):
            msg = f"{_fmt(path)}: expected one of {s['enum']!r}, got {_short(v)}"
            raise SchemaError(msg, field=path)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if isinstance(v, float) and not math.isfinite(v):
                msg = f"{_fmt(path)}: expected a finite number, got {shown(v)}"
                raise SchemaError(msg, field=path)
            for key, ok, word in (
                ("minimum", lambda a, b: a >= b, ">="),
                ("maximum", lambda a, b: a <= b, "<="),
                ("exclusiveMinimum", lambda a, b: a > b, ">"),
                ("exclusiveMaximum", lambda a, b: a < b, "<"),
            ):
                if key in s and not ok(v, s[key]):
                    msg = f"{_fmt(path)}: expected a number {word} {s[key]!r}, got {shown(v)}"
                    raise SchemaError(msg, field=path)
        if isinstance(v, str):
            if "minLength" in s and len(v) < s["minLength"]:
                msg = f"{_fmt(path)}: expected at least {s['minLength']} characters, got {_short(v)}"
                raise SchemaError(msg, field=path)
            if "maxLength" in s and len(v) > s["maxLength"]:
                msg = f"{_fmt(path)}: expected at most {s['maxLength']} characters, got {len(v)}"
                raise SchemaError(msg, field=path)
            if "pattern" in s and not _compiled(s["pattern"]).search(v):
                msg = f"{_fmt(path)}: expected a string matching {s['pattern']!r}, got {_short(v)}"
                raise SchemaError(msg, field=path)
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                msg = f"{_fmt(path)}: expected at least {s['minItems']} items, got {len(v)}"
                raise SchemaError(msg, field=path)
            if "maxItems" in s and len(v) > s["maxItems"]:
                msg = f"{_fmt(path)}: expected at most {s['maxItems']} items, got {len(v)}"
                raise SchemaError(msg, field=path)
            prefix = s.get("prefixItems", [])
            for i, (item, sub) in enumerate(zip(v, prefix)):
                self._check(item, sub, f, f"{path}[{i}]")
            if "items" in s:
                for i in range(len(prefix), len(v)):
                    self._check(v[i], s["items"], f, f"{path}[{i}]")
        if isinstance(v, dict):
            if "maxProperties" in s and len(v) > s["maxProperties"]:
                msg = f"{_fmt(path)}: expected at most {s['maxProperties']} entries, got {len(v)}"
                raise SchemaError(msg, field=path)
            for key in s.get("required", ()):
                if key not in v:
                    msg = f"{_fmt(path)}: missing required field {key!r}"
                    err = SchemaError(msg, field=f"{path}.{key}")
                    err.structural = True  # type: ignore[attr-defined]
                    raise err
            props = s.get("properties", {})
            pprops = s.get("patternProperties", {})
            extra = s.get("additionalProperties", True)
            for key, item in v.items():
                if not isinstance(key, str):
                    msg = f"{_fmt(path)}: object keys must be strings, got {shown(key)}"
                    raise SchemaError(msg, field=path)
                sub_path = f"{path}.{key}" if key.isidentifier() else f"{path}[{shown(key)}]"
                matched = False
                if key in props:
                    matched = True
                    self._check(item, props[key], f, sub_path)
                for pat, sub in pprops.items():
                    if _compiled(pat).search(key):
                        matched = True
                        self._check(item, sub, f, sub_path)
                if not matched:
                    if extra is False:
                        allowed = sorted(props)
                        msg = f"{_fmt(path)}: unexpected field {shown(key)} (allowed: {', '.join(allowed) or 'none'})"
                        err = SchemaError(msg, field=sub_path)
                        err.structural = True  # type: ignore[attr-defined]
                        raise err
                    if isinstance(extra, dict):
                        self._check(item, extra, f, sub_path)
        for sub in s.get("allOf", ()):
            self._check(v, sub, f, path)
        if "anyOf" in s or "oneOf" in s:
            branches = s.get("anyOf") or s.get("oneOf")
            if isinstance(v, dict):
                # Branches whose required fields are all present go first; when one of them
                # passes, the others (which must fail) need not be tried for anyOf, and for
                # oneOf only candidates can pass at all.
                fits = [b for b in branches if all(k in v for k in b.get("required", ()))]
                if fits and len(fits) < len(branches):
                    branches = fits
            errors: list[SchemaError] = []
            passed = 0
            for sub in branches:
                try:
                    self._check(v, sub, f, path)
                    passed += 1
                    if "anyOf" in s:
                        break
                except SchemaError as e:
                    errors.append(e)
            if passed == 0:
                # Report the branch that got furthest: one whose shape (required and allowed
                # fields) matched and that failed deeper, rather than a branch of another shape.
                best = max(errors, key=lambda e: (not getattr(e, "structural", False), len(e.field)))
                raise SchemaError(str(best), field=best.field)
            if "oneOf" in s and passed > 1:
                msg = f"{_fmt(path)}: value matches more than one allowed form"
                raise SchemaError(msg, field=path)
        if "not" in s:
            try:
                self._check(v, s["not"], f, path)
            except SchemaError:
                pass
            else:
                msg = f"{_fmt(path)}: value is of a form that is not allowed here: {_short(v)}"
                raise SchemaError(msg, field=path)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # a numpy array compares elementwise: never a JSON value
        return False
