"""`radiod bridge`: look at and check the Liquidsoap script radiod generates for the station."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import click

from radiod.cli.station import Station, pass_station
from radiod.errors import BridgeError


def _options(station: Station):
    from radiod.bridge.player import resolve_output
    from radiod.bridge.render import ScriptOptions

    config = station.config
    runtime = config.paths.state / "liquidsoap"
    return ScriptOptions(client=(sys.executable, "-m", "radiod.bridge.client", str(runtime / "bridge.sock")),
                         control_file=runtime / "cut", output=resolve_output(config, runtime),
                         log_file=runtime / "liquidsoap.log", allow_root=os.geteuid() == 0)


@click.group("bridge")
def bridge_group() -> None:
    """The Liquidsoap engine (playout.engine = "liquidsoap")."""


@bridge_group.command("script")
@click.option("--show-secrets", is_flag=True, help="Print the Icecast password instead of masking it.")
@pass_station
def script_command(station: Station, show_secrets: bool) -> None:
    """Print the .liq script radiod runs for this station."""
    from radiod.bridge.render import render

    text = render(station.config, _options(station))
    if not show_secrets:
        text = re.sub(r'password="(?:[^"\\]|\\.)*"', 'password="********"', text)
    click.echo(text, nl=False)


@bridge_group.command("check")
@pass_station
def check_command(station: Station) -> None:
    """Check the generated script with `liquidsoap --check` (outputs and encoders included)."""
    from radiod.bridge.player import check_script
    from radiod.bridge.render import render

    config = station.config
    with tempfile.TemporaryDirectory(prefix="radiod-liq-") as tmp:
        script = Path(tmp) / "station.liq"
        script.write_text(render(config, _options(station)), encoding="utf-8")
        problem = check_script(config.liquidsoap.binary, script)
    if problem:
        raise BridgeError(f"liquidsoap --check: {problem}")
    click.echo(f"{config.liquidsoap.binary}: the station script is valid")
