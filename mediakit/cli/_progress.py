"""A small progress bar on stderr (no dependency); silent when stderr is not a terminal."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int | None, label: str, *, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._last = 0.0
        self._start = time.monotonic()

    def update(self, n: int = 1, *, failed: bool = False) -> None:
        with self._lock:
            self.done += n
            self.failed += int(failed)
            self._draw()

    def set_total(self, total: int) -> None:
        """The total, once known (e.g. counted in the background while the work streams)."""
        with self._lock:
            self.total = total
            self._draw()

    def set(self, done: int, total: int | None) -> None:
        with self._lock:
            self.done, self.total = done, total
            self._draw()

    def _draw(self, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < 0.1:
            return
        self._last = now
        elapsed = now - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * 30)
            text = f"\r{self.label} [{bar:<30}] {self.done}/{self.total}"
        else:
            text = f"\r{self.label} {self.done}"
        if self.failed:
            text += f" ({self.failed} failed)"
        text += f" {elapsed:.1f}s, {rate:.1f}/s"
        if self.total and rate > 0 and self.done < self.total:
            text += f", ETA {(self.total - self.done) / rate:.0f}s"
        self.stream.write(f"{text}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(final=True)
            self.stream.write("\n")
            self.stream.flush()
