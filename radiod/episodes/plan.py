"""What an episode is made of, from the play log alone (pure: no files, no clock).

An **airing** is a run of play rows of one show, in start order, until a row of another show
starts (or nothing airs for ``AIRING_BREAK_MS``). Its boundaries are the rows' measured starts
and ends — what aired, never the grid. Where the rows leave a hole longer than ``JOIN_MS`` (an
outage, a crash and restart) the episode skips it and marks it as a gap at that position.

The **plan** says which stretches of the logged air make the episode after the show's rights
(``on_demand_music``), where each chapter begins in the episode, and where its gaps are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping, Sequence

Rights = Literal["full", "clips", "none"]

JOIN_MS = 250                 # rows this close (or overlapping, in a fade) are one stretch of air
AIRING_BREAK_MS = 30 * 60_000  # a show's rows further apart than this are two airings
MUSIC_USAGES = frozenset({"feature", "theme", "background"})


@dataclass(frozen=True)
class Aired:
    """One thing that aired: a play row, or a song inside a show row (an item row)."""

    start_ms: int
    end_ms: int
    title: str
    artist: str
    music: bool


@dataclass(frozen=True)
class Airing:
    """One airing of a show as the play log has it."""

    show_id: str
    start_ms: int
    end_ms: int
    spans: tuple[tuple[int, int], ...]     # what aired, in order; the holes between are gaps
    play_ids: tuple[int, ...]


@dataclass(frozen=True)
class Piece:
    """A stretch of the logged air taken into the episode, faded out over its last ``fade_out_ms``."""

    from_ms: int
    to_ms: int
    fade_out_ms: int = 0

    @property
    def length_ms(self) -> int:
        return self.to_ms - self.from_ms


@dataclass(frozen=True)
class Chapter:
    at_ms: int            # position in the episode
    title: str
    artist: str
    music: bool
    clipped: bool         # an excerpt (on_demand_music = "clips")
    aired_at_ms: int      # when it began on air


@dataclass(frozen=True)
class GapMark:
    at_ms: int            # position in the episode where the air resumes
    from_ms: int          # the hole, on the air's clock
    to_ms: int

    @property
    def missing_ms(self) -> int:
        return self.to_ms - self.from_ms


@dataclass(frozen=True)
class EpisodePlan:
    pieces: tuple[Piece, ...]
    chapters: tuple[Chapter, ...]
    gaps: tuple[GapMark, ...]

    @property
    def length_ms(self) -> int:
        return sum(p.length_ms for p in self.pieces)


def merged_spans(rows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intervals joined where they overlap or lie within JOIN_MS of each other."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted(rows):
        if end <= start:
            continue
        if spans and start <= spans[-1][1] + JOIN_MS:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def find_airings(rows: Sequence[Mapping[str, Any]], show_ids: Iterable[str]) -> list[Airing]:
    """The airings of the given shows among closed play rows (dicts with id, show_id,
    started_at_ms, ended_at_ms), in start order."""
    wanted = set(show_ids)
    ordered = sorted(rows, key=lambda r: (r["started_at_ms"], r["id"]))
    found: list[Airing] = []
    run: list[Mapping[str, Any]] = []

    def close() -> None:
        if run:
            spans = merged_spans((r["started_at_ms"], r["ended_at_ms"]) for r in run)
            if spans:
                found.append(Airing(run[0]["show_id"], spans[0][0], spans[-1][1], tuple(spans),
                                    tuple(r["id"] for r in run)))
            run.clear()

    for row in ordered:
        if row.get("ended_at_ms") is None:
            continue
        same = run and row["show_id"] == run[0]["show_id"] and \
            row["started_at_ms"] - max(r["ended_at_ms"] for r in run) < AIRING_BREAK_MS
        if not same:
            close()
        if row["show_id"] in wanted:
            run.append(row)
    close()
    return found


def settled(airing: Airing, later_starts_ms: Iterable[int], now_ms: int, settle_ms: int) -> bool:
    """Whether an airing is over: something else started after it (or nothing aired for
    AIRING_BREAK_MS), and the logger has had ``settle_ms`` to write its end."""
    if now_ms < airing.end_ms + settle_ms:
        return False
    return now_ms >= airing.end_ms + AIRING_BREAK_MS or any(t >= airing.end_ms - JOIN_MS for t in later_starts_ms)


def _subtract(spans: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if cut[1] <= a or cut[0] >= b:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


def plan_episode(spans: Sequence[tuple[int, int]], aired: Sequence[Aired], rights: Rights, *,
                 from_ms: int, to_ms: int, clip_ms: int, fade_ms: int) -> EpisodePlan:
    """The episode of the air in ``spans`` between ``from_ms`` and ``to_ms`` under ``rights``.

    ``clips``: each music item longer than ``clip_ms`` keeps its first ``clip_ms``, faded out over
    ``fade_ms``; ``none``: music items are left out and the talk kept.
    """
    kept = [(max(a, from_ms), min(b, to_ms)) for a, b in spans if min(b, to_ms) > max(a, from_ms)]
    holes = [(a[1], b[0]) for a, b in zip(kept, kept[1:])]
    clipped_ends: set[int] = set()
    clipped: set[int] = set()
    for n, item in enumerate(aired):
        if not item.music or rights == "full":
            continue
        if rights == "none":
            kept = _subtract(kept, (item.start_ms, item.end_ms))
        elif item.end_ms - item.start_ms > clip_ms:
            kept = _subtract(kept, (item.start_ms + clip_ms, item.end_ms))
            clipped_ends.add(item.start_ms + clip_ms)
            clipped.add(n)
    pieces = tuple(Piece(a, b, min(fade_ms, b - a) if b in clipped_ends else 0) for a, b in kept)

    def position(t: int) -> int | None:
        """Where air instant ``t`` (or the first kept instant after it) is in the episode."""
        at = 0
        for p in pieces:
            if t < p.to_ms:
                return at + max(0, t - p.from_ms)
            at += p.length_ms
        return None

    chapters: list[Chapter] = []
    for n, item in enumerate(aired):
        if item.end_ms <= from_ms or item.start_ms >= to_ms:
            continue
        at = position(max(item.start_ms, from_ms))
        if at is None or not any(p.from_ms < item.end_ms and p.to_ms > item.start_ms for p in pieces):
            continue                       # nothing of it is in the episode
        chapters.append(Chapter(at, item.title, item.artist, item.music, n in clipped, item.start_ms))
    gaps = []
    for a, b in holes:
        at = position(b)
        gaps.append(GapMark(at if at is not None else sum(p.length_ms for p in pieces), a, b))
    return EpisodePlan(pieces, tuple(chapters), tuple(gaps))


def aired_entries(itemised: Iterable[Mapping[str, Any]]) -> list[Aired]:
    """The chapters' source: itemised play rows (a show row with a tracklist replaced by its songs)."""
    out = []
    for r in itemised:
        if r.get("ended_at_ms") is None:
            continue
        music = "item_id" in r or r.get("usage") in MUSIC_USAGES
        out.append(Aired(r["started_at_ms"], r["ended_at_ms"], r.get("title", ""), r.get("artist", ""), music))
    return sorted(out, key=lambda a: a.start_ms)
