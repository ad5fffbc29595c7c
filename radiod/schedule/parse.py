"""schedules/*.toml → Schedule, collecting every problem with its file and location.

Syntax errors are reported as ``file:line: message`` (tomllib gives the line); everything else as
``file:line: key.path: message`` when the line is found by a small index of the text, else
``file: key.path: message``. Cross-references (unknown show, clock, category, DJ) and the grid's
overlaps are checked in ``check.py``; this module checks each value on its own.

It reads no file itself: it is given a ``Folder`` (radiod.schedule_files.DiskFolder reads the
schedules folder on disk; checking an edit reads the folder with the edit laid over it).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Protocol

from radiod import tomltext
from radiod.days import day_range_problem
from radiod.errors import ScheduleError, did_you_mean
from radiod.schedule.log import CATEGORY_USAGES
from radiod.schedule.model import (
    DAYS, RELAXABLE, Category, Clock, ClockEvent, FallbackEntry, Rules, Schedule, Separation, Show,
    Slot,
)

FILES = ("station.toml", "categories.toml", "clocks.toml", "shows.toml", "grid.toml", "rules.toml")



class Folder(Protocol):
    """The schedules folder as the parser sees it."""

    @property
    def root(self) -> Path:
        """The folder (messages name files inside it)."""

    def is_folder(self) -> bool:
        """Whether the folder exists."""

    def read(self, name: str) -> str | None:
        """The text of the file ``name`` (relative to the folder), None when there is none;
        OSError or UnicodeDecodeError when it cannot be read."""


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|[A-Za-z0-9_-]+)\s*=")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")


class LineIndex:
    """Maps key paths such as ``slot[2].start`` or ``show.night-owl.kind`` to line numbers.

    Covers the TOML written by people: [table] and [[array]] headers and ``key = value`` lines.
    Anything it does not understand simply has no line.
    """

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                name = ".".join(p.strip().strip('"') for p in header.group(2).split("."))
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = f"{name}[{index}]"
                else:
                    table = name
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                name = key.group(1).strip('"')
                self.lines.setdefault(f"{table}.{name}" if table else name, number)

    def line(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


class Reader:
    """One file's data plus the problems found in it."""

    def __init__(self, folder: Folder, name: str, problems: list[str]):
        self.label = str(folder.root / name)
        self.problems = problems
        self.data: dict[str, Any] = {}
        self.index = LineIndex("")
        self.found = False
        try:
            text = folder.read(name)
        except (OSError, UnicodeDecodeError) as exc:
            self.found = True
            problems.append(f"{self.label}: cannot read: {exc}")
            return
        if text is None:
            return
        self.found = True
        try:
            self.data = tomltext.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(_syntax_message(self.label, str(exc), text))
            return
        self.index = LineIndex(text)

    def where(self, key: str) -> str:
        line = self.index.line(key)
        return f"{self.label}:{line}: {key}" if line else f"{self.label}: {key}"

    def error(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where(key)}: {message}")

    def table(self, data: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.error(path, "expected a table")
            return {}
        return value

    def value(self, data: dict[str, Any], key: str, path: str, convert: Callable[[Any], Any], default: Any = None,
              *, required: bool = False) -> Any:
        if key not in data:
            if required:
                self.error(path, "missing (required)")
            return default
        try:
            return convert(data[key])
        except ValueError as exc:
            self.error(f"{path}.{key}" if not path.endswith(key) else path, str(exc))
            return default

    def unknown_keys(self, data: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                self.error(f"{path}.{key}" if path else key, f"unknown key{hint}")


def _syntax_message(label: str, message: str, text: str) -> str:
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        text = message[:match.start()].strip()
        return f"{label}:{match.group(1)}: {text} (column {match.group(2)})"
    match = re.search(r"\(at end of document\)", message)
    if match:
        return f"{label}:{max(1, len(text.splitlines()))}: {message[:match.start()].strip()} (at the end of the file)"
    return f"{label}: {message}"


# --- value converters: each raises ValueError with a short reason ---

def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


IMAGE_TYPES = (".jpg", ".jpeg", ".png", ".webp")
IMAGES = "images"            # the folder of show images, inside the schedules folder


def as_image_name(value: Any) -> str:
    """A show image: a plain file name (no folders) of a JPEG, PNG or WebP in ``images/``."""
    text = as_str(value)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", text) or not text.lower().endswith(IMAGE_TYPES):
        raise ValueError(f"expected a file name in {IMAGES}/ ending in {', '.join(IMAGE_TYPES)}, got {text!r}")
    return text


def as_id(value: Any) -> str:
    text = as_str(value)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", text):
        raise ValueError(f"expected an id of lower-case letters, digits, '-' and '_', got {text!r}")
    return text


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def as_keep_days(value: Any) -> int | None:
    """How long a show's episodes are kept: a whole number of days ≥ 1, or "forever" (None)."""
    if value == "forever":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a number of days ≥ 1 or \"forever\", got {value!r}")
    return value


def as_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number ≥ 0, got {value!r}")
    return value


def as_percent(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a percentage, got {value!r}")
    if not 0 <= value <= 100:
        raise ValueError(f"impossible quota: {value}% is not between 0 and 100")
    return float(value)


def as_str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def as_duration_ms(value: Any) -> int:
    """'15s', '2m', '1m30s', '500ms', '1h' → milliseconds."""
    text = as_str(value).replace(" ", "")
    match = _DURATION.fullmatch(text)
    if not text or not match:
        raise ValueError(f"expected a duration such as '15s', '2m' or '1m30s', got {value!r}")
    h, m, s, ms = (int(g) if g else 0 for g in match.groups())
    return ((h * 60 + m) * 60 + s) * 1000 + ms


def as_clock_time(value: Any) -> time | None:
    """'HH:MM' (or 'HH:MM:SS') → time; '24:00' → None (midnight at the end of the day)."""
    text = as_str(value)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        raise ValueError(f"expected a time as HH:MM, got {text!r}")
    h, m, s = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if (h, m, s) == (24, 0, 0):
        return None
    if h > 23 or m > 59 or s > 59:
        raise ValueError(f"not a time of day: {text!r}")
    return time(h, m, s)


def as_offset_ms(value: Any) -> int:
    """'MM:SS' within the hour → milliseconds past the hour."""
    text = as_str(value)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match.group(1)) > 59 or int(match.group(2)) > 59:
        raise ValueError(f"expected a position in the hour as MM:SS (00:00 to 59:59), got {text!r}")
    return (int(match.group(1)) * 60 + int(match.group(2))) * 1000


def as_days(value: Any) -> tuple[int, ...]:
    names = as_str_list(value)
    days: list[int] = []
    for name in names:
        key = name.strip().lower()[:3]
        if name.strip().lower() in ("daily", "all"):
            return tuple(range(7))
        if name.strip().lower() == "weekdays":
            days += range(5)
        elif name.strip().lower() == "weekends":
            days += (5, 6)
        elif key in DAYS and name.strip().lower() in (key, _full(key)):
            days.append(DAYS.index(key))
        else:
            raise ValueError(f"unknown day {name!r} (use mon … sun, weekdays, weekends or daily)")
    if not days:
        raise ValueError("no days given")
    return tuple(sorted(set(days)))


def _full(key: str) -> str:
    return {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday",
            "sat": "saturday", "sun": "sunday"}[key]


def as_date(value: Any) -> date:
    if isinstance(value, datetime):         # a TOML date-time is a date too, but not a day
        raise ValueError(f"expected a date as YYYY-MM-DD, got a date and time {value.isoformat()!r}")
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(as_str(value))
        except ValueError:
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
    problem = day_range_problem(day)
    if problem:
        raise ValueError(problem)
    return day


def choice(*options: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = as_str(value)
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {text!r}{did_you_mean(text, options)}")
        return text
    return convert


# --- the files ---

def load_schedule(folder: Folder) -> Schedule:
    """Read every schedule file; raise ScheduleError listing every problem (located) at once.

    Cross-file problems (references, overlaps, quotas) are included: this is what playout and
    ``radiod plan`` call. ``radiod check`` adds library-dependent checks on top.
    """
    from radiod.schedule.check import check_schedule

    schedule, problems = parse_schedule(folder)
    if schedule is not None:
        errors, warnings = check_schedule(schedule)
        problems += errors
        schedule = _with_warnings(schedule, warnings)
    if problems:
        raise ScheduleError(problems)
    assert schedule is not None
    return schedule


def _with_warnings(schedule: Schedule, warnings: list[str]) -> Schedule:
    from dataclasses import replace
    return replace(schedule, warnings=tuple(schedule.warnings) + tuple(warnings))


def parse_schedule(folder: Folder) -> tuple[Schedule | None, list[str]]:
    """Parse the files on their own (no cross-checks); returns the schedule (None if unusable) and problems."""
    root = folder.root
    problems: list[str] = []
    if not folder.is_folder():
        return None, [f"{root}: schedules folder does not exist"]
    readers = {name: Reader(folder, name, problems) for name in FILES}
    for name in ("station.toml", "shows.toml", "grid.toml"):
        if not readers[name].found:
            problems.append(f"{root / name}: missing (required)")

    station = readers["station.toml"]
    st = station.table(station.data, "station", "station")
    station.unknown_keys(station.data, ("station", "fallback"), "")
    station.unknown_keys(st, ("name", "timezone", "djs"), "station")
    name = station.value(st, "name", "station.name", as_str, "radiod station")
    zone = station.value(st, "timezone", "station.timezone", _as_zone, "UTC", required=True)
    djs = station.value(st, "djs", "station.djs", as_str_list, ())
    fallback = _fallback(station, folder, problems)

    categories = _categories(readers["categories.toml"])
    clocks = _clocks(readers["clocks.toml"])
    shows = _shows(readers["shows.toml"])
    slots, exceptions = _grid(readers["grid.toml"])
    rules = _rules(readers["rules.toml"])
    def locate(file: str, key: str) -> str:
        reader = readers.get(file)
        return reader.where(key) if reader else f"{root / file}: {key}"

    schedule = Schedule(station_name=name, timezone=zone, djs=djs, categories=categories, clocks=clocks,
                        shows=shows, slots=slots, exceptions=exceptions, rules=rules, fallback=fallback,
                        locate=locate)
    return schedule, problems


def _as_zone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    text = as_str(value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {text!r}") from None
    return text


def _fallback(r: Reader, folder: Folder, problems: list[str]) -> tuple[FallbackEntry, ...]:
    fb = r.table(r.data, "fallback", "fallback")
    r.unknown_keys(fb, ("chain",), "fallback")
    chain = fb.get("chain", [])
    if not isinstance(chain, list):
        r.error("fallback.chain", "expected a list of { category = ... } or { playlist = ... }")
        return ()
    entries = []
    for i, entry in enumerate(chain):
        path = f"fallback.chain[{i}]"
        if not isinstance(entry, dict) or len(entry) != 1 or not set(entry) <= {"category", "playlist"}:
            r.error(path, "expected { category = \"id\" } or { playlist = \"file.m3u\" }")
            continue
        if "category" in entry:
            entries.append(FallbackEntry(category=r.value(entry, "category", path, as_id, "")))
            continue
        playlist = r.value(entry, "playlist", path, as_str, "")
        file = folder.root / playlist
        try:
            text = folder.read(playlist)
            if text is None:
                raise FileNotFoundError(file)
        except (OSError, UnicodeDecodeError) as exc:
            r.error(path, f"cannot read playlist {file}: {exc.__class__.__name__}")
            continue
        lines = text.splitlines()
        paths = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
        if not paths:
            problems.append(f"{file}: playlist is empty")
        entries.append(FallbackEntry(playlist=playlist, paths=paths))
    return tuple(entries)


def _categories(r: Reader) -> dict[str, Category]:
    r.unknown_keys(r.data, ("category",), "")
    result = {}
    for cid, data in r.table(r.data, "category", "category").items():
        path = f"category.{cid}"
        if not isinstance(data, dict):
            r.error(path, "expected a table")
            continue
        try:
            as_id(cid)
        except ValueError as exc:
            r.error(path, str(exc))
        r.unknown_keys(data, ("title", "folders", "local", "released_within_days", "genres", "languages",
                              "min_length", "max_length", "usage"), path)
        min_ms = r.value(data, "min_length", f"{path}.min_length", as_duration_ms, 0)
        max_ms = r.value(data, "max_length", f"{path}.max_length", as_duration_ms, None)
        if max_ms is not None and max_ms < min_ms:
            r.error(f"{path}.max_length", "shorter than min_length")
        result[cid] = Category(
            id=cid,
            title=r.value(data, "title", f"{path}.title", as_str, cid),
            folders=tuple(f.strip("/") for f in r.value(data, "folders", f"{path}.folders", as_str_list, ())),
            local=r.value(data, "local", f"{path}.local", as_bool, None),
            released_within_days=r.value(data, "released_within_days", f"{path}.released_within_days",
                                         as_count, None),
            genres=tuple(g.casefold() for g in r.value(data, "genres", f"{path}.genres", as_str_list, ())),
            languages=tuple(g.casefold() for g in r.value(data, "languages", f"{path}.languages", as_str_list, ())),
            min_ms=min_ms, max_ms=max_ms,
            usage=r.value(data, "usage", f"{path}.usage", choice(*CATEGORY_USAGES), "feature"),
        )
    return result


def _clocks(r: Reader) -> dict[str, Clock]:
    r.unknown_keys(r.data, ("clock",), "")
    result = {}
    for cid, data in r.table(r.data, "clock", "clock").items():
        path = f"clock.{cid}"
        if not isinstance(data, dict):
            r.error(path, "expected a table")
            continue
        r.unknown_keys(data, ("title", "event"), path)
        raw_events = data.get("event", [])
        if not isinstance(raw_events, list) or not raw_events:
            r.error(f"{path}.event", "a clock needs at least one [[clock.<id>.event]]")
            raw_events = []
        events = []
        last_at = -1
        for i, ev in enumerate(raw_events):
            epath = f"{path}.event[{i}]"
            if not isinstance(ev, dict):
                r.error(epath, "expected a table")
                continue
            event = _event(r, ev, epath)
            if event is None:
                continue
            if event.at_ms is not None:
                if event.at_ms <= last_at:
                    r.error(f"{epath}.at", "timed events must be in increasing order within the hour")
                last_at = event.at_ms
            events.append(event)
        result[cid] = Clock(id=cid, title=r.value(data, "title", f"{path}.title", as_str, cid), events=tuple(events))
    return result


def _event(r: Reader, ev: dict[str, Any], path: str) -> ClockEvent | None:
    r.unknown_keys(ev, ("type", "category", "categories", "file", "at", "timing", "tolerance", "label"), path)
    etype = r.value(ev, "type", f"{path}.type", choice("music", "fill", "item", "show"), None, required=True)
    if etype is None:
        return None
    cats = r.value(ev, "categories", f"{path}.categories", as_str_list, ())
    if "category" in ev:
        cats = (r.value(ev, "category", f"{path}.category", as_str, ""),) + cats
    file = r.value(ev, "file", f"{path}.file", as_str, "")
    if etype in ("music", "fill") and not cats:
        r.error(path, f"a '{etype}' event needs category (or categories)")
    if etype == "music" and len(cats) > 1:
        r.error(f"{path}.categories", "a 'music' event takes one category (use 'fill' for several)")
    if etype == "item" and bool(cats) == bool(file):
        r.error(path, "an 'item' event needs either category or file")
    at = r.value(ev, "at", f"{path}.at", as_offset_ms, None)
    timing = r.value(ev, "timing", f"{path}.timing", choice("hard", "soft"), "soft" if at is not None else "follow")
    if at is None and "timing" in ev:
        r.error(f"{path}.timing", "timing needs 'at' (the position in the hour)")
        timing = "follow"
    if at is None and "tolerance" in ev:
        r.error(f"{path}.tolerance", "tolerance needs 'at' (the position in the hour)")
    tolerance = r.value(ev, "tolerance", f"{path}.tolerance", as_duration_ms, 15_000 if at is not None else 0)
    if etype == "fill" and at is not None:
        r.error(f"{path}.at", "a 'fill' event runs up to the next timed event and cannot be timed itself")
    return ClockEvent(type=etype, categories=tuple(cats), file=file, at_ms=at, timing=timing,
                      tolerance_ms=tolerance, label=r.value(ev, "label", f"{path}.label", as_str, ""),
                      where=r.where(path), key=path)


def _shows(r: Reader) -> dict[str, Show]:
    r.unknown_keys(r.data, ("show",), "")
    result = {}
    for sid, data in r.table(r.data, "show", "show").items():
        path = f"show.{sid}"
        if not isinstance(data, dict):
            r.error(path, "expected a table")
            continue
        try:
            as_id(sid)
        except ValueError as exc:
            r.error(path, str(exc))
        r.unknown_keys(data, ("title", "kind", "hosts", "clock", "timing", "tolerance", "content_tolerance",
                              "description", "image", "archive", "keep_days", "on_demand_music"), path)
        kind = r.value(data, "kind", f"{path}.kind", choice("rotation", "prerecorded", "live"), None, required=True)
        if kind is None:
            continue
        clock = r.value(data, "clock", f"{path}.clock", as_str, "")
        if kind == "rotation" and not clock:
            r.error(f"{path}.clock", "a rotation show needs a clock")
        if kind == "live" and clock:
            r.error(f"{path}.clock", "a live show has no clock")
        result[sid] = Show(
            id=sid, title=r.value(data, "title", f"{path}.title", as_str, sid), kind=kind,
            hosts=r.value(data, "hosts", f"{path}.hosts", as_str_list, ()), clock=clock,
            timing=r.value(data, "timing", f"{path}.timing", choice("hard", "soft"), "hard"),
            tolerance_ms=r.value(data, "tolerance", f"{path}.tolerance", as_duration_ms, 15_000),
            content_tolerance_ms=r.value(data, "content_tolerance", f"{path}.content_tolerance", as_duration_ms,
                                         120_000),
            description=r.value(data, "description", f"{path}.description", as_str, ""),
            image=r.value(data, "image", f"{path}.image", as_image_name, ""),
            archive=r.value(data, "archive", f"{path}.archive", as_bool, False),
            keep_days=r.value(data, "keep_days", f"{path}.keep_days", as_keep_days, 90),
            on_demand_music=r.value(data, "on_demand_music", f"{path}.on_demand_music",
                                    choice("full", "clips", "none"), "none"),
        )
    return result


def _grid(r: Reader) -> tuple[tuple[Slot, ...], tuple[Slot, ...]]:
    r.unknown_keys(r.data, ("slot", "exception"), "")
    slots: list[Slot] = []
    exceptions: list[Slot] = []
    for key, out in (("slot", slots), ("exception", exceptions)):
        entries = r.data.get(key, [])
        if not isinstance(entries, list):
            r.error(key, f"expected [[{key}]] tables")
            continue
        for i, data in enumerate(entries):
            path = f"{key}[{i}]"
            if not isinstance(data, dict):
                r.error(path, "expected a table")
                continue
            slot = _slot(r, data, path, dated=key == "exception")
            if slot is not None:
                out.append(slot)
    return tuple(slots), tuple(exceptions)


def _slot(r: Reader, data: dict[str, Any], path: str, *, dated: bool) -> Slot | None:
    allowed = ("date" if dated else "days", "start", "end", "show", "overnight", "note")
    r.unknown_keys(data, allowed, path)
    show = r.value(data, "show", f"{path}.show", as_str, None, required=True)
    start = r.value(data, "start", f"{path}.start", as_clock_time, False, required=True)
    end = r.value(data, "end", f"{path}.end", as_clock_time, False, required=True)
    if start is None:
        r.error(f"{path}.start", "a slot cannot start at 24:00 (use 00:00 of the next day)")
        return None
    overnight = r.value(data, "overnight", f"{path}.overnight", as_bool, False)
    days: tuple[int, ...] = ()
    day: date | None = None
    if dated:
        day = r.value(data, "date", f"{path}.date", as_date, None, required=True)
    else:
        days = r.value(data, "days", f"{path}.days", as_days, (), required=True)
    if show is None or start is False or end is False or (dated and day is None) or (not dated and not days):
        return None
    if end is not None and end == start:
        r.error(f"{path}.end", "end equals start: the slot is empty")
        return None
    if end is not None and end < start and not overnight:
        r.error(f"{path}.end", f"end {end:%H:%M} is not after start {start:%H:%M}; "
                               "add overnight = true for a show across midnight")
        return None
    if overnight and (end is None or end > start):
        r.error(f"{path}.overnight", "overnight = true but the slot ends the same day")
        return None
    return Slot(show=show, start=start, end=end, days=days, date=day, overnight=overnight,
                note=r.value(data, "note", f"{path}.note", as_str, ""), where=r.where(path), key=path)


def _rules(r: Reader) -> Rules:
    r.unknown_keys(r.data, ("separation", "local", "complement", "fairness", "fill", "relax"), "")
    sep = r.table(r.data, "separation", "separation")
    names = ("artist_minutes", "artist_songs", "title_minutes", "title_songs", "album_minutes", "album_songs")
    r.unknown_keys(sep, names, "separation")
    defaults = Separation()
    separation = Separation(**{n: r.value(sep, n, f"separation.{n}", as_count, getattr(defaults, n)) for n in names})
    local = r.table(r.data, "local", "local")
    r.unknown_keys(local, ("hour_min_percent", "day_min_percent"), "local")
    comp = r.table(r.data, "complement", "complement")
    r.unknown_keys(comp, ("enabled",), "complement")
    fair = r.table(r.data, "fairness", "fairness")
    r.unknown_keys(fair, ("policy", "choices"), "fairness")
    fill = r.table(r.data, "fill", "fill")
    r.unknown_keys(fill, ("filler_categories",), "fill")
    relax = r.table(r.data, "relax", "relax")
    r.unknown_keys(relax, ("order",), "relax")
    order = r.value(relax, "order", "relax.order", as_str_list, RELAXABLE)
    for rule in order:
        if rule not in RELAXABLE:
            r.error("relax.order", f"unknown rule {rule!r}{did_you_mean(rule, RELAXABLE)}")
    order = tuple(rule for rule in order if rule in RELAXABLE)
    order += tuple(rule for rule in RELAXABLE if rule not in order)
    choices = r.value(fair, "choices", "fairness.choices", as_count, 12)
    if choices < 1:
        r.error("fairness.choices", "must be at least 1")
        choices = 1
    return Rules(
        separation=separation,
        local_hour_percent=r.value(local, "hour_min_percent", "local.hour_min_percent", as_percent, 0.0),
        local_day_percent=r.value(local, "day_min_percent", "local.day_min_percent", as_percent, 0.0),
        complement=r.value(comp, "enabled", "complement.enabled", as_bool, False),
        fairness=r.value(fair, "policy", "fairness.policy", choice("least_recent", "random"), "least_recent"),
        fit_choices=choices,
        filler_categories=r.value(fill, "filler_categories", "fill.filler_categories", as_str_list, ()),
        relax_order=order,
    )
