"""`radiod logger`: the compliance logger's hour files — list them, extract any span."""

from __future__ import annotations

from pathlib import Path

import click

from radiod.cli.station import Station, one_line, pass_station
from radiod.localtimes import LocalTimes
from radiod.logger.extract import extract_span, listing, station_instant


@click.group("logger")
def logger_group() -> None:
    """The air-check recording ([logger] in radiod.toml)."""


@logger_group.command("list")
@pass_station
def list_command(station: Station) -> None:
    """Every hour file: name, first frame (station time), length, and whether it is still there."""
    config = station.config
    local = LocalTimes(config.zone)
    rows = listing(config.logger.folder, lambda us: local.iso(us // 1000))
    if not rows:
        click.echo(f"no recordings in {one_line(str(config.logger.folder))}")
        return
    for name, start, length, state in rows:
        click.echo(f"{name}  {start}  {length}  {state}")


@logger_group.command("extract")
@click.option("--from", "first", required=True, metavar="YYYY-MM-DDTHH:MM[:SS.fff]",
              help="Start of the span (station time).")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DDTHH:MM[:SS.fff]", help="End of the span (station time).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .wav as it aired, or any extension ffmpeg encodes (.mp3, .flac, .opus).")
@pass_station
def extract_command(station: Station, first: str, last: str, output: Path) -> None:
    """Cut the aired audio of a span out of the hour files, to the sample."""
    config = station.config
    result = extract_span(config.logger.folder, station_instant(first, config.zone), station_instant(last, config.zone),
                     output)
    local = LocalTimes(config.zone)
    for gap in result.gaps:
        click.echo(f"no recording from {local.iso(gap.from_us // 1000)} to {local.iso(gap.to_us // 1000)}: "
                   "silence there", err=True)
    click.echo(f"{one_line(str(output))}: {result.frames / 44100:.3f} s from {len(result.files)} file(s)")
