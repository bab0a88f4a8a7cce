"""Where batch items run: a process pool that knows which item each worker holds, Dask, and
the loop that feeds them (for :mod:`mediakit.batch`).

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies, every pending
future fails with ``BrokenProcessPool``, the pool cannot be used again and nobody can say which
item the dead worker was running. Here each worker process runs one item at a time from its own
pipe (with the next one already waiting there, so it never idles between items), so a killed
worker loses exactly the item it was running (retried by :mod:`mediakit.batch`; the one waiting
is sent again, never counted as an attempt), a fresh worker takes its place, and every finished
result has already been handed back.

Dask (extra ``cloud``): ``"local"`` starts a ``LocalCluster`` of worker *processes* on
127.0.0.1; ``"tcp://HOST:PORT"`` connects to a scheduler started elsewhere. Both give a
``concurrent.futures`` executor; work functions and stores travel by pickle (a store re-opens
itself from its URL on the worker).

(Over 500 lines on purpose: the pool, the backends and :func:`drive` share one task/event
protocol, ``requeue`` included, and are read and changed together.)
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from typing import Any

from ._errors import MediaTypeError, ValidationError, WorkerLostError, shown

#: A worker that dies with no item in hand this many times in a row means the worker cannot
#: start at all (a broken environment): the pool gives up instead of respawning forever.
MAX_IDLE_DEATHS = 3


class RemoteError(Exception):
    """An error raised in a worker process whose exception object could not travel back."""


def dumps_callable(fn: Callable[..., Any], *, field_name: str = "fn") -> bytes:
    """Pickle ``fn`` for worker processes (plain pickle, else cloudpickle when installed)."""
    try:
        return pickle.dumps(fn, pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        first = e
    try:
        import cloudpickle  # type: ignore[import-untyped]  # a dependency of dask, when installed

        return bytes(cloudpickle.dumps(fn))
    except Exception:
        msg = (
            f"{field_name}: {shown(fn)} cannot be sent to worker processes ({type(first).__name__}: {first}); "
            "pass a module-level function or a picklable callable object"
        )
        raise MediaTypeError(msg) from first


def _portable(e: BaseException) -> BaseException:
    """``e`` if it survives a pickle round trip, else a :class:`RemoteError` with its text."""
    try:
        pickle.loads(pickle.dumps(e, pickle.HIGHEST_PROTOCOL))
        return e
    except Exception:
        return RemoteError(f"{type(e).__name__}: {e}")


def _worker_main(conn: Connection, fn_blob: bytes) -> None:  # pragma: no cover - runs in the child
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    fn = pickle.loads(fn_blob)
    try:
        conn.send_bytes(b"ready")  # item timeouts start after this, not during start-up
    except OSError:
        return
    while True:
        try:
            msg = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not msg:
            return
        task_id, item = pickle.loads(msg)
        try:
            payload = pickle.dumps((task_id, True, fn(item)), pickle.HIGHEST_PROTOCOL)
        except BaseException as e:  # reported per item, the worker goes on
            payload = pickle.dumps((task_id, False, _portable(e)), pickle.HIGHEST_PROTOCOL)
        try:
            conn.send_bytes(payload)
        except (OSError, ValueError):
            return


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    #: Tasks sent, in order: the first is running, the others wait in the worker's pipe.
    tasks: deque[int] = field(default_factory=deque)
    #: When the running task started (for ``timeout``).
    started: float = 0.0
    ready: bool = False


@dataclass
class Event:
    """What happened to a task: ``kind`` is ``"ok"``, ``"error"``, ``"lost"``, ``"timeout"`` or
    ``"requeue"`` (it was waiting, never started, in a worker that died: send it again)."""

    task: int
    kind: str
    value: Any = None


def default_context() -> str:
    """``forkserver`` where available (no fork of a threaded parent), else ``spawn``."""
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


#: Items a worker holds at once: the one it runs and ``DEPTH - 1`` waiting in its pipe, so it
#: starts the next item as soon as it sends a result instead of waiting for the parent to read
#: the result and answer (on a busy machine that round trip costs whole scheduler time slices).
DEPTH = 2

#: A pickled item bigger than this waits in the parent until a worker is idle: sent to a busy
#: worker it could fill the pipe and block the parent while that worker blocks on its result.
QUEUE_MAX_BYTES = 32 * 1024


@dataclass
class ProcessPool:
    """``workers`` processes, each running ``fn`` on one item at a time (and holding up to
    ``depth - 1`` more, waiting, so it never idles between items).

    ``timeout`` (seconds per item) kills a worker that takes longer and reports its item. A
    worker that dies loses only the item it was running; the ones waiting behind it are sent
    again (``"requeue"``).
    """

    fn: Callable[[Any], Any]
    workers: int
    context: str | None = None
    timeout: float | None = None
    depth: int = DEPTH
    _blob: bytes = field(init=False, repr=False)
    _pool: list[_Worker] = field(init=False, repr=False, default_factory=list)
    _held: deque[tuple[int, bytes]] = field(init=False, repr=False, default_factory=deque)
    _idle_deaths: int = field(init=False, default=0)
    #: Worker processes started over the pool's life (the first ones included).
    started: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if not isinstance(self.workers, int) or isinstance(self.workers, bool) or self.workers < 1:
            msg = f"workers: expected a positive int, got {shown(self.workers)}"
            raise ValidationError(msg)
        if not isinstance(self.depth, int) or isinstance(self.depth, bool) or self.depth < 1:
            msg = f"depth: expected a positive int, got {shown(self.depth)}"
            raise ValidationError(msg)
        self._blob = dumps_callable(self.fn)
        self._ctx: Any = mp.get_context(self.context or default_context())
        if self._ctx.get_start_method() == "forkserver":
            self._ctx.set_forkserver_preload(["mediakit"])
        self._pool = [self._spawn() for _ in range(self.workers)]

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main, args=(child, self._blob), daemon=True, name="mediakit-worker")
        proc.start()
        child.close()
        self.started += 1
        return _Worker(proc, parent)

    def pids(self) -> list[int]:
        return [w.proc.pid for w in self._pool]

    def free(self) -> int:
        """How many more items the pool takes now (slots of started workers, less held items)."""
        return sum(self.depth - len(w.tasks) for w in self._pool if w.ready) - len(self._held)

    def send(self, task: int, item: Any) -> None:
        """Hand ``item`` to the least busy worker (pickling errors propagate: the item is at
        fault); a big item waits for an idle worker."""
        blob = pickle.dumps((task, item), pickle.HIGHEST_PROTOCOL)
        worker = min((w for w in self._pool if w.ready and len(w.tasks) < self.depth), key=lambda w: len(w.tasks), default=None)
        if worker is None or (worker.tasks and len(blob) > QUEUE_MAX_BYTES) or self._held:
            self._held.append((task, blob))
            self._dispatch_held()
        else:
            self._post(worker, task, blob)

    def _post(self, worker: _Worker, task: int, blob: bytes) -> None:
        if not worker.tasks:
            worker.started = time.monotonic()
        worker.tasks.append(task)
        try:
            worker.conn.send_bytes(blob)
        except OSError:
            pass  # the worker is dead: poll() sees its sentinel and reports the task as lost

    def _dispatch_held(self) -> None:
        """Send held items, in order, while a worker may take them."""
        while self._held:
            task, blob = self._held[0]
            big = len(blob) > QUEUE_MAX_BYTES
            free = [w for w in self._pool if w.ready and len(w.tasks) < (1 if big else self.depth)]
            if not free:
                return
            self._held.popleft()
            self._post(min(free, key=lambda w: len(w.tasks)), task, blob)

    def poll(self, timeout: float) -> list[Event]:
        """Wait up to ``timeout`` seconds for results, deaths and overruns."""
        waitables: list[Any] = [w.conn for w in self._pool if w.tasks or not w.ready]
        waitables += [w.proc.sentinel for w in self._pool]
        if self.timeout is not None:
            now = time.monotonic()
            left = [w.started + self.timeout - now for w in self._pool if w.tasks]
            if left:
                timeout = max(0.0, min([timeout, *left]))
        ready = set(mp_wait(waitables, timeout))
        events: list[Event] = []
        for i, w in enumerate(self._pool):
            events += self._check(w, ready)
            if not w.proc.is_alive() and not w.tasks:
                w.proc.join(0)
                w.conn.close()
                self._pool[i] = self._spawn()
        self._dispatch_held()
        return events

    def _check(self, w: _Worker, ready: set[Any]) -> list[Event]:
        if not w.ready and (w.conn in ready or w.conn.poll(0)):
            try:
                w.ready = w.conn.recv_bytes() == b"ready"
            except (EOFError, OSError):
                pass  # died while starting: handled as a death below
        events: list[Event] = []
        while w.tasks and (w.conn in ready or w.conn.poll(0)):
            ready.discard(w.conn)  # (read again only while poll says more is there)
            try:
                data = w.conn.recv_bytes()
            except (EOFError, OSError):
                break  # died mid-message: handled as a death below
            head = w.tasks.popleft()
            w.started = time.monotonic()  # the next one waiting starts now
            self._idle_deaths = 0
            try:
                task, ok, value = pickle.loads(data)
            except Exception as e:  # a result that cannot be unpickled here
                events.append(Event(head, "error", RemoteError(f"{type(e).__name__}: {e}")))
            else:
                events.append(Event(task, "ok" if ok else "error", value))
        if not w.proc.is_alive():
            w.proc.join(1)
            if not w.tasks:
                self._idle_deaths += 1
                if self._idle_deaths > MAX_IDLE_DEATHS * self.workers:
                    msg = f"workers: worker processes keep dying before taking work (exit code {w.proc.exitcode}); the pool cannot run"
                    raise WorkerLostError(msg)
                return events
            return events + self._drop(w, Event(w.tasks[0], "lost", w.proc.exitcode))
        if w.tasks and self.timeout is not None and time.monotonic() - w.started > self.timeout:
            w.proc.kill()
            w.proc.join(5)
            return events + self._drop(w, Event(w.tasks[0], "timeout", self.timeout))
        return events

    @staticmethod
    def _drop(w: _Worker, first: Event) -> list[Event]:
        """A worker is gone: its running task gets ``first``, the waiting ones go back."""
        w.tasks.popleft()
        out = [first, *(Event(t, "requeue") for t in w.tasks)]
        w.tasks.clear()
        return out

    def close(self) -> None:
        """Stop every worker: ask politely, then kill what is left after a short wait."""
        for w in self._pool:
            try:
                w.conn.send_bytes(b"")
            except OSError:
                pass
        deadline = time.monotonic() + 2.0
        for w in self._pool:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)
            w.conn.close()
        self._pool = []
        self._held.clear()


@contextmanager
def dask_executor(scheduler: str, *, workers: int | None = None, timeout: float = 30.0) -> Iterator[Any]:
    """A ``concurrent.futures`` executor on Dask distributed.

    ``scheduler``: ``"local"`` starts a ``LocalCluster`` of ``workers`` (default 2) worker
    processes with one thread each on 127.0.0.1 (the GIL-bound work of Pillow and Python renderers
    then really runs in parallel); ``"tcp://HOST:PORT"`` connects to a running scheduler.
    """
    from ._lazy import require

    if not isinstance(scheduler, str):
        msg = f"scheduler: expected 'local' or an address such as 'tcp://127.0.0.1:8786', got {type(scheduler).__name__}"
        raise MediaTypeError(msg)
    distributed = require("distributed", extra="cloud", feature="Dask scheduling")
    cluster = None
    if scheduler == "local":
        n = workers or 2
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40
        )
        client = distributed.Client(cluster, timeout=timeout)
    elif scheduler.startswith(("tcp://", "tls://")) and scheduler.split("://", 1)[1]:
        client = distributed.Client(scheduler, timeout=timeout)
    else:
        msg = f"scheduler: expected 'local' or an address such as 'tcp://127.0.0.1:8786', got {shown(scheduler)}"
        raise ValidationError(msg)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# -- outcomes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one item: ``value`` when it worked, ``error`` when it failed, neither when
    it was skipped (``resume``). ``attempts`` counts runs (2 after a retry on a lost worker)."""

    key: Any
    value: Any = None
    error: BaseException | None = None
    attempts: int = 1
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> str:
        return "skipped" if self.skipped else ("ok" if self.error is None else "failed")

    def record(self) -> dict[str, Any]:
        """A JSON-ready record: key, status, attempts, the error's type and message, and the
        value when it is JSON (a descriptor, an output name)."""
        rec: dict[str, Any] = {"key": _jsonable_key(self.key), "status": self.status, "attempts": self.attempts}
        if self.error is not None:
            rec["error"] = {"type": type(self.error).__name__, "message": str(self.error)}
        elif isinstance(self.value, (dict, list, str, int, float)) and not isinstance(self.value, bool):
            rec["value"] = self.value
        return rec


def _jsonable_key(key: Any) -> Any:
    if isinstance(key, os.PathLike):
        return os.fspath(key)
    return key if isinstance(key, (str, int, float)) or key is None else str(key)


def _default_key(seq: int, item: Any) -> Any:
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    name = getattr(item, "key", None)
    return name if isinstance(name, str) else seq


# -- backends: where items run ---------------------------------------------------------------------


class ExecutorBackend:
    """Any ``concurrent.futures.Executor`` (threads, Dask's ``client.get_executor()``, ...)."""

    def __init__(self, ex: Executor, fn: Callable[[Any], Any], window: int, own: bool) -> None:
        self.ex, self.fn, self.window, self.own = ex, fn, window, own
        self.futures: dict[Future[Any], int] = {}
        self.instant: list[tuple[int, str, Any]] = []

    def capacity(self) -> int:
        return self.window - len(self.futures) - len(self.instant)

    def submit(self, task: int, item: Any) -> None:
        try:
            self.futures[self.ex.submit(self.fn, item)] = task
        except Exception as e:  # a broken pool, a closed client: the item is lost, not the batch
            self.instant.append((task, "lost" if _is_lost(e) else "error", e))

    def poll(self, timeout: float) -> list[tuple[int, str, Any]]:
        events, self.instant = self.instant, []
        if events or not self.futures:
            return events
        done, _ = wait(list(self.futures), timeout=timeout, return_when=FIRST_COMPLETED)
        for fut in done:
            task = self.futures.pop(fut)
            try:
                events.append((task, "ok", fut.result()))
            except BaseException as e:  # recorded per item
                events.append((task, "lost" if _is_lost(e) else "error", e))
        return events

    def close(self) -> None:
        for fut in self.futures:
            fut.cancel()
        if self.own:
            self.ex.shutdown(wait=True, cancel_futures=True)


def _is_lost(e: BaseException) -> bool:
    """The worker died, not the item's code: a process pool broke, or Dask gave up on a worker."""
    from concurrent.futures.process import BrokenProcessPool

    return isinstance(e, (BrokenProcessPool, WorkerLostError)) or type(e).__name__ in ("KilledWorker", "CommClosedError")


class PoolBackend:
    """mediakit's own process pool (:mod:`mediakit._scale`): one item running per worker, the
    next one waiting in its pipe."""

    def __init__(self, fn: Callable[[Any], Any], workers: int, timeout: float | None) -> None:
        self.pool = ProcessPool(fn, workers, timeout=timeout)

    def capacity(self) -> int:
        return self.pool.free()

    def submit(self, task: int, item: Any) -> None:
        self.pool.send(task, item)

    def poll(self, timeout: float) -> list[tuple[int, str, Any]]:
        return [(ev.task, ev.kind, ev.value) for ev in self.pool.poll(timeout)]

    def close(self) -> None:
        self.pool.close()


@dataclass
class _Task:
    seq: int
    key: Any
    item: Any
    attempts: int = 1


def drive(
    backend: ExecutorBackend | PoolBackend,
    items: Iterable[Any],
    window: int,
    ordered: bool,
    key: Callable[[Any], Any] | None,
    skip: Callable[[Any], bool] | None,
    retries: int,
) -> Iterator[Outcome]:
    source = enumerate(items)
    tasks: dict[int, _Task] = {}
    again: deque[int] = deque()
    buffer: dict[int, Outcome] = {}
    next_seq = 0
    exhausted = False
    try:
        while True:
            # Work waiting for a retry goes first, then new items while there is room.
            while again and backend.capacity() > 0:
                task = again.popleft()
                backend.submit(task, tasks[task].item)
            while not exhausted and not again and backend.capacity() > 0 and len(tasks) + len(buffer) < window:
                try:
                    seq, item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                k = key(item) if key is not None else _default_key(seq, item)
                if skip is not None and skip(item):
                    done = Outcome(k, attempts=0, skipped=True)
                    if ordered:
                        buffer[seq] = done
                    else:
                        yield done
                    continue
                tasks[seq] = _Task(seq, k, item)
                try:
                    backend.submit(seq, item)
                except Exception as e:  # the item cannot be sent (does not pickle, ...)
                    del tasks[seq]
                    failed = Outcome(k, error=e)
                    if ordered:
                        buffer[seq] = failed
                    else:
                        yield failed
            while ordered and next_seq in buffer:
                yield buffer.pop(next_seq)
                next_seq += 1
            if not tasks and not again and exhausted and not buffer:
                return
            for task, kind, value in backend.poll(1.0):
                t = tasks[task]
                if kind == "requeue":  # never started: its worker died running another item
                    again.append(task)
                    continue
                if kind == "lost" and t.attempts <= retries:
                    t.attempts += 1
                    again.append(task)
                    continue
                del tasks[task]
                if kind == "ok":
                    out = Outcome(t.key, value=value, attempts=t.attempts)
                else:
                    out = Outcome(t.key, error=_as_error(kind, value, t), attempts=t.attempts)
                if ordered:
                    buffer[t.seq] = out
                else:
                    yield out
    finally:
        backend.close()


def _as_error(kind: str, value: Any, t: _Task) -> BaseException:
    if kind == "lost":
        if isinstance(value, BaseException) and not isinstance(value, WorkerLostError):
            detail = f"{type(value).__name__}: {value}"
        else:
            detail = f"exit code {value}" if not isinstance(value, BaseException) else str(value)
        msg = f"item {shown(_jsonable_key(t.key))}: its worker process died ({detail}) in {t.attempts} attempt(s); it was not finished"
        return WorkerLostError(msg)
    if kind == "timeout":
        msg = f"item {shown(_jsonable_key(t.key))}: took longer than timeout={value} s; its worker was stopped"
        return TimeoutError(msg)
    return value if isinstance(value, BaseException) else RuntimeError(str(value))
