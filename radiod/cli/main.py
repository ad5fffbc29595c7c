"""The `radiod` command. main() maps every RadiodError to one line and an exit code, never a traceback."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from radiod.cli.station import Station, one_line, pass_station
from radiod.config import describe
from radiod.errors import ConfigError, RadiodError, ScheduleError

# One module per area in this package; each is imported only when its command is used, so a slow
# or heavy import (libVLC, Flask) never delays an unrelated command.
COMMANDS: dict[str, str] = {
    "config": "radiod.cli.main:config_command",
    "scan": "radiod.cli.library:scan_command",
    "analyze": "radiod.cli.library:analyze_command",
    "artists": "radiod.cli.library:artists_command",
    "demo": "radiod.cli.demo:demo_group",
    "user": "radiod.cli.accounts:user_group",
    "web": "radiod.cli.web:web_command",
    "report": "radiod.cli.playlog:report_command",
    "verify-log": "radiod.cli.playlog:verify_log_command",
    "verify-export": "radiod.cli.playlog:verify_export_command",
    "log-digest": "radiod.cli.playlog:log_digest_command",
    "ledger": "radiod.cli.playlog:ledger_command",
    "correct-play": "radiod.cli.playlog:correct_play_command",
    "run": "radiod.cli.playout:run_command",
    "ctl": "radiod.cli.playout:ctl_command",
    "simulate": "radiod.cli.playout:simulate_command",
    "check": "radiod.cli.schedule:check_command",
    "plan": "radiod.cli.schedule:plan_command",
    "bridge": "radiod.cli.bridge:bridge_group",
    "logger": "radiod.cli.logger:logger_group",
    "episodes": "radiod.cli.episodes:episodes_group",
    "fingerprint": "radiod.cli.fingerprint:fingerprint_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
@click.option("--station", "-s", type=click.Path(file_okay=False, path_type=Path), default=".",
              envvar="RADIOD_STATION", show_default=True,
              help="Station directory (holds radiod.toml).")
@click.version_option(package_name="radiod")
@click.pass_context
def cli(ctx: click.Context, station: Path) -> None:
    """radiod: community radio automation and playout."""
    ctx.obj = Station(station)


@click.command("config")
@pass_station
def config_command(station: Station) -> None:
    """Print the effective configuration (secrets masked)."""
    click.echo(describe(station.config), nl=False)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="radiod", standalone_mode=False)
    except (ConfigError, ScheduleError) as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(exc.exit_code)
    except RadiodError as exc:
        click.echo(f"radiod: {one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)

