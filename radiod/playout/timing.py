"""What should play next, and when: pure functions of the day's log, the instant and what is done.

The engine asks two questions, both answered here without side effects or clock reads:

- ``decide_next``: the current item will end at ``t_end``; which log item follows, at what instant,
  and must the current item be cut for it? Follow items run on in order (a late or early flow is
  fine); a hard item starts exactly at its time (cutting what plays); a soft item waits for the
  current item but no longer than its tolerance. Items between the current one and the first
  timed item whose time comes before the current one ends are dropped. A timed item whose
  instant has already passed (a stall, a restart, an outage) airs late only while it is still
  the item due now — a show at the clock's offset, a timed item within its tolerance, as
  ``join_point`` decides; otherwise it is *missed* (reported in ``Decision.missed``) and never
  airs later. A gap before a hard item or a hole in the log is filled with fallback.
- ``join_point``: nothing is playing (boot, restart after a crash, resume): which item belongs on
  air at ``now``, at what offset? A show is joined at the right offset; a rotation item is played
  from its start when less than half of its slot has gone, else the flow moves to the next item.

Instants are epoch milliseconds (UTC).
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass
from typing import AbstractSet, Sequence

from radiod.clock import to_ms
from radiod.schedule.log import LogItem

# Gaps shorter than this are not worth a fallback item where the station did not say otherwise
# (``playout.fill_gap_ms`` does, for the engine: a cut, faded piece fills even half a second).
MIN_FILL_MS = 2000


@dataclass(frozen=True)
class Decision:
    """The next thing to start.

    ``index`` is the log item, or None for fallback (filling until ``fill_until_ms``, or
    indefinitely when that is None). ``cut_ms`` is when the current item must be cut for it.
    """

    index: int | None
    start_ms: int
    offset_ms: int = 0
    cut_ms: int | None = None
    fill_until_ms: int | None = None
    then_index: int | None = None     # with a fill: the log item that ends it
    reason: str = ""
    missed: tuple[int, ...] = ()      # timed items passed over because their instant is gone


def item_key(item: LogItem) -> str:
    """A stable id of a planned item: its planned start and what it plays."""
    what = item.track_id if item.track_id is not None else (item.path.rsplit("/", 1)[-1] or item.kind)
    return f"{to_ms(item.start)}:{what}"


def joinable(item: LogItem) -> bool:
    """Items joined part-way when started late: programmes (shows, live), not songs."""
    return item.kind in ("show", "live") or (item.source == "show" and item.usage == "talk")


class Timeline:
    """A log with its planned instants precomputed (the log is sorted by start)."""

    def __init__(self, items: Sequence[LogItem]):
        self.items = list(items)
        self.starts = [to_ms(i.start) for i in self.items]
        self.ends = [s + i.length_ms for s, i in zip(self.starts, self.items)]
        self.keys = [item_key(i) for i in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def at(self, instant_ms: int) -> int | None:
        """Index of the planned item whose slot covers ``instant_ms`` (the latest such), or None."""
        i = bisect.bisect_right(self.starts, instant_ms) - 1
        while i >= 0:
            if self.ends[i] > instant_ms:
                return i
            if self.starts[i] < instant_ms - 24 * 3600_000:
                break
            i -= 1
        return None

    def first_after(self, instant_ms: int) -> int | None:
        i = bisect.bisect_right(self.starts, instant_ms)
        return i if i < len(self.starts) else None

    def index_of(self, key: str) -> int | None:
        try:
            return self.keys.index(key)
        except ValueError:
            return None


def decide_next(tl: Timeline, cursor: int, t_end: int, skip: set[str], now: int | None = None, *,
                fill_gap_ms: int = MIN_FILL_MS) -> Decision:
    """What follows the item at ``cursor`` (-1: nothing yet) once it ends at ``t_end``.

    ``skip`` holds keys that must not play (done, failed). ``now`` (default ``t_end``) keeps a
    boundary that is already past from being scheduled in the past. A gap before a hard item
    (or across a hole in the log) longer than ``fill_gap_ms`` is filled; a shorter one is silence.
    """
    now = t_end if now is None else now
    missed: list[int] = []
    while True:
        decision = _follow(tl, cursor, t_end, skip, now, missed, fill_gap_ms)
        if decision is not None:
            return decision
        cursor = missed[-1]          # every boundary up to t_end is gone: carry on after the latest


def _follow(tl: Timeline, cursor: int, t_end: int, skip: set[str], now: int,
            missed: list[int], fill_gap_ms: int = MIN_FILL_MS) -> Decision | None:
    """One step of ``decide_next``; None when every timed item up to ``t_end`` was missed."""
    first = None
    timed: list[int] = []          # timed items whose time comes before the current item ends
    for i in range(cursor + 1, len(tl)):
        if tl.keys[i] in skip:
            continue
        if first is None:
            first = i
        if tl.starts[i] > t_end:
            break
        if tl.items[i].timing in ("hard", "soft"):
            timed.append(i)
    if timed:
        # The first boundary still ahead wins (items before it are dropped); a boundary already
        # gone is joined only while its item is still the one due now, else it is missed.
        for i in timed:
            when = _boundary_instant(tl, i, t_end)
            if when >= now:
                return Decision(i, when, cut_ms=when if when < t_end else None,
                                reason=f"{tl.items[i].timing} start of {tl.keys[i]}", missed=tuple(missed))
            if i != timed[-1]:
                missed.append(i)
        i = timed[-1]
        if still_due(tl, i, now):
            return Decision(i, now, offset_ms=now - tl.starts[i] if joinable(tl.items[i]) else 0,
                            cut_ms=now if now < t_end else None,
                            reason=f"late {tl.items[i].timing} start of {tl.keys[i]}", missed=tuple(missed))
        missed.append(i)
        return None
    if first is None:
        return Decision(None, t_end, reason="nothing more is planned", missed=tuple(missed))
    i = first
    s = tl.starts[i]
    gap = s - t_end
    if tl.items[i].timing == "hard" or (gap > 0 and tl.at(t_end) is None):
        # A hard item never starts early, and across a hole in the log items wait for their time.
        if gap > fill_gap_ms:
            return Decision(None, t_end, fill_until_ms=s, then_index=i,
                            reason=f"nothing planned for {gap // 1000} s", missed=tuple(missed))
        if gap > 0:
            return Decision(i, s, missed=tuple(missed))
    return Decision(i, t_end, missed=tuple(missed))


def still_due(tl: Timeline, i: int, now: int) -> bool:
    """Whether item ``i``, whose instant has passed, may still start at ``now``: a programme while
    its slot lasts (joined part-way), a hard or soft item within its tolerance, anything else while
    less than half of its slot has gone."""
    late = now - tl.starts[i]
    if late < 0 or now >= tl.ends[i]:
        return late < 0
    item = tl.items[i]
    if joinable(item):
        return True
    if item.timing in ("hard", "soft"):
        return late <= item.tolerance_ms
    return late <= item.length_ms // 2


def _boundary_instant(tl: Timeline, i: int, t_end: int) -> int:
    """When timed item ``i`` starts if the current item would end at ``t_end``."""
    item, s = tl.items[i], tl.starts[i]
    if item.timing == "hard":
        return s
    # soft: wait for the end, within the tolerance, and never so long that it would still be on
    # air at the next hard start
    latest = s + item.tolerance_ms
    for j in range(i + 1, len(tl)):
        if tl.starts[j] > latest + item.length_ms:
            break
        if tl.items[j].timing == "hard":
            latest = min(latest, tl.starts[j] - item.length_ms)
            break
    return max(s, min(t_end, latest))


def join_point(tl: Timeline, now: int, done: set[str], resumable: AbstractSet[str] = frozenset(),
               after: int = -1, *, fill_gap_ms: int = MIN_FILL_MS) -> Decision:
    """Where to come on air at ``now`` with nothing playing.

    ``done`` holds keys that already aired (or failed) and must not air again; ``resumable`` the
    subset interrupted part-way (a crash), which a show may continue from the right offset.
    ``after`` is the last log item that was on air (-1: none): timed items after it whose instant
    went by while nothing played are reported missed.
    """
    decision = _join(tl, now, done, resumable, fill_gap_ms)
    if after < 0:
        return decision
    joined = decision.index if decision.index is not None else decision.then_index
    gone = tuple(i for i in range(after + 1, bisect.bisect_left(tl.starts, now))
                 if tl.items[i].timing in ("hard", "soft") and tl.keys[i] not in done and i != joined
                 and i not in decision.missed)
    return dataclasses.replace(decision, missed=gone + decision.missed) if gone else decision


def _join(tl: Timeline, now: int, done: set[str], resumable: AbstractSet[str], fill_gap_ms: int) -> Decision:
    i = tl.at(now)
    if i is None:
        nxt = tl.first_after(now)
        if nxt is None:
            return Decision(None, now, reason="nothing is planned")
        return decide_next(tl, nxt - 1, now, done, fill_gap_ms=fill_gap_ms)
    item, s = tl.items[i], tl.starts[i]
    key = tl.keys[i]
    if joinable(item) and (key not in done or key in resumable):
        return Decision(i, now, offset_ms=now - s, reason=f"joined {key} at {now - s} ms")
    if key not in done and still_due(tl, i, now):
        return Decision(i, now, reason=f"late start of {key} by {now - s} ms")
    after = decide_next(tl, i, now, done | {key}, fill_gap_ms=fill_gap_ms)
    if key not in done and item.timing in ("hard", "soft"):
        after = dataclasses.replace(after, missed=(i, *after.missed))
    return after
