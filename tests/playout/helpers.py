"""Building blocks for engine tests: log items, a FakeClock station and play-log queries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from radiod.clock import FakeClock, to_ms
from radiod.config import PlayoutConfig
from radiod.playlog.store import PlayLog
from radiod.playout.engine import Engine
from radiod.playout.fake_player import FakePlayer
from radiod.playout.fallback import Fallback
from radiod.playout.messages import COMMANDS, PlayNow
from radiod.playout.simulation import run_until
from radiod.schedule.log import LogItem
from radiod.store import open_db

UTC = timezone.utc
T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


def at(minutes: float = 0, base: datetime = T0) -> datetime:
    return base + timedelta(minutes=minutes)


def song(n: int, start: datetime, length_s: float = 180, timing: str = "follow", tolerance_s: float = 0,
         **kw) -> LogItem:
    length = int(length_s * 1000)
    return LogItem(start=start, length_ms=length, kind="music", source="rotation", usage="feature",
                   timing=timing, tolerance_ms=int(tolerance_s * 1000), track_id=n, path=f"/media/{n}.mp3",
                   cue_out_ms=length, title=f"Song {n}", artist=f"Artist {n}", category="current", **kw)


def show(name: str, start: datetime, length_s: float, timing: str = "hard") -> LogItem:
    length = int(length_s * 1000)
    return LogItem(start=start, length_ms=length, kind="show", source="show", usage="talk", timing=timing,
                   path=f"/uploads/{name}.mp3", cue_out_ms=length, title=name, show=name)


def sequence(start: datetime, lengths_s: list[float], first: int = 1) -> list[LogItem]:
    items, t = [], start
    for n, length in enumerate(lengths_s, start=first):
        items.append(song(n, t, length))
        t += timedelta(seconds=length)
    return items


class Rig:
    """An engine on a FakeClock with a FakePlayer and a real SQLite play log."""

    def __init__(self, db_path: Path, items: list[LogItem], start: datetime = T0, *,
                 fallback: Fallback | None = None, config: PlayoutConfig | None = None,
                 clock: FakeClock | None = None):
        self.db_path = db_path
        self.clock = clock or FakeClock(start)
        # Opening a file takes no time here, so a late start lands exactly on the instant asked.
        self.player = FakePlayer(self.clock, prepare_ms=0)
        self.conn = open_db(db_path)
        self.conn.execute("PRAGMA synchronous = OFF")      # test speed; durability is not under test
        self.playlog = PlayLog(self.conn)
        self.published: list[dict] = []
        self.engine = Engine(self.player, self.clock, self.playlog, config or PlayoutConfig(), items=items,
                             fallback=fallback, on_change=self.published.append)
        self.started_engine = False

    def run_until(self, instant: datetime) -> None:
        if not self.started_engine:
            self.engine.start()
            self.started_engine = True
        run_until(self.engine, self.player, self.clock, instant)

    def command(self, name: str, **args) -> dict:
        message = PlayNow(**args) if name == "insert" else COMMANDS[name].type()
        future = self.engine.command(message)
        self.engine.pump()
        return future.result(timeout=0)

    def rows(self) -> list[dict]:
        return self.playlog.plays()

    def open_rows(self) -> list[dict]:
        return self.playlog.open_plays()

    def started(self, handle_part: str) -> list[int]:
        """Monotonic instants of 'started' events for handles containing ``handle_part``."""
        return [e.at_ms for e in self.player.history if e.kind == "started" and handle_part in e.handle]


def ms(instant: datetime) -> int:
    return to_ms(instant)
