"""The schedule's table in the database: ``History``, the changes made to the schedule files."""

from __future__ import annotations

import difflib
import sqlite3
from typing import Any

from radiod.store import transaction


def diff(before: str, after: str, name: str) -> str:
    """A unified diff of one file's text before and after a change."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


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
        return int(cur.lastrowid or 0)

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
