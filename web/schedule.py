"""This week's airings, grouped by local day, for the schedule pages and API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from radiod.clock import to_ms
from radiod.config import Config
from radiod.errors import ScheduleError
from radiod.clock import iso
from radiod.schedule import Airing, airings, local_midnight
from radiod.schedule_files import load_schedule
from radiod_web import i18n

DAYS_SHOWN = 7


def week_schedule(config: Config, now: datetime) -> dict[str, Any]:
    """{'days': [{'date', 'label', 'airings': [...]}], 'shows': {id: title}, 'problem': str | None}
    for today and the six days after it, in the station's zone."""
    zone = config.zone
    today = now.astimezone(zone).date()
    dates = [today + timedelta(days=i) for i in range(DAYS_SHOWN)]
    days: list[dict[str, Any]] = [{"date": d.isoformat(), "label": i18n.day(d), "airings": []}
                                  for d in dates]
    try:
        schedule = load_schedule(config.paths.schedules)
    except ScheduleError:
        # The details are for managers (`radiod check`); listeners just see no shows.
        return {"days": days, "shows": {}, "problem": "The schedule is being updated; check back soon."}
    by_date = {d["date"]: d for d in days}
    start, end = local_midnight(dates[0], zone), local_midnight(dates[-1] + timedelta(days=1), zone)
    for airing in airings(schedule, start, end):
        day = by_date.get(airing.start.astimezone(zone).date().isoformat())
        if day is not None:
            day["airings"].append(airing_dict(airing, zone))
    shows = {s.id: {"title": s.title, "hosts": list(s.hosts)} for s in schedule.shows.values()}
    return {"days": days, "shows": shows, "problem": None}


def airing_dict(airing: Airing, zone) -> dict[str, Any]:
    start, end = airing.start.astimezone(zone), airing.end.astimezone(zone)
    return {
        "show_id": airing.show.id, "show": airing.show.title, "hosts": list(airing.show.hosts),
        "start": iso(to_ms(airing.start)), "end": iso(to_ms(airing.end)),
        "start_local": start.isoformat(), "end_local": end.isoformat(),
        "time": f"{i18n.hm(start)}–{i18n.hm(end)}", "note": airing.note,
    }
