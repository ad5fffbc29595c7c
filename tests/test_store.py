"""The SQLite store: WAL, migrations recorded once, read-only connections cannot write."""

import sqlite3

import pytest

from radiod import store
from radiod.errors import StoreError


def test_open_db_uses_wal_and_records_migrations(tmp_path):
    conn = store.open_db(tmp_path / "radiod.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = conn.execute("SELECT component, version FROM schema_migrations").fetchall()
    assert ("radiod.library.schema", 1) in [tuple(r) for r in applied]
    # Re-opening applies nothing new.
    assert store.apply_migrations(conn) == []


def test_transaction_rolls_back_on_error(tmp_path):
    conn = store.open_db(tmp_path / "radiod.db")
    conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        with store.transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_readonly_connection_refuses_writes(tmp_path):
    path = tmp_path / "radiod.db"
    store.open_db(path).close()
    ro = store.open_readonly(path)
    assert ro.execute("SELECT count(*) FROM tracks").fetchone()[0] == 0
    with pytest.raises(sqlite3.OperationalError):
        ro.execute("INSERT INTO schema_migrations VALUES ('x', 1, 0)")


def test_readonly_on_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        store.open_readonly(tmp_path / "missing.db")


def test_corrupt_database_is_a_clear_error(tmp_path):
    path = tmp_path / "radiod.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        store.open_db(path)


def test_split_sql_keeps_trigger_bodies_whole():
    script = """
    CREATE TABLE a (x);
    CREATE TRIGGER t BEFORE DELETE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;
    """
    statements = store._split_sql(script)
    assert len(statements) == 2
    assert statements[1].endswith("END;")
