"""SoundExchange Report of Use (37 CFR §370.4).

Fields per sound recording, in the regulation's order (§370.4(d)(2)): name of service,
transmission category, featured artist, sound recording title, ISRC, album title, marketing
label, then either actual total performances (ATP) or — for minimum-fee webcasters — aggregate
tuning hours, channel or program name and play frequency.

File format (§370.4(e)): ASCII, ``|`` between fields, ``^`` around text fields and none around
numbers or dates, CR LF after every line, no header by default (e)(8), or the 14-row header of
(e)(7) on request. Text is written as on the release: never upper-cased or abbreviated.
"""

from __future__ import annotations

import gzip
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from anyascii import anyascii

from radiod.reports import ReportError
from radiod.reports.period import Period
from radiod.reports.rows import RecordingKey, is_reportable_performance, recording_key, soundexchange_gap

TEXT = "^"
DELIMITER = "|"
EOL = "\r\n"
# Characters that may never occur inside data, and what they become.
RESERVED = {TEXT: "'", DELIMITER: "/", "\r": " ", "\n": " ", "\t": " "}

COLUMNS = ("started_at_ms", "played_ms", "usage", "exclusion", "length_ms", "artist", "title", "isrc", "album",
           "label", "show", "channel", "performances", "listener_ms")

# Aggregate tuning hours a report may state: a whole year of 1,000,000 listeners is 8.8e9 hours.
MAX_ATH_HOURS = Decimal(10) ** 10

ATP_COLUMNS = ("NAME_OF_SERVICE", "TRANSMISSION_CATEGORY", "FEATURED_ARTIST", "SOUND_RECORDING_TITLE",
               "ISRC", "ALBUM_TITLE", "MARKETING_LABEL", "ACTUAL_TOTAL_PERFORMANCES")
ATH_COLUMNS = ATP_COLUMNS[:-1] + ("AGGREGATE_TUNING_HOURS", "CHANNEL_OR_PROGRAM_NAME", "PLAY_FREQUENCY")


@dataclass(frozen=True)
class Contact:
    """What the (e)(7) header rows 2–6 carry."""

    name: str = ""
    street: str = ""
    city_state_zip: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Options:
    service_name: str
    transmission_category: str = "A"
    headers: bool = False                     # the 14-row (e)(7) variant
    contact: Contact = Contact()
    generated: date | None = None             # generation date for the header (the caller's clock)
    ath: bool = False                         # the ATH + channel/program + play frequency variant
    ath_hours: Decimal | None = None          # manual ATH figure; else computed from listener figures
    program: str = ""                         # channel/program name for every row; else each play's show
    gaps: str = "warn"                        # 'warn' or 'refuse' when a recording lacks ISRC and album+label


@dataclass
class Result:
    filename: str                             # <ServiceName><YYYYMMDD>-<YYYYMMDD>.txt (or .gz)
    data: bytes
    rows: int
    transliterated: dict[str, str] = field(default_factory=dict)   # original → ASCII, first seen order
    gaps: list[RecordingKey] = field(default_factory=list)                 # recordings lacking ISRC and album+label
    warnings: list[str] = field(default_factory=list)


class _Ascii:
    """ASCII conversion that remembers what it had to change."""

    def __init__(self) -> None:
        self.changed: dict[str, str] = {}
        # Each text once: a year of a large library is tens of thousands of lines whose service,
        # category, artists, albums and labels repeat.
        self.done: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        out = self.done.get(text)
        if out is not None:
            return out
        if text and text.isascii() and text.isprintable() and TEXT not in text and DELIMITER not in text:
            self.done[text] = text      # most text: nothing to change, no need to look at each character
            return text
        out = "".join(RESERVED.get(c, c) for c in anyascii(text or ""))
        out = "".join(c if 32 <= ord(c) < 127 else "?" for c in out)
        if out != (text or ""):
            self.changed.setdefault(text, out)
        self.done[text] = out
        return out


def parse_ath_hours(text: str, what: str = "ath_hours") -> Decimal:
    """A manual ATH figure from the command line or the panel; ReportError (one line, naming
    ``what``) unless it is a plain number of hours from 0 to MAX_ATH_HOURS."""
    try:
        hours = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        raise ReportError(f"{what}: expected a number of hours, got {text!r}") from None
    return check_ath_hours(hours, what, text)


def check_ath_hours(hours: Decimal, what: str = "ath_hours", given: str | None = None) -> Decimal:
    """``hours`` when it can stand in the report: finite (not NaN or Infinity), not negative, at
    most MAX_ATH_HOURS (so it prints as the plain number the regulation wants)."""
    if not hours.is_finite() or hours < 0 or hours > MAX_ATH_HOURS:
        shown = given if given is not None else str(hours)
        raise ReportError(f"{what}: expected a number of hours from 0 to {MAX_ATH_HOURS:,.0f}, got {shown!r}")
    return hours


def file_stem(service_name: str, period: Period) -> str:
    """``AcmeMusicCo20050101-20050331`` (§370.4(e)(5)): letters and digits of the name only."""
    name = "".join(c for c in anyascii(service_name) if c.isalnum())
    return f"{name}{period.label()}"


def report(rows: Iterable[Mapping[str, Any]], period: Period, options: Options, *, gzip_output: bool = False) -> Result:
    """Build the Report of Use for plays started in ``period``."""
    rows = [r for r in rows if period.contains(r["started_at_ms"])]
    plays = [r for r in rows if is_reportable_performance(r)]
    text = _Ascii()
    result = Result(filename="", data=b"", rows=0)

    gaps = sorted({recording_key(r) for r in plays if soundexchange_gap(r)})
    result.gaps = gaps
    if gaps:
        message = (f"{len(gaps)} recording(s) have neither an ISRC nor both album and label"
                   f" (run 'radiod report preflight'); first: {gaps[0][0]} - {gaps[0][1]}")
        if options.gaps == "refuse":
            raise ReportError(message)
        result.warnings.append(message)

    def quoted(value: str) -> str:
        return f"{TEXT}{text(value)}{TEXT}"

    service = options.service_name
    lines: list[str] = []
    columns: tuple[str, ...]
    if options.ath:
        hours = check_ath_hours(options.ath_hours if options.ath_hours is not None else _ath_from_figures(rows))
        hours_text = str(hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        frequency = Counter((recording_key(r), options.program or r["show"] or r["channel"] or service) for r in plays)
        for (key, program), count in sorted(frequency.items(), key=_sort_key):
            artist, title, isrc, album, label = key
            lines.append(DELIMITER.join([quoted(service), quoted(options.transmission_category), quoted(artist),
                                         quoted(title), quoted(isrc), quoted(album), quoted(label), hours_text,
                                         quoted(program), str(count)]))
        columns = ATH_COLUMNS
    else:
        unknown = sum(1 for r in plays if r.get("performances") is None)
        if unknown:
            raise ReportError(f"listener figures are unavailable for {unknown} of {len(plays)} plays (is"
                              " reports.icecast_status_url set?); use the ATH variant with a manual figure:"
                              " --ath-hours HOURS [--program NAME]")
        performances: Counter[tuple[RecordingKey, str]] = Counter()
        for r in plays:
            performances[(recording_key(r), "")] += r["performances"]
        for (key, _), total in sorted(performances.items(), key=_sort_key):
            artist, title, isrc, album, label = key
            lines.append(DELIMITER.join([quoted(service), quoted(options.transmission_category), quoted(artist),
                                         quoted(title), quoted(isrc), quoted(album), quoted(label), str(total)]))
        columns = ATP_COLUMNS

    if options.headers:
        if options.generated is None:
            raise ReportError("the header variant needs the generation date")
        c = options.contact
        header = [text(service), text(c.name), text(c.street), text(c.city_state_zip), text(c.phone), text(c.email),
                  f"{period.first:%Y%m%d}", f"{period.last:%Y%m%d}", f"{options.generated:%Y%m%d}",
                  str(len(lines)), TEXT, DELIMITER, "",
                  DELIMITER.join(f"{TEXT}{name}{TEXT}" for name in columns)]
        lines = header + lines

    body = "".join(line + EOL for line in lines).encode("ascii")
    stem = file_stem(service, period)
    result.rows = len(lines) - (14 if options.headers else 0)
    result.transliterated = text.changed
    if gzip_output:
        buffer = io.BytesIO()
        # fixed mtime so the same log always gives the same bytes; level 6 (zlib's default) packs
        # this text about as well as 9 in a fraction of the time (a year's file is megabytes)
        with gzip.GzipFile(filename=f"{stem}.txt", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as gz:
            gz.write(body)
        result.filename, result.data = f"{stem}.gz", buffer.getvalue()
    else:
        result.filename, result.data = f"{stem}.txt", body
    return result


def _sort_key(item: tuple[tuple[RecordingKey, str], int]) -> tuple[str, ...]:
    (key, program), _ = item
    return tuple(part.casefold() for part in key) + key + (program,)


def _ath_from_figures(rows: list[Mapping[str, Any]]) -> Decimal:
    """Total listener-hours of everything transmitted, less excluded recordings (public domain, direct licence)."""
    listener_ms, unknown, total = 0, 0, 0
    for r in rows:
        total += 1
        if r.get("listener_ms") is None:
            unknown += 1
        elif r.get("exclusion") not in ("direct_licence", "public_domain"):
            listener_ms += r["listener_ms"]
    if unknown:
        raise ReportError(f"listener figures are unavailable for {unknown} of {total} plays; give the aggregate"
                          " tuning hours by hand: --ath-hours HOURS")
    return Decimal(listener_ms) / Decimal(3_600_000)
