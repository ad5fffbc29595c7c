"""A database made before plays carried the show id, and before schedule_changes moved from
accounts to schedule: it opens, keeps its rows and its chain, and older plays get their show id.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import radiod.accounts.schema as accounts_schema
import radiod.playlog.schema as playlog_schema
import radiod.store as store
from radiod.app.show_ids import fill_play_show_ids
from radiod.playlog.store import PlayLog, play_values, show_plays
from radiod.playlog.verify import verify_chain
from radiod.schedule.model import Show
from radiod.schedule_history import History
from radiod.store import open_db, transaction

# What radiod.accounts.schema migration 2 created before the table moved to radiod.schedule.
OLD_ACCOUNTS_2 = """
    CREATE TABLE schedule_changes (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        user TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('edit', 'undo')),
        summary TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        undone_at_ms INTEGER
    );
"""
OLD_SHOWS = '[show.night]\ntitle = "Night Shift"\nkind = "live"\n\n[show.talk]\ntitle = "Town Talk"\nkind = "live"\n'
NEW_SHOWS = OLD_SHOWS.replace('title = "Night Shift"', 'title = "Night Shift Revisited"')
RADIOD = [str(Path(sys.executable).parent / "radiod")]


def old_play(log: PlayLog, n: int, show: str) -> int:
    """A closed play written as the old schema stored it (no show_id column)."""
    values = play_values(started_at_ms=1_000_000 * n, source="rotation", usage="feature", show=show,
                         snapshot={"title": f"Song {n}", "artist": "A", "artist_keys": ["a"], "length_ms": 60_000})
    values.pop("show_id")
    with transaction(log.conn):
        play_id = log.insert(values)
    log.close_play(play_id, ended_at_ms=1_000_000 * n + 60_000, played_ms=60_000, end_reason="end")
    return play_id


@pytest.fixture
def old_database(tmp_path, monkeypatch):
    """radiod.db as the previous version made it: plays under both names of a renamed show, one
    under a title no schedule knows, and the panel's record of the rename."""
    (tmp_path / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "America/Toronto"\n')
    path = tmp_path / "radiod.db"
    with monkeypatch.context() as m:
        m.setattr(store, "COMPONENTS", ("radiod.library.schema", "radiod.playlog.schema", "radiod.accounts.schema"))
        m.setattr(playlog_schema, "MIGRATIONS", playlog_schema.MIGRATIONS[:2])
        m.setattr(accounts_schema, "MIGRATIONS", [accounts_schema.MIGRATIONS[0], OLD_ACCOUNTS_2,
                                                  accounts_schema.MIGRATIONS[2]])
        conn = open_db(path)
        assert "show_id" not in {r[1] for r in conn.execute("PRAGMA table_info(plays)")}
        log = PlayLog(conn)
        for n in range(1, 4):
            old_play(log, n, "Night Shift")
        old_play(log, 4, "Gone Show")
        old_play(log, 5, "Night Shift Revisited")
        History(conn).record(file="shows.toml", user="boss", at_ms=5, before=OLD_SHOWS, after=NEW_SHOWS,
                             summary="renamed night")
        conn.close()
    return path


def test_an_old_database_migrates_and_keeps_its_chain_and_history(old_database):
    conn = open_db(old_database)
    assert "show_id" in {r[1] for r in conn.execute("PRAGMA table_info(plays)")}
    applied = {tuple(r) for r in conn.execute("SELECT component, version FROM schema_migrations")}
    assert ("radiod.schedule.schema", 1) in applied and ("radiod.playlog.schema", 3) in applied
    assert [c["summary"] for c in History(conn).recent()] == ["renamed night"]
    assert verify_chain(conn).ok and verify_chain(conn).checked == 5
    conn.close()


def test_older_plays_get_the_show_id_from_the_schedule_and_its_history(old_database):
    conn = open_db(old_database)
    current = {"night": Show(id="night", title="Night Shift Revisited", kind="live"),
               "talk": Show(id="talk", title="Town Talk", kind="live")}
    # The old title is known only from the panel's record of the rename.
    assert fill_play_show_ids(conn, current) == 4
    assert [r["title"] for r in show_plays(conn, "night", limit=10)] == ["Song 5", "Song 3", "Song 2", "Song 1"]
    assert conn.execute("SELECT show_id FROM plays WHERE show = 'Gone Show'").fetchone()[0] == ""
    assert fill_play_show_ids(conn, current) == 0                 # nothing left it could fill
    assert verify_chain(conn).ok                                  # the id is beside the hash, not in it
    conn.close()
    check = subprocess.run([*RADIOD, "--station", str(old_database.parent), "verify-log"], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("ok: 5 plays")


def test_a_closed_row_takes_its_show_id_once_and_nothing_else(old_database):
    conn = open_db(old_database)
    conn.execute("UPDATE plays SET show_id = 'night' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        conn.execute("UPDATE plays SET show_id = 'talk' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        conn.execute("UPDATE plays SET title = 'Other' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        conn.execute("UPDATE plays SET show_id = 'talk', show = 'Town Talk' WHERE id = 3")
    conn.close()


def test_a_new_database_has_schedule_changes_from_the_schedule_component(tmp_path):
    conn = open_db(tmp_path / "new.db")
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'schedule_changes'").fetchone()
    change = History(conn).record(file="grid.toml", user="boss", at_ms=1, before="a", after="b", summary="s")
    assert History(conn).last_undoable()["id"] == change
    conn.close()
