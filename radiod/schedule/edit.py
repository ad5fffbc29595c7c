"""Edits to the schedule files that keep them clean text: tomlkit changes only the values touched,
so comments and layout survive. Pure: text in, text out. Checking an edit against the folder
and writing it (radiod/schedule_files.py), and the history of changes with undo
(radiod/schedule_history.py), are done outside the pure core.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from radiod.errors import ScheduleError

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


SHOWS = "shows.toml"


@dataclass(frozen=True)
class ShowFacts:
    """What a listener reads about a show, as the show editor shows it (all text, as typed)."""

    title: str
    description: str = ""
    hosts: str = ""                 # account names, comma-separated
    image: str = ""                 # a file name in images/


def _hosts_text(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def show_facts(text: str) -> dict[str, ShowFacts]:
    """Each show's facts in shows.toml, by id, in file order."""
    shows = _doc(text, SHOWS).get("show", {})
    return {sid: ShowFacts(title=str(t.get("title", sid)), description=str(t.get("description", "")),
                           hosts=_hosts_text(t.get("hosts", [])), image=str(t.get("image", "")))
            for sid, t in shows.items() if hasattr(t, "get")}


def set_show_facts(text: str, show_id: str, facts: ShowFacts) -> str:
    """shows.toml with one show's title, description, hosts and image changed; an emptied
    description, host list or image is removed, so the file stays as short as it was written."""
    doc = _doc(text, SHOWS)
    shows = doc.get("show", {})
    if show_id not in shows:
        raise ScheduleError([f"{SHOWS}: show.{show_id}: no such show"])
    table = shows[show_id]
    table["title"] = facts.title.strip()
    hosts = [h.strip() for h in facts.hosts.replace(";", ",").split(",") if h.strip()]
    for key, value in (("description", facts.description.strip().replace("\r\n", "\n")),
                       ("hosts", hosts), ("image", facts.image.strip())):
        if value:
            table[key] = value
        elif key in table:
            del table[key]
    return tomlkit.dumps(doc)


def diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))
