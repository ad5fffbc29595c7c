"""Every statement on the episode tables (radiod/episodes/schema.py)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from radiod.db import transaction


@dataclass(frozen=True)
class EpisodeFile:
    format: str           # mp3 | aac
    name: str             # path under the public folder: <show id>/<file>
    bytes: int
    type: str             # its MIME type


@dataclass(frozen=True)
class Episode:
    id: int
    show_id: str
    aired_from_ms: int
    aired_to_ms: int
    cut_from_ms: int
    cut_to_ms: int
    status: str
    hidden: bool
    revision: int
    title: str
    rights: str
    length_ms: int | None
    files: tuple[EpisodeFile, ...]
    chapters: tuple[dict[str, Any], ...]   # {at_ms, title, artist, music, clipped, aired_at_ms}
    gaps: tuple[dict[str, Any], ...]       # {at_ms, from_ms, to_ms, missing_ms}
    detail: str
    created_at_ms: int
    cut_at_ms: int | None

    @property
    def public(self) -> bool:
        """Listed on the public pages and in the feeds."""
        return self.status == "ready" and not self.hidden


@dataclass(frozen=True)
class HistoryRow:
    episode_id: int
    at_ms: int
    actor: str
    action: str
    detail: str


def _episode(row: sqlite3.Row) -> Episode:
    return Episode(
        id=row["id"], show_id=row["show_id"], aired_from_ms=row["aired_from_ms"], aired_to_ms=row["aired_to_ms"],
        cut_from_ms=row["cut_from_ms"], cut_to_ms=row["cut_to_ms"], status=row["status"],
        hidden=bool(row["hidden"]), revision=row["revision"], title=row["title"], rights=row["rights"],
        length_ms=row["length_ms"], files=tuple(EpisodeFile(**f) for f in json.loads(row["files"])),
        chapters=tuple(json.loads(row["chapters"])), gaps=tuple(json.loads(row["gaps"])), detail=row["detail"],
        created_at_ms=row["created_at_ms"], cut_at_ms=row["cut_at_ms"])


def _rows(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> list[Episode]:
    cur = conn.execute(sql, args)
    cur.row_factory = sqlite3.Row
    return [_episode(r) for r in cur.fetchall()]


def add_pending(conn: sqlite3.Connection, *, show_id: str, aired_from_ms: int, aired_to_ms: int, title: str,
                now_ms: int) -> int | None:
    """A new episode waiting to be cut; None when that airing already has one."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO episodes (show_id, aired_from_ms, aired_to_ms, cut_from_ms, cut_to_ms, status,"
        " title, created_at_ms) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        (show_id, aired_from_ms, aired_to_ms, aired_from_ms, aired_to_ms, title, now_ms))
    return cur.lastrowid if cur.rowcount else None


def pending(conn: sqlite3.Connection) -> list[Episode]:
    return _rows(conn, "SELECT * FROM episodes WHERE status = 'pending' ORDER BY aired_from_ms, id", ())


def get(conn: sqlite3.Connection, episode_id: int) -> Episode | None:
    found = _rows(conn, "SELECT * FROM episodes WHERE id = ?", (episode_id,))
    return found[0] if found else None


def of_show(conn: sqlite3.Connection, show_id: str, *, public_only: bool = True, limit: int = 500) -> list[Episode]:
    """A show's episodes, newest first (deleted ones never)."""
    where = "status = 'ready' AND hidden = 0" if public_only else "status != 'deleted'"
    return _rows(conn, f"SELECT * FROM episodes WHERE show_id = ? AND {where}"
                       " ORDER BY aired_from_ms DESC, id DESC LIMIT ?", (show_id, limit))


def every(conn: sqlite3.Connection, *, public_only: bool = True, limit: int = 500) -> list[Episode]:
    where = "status = 'ready' AND hidden = 0" if public_only else "status != 'deleted'"
    return _rows(conn, f"SELECT * FROM episodes WHERE {where} ORDER BY aired_from_ms DESC, id DESC LIMIT ?",
                 (limit,))


def known_airings(conn: sqlite3.Connection, since_ms: int) -> set[tuple[str, int]]:
    """(show id, aired_from_ms) of the episodes of airings since ``since_ms``, in any state."""
    return {(r[0], r[1]) for r in conn.execute(
        "SELECT show_id, aired_from_ms FROM episodes WHERE aired_to_ms >= ?", (since_ms,))}


def mark_ready(conn: sqlite3.Connection, episode_id: int, *, files: list[EpisodeFile], length_ms: int,
               chapters: list[dict[str, Any]], gaps: list[dict[str, Any]], rights: str, now_ms: int,
               revision: int | None = None) -> bool:
    """Record a finished cut; False (nothing changed) when the episode was deleted, or re-cut
    again (``revision`` no longer its own), while it was being cut."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE episodes SET status = 'ready', files = ?, length_ms = ?, chapters = ?, gaps = ?,"
            " rights = ?, detail = '', cut_at_ms = ? WHERE id = ? AND status = 'pending' AND revision = ?",
            (json.dumps([f.__dict__ for f in files]), length_ms, json.dumps(chapters), json.dumps(gaps),
             rights, now_ms, episode_id, revision if revision is not None else _revision(conn, episode_id)))
        if not cur.rowcount:
            return False
        _history(conn, episode_id, now_ms, "radiod", "cut", f"{length_ms} ms, {len(gaps)} gap(s)")
    return True


def _revision(conn: sqlite3.Connection, episode_id: int) -> int:
    row = conn.execute("SELECT revision FROM episodes WHERE id = ?", (episode_id,)).fetchone()
    return int(row[0]) if row else -1


def mark_failed(conn: sqlite3.Connection, episode_id: int, detail: str, now_ms: int) -> None:
    with transaction(conn):
        conn.execute("UPDATE episodes SET status = 'failed', detail = ? WHERE id = ? AND status = 'pending'",
                     (detail, episode_id))
        _history(conn, episode_id, now_ms, "radiod", "failed", detail)


def set_hidden(conn: sqlite3.Connection, episode_id: int, hidden: bool, *, actor: str, now_ms: int) -> None:
    with transaction(conn):
        conn.execute("UPDATE episodes SET hidden = ? WHERE id = ?", (int(hidden), episode_id))
        _history(conn, episode_id, now_ms, actor, "hide" if hidden else "show", "")


def mark_deleted(conn: sqlite3.Connection, episode_id: int, *, actor: str, now_ms: int, action: str = "delete") -> None:
    with transaction(conn):
        conn.execute("UPDATE episodes SET status = 'deleted', files = '[]' WHERE id = ?", (episode_id,))
        _history(conn, episode_id, now_ms, actor, action, "")


def request_recut(conn: sqlite3.Connection, episode_id: int, *, from_ms: int, to_ms: int, actor: str,
                  now_ms: int) -> None:
    """Cut again between new boundaries (the daemon's worker does it); the old files stay until then."""
    with transaction(conn):
        conn.execute("UPDATE episodes SET status = 'pending', cut_from_ms = ?, cut_to_ms = ?,"
                     " revision = revision + 1 WHERE id = ?", (from_ms, to_ms, episode_id))
        _history(conn, episode_id, now_ms, actor, "recut", f"{from_ms}..{to_ms}")


def history(conn: sqlite3.Connection, episode_id: int) -> list[HistoryRow]:
    return [HistoryRow(*r) for r in conn.execute(
        "SELECT episode_id, at_ms, actor, action, detail FROM episode_history WHERE episode_id = ? ORDER BY id",
        (episode_id,))]


def _history(conn: sqlite3.Connection, episode_id: int, at_ms: int, actor: str, action: str, detail: str) -> None:
    conn.execute("INSERT INTO episode_history (episode_id, at_ms, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
                 (episode_id, at_ms, actor, action, detail))
