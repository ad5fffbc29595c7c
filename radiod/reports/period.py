"""Report periods: whole local days in the station's timezone, and the local time of a play."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from radiod.days import day_range_problem
from radiod.reports import ReportError


@dataclass(frozen=True)
class Period:
    """The local days ``first``..``last`` (inclusive) in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @cached_property
    def start_ms(self) -> int:
        return local_midnight_ms(self.first, self.zone)

    @cached_property
    def end_ms(self) -> int:
        """First millisecond after the period (local midnight after ``last``)."""
        return local_midnight_ms(self.last + timedelta(days=1), self.zone)

    def contains(self, instant_ms: int) -> bool:
        return self.start_ms <= instant_ms < self.end_ms

    def label(self) -> str:
        return f"{self.first:%Y%m%d}-{self.last:%Y%m%d}"


def parse_period(first: str, last: str, zone: ZoneInfo) -> Period:
    """``--from``/``--to`` values (YYYY-MM-DD) → Period; one-line ReportError when wrong."""
    days = []
    for name, text in (("--from", first), ("--to", last)):
        try:
            days.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            raise ReportError(f"{name}: expected a date as YYYY-MM-DD, got {text!r}") from None
        problem = day_range_problem(days[-1])
        if problem:
            raise ReportError(f"{name}: {problem}")
    if days[1] < days[0]:
        raise ReportError(f"--to {days[1]} is before --from {days[0]}")
    return Period(days[0], days[1], zone)


def local_midnight_ms(day: date, zone: ZoneInfo) -> int:
    return round(datetime.combine(day, time(0), tzinfo=zone).timestamp() * 1000)


def local_time(instant_ms: int, zone: ZoneInfo) -> datetime:
    """The aware local datetime of an epoch-ms instant."""
    return datetime.fromtimestamp(instant_ms / 1000, tz=timezone.utc).astimezone(zone)


def hms(duration_ms: int) -> str:
    """Duration as H:MM:SS (rounded to the nearest second), e.g. 3:05 → '0:03:05'."""
    seconds = (duration_ms + 500) // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def iso_local(instant_ms: int, zone: ZoneInfo) -> str:
    """Local time with its UTC offset, to the millisecond: '2026-11-01T01:30:00.000-05:00'."""
    return local_time(instant_ms, zone).isoformat(timespec="milliseconds")
