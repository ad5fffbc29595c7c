"""`radiod run` as a real process (libVLC into a private null sink), driven by `radiod ctl`."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from audio_capture import private_pulse
from radiod.config import load_config
from radiod.daemon import Daemon as RadiodDaemon
from radiod.errors import PlayerError
from radiod.playout.fake_player import FakePlayer
from radiod.playout.port import Cue

from .contract import make_tone
from .daemon_station import RADIOD, Daemon, make_station, now_playing, rows, wait_for


def ctl(station: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RADIOD, "--station", str(station), "ctl", *args], capture_output=True, text=True,
                          timeout=30)


def open_rows(station: Path) -> list[dict]:
    return [r for r in rows(station) if r["seq"] is None]


@pytest.mark.slow
def test_run_ctl_and_clean_shutdown(tmp_path):
    station, items = make_station(tmp_path, song_ms=20_000, minutes=10)
    alert = make_tone(tmp_path / "alert.wav", 1500, 880)
    with private_pulse(tmp_path):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            first = wait_for(lambda: open_rows(station), what="on air")[0]

            status = ctl(station, "status")
            assert status.returncode == 0, status.stderr
            assert "state: playing" in status.stdout and first["title"] in status.stdout
            reply = json.loads(ctl(station, "status", "--json").stdout)
            assert reply["ok"] and reply["now"]["play_id"] == first["id"]
            assert reply["output"].startswith("PulseAudio sink 'radio'")

            assert ctl(station, "skip").returncode == 0
            second = wait_for(lambda: [r for r in open_rows(station) if r["id"] != first["id"]], what="skip")[0]
            closed = {r["id"]: r for r in rows(station)}[first["id"]]
            assert closed["end_reason"] == "skipped"

            inserted = ctl(station, "insert", str(alert))
            assert inserted.returncode == 0, inserted.stderr
            alert_row = wait_for(lambda: [r for r in rows(station) if r["source"] == "insert"], what="insert")[0]
            assert alert_row["path"] == str(alert)
            wait_for(lambda: [r for r in rows(station) if r["source"] == "insert" and r["seq"] is not None],
                     what="the insert to end")
            assert {r["id"]: r for r in rows(station)}[second["id"]]["end_reason"] == "cut"
            wait_for(lambda: [r for r in open_rows(station) if r["source"] != "insert"], what="the log to carry on")

            assert "state: paused" not in ctl(station, "status").stdout
            assert json.loads(ctl(station, "pause", "--json").stdout)["state"] == "paused"
            assert json.loads(ctl(station, "resume", "--json").stdout)["state"] == "playing"

            missing = ctl(station, "insert", str(tmp_path / "nope.wav"))
            assert missing.returncode == 2 and "nope.wav" in missing.stderr
            assert "Traceback" not in missing.stderr and len(missing.stderr.strip().splitlines()) == 1

            assert ctl(station, "errors").returncode == 0
            assert ctl(station, "reload").returncode == 0

            daemon.proc.send_signal(signal.SIGUSR1)          # thread dump, and it keeps running
            wait_for(lambda: "engine" in daemon.log() and "most recent call first" in daemon.log(),
                     what="a thread dump")
            assert daemon.proc.poll() is None
        finally:
            code = daemon.terminate()
    assert code == 0, daemon.log()[-2000:]
    assert open_rows(station) == []
    final = rows(station)
    assert final[-1]["end_reason"] == "shutdown"
    assert now_playing(station)["state"] == "stopped"
    assert not (station / "state" / "control.sock").exists()
    assert "stopped cleanly" in daemon.log()


def test_ctl_without_a_daemon_says_so_in_one_line(tmp_path):
    (tmp_path / "radiod.toml").write_text('[station]\nname = "X"\n')
    result = ctl(tmp_path, "status")
    assert result.returncode == 2
    assert result.stderr.strip() == f"radiod: {tmp_path / 'state' / 'control.sock'}: radiod is not running (no control socket)"


def test_run_refuses_to_start_without_schedule_or_log(tmp_path):
    (tmp_path / "radiod.toml").write_text('[station]\nname = "X"\n[playout]\noutput = "file:out.wav"\n')
    result = subprocess.run([*RADIOD, "--station", str(tmp_path), "run"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "schedules" in result.stderr


class BrokenPlayer(FakePlayer):
    """A player with a bug: the engine thread dies on the first prepare."""

    def prepare(self, cue: Cue) -> None:
        raise RuntimeError("bug in the player")


def test_daemon_exits_non_zero_when_the_engine_thread_dies(tmp_path):
    station, _ = make_station(tmp_path, minutes=2)
    config = load_config(station)
    from radiod.clock import SystemClock

    clock = SystemClock()
    daemon = RadiodDaemon(config, clock=clock, player=BrokenPlayer(clock))
    previous = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    with pytest.raises(PlayerError, match="bug in the player"):
        daemon.run()
    assert time.monotonic() - started < 30
    assert signal.getsignal(signal.SIGTERM) is previous            # handlers restored
    assert not (station / "state" / "control.sock").exists()
