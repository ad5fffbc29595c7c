"""The play-log journal and its drainer against real faults: a full tmpfs, a write lock held by
another process, a torn line, a restart with records not yet in the database."""

from __future__ import annotations

import logging
import os
import time
import sqlite3
from pathlib import Path

import pytest

from radiod.errors import StoreError
from radiod.playlog.drain import Drainer, write_records
from radiod.playlog.journal import journal_path, load
from radiod.playlog.store import DuplicatePlay, PlayLog
from radiod.playlog.verify import verify_chain
from radiod.playlog.writer import open_journaled
from radiod.store import open_db

from db_faults import fill, small_tmpfs, write_lock

from .conftest import snapshot

T0 = 1_763_700_000_000


def writer_for(db: Path, now_ms: int = T0):
    return open_journaled(db, journal_path(db), now_ms=now_ms)


def connect(db: Path):
    return lambda: open_db(db, busy_timeout_ms=200)


def air(w, count: int, start_n: int = 0, key: str = "k") -> list[int]:
    ids = []
    for n in range(start_n, start_n + count):
        t = T0 + n * 200_000
        pid = w.open_play(started_at_ms=t, planned_start_ms=t, source="rotation", usage="feature",
                          snapshot=snapshot(n), item_key=f"{key}{n}")
        w.close_play(pid, ended_at_ms=t + 180_000, played_ms=180_000, end_reason="end")
        ids.append(pid)
    return ids


def rows(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM plays ORDER BY id").fetchall()
    finally:
        conn.close()


def check_log(db: Path) -> None:
    conn = open_db(db)
    try:
        assert verify_chain(conn).breaks == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@pytest.fixture
def tmpfs(tmp_path):
    """A 1 MiB tmpfs: a disk that really fills up."""
    with small_tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


def test_plays_are_written_in_order_and_chained(tmp_path):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = writer_for(db)
    ids = air(w, 5)
    assert ids == [1, 2, 3, 4, 5]                  # ids from the journal, before SQLite saw a thing
    assert rows(db) == []
    drainer = Drainer(w.journal, connect(db))
    assert drainer.drain_once() and drainer.written == 10
    got = rows(db)
    assert [r["id"] for r in got] == ids and [r["seq"] for r in got] == [1, 2, 3, 4, 5]
    assert [r["item_key"] for r in got] == [f"k{n}" for n in range(5)]
    check_log(db)
    with pytest.raises(DuplicatePlay):
        w.open_play(started_at_ms=T0, source="rotation", usage="feature", item_key="k3")
    with pytest.raises(StoreError, match="no open play 3"):
        w.close_play(3, ended_at_ms=T0, played_ms=0, end_reason="end")
    assert w.journal.compact() and load(journal_path(db)).records == []
    assert oct(journal_path(db).stat().st_mode & 0o777) == "0o600"      # closed to other users


def test_a_restart_writes_what_the_journal_holds_exactly_once(tmp_path):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = writer_for(db)
    air(w, 2)
    drainer = Drainer(w.journal, connect(db))
    drainer.drain_once()
    air(w, 2, start_n=2)
    open_id = w.open_play(started_at_ms=T0 + 10**6, source="rotation", usage="feature", item_key="open",
                          snapshot=snapshot(9, length_ms=60_000))
    # the process dies here: four records and one open play are only in the journal
    w2 = writer_for(db, now_ms=T0 + 10**6 + 90_000)
    assert w2.open_ids() == [open_id]
    assert w2.close_open_as_interrupted(T0 + 10**6 + 90_000) == 1
    assert ("open", "interrupted") in w2.outcomes(started_from_ms=0)
    again = air(w2, 1, start_n=10)
    assert again == [open_id + 1]                  # ids go on from the journal
    # the first drainer's batch, written a second time (a crash after COMMIT), is skipped
    conn = open_db(db)
    assert write_records(conn, load(journal_path(db)).records[:1]) == 0
    conn.close()
    Drainer(w2.journal, connect(db)).drain_once()
    got = rows(db)
    assert [r["id"] for r in got] == [1, 2, 3, 4, 5, 6]
    assert {r["id"]: r["end_reason"] for r in got}[open_id] == "interrupted"
    assert {r["id"]: r["played_ms"] for r in got}[open_id] == 60_000        # capped at its length
    check_log(db)


def test_a_torn_last_line_is_dropped_and_the_journal_goes_on(tmp_path, caplog):
    db = tmp_path / "radiod.db"
    w = writer_for(db)
    air(w, 1)
    path = journal_path(db)
    with path.open("ab") as f:
        f.write(b'0badc0de {"type":"open","n":3,"pl')          # the crash came mid-write
    caplog.set_level(logging.WARNING)
    w2 = writer_for(db)
    assert "dropped a torn record" in caplog.text and str(path) in caplog.text
    air(w2, 1, start_n=1)
    assert [r.n for r in load(path).records] == [1, 2, 3, 4]
    Drainer(w2.journal, connect(db)).drain_once()
    assert [r["item_key"] for r in rows(db)] == ["k0", "k1"]
    check_log(db)


def test_a_full_disk_keeps_records_in_memory_until_space_returns(tmpfs, caplog):
    db = tmpfs / "radiod.db"
    open_db(db).close()
    w = writer_for(db)
    drainer = Drainer(w.journal, connect(db))
    air(w, 1)
    assert drainer.drain_once()
    filler = fill(tmpfs)
    caplog.set_level(logging.WARNING)
    ids = air(w, 30, start_n=1)          # ~25 KB of records: neither the journal nor SQLite takes them
    assert ids == list(range(2, 32))
    assert "cannot write (No space left on device)" in caplog.text
    assert caplog.text.count("cannot write") == 1          # one line for the whole outage
    # the journal's last page had room for a few; the rest is kept in memory, in order
    on_disk = [r.n for r in load(journal_path(db)).records]
    in_memory = w.journal.unwritten()
    assert len(in_memory) >= 40
    assert len(on_disk) + len(in_memory) == 62
    assert not drainer.drain_once()
    assert "database unavailable" in caplog.text
    assert len(rows(db)) == 1
    filler.unlink()
    assert drainer.drain_once()
    assert f"written again ({len(in_memory)} record(s)" in caplog.text
    assert [r.n for r in load(journal_path(db)).records] == list(range(1, 63))
    assert [r["id"] for r in rows(db)] == list(range(1, 32))
    check_log(db)


def test_starting_on_a_full_disk_reads_the_database_and_waits(tmpfs, caplog):
    db = tmpfs / "radiod.db"
    log = PlayLog(open_db(db))
    log.open_play(started_at_ms=T0, source="rotation", usage="feature", item_key="before")
    log.conn.close()                      # clean close: no -wal, no -shm
    filler = fill(tmpfs)
    caplog.set_level(logging.WARNING)
    w = writer_for(db, now_ms=T0 + 5000)           # reads the database immutable (nothing to miss)
    assert w.open_ids() == [1]
    assert w.close_open_as_interrupted(T0 + 5000) == 1
    assert air(w, 1) == [2]
    drainer = Drainer(w.journal, connect(db))
    assert not drainer.drain_once()
    filler.unlink()
    assert drainer.drain_once()
    assert [(r["id"], r["end_reason"]) for r in rows(db)] == [(1, "interrupted"), (2, "end")]
    check_log(db)


def test_a_write_lock_held_by_another_process_only_delays_the_rows(tmp_path, caplog):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = writer_for(db)
    drainer = Drainer(w.journal, connect(db))
    with write_lock(db):
        caplog.set_level(logging.WARNING)
        air(w, 3)
        assert not drainer.drain_once()
        assert "database unavailable (" in caplog.text and "database is locked" in caplog.text
        assert w.journal.waiting() == 6
    assert drainer.drain_once()
    assert "database back after" in caplog.text
    assert [r["item_key"] for r in rows(db)] == ["k0", "k1", "k2"]
    check_log(db)


def test_the_drainer_thread_stops_with_everything_written(tmp_path):
    db = tmp_path / "radiod.db"
    w = writer_for(db)
    drainer = Drainer(w.journal, connect(db))
    drainer.start()
    air(w, 4)
    assert drainer.stop(5.0) == 0
    assert len(rows(db)) == 4
    assert load(journal_path(db)).records == []           # compacted at stop
    w2 = writer_for(db)
    assert air(w2, 1, start_n=4) == [5]
    assert os.path.getsize(journal_path(db)) < 2000


def test_the_journal_writes_the_same_rows_and_hashes_as_writing_directly(tmp_path):
    """Opens, closes, listener counts and a crash's interrupted plays, through the journal and
    straight into SQLite: the same rows, the same chain."""
    direct_db, journal_db = tmp_path / "direct.db", tmp_path / "journal.db"
    direct = PlayLog(open_db(direct_db))
    journaled = writer_for(journal_db)
    for w in (direct, journaled):
        a = w.open_play(started_at_ms=T0, planned_start_ms=T0 - 20, source="rotation", usage="feature",
                        snapshot=snapshot(1), item_key="a")
        w.record_listeners(T0 + 1000, 5)
        b = w.open_play(started_at_ms=T0 + 2000, source="show", usage="talk", show="Night", item_key="b",
                        snapshot=snapshot(2, length_ms=3000))
        w.record_listeners(T0 + 2500, 9)
        w.close_play(a, ended_at_ms=T0 + 3000, played_ms=3000, end_reason="skipped", detail="by hand")
        c = w.open_play(started_at_ms=T0 + 3000, source="fallback", usage="station_id", snapshot=snapshot(3))
        w.close_play(c, ended_at_ms=T0 + 4000, played_ms=1000, end_reason="end")
        assert (a, b, c) == (1, 2, 3)
        assert w.close_open_as_interrupted(T0 + 9000) == 1
    direct.conn.close()
    Drainer(journaled.journal, connect(journal_db)).drain_once()
    assert rows(journal_db) == rows(direct_db)
    assert [r["hash"] for r in rows(journal_db)] == [r["hash"] for r in rows(direct_db)]
    assert [r["listeners_peak"] for r in rows(journal_db)] == [9, 9, 9]
    check_log(journal_db)


def test_stopping_while_the_database_is_locked_leaves_the_records_in_the_journal(tmp_path, caplog):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = writer_for(db)
    drainer = Drainer(w.journal, connect(db))
    drainer.start()
    with write_lock(db):
        air(w, 2)
        started = time.monotonic()
        assert drainer.stop(1.0) == 4
        assert time.monotonic() - started < 10
    assert [r.n for r in load(journal_path(db)).records] == [1, 2, 3, 4]
    w2 = writer_for(db)                        # the next start writes them
    Drainer(w2.journal, connect(db)).drain_once()
    assert [r["item_key"] for r in rows(db)] == ["k0", "k1"]
