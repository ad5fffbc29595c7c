"""Edits to the schedule files that keep them clean text: tomlkit changes only the values touched,
so comments and layout survive. Every edit is checked on a copy of the folder with the checks of
``radiod check`` before anything is written; writes are atomic; changes are kept as history rows
(who, when, before and after) so the last one can be undone.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

import tomlkit
from tomlkit.exceptions import TOMLKitError

from radiod.errors import ScheduleError
from radiod.library.model import Track
from radiod.schedule.check import check_library, check_schedule
from radiod.schedule.parse import parse_schedule
from radiod.store import transaction

GRID = "grid.toml"
SLOT_KEYS = ("days", "start", "end", "show")


@dataclass(frozen=True)
class SlotFields:
    """A weekly slot as the editor shows it (all text, as typed)."""

    days: str
    start: str
    end: str
    show: str
    overnight: bool = False


def _doc(text: str, name: str = GRID) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ScheduleError([f"{name}: {exc}"]) from None


def _days_text(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def slots(text: str) -> list[SlotFields]:
    """The weekly slots of grid.toml, in file order (index i is ``slot[i]`` in messages)."""
    result = []
    for table in _doc(text).get("slot", []):
        result.append(SlotFields(days=_days_text(table.get("days", "")), start=str(table.get("start", "")),
                                 end=str(table.get("end", "")), show=str(table.get("show", "")),
                                 overnight=bool(table.get("overnight", False))))
    return result


def _days_value(typed: str, old: Any) -> Any:
    """'mon, wed' → ['mon', 'wed']; one word stays a plain string when it was one."""
    words = [w.strip() for w in typed.replace(";", ",").split(",") if w.strip()]
    if len(words) == 1 and not isinstance(old, list):
        return words[0]
    return words


def _fill(table: Any, fields: SlotFields) -> None:
    table["days"] = _days_value(fields.days, table.get("days"))
    for key in ("start", "end", "show"):
        table[key] = getattr(fields, key).strip()
    if fields.overnight:
        table["overnight"] = True
    elif "overnight" in table:
        del table["overnight"]


def set_slot(text: str, index: int, fields: SlotFields) -> str:
    """grid.toml with slot ``index`` moved, resized or given another show."""
    doc = _doc(text)
    tables = doc.get("slot", [])
    if not 0 <= index < len(tables):
        raise ScheduleError([f"{GRID}: slot[{index}]: no such slot"])
    _fill(tables[index], fields)
    return tomlkit.dumps(doc)


def add_slot(text: str, fields: SlotFields) -> str:
    doc = _doc(text)
    table = tomlkit.table()
    _fill(table, fields)
    if "slot" not in doc:
        doc["slot"] = tomlkit.aot()
    doc["slot"].append(table)
    return tomlkit.dumps(doc)


def remove_slot(text: str, index: int) -> str:
    doc = _doc(text)
    tables = doc.get("slot", [])
    if not 0 <= index < len(tables):
        raise ScheduleError([f"{GRID}: slot[{index}]: no such slot"])
    del tables[index]
    return tomlkit.dumps(doc)


def check_files(schedules_dir: Path, changes: dict[str, str], *, tracks: Sequence[Track] | None = None,
                media_roots: Sequence[Path | str] = (), uploads_root: Path | str | None = None,
                day: date | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the folder as it would be with ``changes`` ({file name: new text}),
    from the checks of ``radiod check``; the real files are not touched. Messages name the real files."""
    schedules_dir = Path(schedules_dir)
    with tempfile.TemporaryDirectory(prefix="radiod-edit-") as tmp:
        copy = Path(tmp) / "schedules"
        shutil.copytree(schedules_dir, copy)
        for name, text in changes.items():
            (copy / name).write_text(text, encoding="utf-8")
        schedule, errors = parse_schedule(copy)
        warnings: list[str] = []
        if schedule is not None:
            e, w = check_schedule(schedule)
            errors, warnings = errors + e, w
            if tracks is not None and not errors and day is not None:
                e, w = check_library(schedule, tracks, media_roots=media_roots, uploads_root=uploads_root, day=day)
                errors, warnings = errors + e, warnings + w

    def real(message: str) -> str:
        return message.replace(str(copy), str(schedules_dir))
    return [real(m) for m in errors], [real(m) for m in warnings]


def atomic_write(path: Path, text: str) -> None:
    """Write a file so readers see the old or the new text, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


class History:
    """Schedule changes in the database (``schedule_changes``, owned by radiod.accounts)."""

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
