"""Local-content compliance: the share of music plays that are local, by count and by time.

A play counts in the period and daypart of its local start time; non-music usage types (jingle,
promo, station ID, PSA, sponsorship, talk) are never counted. Presets follow the regulators:
Canada (CRTC campus/community: ≥ 35 % of selections per broadcast week, weeks from Sunday,
broadcast day 06:00–24:00) and Australian community radio (≥ 25 % of music per calendar month).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Iterable, Mapping

from radiod.reports import ReportError
from radiod.csvfile import to_csv
from radiod.localtimes import LocalTimes
from radiod.reports.period import Period
from radiod.reports.rows import is_music

_EPOCH_DAY = date(1970, 1, 1)
COLUMNS = ("started_at_ms", "played_ms", "usage", "local")
PERIODS = ("hour", "day", "week", "month")
BASES = ("count", "time")


@dataclass(frozen=True)
class Daypart:
    name: str
    start_min: int      # minutes after local midnight, inclusive
    end_min: int        # exclusive, up to 1440

    def __contains__(self, minute: int) -> bool:
        return self.start_min <= minute < self.end_min


ALL_DAY = Daypart("all day", 0, 1440)


@dataclass(frozen=True)
class LocalRules:
    name: str
    threshold_percent: float
    basis: str = "count"                 # which share decides pass/fail
    period: str = "week"
    week_starts: int = 0                 # date.weekday(): 0 Monday … 6 Sunday
    dayparts: tuple[Daypart, ...] = (ALL_DAY,)


PRESETS: dict[str, LocalRules] = {
    "canada": LocalRules("Canada, CRTC campus and community radio (MAPL)", 35.0, "count", "week", week_starts=6,
                         dayparts=(Daypart("broadcast day 06:00-24:00", 360, 1440),)),
    "australia": LocalRules("Australia, Community Radio Codes of Practice, code 8", 25.0, "count", "month"),
}


def rules_for(preset: str, threshold_percent: float, *, period: str | None = None, basis: str | None = None,
              dayparts: tuple[Daypart, ...] | None = None) -> LocalRules:
    """The preset's rules (``custom`` uses the configured threshold), with any override applied."""
    if preset == "custom":
        rules = LocalRules(f"custom ({threshold_percent:g} %)", threshold_percent, "count", "week")
    elif preset in PRESETS:
        rules = PRESETS[preset]
    else:
        raise ReportError(f"local-content preset: must be one of canada, australia, custom, got {preset!r}")
    if period is not None:
        if period not in PERIODS:
            raise ReportError(f"--per: must be one of {', '.join(PERIODS)}, got {period!r}")
        rules = replace(rules, period=period)
    if basis is not None:
        if basis not in BASES:
            raise ReportError(f"--basis: must be one of {', '.join(BASES)}, got {basis!r}")
        rules = replace(rules, basis=basis)
    if dayparts:
        rules = replace(rules, dayparts=dayparts)
    return rules


_DAYPART = re.compile(r"^(?:(?P<name>[^=]+)=)?(?P<h1>\d{1,2}):(?P<m1>\d{2})-(?P<h2>\d{1,2}):(?P<m2>\d{2})$")


def parse_daypart(text: str) -> Daypart:
    """'06:00-10:00' or 'breakfast=06:00-10:00' → Daypart (end may be 24:00)."""
    m = _DAYPART.match(text.strip())
    if not m:
        raise ReportError(f"--daypart: expected [NAME=]HH:MM-HH:MM, got {text!r}")
    start = int(m["h1"]) * 60 + int(m["m1"])
    end = int(m["h2"]) * 60 + int(m["m2"])
    if int(m["m1"]) > 59 or int(m["m2"]) > 59 or not 0 <= start < end <= 1440:
        raise ReportError(f"--daypart: {text!r} is not a range within one day (00:00-24:00)")
    return Daypart(m["name"] or f"{m['h1']}:{m['m1']}-{m['h2']}:{m['m2']}", start, end)


@dataclass
class Tally:
    music_plays: int = 0
    local_plays: int = 0
    music_ms: int = 0
    local_ms: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.music_plays += 1
        self.music_ms += row["played_ms"]
        if row["local"]:
            self.local_plays += 1
            self.local_ms += row["played_ms"]


def _bucket(rules: LocalRules, start_ms: int, local: LocalTimes) -> tuple[Any, str, date, date]:
    """(sort key, label, first day, last day) of the reporting period a play started in."""
    day_number, ms_of_day, offset = local.split(start_ms)
    day = _EPOCH_DAY + timedelta(days=day_number)
    if rules.period == "hour":
        # the hour's start instant sorts the repeated hour of a DST fold correctly; the label keeps its offset
        hour_start = start_ms - ms_of_day % 3_600_000
        _, hour_text, offset_text = local.parts(hour_start)
        return hour_start, f"{day.isoformat()}T{hour_text[:5]}{offset_text}", day, day
    if rules.period == "day":
        return day, day.isoformat(), day, day
    if rules.period == "week":
        first = day - timedelta(days=(day.weekday() - rules.week_starts) % 7)
        return first, f"week of {first.isoformat()}", first, first + timedelta(days=6)
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, f"{first:%Y-%m}", first, last


def _percent(part: int, whole: int) -> str:
    if not whole:
        return ""
    return str((Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def evaluate(rows: Iterable[Mapping[str, Any]], period: Period, rules: LocalRules) -> list[dict[str, Any]]:
    """One result per (reporting period, daypart) with music, in time order, then a 'total' per daypart."""
    tallies: dict[tuple[Any, int], Tally] = {}
    bounds: dict[tuple[Any, int], tuple[str, date, date]] = {}
    totals = {d.name: Tally() for d in rules.dayparts}
    local = LocalTimes(period.zone)
    buckets: dict[Any, tuple[Any, str, date, date]] = {}     # every play of a day (an hour) falls in the same period: compute once
    start_ms, end_ms = period.start_ms, period.end_ms
    for r in rows:
        if not start_ms <= r["started_at_ms"] < end_ms or not is_music(r):
            continue
        day_number, ms_of_day, offset = local.split(r["started_at_ms"])
        minute = ms_of_day // 60_000
        cache_key = (day_number, minute // 60, offset) if rules.period == "hour" else day_number
        bucket = buckets.get(cache_key)
        if bucket is None:
            bucket = buckets[cache_key] = _bucket(rules, r["started_at_ms"], local)
        sort_key, label, first, last = bucket
        for i, part in enumerate(rules.dayparts):
            if minute in part:
                key = (sort_key, i)
                bounds[key] = (label, first, last)
                tallies.setdefault(key, Tally()).add(r)
                totals[part.name].add(r)
    results = []
    for key in sorted(tallies):
        label, first, last = bounds[key]
        results.append(_result(label, rules.dayparts[key[1]].name, tallies[key], rules,
                               first >= period.first and last <= period.last))
    for part in rules.dayparts:
        results.append(_result("total", part.name, totals[part.name], rules, True))
    return results


def _result(label: str, part: str, tally: Tally, rules: LocalRules, complete: bool) -> dict[str, Any]:
    share = tally.local_plays if rules.basis == "count" else tally.local_ms
    whole = tally.music_plays if rules.basis == "count" else tally.music_ms
    if whole == 0:
        verdict = "no music"
    else:
        verdict = "pass" if Fraction(share * 100, whole) >= Fraction(str(rules.threshold_percent)) else "fail"
    return {"period": label, "daypart": part, "complete": complete, "music_plays": tally.music_plays,
            "local_plays": tally.local_plays, "share_by_count": _percent(tally.local_plays, tally.music_plays),
            "music_ms": tally.music_ms, "local_ms": tally.local_ms,
            "share_by_time": _percent(tally.local_ms, tally.music_ms),
            "threshold": f"{rules.threshold_percent:g}", "basis": rules.basis, "result": verdict}


HEADER = ("period", "daypart", "complete", "music_plays", "local_plays", "share_by_count", "music_ms", "local_ms",
          "share_by_time", "threshold", "basis", "result")


def report(rows: Iterable[Mapping[str, Any]], period: Period, rules: LocalRules) -> bytes:
    results = evaluate(rows, period, rules)
    return to_csv(HEADER, [[("yes" if r[h] else "no") if h == "complete" else r[h] for h in HEADER]
                           for r in results])
