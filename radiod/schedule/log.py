"""A planned log: the ordered items the planner hands to playout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

Timing = Literal["hard", "soft", "follow"]
Source = Literal["rotation", "show", "fallback", "live", "insert"]
SOURCES: tuple[str, ...] = get_args(Source)
Usage = Literal["feature", "theme", "background", "jingle", "promo", "station_id", "psa", "sponsorship", "talk"]
# Every usage a log item and its play row may carry (the play log refuses any other).
USAGES: tuple[str, ...] = get_args(Usage)
# What a library category may be used as (categories.toml): theme and background music are cues
# inside a show, never picked from a category.
CATEGORY_USAGES: tuple[str, ...] = ("feature", "station_id", "jingle", "psa", "promo", "sponsorship", "talk")
# The kind of log item a category's usage plans as.
KIND_OF_USAGE = {"feature": "music", "station_id": "station_id", "jingle": "jingle", "psa": "psa",
                 "promo": "promo", "sponsorship": "promo", "talk": "talk"}


@dataclass(frozen=True)
class Relaxation:
    """A rule the planner had to bend, where and why (never silent)."""

    rule: str          # e.g. 'artist_separation', 'local_share_hour', 'fill_to_time'
    detail: str        # human-readable: which value was wanted and what was achieved
    at: datetime | None = None         # where in the log (an item's start, an hour's start)


@dataclass(frozen=True)
class LogItem:
    """One planned item.

    ``timing``: 'hard' starts exactly at ``start`` (whatever plays is faded out), 'soft' starts when
    the previous item ends but no later than ``start + tolerance``, 'follow' simply follows the
    previous item (ordinary rotation flow).
    """

    start: datetime                    # planned start, timezone-aware (UTC)
    length_ms: int                     # planned audible length (cue_out - cue_in)
    kind: str                          # 'music', 'station_id', 'jingle', 'psa', 'show', 'fallback', 'live'
    source: Source
    usage: Usage
    timing: Timing = "follow"
    tolerance_ms: int = 0
    show: str = ""                     # show title ('' outside shows)
    show_id: str = ""                  # the show's stable id (its key in shows.toml); a rename keeps it
    category: str = ""                 # rotation category
    track_id: int | None = None
    path: str = ""                     # absolute path of the audio file ('' for live)
    cue_in_ms: int = 0
    cue_out_ms: int = 0
    title: str = ""
    artist: str = ""
    local: bool = False
    loudness_lufs: float | None = None
    snapshot: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    relaxations: tuple[Relaxation, ...] = ()
    event: str = ""                    # the clock event or show part that placed it
    cut_ms: int = 0                    # planned: the next hard start cuts this much off its end
    note: str = ""                     # why the planner did something unusual (cut, gap, fallback)
    anchor_ms: int | None = None       # hard/soft items: the clock time of the event (epoch ms);
                                       # a soft item's start may differ from it by up to tolerance_ms

    @property
    def end(self) -> datetime:
        return self.start + timedelta(milliseconds=self.length_ms)
