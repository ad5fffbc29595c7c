"""Songs inside a show: item rows from the show row's measured figures, once each across a crash."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest

from radiod.playlog.chain import GENESIS, ITEM_FIELDS, link
from radiod.playlog.drain import Drainer
from radiod.playlog.journal import journal_path
from radiod.playlog.positions import HeardPlay
from radiod.playlog.store import PlayLog
from radiod.playlog.verify import verify_chain
from radiod.playlog.writer import open_journaled
from radiod.store import open_db
from radiod.tracklists.airing import TimedEntry, aired_items

T0 = 1_763_700_000_000
MIN = 60_000
# A 20-minute show file: four songs; the first is matched to the library and local.
ENTRIES = [TimedEntry(1, 0, "The Quiet Harbours", "Harbour Lights", track_id=7, local=True,
                      artist_keys=("quiet harbours",), matched=True),
           TimedEntry(2, 4 * MIN, "Anna Brook", "Salt Road", artist_keys=("anna brook",)),
           TimedEntry(3, 9 * MIN, "Unsigned Band", "Basement Tape", local=True, artist_keys=("unsigned band",)),
           TimedEntry(4, 15 * MIN, "Stranger", "Song", artist_keys=("stranger",))]
LENGTH = 20 * MIN


def lookup(show_id, snapshot):
    return [asdict(e) for e in ENTRIES] if snapshot.get("path", "").endswith("night.mp3") else None


def show_snapshot(offset_ms: int = 0) -> dict:
    return {"path": "/uploads/night/night.mp3", "title": "Night Owl", "length_ms": LENGTH,
            "file_offset_ms": offset_ms}


def test_aired_items_follow_the_measured_start_and_stop_where_the_show_was_cut():
    # Started 1.5 s late, from 200 ms into the file (its cue-in); cut after 10 minutes.
    items = aired_items(ENTRIES, started_at_ms=T0 + 1500, file_offset_ms=200, played_ms=10 * MIN,
                        end_reason="cut", file_length_ms=LENGTH)
    assert [(i.entry.line, i.started_at_ms - T0, i.played_ms, i.end_reason) for i in items] == [
        (1, 1500, 4 * MIN - 200, "end"),
        (2, 1500 + 4 * MIN - 200, 5 * MIN, "end"),
        (3, 1500 + 9 * MIN - 200, MIN + 200, "cut"),
    ]
    assert items[0].ended_at_ms == items[1].started_at_ms


def items(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM play_items ORDER BY id").fetchall()


def check_items_chain(conn: sqlite3.Connection) -> None:
    prev = GENESIS
    for row in items(conn):
        assert row["prev_hash"] == prev and row["hash"] == link(prev, dict(row), ITEM_FIELDS)
        prev = row["hash"]


def test_a_show_cut_short_logs_only_what_aired_and_items_are_immutable(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    log = PlayLog(conn)
    log.tracklists = lookup
    pid = log.open_play(started_at_ms=T0, source="show", usage="feature", show="Night Owl", show_id="night",
                        snapshot=show_snapshot(), item_key="2026-11-21/0040")
    assert items(conn) == []                       # nothing until the show row closes
    log.close_play(pid, ended_at_ms=T0 + 12 * MIN, played_ms=12 * MIN, end_reason="cut")
    got = items(conn)
    assert [(r["play_id"], r["entry_line"], r["played_ms"], r["end_reason"]) for r in got] == [
        (pid, 1, 4 * MIN, "end"), (pid, 2, 5 * MIN, "end"), (pid, 3, 3 * MIN, "cut")]
    assert (got[0]["matched"], got[0]["track_id"], got[0]["local"], json.loads(got[0]["artist_keys"])) == \
        (1, 7, 1, ["quiet harbours"])
    check_items_chain(conn)
    assert verify_chain(conn).ok and verify_chain(conn).items_checked == 3
    with pytest.raises(sqlite3.DatabaseError, match="item rows cannot be changed"):
        conn.execute("UPDATE play_items SET played_ms = 1")
    with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
        conn.execute("DELETE FROM play_items")
    # A file without a tracklist stays one row, as before.
    other = log.open_play(started_at_ms=T0 + 13 * MIN, source="show", usage="feature",
                          snapshot={"path": "/uploads/night/other.mp3", "length_ms": LENGTH})
    log.close_play(other, ended_at_ms=T0 + 33 * MIN, played_ms=LENGTH, end_reason="end")
    assert len(items(conn)) == 3


def test_a_crash_mid_show_neither_doubles_nor_loses_an_entry(tmp_path):
    db = tmp_path / "radiod.db"
    open_db(db).close()
    w = open_journaled(db, journal_path(db), now_ms=T0)
    w.tracklists = lookup
    pid = w.open_play(started_at_ms=T0, source="show", usage="feature", show="Night Owl", show_id="night",
                      snapshot=show_snapshot(), item_key="2026-11-21/0040")
    # Heard for 10½ minutes (the heartbeat saves it), then the process dies: nothing else is written.
    w.mark_heard(T0 + 10 * MIN + 30_000, [HeardPlay(pid, T0, 10 * MIN + 30_000)])
    w.journal.flush()
    w.journal.sync()
    del w

    # Restart: the open show row is closed at its last heard position; the show continues from
    # there (the engine's key for a continued item is <key>@<offset>) and plays to its end.
    w2 = open_journaled(db, journal_path(db), now_ms=T0 + 11 * MIN)
    w2.tracklists = lookup
    w2.close_open_as_interrupted(T0 + 11 * MIN)
    resumed_at = 10 * MIN + 30_000
    pid2 = w2.open_play(started_at_ms=T0 + 11 * MIN, source="show", usage="feature", show="Night Owl",
                        show_id="night", snapshot=show_snapshot(resumed_at), item_key=f"2026-11-21/0040@{resumed_at}")
    w2.close_play(pid2, ended_at_ms=T0 + 11 * MIN + LENGTH - resumed_at, played_ms=LENGTH - resumed_at,
                  end_reason="end")
    drainer = Drainer(w2.journal, lambda: open_db(db))
    assert drainer.drain_once()
    conn = open_db(db)
    got = [(r["play_id"], r["entry_line"], r["started_at_ms"] - T0, r["played_ms"], r["end_reason"]) for r in items(conn)]
    assert got == [
        (pid, 1, 0, 4 * MIN, "end"),
        (pid, 2, 4 * MIN, 5 * MIN, "end"),
        (pid, 3, 9 * MIN, MIN + 30_000, "interrupted"),    # cut by the crash: logged once, not again after it
        (pid2, 4, 11 * MIN + 15 * MIN - resumed_at, 5 * MIN, "end"),
    ]
    check_items_chain(conn)
    # Writing the journal again (a second restart) adds nothing.
    w3 = open_journaled(db, journal_path(db), now_ms=T0 + 40 * MIN)
    Drainer(w3.journal, lambda: open_db(db)).drain_once()
    assert len(items(conn)) == 4
    assert verify_chain(conn).ok and verify_chain(conn).items_checked == 4
    # An item row removed behind the triggers' back is found.
    conn.execute("DROP TRIGGER play_items_no_delete")
    conn.execute("DELETE FROM play_items WHERE id = 2")
    assert [str(b) for b in verify_chain(conn).breaks] == ["show item 2: this show item is missing (row deleted)"]


def test_reports_count_the_songs_of_an_itemised_show_and_never_the_show_itself(tmp_path):
    from zoneinfo import ZoneInfo

    from radiod.app.ledger import artist_ledger
    from radiod.app.reports import read_report_rows
    from radiod.reports import compliance, parse_period, soundexchange
    from radiod.reports.period import local_time

    conn = open_db(tmp_path / "radiod.db")
    log = PlayLog(conn)
    log.tracklists = lookup
    zone = ZoneInfo("America/Toronto")
    period = parse_period(local_time(T0, zone).date().isoformat(),
                          local_time(T0 + LENGTH + 180_000, zone).date().isoformat(), zone)
    pid = log.open_play(started_at_ms=T0, source="show", usage="feature", show="Night Owl", show_id="night",
                        snapshot=show_snapshot(), item_key="k-show", listeners=3)
    log.close_play(pid, ended_at_ms=T0 + LENGTH, played_ms=LENGTH, end_reason="end")
    rotation = log.open_play(started_at_ms=T0 + LENGTH, source="rotation", usage="feature",
                             snapshot={"title": "Rotation Song", "artist": "Someone", "artist_keys": ["someone"],
                                       "length_ms": 180_000}, item_key="k-rot", listeners=3)
    log.close_play(rotation, ended_at_ms=T0 + LENGTH + 180_000, played_ms=180_000, end_reason="end")

    rows = read_report_rows(conn, "soundexchange", period)
    assert [r["title"] for r in rows] == ["Harbour Lights", "Salt Road", "Basement Tape", "Song", "Rotation Song"]
    assert sum(r["played_ms"] for r in rows) == LENGTH + 180_000
    text = soundexchange.report(rows, period, soundexchange.Options(service_name="Demo FM")).data.decode()
    assert "Night Owl" not in text and "^Harbour Lights^" in text
    local = read_report_rows(conn, "local-content", period)
    assert [r["local"] for r in local] == [True, False, True, False, False]
    assert compliance.COLUMNS and len(local) == 5

    ledger = artist_ledger(conn, "Unsigned Band", period)
    assert ledger["totals"]["plays"] == 1 and ledger["plays"][0]["title"] == "Basement Tape"
    assert ledger["plays"][0]["play_id"] == pid and ledger["plays"][0]["show"] == "Night Owl"
    # The export of the play log itself is unchanged: the show row is there, as it aired.
    exported = read_report_rows(conn, "plays", period)
    assert len(exported) == 2 and "Night Owl" in str(exported[0])


def test_coverage_names_the_songs_of_a_show_and_not_a_show_without_a_tracklist(tmp_path):
    from zoneinfo import ZoneInfo

    from radiod.playlog.store import read_itemised
    from radiod.reports import parse_period
    from radiod.reports.coverage import COLUMNS, coverage
    from radiod.reports.period import local_time

    conn = open_db(tmp_path / "radiod.db")
    log = PlayLog(conn)
    log.tracklists = lookup
    zone = ZoneInfo("UTC")
    # Cut after 12 minutes: songs 1-3 cover 12 of its 12 minutes.
    pid = log.open_play(started_at_ms=T0, source="show", usage="talk", show="Night Owl", snapshot=show_snapshot())
    log.close_play(pid, ended_at_ms=T0 + 12 * MIN, played_ms=12 * MIN, end_reason="cut")
    other = log.open_play(started_at_ms=T0 + 12 * MIN, source="show", usage="talk", show="Mystery Hour",
                          snapshot={"path": "/uploads/mystery/a.mp3", "length_ms": 6 * MIN})
    log.close_play(other, ended_at_ms=T0 + 18 * MIN, played_ms=6 * MIN, end_reason="end")
    song = log.open_play(started_at_ms=T0 + 18 * MIN, source="rotation", usage="feature",
                         snapshot={"title": "S", "artist": "A", "length_ms": 2 * MIN})
    log.close_play(song, ended_at_ms=T0 + 20 * MIN, played_ms=2 * MIN, end_reason="end")
    period = parse_period(local_time(T0, zone).date().isoformat(), local_time(T0 + 20 * MIN, zone).date().isoformat(), zone)
    shows, overall = coverage(read_itemised(conn, columns=COLUMNS), period)
    assert [(c.show, c.music_ms, c.named_ms) for c in shows] == [
        ("Night Owl", 12 * MIN, 12 * MIN), ("Mystery Hour", 6 * MIN, 0), ("", 2 * MIN, 2 * MIN)]
    assert round(overall.share, 3) == round(14 / 20, 3)


def test_the_summary_report_says_the_coverage(tmp_path):
    from datetime import date
    from zoneinfo import ZoneInfo

    from radiod.app.reports import make_report
    from radiod.config import load_config
    from radiod.reports import parse_period
    from radiod.reports.period import local_time

    (tmp_path / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "UTC"\n')
    config = load_config(tmp_path, env={})
    conn = open_db(tmp_path / "radiod.db")
    log = PlayLog(conn)
    log.tracklists = lookup
    pid = log.open_play(started_at_ms=T0, source="show", usage="talk", show="Night Owl", snapshot=show_snapshot())
    log.close_play(pid, ended_at_ms=T0 + LENGTH, played_ms=LENGTH, end_reason="end")
    day = local_time(T0, ZoneInfo("UTC")).date().isoformat()
    result = make_report(conn, config, "summary", parse_period(day, day, ZoneInfo("UTC")), today=date(2026, 12, 2))
    assert result.notes == ("coverage Night Owl: 100.0% of 0:20:00 names a recording",
                            "coverage overall: 100.0% of 0:20:00 of music time names a recording")
    assert b"Harbour Lights" in result.data and b"Night Owl" not in result.data
