"""`radiod demo init DIR`: write the demo station."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from radiod.app.show_tracklists import write_demo_tracklists
from radiod.clock import SystemClock
from radiod.days import day_range_problem
from radiod.library.demo import FILE_COUNT, TIMEZONE, build_demo, check_target


@click.group("demo")
def demo_group() -> None:
    """The demo station."""


@demo_group.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference date for release dates (default: today in Toronto).")
@click.option("--workers", type=click.IntRange(0, 256), default=0, show_default=True,
              help="ffmpeg processes at once (0 = one per core).")
def init_command(directory: Path, today: Any, workers: int) -> None:
    """Write a demo station (80 tracks, IDs, jingles, a DJ show, schedules) into DIRECTORY."""
    reference = today.date() if today else SystemClock().now().astimezone(ZoneInfo(TIMEZONE)).date()
    problem = day_range_problem(reference)
    if problem:
        raise click.BadParameter(problem, param_hint="--today")
    check_target(directory)
    stderr = sys.stderr      # click.get_text_stream is deprecated (click 9 removes it)
    if stderr.isatty():
        with click.progressbar(length=FILE_COUNT, label="Generating audio", file=stderr) as bar:
            summary = build_demo(directory, today=reference, workers=workers,
                                 progress=lambda done, total: bar.update(done - bar.pos))
    else:
        summary = build_demo(directory, today=reference, workers=workers)
    songs = write_demo_tracklists(directory, reference)
    click.echo(f"{directory}: demo station with {summary.music} music tracks, {summary.imaging} IDs, "
               f"jingles and PSAs, and a {summary.show_parts}-part pre-recorded show naming {songs} songs "
               f"(release dates relative to {reference.isoformat()})")
    click.echo(f"next: radiod --station {directory} scan")
