"""Reads and writes of the library's tables for callers outside the scanner and the planner's
loader: manager overrides (``track_overrides``), artist credits and track rows by id."""

from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator, Mapping

from radiod.store import transaction

_CHUNK = 500          # ids per query, well below SQLite's limit on bound parameters


def overrides(conn: sqlite3.Connection, track_id: int) -> dict[str, str | None]:
    """{field: value} the manager set for one track."""
    rows = conn.execute("SELECT field, value FROM track_overrides WHERE track_id = ?", (track_id,))
    return {r[0]: r[1] for r in rows}


def set_overrides(conn: sqlite3.Connection, track_id: int, values: Mapping[str, str], *, changed_by: str,
                  changed_at_ms: int) -> None:
    """Set each field to its value ('' drops the override), all in one transaction."""
    with transaction(conn):
        for field, value in values.items():
            if value:
                conn.execute("INSERT INTO track_overrides (track_id, field, value, changed_by, changed_at_ms) "
                             "VALUES (?, ?, ?, ?, ?) ON CONFLICT (track_id, field) DO UPDATE SET "
                             "value = excluded.value, changed_by = excluded.changed_by, "
                             "changed_at_ms = excluded.changed_at_ms",
                             (track_id, field, value, changed_by, changed_at_ms))
            else:
                conn.execute("DELETE FROM track_overrides WHERE track_id = ? AND field = ?", (track_id, field))


def playable_credits(conn: sqlite3.Connection) -> Iterator[tuple[int, str, str, str, str]]:
    """(track id, path, artist credit, credited name, artist key) of playable tracks, by path and position."""
    yield from conn.execute(
        "SELECT t.id, t.path, t.artist, ta.name, ta.artist_key FROM track_artists ta"
        " JOIN tracks t ON t.id = ta.track_id WHERE t.status = 'ok' ORDER BY t.path, ta.position")


def untagged_paths(conn: sqlite3.Connection) -> list[str]:
    """Paths of playable tracks that credit no artist."""
    return [row[0] for row in conn.execute(
        "SELECT path FROM tracks t WHERE status = 'ok'"
        " AND NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = t.id) ORDER BY path")]


def artist_name(conn: sqlite3.Connection, key: str) -> str | None:
    """A name the library credits the artist under, or None when no track credits them."""
    row = conn.execute("SELECT name FROM track_artists WHERE artist_key = ? LIMIT 1", (key,)).fetchone()
    return row[0] if row else None


def track_rows(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """Whole ``tracks`` rows by id."""
    ids = list(ids)
    rows: dict[int, sqlite3.Row] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for row in conn.execute(f"SELECT * FROM tracks WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            rows[row["id"]] = row
    return rows


def track_credits(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, list[dict[str, str]]]:
    """{track id: [{'name', 'key'}]} in credit order."""
    ids = list(ids)
    credits: dict[int, list[dict[str, str]]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for track_id, name, key in conn.execute(
                f"SELECT track_id, name, artist_key FROM track_artists WHERE track_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY track_id, position", chunk):
            credits.setdefault(track_id, []).append({"name": name, "key": key})
    return credits
