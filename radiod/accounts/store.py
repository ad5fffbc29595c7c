"""The accounts' tables: users and their shows, sessions, login attempts (every statement).

The rules — names, roles, passwords, session lifetimes — are in radiod.accounts.users, the
login limits in radiod.accounts.throttle; they call these inside their transactions.
"""

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


# -- users and their shows (radiod.accounts.users holds the rules) --------------------------------

def user_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The users row of ``name`` (any case), or None."""
    return conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()


def user_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every users row, by name."""
    return conn.execute("SELECT * FROM users ORDER BY name").fetchall()


def insert_user(conn: sqlite3.Connection, name: str, role: str, password_hash: str, now_ms: int) -> int:
    """A new users row; returns its id."""
    cur = conn.execute("INSERT INTO users (name, role, password_hash, created_at_ms, password_changed_at_ms)"
                       " VALUES (?, ?, ?, ?, ?)", (name, role, password_hash, now_ms, now_ms))
    return int(cur.lastrowid or 0)


def set_password_hash(conn: sqlite3.Connection, user_id: int, password_hash: str, *,
                      changed_at_ms: int | None = None) -> None:
    """Store a new hash; ``changed_at_ms`` when the password itself changed (not for a rehash)."""
    if changed_at_ms is None:
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
    else:
        conn.execute("UPDATE users SET password_hash = ?, password_changed_at_ms = ? WHERE id = ?",
                     (password_hash, changed_at_ms, user_id))


def set_public_name(conn: sqlite3.Connection, user_id: int, public_name: str) -> None:
    conn.execute("UPDATE users SET public_name = ? WHERE id = ?", (public_name, user_id))


def set_disabled(conn: sqlite3.Connection, user_id: int, disabled: bool) -> None:
    conn.execute("UPDATE users SET disabled = ? WHERE id = ?", (int(disabled), user_id))


def shows_of(conn: sqlite3.Connection, user_id: int) -> tuple[str, ...]:
    """The show ids linked to an account, sorted."""
    return tuple(r[0] for r in conn.execute("SELECT show FROM user_shows WHERE user_id = ? ORDER BY show",
                                            (user_id,)))


def replace_shows(conn: sqlite3.Connection, user_id: int, shows: tuple[str, ...]) -> None:
    """Link exactly ``shows`` to the account (inside the caller's transaction)."""
    conn.execute("DELETE FROM user_shows WHERE user_id = ?", (user_id,))
    for show in shows:
        conn.execute("INSERT OR IGNORE INTO user_shows VALUES (?, ?)", (user_id, show))


# -- sessions (only a token's digest is stored) ---------------------------------------------------

def insert_session(conn: sqlite3.Connection, digest: str, user_id: int, now_ms: int) -> None:
    conn.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (digest, user_id, now_ms, now_ms))


def session_row(conn: sqlite3.Connection, digest: str) -> sqlite3.Row | None:
    """The session's times and its user's whole row, or None."""
    return conn.execute("SELECT s.last_seen_ms, s.created_at_ms, u.* FROM sessions s JOIN users u ON u.id = s.user_id"
                        " WHERE s.token_sha256 = ?", (digest,)).fetchone()


def touch_session(conn: sqlite3.Connection, digest: str, now_ms: int) -> None:
    conn.execute("UPDATE sessions SET last_seen_ms = ? WHERE token_sha256 = ?", (now_ms, digest))


def delete_session(conn: sqlite3.Connection, digest: str) -> None:
    conn.execute("DELETE FROM sessions WHERE token_sha256 = ?", (digest,))


def delete_sessions_of(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))


def delete_stale_sessions(conn: sqlite3.Connection, *, seen_before_ms: int, created_before_ms: int) -> None:
    conn.execute("DELETE FROM sessions WHERE last_seen_ms < ? OR created_at_ms < ?",
                 (seen_before_ms, created_before_ms))


# -- login attempts (radiod.accounts.throttle holds the limits) -----------------------------------

# One statement checks the limits and counts the attempt, so concurrent requests cannot all pass.
_RESERVE = """
INSERT INTO login_attempts (name, remote, guesser, ok, at_ms)
SELECT :name, :remote, :guesser, 0, :now
WHERE (SELECT count(*) FROM login_attempts
       WHERE guesser = :guesser AND ok = 0 AND at_ms >= :since) < :per_guesser
  AND (SELECT count(*) FROM login_attempts
       WHERE guesser = :guesser AND name = :name COLLATE NOCASE AND ok = 0 AND at_ms >= :since
         AND id > coalesce((SELECT max(id) FROM login_attempts
                            WHERE guesser = :guesser AND name = :name COLLATE NOCASE AND ok = 1
                              AND at_ms >= :since), 0)
      ) < :per_account
"""


def reserve_attempt(conn: sqlite3.Connection, *, name: str, remote: str, guesser: str, now_ms: int, since_ms: int,
                    per_guesser: int, per_account: int) -> int | None:
    """Insert a failed attempt unless the guesser already has ``per_guesser`` failures since
    ``since_ms`` (or ``per_account`` at this name since its last success); its id, or None."""
    cur = conn.execute(_RESERVE, {"name": name, "remote": remote, "guesser": guesser, "now": now_ms,
                                  "since": since_ms, "per_guesser": per_guesser, "per_account": per_account})
    return cur.lastrowid if cur.rowcount == 1 else None


def mark_attempt_ok(conn: sqlite3.Connection, attempt_id: int) -> None:
    conn.execute("UPDATE login_attempts SET ok = 1 WHERE id = ?", (attempt_id,))


def delete_attempts_before(conn: sqlite3.Connection, at_ms: int) -> None:
    conn.execute("DELETE FROM login_attempts WHERE at_ms < ?", (at_ms,))
