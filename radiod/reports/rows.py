"""What kind of use a play row is, as the reports count it."""

from __future__ import annotations

from typing import Any, Mapping

# Each report module lists the play columns it reads in COLUMNS: reading a year of rows costs
# more than any report, and most of that cost is per column.
# Usage types that are music use of a recording; the others (jingle, promo, station_id, psa,
# sponsorship, talk) are not counted as music by local-content rules.
MUSIC_USAGES = frozenset({"feature", "theme", "background"})

# A theme or background use of at most this long that is not the whole recording is incidental
# (37 CFR §370.1 excludes incidental performances from reports of use).
INCIDENTAL_MAX_MS = 30_000


def aired(row: Mapping[str, Any]) -> bool:
    """Some of the item actually went out (a play that failed at once did not)."""
    return (row.get("played_ms") or 0) > 0


def is_music(row: Mapping[str, Any]) -> bool:
    return row["usage"] in MUSIC_USAGES and aired(row)


def is_incidental(row: Mapping[str, Any]) -> bool:
    if row.get("exclusion") == "incidental":
        return True
    if row["usage"] not in ("theme", "background"):
        return False
    whole = row.get("length_ms") is not None and row["played_ms"] >= row["length_ms"]
    return row["played_ms"] <= INCIDENTAL_MAX_MS and not whole


def is_reportable_performance(row: Mapping[str, Any]) -> bool:
    """Counts in a SoundExchange report: music that aired, not excluded, not incidental."""
    return is_music(row) and row.get("exclusion", "") == "" and not is_incidental(row)


RecordingKey = tuple[str, str, str, str, str]     # artist, title, ISRC, album, label


def recording_key(row: Mapping[str, Any]) -> RecordingKey:
    """Plays of one recording, as described on air (corrections applied)."""
    return (row["artist"], row["title"], row["isrc"], row["album"], row["label"])


def missing_metadata(row: Mapping[str, Any]) -> list[str]:
    """Which of the fields societies need are blank."""
    return [f for f in ("isrc", "label", "composer") if not (row.get(f) or "").strip()]


def soundexchange_gap(row: Mapping[str, Any]) -> bool:
    """SoundExchange needs the ISRC, or else both album title and marketing label."""
    return not row["isrc"].strip() and not (row["album"].strip() and row["label"].strip())
