"""SQLite: one database file in WAL mode, schema migrations per component, one writer.

Each component owns its tables and lists its migrations in ``<package>.schema.MIGRATIONS``
(an ordered list of SQL scripts; never edit one that has shipped, append a new one).
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

from radiod.clock import Clock, SystemClock, to_ms
from radiod.errors import StoreError
from radiod.private import create_private, tighten

# Components whose schemas live in the database, in the order they are migrated.
COMPONENTS = (
    "radiod.library.schema",
    "radiod.playlog.schema",
    "radiod.accounts.schema",
    "radiod.schedule.schema",
)

BUSY_TIMEOUT_MS = 10_000


def _connect(uri: str, *, read_only: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms / 1000,
                           isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _refuse_directory(path: Path) -> None:
    # SQLite's own words for a directory are "disk I/O error" or "unable to open database file".
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")


def _check_whole(conn: sqlite3.Connection) -> None:
    """Refuse a file that is not a database, or one cut short, when it is opened.

    SQLite reads lazily, so random bytes or a truncated copy would otherwise fail on some later
    query deep inside a command; reading the schema finds both (a cut file fails its size check).
    """
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def open_db(path: Path | str, *, migrate: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open the writer connection (autocommit mode; use ``transaction()`` to group writes)."""
    path = Path(path)
    _refuse_directory(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise StoreError(f"{path}: cannot create the database: {path.parent} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # It holds password hashes: 0600 whatever the umask; SQLite gives -wal and -shm the same mode.
        create_private(path)
        for companion in (f"{path}-wal", f"{path}-shm"):
            tighten(Path(companion))
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the database: {exc.strerror or exc}") from None
    try:
        conn = _connect(f"file:{path}", read_only=False, busy_timeout_ms=busy_timeout_ms)
        _check_whole(conn)
        if migrate:
            apply_migrations(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open database: {exc}") from None
    return conn


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
    _refuse_directory(path)
    try:
        conn = _connect(f"file:{path}?mode=ro", read_only=True)
        try:
            _check_whole(conn)
            return conn
        except sqlite3.OperationalError:
            conn.close()
            wal = Path(f"{path}-wal")
            if not full_disk_fallback or wal.exists() and wal.stat().st_size > 0:
                raise
        # A full disk after a clean stop: nothing can be locked or logged, but the file is whole.
        conn = _connect(f"file:{path}?mode=ro&immutable=1", read_only=True)
        _check_whole(conn)
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


def apply_migrations(conn: sqlite3.Connection, clock: Clock | None = None) -> list[str]:
    """Bring every component's schema up to date; returns what was applied."""
    applied_at_ms = to_ms((clock or SystemClock()).now())
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " component TEXT NOT NULL, version INTEGER NOT NULL, applied_at_ms INTEGER NOT NULL,"
        " PRIMARY KEY (component, version))"
    )
    applied = []
    for module_name in COMPONENTS:
        migrations: list[str] = importlib.import_module(module_name).MIGRATIONS
        with transaction(conn):
            done = {row[0] for row in conn.execute(
                "SELECT version FROM schema_migrations WHERE component = ?", (module_name,))}
            for version, script in enumerate(migrations, start=1):
                if version in done:
                    continue
                for statement in _split_sql(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                             (module_name, version, applied_at_ms))
                applied.append(f"{module_name}#{version}")
    return applied


def _split_sql(script: str) -> list[str]:
    """Split a script into statements (executescript would commit our transaction)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
