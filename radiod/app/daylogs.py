"""Planned day logs for playout (their one store): planned once, kept as files, so a restart resumes the same plan.

A day's log is planned when first needed (or the night before) and written to
``state/logs/YYYY-MM-DD.json``. After a crash the daemon reads the same file, so item keys stay
stable and nothing that aired is planned again. Schedule changes (or ``radiod ctl reload``)
re-plan from a few minutes ahead; what is on air and what already aired stay as they were.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Sequence

from radiod.app.fallback import runtime_fallback
from radiod.app.planning import Planner, readonly_planner
from radiod.clock import from_ms, iso, to_ms
from radiod.config import Config
from radiod.errors import ScheduleError
from radiod.library.model import Track
from radiod.playout.fallback import Fallback
from radiod.playout.nowplaying import write_json_atomic
from radiod.schedule.log import LogItem, Relaxation
from radiod.schedule.model import Schedule
from radiod.schedule.plan import DayLog, hour_shares
from radiod.schedule.rotation import PlayRow

log = logging.getLogger(__name__)

REPLAN_MARGIN_MS = 120_000      # a re-plan leaves the next two minutes as they were
FORMAT = 1


# -- files ---------------------------------------------------------------------------------------

def item_to_json(item: LogItem) -> dict[str, Any]:
    d = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    d["start"] = to_ms(item.start)
    d["relaxations"] = [{"rule": r.rule, "detail": r.detail, "at": None if r.at is None else to_ms(r.at)}
                        for r in item.relaxations]
    return d


def item_from_json(d: dict[str, Any]) -> LogItem:
    names = {f.name for f in dataclasses.fields(LogItem)}
    values = {k: v for k, v in d.items() if k in names}
    values["start"] = from_ms(int(d["start"]))
    values["relaxations"] = tuple(Relaxation(r["rule"], r["detail"], None if r.get("at") is None else from_ms(r["at"]))
                                  for r in d.get("relaxations", ()))
    return LogItem(**values)


def save_log(path: Path, day: date, items: Sequence[LogItem], *, relaxations: int = 0,
             warnings: Sequence[str] = ()) -> None:
    write_json_atomic(path, {"format": FORMAT, "day": day.isoformat(), "relaxations": relaxations,
                             "warnings": list(warnings), "items": [item_to_json(i) for i in items]})


def load_log(path: Path) -> list[LogItem]:
    """Items of a saved day log; raises ScheduleError naming the file when it is unreadable."""
    return load_saved(path)[0]


def load_saved(path: Path) -> tuple[list[LogItem], list[str]]:
    """Items and warnings of a saved day log; ScheduleError naming the file when it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [item_from_json(d) for d in data["items"]], [str(w) for w in data.get("warnings", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScheduleError([f"{path}: unreadable day log: {exc}"]) from None


def day_log_path(config: Config, day: date) -> Path:
    return config.paths.state / "logs" / f"{day.isoformat()}.json"


def day_as_it_airs(config: Config, schedule: Schedule, day: date, *,
                   tracks: Sequence[Track] | None = None) -> tuple[DayLog, bool]:
    """The log that will air on ``day`` and whether playout saved it already.

    A saved day log is what playout plays (it is planned again only when the schedule changes
    while the daemon runs); without one, the day is planned as playout will plan it.
    """
    path = day_log_path(config, day)
    if path.exists():
        items, warnings = load_saved(path)
        return DayLog(day=day, timezone=schedule.timezone, items=items, hours=hour_shares(schedule, items),
                      relaxations=[r for i in items for r in i.relaxations], warnings=warnings), True
    return readonly_planner(config).plan(schedule, day, tracks=tracks)[0], False


# -- planning --------------------------------------------------------------------------------------

class DayLogs:
    """Plans, stores and serves the day logs of one station (used by the daemon's worker thread)."""

    def __init__(self, config: Config, connect: Callable[[], sqlite3.Connection]):
        self.config = config
        self.connect = connect
        self.planner = Planner(config, connect)
        self.dir = config.paths.state / "logs"
        self.schedule: Schedule | None = None
        self.schedule_error: str = ""

    def path(self, day: date) -> Path:
        return day_log_path(self.config, day)

    def load_schedule(self) -> Schedule | None:
        """(Re)read the schedule files; on error keep the last good schedule and remember why."""
        from radiod.schedule_files import load_schedule

        try:
            self.schedule = load_schedule(self.config.paths.schedules)
            self.schedule_error = ""
        except ScheduleError as exc:
            self.schedule_error = "; ".join(exc.problems[:3])
            if self.schedule is None and not self.dir.exists():
                raise
            log.warning("schedule: %s", self.schedule_error)
        return self.schedule

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.config.zone).date()

    def window(self, now: datetime, *, ensure: bool = True) -> list[LogItem]:
        """Yesterday's, today's and tomorrow's items (planning today and tomorrow when missing)."""
        today = self.local_day(now)
        items: list[LogItem] = []
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            path = self.path(day)
            if path.exists():
                items += load_log(path)
            elif ensure and day >= today:
                items += self.plan(day)
        return sorted(items, key=lambda i: i.start)

    def plan(self, day: date, *, after: datetime | None = None) -> list[LogItem]:
        """Plan ``day`` and save it; with ``after``, items before that instant stay as saved."""
        if self.schedule is None:
            self.load_schedule()
        if self.schedule is None:
            raise ScheduleError([f"{self.config.paths.schedules}: no usable schedule ({self.schedule_error})"])
        daylog = self.planner.plan(self.schedule, day)[0]
        items = list(daylog.items)
        path = self.path(day)
        if after is not None and path.exists():
            cutoff = to_ms(after) + REPLAN_MARGIN_MS
            kept = [i for i in load_log(path) if to_ms(i.start) < cutoff]
            items = kept + [i for i in items if to_ms(i.start) >= cutoff]
        save_log(path, day, items, relaxations=len(daylog.relaxations), warnings=daylog.warnings)
        log.info("planned %s: %d items, %d relaxations", day, len(items), len(daylog.relaxations))
        return items

    def tracks(self) -> list[Track]:
        return self.planner.tracks()

    def history(self, day: date) -> list[PlayRow]:
        """Recent plays from the as-played log (for separation and fairness)."""
        return self.planner.history(day)

    def fallback(self, today: date) -> Fallback:
        """The runtime fallback chain from the schedule: emergency categories/playlist, then IDs."""
        if self.schedule is None:
            return Fallback()
        return runtime_fallback(self.schedule, self.tracks(), self.config.paths.media, today)

    def show_info(self, instant: datetime) -> dict[str, Any] | None:
        """The show on air at ``instant`` (for status and now-playing)."""
        if self.schedule is None:
            return None
        from radiod.schedule.resolve import airing_at

        airing = airing_at(self.schedule, instant)
        if airing is None:
            return None
        return {"title": airing.show.title, "hosts": list(airing.show.hosts),
                "start": iso(to_ms(airing.start)) or "", "end": iso(to_ms(airing.end)) or "",
                "kind": airing.show.kind}

    def prune(self, today: date, keep_days: int = 31) -> int:
        """Delete day logs older than ``keep_days`` (the play log keeps what aired)."""
        removed = 0
        for path in self.dir.glob("*.json"):
            try:
                day = date.fromisoformat(path.stem)
            except ValueError:
                continue
            if day < today - timedelta(days=keep_days):
                path.unlink()
                removed += 1
        return removed

