"""A hand-checked month of plays at a Toronto station, written through the real PlayLog into SQLite.

March 2026 in America/Toronto: the month starts at 05:00 UTC on 1 March, clocks go forward at
02:00 on 8 March, and the month ends at 04:00 UTC on 1 April. Play 1 starts on 28 February at
23:58 local (already March in UTC) and ends in March: it belongs to February. Play 12 starts at
00:05 local on 1 April (still March in UTC): it belongs to April.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from radiod.playlog.store import PlayLog, read_plays
from radiod.store import open_db

ZONE = ZoneInfo("America/Toronto")

ZOE = {"track_id": 1, "title": "Crème Brûlée", "artist": "Zoë Ashcroft", "artist_keys": ["zoe ashcroft"],
       "album": "Pâtisserie", "label": "Maison Records", "isrc": "CAXYZ2600001", "composer": "Zoë Ashcroft",
       "length_ms": 180_000, "local": True}
KINO = {"track_id": 2, "title": "Группа крови", "artist": "Кино", "artist_keys": ["кино"], "album": "Группа крови",
        "label": "Мелодия", "isrc": "RUA018800001", "composer": "Виктор Цой", "lyricist": "Виктор Цой",
        "length_ms": 285_500, "local": False}
HARBOURS = {"track_id": 3, "title": "Harbour Lights (Live at the Rivoli)", "artist": "The Quiet Harbours",
            "artist_keys": ["quiet harbours"], "album": "Live at the Rivoli, Toronto",
            "label": "Ferry Tale Records | Harbour Co-op", "isrc": "", "composer": "", "length_ms": 240_000,
            "local": True}
STATION_ID = {"track_id": 4, "title": "Radio Fjörd ID", "length_ms": 8_000}
NANDU = {"track_id": 5, "title": "Ñandú", "artist": "Mike Dean x Mïa", "artist_keys": ["mike dean", "mia"],
         "album": "Fauna", "label": "Pampa", "isrc": "USABC2612345", "composer": "Mike Dean", "length_ms": 200_000,
         "local": False}
GREENSLEEVES = {"track_id": 6, "title": "Greensleeves", "artist": "Traditional", "artist_keys": ["traditional"],
                "album": "Old Airs", "label": "Folk Archive", "composer": "Traditional", "length_ms": 150_000}
ILE = {"track_id": 7, "title": "Île", "artist": "Zoë Ashcroft", "artist_keys": ["zoe ashcroft"], "album": "Pâtisserie",
       "label": "Maison Records", "isrc": "CAXYZ2600002", "length_ms": 170_000, "local": True}

# (local start, snapshot, played_ms, usage, source, show, listeners at start, extra)
PLAYS = [
    ((2026, 2, 28, 23, 58, 0), ZOE, 180_000, "feature", "rotation", "Night Owls", 9, {}),
    ((2026, 3, 1, 0, 2, 0), ZOE, 180_000, "feature", "rotation", "Night Owls", 10, {}),
    ((2026, 3, 1, 0, 5, 30), KINO, 285_500, "feature", "rotation", "Night Owls", 12, {}),
    ((2026, 3, 1, 0, 10, 16), HARBOURS, 240_000, "feature", "rotation", "Night Owls", 12, {"poll": (60_000, 15)}),
    ((2026, 3, 1, 0, 14, 16), STATION_ID, 8_000, "station_id", "rotation", "Night Owls", 15, {}),
    ((2026, 3, 8, 1, 59, 0), ZOE, 120_000, "feature", "rotation", "Night Owls", 4, {"end_reason": "skipped"}),
    ((2026, 3, 8, 3, 1, 0), NANDU, 20_000, "theme", "show", "Sunrise", 4, {"end_reason": "cut"}),
    ((2026, 3, 15, 12, 0, 0), GREENSLEEVES, 150_000, "feature", "show", "Folk Hour", 8, {"exclusion": "public_domain"}),
    ((2026, 3, 15, 12, 2, 30), {"title": "Folk Hour (live)"}, 600_000, "talk", "live", "Folk Hour", 8, {}),
    ((2026, 3, 20, 9, 0, 0), ILE, 0, "feature", "rotation", "", 5, {"end_reason": "failed", "detail": "cannot decode"}),
    ((2026, 3, 31, 23, 30, 0), HARBOURS, 240_000, "feature", "rotation", "Late Tide", 20, {}),
    ((2026, 4, 1, 0, 5, 0), ZOE, 180_000, "feature", "rotation", "Late Tide", 3, {}),
]


def local_ms(y, mo, d, h, mi, s) -> int:
    return round(datetime(y, mo, d, h, mi, s, tzinfo=ZONE).timestamp() * 1000)


def build(path) -> list[dict]:
    """Write the plays into a fresh database at ``path``; returns the closed rows as reports read them."""
    conn = open_db(path)
    log = PlayLog(conn)
    for n, (start, snap, played, usage, source, show, listeners, extra) in enumerate(PLAYS, start=1):
        t = local_ms(*start)
        pid = log.open_play(started_at_ms=t, planned_start_ms=t, source=source, usage=usage, show=show,
                            snapshot=snap, item_key=f"fixture-{n}", exclusion=extra.get("exclusion", ""),
                            listeners=listeners)
        if "poll" in extra:
            after, count = extra["poll"]
            log.record_listeners(t + after, count)
        log.close_play(pid, ended_at_ms=t + played, played_ms=played, end_reason=extra.get("end_reason", "end"),
                       detail=extra.get("detail", ""))
    rows = read_plays(conn)
    conn.close()
    return rows
