"""The planning service: a plan's inputs gathered once, so every plan shown is the plan that airs.

The daemon (day logs), `radiod plan`, `radiod check`, `radiod simulate` and the panel's preview
all plan through :class:`Planner`: the same schedule, library tracks (with the artist registry),
recent play history, rules and seed, so the manager's preview of tomorrow is the log playout
saves for tomorrow.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

from radiod.clock import to_ms
from radiod.config import Config
from radiod.library.model import Track
from radiod.schedule.model import Schedule
from radiod.schedule.plan import DayLog, plan_days
from radiod.schedule.rotation import PlayRow

# How far back the play log is read for separation and fairness.
HISTORY_DAYS = 7

Connect = Callable[[], sqlite3.Connection]


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan depends on besides the day itself."""

    schedule: Schedule
    tracks: Sequence[Track]
    history: Sequence[PlayRow]
    seed: str
    media_roots: Sequence[Path]
    uploads_root: Path | None


def day_seed(day: date) -> str:
    """The seed playout plans a day with (the same plan for the same day, every time)."""
    return day.isoformat()


class Planner:
    """Gathers plan inputs from a station's files and database and plans days with them."""

    def __init__(self, config: Config, connect: Connect):
        self.config = config
        self.connect = connect

    def tracks(self) -> list[Track]:
        """Playable library tracks, artists resolved through the registry."""
        from radiod.library.query import load_tracks
        from radiod.library.registry import load_registry, registry_path

        registry = load_registry(registry_path(self.config.paths.schedules))
        conn = self.connect()
        try:
            return load_tracks(conn, registry)
        finally:
            conn.close()

    def history(self, day: date) -> list[PlayRow]:
        """Plays that aired in the week before ``day`` (for separation and fairness)."""
        from radiod.playlog.store import read_plays

        start = datetime.combine(day - timedelta(days=HISTORY_DAYS), datetime.min.time(), self.config.zone)
        conn = self.connect()
        try:
            rows = read_plays(conn, started_from_ms=to_ms(start))
        finally:
            conn.close()
        return [(r["track_id"], tuple(r["artist_keys"]), r["album"], r["title"], r["started_at_ms"])
                for r in rows if r["track_id"] is not None and r["played_ms"]]

    def inputs(self, schedule: Schedule, day: date, *, tracks: Sequence[Track] | None = None,
               seed: str | None = None) -> PlanInputs:
        """The inputs for planning from ``day`` on (``tracks`` when the caller has them already)."""
        return PlanInputs(schedule=schedule, tracks=self.tracks() if tracks is None else tracks,
                          history=self.history(day), seed=seed or day_seed(day),
                          media_roots=tuple(self.config.paths.media), uploads_root=self.config.paths.uploads)

    def plan(self, schedule: Schedule, day: date, days: int = 1, *, tracks: Sequence[Track] | None = None,
             seed: str | None = None) -> list[DayLog]:
        """Plan ``days`` days from ``day`` as playout would."""
        return plan_with(self.inputs(schedule, day, tracks=tracks, seed=seed), day, days)


def plan_with(inputs: PlanInputs, day: date, days: int = 1) -> list[DayLog]:
    """Plan ``days`` days from ``day`` with gathered inputs."""
    return plan_days(inputs.schedule, list(inputs.tracks), day, days, history=list(inputs.history),
                     seed=inputs.seed, media_roots=list(inputs.media_roots), uploads_root=inputs.uploads_root)


def readonly_planner(config: Config) -> Planner:
    """A planner reading the station's database read-only (the CLI and the panel)."""
    from radiod.store import open_readonly

    return Planner(config, lambda: open_readonly(config.paths.database))
