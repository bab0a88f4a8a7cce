"""Vega-Lite rendering in a child process: a spec that makes vl-convert abort (a huge allocation in
its renderer, a V8 trap) ends the child, never the caller.

One worker process (``python -m mediakit.render._vlworker``) is started on first use and reused
(V8 starts once: about a second); requests are serialised by a lock. Each request is watched from
the caller: past ``limits.render_seconds`` or with the child's resident memory above
``limits.render_bytes`` the child is killed and the caller gets a :class:`LimitError`; a child
that dies by itself is a :class:`LimitError` too. The next request starts a fresh worker.

``RLIMIT_AS`` cannot be used: V8 reserves a large caged heap up front and aborts under it, so
memory is watched through ``/proc/<pid>/statm`` where it exists (elsewhere only the time limit
applies).

Protocol on the child's stdin/stdout: a request is a 4-byte big-endian length and a JSON object
``{"spec": ..., "scale": ...}``; a reply is one status byte (``0`` PNG, ``1`` Vega-Lite error
text) then a 4-byte length and the payload.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import sys
import threading
import time
from typing import IO, Any

from .._errors import DecodeError, LimitError
from .._limits import Limits

VL_VERSION = "5.21"
_POLL = 0.02


def _read_exact(f: IO[bytes], n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mediakit.render._vlworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # V8's crash report goes nowhere: the caller gets an error
            env=env,
        )
        self.owner = os.getpid()

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None

    def kill(self) -> None:
        if self.owner != os.getpid():
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.proc.pid}/statm", "rb") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0


_lock = threading.Lock()
_worker: _Worker | None = None


def _shutdown() -> None:
    global _worker
    if _worker is not None:
        _worker.kill()
        _worker = None


atexit.register(_shutdown)


def _after_fork() -> None:
    # A forked child must not wait on a lock another thread of the parent held at the fork, nor
    # talk to the parent's worker: it starts its own on first use.
    global _lock, _worker
    _lock = threading.Lock()
    _worker = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


#: Characters XML 1.0 does not allow: C0 controls but tab, newline and return, lone surrogates,
#: U+FFFE/U+FFFF. vl-convert draws through SVG, and one of them in any text (a title, a column
#: name, a data value) aborts its renderer: each becomes U+FFFD before the spec is sent.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(node: Any) -> Any:
    """``node`` (a JSON value) with every string's non-XML characters replaced by U+FFFD."""
    if isinstance(node, str):
        return _NOT_XML.sub("\ufffd", node) if _NOT_XML.search(node) else node
    if isinstance(node, list):
        return [xml_safe(v) for v in node]
    if isinstance(node, dict):
        return {xml_safe(k): xml_safe(v) for k, v in node.items()}
    return node


def render_png(spec: dict[str, Any], scale: float, limits: Limits) -> bytes:
    """PNG bytes of a (sanitised) Vega-Lite spec, drawn in the worker process."""
    global _worker
    request = json.dumps({"spec": xml_safe(spec), "scale": scale}, separators=(",", ":")).encode()
    with _lock:
        if _worker is None or not _worker.alive():
            if _worker is not None:
                _worker.kill()
            _worker = _Worker()
        w = _worker
        assert w.proc.stdin is not None and w.proc.stdout is not None
        reply: list[Any] = []

        def read() -> None:
            try:
                out = w.proc.stdout
                assert out is not None
                status = _read_exact(out, 1)
                n = int.from_bytes(_read_exact(out, 4), "big")
                reply.append((status, _read_exact(out, n)))
            except (EOFError, OSError, ValueError):
                reply.append(None)

        try:
            w.proc.stdin.write(len(request).to_bytes(4, "big") + request)
            w.proc.stdin.flush()
        except OSError:
            reply.append(None)
        reader = threading.Thread(target=read, daemon=True)
        if not reply:
            reader.start()
        deadline = time.monotonic() + limits.render_seconds
        why = ""
        while not reply:
            reader.join(_POLL)
            if reply:
                break
            if time.monotonic() > deadline:
                why = f"took longer than {limits.render_seconds:g} s"
            elif w.rss() > limits.render_bytes:
                why = f"used more than {limits.render_bytes:,} bytes of memory"
            if why:
                w.kill()
                reader.join()
                break
        got = reply[0] if reply else None
        if got is None:
            if not why:
                try:
                    code = w.proc.wait(timeout=1.0)
                    why = f"stopped (signal {-code})" if code < 0 else f"stopped (exit status {code})"
                except subprocess.TimeoutExpired:
                    why = "stopped answering"
            w.kill()
            _worker = None
            msg = f"spec: the chart renderer {why}; the spec asks for more work than a thumbnail allows"
            raise LimitError(msg)
    status, payload = got
    if status == b"\x01":
        text = " ".join(payload.decode("utf-8", "replace").split())[:300]
        msg = f"spec: Vega-Lite could not render the chart: {text}"
        raise DecodeError(msg)
    return bytes(payload)


def _serve() -> None:  # pragma: no cover - runs in the child process
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the renderer prints must not corrupt the protocol
    import vl_convert as vlc

    src = sys.stdin.buffer
    while True:
        try:
            n = int.from_bytes(_read_exact(src, 4), "big")
            req = json.loads(_read_exact(src, n))
        except EOFError:
            return
        try:
            png = vlc.vegalite_to_png(req["spec"], vl_version=VL_VERSION, scale=req["scale"], allowed_base_urls=[])
            status, payload = b"\x00", bytes(png)
        except Exception as e:  # vl-convert reports spec errors as ValueError; any other is one too
            status, payload = b"\x01", str(e).encode("utf-8", "replace")
        out.write(status + len(payload).to_bytes(4, "big") + payload)
        out.flush()


if __name__ == "__main__":  # pragma: no cover
    _serve()
