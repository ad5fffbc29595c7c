"""What `radiod check` and the panel's grid editor check the schedule against: the library and accounts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from radiod.config import Config
from radiod.errors import ScheduleError, StoreError
from radiod.library.model import Track


def library_for_checks(config: Config) -> tuple[list[Track] | None, list[str]]:
    """The library's tracks (None without a database) and problems with the artist registry."""
    from radiod.app.planning import readonly_planner
    from radiod.library.registry import load_registry, registry_path

    try:
        load_registry(registry_path(config.paths.schedules))
    except ScheduleError as exc:
        return None, exc.problems
    if not Path(config.paths.database).exists():
        return None, []
    try:
        return readonly_planner(config).tracks(), []     # the tracks playout plans with
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{config.paths.database}: cannot read the library: {exc}") from None


def account_names(config: Config) -> set[str] | None:
    """Enabled user names (case-folded), or None when there is no accounts table yet."""
    from radiod.accounts.store import active_names
    from radiod.store import open_readonly

    if not Path(config.paths.database).exists():
        return None
    conn = open_readonly(config.paths.database)
    try:
        return active_names(conn)
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
