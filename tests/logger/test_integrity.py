"""Each closed hour file's length and SHA-256 in the logger's hash chain, and `radiod verify-log`
naming a recording altered by one byte, or missing before its time."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from radiod.clock import FakeClock
from radiod.logger.files import hour_files
from radiod.logger.store import chain_closed, chained_files, verify_recordings
from radiod.store import open_db

from .helpers import RATE, counter, epoch_ms, feed, make_logger, utc

RADIOD = str(Path(sys.executable).parent / "radiod")


def station_with_recordings(tmp_path: Path, fmt: str = "opus") -> tuple[Path, Path]:
    """A station whose logger recorded three hour files, chained as they closed."""
    station = tmp_path / "station"
    station.mkdir()
    (station / "radiod.toml").write_text(f'[logger]\nenabled = true\nformat = "{fmt}"\nretention_days = 3650\n')
    db = station / "radiod.db"
    open_db(db).close()
    folder = station / "logger"
    clock = FakeClock(utc(2026, 12, 3, 12))

    def chain(_entry: object) -> None:
        conn = open_db(db)
        chain_closed(conn, folder, 0)
        conn.close()

    logger = make_logger(folder, clock, fmt=fmt, keep_days=3650, on_closed=chain)
    feed(logger, counter(4 * RATE), epoch_ms(utc(2026, 12, 3, 12, 59, 58)))
    feed(logger, counter(4 * RATE), epoch_ms(utc(2026, 12, 3, 14, 0, 5)), first_frame=10**9)
    logger.close()
    return station, folder


def verify(station: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RADIOD, "--station", str(station), "verify-log"], capture_output=True, text=True,
                          timeout=60)


def test_closed_files_are_chained_in_order_and_verify_log_checks_them(tmp_path):
    station, folder = station_with_recordings(tmp_path)
    conn = open_db(station / "radiod.db")
    rows = chained_files(conn)
    assert [r.entry.name for r in rows] == [f.name for f in hour_files(folder)]
    assert [r.id for r in rows] == [1, 2, 3] and rows[1].prev_hash == rows[0].hash
    assert chain_closed(conn, folder, 0) == []                    # chained once
    with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):
        conn.execute("UPDATE logger_files SET sha256 = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
        conn.execute("DELETE FROM logger_files WHERE id = 3")
    conn.close()
    done = verify(station)
    assert done.returncode == 0 and "ok: 3 logger recordings match their hashes" in done.stdout, done.stdout + done.stderr


def test_a_file_altered_by_one_byte_is_named(tmp_path):
    station, folder = station_with_recordings(tmp_path)
    victim = hour_files(folder)[1]
    path = folder / victim.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    done = verify(station)
    assert done.returncode == 1
    assert f"BROKEN: recording {victim.name}: altered" in done.stderr, done.stderr
    assert done.stderr.count("BROKEN") == 1


def test_a_file_missing_before_its_time_is_named_and_after_it_is_not(tmp_path):
    station, folder = station_with_recordings(tmp_path)
    victim = hour_files(folder)[0]
    (folder / victim.name).unlink()
    done = verify(station)
    assert done.returncode == 1 and f"BROKEN: recording {victim.name}: missing from" in done.stderr, done.stderr
    assert "before its time" in done.stderr
    conn = open_db(station / "radiod.db")
    end_ms = (victim.end_us or 0) // 1000
    assert verify_recordings(conn, folder, 30, end_ms + 30 * 86_400_000)[1] == []       # its period was over
    assert len(verify_recordings(conn, folder, 30, end_ms + 30 * 86_400_000 - 1)[1]) == 1
    conn.close()


def test_an_edited_row_is_named(tmp_path):
    station, folder = station_with_recordings(tmp_path, fmt="flac")
    conn = sqlite3.connect(station / "radiod.db")
    conn.execute("DROP TRIGGER logger_files_immutable")          # what someone with the file could do
    conn.execute("UPDATE logger_files SET start_us = start_us + 1000000 WHERE id = 2")
    conn.commit()
    conn.close()
    done = verify(station)
    assert done.returncode == 1 and "(row 2): its row does not match its hash" in done.stderr, done.stderr


def test_verify_log_for_some_days_reads_only_their_recordings(tmp_path):
    station, folder = station_with_recordings(tmp_path)            # all on 3 December 2026
    victim = hour_files(folder)[1]
    (folder / victim.name).write_bytes(b"changed")
    other_day = subprocess.run([RADIOD, "--station", str(station), "verify-log", "--from", "2026-12-04",
                                "--to", "2026-12-04"], capture_output=True, text=True, timeout=60)
    assert other_day.returncode == 0, other_day.stderr
    that_day = subprocess.run([RADIOD, "--station", str(station), "verify-log", "--from", "2026-12-03",
                               "--to", "2026-12-03"], capture_output=True, text=True, timeout=60)
    assert that_day.returncode == 1 and victim.name in that_day.stderr
