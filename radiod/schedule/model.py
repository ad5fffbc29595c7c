"""The schedule as data: what the files in ``schedules/`` say, after parsing and validation.

Everything here is immutable and pure; ``parse.load_schedule`` builds it, ``resolve`` turns the grid
into airings and ``plan`` turns airings into a day's log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Callable, Literal

from radiod.schedule.log import Timing, Usage

EventType = Literal["music", "fill", "item", "show"]
ShowKind = Literal["rotation", "prerecorded", "live"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Rules the planner may bend, in the default order (least important first). A rule is only bent
# when no track can satisfy it; every bend is recorded as a Relaxation.
RELAXABLE = ("album_separation", "title_separation", "artist_separation", "local_share_hour",
             "performance_complement")


@dataclass(frozen=True)
class Category:
    """A rotation pool: tracks matching every filter that is set."""

    id: str
    title: str
    folders: tuple[str, ...] = ()          # relative to any media root, e.g. 'music/local-new'
    local: bool | None = None              # artist fact: only local (True) / only non-local (False)
    released_within_days: int | None = None
    genres: tuple[str, ...] = ()           # tag filter, case-insensitive
    languages: tuple[str, ...] = ()
    min_ms: int = 0                        # playable length bounds (cue_out - cue_in)
    max_ms: int | None = None
    usage: Usage = "feature"               # 'feature' = music under rotation rules; else station_id, jingle, psa, promo

    @property
    def is_music(self) -> bool:
        return self.usage == "feature"


@dataclass(frozen=True)
class ClockEvent:
    """One step of an hour template.

    type 'music': one track from ``categories[0]``; 'fill': tracks from ``categories`` (chosen in
    turn, steered by the local quota) until the next timed event; 'item': one non-music item from a
    category or a fixed ``file``; 'show': the show's own content (prerecorded shows).
    ``at_ms`` (offset into the hour) makes the event timed: 'hard' or 'soft' with ``tolerance_ms``.
    """

    type: EventType
    categories: tuple[str, ...] = ()
    file: str = ""
    at_ms: int | None = None
    timing: Timing = "follow"
    tolerance_ms: int = 0
    label: str = ""
    where: str = ""                        # 'clocks.toml:12: clock.standard.event[3]' for messages
    key: str = ""                          # 'clock.standard.event[3]'


@dataclass(frozen=True)
class Clock:
    id: str
    title: str
    events: tuple[ClockEvent, ...]


OnDemand = Literal["full", "clips", "none"]


@dataclass(frozen=True)
class Show:
    id: str
    title: str
    kind: ShowKind
    hosts: tuple[str, ...] = ()
    clock: str = ""                        # required for rotation; optional opener/closer for prerecorded
    timing: Timing = "hard"                # how the show's first item starts
    tolerance_ms: int = 15_000             # fit-to-time tolerance at its start
    content_tolerance_ms: int = 120_000    # prerecorded: content this much shorter/longer is not flagged
    description: str = ""
    image: str = ""                        # a file name in the schedules folder's images/ (public show page)
    archive: bool = False                  # listen again: each airing becomes an episode (radiod.episodes)
    keep_days: int | None = 90             # episodes deleted this long after airing (None: kept forever)
    on_demand_music: OnDemand = "none"     # what of the music an episode keeps: full, clips or none


@dataclass(frozen=True)
class Slot:
    """A weekly grid entry (``days`` set) or a dated exception (``date`` set)."""

    show: str
    start: time
    end: time | None                       # None means 24:00 (midnight at the end of the day)
    days: tuple[int, ...] = ()             # 0 = Monday
    date: date | None = None
    overnight: bool = False
    note: str = ""
    where: str = ""                        # 'grid.toml:7: slot[1]' for messages
    key: str = ""                          # 'slot[1]' or 'exception[0]'

    @property
    def crosses_midnight(self) -> bool:
        return self.end is not None and self.end <= self.start


@dataclass(frozen=True)
class Separation:
    artist_minutes: int = 60
    artist_songs: int = 0
    title_minutes: int = 180
    title_songs: int = 0
    album_minutes: int = 60
    album_songs: int = 0


@dataclass(frozen=True)
class Rules:
    separation: Separation = field(default_factory=Separation)
    local_hour_percent: float = 0.0
    local_day_percent: float = 0.0
    complement: bool = False               # US sound recording performance complement
    fairness: Literal["least_recent", "random"] = "least_recent"
    fit_choices: int = 12                  # eligible tracks fit-to-time may choose between
    filler_categories: tuple[str, ...] = ()
    relax_order: tuple[str, ...] = RELAXABLE


@dataclass(frozen=True)
class FallbackEntry:
    category: str = ""
    playlist: str = ""                     # file in schedules/, paths relative to a media root
    paths: tuple[str, ...] = ()            # the playlist's entries, read at load time


@dataclass(frozen=True)
class Schedule:
    station_name: str
    timezone: str
    djs: tuple[str, ...]
    categories: dict[str, Category]
    clocks: dict[str, Clock]
    shows: dict[str, Show]
    slots: tuple[Slot, ...]                # weekly
    exceptions: tuple[Slot, ...]           # dated, override the weekly pattern where they overlap
    rules: Rules
    fallback: tuple[FallbackEntry, ...]
    warnings: tuple[str, ...] = ()         # located, non-fatal problems found while loading
    # locate('shows.toml', 'show.x.hosts') → '<path>/shows.toml:12: show.x.hosts' (line when known)
    locate: Callable[[str, str], str] = field(default=lambda file, key: f"{file}: {key}", compare=False,
                                              repr=False)
