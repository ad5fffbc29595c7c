"""The `radiod` command. main() maps every RadiodError to one line and an exit code, never a traceback."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from radiod.config import Config, describe, load_config
from radiod.errors import ConfigError, RadiodError, ScheduleError

# Subcommands live beside the code they drive and are imported only when used, so a slow or
# heavy import (libVLC, Flask) never delays an unrelated command.
COMMANDS: dict[str, str] = {
    "config": "radiod.cli:config_command",
    "scan": "radiod.library.commands:scan_command",
    "analyze": "radiod.library.commands:analyze_command",
    "artists": "radiod.library.commands:artists_command",
    "demo": "radiod.library.demo:demo_group",
    "user": "radiod.accounts.commands:user_group",
    "web": "web.commands:web_command",
    "report": "radiod.playlog.commands:report_command",
    "verify-log": "radiod.playlog.commands:verify_log_command",
    "verify-export": "radiod.playlog.commands:verify_export_command",
    "log-digest": "radiod.playlog.commands:log_digest_command",
    "ledger": "radiod.playlog.commands:ledger_command",
    "correct-play": "radiod.playlog.commands:correct_play_command",
    "run": "radiod.playout.commands:run_command",
    "ctl": "radiod.playout.commands:ctl_command",
    "simulate": "radiod.playout.commands:simulate_command",
    "check": "radiod.schedule.commands:check_command",
    "plan": "radiod.schedule.commands:plan_command",
    "bridge": "radiod.bridge.commands:bridge_group",
    # more commands are registered here
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


class Station:
    """Per-invocation context: the station directory and its configuration, loaded on first use."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.directory)
        return self._config


pass_station = click.make_pass_decorator(Station)


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


def one_line(text: str) -> str:
    """A message as one line: a newline in a file name (or a daemon's reply) must not start another."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


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


if __name__ == "__main__":
    main()
