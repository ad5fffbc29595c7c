"""`radiod check` (validate the schedule files) and `radiod plan` (print a day's log)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any

import click

from radiod.app.checks import account_names, library_for_checks
from radiod.app.planning import readonly_planner
from radiod.cli.station import Station, pass_station
from radiod.clock import SystemClock, to_ms
from radiod.days import day_range_problem
from radiod.errors import ScheduleError, StoreError
from radiod.schedule.check import check_library, check_schedule
from radiod.schedule.log import LogItem
from radiod.schedule.plan import DayLog
from radiod.schedule_files import load_schedule, parse_schedule


@click.command("check")
@pass_station
def check_command(station: Station) -> None:
    """Validate the schedule files; report every problem at once (exit 1 on errors, 0 with warnings)."""
    config = station.config
    today = SystemClock().now().astimezone(config.zone).date()
    schedule, errors = parse_schedule(config.paths.schedules)
    warnings: list[str] = []
    if schedule is not None:
        e, w = check_schedule(schedule)
        errors += e
        warnings += w
        if schedule.timezone != config.station.timezone:
            warnings.append(f"{config.paths.schedules / 'station.toml'}: station.timezone: {schedule.timezone} "
                            f"differs from radiod.toml station.timezone {config.station.timezone}")
        tracks, registry_problems = library_for_checks(config)
        errors += registry_problems
        if errors:
            tracks = None       # the library checks would judge files that did not load
        elif tracks is None and not registry_problems:
            warnings.append(f"{config.paths.database}: no library yet: category sizes not checked "
                            "(run 'radiod scan')")
        elif tracks is not None:
            e, w = check_library(schedule, tracks, media_roots=config.paths.media,
                                 uploads_root=config.paths.uploads, day=today)
            errors += e
            warnings += w
        users = account_names(config)
        if users is not None:
            for show in schedule.shows.values():
                for host in show.hosts:
                    if host.casefold() not in users:
                        warnings.append(f"{schedule.locate('shows.toml', f'show.{show.id}.hosts')}: {host!r} "
                                        "has no user account yet "
                                        "('radiod user add')")
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if errors:
        raise ScheduleError(errors + [f"{len(errors)} error(s), {len(warnings)} warning(s)"])
    assert schedule is not None
    click.echo(f"{config.paths.schedules}: OK — {len(schedule.shows)} shows, {len(schedule.clocks)} clocks, "
               f"{len(schedule.categories)} categories, {len(schedule.slots)} weekly slots, "
               f"{len(schedule.exceptions)} exceptions; {len(warnings)} warning(s)")


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None
    problem = day_range_problem(day)
    if problem:
        raise click.BadParameter(problem)
    return day


@click.command("plan")
@click.option("--date", "day", callback=_parse_date, help="First day to plan, YYYY-MM-DD (default: today).")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 62), help="How many days.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per item, then a summary object.")
@click.option("--seed", default=None, help="Random seed (default: the first day, as playout uses).")
@pass_station
def plan_command(station: Station, day: date | None, days: int, as_json: bool, seed: str | None) -> None:
    """Print the planned log: items, per-hour local share, relaxations and a summary."""
    config = station.config
    zone = config.zone
    day = day or SystemClock().now().astimezone(zone).date()
    schedule = load_schedule(config.paths.schedules)
    tracks, problems = library_for_checks(config)
    if problems:
        raise ScheduleError(problems)
    if tracks is None:
        raise StoreError(f"{config.paths.database}: database does not exist (run 'radiod scan' first)")
    try:
        logs = readonly_planner(config).plan(schedule, day, days, tracks=tracks, seed=seed)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{config.paths.database}: cannot read the play log: {exc}") from None
    if as_json:
        for log in logs:
            for item in log.items:
                click.echo(json.dumps(item_json(item, zone), ensure_ascii=False))
        click.echo(json.dumps(summary_json(logs, zone), ensure_ascii=False))
        return
    for log in logs:
        click.echo(render_text(log, zone))
    if len(logs) > 1:
        s = summary_json(logs, zone)
        click.echo(f"{len(logs)} days: {s['music']} music items, local {s['local_share']:.1%}, "
                   f"{s['hours_meeting_quota']}/{s['hours']} hours meet the quota, {s['relaxations']} relaxations")


def _local(dt: datetime, zone: Any) -> str:
    return dt.astimezone(zone).isoformat(timespec="milliseconds")


def item_json(item: LogItem, zone: Any) -> dict[str, Any]:
    return {
        "type": "item", "start": _local(item.start, zone), "end": _local(item.end, zone),
        "start_ms": to_ms(item.start), "length_ms": item.length_ms, "event": item.event, "kind": item.kind,
        "source": item.source, "usage": item.usage, "show": item.show, "category": item.category,
        "track_id": item.track_id, "title": item.title, "artist": item.artist, "local": item.local,
        "timing": item.timing, "tolerance_ms": item.tolerance_ms, "cut_ms": item.cut_ms, "note": item.note,
        "path": item.path, "relaxations": [{"rule": r.rule, "detail": r.detail} for r in item.relaxations],
    }


def summary_json(logs: list[DayLog], zone: Any) -> dict[str, Any]:
    music = sum(len(log.music_items) for log in logs)
    local = sum(sum(1 for i in log.music_items if i.local) for log in logs)
    hours = [h for log in logs for h in log.hours]
    return {
        "type": "summary", "first_day": logs[0].day.isoformat(), "days": len(logs),
        "items": sum(len(log.items) for log in logs), "music": music, "local": local,
        "local_share": round(local / music, 4) if music else 0.0,
        "hours": len(hours), "hours_meeting_quota": sum(1 for h in hours if h.quota_met),
        "per_hour": [{"start": _local(h.start, zone), "music": h.music, "local": h.local,
                      "share": round(h.share, 4), "quota_met": h.quota_met} for h in hours],
        "relaxations": sum(len(log.relaxations) for log in logs),
        "relaxation_list": [{"rule": r.rule, "detail": r.detail} for log in logs for r in log.relaxations],
        "warnings": [w for log in logs for w in log.warnings],
    }


def render_text(log: DayLog, zone: Any) -> str:
    """The day as a table: one line per item, then per-hour local share and a summary."""
    lines = [f"# {log.day.isoformat()} ({log.timezone})",
             f"{'start':8} {'end':8} {'timing':11} {'event':16} {'show':18} {'category':13} "
             f"{'L':1} artist – title"]
    for i in log.items:
        timing = i.timing if i.timing == "follow" else f"{i.timing}±{i.tolerance_ms // 1000}s"
        what = f"{i.artist} – {i.title}" if i.artist else i.title
        flag = "L" if i.local else "."
        lines.append(f"{i.start.astimezone(zone):%H:%M:%S} {i.end.astimezone(zone):%H:%M:%S} {timing:11} "
                     f"{i.event[:16]:16} {i.show[:18]:18} {i.category[:13]:13} {flag} {what}")
        if i.note:
            lines.append(f"{'':19}note: {i.note}")
        for r in i.relaxations:
            lines.append(f"{'':19}relaxed {r.rule}: {r.detail}")
    lines.append("")
    lines.append("hour   music local share quota")
    for h in log.hours:
        lines.append(f"{h.start.astimezone(zone):%H:%M}  {h.music:5} {h.local:5} {h.share:5.0%} "
                     f"{'met' if h.quota_met else 'MISSED'}")
    s = log.summary()
    lines.append("")
    lines.append(f"summary: {s['items']} items, {s['music']} music, local {s['local_share']:.1%}, "
                 f"{s['hours_meeting_quota']}/{s['hours']} hours meet the quota, {s['relaxations']} relaxations")
    hour_or_day = [r for r in log.relaxations if r.rule in ("local_share_hour", "local_share_day")]
    for r in hour_or_day:
        lines.append(f"relaxed {r.rule}: {r.detail}")
    for w in log.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines) + "\n"

