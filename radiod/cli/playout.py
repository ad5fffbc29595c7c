"""`radiod run`, `radiod ctl …` and `radiod simulate`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from radiod.cli.station import Station, pass_station
from radiod.clock import SystemClock
from radiod.days import day_range_problem
from radiod.errors import ControlError
from radiod.playout.messages import COMMANDS, ControlCommand, Insert, Status


@click.command("run")
@click.option("--verbose", "-v", is_flag=True, help="Log debug detail.")
@pass_station
def run_command(station: Station, verbose: bool) -> None:
    """Run the station: play the schedule on air until stopped (SIGTERM or Ctrl-C)."""
    from radiod.daemon import Daemon

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Daemon(station.config, clock=SystemClock()).run()


def _actions_help() -> str:
    # \b: click keeps these lines as they are instead of re-wrapping them into one paragraph
    return "\b\n" + "\n".join(f"{spec.name + (' PATH' if spec.takes_path else ''):<12}{spec.help}"
                               for spec in COMMANDS.values() if spec.ctl)


@click.command("ctl", help=f"Control the running daemon.\n\n{_actions_help()}")
@click.argument("action", type=click.Choice(tuple(n for n, spec in COMMANDS.items() if spec.ctl)))
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the daemon's JSON reply.")
@click.option("--title", default="", help="insert: the title the log and now-playing show (default: the file's name).")
@click.option("--artist", default="", help="insert: the artist the log and now-playing show.")
@pass_station
def ctl_command(station: Station, action: str, path: Path | None, as_json: bool, title: str, artist: str) -> None:
    from radiod.playout.control import send_command

    spec = COMMANDS[action]
    if spec.takes_path and path is None:
        raise click.UsageError(f"{action} needs the PATH of the file to play now")
    if not spec.takes_path and path is not None:
        raise click.UsageError(f"{action} takes no PATH")
    if spec.type is not Insert and (title or artist):
        raise click.UsageError("--title and --artist go with insert only")
    command: ControlCommand = (Insert(str(path.resolve()), title, artist) if spec.type is Insert and path
                               else spec.type())
    reply = send_command(station.config.control_socket, command)
    if as_json:
        click.echo(json.dumps(reply, ensure_ascii=False, indent=1))
    elif action == "status" and reply.get("ok"):
        click.echo(format_status(Status.from_public(reply)))
    elif action == "errors" and reply.get("ok"):
        for e in Status.from_public(reply).errors or ():
            click.echo(f"{e.at} {e.kind}: {e.detail}".strip())
        if not reply.get("errors"):
            click.echo("no errors")
    elif reply.get("ok"):
        click.echo(f"{action}: ok")
    if not reply.get("ok"):
        raise ControlError(f"{action}: {reply.get('error', 'refused')}")


def format_status(status: Status) -> str:
    """The snapshot as aligned lines ('state: playing', 'now:   …')."""
    return "\n".join(f"{(term + ':' if term else ''):<6} {words}" for term, words in status.lines())


@click.command("simulate")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (local).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (local), included.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="As-played log of the simulation (default: state/simulation-FROM-TO.db).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_station
def simulate_command(station: Station, first: datetime, last: datetime, out: Path | None, as_json: bool) -> None:
    """Play a date range on a virtual clock and summarise what would air."""
    from radiod.app.simulate import simulate

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
