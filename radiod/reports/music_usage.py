"""Music usage report in the shape PPL/PRS-style societies ask for: one line per play."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from radiod.reports.csvfile import to_csv
from radiod.reports.period import Period, hms, local_time

HEADER = ("date", "time", "utc_offset", "title", "artist", "composer", "lyricist", "isrc", "album", "label",
          "duration_played", "played_ms", "length_ms", "usage", "show", "source", "channel", "play_id")


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    """Every play that used a recording (talk excluded) started in the period, in air order."""
    lines = []
    for r in rows:
        if not period.contains(r["started_at_ms"]) or r["usage"] == "talk" or not r["played_ms"]:
            continue
        start = local_time(r["started_at_ms"], period.zone)
        offset = start.strftime("%z")
        lines.append((f"{start:%Y-%m-%d}", f"{start:%H:%M:%S}", f"{offset[:3]}:{offset[3:]}", r["title"],
                      r["artist"], r["composer"], r["lyricist"], r["isrc"], r["album"], r["label"],
                      hms(r["played_ms"]), r["played_ms"], r["length_ms"], r["usage"], r["show"], r["source"],
                      r["channel"], r["id"]))
    return to_csv(HEADER, lines)
