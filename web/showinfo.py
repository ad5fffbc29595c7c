"""Shows as listeners and DJs see them: upcoming airings, upload status per airing, past airings
with what played in them. Typed views, built from the schedule files and the play log."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Iterable

from flask_babel import gettext

from radiod.clock import iso, to_ms
from radiod.errors import ScheduleError
from radiod.playlog import row_dict, show_plays
from radiod.schedule import Airing, Schedule, airings
from radiod.schedule_files import load_schedule
from radiod.uploads import fmt_ms, total_length_ms
from radiod_web import i18n, station

UPCOMING_DAYS = 14
PAST_DAYS = 28
PAST_AIRINGS = 5
PLAYS_PER_AIRING = 100


def _(text: str, **values: Any) -> str:
    """gettext, typed (Flask-Babel's returns Any)."""
    return str(gettext(text, **values))


@dataclass(frozen=True)
class AiringView:
    """One airing in the station's zone, ready to print."""

    show_id: str
    title: str
    start: str                  # ISO instant (UTC), for <time datetime> and the countdown
    end: str
    day: str                    # 'Wednesday 02 December'
    time: str                   # '19:00–21:00'
    length_ms: int
    note: str = ""

    @property
    def length(self) -> str:
        return fmt_ms(self.length_ms)


@dataclass(frozen=True)
class PlayedItem:
    when: str                   # local 'HH:MM'
    title: str
    artist: str
    usage: str


@dataclass(frozen=True)
class PastAiring:
    airing: AiringView
    plays: tuple[PlayedItem, ...]


@dataclass(frozen=True)
class UploadStatus:
    """Whether an upcoming airing of a pre-recorded show has its files: missing, ready, too long
    (or short, which airs with the rest filled); ``words`` says it with both numbers."""

    airing: AiringView
    state: str                  # 'missing' | 'ready' | 'short' | 'too-long'
    words: str

    @property
    def tone(self) -> str:
        return {"missing": "bad", "too-long": "bad", "short": "warn"}.get(self.state, "ok")


def view(airing: Airing, zone: tzinfo) -> AiringView:
    start, end = airing.start.astimezone(zone), airing.end.astimezone(zone)
    return AiringView(show_id=airing.show.id, title=airing.show.title, start=iso(to_ms(airing.start)) or "",
                      end=iso(to_ms(airing.end)) or "", day=i18n.day(start), time=f"{i18n.hm(start)}–{i18n.hm(end)}",
                      length_ms=airing.length_ms, note=airing.note)


def schedule_or_none() -> Schedule | None:
    try:
        return load_schedule(station().config.paths.schedules)
    except ScheduleError:
        return None


def upcoming(schedule: Schedule, now: datetime, show_ids: Iterable[str], *, days: int = UPCOMING_DAYS) -> list[Airing]:
    """Airings of these shows that have not ended, soonest first."""
    wanted = set(show_ids)
    return [a for a in airings(schedule, now, now + timedelta(days=days)) if a.show.id in wanted and a.end > now]


def upload_status(airing: Airing, content_ms: int, files: int, zone: tzinfo) -> UploadStatus:
    """The status of one airing of a pre-recorded show whose files last ``content_ms``."""
    v = view(airing, zone)
    slot, tolerance = airing.length_ms, airing.show.content_tolerance_ms
    if files == 0:
        return UploadStatus(v, "missing", _("missing: nothing uploaded, the slot is %(slot)s", slot=fmt_ms(slot)))
    numbers = dict(n=files, content=fmt_ms(content_ms), slot=fmt_ms(slot))
    if content_ms > slot + tolerance:
        return UploadStatus(v, "too-long", _("too long: %(n)s file(s), %(content)s, the slot is %(slot)s", **numbers))
    if content_ms < slot - tolerance:
        return UploadStatus(v, "short", _("ready but short: %(n)s file(s), %(content)s, the slot is %(slot)s; "
                                          "the station fills the rest", **numbers))
    return UploadStatus(v, "ready", _("ready: %(n)s file(s), %(content)s, the slot is %(slot)s", **numbers))


def uploads_for(schedule: Schedule, airing_list: Iterable[Airing]) -> list[UploadStatus]:
    """Upload status of each pre-recorded airing (live and rotation shows need no files)."""
    from radiod_web.uploads import store
    zone, files_of, out = station().config.zone, store(), []
    measured: dict[str, tuple[int, int]] = {}
    for a in airing_list:
        if a.show.kind != "prerecorded":
            continue
        if a.show.id not in measured:
            paths = files_of.files(a.show.id)
            measured[a.show.id] = (total_length_ms(paths), len(paths))
        content, count = measured[a.show.id]
        out.append(upload_status(a, content, count, zone))
    return out


def past_airings(conn: sqlite3.Connection, schedule: Schedule, show_id: str, now: datetime, *,
                 limit: int = PAST_AIRINGS) -> list[PastAiring]:
    """The show's latest airings that have started (newest first), each with what played in it."""
    zone = station().config.zone
    done = [a for a in airings(schedule, now - timedelta(days=PAST_DAYS), now)
            if a.show.id == show_id and a.start <= now][-limit:]
    rows = [row_dict(r) for r in show_plays(conn, show_id, limit=PLAYS_PER_AIRING * max(len(done), 1))]
    out = []
    for a in reversed(done):
        lo, hi = to_ms(a.start), to_ms(a.end)
        inside = sorted((r for r in rows if lo <= r["started_at_ms"] < hi), key=lambda r: r["started_at_ms"])
        plays = tuple(PlayedItem(when=i18n.hm(datetime.fromtimestamp(r["started_at_ms"] / 1000, tz=zone)),
                                 title=r["title"] or "", artist=r["artist"] or "", usage=r["usage"])
                      for r in inside)
        out.append(PastAiring(view(a, zone), plays))
    return out
