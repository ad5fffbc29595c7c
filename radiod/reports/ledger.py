"""Artist ledger: every play of one artist in a period, with the chain digest to check it against.

Shape (JSON-ready; the web panel renders it)::

    {"artist_key": "quiet harbours", "artist": "The Quiet Harbours",
     "period": {"from": "2026-11-01", "to": "2026-11-30", "timezone": "America/Toronto"},
     "totals": {"plays": 12, "played_ms": 2160000, "tracks": 3},
     "tracks": [{"title": "…", "album": "…", "isrc": "…", "plays": 5, "played_ms": 900000}, …],
     "plays": [{"play_id": 812, "seq": 811, "date": "2026-11-03", "started_at": "2026-11-03T14:02:11.250-05:00",
                "title": "…", "album": "…", "show": "…", "usage": "feature", "played_ms": 180000,
                "hash": "…"}, …],
     "chain": {"digest": [{"date": "2026-11-03", "rows": 402, "last_seq": 1200, "last_hash": "…"}, …]}}

Each play carries its chain ``seq`` and ``hash``; ``chain.digest`` is the published daily digest
for the period, so an artist can check a play is in the log the station committed to.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

from radiod.library.artists import artist_key, split_artists
from radiod.localtimes import LocalTimes
from radiod.reports.period import Period
from radiod.reports.rows import aired


COLUMNS = ("id", "seq", "hash", "started_at_ms", "played_ms", "usage", "title", "artist", "artist_keys", "album",
           "isrc", "show")


def artist_ledger(rows: Iterable[Mapping[str, Any]], artist: str, period: Period,
                  digest: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Plays credited to ``artist`` (a name or key, matched by artist_key) started in the period."""
    key = artist_key(artist)
    plays: list[dict[str, Any]] = []
    credits: Counter[str] = Counter()
    tracks: dict[tuple[str, str, str], dict[str, Any]] = {}
    local = LocalTimes(period.zone)
    for r in rows:
        if not period.contains(r["started_at_ms"]) or not aired(r) or key not in r["artist_keys"]:
            continue
        names = [n for n in split_artists(r["artist"]) if artist_key(n) == key]
        credits[names[0] if names else r["artist"]] += 1
        started_at = local.iso(r["started_at_ms"])
        plays.append({"play_id": r["id"], "seq": r["seq"], "date": started_at[:10],
                      "started_at": started_at, "title": r["title"],
                      "artist": r["artist"], "album": r["album"], "show": r["show"], "usage": r["usage"],
                      "played_ms": r["played_ms"], "hash": r["hash"]})
        t = tracks.setdefault((r["title"], r["album"], r["isrc"]), {"title": r["title"], "album": r["album"],
                                                                  "isrc": r["isrc"], "plays": 0, "played_ms": 0})
        t["plays"] += 1
        t["played_ms"] += r["played_ms"]
    return {
        "artist_key": key,
        "artist": credits.most_common(1)[0][0] if credits else artist,
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat(), "timezone": period.zone.key},
        "totals": {"plays": len(plays), "played_ms": sum(p["played_ms"] for p in plays), "tracks": len(tracks)},
        "tracks": sorted(tracks.values(), key=lambda t: (-t["plays"], t["title"].casefold())),
        "plays": plays,
        "chain": {"digest": list(digest or [])},
    }
