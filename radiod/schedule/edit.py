"""Edits to the schedule files that keep them clean text: tomlkit changes only the values touched,
so comments and layout survive. Pure: text in, text out. Checking an edit against the folder
and writing it (radiod/schedule_files.py), and the history of changes with undo
(radiod/schedule_history.py), are done outside the pure core.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from radiod.errors import ScheduleError
from radiod.schedule.model import DAYS

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


# The week calendar: one airing of a slot (the slot on one of its days) moved or resized.
_DAY_WORDS = {"daily": DAYS, "weekdays": DAYS[:5], "weekends": DAYS[5:]}


def expand_days(days: str) -> list[str]:
    """'weekdays, sat' → ['mon', …, 'sat'], in week order; words that are not days are left out
    (the checks name them)."""
    words = {w.strip() for w in days.replace(";", ",").split(",")}
    found = set(words) | {d for w in words for d in _DAY_WORDS.get(w, ())}
    return [d for d in DAYS if d in found]



@dataclass(frozen=True)
class ExceptionFields:
    """A dated exception of grid.toml as the calendar draws it (edited as text)."""

    date: date
    start: str
    end: str
    show: str
    note: str = ""


def exceptions(text: str) -> list[ExceptionFields]:
    """The dated exceptions of grid.toml whose date reads, in file order."""
    result = []
    for table in _doc(text).get("exception", []):
        when = table.get("date")
        if isinstance(when, str):
            try:
                when = date.fromisoformat(when)
            except ValueError:
                continue
        if isinstance(when, date) and not isinstance(when, datetime):
            result.append(ExceptionFields(date=date(when.year, when.month, when.day), start=str(table.get("start", "")),
                                          end=str(table.get("end", "")), show=str(table.get("show", "")),
                                          note=str(table.get("note", ""))))
    return result

def runs_overnight(start: str, end: str) -> bool:
    """An airing whose end is not after its start runs past midnight (24:00 is midnight itself)."""
    return end.strip() != "24:00" and end.strip() <= start.strip()


def move_airing(text: str, index: int, day: str, to_day: str, start: str, end: str, *,
                whole: bool = False) -> tuple[str, int]:
    """grid.toml with slot ``index``'s airing on ``day`` moved to ``to_day`` at ``start``–``end``,
    and the index of the slot that now holds it. When the slot airs on other days too, only this
    day's airing moves (it becomes a slot of its own, right after the first), unless ``whole``:
    then every day of the slot shifts by as many days and takes the new times."""
    doc = _doc(text)
    tables = doc.get("slot", [])
    if not 0 <= index < len(tables):
        raise ScheduleError([f"{GRID}: slot[{index}]: no such slot"])
    if to_day not in DAYS:
        raise ScheduleError([f"{GRID}: slot[{index}]: {to_day!r} is not a day (mon … sun)"])
    table = tables[index]
    days = expand_days(_days_text(table.get("days", "")))
    if day not in days:
        raise ScheduleError([f"{GRID}: slot[{index}]: it does not air on {day!r}"])
    shift = DAYS.index(to_day) - DAYS.index(day)
    overnight = runs_overnight(start, end)
    if not whole and days != [day]:
        table["days"] = [d for d in days if d != day]
        split = tomlkit.table()
        split["days"], split["start"], split["end"] = [to_day], start.strip(), end.strip()
        if overnight:
            split["overnight"] = True
        split["show"] = str(table.get("show", ""))
        # The comments after a slot's last key introduce the next table: they move below the split.
        body = table.value.body
        last = max(i for i, (key, _item) in enumerate(body) if key is not None)
        trailing = body[last + 1:]
        del body[last + 1:]
        table.add(tomlkit.nl())
        split.value.body.extend(trailing)
        tables.insert(index + 1, split)
        return tomlkit.dumps(doc), index + 1
    shifted = {DAYS[(DAYS.index(d) + shift) % 7] for d in days}
    if shifted != set(days):                     # "daily" a day later is still "daily", as written
        table["days"] = [d for d in DAYS if d in shifted]
    table["start"], table["end"] = start.strip(), end.strip()
    if overnight:
        table["overnight"] = True
    elif "overnight" in table:
        del table["overnight"]
    return tomlkit.dumps(doc), index
