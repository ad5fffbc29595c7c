from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

import radiod.reports
from radiod.playlog.chain import link
from radiod.playlog.store import PlayLog, read_plays
from radiod.playlog.verify import daily_digest
from radiod.reports import plays
from radiod.reports.ledger import artist_ledger
from radiod.reports.period import parse_period
from radiod.store import open_db

from .fixture import ZONE, build

MARCH = parse_period("2026-03-01", "2026-03-31", ZONE)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("fixture") / "radiod.db"
    build(path)
    return path


@pytest.fixture
def rows(db_path):
    conn = open_db(db_path)
    rows = read_plays(conn)
    conn.close()
    return rows


def test_co_credited_artist_finds_their_plays(rows):
    ledger = artist_ledger(rows, "MIA", MARCH)
    assert ledger["artist_key"] == "mia" and ledger["artist"] == "Mïa"
    assert [(p["play_id"], p["title"], p["show"], p["usage"], p["played_ms"]) for p in ledger["plays"]] == [
        (7, "Ñandú", "Sunrise", "theme", 20_000)]


def test_ledger_leaves_out_failed_plays_and_other_months(rows, db_path):
    conn = open_db(db_path)
    digest = daily_digest(conn, ZONE, from_ms=MARCH.start_ms, to_ms=MARCH.end_ms)
    conn.close()
    ledger = artist_ledger(rows, "Zoë Ashcroft", MARCH, digest)
    assert [p["play_id"] for p in ledger["plays"]] == [2, 6]      # not 1 (February), 10 (failed), 12 (April)
    assert ledger["tracks"] == [{"title": "Crème Brûlée", "album": "Pâtisserie", "isrc": "CAXYZ2600001",
                                 "plays": 2, "played_ms": 300_000}]
    # each play's hash is in the chain the digest commits to
    by_seq = {r["seq"]: r for r in rows}
    for p in ledger["plays"]:
        assert link(by_seq[p["seq"]]["prev_hash"], by_seq[p["seq"]]) == p["hash"]
    assert ledger["chain"]["digest"][-1]["last_seq"] == 11


def test_plays_csv_has_every_field_and_the_chain(rows):
    table = list(csv.DictReader(io.StringIO(plays.report(rows, MARCH).decode())))
    assert [int(r["id"]) for r in table] == list(range(2, 12))
    row = {r["id"]: r for r in table}["4"]
    assert row["started_at"] == "2026-03-01T00:10:16.000-05:00" and row["performances"] == "15"
    assert row["listener_ms"] == str(12 * 60_000 + 15 * 180_000) and len(row["hash"]) == 64
    assert row["artist_keys"] == '["quiet harbours"]' and row["corrected_fields"] == ""


def test_corrections_reach_the_reports(db_path, tmp_path):
    copy = tmp_path / "c.db"
    copy.write_bytes(db_path.read_bytes())
    conn = open_db(copy)
    PlayLog(conn).correct(3, "local", True, changed_by="manager", changed_at_ms=0, reason="Canadian release")
    rows = read_plays(conn)
    table = list(csv.DictReader(io.StringIO(plays.report(rows, MARCH).decode())))
    assert {r["id"]: r for r in table}["3"]["local"] == "1"
    assert {r["id"]: r for r in table}["3"]["corrected_fields"] == "local"


def test_reports_are_pure():
    """Reports never import adapters (SQLite, VLC, HTTP, subprocess) nor read the clock."""
    forbidden = {"sqlite3", "vlc", "subprocess", "urllib", "time", "radiod.store", "radiod.clock",
                 "radiod.playout", "radiod.playlog.store", "flask", "threading"}
    for path in Path(radiod.reports.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name not in forbidden, f"{path.name} imports {name}"
        assert "datetime.now" not in path.read_text() and ".today(" not in path.read_text(), path.name


def test_reading_one_artist_narrows_in_sql_and_keeps_corrected_credits(db_path, tmp_path):
    copy = tmp_path / "c.db"
    copy.write_bytes(db_path.read_bytes())
    conn = open_db(copy)
    assert [r["id"] for r in read_plays(conn, artist_key="mia")] == [7]
    PlayLog(conn).correct(8, "artist_keys", ["traditional", "mia"], changed_by="m", changed_at_ms=0)
    rows = read_plays(conn, artist_key="mia")
    assert [r["id"] for r in rows] == [7, 8]
    assert [p["play_id"] for p in artist_ledger(rows, "Mïa", MARCH)["plays"]] == [7, 8]
