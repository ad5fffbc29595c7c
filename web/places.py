"""Live-feed places, counted over every worker process of `radiod web`: at most ``web.sse_clients``
feeds in all and ``web.feeds_per_address`` from one client address, whichever worker holds them.

The counters live in shared memory made before the workers fork, one row per worker, so a worker
that dies and is replaced gives all its places back with one ``reset``. Addresses are counted in
``BUCKETS`` slots by a stable hash of the address: two addresses in one slot share a limit (a
false refusal, never a false grant), which at 65 536 slots and at most a few hundred feeds is rare.
"""

from __future__ import annotations

import enum
import multiprocessing
import zlib
from dataclasses import dataclass
from typing import Any

BUCKETS = 65_536


class Refusal(enum.Enum):
    """Why a feed got no place."""
    FULL = "every live-feed place is taken"
    ADDRESS = "a live feed over the per-address limit"


class FeedPlaces:
    """The places of all workers (made once, in the parent, before any worker starts)."""

    def __init__(self, limit: int, per_address: int, workers: int):
        self.limit, self.per_address, self.workers = limit, per_address, workers
        self._lock = multiprocessing.Lock()
        self._total: Any = multiprocessing.RawArray("i", workers)
        self._by_address: Any = multiprocessing.RawArray("i", workers * BUCKETS)

    def for_worker(self, index: int) -> "WorkerPlaces":
        return WorkerPlaces(self, index)

    def reset(self, index: int) -> None:
        """Give back every place worker ``index`` held (it died)."""
        with self._lock:
            self._total[index] = 0
            row = index * BUCKETS
            self._by_address[row:row + BUCKETS] = [0] * BUCKETS

    def held(self) -> int:
        with self._lock:
            return sum(self._total[:])

    def _take(self, index: int, address: str) -> Refusal | None:
        bucket = _bucket(address)
        with self._lock:
            if sum(self._total[:]) >= self.limit:
                return Refusal.FULL
            if sum(self._by_address[w * BUCKETS + bucket] for w in range(self.workers)) >= self.per_address:
                return Refusal.ADDRESS
            self._total[index] += 1
            self._by_address[index * BUCKETS + bucket] += 1
            return None

    def _give_back(self, index: int, address: str) -> None:
        bucket = _bucket(address)
        with self._lock:
            # A reset (the worker was replaced) may have zeroed these already.
            self._total[index] = max(0, self._total[index] - 1)
            slot = index * BUCKETS + bucket
            self._by_address[slot] = max(0, self._by_address[slot] - 1)


def _bucket(address: str) -> int:
    return zlib.crc32(address.encode("utf-8", "replace")) % BUCKETS


@dataclass(frozen=True)
class WorkerPlaces:
    """One worker's view: it takes and gives back places in its own row."""
    places: FeedPlaces
    index: int

    def take(self, address: str) -> Refusal | None:
        """A place for a feed from ``address``; the refusal when there is none."""
        return self.places._take(self.index, address)

    def give_back(self, address: str) -> None:
        self.places._give_back(self.index, address)


def single_process(limit: int, per_address: int) -> WorkerPlaces:
    """Places for a panel that runs in one process (tests, an embedded server)."""
    return FeedPlaces(limit, per_address, 1).for_worker(0)
