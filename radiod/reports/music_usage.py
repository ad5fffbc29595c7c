"""Music usage report in the shape PPL/PRS-style societies ask for: one line per play."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from radiod.reports.csvfile import to_csv
from radiod.reports.period import LocalTimes, Period, hms

COLUMNS = ("id", "started_at_ms", "played_ms", "usage", "title", "artist", "composer", "lyricist", "isrc", "album",
           "label", "length_ms", "show", "source", "channel")

HEADER = ("date", "time", "utc_offset", "title", "artist", "composer", "lyricist", "isrc", "album", "label",
          "duration_played", "played_ms", "length_ms", "usage", "show", "source", "channel", "play_id")


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    """Every play that used a recording (talk excluded) started in the period, in air order."""
    lines = []
    local = LocalTimes(period.zone)
    start_ms, end_ms = period.start_ms, period.end_ms
    for r in rows:
        if not start_ms <= r["started_at_ms"] < end_ms or r["usage"] == "talk" or not r["played_ms"]:
            continue
        lines.append((*local.parts(r["started_at_ms"]), r["title"],
                      r["artist"], r["composer"], r["lyricist"], r["isrc"], r["album"], r["label"],
                      hms(r["played_ms"]), r["played_ms"], r["length_ms"], r["usage"], r["show"], r["source"],
                      r["channel"], r["id"]))
    return to_csv(HEADER, lines)
