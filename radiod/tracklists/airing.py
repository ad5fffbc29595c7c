"""Which songs of a show's tracklist aired, and when: from the show row's measured figures.

A show row says where its file started playing (``file_offset_ms``: the position in the file
its first heard sample came from — the cue-in, or where a show continued after a restart),
when that sample was heard (``started_at_ms``) and how much was heard (``played_ms``). Each
entry covers the file from its offset to the next entry's (the last one to the file's end), so
the part of it inside the aired range is what aired: its start and end follow from the row's
measured start, never from the plan.

An entry is logged once, by the first row of the planned item that aired any of it: a row that
continues a show after a restart skips the entries earlier rows logged (``logged_lines``), so a
song cut by a crash is one row with what aired before the crash, never two; a song whose start
never aired (the daemon joined the show late) is logged by the row that aired the rest of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class TimedEntry:
    """A tracklist entry as the play log keeps it (with what matching found)."""

    line: int
    offset_ms: int
    artist: str
    title: str
    isrc: str = ""
    track_id: int | None = None
    album: str = ""
    label: str = ""
    local: bool = False
    artist_keys: tuple[str, ...] = ()
    matched: bool = False


@dataclass(frozen=True)
class AiredItem:
    entry: TimedEntry
    started_at_ms: int
    ended_at_ms: int
    played_ms: int
    end_reason: str          # 'end', or the show row's reason when the song was cut by it


def aired_items(entries: Sequence[TimedEntry], *, started_at_ms: int, file_offset_ms: int, played_ms: int,
                end_reason: str, file_length_ms: int | None,
                logged_lines: frozenset[int] = frozenset()) -> list[AiredItem]:
    """The items of one show row; ``logged_lines``: entries earlier rows of the same item logged."""
    aired_from, aired_to = file_offset_ms, file_offset_ms + max(0, played_ms)
    items: list[AiredItem] = []
    for i, entry in enumerate(entries):
        natural_end = entries[i + 1].offset_ms if i + 1 < len(entries) else file_length_ms
        start = max(entry.offset_ms, aired_from)
        end = aired_to if natural_end is None else min(natural_end, aired_to)
        if end <= start or entry.line in logged_lines:
            continue
        cut = natural_end is None or natural_end > aired_to
        items.append(AiredItem(entry, started_at_ms + (start - aired_from), started_at_ms + (end - aired_from),
                               end - start, end_reason if cut else "end"))
    return items

