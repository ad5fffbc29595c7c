"""Reads and writes of the library's tables for callers outside the scanner and the planner's
loader: manager overrides (``track_overrides``), artist credits and track rows by id."""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable, Iterator, Mapping

from radiod.db import transaction

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


# -- the scanner (radiod.library.scan) -----------------------------------------------------------

SCAN_COLUMNS = ("path", "size", "mtime_ns", "content_hash", "status", "reason", "warnings",
                "missing_since_ms", "local_tag", "format", "codec", "bitrate", "sample_rate", "channels",
                "length_ms", "title", "artist", "album", "album_artist", "label", "isrc", "composer", "lyricist",
                "release_date", "year", "language", "genre", "replaygain_track_gain_db", "replaygain_track_peak",
                "scanned_at_ms")
_INSERT = f"INSERT INTO tracks ({', '.join(SCAN_COLUMNS)}) VALUES ({', '.join('?' * len(SCAN_COLUMNS))})"
_UPDATE = f"UPDATE tracks SET {', '.join(c + ' = ?' for c in SCAN_COLUMNS)} WHERE id = ?"


def known_under(conn: sqlite3.Connection, low: str, high: str) -> Iterator[tuple]:
    """(path, id, size, mtime_ns, status, reason) of the rows with low <= path < high, as tuples."""
    cursor = conn.execute("SELECT path, id, size, mtime_ns, status, reason FROM tracks"
                          " WHERE path >= ? AND path < ?", (low, high))
    cursor.row_factory = None       # plain tuples: this runs for every file on every scan
    yield from cursor


def content_hash_of(conn: sqlite3.Connection, track_id: int) -> str | None:
    return conn.execute("SELECT content_hash FROM tracks WHERE id = ?", (track_id,)).fetchone()[0]


def insert_track(conn: sqlite3.Connection, values: tuple) -> int:
    """A new tracks row from values in SCAN_COLUMNS order; returns its id."""
    return int(conn.execute(_INSERT, values).lastrowid or 0)


def update_track(conn: sqlite3.Connection, track_id: int, values: tuple) -> None:
    """Rewrite a tracks row from values in SCAN_COLUMNS order."""
    conn.execute(_UPDATE, (*values, track_id))


def mark_missing(conn: sqlite3.Connection, track_ids: Iterable[int], at_ms: int) -> None:
    conn.executemany("UPDATE tracks SET status = 'missing', missing_since_ms = ? WHERE id = ?",
                     [(at_ms, track_id) for track_id in track_ids])


def set_credits(conn: sqlite3.Connection, track_id: int, credits: Iterable[tuple[str, str]], *,
                replace: bool = True) -> None:
    """The track's credited (name, artist key) pairs, in order (``replace``: drop the old ones)."""
    if replace:
        conn.execute("DELETE FROM track_artists WHERE track_id = ?", (track_id,))
    conn.executemany("INSERT INTO track_artists (track_id, position, name, artist_key) VALUES (?, ?, ?, ?)",
                     [(track_id, i, name, key) for i, (name, key) in enumerate(credits)])


def with_content(conn: sqlite3.Connection, content_hash: str | None) -> list[tuple[int, str, str]]:
    """(id, path, status) of the rows holding this content, oldest first."""
    return [tuple(r) for r in conn.execute(
        "SELECT id, path, status FROM tracks WHERE content_hash = ? ORDER BY id", (content_hash,))]


def find_duplicates(conn: sqlite3.Connection) -> list[list[str]]:
    """Groups of playable files with identical content (sorted paths, groups sorted)."""
    rows = conn.execute(
        "SELECT content_hash, path FROM tracks WHERE status = 'ok' AND content_hash IN ("
        " SELECT content_hash FROM tracks WHERE status = 'ok' GROUP BY content_hash HAVING COUNT(*) > 1)"
        " ORDER BY content_hash, path").fetchall()
    groups: dict[str, list[str]] = {}
    for content_hash, path in rows:
        groups.setdefault(content_hash, []).append(path)
    return sorted(groups.values())


# -- the analysis pass (radiod.library.analyze) ---------------------------------------------------

def unanalysed(conn: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    """(content_hash, path, format) of each playable content without an analysis row, one path
    per hash (SQLite takes the bare ``format`` from the row that MIN picks)."""
    rows = conn.execute(
        "SELECT t.content_hash, MIN(t.path), t.format FROM tracks t"
        " WHERE t.status = 'ok' AND t.content_hash IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM analysis a WHERE a.content_hash = t.content_hash)"
        " GROUP BY t.content_hash ORDER BY MIN(t.path)").fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def analysed_count(conn: sqlite3.Connection) -> int:
    """Playable tracks whose content has an analysis row."""
    return int(conn.execute("SELECT COUNT(*) FROM tracks t JOIN analysis a ON a.content_hash = t.content_hash"
                            " WHERE t.status = 'ok'").fetchone()[0])


def store_analysis(conn: sqlite3.Connection, content_hash: str, values: tuple, error: str | None,
                   at_ms: int) -> None:
    """(loudness_lufs, true_peak_dbtp, cue_in_ms, cue_out_ms, decoded_length_ms) of a content, or its error."""
    conn.execute("INSERT OR REPLACE INTO analysis (content_hash, loudness_lufs, true_peak_dbtp, cue_in_ms,"
                 " cue_out_ms, decoded_length_ms, error, analyzed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (content_hash, *values, error, at_ms))


# -- the loader (radiod.library.query) ------------------------------------------------------------

_PLAYABLE = """
    SELECT t.id, t.path, t.title, t.artist, t.album, t.label, t.isrc, t.composer, t.lyricist,
           t.release_date, t.genre, t.language, t.length_ms, t.local_tag, t.content_hash,
           a.decoded_length_ms, a.cue_in_ms, a.cue_out_ms, a.loudness_lufs, a.true_peak_dbtp
    FROM tracks t LEFT JOIN analysis a ON a.content_hash = t.content_hash
    WHERE t.status = 'ok' AND (a.error IS NULL OR a.content_hash IS NULL) {extra}
    ORDER BY t.id
"""


def playable_rows(conn: sqlite3.Connection, track_id: int | None = None) -> Iterator[tuple]:
    """Playable tracks with their analysis (one track when ``track_id`` is given), by id, as
    tuples streamed from the cursor; the columns in the order radiod.library.query reads them."""
    if track_id is None:
        cursor = conn.execute(_PLAYABLE.format(extra=""))
    else:
        cursor = conn.execute(_PLAYABLE.format(extra="AND t.id = ?"), (track_id,))
    cursor.row_factory = None       # plain tuples: the planner reads every playable track
    yield from cursor


def playable_rows_among(conn: sqlite3.Connection, ids: Iterable[int]) -> list[sqlite3.Row]:
    """The playable tracks among ``ids``, as playable_rows reads them."""
    return conn.execute(_PLAYABLE.format(extra="AND t.id IN (SELECT value FROM json_each(?))"),
                        (json.dumps(sorted(set(ids))),)).fetchall()


def ids_by_isrc_or_artist(conn: sqlite3.Connection, isrcs: Iterable[str], artist_keys: Iterable[str]) -> set[int]:
    """Tracks with one of ``isrcs``, credited to one of ``artist_keys``, or overridden by a manager
    (an override may change either): the only tracks a tracklist entry can match. Indexed lookups."""
    rows = conn.execute(
        "SELECT track_id FROM track_artists WHERE artist_key IN (SELECT value FROM json_each(?))"
        " UNION SELECT id FROM tracks WHERE isrc IN (SELECT value FROM json_each(?))"
        " UNION SELECT track_id FROM track_overrides",
        (json.dumps(sorted(set(artist_keys))), json.dumps(sorted(set(isrcs)))))
    return {int(row[0]) for row in rows}


def tagged_length(conn: sqlite3.Connection, path: str) -> int:
    """The length the tag scan read from a file's headers (ms; 0 when unknown)."""
    row = conn.execute("SELECT length_ms FROM tracks WHERE path = ?", (path,)).fetchone()
    return int(row[0] or 0) if row else 0


def playable_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM tracks t LEFT JOIN analysis a ON a.content_hash = t.content_hash"
                            " WHERE t.status = 'ok' AND (a.error IS NULL OR a.content_hash IS NULL)").fetchone()[0])


def search_filter(q: str, local: str, missing: str, *, without_ids: list[int] | None = None,
                  only_ids: list[int] | None = None, local_by_tag: bool = False) -> tuple[str, list[object]]:
    """SQL conditions for the Library search (radiod.library.query.search_tracks): ``q`` in title,
    artist, album or path (LIKE: ASCII case folding), a ``missing`` field empty, and for ``local``
    the tag (exact when ``local_by_tag``, else a superset the registry narrows in Python)."""
    where: list[str] = []
    args: list[object] = []
    if len(q) >= 3:                      # the trigram index: a phrase matches as a substring of a field
        where.append("t.id IN (SELECT rowid FROM track_text WHERE track_text MATCH ?)")
        args.append('"' + q.replace('"', '""') + '"')
    elif q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(" + " OR ".join(f"t.{c} LIKE ? ESCAPE '\\'" for c in ("title", "artist", "album", "path")) + ")")
        args += [pattern] * 4
    if local == "yes" and local_by_tag:
        where.append("t.local_tag = 1")
    elif local == "no":
        where.append("(t.local_tag = 0 OR t.local_tag IS NULL)")
    if missing:
        where.append(f"(t.{missing} IS NULL OR t.{missing} = '')")
    if without_ids:
        where.append(f"t.id NOT IN ({','.join('?' * len(without_ids))})")
        args += without_ids
    if only_ids is not None:
        where.append(f"t.id IN ({','.join('?' * len(only_ids))})")
        args += only_ids
    return "".join(f" AND {w}" for w in where), args


_SEARCH = _PLAYABLE.replace("a.true_peak_dbtp\n", "a.true_peak_dbtp, (SELECT group_concat(artist_key, char(31)) FROM"
                            " (SELECT artist_key FROM track_artists ta WHERE ta.track_id = t.id ORDER BY position))\n")


def search_rows(conn: sqlite3.Connection, where: str, args: list[object], *, limit: int | None = None
                ) -> Iterator[tuple]:
    """Playable rows (as playable_rows) passing ``where``, each with its artist keys joined by
    U+001F, by id, streamed from the cursor."""
    sql = _SEARCH.format(extra=where) + (f" LIMIT {int(limit)}" if limit is not None else "")
    yield from conn.execute(sql, args)


def search_count(conn: sqlite3.Connection, where: str, args: list[object]) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM tracks t LEFT JOIN analysis a ON a.content_hash = t.content_hash"
                            f" WHERE t.status = 'ok' AND (a.error IS NULL OR a.content_hash IS NULL) {where}",
                            args).fetchone()[0])


def credit_keys(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """{track id: artist keys in credit order} of every track (of ``ids`` when given)."""
    credits: dict[int, list[str]] = {}
    among, args = "", ()                   # type: tuple[str, tuple[str, ...]]
    if ids is not None:
        among, args = " WHERE track_id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(set(ids))),)
    for track_id, key in conn.execute(f"SELECT track_id, artist_key FROM track_artists{among}"
                                      " ORDER BY track_id, position", args):
        credits.setdefault(track_id, []).append(key)
    return credits


def all_overrides(conn: sqlite3.Connection) -> dict[int, dict[str, str | None]]:
    """{track id: {field: value}} of every manager override."""
    found: dict[int, dict[str, str | None]] = {}
    for track_id, name, value in conn.execute("SELECT track_id, field, value FROM track_overrides"):
        found.setdefault(track_id, {})[name] = value
    return found
