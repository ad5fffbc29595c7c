"""Reads of the accounts' tables for other packages and the panel (who may log in, the audit of
login attempts). ``Accounts`` (radiod.accounts.users) and the login limits
(radiod.accounts.throttle) hold the writes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class LoginAttempt:
    """One row of the login audit."""

    name: str
    remote: str
    ok: bool
    at_ms: int


def active_names(conn: sqlite3.Connection) -> set[str]:
    """Names of the accounts that are not disabled, casefolded."""
    return {row[0].casefold() for row in conn.execute("SELECT name FROM users WHERE disabled = 0")}


def recent_login_attempts(conn: sqlite3.Connection, limit: int = 200) -> list[LoginAttempt]:
    """The latest login attempts, newest first."""
    return [LoginAttempt(r[0], r[1], bool(r[2]), r[3]) for r in conn.execute(
        "SELECT name, remote, ok, at_ms FROM login_attempts ORDER BY at_ms DESC, id DESC LIMIT ?", (int(limit),))]
