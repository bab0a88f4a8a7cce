"""MediaList: several media of one kind logged under one key, as one grouped descriptor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from .._errors import LimitError, MediaTypeError, ValidationError, shown
from ..store import Store
from ._base import Kind

#: Per-kind limits on items in one list (the reference documents' limits).
MAX_ITEMS = {"audio": 100}
MAX_ITEMS_DEFAULT = 10_000


class MediaList(Kind):
    """A list of media objects of the same kind."""

    TYPE: ClassVar[str] = "list"
    VERSION: ClassVar[int] = 1

    def __init__(self, items: Sequence[Any], *, field: str = "items") -> None:
        if not isinstance(items, (list, tuple)) or not items:
            msg = f"{field}: expected a non-empty list of media objects, got {shown(items)}"
            raise ValidationError(msg)
        kinds = {type(x) for x in items}
        if len(kinds) != 1 or not isinstance(items[0], Kind):
            msg = f"{field}: expected media objects of one kind, got {sorted(k.__name__ for k in kinds)}"
            raise MediaTypeError(msg)
        kind = items[0].TYPE
        if kind == "number":  # decodes to a float, not a media object
            msg = f"{field}: non-finite numbers are not media; log them as floats (a list of floats), not grouped"
            raise MediaTypeError(msg)
        limit = MAX_ITEMS.get(kind, MAX_ITEMS_DEFAULT)
        if len(items) > limit:
            msg = f"{field}: at most {limit} {kind} items can be logged in one list, got {len(items)}; split them over several keys or steps"
            raise LimitError(msg)
        self.kind = kind
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Any:
        return iter(self.items)

    def __getitem__(self, i: int) -> Any:
        return self.items[i]

    def __repr__(self) -> str:
        return f"MediaList({self.kind}, {len(self.items)} items)"

    def _encode(self, store: Store) -> dict[str, Any]:
        from ..batch import encode_many

        descs = encode_many(self.items, store)
        out: dict[str, Any] = {**self._header(), "kind": self.kind, "count": len(descs), "items": descs}
        captions = [d.get("caption") for d in descs]
        if any(c is not None for c in captions):
            out["captions"] = captions
        if self.kind in ("image", "video"):
            out["width"] = max(d["width"] for d in descs)
            out["height"] = max(d["height"] for d in descs)
        return out

    @classmethod
    def _decode(cls, desc: dict[str, Any], store: Store) -> MediaList:
        from ..api import decode

        # Counted before anything is decoded: a descriptor naming 10^5 items would otherwise cost
        # minutes and gigabytes before the constructor's limit refuses it.
        items = desc["items"]
        kind = items[0].get("_type") if items and isinstance(items[0], dict) else None
        limit = MAX_ITEMS.get(str(kind), MAX_ITEMS_DEFAULT)
        if len(items) > limit:
            msg = f"items: at most {limit} {kind} items can be decoded from one list, got {len(items)}"
            raise LimitError(msg)
        return cls([decode(d, store) for d in items])

    def _content(self) -> tuple[Any, ...]:
        return (self.kind, self.items)
