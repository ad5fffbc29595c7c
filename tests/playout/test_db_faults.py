"""`radiod run` (real libVLC into a private null sink) while its database fails for real: a full
tmpfs under the database and its journal, a write lock held 30 s by another process, kill -9 with
plays only in the journal. The station stays on air (measured from the captured audio), and once
the database answers every play that aired is in it once, in order, hash-chained."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from audio_capture import LEFT, Capture, private_pulse
from db_faults import fill, small_tmpfs, write_lock
from radiod.playlog.journal import journal_path, load
from radiod.playlog.records import PlayOpened
from radiod.store import open_db

from .daemon_station import RADIOD, Daemon, db_rows, make_station, now_playing, wait_for

PLAY_LINE = re.compile(r"radiod\.playout\.engine: play (\d+): ")


def aired(daemon: Daemon) -> list[int]:
    """Play ids in the order the daemon's log says they went on air."""
    return [int(m.group(1)) for m in PLAY_LINE.finditer(daemon.log())]


def use_database(station: Path, db: Path) -> None:
    with (station / "radiod.toml").open("a") as f:
        f.write(f'[paths]\ndatabase = "{db}"\n')


def check_every_play_once(daemon: Daemon, db: Path, station: Path, *, contiguous: bool = True) -> list[dict]:
    """Every play the log announced is one row, in start order, one after the other on air; the
    chain verifies and SQLite finds nothing wrong."""
    ids = aired(daemon)
    rows = db_rows(db)
    assert [r["id"] for r in rows] == sorted(set(ids)) == ids          # once each, none missing
    assert [r for r in rows if r["seq"] is None] == []
    assert [r["id"] for r in sorted(rows, key=lambda r: r["seq"])] == ids   # chained in the order they ended
    starts = [r["started_at_ms"] for r in rows]
    assert starts == sorted(starts)
    for before, after in zip(rows, rows[1:]) if contiguous else ():
        # nothing aired between two rows that has no row of its own
        assert after["started_at_ms"] - before["ended_at_ms"] < 1000, (before, after)
    verify = subprocess.run([*RADIOD, "--station", str(station), "verify-log"], capture_output=True, text=True,
                            timeout=60)
    assert verify.returncode == 0 and verify.stdout.startswith("ok:"), verify.stdout + verify.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    return rows


def longest_silence_ms(cap: Capture) -> float:
    """The longest silence on air after the first sound (the join is not counted)."""
    sounds = cap.sounds(LEFT)
    assert sounds, "nothing was heard"
    gaps = [b.start_ms - a.end_ms for a, b in zip(sounds, sounds[1:])]
    return max(gaps, default=0.0)


def wait_for_plays(daemon: Daemon, count: int, timeout_s: float = 40) -> list[int]:
    return wait_for(lambda: len(aired(daemon)) >= count and aired(daemon), timeout_s=timeout_s,
                    what=f"{count} plays on air")


@pytest.mark.slow
def test_a_disk_that_fills_up_under_the_database_keeps_the_station_on_air(tmp_path):
    station, _ = make_station(tmp_path, song_ms=4000, show_ms=4000, minutes=10)
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        db = disk / "radiod.db"
        use_database(station, db)
        with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
            daemon = Daemon(station, tmp_path / "daemon.log")
            try:
                wait_for(lambda: db_rows(db), what="the first row")
                filler = fill(disk)
                before = len(db_rows(db))
                on_air = len(aired(daemon))
                # six more items air on the full disk: more than the journal file's last page holds
                wait_for_plays(daemon, on_air + 6)
                log = daemon.log()
                assert daemon.proc.poll() is None
                assert "play log: database unavailable (" in log and "full" in log
                assert "cannot write (No space left on device)" in log         # the journal too: in memory
                assert log.count("play log: database unavailable") == 1
                assert len(db_rows(db)) == before            # the fault was real: nothing reached SQLite
                wait_for(lambda: (now_playing(station) or {}).get("now", {}).get("play_id") == aired(daemon)[-1],
                         what="now-playing to name the play on air")
                filler.unlink()
                wait_for(lambda: {r["id"] for r in db_rows(db)} >= set(aired(daemon)), what="the rows")
                assert "written again" in daemon.log() and "database back after" in daemon.log()
            finally:
                code = daemon.terminate()
        assert code == 0, daemon.log()[-3000:]
        check_every_play_once(daemon, db, station)
        silence = longest_silence_ms(cap)
    print(f"\nlongest silence on air, disk full under the database: {silence:.0f} ms")
    assert silence < 500


@pytest.mark.slow
def test_radiod_run_starts_with_the_disk_already_full(tmp_path):
    station, _ = make_station(tmp_path, song_ms=4000, show_ms=4000, minutes=10)
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        db = disk / "radiod.db"
        use_database(station, db)
        open_db(db).close()                       # a station that stopped cleanly: no -wal, no -shm
        filler = fill(disk)
        with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
            daemon = Daemon(station, tmp_path / "daemon.log")
            try:
                wait_for_plays(daemon, 3)
                assert daemon.proc.poll() is None
                assert db_rows(db) == []
                assert "kept in memory" in daemon.log()
                filler.unlink()
                wait_for(lambda: {r["id"] for r in db_rows(db)} >= set(aired(daemon)), what="the rows")
            finally:
                code = daemon.terminate()
        assert code == 0, daemon.log()[-3000:]
        check_every_play_once(daemon, db, station)
        silence = longest_silence_ms(cap)
    print(f"\nlongest silence on air, started on a full disk: {silence:.0f} ms")
    assert silence < 500


def ctl(station: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RADIOD, "--station", str(station), "ctl", *args], capture_output=True, text=True,
                          timeout=30)


def skip_gap_ms(cap_sounds, at_ms: float) -> float:
    """The silence around a skip at monotonic ``at_ms``."""
    gaps = [(b.start_ms - a.end_ms) for a, b in zip(cap_sounds, cap_sounds[1:])
            if a.end_ms >= at_ms - 200 and a.end_ms <= at_ms + 3000]
    return max(gaps, default=0.0)


@pytest.mark.slow
def test_a_write_lock_held_30_s_by_another_process_while_skipping(tmp_path):
    station, _ = make_station(tmp_path, song_ms=8000, minutes=10)
    db = station / "radiod.db"
    with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: db_rows(db), what="the first row")
            skips = []
            for _ in range(3):                  # skips with the database answering: the normal gap
                time.sleep(2)
                skips.append(time.monotonic() * 1000)
                assert ctl(station, "skip").returncode == 0
            time.sleep(2)
            with write_lock(db):
                locked_at = time.monotonic()
                for _ in range(3):
                    time.sleep(4)
                    skips.append(time.monotonic() * 1000)
                    assert ctl(station, "skip").returncode == 0
                while time.monotonic() - locked_at < 30:
                    time.sleep(0.5)
                assert daemon.proc.poll() is None
                held = {r["id"] for r in db_rows(db)}
                assert not set(aired(daemon)) <= held            # plays are waiting behind the lock
            wait_for(lambda: {r["id"] for r in db_rows(db)} >= set(aired(daemon)), what="the rows")
        finally:
            code = daemon.terminate()
    assert code == 0, daemon.log()[-3000:]
    log = daemon.log()
    assert log.count("play log: database unavailable (") == 1 and "database is locked" in log
    rows = check_every_play_once(daemon, db, station)
    assert sum(1 for r in rows if r["end_reason"] == "skipped") == 6
    sounds = cap.sounds(LEFT)
    gaps = [round(skip_gap_ms(sounds, at)) for at in skips]
    silence = longest_silence_ms(cap)
    print(f"\nsilence at a skip: {gaps[:3]} ms with the database answering, {gaps[3:]} ms with its write "
          f"lock held; longest silence {silence:.0f} ms")
    assert max(gaps[3:]) < max(gaps[:3]) + 300          # the lock adds nothing beyond a skip's own gap
    assert silence < 1000


@pytest.mark.slow
def test_kill_nine_with_plays_only_in_the_journal(tmp_path):
    station, _ = make_station(tmp_path, song_ms=4000, show_ms=4000, minutes=10)
    db = station / "radiod.db"
    open_db(db).close()
    with private_pulse(tmp_path):
        with write_lock(db):
            daemon = Daemon(station, tmp_path / "daemon.log")
            ids = wait_for_plays(daemon, 3)
            time.sleep(0.5)
            daemon.kill9()
            journaled = [r.play_id for r in load(journal_path(db)).records if isinstance(r, PlayOpened)]
            assert journaled == ids and db_rows(db) == []       # only the journal has them
        again = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: {r["id"] for r in db_rows(db)} >= set(aired(again)) and len(aired(again)) > 3,
                     what="the rows")
        finally:
            code = again.terminate()
    assert code == 0, again.log()[-3000:]
    rows = check_every_play_once(again, db, station, contiguous=False)     # off air between kill and restart
    by_id = {r["id"]: r for r in rows}
    assert by_id[ids[-1]]["end_reason"] == "interrupted"     # on air at the kill
    assert "record(s) from the journal" in again.log()


def test_now_playing_on_a_full_disk_is_a_warning_not_the_end_of_playout(tmp_path, caplog):
    import logging

    from radiod.clock import SystemClock
    from radiod.daemon import _Tolerant
    from radiod.playout.nowplaying import NowPlayingWriter

    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        write = _Tolerant(NowPlayingWriter(disk / "now-playing.json", station="X", hide_next=False,
                                           clock=SystemClock()))
        filler = fill(disk)
        caplog.set_level(logging.WARNING)
        for _ in range(3):
            write({"state": "playing", "now": None})
        assert caplog.text.count("now-playing file not written") == 1
        assert not (disk / "now-playing.json").exists()
        filler.unlink()
        write({"state": "playing", "now": None})
        assert "now-playing file written again" in caplog.text
        assert (disk / "now-playing.json").exists()
