"""The grid editor's week calendar: grid.toml's slots and dated exceptions laid out on one real
week, a block per airing (a slot on one of its days), ready for the template and its script.

Built from the file's text (radiod.schedule.edit), so what is drawn is what the editor writes.
An overnight airing is drawn as its head on its day and its tail on the next (Sunday's on Monday).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from radiod.schedule import DAYS, edit

DAY_MIN = 24 * 60
COLOURS = 8                           # .c0 … .c7 in panel.css


@dataclass(frozen=True)
class Block:
    """One drawn piece of an airing: minutes from the column's midnight, and what it is."""

    id: str                           # "block-<slot>-<day>" (the head; a tail adds "-tail")
    slot: int                         # the slot's index in grid.toml (-1: a dated exception)
    day: str                          # the airing's day (where its head is)
    start: str                        # the airing's times, as written
    end: str
    show: str                         # show id
    title: str
    colour: int
    top: int                          # this piece: minutes from midnight, and length
    length: int
    tail: bool = False                # the part after midnight of an overnight airing
    exception: str = ""               # a dated exception: its note (or "")
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Day:
    name: str                         # mon … sun
    date: date
    current: bool                     # the day shown at phone width
    blocks: list[Block] = field(default_factory=list)


def minutes(text: str) -> int | None:
    """'HH:MM' → minutes after midnight (24:00 is 1440); None when it is not a time."""
    hh, sep, mm = text.strip().partition(":")
    if not (sep and hh.isascii() and mm.isascii() and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        return None
    value = int(hh) * 60 + int(mm)
    return value if int(mm) < 60 and value <= DAY_MIN else None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _pieces(top: int, end: int) -> list[tuple[int, int, bool]]:
    """(top, length, tail) of an airing from ``top`` to ``end`` minutes; past midnight → two pieces."""
    if end > top:
        return [(top, end - top, False)]
    return [(top, DAY_MIN - top, False)] + ([(0, end, True)] if end > 0 else [])


def week(text: str, titles: dict[str, str], first: date, *, current: str,
         errors: dict[str, tuple[str, ...]] | None = None) -> list[Day]:
    """The seven days from Monday ``first`` with their blocks; ``errors`` by block id (a refused
    edit's messages, shown on the block it was about) or by the file's key (``slot[1]``,
    ``exception[0]``: the checks' messages about the file as it is, on each of its blocks).
    Slots whose times do not read are left out here (the table below the calendar lists every
    slot, with the checks' messages)."""
    errors = errors or {}
    colour = {sid: i % COLOURS for i, sid in enumerate(sorted(titles))}
    days = [Day(name=d, date=first + timedelta(days=i), current=d == current) for i, d in enumerate(DAYS)]

    def place(day_index: int, block_id: str, key: str, slot: int, day: str, start: str, end: str, show: str,
              note: str = ""):
        top, stop = minutes(start), minutes(end)
        if top is None or stop is None or top >= DAY_MIN:
            return
        for piece_top, length, tail in _pieces(top, stop):
            bid = block_id + ("-tail" if tail else "")
            if tail and note and day_index == 6:
                continue                  # a dated exception's tail falls in the next week
            days[(day_index + tail) % 7].blocks.append(Block(
                id=bid, slot=slot, day=day, start=start, end=end, show=show, title=titles.get(show, show),
                colour=colour.get(show, COLOURS - 1), top=piece_top, length=length, tail=tail,
                exception=note, errors=errors.get(block_id, ()) + errors.get(key, ())))

    for index, s in enumerate(edit.slots(text)):
        for day in edit.expand_days(s.days):
            place(DAYS.index(day), f"block-{index}-{day}", f"slot[{index}]", index, day, s.start, s.end, s.show)
    for index, x in enumerate(edit.exceptions(text)):
        offset = (x.date - first).days
        if 0 <= offset < 7:
            place(offset, f"exception-{index}", f"exception[{index}]", -1, DAYS[offset], x.start, x.end, x.show,
                  x.note or x.show)
    for d in days:
        d.blocks.sort(key=lambda b: (b.top, b.exception != ""))
    return days
