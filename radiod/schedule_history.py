"""The schedule's table in the database, ``schedule_changes`` (created by radiod.schedule.schema):
the history of edits made from the panel (who, when, before, after), kept so the last one can be
undone and every version of a file is known. Outside radiod.schedule, which stays pure."""

from __future__ import annotations

import sqlite3
from typing import Any

from radiod.db import transaction
from radiod.schedule.edit import diff


class History:
    """Schedule changes in the database (``schedule_changes``, see radiod.schedule.schema)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def record(self, *, file: str, user: str, at_ms: int, before: str, after: str, summary: str,
               kind: str = "edit") -> int:
        with transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO schedule_changes (file, user, at_ms, before, after, summary, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (file, user, at_ms, before, after, summary, kind))
        assert cur.lastrowid is not None    # an INSERT always sets it
        return cur.lastrowid

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM schedule_changes ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r, diff=diff(r["before"], r["after"], r["file"])) for r in rows]

    def last_undoable(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM schedule_changes WHERE kind = 'edit' AND undone_at_ms IS NULL "
                                "ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None

    def mark_undone(self, change_id: int, at_ms: int) -> None:
        with transaction(self.conn):
            self.conn.execute("UPDATE schedule_changes SET undone_at_ms = ? WHERE id = ?", (at_ms, change_id))

    def file_versions(self, file: str) -> list[str]:
        """Every text ``file`` had, as recorded by changes (oldest first, repeats removed)."""
        seen: dict[str, None] = {}
        for r in self.conn.execute("SELECT before, after FROM schedule_changes WHERE file = ? ORDER BY id",
                                   (file,)):
            seen.setdefault(r[0])
            seen.setdefault(r[1])
        return list(seen)
