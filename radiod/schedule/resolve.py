"""The weekly grid → concrete airings (UTC instants) in the station's zone.

How a wall-clock time in the grid becomes an instant (the same rule for starts and ends, so
back-to-back slots never overlap or leave a hole):

- a time that exists once is that instant;
- a time in the fall-back fold (01:30 happens twice) is its **first** occurrence, so a slot
  running 01:00–02:00 on that night lasts two real hours, and one ending at 01:30 ends at the
  first 01:30;
- a time in the spring-forward gap (02:30 does not exist) is the instant the clocks jump, so a
  02:00–04:00 slot runs 03:00–04:00 (one real hour) and a slot entirely inside the gap does not
  air that night.

Dated exceptions take precedence over weekly slots wherever they overlap: the weekly airing is
cut around them (it may be split in two). Shows across midnight belong to the day they start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from radiod.schedule.model import Schedule, Show, Slot

UTC = timezone.utc


@dataclass(frozen=True)
class Airing:
    """One concrete occurrence of a show."""

    show: Show
    start: datetime                # aware UTC
    end: datetime                  # aware UTC, after start
    day: date                      # local date the slot starts on
    exception: bool = False        # from a dated exception
    cut: bool = False              # shortened by an exception
    note: str = ""

    @property
    def length_ms(self) -> int:
        return int((self.end - self.start) / timedelta(milliseconds=1))


def wall_to_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date (fold: first; gap: the jump)."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first                                   # exists (fold=0 is the earlier one)
    # In a gap: fold=1 reads it with the offset after the jump (an instant before it),
    # fold=0 with the offset before (an instant after it). The jump lies in between.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    offset = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).utcoffset() == offset:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return wall_to_instant(day, time(0), zone)


def _slot_airing(schedule: Schedule, slot: Slot, day: date, zone: ZoneInfo) -> Airing | None:
    show = schedule.shows.get(slot.show)
    if show is None:
        return None
    start = wall_to_instant(day, slot.start, zone)
    if slot.end is None:
        end = local_midnight(day + timedelta(days=1), zone)
    elif slot.crosses_midnight:
        end = wall_to_instant(day + timedelta(days=1), slot.end, zone)
    else:
        end = wall_to_instant(day, slot.end, zone)
    if end <= start:
        return None                                    # entirely inside a DST gap
    return Airing(show=show, start=start, end=end, day=day, exception=slot.date is not None, note=slot.note)


def airings(schedule: Schedule, start: datetime | date, end: datetime | date) -> list[Airing]:
    """Airings overlapping [start, end), sorted by start; dates mean local midnights."""
    zone = ZoneInfo(schedule.timezone)
    if not isinstance(start, datetime):
        start = local_midnight(start, zone)
    if not isinstance(end, datetime):
        end = local_midnight(end, zone)
    first_day = start.astimezone(zone).date() - timedelta(days=1)   # overnight shows from the day before
    last_day = end.astimezone(zone).date()
    weekly: list[Airing] = []
    special: list[Airing] = []
    day = first_day
    while day <= last_day:
        for slot in schedule.slots:
            if day.weekday() in slot.days:
                a = _slot_airing(schedule, slot, day, zone)
                if a:
                    weekly.append(a)
        for slot in schedule.exceptions:
            if slot.date == day:
                a = _slot_airing(schedule, slot, day, zone)
                if a:
                    special.append(a)
        day += timedelta(days=1)
    result = list(special)
    for a in weekly:
        result += _cut_around(a, special)
    return sorted((a for a in result if a.end > start and a.start < end), key=lambda a: a.start)


def _cut_around(airing: Airing, special: list[Airing]) -> list[Airing]:
    """The parts of a weekly airing not covered by any exception."""
    from dataclasses import replace
    pieces = [airing]
    for ex in special:
        nxt = []
        for p in pieces:
            if ex.end <= p.start or ex.start >= p.end:
                nxt.append(p)
                continue
            if p.start < ex.start:
                nxt.append(replace(p, end=ex.start, cut=True))
            if ex.end < p.end:
                nxt.append(replace(p, start=ex.end, cut=True))
        pieces = nxt
    return pieces


def airing_at(schedule: Schedule, instant: datetime) -> Airing | None:
    """The show on air at an instant (aware datetime), or None in a gap of the grid."""
    for a in airings(schedule, instant, instant + timedelta(milliseconds=1)):
        if a.start <= instant < a.end:
            return a
    return None
