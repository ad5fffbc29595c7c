"""The as-played log port: what the engine needs from the play log, and nothing more.

Adapters: radiod.playlog's ``JournaledPlayLog`` (the daemon) and ``PlayLog`` (SQLite, for
simulations and tests). An ``open_play`` for an item key that already has a row raises
radiod.errors.DuplicatePlay.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

from radiod.playlog.positions import HeardPlay


class PlayWriter(Protocol):
    """What the engine needs from the as-played log."""

    def open_play(self, *, started_at_ms: int, source: str, usage: str, planned_start_ms: int | None = None,
                  show: str = "", category: str = "", track_id: int | None = None,
                  snapshot: Mapping[str, Any] | None = None, item_key: str | None = None, channel: str = "",
                  exclusion: str = "", listeners: int | None = None,
                  show_id: str = "") -> int: ...

    def close_play(self, play_id: int, *, ended_at_ms: int, played_ms: int, end_reason: str,
                   detail: str = "") -> object: ...

    def close_open_as_interrupted(self, now_ms: int, detail: str = ...) -> int: ...

    def mark_heard(self, at_ms: int, plays: Sequence[HeardPlay]) -> None:
        """How much of each open play has been heard (every heartbeat): what a crash closes them at."""

    def outcomes(self, *, started_from_ms: int) -> list[tuple[str, str]]: ...
