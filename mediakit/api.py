"""The server-side entry points: validate, decode and thumbnail descriptors."""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO, Literal

from ._descriptor import validate
from ._errors import LimitError, MediakitError, MediaTypeError, ValidationError, shown
from ._limits import DEFAULT_LIMITS, Limits
from ._registry import get_kind, get_renderer
from .store import Store, coerce_store

ThumbFormat = Literal["png", "webp"]
MAX_THUMB_SIZE = 4096


def decode(desc: dict[str, Any], store: Any) -> Any:
    """Rebuild the media object a descriptor describes (validated first; paths cannot escape)."""
    validate(desc)
    st = coerce_store(store)
    try:
        return get_kind(desc["_type"]).decode(desc, st)
    except RecursionError:
        # A stored file nested deeper than a library's recursive walk allows.
        msg = f"{desc['_type']}: a stored file is nested too deeply to decode"
        raise LimitError(msg) from None


def thumbnail(
    desc: dict[str, Any],
    store: Any,
    *,
    size: int = 256,
    format: ThumbFormat = "png",
    limits: Limits = DEFAULT_LIMITS,
    upscale: bool = False,
) -> bytes:
    """Render a thumbnail of a descriptor's media as PNG (or WebP) bytes.

    The size rule: the long side is ``size`` pixels. Drawn kinds (charts, Plotly, tables,
    histograms, html, audio, 3-D, molecules) are drawn at that size; pixel media (images, video
    frames) smaller than ``size`` keep their own size unless ``upscale=True``, which enlarges them
    so the long side is exactly ``size``. The same descriptor and files always give the same
    bytes. ``limits`` bounds the work an untrusted descriptor can cause.
    """
    if isinstance(size, bool) or not isinstance(size, int):
        msg = f"size: expected an int, got {type(size).__name__} {shown(size)}"
        raise MediaTypeError(msg)
    if not 8 <= size <= MAX_THUMB_SIZE:
        msg = f"size: expected 8 to {MAX_THUMB_SIZE} pixels, got {shown(size)}"
        raise ValidationError(msg)
    if format not in ("png", "webp"):
        msg = f"format: expected 'png' or 'webp', got {shown(format)}"
        raise ValidationError(msg)
    if not isinstance(upscale, bool):
        msg = f"upscale: expected True or False, got {type(upscale).__name__} {shown(upscale)}"
        raise MediaTypeError(msg)
    validate(desc)
    st = _Guarded(coerce_store(store), limits, _file_hashes(desc))
    try:
        im = get_renderer(desc["_type"])(desc, st, size=size, limits=limits)
    except MediakitError:
        raise
    except RecursionError:
        msg = f"{desc['_type']}: a stored file or field is nested too deeply to render"
        raise LimitError(msg) from None
    except (ValueError, TypeError, OverflowError, SystemError, IndexError, KeyError, ZeroDivisionError, struct.error) as e:
        # A schema-valid descriptor whose values no renderer can draw (absurd coordinates, empty
        # series ...): one error class for servers to catch, never a stray builtin from a library.
        msg = f"{desc['_type']}: could not render this descriptor ({type(e).__name__}: {e})"
        raise ValidationError(msg) from e
    return finish(im, size, format, upscale=upscale)


class _Guarded:
    """A store seen through the thumbnail limits: every read is refused beyond
    ``limits.max_file_bytes`` before a byte is read, whatever size a descriptor claims."""

    def __init__(self, store: Store, limits: Limits, hashes: dict[str, str] | None = None) -> None:
        self._store = store
        self._limit = limits.max_file_bytes
        self._hashes = hashes or {}

    def read(self, path: str, *, max_bytes: int | None = None) -> bytes:
        cap = self._limit if max_bytes is None else min(max_bytes, self._limit)
        # Files the descriptor names with a sha256 are verified: swapped content is never drawn.
        return self._store.read(path, max_bytes=cap, verify=self._hashes.get(path))

    get = read

    def open(self, path: str) -> BinaryIO:
        return io.BytesIO(self.read(path))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _file_hashes(desc: Any) -> dict[str, str]:
    """``path -> sha256`` of every file reference in a (validated) descriptor, walked without
    recursion."""
    out: dict[str, str] = {}
    todo = [desc]
    # Each container once, however often it is referenced (a Python value may hold one list
    # thousands of times at every level): the walk is linear in the objects that exist.
    seen = {id(desc)}
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            path, sha = node.get("path"), node.get("sha256")
            if isinstance(path, str) and isinstance(sha, str):
                out.setdefault(path, sha)
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        for v in children:
            if isinstance(v, (dict, list)) and id(v) not in seen:
                seen.add(id(v))
                todo.append(v)
    return out


def finish(im: Any, size: int, fmt: str, *, upscale: bool = False) -> bytes:
    """Fit ``im`` inside ``size`` (enlarging a smaller picture only with ``upscale``) and encode
    it deterministically."""
    from PIL import Image as PILImage

    if max(im.size) > size:
        im = im.copy()
        im.thumbnail((size, size), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    elif upscale and max(im.size) < size:
        scale = size / max(im.size)
        new = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        # Large factors keep pixels crisp (a 14x25 sprite stays readable), small ones stay smooth.
        resample = PILImage.Resampling.NEAREST if scale >= 4 else PILImage.Resampling.LANCZOS
        im = im.resize(new, resample)
    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    if fmt == "png":
        # mediakit's own PNG writer (one filter per row block, libdeflate when installed):
        # several times faster than Pillow's zlib level 6 for a few per cent more bytes.
        import numpy as np

        from .formats.png import encode_png

        return encode_png(np.asarray(im))
    buf = io.BytesIO()
    im.save(buf, format="WEBP", quality=85, method=4, exact=False)
    return buf.getvalue()
