"""Music usage report in the shape PPL/PRS-style societies ask for: one line per play."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from radiod.csvfile import to_csv
from radiod.localtimes import LocalTimes
from radiod.reports.period import Period, hms

COLUMNS = ("id", "started_at_ms", "played_ms", "usage", "title", "artist", "composer", "lyricist", "isrc", "album",
           "label", "length_ms", "show", "source", "channel")

HEADER = ("date", "time", "utc_offset", "title", "artist", "composer", "lyricist", "isrc", "album", "label",
          "duration_played", "played_ms", "length_ms", "usage", "show", "source", "channel", "play_id")


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    """Every play that used a recording (talk excluded) started in the period, in air order."""
    lines = []
    parts = LocalTimes(period.zone).parts
    start_ms, end_ms = period.start_ms, period.end_ms
    durations: dict[int, str] = {}          # most plays last a whole track: few distinct durations
    for r in rows:
        if not start_ms <= r["started_at_ms"] < end_ms or r["usage"] == "talk" or not r["played_ms"]:
            continue
        played = r["played_ms"]
        duration = durations.get(played)
        if duration is None:
            duration = durations[played] = hms(played)
        lines.append((*parts(r["started_at_ms"]), r["title"],
                      r["artist"], r["composer"], r["lyricist"], r["isrc"], r["album"], r["label"],
                      duration, played, r["length_ms"], r["usage"], r["show"], r["source"],
                      r["channel"], r["id"]))
    return to_csv(HEADER, lines)
