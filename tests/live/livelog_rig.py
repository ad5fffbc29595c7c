"""A live show for the live-log tests: a station whose live show "Night Moves" is in its slot now,
its hosts and others as real accounts, a real scanned library track, and the real LiveDesk (its
logins, host check and LiveLog into a real hash-chained PlayLog) with a stand-in for the mixer
that says when each of the DJ's frames is heard. ``serve_control()`` answers the control socket
the way the daemon does, so the panel's "on now" goes through the socket to the desk.

No Liquidsoap runs: the harbor's lines (LIVECONNECT…) and the DJ's audio are handed to the
desk as its thread would (tests/live/test_live_vlc.py covers them for real).
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from radiod.accounts.users import Accounts
from radiod.bridge.harbor import HarborAuth, accounts_login, station_slots
from radiod.bridge.live import LiveLog
from radiod.clock import Clock
from radiod.config import Config, load_config
from radiod.library.query import load_track
from radiod.library.scan import scan_library
from radiod.library.tags import write_tags
from radiod.live.desk import LiveDesk
from radiod.live.wiring import host_check
from radiod.playlog.store import PlayLog
from radiod.playout.control import ControlServer
from radiod.playout.messages import ControlCommand, LiveLogSong
from radiod.store import open_db, open_readonly

PASSWORD = "correct horse battery"
ZONE = "America/Toronto"
LEAD_MS = 500              # the stand-in mixer: a frame is heard this long after it arrived
SHOW = "Night Moves"


def station(root: Path, now: datetime, *, correction_hours: int = 24, slot_minutes: int = 60) -> Path:
    """A station whose live show "night" has a slot from ``slot_minutes`` before ``now`` to as long after."""
    local = now.astimezone(ZoneInfo(ZONE))
    start = max(local - timedelta(minutes=slot_minutes), local.replace(hour=0, minute=0))
    end = min(local + timedelta(minutes=slot_minutes), local.replace(hour=23, minute=59))
    (root / "media").mkdir(parents=True, exist_ok=True)
    sched = root / "schedules"
    sched.mkdir(parents=True, exist_ok=True)
    (root / "radiod.toml").write_text(
        f'[station]\nname = "Test FM"\ntimezone = "{ZONE}"\n[paths]\nmedia = ["media"]\n'
        f'[web]\nsecret_key = "test-key-not-secret"\n'
        f"[liquidsoap]\nlive_input = true\nlive_grace_minutes = 5\nlive_correction_hours = {correction_hours}\n",
        encoding="utf-8")
    (sched / "station.toml").write_text(f'[station]\nname = "Test FM"\ntimezone = "{ZONE}"\n'
                                        'djs = ["kim", "ana", "lee"]\n', encoding="utf-8")
    (sched / "shows.toml").write_text(
        f'[show.night]\ntitle = "{SHOW}"\nkind = "live"\nhosts = ["kim"]\n\n'
        '[show.morning]\ntitle = "Morning"\nkind = "live"\nhosts = ["lee"]\n', encoding="utf-8")
    (sched / "artists.toml").write_text('[[artist]]\nname = "The Gulls"\nlocal = true\naliases = ["Gulls"]\n',
                                        encoding="utf-8")
    (sched / "grid.toml").write_text(
        f'[[slot]]\ndays = "daily"\nstart = "{start:%H:%M}"\nend = "{end:%H:%M}"\nshow = "night"\n',
        encoding="utf-8")
    return root


def add_people(config: Config, clock: Clock) -> None:
    """kim hosts Night Moves (schedule), ana co-hosts it (account), lee hosts another show, boss manages."""
    conn = open_db(config.paths.database)
    accounts = Accounts(conn, clock)
    accounts.add_user("kim", "dj", PASSWORD)
    accounts.add_user("ana", "dj", PASSWORD, shows=("night",))
    accounts.add_user("lee", "dj", PASSWORD, shows=("morning",))
    accounts.add_user("boss", "manager", PASSWORD)
    conn.close()


def add_track(config: Config, clock: Clock) -> int:
    """One real scanned MP3 in the library: "Low Tide" by Quiet Harbours, with an ISRC."""
    path = config.paths.media[0] / "tide.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
                    "-ac", "1", "-ar", "22050", "-b:a", "32k", str(path)], check=True)
    write_tags(path, {"title": "Low Tide", "artist": "Quiet Harbours", "album": "Shore", "isrc": "CAAB12600001",
                      "label": "Dock Records"})
    conn = open_db(config.paths.database)
    scan_library(conn, [path.parent], clock=clock)
    track_id = conn.execute("SELECT id FROM tracks WHERE title = 'Low Tide'").fetchone()[0]
    conn.close()
    return int(track_id)


class _Voice:
    """The player's live voice as the desk sees it: ``received`` frames so far (44.1 kHz, by the clock)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.since_ms: int | None = None

    @property
    def received(self) -> int:
        return 0 if self.since_ms is None else (self.clock.monotonic_ms() - self.since_ms) * 441 // 10

    def push(self, pcm: bytes) -> None:
        pass

    def reset(self) -> None:
        pass


class MixerStandIn:
    """Says when the DJ's frames are heard: ``LEAD_MS`` after they arrived."""

    def __init__(self, clock: Clock):
        self.live = _Voice(clock)

    def live_heard_ms(self, live_frame: int) -> int | None:
        if self.live.since_ms is None:
            return None
        return self.live.since_ms + LEAD_MS + live_frame * 10 // 441

    def live_began_ms(self) -> int | None:
        return None if self.live.since_ms is None else self.live.since_ms + LEAD_MS


class LiveShow:
    """The desk of a station with its live show on now (``go_live`` puts kim on air)."""

    def __init__(self, station_dir: Path, clock: Clock):
        self.clock = clock
        self.config = load_config(station_dir, env={})
        self.conn = open_db(self.config.paths.database)
        self.playlog = PlayLog(self.conn)
        self.accounts = Accounts(open_db(self.config.paths.database), clock)
        lq = self.config.liquidsoap
        self.harbor = HarborAuth(accounts_login(self.accounts), station_slots(self.config), clock,
                                 timedelta(minutes=lq.live_grace_minutes))
        self.player = MixerStandIn(clock)
        self.posted: list[Any] = []
        self.desk = LiveDesk(self.config, clock, self.player, self.posted.append, LiveLog(self.playlog, clock),
                             self.harbor, binary="liquidsoap", may_log=host_check(self.accounts, self.harbor))
        self.control: ControlServer | None = None

    def go_live(self, user: str = "kim") -> None:
        """kim logs in to the harbor, connects and their audio arrives (the desk's own handlers)."""
        reply = self.desk._request({"cmd": "auth", "user": user, "password": PASSWORD, "address": "127.0.0.1"})
        assert reply.startswith("ok "), reply
        self.desk._on_line("LIVECONNECT")
        self.player.live.since_ms = self.clock.monotonic_ms()
        self.desk._on_audio(True)

    def encoder_song(self, artist: str, title: str) -> None:
        """The DJ's encoder sends a metadata update (as Liquidsoap's LIVEMETA line)."""
        self.desk._on_line('LIVEMETA [["artist", "%s"], ["title", "%s"]]' % (artist, title))

    def drop(self) -> None:
        self.desk._on_line("LIVEDISCONNECT")

    def find_track(self, track_id: int):
        conn = open_readonly(self.config.paths.database)
        try:
            return load_track(conn, track_id)
        finally:
            conn.close()

    def credit(self, artist: str) -> dict[str, Any]:
        from radiod.daemon import Daemon
        return Daemon._credit(self, artist)      # the daemon's own (it needs only _registry)

    def _registry(self) -> Any:
        from radiod.library.registry import load_registry, registry_path
        return load_registry(registry_path(self.config.paths.schedules))

    def handle(self, command: ControlCommand) -> dict[str, Any]:
        """The daemon's handling of the command (radiod.daemon.Daemon._live_log)."""
        if isinstance(command, LiveLogSong):
            return self.desk.take_song(command, self.find_track, self.credit)
        return {"ok": False, "error": "not handled here"}

    def serve_control(self) -> None:
        self.control = ControlServer(self.config.control_socket, self.handle)
        self.control.start()

    def rows(self) -> list[dict[str, Any]]:
        return self.playlog.plays() + self.playlog.open_plays()

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
        self.desk.server.close()
        self.conn.close()
        self.accounts.conn.close()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
