"""This week's airings, grouped by local day, for the schedule pages and API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import url_for

from radiod.accounts import User
from radiod.clock import to_ms
from radiod.config import Config
from radiod.errors import ScheduleError
from radiod.clock import iso
from radiod.schedule import Airing, airings, local_midnight
from radiod.schedule_files import load_schedule
from radiod_web import i18n
from radiod_web.hosts import active_accounts, host_views

DAYS_SHOWN = 7


def week_schedule(config: Config, now: datetime) -> dict[str, Any]:
    """{'days': [{'date', 'label', 'airings': [...]}], 'shows': {id: {'title', 'hosts'}}, 'problem': str | None}
    for today and the six days after it, in the station's zone. An airing's hosts are named as the
    show page names them (public names, a link to the host page for active accounts); 'shows' keeps
    shows.toml's account names (the DJ pages match accounts by them)."""
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
    active = active_accounts()
    for airing in airings(schedule, start, end):
        day = by_date.get(airing.start.astimezone(zone).date().isoformat())
        if day is not None:
            day["airings"].append(airing_dict(airing, zone, active))
    shows = {s.id: {"title": s.title, "hosts": list(s.hosts)} for s in schedule.shows.values()}
    return {"days": days, "shows": shows, "problem": None}


def airing_dict(airing: Airing, zone, active: dict[str, User]) -> dict[str, Any]:
    start, end = airing.start.astimezone(zone), airing.end.astimezone(zone)
    hosts = [{"name": h.shown, "page": url_for("showpages.host", name=h.name) if h.linked else None}
             for h in host_views(airing.show.hosts, active)]
    return {
        "show_id": airing.show.id, "show": airing.show.title, "page": url_for("showpages.show", show_id=airing.show.id),
        "hosts": hosts,
        "start": iso(to_ms(airing.start)), "end": iso(to_ms(airing.end)),
        "start_local": start.isoformat(), "end_local": end.isoformat(),
        "time": f"{i18n.hm(start)}–{i18n.hm(end)}", "note": airing.note,
    }
