"""`radiod web`: serve the control panel, public pages and JSON API."""

from __future__ import annotations

import dataclasses
import sys

import click

from radiod.cli.station import Station, pass_station


def _announce(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()          # tests and supervisors read the address as soon as it is printed


@click.command("web")
@click.option("--host", help="Address to listen on (default: web.host).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on, 0 for any free one (default: web.port).")
@pass_station
def web_command(station: Station, host: str | None, port: int | None) -> None:
    """Serve the control panel, public pages and JSON API."""
    from radiod_web.server import run

    config = station.config
    if host is not None or port is not None:
        web = dataclasses.replace(config.web, host=host or config.web.host,
                                  port=config.web.port if port is None else port)
        config = dataclasses.replace(config, web=web)
    run(config, _announce)
