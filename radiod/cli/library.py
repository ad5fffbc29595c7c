"""`radiod scan`, `radiod analyze` and `radiod artists`."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from radiod.app.artists import artist_listing
from radiod.cli.station import Station, pass_station
from radiod.clock import SystemClock
from radiod.config import Config
from radiod.library import store as library_store
from radiod.library.registry import ArtistRegistry, load_registry, registry_path
from radiod.library.scan import ScanSummary, library_roots, scan_library
from radiod.store import open_db


class _Bar:
    """A click progress bar on stderr, shown only when stdout is a terminal; created on first report."""

    def __init__(self, label: str, enabled: bool):
        self.label = label
        self.enabled = enabled
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@click.command("scan")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, then a summary object.")
@click.option("--no-analyze", is_flag=True, help="Read tags only; skip loudness and cue analysis.")
@click.option("--confirm-missing", is_flag=True,
              help="Mark tracks missing even when a media folder is empty or lost more than "
                   "library.missing_threshold_percent of its tracks at once.")
@pass_station
def scan_command(station: Station, folders: tuple[Path, ...], as_json: bool, no_analyze: bool,
                 confirm_missing: bool) -> None:
    """Read the tags of the audio files in FOLDERS (default: the media and uploads folders)."""
    config = station.config
    roots = list(folders) if folders else library_roots(config)
    conn = open_db(config.paths.database)
    show_bar = sys.stdout.isatty() and not as_json
    bar = _Bar("Scanning", show_bar)
    try:
        summary = scan_library(conn, roots, clock=SystemClock(), progress=bar, confirm_missing=confirm_missing,
                               missing_threshold_percent=config.library.missing_threshold_percent,
                               keep_files=as_json)
    finally:
        bar.close()
    if as_json:
        for obj in file_objects(conn, summary):
            click.echo(json.dumps(obj, ensure_ascii=False))
    else:
        _print_scan(summary)
    analysis = None
    if not no_analyze and config.library.analyze:
        analysis = _run_analysis(conn, config, show_bar=show_bar, quiet=as_json)
    if as_json:
        final: dict[str, Any] = {"summary": {**summary.counts, "skipped": summary.skipped,
                                             "error_files": [{"path": p, "reason": r} for p, r in summary.errors],
                                             "duplicate_groups": summary.duplicates,
                                             "warnings": summary.warnings, "withheld": summary.withheld}}
        if analysis is not None:
            final["summary"]["analysis"] = {
                "analyzed": analysis.analyzed, "failed": analysis.failed, "cached": analysis.cached,
                "error_files": [{"path": p, "reason": r} for p, r in analysis.errors]}
        click.echo(json.dumps(final, ensure_ascii=False))


def _print_scan(summary: ScanSummary) -> None:
    click.echo(summary.line())
    for path, reason in summary.errors:
        click.echo(f"{path}: {reason}")
    for group in summary.duplicates:
        click.echo(f"duplicate content: {' = '.join(group)}")
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)


_HIDDEN_COLUMNS = {"id", "path", "status", "reason", "warnings", "mtime_ns", "missing_since_ms", "scanned_at_ms"}


def file_objects(conn: sqlite3.Connection, summary: ScanSummary) -> list[dict[str, Any]]:
    """The JSON object of each file the scan saw: path, status, change, then reason or the fields."""
    ids = [f.track_id for f in summary.files if f.track_id is not None]
    rows = library_store.track_rows(conn, ids)
    artists = library_store.track_credits(conn, ids)
    objects = []
    for outcome in summary.files:
        obj: dict[str, Any] = {"path": outcome.path, "status": outcome.status, "change": outcome.change}
        if outcome.moved_from:
            obj["moved_from"] = outcome.moved_from
        row = rows.get(outcome.track_id) if outcome.track_id is not None else None
        if outcome.status in ("error", "skipped"):
            obj["reason"] = outcome.reason
        elif row is not None and outcome.status == "ok":
            obj["id"] = row["id"]
            for key in row.keys():
                if key not in _HIDDEN_COLUMNS:
                    obj[key] = row[key]
            obj["local_tag"] = None if row["local_tag"] is None else bool(row["local_tag"])
            obj["artists"] = artists.get(row["id"], [])
            obj["warnings"] = row["warnings"].split("\n") if row["warnings"] else []
        objects.append(obj)
    return objects


def _run_analysis(conn: sqlite3.Connection, config: Config, *, show_bar: bool, quiet: bool,
                  workers: int | None = None) -> Any:
    # Imported here: scanning alone must not depend on the analysis module.
    from radiod.library.analyze import analyze_library

    bar = _Bar("Analysing", show_bar)
    try:
        result = analyze_library(conn, workers=config.library.workers if workers is None else workers,
                                 silence_threshold_db=config.library.silence_threshold_db, clock=SystemClock(),
                                 progress=bar)
    finally:
        bar.close()
    if not quiet:
        click.echo(f"analysis: {result.analyzed} analysed, {result.failed} failed, {result.cached} already done")
        for path, reason in result.errors:
            click.echo(f"{path}: {reason}")
    return result


@click.command("analyze")
@click.option("--workers", type=click.IntRange(0, 256), default=None,
              help="Parallel ffmpeg processes (default: library.workers; 0 = one per core).")
@pass_station
def analyze_command(station: Station, workers: int | None) -> None:
    """Measure loudness, true peak and cue points of tracks not analysed yet."""
    config = station.config
    conn = open_db(config.paths.database)
    _run_analysis(conn, config, show_bar=sys.stdout.isatty(), quiet=False, workers=workers)


@click.command("artists")
@click.option("--json", "as_json", is_flag=True, help="Print the listing as one JSON object.")
@pass_station
def artists_command(station: Station, as_json: bool) -> None:
    """List artists with track counts and local flags, and tracks whose artists are not registered."""
    config = station.config
    registry = load_registry(registry_path(config.paths.schedules))
    conn = open_db(config.paths.database)
    listing = artist_listing(conn, registry)
    if as_json:
        click.echo(json.dumps(listing, ensure_ascii=False))
        return
    _print_artists(listing, registry)


def _print_artists(listing: dict[str, Any], registry: ArtistRegistry) -> None:
    artists = listing["artists"]
    width = max([len("ARTIST"), *(len(a["name"]) for a in artists)])
    width = min(width, 48)
    click.echo(f"{'ARTIST':<{width}}  {'TRACKS':>6}  LOCAL  PLACE")
    for a in artists:
        local = "?" if a["local"] is None else ("yes" if a["local"] else "no")
        place = ", ".join(p for p in (a["city"], a["region"], a["country"]) if p)
        if not a["registered"]:
            place = "(not in the registry)"
        click.echo(f"{_cut(a['name'], width):<{width}}  {a['tracks']:>6}  {local:<5}  {place}".rstrip())
    registered = sum(1 for a in artists if a["registered"])
    click.echo(f"{len(artists)} artists, {registered} in the registry"
               + (f" ({registry.path})" if registry.path else ""))
    unknown = listing["unknown_artist_tracks"]
    if unknown:
        click.echo(f"\n{len(unknown)} {'track' if len(unknown) == 1 else 'tracks'} with artists unknown to the registry:")
        for t in unknown:
            click.echo(f"{t['path']}: {', '.join(t['unknown'])}")
    if listing["untagged_tracks"]:
        click.echo(f"\n{len(listing['untagged_tracks'])} tracks without an artist tag:")
        for path in listing["untagged_tracks"]:
            click.echo(path)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
