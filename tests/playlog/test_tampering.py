"""Whoever bypasses the triggers (a raw connection that drops them) is still caught by the chain."""

from __future__ import annotations

import sqlite3
from zoneinfo import ZoneInfo

import pytest

from radiod.playlog.store import PlayLog
from radiod.playlog.verify import check_digest, daily_digest, verify_chain
from radiod.store import open_db

from .conftest import add_plays

ZONE = ZoneInfo("America/Toronto")


@pytest.fixture
def station_db(tmp_path):
    path = tmp_path / "radiod.db"
    conn = open_db(path)
    log = PlayLog(conn)
    add_plays(log, 12, step_ms=3 * 3_600_000)          # 12 plays over ~1.5 days
    log.correct(3, "isrc", "QZABC2600099", changed_by="manager", changed_at_ms=1_763_800_000_000)
    log.correct(5, "local", True, changed_by="manager", changed_at_ms=1_763_800_000_001)
    assert verify_chain(conn).ok
    digest = daily_digest(conn, ZONE)
    conn.close()
    return path, digest


def tamper(path, *statements):
    raw = sqlite3.connect(path)
    for trigger in ("plays_closed_immutable", "plays_no_delete", "play_corrections_no_update",
                    "play_corrections_no_delete"):
        raw.execute(f"DROP TRIGGER {trigger}")
    for sql in statements:
        raw.execute(sql)
    raw.commit()
    raw.close()
    return open_db(path)


@pytest.mark.parametrize("play_id", [1, 6, 12])
@pytest.mark.parametrize("column,value", [("title", "'Other'"), ("played_ms", "1"), ("local", "1 - local"),
                                          ("listener_ms", "5000"), ("ended_at_ms", "ended_at_ms + 1")])
def test_editing_any_row_is_detected(station_db, play_id, column, value):
    path, _ = station_db
    conn = tamper(path, f"UPDATE plays SET {column} = {value} WHERE id = {play_id}")
    result = verify_chain(conn)
    assert not result.ok
    assert result.breaks[0].row_id == play_id and "edited" in str(result.breaks[0])


@pytest.mark.parametrize("play_id", [1, 7])
def test_deleting_a_row_is_detected(station_db, play_id):
    path, _ = station_db
    conn = tamper(path, f"DELETE FROM plays WHERE id = {play_id}")
    result = verify_chain(conn)
    assert not result.ok
    assert "missing" in str(result.breaks[0])


def test_deleting_the_last_row_is_detected_by_the_published_digest(station_db):
    path, digest = station_db
    conn = tamper(path, "DELETE FROM plays WHERE id = 12")
    assert verify_chain(conn).ok  # what remains is a consistent chain: a cut tail is invisible to it…
    problems = check_digest(conn, ZONE, digest)
    assert problems and problems[0].startswith(digest[-1]["date"])  # …the digest can


def test_rehashing_a_deleted_tail_still_fails_against_the_digest(station_db):
    path, digest = station_db
    conn = tamper(path, "DELETE FROM plays WHERE id IN (11, 12)")
    assert check_digest(conn, ZONE, digest)


def test_deleting_an_open_row_is_detected(tmp_path):
    path = tmp_path / "r.db"
    conn = open_db(path)
    log = PlayLog(conn)
    add_plays(log, 3)
    log.open_play(started_at_ms=1_763_800_000_000, source="rotation", usage="feature")
    add_plays(log, 1, start_ms=1_763_800_500_000, key="late")
    conn.close()
    conn = tamper(path, "DELETE FROM plays WHERE seq IS NULL")
    result = verify_chain(conn)
    assert not result.ok and result.breaks[0].row_id == 4 and "deleted" in str(result.breaks[0])


def test_reordering_rows_is_detected(station_db):
    path, _ = station_db
    conn = tamper(path, "UPDATE plays SET seq = -1 WHERE seq = 4", "UPDATE plays SET seq = 4 WHERE seq = 5",
                  "UPDATE plays SET seq = 5 WHERE seq = -1")
    result = verify_chain(conn)
    assert not result.ok and result.breaks[0].seq == 4


def test_swapping_whole_rows_with_their_hashes_is_detected(station_db):
    path, _ = station_db
    # move row 8 (with its own seq, prev_hash and hash) to the end: the link after it breaks
    conn = tamper(path, "UPDATE plays SET seq = 100 WHERE id = 8")
    result = verify_chain(conn)
    assert not result.ok and "missing" in str(result.breaks[0])


@pytest.mark.parametrize("sql", ["UPDATE play_corrections SET after = '\"QZ0000000000\"' WHERE id = 1",
                                 "DELETE FROM play_corrections WHERE id = 1",
                                 "UPDATE play_corrections SET changed_by = 'someone else' WHERE id = 2"])
def test_tampering_with_corrections_is_detected(station_db, sql):
    path, _ = station_db
    conn = tamper(path, sql)
    result = verify_chain(conn)
    assert not result.ok and result.breaks[0].table == "play_corrections"


def test_untouched_log_matches_its_digest(station_db):
    path, digest = station_db
    conn = open_db(path)
    assert verify_chain(conn).ok and check_digest(conn, ZONE, digest) == []
    assert sum(d["rows"] for d in digest) == 12 and digest[-1]["last_seq"] == 12


def test_verifying_a_range_checks_its_link_to_the_row_before(station_db):
    path, digest = station_db
    conn = open_db(path)
    second_day_start = 1_763_700_000_000 + 8 * 3 * 3_600_000
    assert verify_chain(conn, from_ms=second_day_start).checked == 4
    conn.close()
    conn = tamper(path, "UPDATE plays SET title = 'x' WHERE id = 2")
    assert verify_chain(conn, from_ms=second_day_start).ok  # outside the range
    assert not verify_chain(conn).ok
