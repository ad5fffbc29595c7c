"""`radiod fingerprint`: the library's acoustic fingerprints, recordings found in a show, decisions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from radiod.cli.station import Station, one_line, pass_station
from radiod.clock import SystemClock
from radiod.fingerprints import LibraryIndex, decide, fingerprint_library, record
from radiod.fingerprints import store as fp_store
from radiod.library.query import load_track
from radiod.store import open_db


def _ms(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}.{ms % 1000 // 100}"


@click.group("fingerprint")
def fingerprint_group() -> None:
    """Acoustic fingerprints: find library recordings in shows without a tracklist."""


@fingerprint_group.command("build")
@pass_station
def build_command(station: Station) -> None:
    """Fingerprint every library content that has no fingerprint yet (after `radiod scan`)."""
    conn = open_db(station.config.paths.database)
    try:
        summary = fingerprint_library(conn, SystemClock())
        contents, unreadable, size = fp_store.counts(conn)
    finally:
        conn.close()
    for error in summary.errors:
        click.echo(one_line(error), err=True)
    click.echo(f"fingerprinted {summary.computed} file(s) in {summary.seconds:.1f} s, {summary.failed} unreadable; "
               f"the store holds {contents} content(s), {size / 1e6:.1f} MB")


@fingerprint_group.command("detect")
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--play", "play_id", type=int, default=None,
              help="The show's play row this audio is (its time 0 = the row's first heard sample); stores the "
                   "detections for confirmation.")
@click.option("--save", is_flag=True, help="Store the detections (waiting for a person) even without --play.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per detection.")
@pass_station
def detect_command(station: Station, audio: Path, play_id: int | None, save: bool, as_json: bool) -> None:
    """Print the library recordings heard in AUDIO: start, end, confidence, track."""
    config = station.config
    conn = open_db(config.paths.database)
    try:
        began = time.perf_counter()
        index = LibraryIndex.load(conn)
        if not index.track_ids:
            click.echo("no library fingerprints yet: run `radiod fingerprint build` after `radiod scan`", err=True)
        found = index.find(audio)
        took = time.perf_counter() - began
        new: list[int] = []
        if save or play_id is not None:
            new = record(conn, audio.resolve(), found, SystemClock(), play_id=play_id,
                         accept_above=config.fingerprints.accept_above)
        for f in found:
            track = load_track(conn, f.track_id)
            artist, title = (track.artist, track.title) if track else ("?", "?")
            if as_json:
                click.echo(json.dumps({"start_ms": f.start_ms, "end_ms": f.end_ms, "track_id": f.track_id,
                                       "track_offset_ms": f.track_offset_ms, "confidence": f.confidence,
                                       "artist": artist, "title": title}, ensure_ascii=False))
            else:
                click.echo(f"{_ms(f.start_ms)}  {_ms(f.end_ms)}  {f.confidence:.2f}  "
                           f"#{f.track_id} {one_line(artist)} – {one_line(title)}")
    finally:
        conn.close()
    if not as_json:
        stored = f"; {len(new)} stored for confirmation" if new else ""
        click.echo(f"{len(found)} recording(s) found in {took:.1f} s{stored}", err=True)


@fingerprint_group.command("list")
@click.option("--status", type=click.Choice(["detected", "confirmed", "rejected"]), default=None,
              help="Only detections with this status (default: all).")
@pass_station
def list_command(station: Station, status: str | None) -> None:
    """Stored detections: id, status, confidence, where in which audio, the track."""
    conn = open_db(station.config.paths.database)
    try:
        rows = fp_store.detections(conn, status=status)
        for d in rows:
            track = load_track(conn, d.track_id)
            name = f"{track.artist} – {track.title}" if track else "?"
            show = f"play {d.play_id}" if d.play_id is not None else "no play row"
            by = f" by {d.decided_by}" if d.decided_by else ""
            click.echo(f"{d.id}  {d.status}{by}  {d.confidence:.2f}  {one_line(d.audio)} "
                       f"{_ms(d.start_ms)}–{_ms(d.end_ms)} ({show})  #{d.track_id} {one_line(name)}")
    finally:
        conn.close()
    if not rows:
        click.echo("no detections")


def _decide(station: Station, ids: tuple[int, ...], status: str, by: str) -> None:
    conn = open_db(station.config.paths.database)
    try:
        for n in ids:
            d = decide(conn, n, status, by=by, clock=SystemClock())
            item = " (an item row of its show now)" if status == "confirmed" and d.play_id is not None else ""
            click.echo(f"detection {n}: {status}{item}")
    finally:
        conn.close()


@fingerprint_group.command("confirm")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--by", required=True, help="Who confirms (a user name; kept with the decision).")
@pass_station
def confirm_command(station: Station, ids: tuple[int, ...], by: str) -> None:
    """Confirm detections: each becomes an item row of its show and counts in reports."""
    _decide(station, ids, "confirmed", by)


@fingerprint_group.command("reject")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--by", required=True, help="Who rejects (a user name; kept with the decision).")
@pass_station
def reject_command(station: Station, ids: tuple[int, ...], by: str) -> None:
    """Reject detections: they never count."""
    _decide(station, ids, "rejected", by)
