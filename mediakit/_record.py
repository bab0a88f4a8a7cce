"""Small value classes without :mod:`dataclasses`.

``dataclasses`` generates each class's methods with ``exec`` and pulls in :mod:`inspect`: about
a millisecond per class, paid by everything on the import path of ``mk.Image`` (limits, format
specs, stored-file references, overlays). A class here lists its fields once in
``__match_args__`` (and in ``__slots__``), writes its own ``__init__`` (so its signature stays
plain and type checkers see it), and inherits the rest from :class:`Record`: ``repr``, ``==``
by class and field values, pickling, ``replace(**changes)``. :class:`FrozenRecord` also refuses
assignment (``AttributeError``, as a frozen dataclass does) and hashes by its field values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # a TypeVar bound by name compiles that name: the first compile() costs ~2 ms
    from typing import TypeVar

    R = TypeVar("R", bound="Record")


class Record:
    """A value class whose fields are named in ``__match_args__`` (its ``__init__`` order)."""

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__match_args__)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__ and isinstance(other, Record):
            return self._values() == other._values()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass with eq

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())

    def replace(self: R, **changes: Any) -> R:
        """A copy with ``changes`` applied (unknown names raise ``TypeError``)."""
        return type(self)(**{**dict(zip(self.__match_args__, self._values())), **changes})


class FrozenRecord(Record):
    """A :class:`Record` whose fields cannot be assigned once built; hashable."""

    __slots__ = ()

    def _init(self, *values: Any) -> None:
        """Set the fields (in ``__match_args__`` order) from ``__init__``."""
        for name, value in zip(self.__match_args__, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        msg = f"cannot assign to field {name!r}: {type(self).__name__} is frozen (make a new one with .replace({name}=...))"
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> None:
        msg = f"cannot delete field {name!r}: {type(self).__name__} is frozen"
        raise AttributeError(msg)

    def __hash__(self) -> int:  # type: ignore[override]  # Record sets None (mutable ones are unhashable)
        return hash(self._values())
