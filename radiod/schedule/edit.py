"""Edits to the schedule files that keep them clean text: tomlkit changes only the values touched,
so comments and layout survive. Every edit is checked on a copy of the folder with the checks of
``radiod check`` before anything is written; writes are atomic; changes are kept as history rows
(who, when, before and after; radiod.schedule.store) so the last one can be undone.
"""

from __future__ import annotations

import os
import shutil
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
