"""`radiod episodes`: listen-again episodes — list them, cut what has aired, re-cut one."""

from __future__ import annotations

import click

from radiod.cli.station import Station, one_line, pass_station
from radiod.clock import SystemClock, to_ms
from radiod.episodes import get, of_show, request_recut, run_once
from radiod.localtimes import LocalTimes
from radiod.logger import station_instant
from radiod.schedule_files import load_schedule
from radiod.store import open_db


@click.group("episodes")
def episodes_group() -> None:
    """Episodes of the shows with archive = true in shows.toml (docs/episodes.md)."""


@episodes_group.command("cut")
@pass_station
def cut_command(station: Station) -> None:
    """Cut every airing that has ended and has no episode yet (the daemon does this by itself)."""
    open_db(station.config.paths.database).close()          # migrated
    done = run_once(station.config, SystemClock())
    click.echo(f"{done.found} new airing(s), {done.cut} cut, {done.failed} failed, {done.expired} expired")


@episodes_group.command("list")
@pass_station
def list_command(station: Station) -> None:
    """Every episode: id, show, aired, length, state."""
    config = station.config
    local = LocalTimes(config.zone)
    conn = open_db(config.paths.database)
    try:
        shows = load_schedule(config.paths.schedules).shows
        for show_id in sorted(shows):
            for e in of_show(conn, show_id, public_only=False):
                state = e.status + (" hidden" if e.hidden else "")
                length = f"{(e.length_ms or 0) / 1000:.1f} s"
                click.echo(f"{e.id}  {show_id}  {local.iso(e.aired_from_ms)}  {length}  {state}"
                           + (f"  ({one_line(e.detail)})" if e.detail else ""))
    finally:
        conn.close()


@episodes_group.command("recut")
@click.argument("episode_id", type=int)
@click.option("--from", "first", required=True, metavar="YYYY-MM-DDTHH:MM[:SS.fff]", help="New start (station time).")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DDTHH:MM[:SS.fff]", help="New end (station time).")
@pass_station
def recut_command(station: Station, episode_id: int, first: str, last: str) -> None:
    """Cut an episode again between new boundaries, then publish it in place of the old cut."""
    config = station.config
    from_ms, to_ms_ = station_instant(first, config.zone) // 1000, station_instant(last, config.zone) // 1000
    if to_ms_ <= from_ms:
        raise click.UsageError("--to must come after --from")
    conn = open_db(config.paths.database)
    try:
        if get(conn, episode_id) is None:
            raise click.UsageError(f"no episode {episode_id}")
        request_recut(conn, episode_id, from_ms=from_ms, to_ms=to_ms_, actor="radiod episodes recut",
                      now_ms=to_ms(SystemClock().now()))
    finally:
        conn.close()
    done = run_once(config, SystemClock())
    click.echo(f"episode {episode_id}: {done.cut} cut, {done.failed} failed")
