"""A live DJ on the default engine, for real: libVLC into a private PulseAudio null sink (captured),
the engine on alternating automation tones, the harbor's Liquidsoap, and ffmpeg as the DJ's
source client. Used by tests/live and by bench/airchain.py (the DJ switch figures).

Automation plays two tones on the left channel only; the DJ sends a tone on both channels at
another pitch, so the capture says, window by window, who is on air.
"""

from __future__ import annotations

import base64
import logging
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np

from audio_capture import Capture, private_pulse, write_tone
from radiod.accounts.users import Accounts
from radiod.bridge.harbor import HarborAuth, LiveSlot
from radiod.bridge.live import LiveLog
from radiod.clock import SystemClock
from radiod.config import Config, PlayoutConfig, load_config
from radiod.live.desk import LiveDesk
from radiod.playlog.store import PlayLog
from radiod.playout.engine import Engine
from radiod.playout.nowplaying import NowPlayingWriter
from radiod.playout.output import RATE
from radiod.playout.vlc_player import VlcPlayer
from radiod.schedule.log import LogItem
from radiod.store import open_db
from radiod.live.wiring import harbor_login

AUTO = (300, 500)          # automation's tones (left channel)
DJ_HZ = 2000               # the DJ's tone
OTHER_HZ = 2600            # a DJ who must never be heard
PASSWORD = "correct horse battery"
WINDOW_MS = 10


def dj(port: int, user: str, freq: int, seconds: float, password: str = PASSWORD) -> subprocess.Popen[str]:
    """ffmpeg as a DJ's source client, streaming a tone as MP3 to the harbor in real time."""
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=44100",
         "-t", str(seconds), "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg",
         "-f", "mp3", f"icecast://{user}:{urllib.parse.quote(password)}@127.0.0.1:{port}/live"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def send_song(port: int, user: str, song: str) -> bytes:
    """What DJ software does when a song starts: the Icecast metadata update."""
    query = urllib.parse.urlencode({"mount": "/live", "mode": "updinfo", "song": song})
    req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/metadata?{query}")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode())
    return urllib.request.urlopen(req, timeout=10).read()


def wait_until(predicate, timeout_s: float = 20.0, step_s: float = 0.02):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


class LogLines(logging.Handler):
    """Every record of radiod's loggers, as text."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass
class Stretch:
    """Who was heard over a span of the capture: 'auto', 'dj', 'other' or None (silence)."""

    who: str | None
    start_ms: float           # monotonic, when heard
    end_ms: float


def who_is_on(cap: Capture) -> list[Stretch]:
    """Per WINDOW_MS of the capture: silence, automation (left only) or a DJ (both channels), by pitch."""
    frames = cap.frames.astype(np.float64) / 32768
    n = RATE * WINDOW_MS // 1000
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    out: list[Stretch] = []
    for i in range(len(frames) // n):
        w = frames[i * n:(i + 1) * n]
        level = np.sqrt(np.mean(w ** 2, axis=0))
        who: str | None = None
        if level.max() >= 0.01:
            right = level[1] >= 0.01
            peak = freqs[int(np.argmax(np.abs(np.fft.rfft(w[:, 1 if right else 0] * np.hanning(n)))))]
            if not right:
                who = "auto"
            else:
                who = "dj" if abs(peak - DJ_HZ) < abs(peak - OTHER_HZ) else "other"
        start, end = cap.ms_of(i * n), cap.ms_of((i + 1) * n)
        if out and out[-1].who == who:
            out[-1].end_ms = end
        else:
            out.append(Stretch(who, start, end))
    return out


@dataclass
class Switch:
    """One switch seen in the capture: the last sound of the one going, the first of the one coming."""

    asked_ms: float           # the DJ's connection started / their client ended (monotonic)
    gone_ms: float            # last sound of what went
    heard_ms: float           # first sound of what came

    @property
    def delay_ms(self) -> float:
        return self.heard_ms - self.asked_ms

    @property
    def silence_ms(self) -> float:
        return max(0.0, self.heard_ms - self.gone_ms)


def switches(stretches: list[Stretch], connects: list[float], drops: list[float]) -> tuple[list[Switch], list[Switch]]:
    """For each DJ connection and drop: when the DJ (resp. automation) was first heard after it."""
    sounding = [s for s in stretches if s.who is not None and s.end_ms - s.start_ms >= 50]

    def after(t: float, who: str) -> Switch | None:
        for i, s in enumerate(sounding):
            if s.who == who and s.start_ms >= t and i > 0 and sounding[i - 1].who != who:
                return Switch(t, sounding[i - 1].end_ms, s.start_ms)
        return None

    ins = [sw for t in connects if (sw := after(t, "dj")) is not None]
    outs = [sw for t in drops if (sw := after(t, "auto")) is not None]
    return ins, outs


def max_silence_ms(stretches: list[Stretch], start_ms: float, end_ms: float) -> float:
    """The longest silence in the capture between two instants."""
    gaps = [min(s.end_ms, end_ms) - max(s.start_ms, start_ms) for s in stretches
            if s.who is None and s.end_ms > start_ms and s.start_ms < end_ms]
    return max(gaps, default=0.0)


@dataclass
class LiveRig:
    """The whole chain, built in ``directory``; ``close()`` stops all of it."""

    directory: Path
    port: int
    buffer_ms: int = 500
    fade_ms: int = 300
    clock: SystemClock = field(default_factory=SystemClock)
    now_playing: bool = False      # keep state/now-playing.json, as the daemon does (the panel reads it)

    def __post_init__(self) -> None:
        tmp = self.directory
        (tmp / "radiod.toml").write_text(
            f'[playout]\noutput = "auto"\nfade_out_ms = {self.fade_ms}\n'
            f'[liquidsoap]\nlive_input = true\nharbor_port = {self.port}\nlive_grace_minutes = 0\n'
            f'harbor_buffer_ms = {self.buffer_ms}\n')
        self.logs = LogLines()
        logging.getLogger("radiod").addHandler(self.logs)
        logging.getLogger("radiod").setLevel(logging.INFO)
        self._pulse_cm = private_pulse(tmp)
        self.pulse = self._pulse_cm.__enter__()
        self.config: Config = load_config(tmp, env={})
        self.conn = open_db(self.config.paths.database)
        accounts = Accounts(self.conn, self.clock)
        accounts.add_user("kim", "dj", PASSWORD, shows=("night",))
        accounts.add_user("lee", "dj", PASSWORD, shows=("morning",))
        now = self.clock.now()
        self.slots = {"night": LiveSlot("night", "Night Moves", now - timedelta(minutes=5), now + timedelta(hours=1)),
                      "morning": LiveSlot("morning", "Morning", now + timedelta(hours=2), now + timedelta(hours=3))}
        harbor = HarborAuth(harbor_login(accounts), lambda start, end: list(self.slots.values()), self.clock,
                            timedelta(0))
        paths = [str(write_tone(tmp / f"auto{f}.wav", f, 1000, channel=0)) for f in AUTO]
        self.player = VlcPlayer(self.clock, output="auto", cache_dir=tmp / "cache", state_dir=tmp / "state")
        self.player.check_output()
        t0 = self.clock.now() + timedelta(seconds=1)
        items = [LogItem(start=t0 + timedelta(seconds=n), length_ms=1000, kind="music", source="rotation",
                         usage="feature", path=paths[n % 2], cue_out_ms=1000, title=f"Auto {n}", artist="Robot")
                 for n in range(600)]
        self.live_conn = open_db(self.config.paths.database)
        self.playlog = PlayLog(self.conn)
        on_change = NowPlayingWriter(self.config.now_playing_file, station="Test FM", hide_next=False,
                                     clock=self.clock) if self.now_playing else None
        self.engine = Engine(self.player, self.clock, self.playlog,
                             PlayoutConfig(preroll_ms=500, fade_out_ms=self.fade_ms), items=items,
                             on_change=on_change)
        self.desk = LiveDesk(self.config, self.clock, self.player, self.engine.post,
                             LiveLog(PlayLog(self.live_conn), self.clock), harbor,
                             binary=shutil.which("liquidsoap") or "liquidsoap")
        self.capture = Capture(self.pulse)
        self.capture.__enter__()
        self.thread = threading.Thread(target=self.engine.run, daemon=True)
        self.thread.start()
        self.desk.start()
        wait_until(lambda: self.engine.current is not None and self.engine.current.started_wall is not None)
        wait_until(self.harbor_listens, timeout_s=30)
        time.sleep(1.0)              # automation heard for a while

    def harbor_listens(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def close(self) -> None:
        try:
            self.desk.close()
            self.engine.stop()
            self.thread.join(10)
            self.capture.__exit__(None, None, None)
            self.final_rows = self.playlog.plays()
        finally:
            self.conn.close()
            self.live_conn.close()
            logging.getLogger("radiod").removeHandler(self.logs)
            self._pulse_cm.__exit__(None, None, None)

    def rows(self) -> list[dict]:
        """The play log's rows (after ``close``: as it left them)."""
        return getattr(self, "final_rows", None) or self.playlog.plays()
