"""A media share unmounted under a running `radiod run`: the daemon plays on (the next reachable
item, fallback where nothing is), a scan marks none of its tracks missing and names the share, and
the daemon's status carries the alert the dashboard shows."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from datetime import timezone
from pathlib import Path

from audio_capture import private_pulse
from radiod.app.daylogs import save_log
from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.daemon import Daemon as RadiodDaemon
from radiod.playout.fake_player import FakePlayer
from radiod.playout.messages import EngineState, Status

from .daemon_station import RADIOD, Daemon, make_station, rows, wait_for

ROOT = os.geteuid() == 0      # as root a real tmpfs is mounted; otherwise the folder is made unreadable


def go_away(share: Path) -> None:
    """The share disappears: unmounted (lazily: libVLC may hold a file open), or made unreadable."""
    if ROOT:
        assert subprocess.run(["umount", "-l", str(share)]).returncode == 0
    else:
        share.chmod(0)


def clean_up(share: Path) -> None:
    if ROOT:
        subprocess.run(["umount", str(share)], capture_output=True)
    else:
        share.chmod(0o755)


def share_station(tmp_path: Path) -> tuple[Path, Path]:
    """make_station's station with b, c and the show on a tmpfs share that is a second media root."""
    station, items = make_station(tmp_path, song_ms=3000, show_ms=3000, minutes=5, lead_ms=500)
    share = station / "share"
    share.mkdir()
    if ROOT:
        assert subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(share)]).returncode == 0
    moved = []
    for item in items:
        path = Path(item.path)
        if path.stem != "a":
            if not (share / path.name).exists():
                shutil.copy(path, share / path.name)
            item = dataclasses.replace(item, path=str(share / path.name))
        moved.append(item)
    for day in sorted({i.start.astimezone(timezone.utc).date() for i in moved}):
        save_log(station / "state" / "logs" / f"{day.isoformat()}.json", day,
                 [i for i in moved if i.start.astimezone(timezone.utc).date() == day])
    with (station / "radiod.toml").open("a") as f:
        f.write('[paths]\nmedia = ["media", "share"]\n')
    return station, share


def test_unmounting_a_share_under_the_daemon(tmp_path):
    station, share = share_station(tmp_path)
    scan = subprocess.run([*RADIOD, "--station", str(station), "scan", "--no-analyze"], capture_output=True,
                          text=True, timeout=60)
    assert scan.returncode == 0 and scan.stdout.startswith("7 files: 7 new"), scan.stdout + scan.stderr
    try:
        with private_pulse(tmp_path):
            daemon = Daemon(station, tmp_path / "daemon.log")
            try:
                wait_for(lambda: [r for r in rows(station) if "/share/" in r["path"] and r["seq"] is None],
                         timeout_s=30, what="an item from the share on air")
                go_away(share)                      # under the playing file
                before = len(rows(station))
                # on air goes on: the share's items are passed over and the local item airs again
                wait_for(lambda: [r for r in rows(station)[before:] if r["path"].endswith("/media/a.wav")],
                         timeout_s=40, what="the local item after the unmount")
                assert daemon.proc.poll() is None, daemon.log()
                # the engine names the share once and passes its items over until it is back
                assert f"media-outage: {share}: " in daemon.log()
            finally:
                assert daemon.terminate() == 0, daemon.log()
    finally:
        if ROOT:
            clean_up(share)             # (already unmounted when all went well)

    again = subprocess.run([*RADIOD, "--station", str(station), "scan", "--no-analyze"], capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0 and "0 missing" in again.stdout.splitlines()[0]
    gone = "the folder is empty where 3 tracks were" if ROOT else "cannot list the folder"
    assert f"warning: {share}: {gone}" in again.stderr
    clean_up(share)


def test_the_daemons_rescan_puts_the_alert_in_its_status(tmp_path):
    station, share = share_station(tmp_path)
    try:
        config = load_config(station)
        clock = SystemClock()
        daemon = RadiodDaemon(config, clock=clock, player=FakePlayer(clock))
        daemon._rescan()
        assert daemon.library_alert == ""
        go_away(share)
        daemon._rescan()
        assert daemon.library_alert.startswith(f"{share}: ")
        assert "its tracks were left as they were" in daemon.library_alert
        status = Status(state=EngineState.PLAYING).with_daemon(output="x", schedule_error="",
                                                                library_alert=daemon.library_alert)
        assert ("library", daemon.library_alert) in status.lines()          # the dashboard's lines
        assert Status.from_public(status.to_public()).library_alert == daemon.library_alert
    finally:
        clean_up(share)
