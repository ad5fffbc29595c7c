"""SQLite connections: WAL mode, one writer, read-only readers, transactions.

What the station's database holds (each component's tables and their migrations) is
radiod.store's job; the components use only these, so none of them depends on the others.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from radiod.errors import StoreError

BUSY_TIMEOUT_MS = 10_000


def connect(uri: str, *, read_only: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000,
                           isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def refuse_directory(path: Path) -> None:
    # SQLite's own words for a directory are "disk I/O error" or "unable to open database file".
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")


def check_whole(conn: sqlite3.Connection) -> None:
    """Refuse a file that is not a database, or one cut short, when it is opened.

    SQLite reads lazily, so random bytes or a truncated copy would otherwise fail on some later
    query deep inside a command; reading the schema finds both (a cut file fails its size check).
    """
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def open_readonly(path: Path | str, *, full_disk_fallback: bool = False) -> sqlite3.Connection:
    """A connection that cannot write (for the web panel and reports).

    With ``full_disk_fallback``, a database that cannot be opened because its shared-memory file
    cannot be created (a full disk after a clean stop) is opened ``immutable`` instead — only
    when it has no write-ahead log to miss. Only short-lived readers in the daemon use it: an
    immutable reader takes no locks, so it must not outlive the moment space returns.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: database does not exist (run 'radiod scan' first)")
    refuse_directory(path)
    try:
        conn = connect(f"file:{path}?mode=ro", read_only=True)
        try:
            check_whole(conn)
            return conn
        except sqlite3.OperationalError:
            conn.close()
            wal = Path(f"{path}-wal")
            if not full_disk_fallback or wal.exists() and wal.stat().st_size > 0:
                raise
        # A full disk after a clean stop: nothing can be locked or logged, but the file is whole.
        conn = connect(f"file:{path}?mode=ro&immutable=1", read_only=True)
        check_whole(conn)
        return conn
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open database: {exc}") from None


def table_names(conn: sqlite3.Connection) -> set[str]:
    """The tables the database holds (to read a database an older version may have made)."""
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def relax_durability(conn: sqlite3.Connection) -> None:
    """No fsync on commit: for a throwaway database that need not survive a power loss."""
    conn.execute("PRAGMA synchronous = OFF")


class transaction:
    """``with transaction(conn): ...`` — BEGIN IMMEDIATE … COMMIT, ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
