"""The heard file: a crash closes open rows at the heard position saved, not at the restart; the file
never grows; a torn slot falls back to the other one."""

from __future__ import annotations


from radiod.playlog.drain import Drainer
from radiod.playlog.heard import SLOT_BYTES, Heard, HeardFile, heard_path, read
from radiod.playlog.positions import HeardPlay
from radiod.playlog.journal import journal_path
from radiod.playlog.store import HEARD_DETAIL, INTERRUPTED_DETAIL
from radiod.playlog.verify import verify_chain
from radiod.playlog.writer import open_journaled
from radiod.store import open_db

from .conftest import snapshot
from .test_journal import connect, rows

T0 = 1_763_700_000_000


def test_a_crash_closes_an_open_row_at_the_last_heard_position(tmp_path):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = open_journaled(db, journal_path(db), now_ms=T0)
    heard_id = w.open_play(started_at_ms=T0, source="rotation", usage="feature", item_key="a",
                           snapshot=snapshot(1, length_ms=180_000))
    unknown_id = w.open_play(started_at_ms=T0 + 100, source="live", usage="talk", item_key="live",
                             snapshot=snapshot(2, length_ms=None))
    for k in range(1, 48):               # 2.35 s of heartbeats, 50 ms apart
        w.mark_heard(T0 + 50 * k, [HeardPlay(heard_id, T0, 50 * k)])
    # kill -9 here: the restarted daemon is 90 s later
    w2 = open_journaled(db, journal_path(db), now_ms=T0 + 92_000)
    assert w2.close_open_as_interrupted(T0 + 92_000) == 2
    Drainer(w2.journal, connect(db)).drain_once()
    by_id = {r["id"]: r for r in rows(db)}
    row = by_id[heard_id]
    assert (row["end_reason"], row["played_ms"], row["ended_at_ms"], row["detail"]) == (
        "interrupted", 2350, T0 + 2350, HEARD_DETAIL)
    # A row the heartbeats never named (a live row): closed at the restart, as before.
    other = by_id[unknown_id]
    assert (other["end_reason"], other["played_ms"], other["detail"]) == ("interrupted", 91_900, INTERRUPTED_DETAIL)
    conn = open_db(db)
    assert verify_chain(conn).breaks == []
    conn.close()


def test_a_heartbeat_from_an_older_play_with_the_same_id_is_not_used(tmp_path):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = open_journaled(db, journal_path(db), now_ms=T0)
    pid = w.open_play(started_at_ms=T0, source="rotation", usage="feature", item_key="a",
                      snapshot=snapshot(1, length_ms=10_000))
    w.mark_heard(T0 + 50, [HeardPlay(pid, T0 - 5, 50)])       # not this play's start
    w2 = open_journaled(db, journal_path(db), now_ms=T0 + 4000)
    w2.close_open_as_interrupted(T0 + 4000)
    Drainer(w2.journal, connect(db)).drain_once()
    assert rows(db)[0]["played_ms"] == 4000


def test_the_heard_file_is_two_slots_rewritten_in_place(tmp_path):
    path = heard_path(tmp_path / "radiod.db")
    f = HeardFile(path)
    for k in range(2000):
        f.write(T0 + k, [HeardPlay(7, T0, k), HeardPlay(8, T0 + 1, 0)])
    assert path.stat().st_size == 2 * SLOT_BYTES
    last = read(path)
    assert last is not None and last.at_ms == T0 + 1999 and last.of(7) == HeardPlay(7, T0, 1999)
    # The newest slot torn (a power cut mid-write): the other, 1 heartbeat older, is used.
    data = bytearray(path.read_bytes())
    newest = (last.seq % 2) * SLOT_BYTES
    data[newest + 20] ^= 0xFF
    path.write_bytes(bytes(data))
    older = read(path)
    assert older is not None and older.seq == last.seq - 1 and older.of(7).played_ms == 1998
    # A new writer goes on numbering after what it found, so its first write is the newest.
    g = HeardFile(path, after=older)
    g.write(T0 + 5000, [])
    assert read(path) == Heard(older.seq + 1, T0 + 5000, ())


def test_no_file_or_nothing_whole_means_no_heard_positions(tmp_path):
    path = tmp_path / "x.plays-heard"
    assert read(path) is None
    path.write_bytes(b"\0" * 100)
    assert read(path) is None
