"""CLI: `radiod report`, `verify-log`, `verify-export`, `log-digest`, `ledger`, `correct-play`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from radiod.app.ledger import artist_ledger
from radiod.app.reports import FORMATS, ReportOptions, make_report
from radiod.cli.station import Station, pass_station
from radiod.clock import SystemClock, to_ms
from radiod.errors import StoreError
from radiod.logger.store import verify_recordings
from radiod.playlog.store import CORRECTABLE, PlayLog
from radiod.playlog.verify import (
    check_digest,
    daily_digest,
    verify_chain,
    verify_export,
)
from radiod.reports import ReportError, compliance, soundexchange
from radiod.reports.period import Period, parse_period
from radiod.store import open_db, open_readonly


def _period(station: Station, first: str | None, last: str | None) -> Period | None:
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise ReportError("give both --from and --to (YYYY-MM-DD)")
    return parse_period(first, last, station.config.zone)


def _write(data: bytes, output: str | None, default_name: str | None) -> None:
    """To -o FILE (or into -o DIR under the default name), to ./default_name, or to stdout."""
    if output is None and default_name is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(output) if output else Path(default_name or "report.csv")
    if target.is_dir():
        target = target / (default_name or "report.csv")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ReportError(f"{target}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {target}", err=True)


@click.command("report")
@click.argument("format", type=click.Choice(FORMATS))
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD", help="First day (station's timezone).")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD", help="Last day, inclusive.")
@click.option("-o", "--output", metavar="FILE", help="Output file or folder (default: stdout; for soundexchange "
              "the regulation's file name in the current folder).")
@click.option("--headers", is_flag=True, help="soundexchange: the 14-row header variant, §370.4(e)(7).")
@click.option("--gzip", "gzip_output", is_flag=True, help="soundexchange: compress (.gz, same stem).")
@click.option("--category", help="soundexchange: transmission category (default: reports.transmission_category).")
@click.option("--ath", is_flag=True, help="soundexchange: aggregate tuning hours + program + play frequency variant.")
@click.option("--ath-hours", metavar="HOURS", help="soundexchange: the ATH figure by hand (implies --ath).")
@click.option("--program", default="", help="soundexchange --ath: channel or program name (default: each show).")
@click.option("--gaps", type=click.Choice(["warn", "refuse"]),
              help="On recordings lacking ISRC/label/composer (default: reports.on_metadata_gaps).")
@click.option("--preset", type=click.Choice(["canada", "australia", "custom"]),
              help="local-content: rules (default: reports.local_preset).")
@click.option("--per", type=click.Choice(compliance.PERIODS), help="local-content: reporting period.")
@click.option("--basis", type=click.Choice(compliance.BASES), help="local-content: count or time decides pass/fail.")
@click.option("--daypart", "dayparts", multiple=True, metavar="[NAME=]HH:MM-HH:MM",
              help="local-content: daypart (repeatable).")
@click.option("--raw", is_flag=True, help="plays: the values as logged and hashed, corrections not applied "
              "(what `radiod verify-export` checks).")
@pass_station
def report_command(station: Station, format: str, first: str, last: str, output: str | None, headers: bool,
                   gzip_output: bool, category: str | None, ath: bool, ath_hours: str | None, program: str,
                   gaps: str | None, preset: str | None, per: str | None, basis: str | None,
                   dayparts: tuple[str, ...], raw: bool) -> None:
    """Write a royalty or compliance report for whole days in the station's timezone."""
    config = station.config
    period = parse_period(first, last, config.zone)
    options = ReportOptions(
        corrected=not raw, headers=headers, gzip=gzip_output, category=category, ath=ath,
        ath_hours=None if ath_hours is None else soundexchange.parse_ath_hours(ath_hours, "--ath-hours"),
        program=program, gaps=gaps, preset=preset, per=per, basis=basis,
        dayparts=tuple(compliance.parse_daypart(d) for d in dayparts))
    conn = open_readonly(config.paths.database)
    try:
        result = make_report(conn, config, format, period, options,
                             today=SystemClock().now().astimezone(config.zone).date())
    finally:
        conn.close()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in result.notes:
        click.echo(note, err=True)
    _write(result.data, output, result.filename)
    if result.tally:
        click.echo(result.tally, err=True)


@click.command("verify-log")
@click.option("--from", "first", metavar="YYYY-MM-DD", help="Check rows closed from this day…")
@click.option("--to", "last", metavar="YYYY-MM-DD", help="…to this day (inclusive).")
@click.option("--digest", "digest_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also compare with a published digest (JSON from `radiod log-digest`).")
@pass_station
def verify_log_command(station: Station, first: str | None, last: str | None, digest_file: Path | None) -> None:
    """Check the play log's hash chain and the logger's recordings; names what is broken (exit 1)."""
    period = _period(station, first, last)
    conn = open_readonly(station.config.paths.database)
    result = verify_chain(conn, from_ms=period.start_ms if period else None,
                          to_ms=period.end_ms if period else None)
    problems = [str(b) for b in result.breaks]
    if digest_file is not None:
        try:
            published = json.loads(_read_text(digest_file))
            problems += [f"digest {p}" for p in check_digest(conn, station.config.zone, published)]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReportError(f"{digest_file}: not a play log digest: {exc}") from None
    recordings, recording_problems = verify_recordings(conn, station.config.logger.folder,
                                                       station.config.logger.keep_days, to_ms(SystemClock().now()),
                                                       from_ms=period.start_ms if period else None,
                                                       to_ms=period.end_ms if period else None)
    problems += recording_problems
    conn.close()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN: {problem}", err=True)
        raise SystemExit(1)
    if recordings:
        click.echo(f"ok: {recordings} logger recordings match their hashes")
    if result.checked == 0:
        click.echo(f"ok: no closed plays{' in the period' if period else ''}; "
                   f"{result.corrections_checked} corrections")
        return
    items = f", {result.items_checked} songs inside shows" if result.items_checked else ""
    click.echo(f"ok: {result.checked} plays (seq {result.first_seq}..{result.last_seq}){items} and "
               f"{result.corrections_checked} corrections; last hash {result.last_hash}")


@click.command("verify-export")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--digest", "digest_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The station's published digest (JSON from `radiod log-digest`).")
def verify_export_command(export: Path, digest_file: Path | None) -> None:
    """Check a `radiod report plays --raw` export without the station's database (exit 1 when broken)."""
    text = _read_text(export)
    published = None
    if digest_file is not None:
        try:
            published = json.loads(_read_text(digest_file))
        except ValueError as exc:
            raise ReportError(f"{digest_file}: not a play log digest: {exc}") from None
    checked, problems = verify_export(text, published)
    for problem in problems:
        click.echo(f"BROKEN: {export}: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"ok: {checked} plays in {export} hash and link correctly"
               + (" and match the published digest" if published else ""))


def _read_text(path: Path) -> str:
    # A device or FIFO (/dev/zero) would be read until memory runs out.
    if path.exists() and not path.is_file():
        raise ReportError(f"{path}: cannot read: not a regular file")
    try:
        # bytes as written: newline translation would turn a CR inside a field into LF (and break its hash)
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


@click.command("log-digest")
@click.option("--from", "first", metavar="YYYY-MM-DD")
@click.option("--to", "last", metavar="YYYY-MM-DD")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (default: stdout).")
@pass_station
def log_digest_command(station: Station, first: str | None, last: str | None, output: str | None) -> None:
    """The daily digest of the play log (date, rows, last seq, last hash) as JSON, for publishing."""
    period = _period(station, first, last)
    conn = open_readonly(station.config.paths.database)
    digest = daily_digest(conn, station.config.zone, from_ms=period.start_ms if period else None,
                          to_ms=period.end_ms if period else None)
    conn.close()
    _write((json.dumps(digest, indent=1) + "\n").encode(), output, None)


@click.command("ledger")
@click.argument("artist")
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD")
@pass_station
def ledger_command(station: Station, artist: str, first: str, last: str) -> None:
    """Every play of ARTIST in the period, as JSON, with the chain digest to check it against."""
    period = parse_period(first, last, station.config.zone)
    conn = open_readonly(station.config.paths.database)
    try:
        found = artist_ledger(conn, artist, period)
    finally:
        conn.close()
    click.echo(json.dumps(found, indent=1, ensure_ascii=False))


@click.command("correct-play")
@click.argument("play_id", type=click.IntRange(1, 2**63 - 1))  # SQLite's INTEGER
@click.argument("field", type=click.Choice(CORRECTABLE))
@click.argument("value")
@click.option("--by", "changed_by", required=True, help="Who makes the correction.")
@click.option("--reason", default="", help="Why.")
@pass_station
def correct_play_command(station: Station, play_id: int, field: str, value: str, changed_by: str, reason: str) -> None:
    """Record a correction of a closed play (the play row itself is never changed)."""
    parsed: object = value
    if field == "local":
        if value.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise StoreError(f"local: expected true or false, got {value!r}")
        parsed = value.lower() in ("true", "yes", "1")
    elif field == "artist_keys":
        parsed = [v.strip() for v in value.split(",") if v.strip()]
    conn = open_db(station.config.paths.database)
    c = PlayLog(conn).correct(play_id, field, parsed, changed_by=changed_by, reason=reason,
                              changed_at_ms=to_ms(SystemClock().now()))
    conn.close()
    click.echo(f"correction {c['id']}: play {play_id} {field}: {c['before']} -> {c['after']}")
