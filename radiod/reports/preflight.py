"""Metadata gaps to fix before a deadline: recordings played without ISRC, label or composer."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from radiod.csvfile import to_csv
from radiod.reports.period import Period
from radiod.reports.rows import is_music, missing_metadata, recording_key, soundexchange_gap

COLUMNS = ("started_at_ms", "played_ms", "usage", "artist", "title", "album", "label", "isrc", "composer",
           "track_id")

HEADER = ("plays", "played_ms", "artist", "title", "album", "label", "isrc", "composer", "missing",
          "blocks_soundexchange", "track_id")


def gaps(rows: Iterable[Mapping[str, Any]], period: Period) -> list[dict[str, Any]]:
    """Recordings with gaps, most played first."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        if not period.contains(r["started_at_ms"]) or not is_music(r):
            continue
        missing = missing_metadata(r)
        if not missing:
            continue
        g = found.setdefault(recording_key(r) + (r["composer"],), {
            "artist": r["artist"], "title": r["title"], "album": r["album"], "label": r["label"],
            "isrc": r["isrc"], "composer": r["composer"], "missing": missing,
            "blocks_soundexchange": soundexchange_gap(r), "track_id": r["track_id"], "plays": 0, "played_ms": 0})
        g["plays"] += 1
        g["played_ms"] += r["played_ms"]
    return sorted(found.values(), key=lambda g: (-g["plays"], -g["played_ms"], g["artist"].casefold(),
                                                 g["title"].casefold()))


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    return to_csv(HEADER, [
        (g["plays"], g["played_ms"], g["artist"], g["title"], g["album"], g["label"], g["isrc"], g["composer"],
         " ".join(g["missing"]), "yes" if g["blocks_soundexchange"] else "no", g["track_id"])
        for g in gaps(rows, period)])
