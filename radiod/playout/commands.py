"""`radiod run`, `radiod ctl …` and `radiod simulate`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from radiod.cli import Station, pass_station
from radiod.days import day_range_problem
from radiod.errors import ControlError


@click.command("run")
@click.option("--verbose", "-v", is_flag=True, help="Log debug detail.")
@pass_station
def run_command(station: Station, verbose: bool) -> None:
    """Run the station: play the schedule on air until stopped (SIGTERM or Ctrl-C)."""
    from radiod.daemon import Daemon

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Daemon(station.config).run()


ACTIONS = ("status", "skip", "pause", "resume", "reload", "insert", "errors")


@click.command("ctl")
@click.argument("action", type=click.Choice(ACTIONS))
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the daemon's JSON reply.")
@click.option("--title", default="", help="insert: the title the log and now-playing show (default: the file's name).")
@click.option("--artist", default="", help="insert: the artist the log and now-playing show.")
@pass_station
def ctl_command(station: Station, action: str, path: Path | None, as_json: bool, title: str, artist: str) -> None:
    """Control the running daemon: status, skip, pause, resume, reload, insert PATH, errors."""
    from radiod.playout.control import InsertRequest, send_command

    args: dict[str, Any] = {}
    if action == "insert":
        if path is None:
            raise click.UsageError("insert needs the PATH of the file to play now")
        args = InsertRequest(str(path.resolve()), title, artist).args()
    elif title or artist:
        raise click.UsageError("--title and --artist go with insert only")
    reply = send_command(station.config.control_socket, action, **args)
    if as_json:
        click.echo(json.dumps(reply, ensure_ascii=False, indent=1))
    elif action == "status" and reply.get("ok"):
        click.echo(format_status(reply))
    elif action == "errors" and reply.get("ok"):
        for e in reply.get("errors", []) or [{"at": "", "kind": "", "detail": "no errors"}]:
            click.echo(f"{e['at']} {e['kind']}: {e['detail']}".strip())
    elif reply.get("ok"):
        click.echo(f"{action}: ok")
    if not reply.get("ok"):
        raise ControlError(f"{action}: {reply.get('error', 'refused')}")


def format_status(s: dict[str, Any]) -> str:
    lines = [f"state: {s.get('state')}" + (f"   output: {s['output']}" if s.get("output") else "")]
    now = s.get("now")
    if now:
        lines.append(f"now:   {now.get('artist') or '?'} – {now.get('title') or '?'}  ({now.get('source')}, "
                     f"{now.get('usage')})")
        lines.append(f"       started {now.get('started_at')}, ends {now.get('expected_end')}")
    else:
        lines.append("now:   nothing")
    nxt = s.get("next")
    if nxt:
        lines.append(f"next:  {nxt.get('artist') or '?'} – {nxt.get('title') or '?'} at {nxt.get('planned_start')}")
    show = s.get("show")
    if show:
        lines.append(f"show:  {show.get('title')}" + (f" ({', '.join(show['hosts'])})" if show.get("hosts") else ""))
    for e in s.get("errors", [])[-5:]:
        lines.append(f"error: {e['at']} {e['kind']}: {e['detail']}")
    if s.get("schedule_error"):
        lines.append(f"schedule: {s['schedule_error']}")
    if t := s.get("timing"):
        errors = ", ".join(f"{e:+.1f}" for e in t["hard_start_errors_ms"][-5:]) or "none yet"
        lines.append(f"timing: output {t['rate_ppm']:+.1f} ppm ({t['source']}); libVLC corrections "
                     f"{t['resyncs']}; last hard starts {errors} ms")
    return "\n".join(lines)


@click.command("simulate")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (local).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (local), included.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="As-played log of the simulation (default: state/simulation-FROM-TO.db).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_station
def simulate_command(station: Station, first: datetime, last: datetime, out: Path | None, as_json: bool) -> None:
    """Play a date range on a virtual clock and summarise what would air."""
    from radiod.playout.simulate import simulate

    for hint, given in (("--from", first), ("--to", last)):
        problem = day_range_problem(given.date())
        if problem:
            raise click.BadParameter(problem, param_hint=hint)
    if last.date() < first.date():
        raise click.BadParameter("--to is before --from", param_hint="--to")
    config = station.config
    logging.getLogger("radiod.playout.engine").setLevel(logging.ERROR)   # fallbacks are in the summary
    out = out or config.paths.state / f"simulation-{first.date()}-{last.date()}.db"
    summary = simulate(config, first.date(), last.date(), out)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    click.echo(f"{'day':<10} {'items':>6} {'failed':>6} {'fallbk':>6} {'relax':>6} {'music':>6} {'local':>7}")
    for d in summary["days"]:
        click.echo(f"{d['day']:<10} {d['items']:>6} {d['failed']:>6} {d['fallbacks']:>6} {d['relaxations']:>6} "
                   f"{d['music']:>6} {d['local_share'] * 100:>6.1f}%")
    t = summary["total"]
    click.echo(f"{'total':<10} {t['items']:>6} {t['failed']:>6} {t['fallbacks']:>6} {t['relaxations']:>6} "
               f"{t['music']:>6} {t['local_share'] * 100:>6.1f}%")
    click.echo(f"as-played log: {summary['log']}  ({summary['cpu_ms']} ms of CPU for "
               f"{summary['hours']} hours of air)")
