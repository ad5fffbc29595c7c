"""A small cache for public answers that are costly to compute (the artist ledger scans a year of
plays): one entry per canonical key, kept ``ttl_s`` seconds, at most ``size`` entries.

Keys are built from the parsed parameters, never from the raw query string, so junk parameters
cannot force a recomputation. Misses are computed one at a time per process: a flood of distinct
keys costs one thread's worth of CPU, and a request that waits longer than ``wait_s`` for its turn
is told the server is busy (``Busy``) instead of queueing without end.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


class Busy(Exception):
    """Too many costly answers being computed; try again shortly."""


class TtlCache:
    def __init__(self, *, ttl_s: float, size: int, wait_s: float, clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.size, self.wait_s, self.clock = ttl_s, size, wait_s, clock
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()         # guards _entries
        self._computing = threading.Lock()    # one miss at a time
        self.computed = 0

    def _fresh(self, key: Hashable) -> tuple[bool, object]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self.clock() - entry[0] < self.ttl_s:
                self._entries.move_to_end(key)
                return True, entry[1]
        return False, None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        hit, value = self._fresh(key)
        if hit:
            return value  # type: ignore[return-value]
        if not self._computing.acquire(timeout=self.wait_s):
            raise Busy()
        try:
            hit, value = self._fresh(key)         # computed by the request we waited for
            if hit:
                return value  # type: ignore[return-value]
            computed = compute()
            self.computed += 1
            with self._lock:
                self._entries[key] = (self.clock(), computed)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            return computed
        finally:
            self._computing.release()
