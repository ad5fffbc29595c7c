"""The station database: one SQLite file in WAL mode, schema migrations per component, one writer.

Each component owns its tables and lists its migrations in ``<package>.schema.MIGRATIONS``
(an ordered list of SQL scripts; never edit one that has shipped, append a new one). The
connection mechanics the components use themselves are in radiod/db.py, below them all.
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

from radiod.clock import Clock, SystemClock, to_ms
from radiod.db import BUSY_TIMEOUT_MS, check_whole, connect, open_readonly, refuse_directory, transaction
from radiod.errors import StoreError
from radiod.private import create_private, tighten

# Components whose schemas live in the database, in the order they are migrated.
COMPONENTS = (
    "radiod.library.schema",
    "radiod.playlog.schema",
    "radiod.accounts.schema",
    "radiod.schedule.schema",
    "radiod.logger.schema",
    "radiod.episodes.schema",
    "radiod.webdj.schema",
    "radiod.fingerprints.schema",
)

__all__ = ["COMPONENTS", "apply_migrations", "open_db", "open_readonly", "transaction"]


def open_db(path: Path | str, *, migrate: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open the writer connection (autocommit mode; use ``transaction()`` to group writes)."""
    path = Path(path)
    refuse_directory(path)
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
        conn = connect(f"file:{path}", read_only=False, busy_timeout_ms=busy_timeout_ms)
        check_whole(conn)
        if migrate:
            apply_migrations(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open database: {exc}") from None
    return conn


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
