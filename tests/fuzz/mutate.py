"""Deterministic mutations of real files, for the fuzz tests (``make test``: a small budget per file;
``make fuzz``: a larger one). A mutation is a pure function of (file bytes, seed)."""

from __future__ import annotations

import random

STRATEGIES = ("flip", "truncate", "insert", "duplicate", "zero", "huge")


def mutate(blob: bytes, seed: int) -> bytes:
    """One mutated copy of ``blob``: bit flips, truncation, inserted junk, a duplicated slice, a
    zeroed run, or a 32-bit field set to a huge value (counts and sizes in headers)."""
    rng = random.Random(seed)
    data = bytearray(blob)
    if not data:
        return bytes(rng.randrange(256) for _ in range(16))
    kind = STRATEGIES[seed % len(STRATEGIES)]
    # Headers hold the interesting fields: bias positions towards the start.
    def pos() -> int:
        return min(len(data) - 1, int(rng.expovariate(1 / 256))) if rng.random() < 0.7 else rng.randrange(len(data))

    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            data[pos()] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        data = data[: rng.randrange(max(1, len(data)))]
    elif kind == "insert":
        at = pos()
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == "duplicate":
        a = pos()
        b = min(len(data), a + rng.randint(1, 4096))
        data[b:b] = data[a:b] * rng.randint(1, 4)
    elif kind == "zero":
        a = pos()
        data[a : a + rng.randint(1, 256)] = bytes(min(256, len(data) - a))
    else:  # huge
        a = pos()
        data[a : a + 4] = rng.choice((b"\xff\xff\xff\x7f", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x80", b"\xff\xff\xff\xff"))
    return bytes(data)
