"""Outages on the real daemon (`radiod run`, real libVLC into a private PulseAudio null sink, the
air recorded with parec): its music folder renamed away and back, and the whole process group
SIGSTOPped and SIGCONTed. What is checked is what was heard and what the daemon logged."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from audio_capture import LEFT, Capture, private_pulse
from radiod.clock import from_ms
from radiod.app.daylogs import save_log
from radiod.playout.engine import base_key
from radiod.playout.media_roots import RETRY_MS
from radiod.playout.timing import join_point

from .contract import make_tone
from .daemon_station import RADIOD, Daemon, make_station, rows, timeline, wait_for
from tests.schedule.helpers import write_schedule


def ctl_json(station: Path, *args: str) -> dict:
    out = subprocess.run([*RADIOD, "--station", str(station), "ctl", *args, "--json"], capture_output=True,
                         text=True, timeout=30)
    return json.loads(out.stdout)


def silences(cap: Capture, from_ms: float, to_ms: float, min_ms: float = 50) -> list[tuple[float, float]]:
    """Stretches of silence (start, length ms) on the air between two monotonic instants."""
    sounds = [s for s in cap.sounds(LEFT, min_silence_ms=min_ms) if s.end_ms > from_ms and s.start_ms < to_ms]
    gaps = []
    edge = from_ms
    for s in sounds:
        if s.start_ms - edge >= min_ms:
            gaps.append((edge, s.start_ms - edge))
        edge = max(edge, s.end_ms)
    if to_ms - edge >= min_ms:
        gaps.append((edge, to_ms - edge))
    return gaps


def monotonic_ms() -> float:
    return time.monotonic_ns() / 1e6


def assert_log_sound(station: Path) -> None:
    """The as-played log verifies, the database is intact, no item has two rows, none is open."""
    done = subprocess.run([*RADIOD, "--station", str(station), "verify-log"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("ok:"), done.stdout + done.stderr
    conn = sqlite3.connect(station / "radiod.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    every = rows(station)
    keys = [r["item_key"] for r in every]
    assert len(keys) == len(set(keys)) and all(r["seq"] is not None for r in every)


@pytest.mark.slow
def test_sigstop_is_logged_as_dead_air_and_the_station_comes_back_by_the_clock(tmp_path):
    station, items = make_station(tmp_path, song_ms=6000, minutes=6, lead_ms=2000)
    tl = timeline(items)
    with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            first = wait_for(lambda: [r for r in rows(station) if r["seq"] is None], what="on air")[0]
            time.sleep(2.5)
            heard_from = monotonic_ms() - 2000
            on_air = [r for r in rows(station) if r["seq"] is None][-1]
            before = rows(station)
            stopped_at, stopped_wall = monotonic_ms(), time.time() * 1000
            os.killpg(daemon.proc.pid, signal.SIGSTOP)          # every process of the service, as a VM stall
            time.sleep(6)
            os.killpg(daemon.proc.pid, signal.SIGCONT)
            woke_at, woke_wall = monotonic_ms(), time.time() * 1000
            stood = woke_at - stopped_at
            new = wait_for(lambda: [r for r in rows(station) if r["id"] > max(b["id"] for b in before)],
                           what="a play after the stall")[0]
            time.sleep(4)
            errors = ctl_json(station, "errors")["errors"]
            until = monotonic_ms()
        finally:
            code = daemon.terminate()
        cap.stop()
    assert code == 0, daemon.log()[-2000:]
    assert_log_sound(station)
    log = daemon.log()
    dead = [e for e in errors if e["kind"] == "dead-air"]
    assert len(dead) == 1, errors
    # The length logged is the time the process stood still, within the engine's tick (250 ms) and
    # the time from the test's signal to the engine's wake.
    assert stood - 100 <= dead[0]["length_ms"] <= stood + 600, (dead, stood)
    assert log.count("dead-air: the process stood still for") == 1
    # The row that was on air claims only what was heard before the stall.
    closed = {r["id"]: r for r in rows(station)}[on_air["id"]]
    assert closed["end_reason"] == "interrupted" and "stood still" in closed["detail"]
    assert closed["played_ms"] <= stopped_wall - closed["started_at_ms"] + 600, closed
    # Back on air by the clock: what join_point says belongs on air at the wake, promptly.
    done = {base_key(r["item_key"]) for r in before}
    resumable = {base_key(r["item_key"]) for r in before if r["seq"] is None}
    choices = {tl.keys[c.index] for c in (join_point(tl, t, done, resumable) for t in (woke_wall, woke_wall + 1500))
               if c.index is not None}
    assert base_key(new["item_key"]) in choices, (new, choices)
    # A new stream opens with the output clock's 3 s preamble (libVLC settles, then the start
    # marker): measured 3.3 s; 1.3–2.1 s before the output clock.
    assert new["started_at_ms"] - woke_wall <= 5000, (new["started_at_ms"] - woke_wall)
    # What was heard: silence from when the output's buffer ran dry until the output was started
    # anew and the item due came on (a restart's worth), then sound without a break.
    gaps = silences(cap, heard_from, until)
    assert gaps, "no silence heard during a 6 s SIGSTOP?"
    start, end = gaps[0][0], gaps[-1][0] + gaps[-1][1]
    assert stopped_at <= start <= stopped_at + 1000, [(round(g[0] - stopped_at), round(g[1])) for g in gaps]
    assert end <= woke_at + 5000, [(round(g[0] - stopped_at), round(g[1])) for g in gaps]
    length = end - start
    print(f"stood still {stood:.0f} ms; logged {dead[0]['length_ms']} ms; silence heard {length:.0f} ms "
          f"from {start - stopped_at:+.0f} ms after SIGSTOP to {end - woke_at:+.0f} ms after SIGCONT; next play {new['started_at_ms'] - woke_wall:+.0f} ms "
          f"after SIGCONT; first row {first['id']}")


def station_with_ids_elsewhere(tmp_path: Path) -> tuple[Path, list]:
    """The test station, with its station IDs in a second media folder (the fallback chain)."""
    station, items = make_station(tmp_path, song_ms=6000, minutes=6, lead_ms=2000)
    (station / "idroot" / "ids").mkdir(parents=True)
    make_tone(station / "idroot" / "ids" / "id1.wav", 2500, 880)
    make_tone(station / "idroot" / "ids" / "id2.wav", 2500, 988)
    config = (station / "radiod.toml").read_text()
    (station / "radiod.toml").write_text(config + '[paths]\nmedia = ["media", "idroot"]\n')
    write_schedule(station / "schedules", station='''
        [station]
        name = "Test FM"
        timezone = "UTC"
        djs = ["sam"]
        [fallback]
        chain = [{ category = "pop" }]
    ''')
    today = from_ms(int(time.time() * 1000)).astimezone(timezone.utc).date()
    for day in (today, today + timedelta(days=1)):
        path = station / "state" / "logs" / f"{day.isoformat()}.json"
        if not path.exists():
            save_log(path, day, [])                 # nothing to plan: the saved log is the plan
    scan = subprocess.run([*RADIOD, "--station", str(station), "scan", "--no-analyze"], capture_output=True,
                          text=True, timeout=120)
    assert scan.returncode == 0, scan.stderr
    return station, items


@pytest.mark.slow
def test_a_music_folder_renamed_away_and_back_keeps_the_station_on_air(tmp_path):
    station, items = station_with_ids_elsewhere(tmp_path)
    media = station / "media"
    with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: [r for r in rows(station) if r["seq"] is None], what="on air")
            time.sleep(2)
            gone_at, gone_wall = monotonic_ms(), time.time() * 1000
            media.rename(station / "media.away")
            time.sleep(15)
            (station / "media.away").rename(media)
            back_at, back_wall = monotonic_ms(), time.time() * 1000
            resumed = wait_for(lambda: [r for r in rows(station) if r["source"] != "fallback"
                                        and r["started_at_ms"] > back_wall], what="the plan to resume", timeout_s=15)[0]
            time.sleep(8)
            errors = ctl_json(station, "errors")["errors"]
            until = monotonic_ms()
        finally:
            code = daemon.terminate()
        cap.stop()
    assert code == 0, daemon.log()[-2000:]
    assert_log_sound(station)
    log = daemon.log()
    every = rows(station)
    assert [r for r in every if r["end_reason"] == "failed"] == [], "an item was failed for its folder"
    outage = [e for e in errors if e["kind"] == "media-outage"]
    assert len(outage) == 2, errors
    assert outage[0]["detail"].startswith(f"{media}: missing")
    assert outage[1]["detail"].startswith(f"{media} is back after")
    assert log.count("media-outage:") == 2
    assert 0 < outage[1]["length_ms"] <= back_wall - gone_wall + 3500
    # Bridged by the IDs from the other folder.
    fill = [r for r in every if r["source"] == "fallback"]
    assert fill and all(r["path"].startswith(str(station / "idroot")) for r in fill)
    # The plan came back by itself, within the retry interval and a preroll.
    assert resumed["started_at_ms"] - back_wall <= RETRY_MS + 2000 + 1000, resumed["started_at_ms"] - back_wall
    # What was heard: no silence beyond the fallback's start, from before the outage to the end.
    gaps = silences(cap, gone_at - 1000, until)
    longest = max((g[1] for g in gaps), default=0.0)
    assert longest < 1000, gaps
    print(f"away {back_at - gone_at:.0f} ms; outage logged {outage[1]['length_ms']} ms; "
          f"longest silence {longest:.0f} ms; silences {[(round(g[0] - gone_at), round(g[1])) for g in gaps]} (from the rename); "
          f"plan back {resumed['started_at_ms'] - back_wall:+.0f} ms after the folder; {len(fill)} ID plays")
