"""Read-only queries behind the public pages and the API, and the public shape of a play."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from radiod.clock import iso
from radiod.library import artist_key, split_artists
from radiod.playlog import recent_plays as store_recent_plays, row_dict

MAX_LIMIT = 200


def slug(key: str) -> str:
    """URL id of an artist key ('quiet harbours' → 'quiet-harbours'); keys hold no '-', so it reverses."""
    return key.replace(" ", "-")


def unslug(text: str) -> str:
    return text.replace("-", " ")


def credited(artist: str, keys: list[str]) -> list[dict[str, str]]:
    """[{'id', 'name'}] for each credited artist, names as written where they match a key."""
    names = {artist_key(n): n for n in split_artists(artist)}
    return [{"id": slug(k), "name": names.get(k, k)} for k in keys if k]


def public_play(row: sqlite3.Row) -> dict[str, Any]:
    """What listeners see of a play row (no file paths, no internal fields)."""
    d = row_dict(row)
    return {
        "id": d["id"], "started_at": iso(d["started_at_ms"]), "ended_at": iso(d["ended_at_ms"]),
        "title": d["title"], "artist": d["artist"], "album": d["album"], "show": d["show"],
        "local": d["local"], "artists": credited(d["artist"], d["artist_keys"]),
        "length_ms": d["length_ms"], "played_ms": d["played_ms"],
    }


def recent_plays(conn: sqlite3.Connection, limit: int = 50, before_ms: int | None = None) -> list[sqlite3.Row]:
    """Music plays (usage 'feature'), newest first, at most MAX_LIMIT."""
    return store_recent_plays(conn, limit=max(1, min(limit, MAX_LIMIT)), before_ms=before_ms)


def local_time(ms: int | None, zone, fmt: str | None = None) -> str:
    """A play's time in the station's zone: 'Wed 02 Dec 19:05' in the page's language, or ``fmt`` (strftime)."""
    if ms is None:
        return ""
    moment = datetime.fromtimestamp(ms / 1000, tz=zone)
    if fmt is None:
        from radiod_web import i18n
        return i18n.short(moment)
    return moment.strftime(fmt)
