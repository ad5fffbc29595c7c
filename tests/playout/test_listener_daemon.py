"""Listener figures end to end: a real `radiod run` (libVLC into a private null sink) with
``reports.icecast_status_url`` set polls a real icecast2 on 127.0.0.1 that has a real ffmpeg
source and real HTTP listeners; the counts land on the play rows and the SoundExchange reports
(ATH and performances) are built from them. A frozen Icecast (SIGSTOP) costs one log line and
never a moment of playout."""

from __future__ import annotations

import signal
import subprocess
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest

from audio_capture import private_pulse
from icecast_server import Listener, icecast_server, listeners_on, wait_until
from radiod.reports.rows import is_reportable_performance
from radiod.reports.soundexchange import DELIMITER

from .daemon_station import RADIOD, Daemon, make_station, rows, wait_for, wall_ms

MOUNT = "/radio.mp3"


def closed(station):
    return [r for r in rows(station) if r["seq"] is not None]


@pytest.mark.slow
def test_the_daemon_records_listener_figures_from_icecast_and_reports_use_them(tmp_path):
    station, _ = make_station(tmp_path, song_ms=3000, show_ms=4000, minutes=5, lead_ms=1000)
    with icecast_server(tmp_path) as icecast:
        url = icecast.url
        icecast.add_source(MOUNT.lstrip("/"))
        with (station / "radiod.toml").open("a") as toml:
            toml.write(f'[reports]\nicecast_status_url = "{url}/status-json.xsl"\nlistener_poll_seconds = 1\n')
        listeners = [Listener(url + MOUNT), Listener(url + MOUNT)]
        wait_until(lambda: listeners_on(url, MOUNT) == 2, "two listeners")
        with private_pulse(tmp_path):
            daemon = Daemon(station, tmp_path / "daemon.log")
            try:
                # Before the fix nothing polled: every row's figures stayed NULL and this timed out.
                wait_for(lambda: [r for r in closed(station) if r["listener_ms"] is not None][2:], timeout_s=40,
                         what="three closed plays with listener figures")
                joining_ms = wall_ms()
                listeners.append(Listener(url + MOUNT))
                wait_until(lambda: listeners_on(url, MOUNT) == 3, "a third listener")
                joined_ms = wall_ms()
                wait_for(lambda: [r for r in closed(station) if r["started_at_ms"] > joined_ms + 1500][1:],
                         timeout_s=40, what="two plays started after the third listener came")
                # Icecast stops answering (its TCP backlog still accepts): each poll ends at its timeout.
                icecast.process.send_signal(signal.SIGSTOP)
                try:
                    frozen_ms = wall_ms()
                    wait_for(lambda: [r for r in closed(station) if r["started_at_ms"] > frozen_ms + 3000][1:],
                             timeout_s=40, what="two plays while Icecast is frozen")
                finally:
                    icecast.process.send_signal(signal.SIGCONT)
                wait_for(lambda: "answers again" in daemon.log(), timeout_s=20, what="Icecast to be read again")
            finally:
                code = daemon.terminate()
                for listener in listeners:
                    listener.close()
            assert code == 0, daemon.log()[-2000:]

    failed_polls = [line for line in daemon.log().splitlines() if "listener figures:" in line]
    assert len(failed_polls) == 2 and "timed out" in failed_polls[0] and "answers again" in failed_polls[1], \
        failed_polls
    plays = rows(station)
    assert plays and all(r["seq"] is not None for r in plays)
    # Back to back the whole time, frozen Icecast or not: the poller never held playout up.
    assert [r["end_reason"] for r in plays[:-1]] == ["end"] * (len(plays) - 1)
    gaps = [b["started_at_ms"] - a["ended_at_ms"] for a, b in zip(plays, plays[1:])]
    assert all(abs(gap) < 250 for gap in gaps), gaps
    assert all(r["listener_ms"] is not None and r["listeners_start"] in (2, 3) for r in plays), plays
    before = [r for r in plays if r["ended_at_ms"] < joining_ms]
    after = [r for r in plays if r["started_at_ms"] > joined_ms + 1500]   # 1 s poll + slack: counted as 3
    assert len(before) >= 2 and len(after) >= 2, [(r["title"], r["started_at_ms"] - joining_ms) for r in plays]
    # Listener time is the count times the time on air. The first row may have opened before the
    # first poll (counted from then on), every later row from its start: exactly. (A row the
    # stop closes may end a few ms before the instant it was timed to start: no time on air.)
    for r in before[1:]:
        assert (r["listeners_start"], r["listeners_peak"], r["listeners_end"], r["performances"]) == (2, 2, 2, 2)
        assert r["listener_ms"] == 2 * (r["ended_at_ms"] - r["started_at_ms"]), r
    for r in after:
        assert (r["listeners_start"], r["listeners_peak"], r["listeners_end"], r["performances"]) == (3, 3, 3, 3)
        assert r["listener_ms"] == 3 * max(0, r["ended_at_ms"] - r["started_at_ms"]), r

    days = sorted({datetime.fromtimestamp(r["started_at_ms"] / 1000, timezone.utc).date() for r in plays})
    period = ["--from", days[0].isoformat(), "--to", days[-1].isoformat()]
    ath_file, atp_file = tmp_path / "ath.txt", tmp_path / "atp.txt"
    for args in (["--ath", "-o", str(ath_file)], ["-o", str(atp_file)]):
        done = subprocess.run([*RADIOD, "--station", str(station), "report", "soundexchange", *period, *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    hours = Decimal(sum(r["listener_ms"] for r in plays)) / Decimal(3_600_000)
    expected = str(hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    ath_lines = ath_file.read_text().splitlines()
    assert ath_lines and all(line.split(DELIMITER)[7] == expected for line in ath_lines), (expected, ath_lines)
    music = [r for r in plays if is_reportable_performance(r)]
    atp_total = sum(int(line.split(DELIMITER)[-1]) for line in atp_file.read_text().splitlines())
    assert atp_total == sum(r["performances"] for r in music) > 0
