"""The local calendar fields of many instants in one zone, fast enough for a year of plays.

The reports and the play log's daily digest both turn instants into local dates and times.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


class LocalTimes:
    """Local calendar fields of many instants in one zone, fast enough for a year of plays.

    A zone's UTC offset changes at most once in a UTC day, and only at a quarter hour: a day
    whose two ends have the same offset has it throughout; only a day with a change is looked
    up per quarter hour. The rest is integer arithmetic; strings are cached, the texts of a
    quarter hour (date, hour, offset) once per quarter.
    """

    DAY_MS = 86_400_000
    QUARTER_MS = 900_000

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self._days: dict[int, int | None] = {}     # UTC day → its offset, None when it changes that day
        self._quarters: dict[int, int] = {}
        self._dates: dict[int, str] = {}
        self._offset_texts: dict[int, str] = {}
        self._texts: dict[int, tuple[str, str, int, str] | None] = {}   # quarter → its texts

    def _lookup(self, instant_ms: int) -> int:
        at = datetime.fromtimestamp(instant_ms / 1000, tz=timezone.utc).astimezone(self.zone)
        offset = at.utcoffset()
        assert offset is not None   # a ZoneInfo always knows its offset
        return round(offset.total_seconds() * 1000)

    def offset_ms(self, instant_ms: int) -> int:
        day = instant_ms // self.DAY_MS
        if day not in self._days:
            first, last = self._lookup(day * self.DAY_MS), self._lookup((day + 1) * self.DAY_MS - 1)
            self._days[day] = first if first == last else None
        offset = self._days[day]
        if offset is None:
            quarter = instant_ms // self.QUARTER_MS
            offset = self._quarters.get(quarter)
            if offset is None:
                offset = self._quarters[quarter] = self._lookup(quarter * self.QUARTER_MS)
        return offset

    def split(self, instant_ms: int) -> tuple[int, int, int]:
        """(local day number since 1970-01-01, ms since local midnight, UTC offset ms)."""
        offset = self.offset_ms(instant_ms)
        day, ms_of_day = divmod(instant_ms + offset, 86_400_000)
        return day, ms_of_day, offset

    def date(self, day: int) -> str:
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = (_EPOCH_DAY + timedelta(days=day)).isoformat()
        return text

    def _quarter_texts(self, quarter: int) -> tuple[str, str, int, str] | None:
        """(date, 'HH:', second of the hour it starts at, offset text) of a quarter hour; None
        when the offset is not whole quarter hours (local-mean-time offsets before 1900 or so)."""
        day, ms_of_day, offset = self.split(quarter * self.QUARTER_MS)
        texts = None
        if offset % self.QUARTER_MS == 0:
            s = ms_of_day // 1000
            texts = (self.date(day), f"{s // 3600:02d}:", s % 3600, self.offset_text(offset))
        self._texts[quarter] = texts
        return texts

    def parts(self, instant_ms: int) -> tuple[str, str, str]:
        """('2026-03-08', '03:01:00', '-04:00')."""
        quarter, ms = divmod(instant_ms, self.QUARTER_MS)
        texts = self._texts[quarter] if quarter in self._texts else self._quarter_texts(quarter)
        if texts is not None:
            day, hour, second, offset = texts
            return day, hour + _MM_SS[second + ms // 1000], offset
        day_no, ms_of_day, offset_ms = self.split(instant_ms)
        s = ms_of_day // 1000
        return self.date(day_no), f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}", self.offset_text(offset_ms)

    def iso(self, instant_ms: int) -> str:
        """'2026-03-08T03:01:00.000-04:00' (same text as iso_local)."""
        quarter, ms = divmod(instant_ms, self.QUARTER_MS)
        texts = self._texts[quarter] if quarter in self._texts else self._quarter_texts(quarter)
        if texts is not None:
            day, hour, second, offset = texts
            return f"{day}T{hour}{_MM_SS[second + ms // 1000]}.{ms % 1000:03d}{offset}"
        day_no, ms_of_day, offset_ms = self.split(instant_ms)
        s, ms = divmod(ms_of_day, 1000)
        return (f"{self.date(day_no)}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}"
                f"{self.offset_text(offset_ms)}")

    def offset_text(self, offset_ms: int) -> str:
        """'-04:00'."""
        text = self._offset_texts.get(offset_ms)
        if text is None:
            minutes = abs(offset_ms) // 60_000
            text = self._offset_texts[offset_ms] = f"{'-' if offset_ms < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"
        return text


_EPOCH_DAY = date(1970, 1, 1)
_MM_SS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))    # second of the hour → 'MM:SS'
