from __future__ import annotations

import sqlite3
import threading

import pytest

from radiod.errors import StoreError
from radiod.playlog.store import DuplicatePlay, PlayLog
from radiod.playlog.verify import verify_chain
from radiod.store import open_db, open_readonly

from .conftest import add_plays, snapshot

T0 = 1_763_700_000_000


def test_open_and_close_records_what_aired(log):
    pid = log.open_play(started_at_ms=T0 + 1250, planned_start_ms=T0, source="show", usage="theme",
                        show="Jazz Hour", category="", snapshot=snapshot(7, title="Ünder the Sea"), item_key="x1")
    (row,) = log.open_plays()
    assert row["id"] == pid and row["start_error_ms"] == 1250 and row["seq"] is None
    assert row["title"] == "Ünder the Sea" and row["artist_keys"] == ["artist 1"] and row["local"] is False
    closed = log.close_play(pid, ended_at_ms=T0 + 60_000, played_ms=58_750, end_reason="skipped", detail="dj")
    assert closed["seq"] == 1 and len(closed["hash"]) == 64
    assert log.open_plays() == []
    last = log.last_play()
    assert (last["played_ms"], last["end_reason"], last["detail"], last["usage"]) == (58_750, "skipped", "dj", "theme")


def test_close_exactly_once(log):
    pid = log.open_play(started_at_ms=T0, source="rotation", usage="feature", snapshot=snapshot(1))
    log.close_play(pid, ended_at_ms=T0 + 10, played_ms=10, end_reason="end")
    with pytest.raises(StoreError, match="already closed"):
        log.close_play(pid, ended_at_ms=T0 + 20, played_ms=20, end_reason="end")
    with pytest.raises(StoreError, match="no play 99"):
        log.close_play(99, ended_at_ms=T0, played_ms=0, end_reason="end")


def test_bad_values_are_refused_with_one_line(log):
    with pytest.raises(StoreError, match="usage: must be one of"):
        log.open_play(started_at_ms=T0, source="rotation", usage="music")
    pid = log.open_play(started_at_ms=T0, source="rotation", usage="feature")
    with pytest.raises(StoreError, match="end_reason: must be one of"):
        log.close_play(pid, ended_at_ms=T0, played_ms=0, end_reason="stopped")
    with pytest.raises(StoreError, match="must not be negative"):
        log.close_play(pid, ended_at_ms=T0, played_ms=-1, end_reason="end")
    assert len(log.open_plays()) == 1  # nothing half-written


def test_duplicate_item_key_is_refused_cleanly(log):
    pid = log.open_play(started_at_ms=T0, source="rotation", usage="feature", item_key="2026-11-21/7")
    with pytest.raises(DuplicatePlay) as info:
        log.open_play(started_at_ms=T0 + 5, source="rotation", usage="feature", item_key="2026-11-21/7")
    assert info.value.play_id == pid
    assert len(log.open_plays()) == 1


def test_close_open_as_interrupted_after_a_crash(tmp_path):
    conn = open_db(tmp_path / "r.db")
    log = PlayLog(conn)
    log.open_play(started_at_ms=T0, source="rotation", usage="feature", snapshot=snapshot(1, length_ms=100_000))
    log.open_play(started_at_ms=T0 + 90_000, source="rotation", usage="jingle", snapshot=snapshot(2))
    conn.close()  # the daemon died here
    log = PlayLog(open_db(tmp_path / "r.db"))
    assert log.close_open_as_interrupted(T0 + 120_000) == 2
    rows = log.plays()
    assert [(r["end_reason"], r["played_ms"], r["seq"]) for r in rows] == [
        ("interrupted", 100_000, 1), ("interrupted", 30_000, 2)]
    assert verify_chain(log.conn).ok


def test_closed_rows_cannot_be_updated_or_deleted(log, db):
    (pid,) = add_plays(log, 1)
    with pytest.raises(sqlite3.IntegrityError, match="closed play row cannot be changed"):
        db.execute("UPDATE plays SET title = 'x' WHERE id = ?", (pid,))
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        db.execute("DELETE FROM plays WHERE id = ?", (pid,))
    open_id = log.open_play(started_at_ms=T0, source="rotation", usage="feature")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        db.execute("DELETE FROM plays WHERE id = ?", (open_id,))


def test_corrections_are_audit_rows_applied_by_readers(log, db):
    (pid,) = add_plays(log, 1)
    c = log.correct(pid, "label", "Real Label", changed_by="manager", changed_at_ms=T0 + 999, reason="typo")
    assert (c["before"], c["after"]) == ('"Label"', '"Real Label"')
    row = log.plays()[0]
    assert row["label"] == "Real Label" and row["corrected_fields"] == ["label"]
    assert log.plays(corrected=False)[0]["label"] == "Label"
    with pytest.raises(StoreError, match="cannot be corrected"):
        log.correct(pid, "played_ms", 1, changed_by="m", changed_at_ms=T0)
    with pytest.raises(sqlite3.IntegrityError, match="corrections cannot be changed"):
        db.execute("UPDATE play_corrections SET after = '\"x\"'")
    assert verify_chain(db).ok and verify_chain(db).corrections_checked == 1


def test_listener_figures_follow_the_poller(log):
    pid = log.open_play(started_at_ms=T0, source="rotation", usage="feature", listeners=10)
    log.record_listeners(T0 + 60_000, 20)        # 10 listeners for 60 s
    log.record_listeners(T0 + 120_000, 5)        # 20 listeners for 60 s
    row = log.close_play(pid, ended_at_ms=T0 + 180_000, played_ms=180_000, end_reason="end")  # 5 for 60 s
    assert (row["listeners_start"], row["listeners_peak"], row["listeners_end"]) == (10, 20, 5)
    assert row["listener_ms"] == (10 + 20 + 5) * 60_000
    assert row["performances"] == 10 + 10  # ten more tuned in after the start
    late = log.open_play(started_at_ms=T0 + 200_000, source="rotation", usage="feature")  # the last count: 5
    log.record_listeners(T0 + 230_000, 4)
    row = log.close_play(late, ended_at_ms=T0 + 260_000, played_ms=60_000, end_reason="end")
    assert (row["listeners_start"], row["listeners_peak"], row["listeners_end"]) == (5, 5, 4)
    assert row["listener_ms"] == 5 * 30_000 + 4 * 30_000 and row["performances"] == 5


def test_first_figure_arriving_mid_play_starts_the_count(log):
    pid = log.open_play(started_at_ms=T0, source="rotation", usage="feature")
    log.record_listeners(T0 + 30_000, 4)
    row = log.close_play(pid, ended_at_ms=T0 + 60_000, played_ms=60_000, end_reason="end")
    assert (row["listeners_start"], row["listeners_peak"], row["listeners_end"]) == (4, 4, 4)
    assert (row["listener_ms"], row["performances"]) == (120_000, 4)


def test_without_a_poller_figures_stay_unknown(log):
    (pid,) = add_plays(log, 1)
    row = log.plays()[0]
    assert row["listeners_start"] is None and row["listener_ms"] is None


def test_readonly_connection_reads_plays(tmp_path):
    conn = open_db(tmp_path / "r.db")
    add_plays(PlayLog(conn), 3)
    from radiod.playlog.store import read_plays
    ro = open_readonly(tmp_path / "r.db")
    assert [r["seq"] for r in read_plays(ro)] == [1, 2, 3]


def test_threads_share_one_log(log):
    ids = []

    def engine():
        for n in range(30):
            pid = log.open_play(started_at_ms=T0 + n * 1000, source="rotation", usage="feature")
            log.close_play(pid, ended_at_ms=T0 + n * 1000 + 900, played_ms=900, end_reason="end")
            ids.append(pid)

    def poller():
        for n in range(60):
            log.record_listeners(T0 + n * 500, n)

    threads = [threading.Thread(target=engine), threading.Thread(target=poller)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 30 and verify_chain(log.conn).ok and verify_chain(log.conn).checked == 30
