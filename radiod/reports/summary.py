"""Per recording: how often it played and for how long, most played first."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from radiod.csvfile import to_csv
from radiod.localtimes import LocalTimes
from radiod.reports.period import Period, hms
from radiod.reports.rows import RecordingKey, recording_key

COLUMNS = ("started_at_ms", "played_ms", "usage", "artist", "title", "album", "label", "isrc", "composer", "local")

HEADER = ("artist", "title", "album", "label", "isrc", "composer", "local", "plays", "played_ms",
          "seconds_played", "duration_played", "first_played", "last_played")


def summarize(rows: Iterable[Mapping[str, Any]], period: Period) -> list[dict[str, Any]]:
    """One dict per recording (artist, title, ISRC, album, label) that aired in the period."""
    by_key: dict[RecordingKey, dict[str, Any]] = {}
    start_ms, end_ms = period.start_ms, period.end_ms
    for r in rows:
        if not start_ms <= r["started_at_ms"] < end_ms or r["usage"] == "talk" or not r["played_ms"]:
            continue
        s = by_key.setdefault(recording_key(r), {
            "artist": r["artist"], "title": r["title"], "album": r["album"], "label": r["label"],
            "isrc": r["isrc"], "composer": r["composer"], "local": bool(r["local"]), "plays": 0,
            "played_ms": 0, "first_ms": r["started_at_ms"], "last_ms": r["started_at_ms"]})
        s["plays"] += 1
        s["played_ms"] += r["played_ms"]
        s["first_ms"] = min(s["first_ms"], r["started_at_ms"])
        s["last_ms"] = max(s["last_ms"], r["started_at_ms"])
    return sorted(by_key.values(), key=lambda s: (-s["plays"], -s["played_ms"], s["artist"].casefold(),
                                                  s["title"].casefold(), s["isrc"]))


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    local = LocalTimes(period.zone)
    return to_csv(HEADER, [
        (s["artist"], s["title"], s["album"], s["label"], s["isrc"], s["composer"], int(s["local"]), s["plays"],
         s["played_ms"], (s["played_ms"] + 500) // 1000, hms(s["played_ms"]),
         local.iso(s["first_ms"]), local.iso(s["last_ms"]))
        for s in summarize(rows, period)])
