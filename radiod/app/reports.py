"""The report registry: each format's rows, its options from config and its writer, in one table.

`radiod report` and the panel's download both call :func:`make_report`; adding a format is one
entry in :data:`REGISTRY`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Sequence

from radiod.config import RULES, Config
from radiod.playlog.store import read_itemised, read_plays_csv
from radiod.reports import (
    ReportError,
    compliance,
    coverage,
    music_usage,
    plays,
    preflight,
    soundexchange,
    summary,
)
from radiod.reports.period import Period, hms


@dataclass(frozen=True)
class ReportOptions:
    """What the caller asked for; None means "as configured" (``reports.*`` in radiod.toml)."""

    corrected: bool = True                   # plays: False = the values as logged and hashed
    headers: bool = False                    # soundexchange: the 14-row header variant
    gzip: bool = False                       # soundexchange: compress
    category: str | None = None              # soundexchange: transmission category
    ath: bool = False                        # soundexchange: the ATH variant
    ath_hours: Decimal | None = None         # soundexchange: the ATH figure by hand (implies ath)
    program: str = ""                        # soundexchange --ath: channel or program name
    gaps: str | None = None                  # 'warn' or 'refuse' on recordings lacking metadata
    preset: str | None = None                # local-content: rules
    per: str | None = None                   # local-content: reporting period
    basis: str | None = None                 # local-content: count or time
    dayparts: tuple[compliance.Daypart, ...] = ()


@dataclass(frozen=True)
class Report:
    """A written report; ``filename`` when the format prescribes one (SoundExchange's)."""

    data: bytes
    filename: str | None = None
    warnings: tuple[str, ...] = ()           # shown to the person asking, the report is still written
    notes: tuple[str, ...] = ()              # how it was made (rules used, names transliterated)
    tally: str = ""                          # what it holds, said once it is written


Writer = Callable[[Sequence[Any], Period, ReportOptions, Config, date], Report]


@dataclass(frozen=True)
class ReportFormat:
    """One format: the play-log columns it reads (None: every column, as CSV text) and its writer."""

    name: str
    columns: tuple[str, ...] | None
    write: Writer
    help: str


def _plain(module: Any) -> Writer:
    def write(rows: Sequence[Any], period: Period, options: ReportOptions, config: Config, today: date) -> Report:
        return Report(module.report(rows, period))
    return write


def _summary(rows: Sequence[Any], period: Period, options: ReportOptions, config: Config, today: date) -> Report:
    """The summary, with the tracklist coverage said beside it (per show, then overall)."""
    shows, overall = coverage.coverage(rows, period)
    notes = tuple(f"coverage {c.show or '(outside shows)'}: {c.share:.1%} of {hms(c.music_ms)} names a recording"
                  for c in shows if c.show)
    notes += (f"coverage overall: {overall.share:.1%} of {hms(overall.music_ms)} of music time names a recording",)
    return Report(summary.report(rows, period), notes=notes)


def _music_usage(rows: Sequence[Any], period: Period, options: ReportOptions, config: Config,
                 today: date) -> Report:
    warnings: tuple[str, ...] = ()
    found = preflight.gaps(rows, period)
    if found:
        message = (f"{len(found)} recording(s) lack ISRC, label or composer (run 'radiod report preflight'); "
                   f"first: {found[0]['artist']} - {found[0]['title']}")
        if (options.gaps or config.reports.on_metadata_gaps) == "refuse":
            raise ReportError(message)
        warnings = (message,)
    return Report(music_usage.report(rows, period), warnings=warnings)


def _soundexchange(rows: Sequence[Any], period: Period, options: ReportOptions, config: Config,
                   today: date) -> Report:
    r = config.reports
    if options.category is not None:
        problem = RULES["reports.transmission_category"].problem(options.category)
        if problem:
            raise ReportError(f"--category: {problem}")
    sx = soundexchange.Options(
        service_name=config.service_name, transmission_category=options.category or r.transmission_category,
        headers=options.headers, contact=soundexchange.Contact(r.contact_name, r.street, r.city_state_zip,
                                                               r.contact_phone, r.contact_email),
        generated=today, ath=options.ath or options.ath_hours is not None, ath_hours=options.ath_hours,
        program=options.program, gaps=options.gaps or r.on_metadata_gaps)
    result = soundexchange.report(rows, period, sx, gzip_output=options.gzip)
    notes = tuple(f"transliterated: {original} -> {ascii_text}" for original, ascii_text in result.transliterated.items())
    return Report(result.data, result.filename, tuple(result.warnings), notes, f"{result.rows} sound recordings")


def local_rules(config: Config, options: ReportOptions = ReportOptions()) -> compliance.LocalRules:
    """The local-content rules: the options given, else the configured preset and threshold."""
    return compliance.rules_for(options.preset or config.reports.local_preset,
                                config.reports.local_threshold_percent, period=options.per,
                                basis=options.basis, dayparts=options.dayparts or None)


def _local_content(rows: Sequence[Any], period: Period, options: ReportOptions, config: Config,
                   today: date) -> Report:
    rules = local_rules(config, options)
    return Report(compliance.report(rows, period, rules),
                  notes=(f"rules: {rules.name}, {rules.threshold_percent:g} % by {rules.basis} per {rules.period}",))


REGISTRY: dict[str, ReportFormat] = {f.name: f for f in (
    ReportFormat("plays", None, _plain(plays), "every play with its hash (the export `verify-export` checks)"),
    ReportFormat("summary", tuple(dict.fromkeys(summary.COLUMNS + coverage.COLUMNS)), _summary,
                 "plays and air time per show and usage"),
    ReportFormat("music-usage", music_usage.COLUMNS + preflight.COLUMNS, _music_usage,
                 "music usage for collecting societies (checked for metadata gaps)"),
    ReportFormat("preflight", preflight.COLUMNS, _plain(preflight), "recordings lacking ISRC, label or composer"),
    ReportFormat("local-content", compliance.COLUMNS, _local_content, "the local-content share against the quota"),
    ReportFormat("soundexchange", soundexchange.COLUMNS, _soundexchange, "SoundExchange report of use"),
)}
FORMATS = tuple(REGISTRY)


def report_format(name: str) -> ReportFormat:
    """The format called ``name``; ReportError (one line, listing the formats) for another."""
    found = REGISTRY.get(name)
    if found is None:
        raise ReportError(f"format: expected one of {', '.join(FORMATS)}, got {name!r}")
    return found


def read_report_rows(conn: sqlite3.Connection, format: str, period: Period,
                     corrected: bool = True) -> list[Any]:
    """The play rows report FORMAT reads for the period (only the columns it needs)."""
    columns = report_format(format).columns
    if columns is None:       # every column: as CSV text made by SQLite, several times faster than dicts
        return read_plays_csv(conn, started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                              corrected=corrected)
    return read_itemised(conn, started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                         columns=columns, corrected=corrected)


def make_report(conn: sqlite3.Connection, config: Config, format: str, period: Period,
                options: ReportOptions = ReportOptions(), *, today: date) -> Report:
    """Read the rows report FORMAT needs and write it (``today``: the generation date it shows)."""
    fmt = report_format(format)
    rows = read_report_rows(conn, format, period, corrected=options.corrected)
    return fmt.write(rows, period, options, config, today)
