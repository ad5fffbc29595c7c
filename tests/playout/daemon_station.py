"""A small station for daemon tests: real tone files, a saved day log, a real `radiod run` process.

The daemon plays through real libVLC into a private PulseAudio null sink started by the test
(``tests/audio_capture.private_pulse``), so restarts never leave audio servers behind.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timezone
from pathlib import Path

from radiod.clock import from_ms
from radiod.app.daylogs import save_log
from radiod.playout.timing import Timeline
from radiod.schedule.log import LogItem

from .contract import make_tone

RADIOD = [str(Path(sys.executable).parent / "radiod")]


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def make_station(root: Path, *, song_ms: int = 6000, show_ms: int = 30_000, minutes: int = 15,
                 lead_ms: int = 5000) -> tuple[Path, list[LogItem]]:
    """A station whose saved log starts ``lead_ms`` ago: three songs, then a show, repeated."""
    station = root / "station"
    media = station / "media"
    media.mkdir(parents=True)
    files = {name: make_tone(media / f"{name}.wav", length, freq)
             for name, length, freq in (("a", song_ms, 440), ("b", song_ms, 554), ("c", song_ms, 659),
                                        ("show", show_ms, 330))}
    (station / "radiod.toml").write_text(
        '[station]\nname = "Test FM"\ntimezone = "UTC"\n'
        '[playout]\nengine = "vlc"\noutput = "pulse:radio"\npreroll_ms = 2000\nfade_out_ms = 300\n'
        '[library]\nrescan_minutes = 0\n')
    start = wall_ms() - lead_ms
    items: list[LogItem] = []
    t, n = start, 0
    while t < start + minutes * 60_000:
        for name in ("a", "b", "c", "show"):
            n += 1
            length = show_ms if name == "show" else song_ms
            kind = "show" if name == "show" else "music"
            items.append(LogItem(
                start=from_ms(t), length_ms=length, kind=kind, source="show" if kind == "show" else "rotation",
                usage="talk" if kind == "show" else "feature", path=str(files[name]), cue_out_ms=length,
                title=f"{name} #{n}", artist="Tone", track_id=None, show="Tone Show" if kind == "show" else ""))
            t += length
    days = sorted({i.start.astimezone(timezone.utc).date() for i in items})
    for day in days:
        save_log(station / "state" / "logs" / f"{day.isoformat()}.json", day,
                 [i for i in items if i.start.astimezone(timezone.utc).date() == day])
    return station, items


class Daemon:
    """`radiod run` in its own process group (so a kill takes its children too, as systemd would)."""

    def __init__(self, station: Path, log_path: Path):
        self.station = station
        self.log_path = log_path
        self.spawned_ms = wall_ms()
        self.log_file = log_path.open("ab")
        self.proc = subprocess.Popen([*RADIOD, "--station", str(station), "run"], stdout=self.log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ))

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log_file.close()

    def terminate(self, timeout_s: float = 20) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout_s)
        finally:
            self.log_file.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def rows(station: Path) -> list[dict]:
    return db_rows(station / "radiod.db")


def db_rows(db: Path) -> list[dict]:
    """Every play row of the database at ``db``, read-only; [] while it does not exist yet."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM plays ORDER BY id")]
    except sqlite3.OperationalError:
        return []               # not created yet
    finally:
        conn.close()


def wait_for(predicate, timeout_s: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def now_playing(station: Path) -> dict | None:
    try:
        return json.loads((station / "state" / "now-playing.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def timeline(items: list[LogItem]) -> Timeline:
    return Timeline(items)

