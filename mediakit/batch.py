"""Many items: streaming batches on threads, worker processes or Dask, failures isolated per item.

:func:`stream` is the engine: it takes any iterable (a generator over a folder walk or an object
listing is never materialised), keeps at most ``window`` items in flight, yields an
:class:`Outcome` per item as it finishes (or in input order with a bounded reorder buffer), and
holds no finished result. A failing item yields a failed outcome and the batch goes on; an item
whose worker process died (killed, crashed) is retried ``retries`` times on a fresh worker and
then reported as :class:`~mediakit.WorkerLostError`.

Where items run (``executor=``): ``"threads"`` (default; the PNG, video and audio encoders
release the GIL), ``"processes"`` (one process per core for GIL-bound work: Pillow resampling,
renderers in Python), ``"local"`` (a Dask ``LocalCluster`` of worker processes),
``"tcp://HOST:PORT"`` (a running Dask scheduler), or any ``concurrent.futures.Executor``.
Work functions and stores travel to processes by pickle; a store re-opens itself from its URL.

:func:`encode_stream` and :func:`thumbnail_stream` are the two batch jobs of the CLI;
:class:`JsonLinesReport` writes one JSON line per outcome as it arrives.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ._errors import MediakitError, MediaTypeError, ValidationError, WorkerLostError, shown
from ._scale import ExecutorBackend, Outcome, PoolBackend, drive
from .store import Store, coerce_store

__all__ = [
    "EncodeTask",
    "FileJob",
    "JsonLinesReport",
    "Outcome",
    "ThumbJob",
    "ThumbnailTask",
    "WorkerLostError",
    "encode_file",
    "encode_many",
    "encode_stream",
    "run_isolated",
    "stamp_name",
    "stream",
    "thumb_stamp",
    "thumbnail_stream",
    "walk_files",
]

#: Lists shorter than this are encoded in the calling thread.
PARALLEL_MIN = 4


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def stream(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    executor: Executor | str | None = None,
    workers: int | None = None,
    window: int | None = None,
    ordered: bool = False,
    key: Callable[[Any], Any] | None = None,
    skip: Callable[[Any], bool] | None = None,
    retries: int = 1,
    timeout: float | None = None,
) -> Iterator[Outcome]:
    """Apply ``fn`` to every item, yielding an :class:`Outcome` per item as it finishes.

    Parameters
    ----------
    fn:
        The work for one item. For processes and Dask it must pickle (a module-level function or
        a picklable callable object such as :class:`EncodeTask`).
    items:
        Any iterable; it is read only as fast as work is handed out.
    executor:
        ``"threads"`` (default), ``"processes"``, ``"local"`` (Dask ``LocalCluster`` of
        ``workers`` processes), ``"tcp://HOST:PORT"`` (a Dask scheduler) or an ``Executor``.
    workers:
        Threads or processes (default: the CPU count, at most 8; 2 for a Dask ``LocalCluster``).
    window:
        At most this many items in flight plus waiting in the reorder buffer (default
        ``2 * workers``): memory stays flat whatever the batch size.
    ordered:
        Yield in input order (a finished item waits for those before it, within ``window``).
    key:
        The key of an item in its outcome (default: the path for path items, else the index).
    skip:
        ``skip(item) -> True`` yields a skipped outcome without running the item (resume).
    retries:
        Runs again an item whose worker process died, this many times.
    timeout:
        Seconds per item, for ``"processes"``: an item running longer has its worker killed and
        is reported as ``TimeoutError``.
    """
    if not callable(fn):
        msg = f"fn: expected a callable, got {type(fn).__name__}"
        raise MediaTypeError(msg)
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        msg = f"workers: expected a positive int, got {shown(workers)}"
        raise ValidationError(msg)
    if window is not None and (not isinstance(window, int) or isinstance(window, bool) or window < 1):
        msg = f"window: expected a positive int, got {shown(window)}"
        raise ValidationError(msg)
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        msg = f"retries: expected an int >= 0, got {shown(retries)}"
        raise ValidationError(msg)
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        msg = f"timeout: expected seconds > 0, got {shown(timeout)}"
        raise ValidationError(msg)
    if isinstance(executor, str) and executor not in ("threads", "processes", "local") and not executor.startswith(("tcp://", "tls://")):
        msg = f"executor: expected 'threads', 'processes', 'local', a Dask address 'tcp://HOST:PORT' or an Executor, got {shown(executor)}"
        raise ValidationError(msg)
    if executor is not None and not isinstance(executor, (str, Executor)):
        msg = f"executor: expected a name, a Dask address or a concurrent.futures.Executor, got {type(executor).__name__}"
        raise MediaTypeError(msg)
    return _stream(fn, items, executor, workers, window, ordered, key, skip, retries, timeout)


def _stream(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    executor: Executor | str | None,
    workers: int | None,
    window: int | None,
    ordered: bool,
    key: Callable[[Any], Any] | None,
    skip: Callable[[Any], bool] | None,
    retries: int,
    timeout: float | None,
) -> Iterator[Outcome]:
    if executor == "local" or (isinstance(executor, str) and executor.startswith(("tcp://", "tls://"))):
        from ._scale import dask_executor

        with dask_executor(executor, workers=workers) as ex:
            n = workers or 2
            yield from drive(ExecutorBackend(ex, fn, window or 2 * n, own=False), items, window or 2 * n, ordered, key, skip, retries)
        return
    n = workers or default_workers()
    size = window or 2 * n
    backend: ExecutorBackend | PoolBackend
    if executor == "processes":
        backend = PoolBackend(fn, n, timeout)
    elif executor is None or executor == "threads":
        backend = ExecutorBackend(ThreadPoolExecutor(max_workers=n, thread_name_prefix="mediakit-batch"), fn, size, own=True)
    else:
        assert isinstance(executor, Executor)  # checked by stream()
        backend = ExecutorBackend(executor, fn, size, own=False)
    yield from drive(backend, items, size, ordered, key, skip, retries)


# -- the older list forms --------------------------------------------------------------------------


def encode_many(items: Sequence[Any], store: Any, *, executor: Executor | None = None) -> list[dict[str, Any]]:
    """Encode media objects into ``store`` in parallel; descriptors come back in input order.

    Encoders that release the GIL (PNG deflate, numpy filters, ffmpeg subprocesses) keep all
    cores busy on threads. If any item fails, the files written for the others are removed too
    (when called inside a transaction) and the first error is raised. (For batches that must go
    on past failures, or that do not fit in memory, use :func:`encode_stream`.)
    """
    st = coerce_store(store)
    if len(items) < PARALLEL_MIN and executor is None:
        return [item.encode(st) for item in items]
    journal = st.current_journal()

    def one(item: Any) -> dict[str, Any]:
        with st.transaction(into=journal):
            return item.encode(st)

    if executor is not None:
        return _all_or_first_error(executor, one, items)
    with ThreadPoolExecutor(max_workers=default_workers(), thread_name_prefix="mediakit-encode") as pool:
        return _all_or_first_error(pool, one, items)


def _all_or_first_error(ex: Executor, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Results in order; on failure, wait for every other item first (so the caller's rollback
    sees all the files they wrote), then raise the first error."""
    futures = [ex.submit(fn, item) for item in items]
    wait(futures)
    for fut in futures:
        err = fut.exception()
        if err is not None:
            raise err
    return [fut.result() for fut in futures]


def run_isolated(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int | None = None,
    executor: Executor | str | None = None,
    on_done: Callable[[Any, Any, BaseException | None], None] | None = None,
) -> list[tuple[Any, Any, BaseException | None]]:
    """Apply ``fn`` to each item; an exception is recorded for its item, never stops the batch.

    Returns ``(item, result, error)`` triples in input order (so it holds every item and
    result: for big batches iterate :func:`stream` instead). ``on_done`` is called as each item
    finishes (for progress bars). At most ``2 * workers`` items are in flight at once.
    """
    items = list(items)
    out: list[tuple[Any, Any, BaseException | None]] = [(item, None, None) for item in items]
    for res in stream(fn, items, executor=executor, workers=workers, key=_index_key(items)):
        i = res.key
        out[i] = (items[i], res.value, res.error)
        if on_done is not None:
            on_done(items[i], res.value, res.error)
    return out


def _index_key(items: list[Any]) -> Callable[[Any], int]:
    counter = iter(range(len(items)))
    return lambda _item: next(counter)


# -- the two batch jobs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileJob:
    """Encode the file at ``input``; with ``name``, also write its descriptor (canonical JSON)
    under that store-relative name, e.g. ``"descriptors/photos/cat.jpg.json"``."""

    input: str
    name: str | None = None
    max_rows: int | None = None

    @property
    def key(self) -> str:
        return self.input


def encode_file(path: str | os.PathLike[str], store: Any, *, max_rows: int | None = None) -> dict[str, Any]:
    """Encode one file as the kind its format says (``formats.kind_of``) into ``store``."""
    from ._registry import get_kind
    from .formats import kind_of

    kind = kind_of(Path(path))
    if kind == "descriptor":
        msg = f"input: {os.fspath(path)!r} is a descriptor (.json), not media; validate or thumbnail it instead"
        raise ValidationError(msg)
    cls = get_kind(kind)
    if not callable(getattr(cls, "from_path", None)):
        msg = f"input: the {shown(kind)} kind has no from_path constructor, so files cannot be encoded as it"
        raise ValidationError(msg)
    kwargs = {"max_rows": max_rows} if kind == "table" and max_rows is not None else {}
    desc: dict[str, Any] = cls.from_path(path, **kwargs).encode(coerce_store(store))
    return desc


@dataclass(frozen=True)
class EncodeTask:
    """The work of :func:`encode_stream` for one item (picklable: it carries the store)."""

    store: Store

    def __call__(self, item: Any) -> Any:
        from ._descriptor import dumps
        from ._encode import encode

        if isinstance(item, FileJob):
            desc = encode_file(item.input, self.store, max_rows=item.max_rows)
            if item.name is not None:
                self.store.write(item.name, dumps(desc) + b"\n")
            return desc
        if isinstance(item, (str, os.PathLike)):
            return encode_file(item, self.store)
        return encode(item, self.store)


def encode_stream(
    items: Iterable[Any], store: Any, *, resume: bool = False, **options: Any
) -> Iterator[Outcome]:
    """Encode many items into ``store``, yielding an :class:`Outcome` (value: the descriptor) per item.

    Items are file paths (encoded as their format's kind), :class:`FileJob` (a path plus the name
    its descriptor is written under in the store) or anything :func:`mediakit.encode` takes.
    ``resume=True`` skips a :class:`FileJob` whose descriptor is already in the store (the media
    it names are content-addressed, so a re-run writes nothing twice). ``options`` are those of
    :func:`stream` (``executor``, ``workers``, ``ordered``, ...).
    """
    st = coerce_store(store)
    skip = (lambda item: isinstance(item, FileJob) and item.name is not None and st.exists(item.name)) if resume else None
    return stream(EncodeTask(st), items, skip=skip, **options)


@dataclass(frozen=True)
class ThumbJob:
    """Render the descriptor ``descriptor`` (a dict, or the path of its JSON file: local, or in
    the media store with ``in_store=True``); with ``name``, write the image under that name in
    the output store next to a stamp of what it was made from (for ``resume``)."""

    descriptor: dict[str, Any] | str
    name: str | None = None
    in_store: bool = False

    @property
    def key(self) -> str | None:
        return self.descriptor if isinstance(self.descriptor, str) else self.name


#: One hidden folder beside the thumbnails keeps what each was made from (a stamp per thumbnail:
#: read one at a time, so memory stays flat; the thumbnail folders themselves stay clean).
STAMPS = ".mediakit-stamps"


def stamp_name(name: str) -> str:
    """Where the stamp of the thumbnail ``name`` lives: ``a/b.png`` -> ``.mediakit-stamps/a/b.png.stamp``."""
    return f"{STAMPS}/{name}.stamp"


def thumb_stamp(descriptor: bytes, size: int, fmt: str, upscale: bool = False) -> bytes:
    """What a thumbnail was made from; a re-run skips it only when this is unchanged."""
    import hashlib

    return f"{hashlib.sha256(descriptor).hexdigest()} {size} {fmt}{' upscale' if upscale else ''}\n".encode()


@dataclass(frozen=True)
class ThumbnailTask:
    """The work of :func:`thumbnail_stream` for one item (picklable: it carries the stores)."""

    store: Store
    out: Store | None = None
    size: int = 256
    format: str = "png"

    def read(self, item: Any) -> tuple[dict[str, Any], bytes]:
        from ._descriptor import dumps, loads

        src = item.descriptor if isinstance(item, ThumbJob) else item
        if isinstance(src, dict):
            return src, dumps(src)
        if isinstance(src, (str, os.PathLike)):
            raw = self.store.read(os.fspath(src)) if isinstance(item, ThumbJob) and item.in_store else Path(src).read_bytes()
            desc = loads(raw)
            if not isinstance(desc, dict):
                msg = f"descriptor: {os.fspath(src)!r} holds JSON {type(desc).__name__}, not a descriptor object"
                raise ValidationError(msg)
            return desc, raw
        msg = f"item: expected a descriptor dict, a descriptor file path or a ThumbJob, got {type(src).__name__}"
        raise MediaTypeError(msg)

    def __call__(self, item: Any) -> Any:
        from .api import thumbnail

        desc, raw = self.read(item)
        image = thumbnail(desc, self.store, size=self.size, format=self.format)  # type: ignore[arg-type]
        name = item.name if isinstance(item, ThumbJob) else None
        if name is None or self.out is None:
            return image
        self.out.write(name, image)
        self.out.write(stamp_name(name), thumb_stamp(raw, self.size, self.format))
        return name

    def is_current(self, item: Any) -> bool:
        """The thumbnail of ``item`` exists and was made from the same descriptor, size and format."""
        if not isinstance(item, ThumbJob) or item.name is None or self.out is None:
            return False
        try:
            stamp = self.out.read(stamp_name(item.name))
            _desc, raw = self.read(item)
        except (OSError, MediakitError):
            return False
        return stamp == thumb_stamp(raw, self.size, self.format) and self.out.exists(item.name)


def thumbnail_stream(
    items: Iterable[Any],
    store: Any,
    *,
    out: Any = None,
    size: int = 256,
    format: str = "png",
    resume: bool = False,
    **options: Any,
) -> Iterator[Outcome]:
    """Render thumbnails of many descriptors, yielding an :class:`Outcome` per item: the image's
    bytes, or its name when it was written to ``out`` (a store, a directory or a URL).

    Items are descriptor dicts, descriptor file paths or :class:`ThumbJob`. ``resume=True`` skips
    a job whose thumbnail in ``out`` is current (same descriptor bytes, size and format).
    ``options`` are those of :func:`stream`.
    """
    task = ThumbnailTask(coerce_store(store), coerce_store(out) if out is not None else None, size, format)
    return stream(task, items, skip=task.is_current if resume else None, **options)


# -- reports ---------------------------------------------------------------------------------------


@dataclass
class JsonLinesReport:
    """One JSON line per outcome, written as it arrives (flushed every ``flush_every`` lines
    and at the end), then a summary line ``{"summary": {...}}``; counts kept, not outcomes."""

    file: IO[str]
    flush_every: int = 100
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0, "skipped": 0})
    started: float = field(default_factory=time.monotonic)

    def write(self, outcome: Outcome, **extra: Any) -> None:
        rec = outcome.record()
        rec.update(extra)
        self.file.write(json.dumps(rec, sort_keys=True, separators=(",", ":"), default=str) + "\n")
        self.counts[outcome.status] += 1
        if sum(self.counts.values()) % self.flush_every == 0:
            self.file.flush()

    def close(self) -> dict[str, Any]:
        """Write and return the summary: counts and seconds."""
        summary = {**self.counts, "seconds": round(time.monotonic() - self.started, 3)}
        self.file.write(json.dumps({"summary": summary}, sort_keys=True, separators=(",", ":")) + "\n")
        self.file.flush()
        return summary


def walk_files(roots: Iterable[str | os.PathLike[str]], *, suffixes: set[str] | None = None) -> Iterator[tuple[Path, Path]]:
    """``(path, relative name)`` of every file under ``roots``, one folder at a time, in sorted
    order within each folder (so runs are reproducible): nothing is listed whole. A root that is a
    file yields itself; hidden files and folders are skipped."""
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            yield root, Path(root.name)
            continue
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            subdirs = []
            for e in entries:
                if e.name.startswith("."):
                    continue
                if e.is_dir(follow_symlinks=False):
                    subdirs.append(Path(e.path))
                elif suffixes is None or Path(e.name).suffix.lower() in suffixes:
                    yield Path(e.path), Path(e.path).relative_to(root)
            stack.extend(reversed(subdirs))
