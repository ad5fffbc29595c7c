"""Time sources. SystemClock is the only place in radiod that reads the wall clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""

    def monotonic_ms(self) -> int:
        """A monotonic reading in integer milliseconds, for measuring intervals."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000


class FakeClock:
    """A clock that only moves when told to; for simulations and tests."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(timezone.utc)
        self._mono_ms = 0

    def now(self) -> datetime:
        return self._now

    def monotonic_ms(self) -> int:
        return self._mono_ms

    def advance(self, delta: timedelta | int) -> None:
        """Move forward by a timedelta or a number of milliseconds."""
        ms = delta if isinstance(delta, int) else round(delta / timedelta(milliseconds=1))
        if ms < 0:
            raise ValueError("time only moves forward")
        self._mono_ms += ms
        self._now += timedelta(milliseconds=ms)

    def set(self, instant: datetime) -> None:
        """Jump forward to an instant."""
        self.advance(instant.astimezone(timezone.utc) - self._now)


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds of an aware datetime (how instants are stored)."""
    return round(instant.timestamp() * 1000)


def from_ms(epoch_ms: int) -> datetime:
    """Aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)


def iso(epoch_ms: int | None) -> str | None:
    """'2026-11-21T14:00:00.000Z' (how instants appear in status, now-playing and the API)."""
    if epoch_ms is None:
        return None
    return from_ms(epoch_ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
