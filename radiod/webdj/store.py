"""Every statement on the harbor token table (radiod/webdj/schema.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from radiod.db import transaction


@dataclass(frozen=True)
class TokenRow:
    user: str
    expires_at_ms: int
    used_at_ms: int | None


def insert(conn: sqlite3.Connection, digest: str, user: str, issued_at_ms: int, expires_at_ms: int) -> None:
    """Store a new token's digest; tokens that expired before ``issued_at_ms`` are deleted."""
    with transaction(conn):
        conn.execute("DELETE FROM harbor_tokens WHERE expires_at_ms < ?", (issued_at_ms,))
        conn.execute("INSERT INTO harbor_tokens (digest, user, issued_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)",
                     (digest, user, issued_at_ms, expires_at_ms))


def take(conn: sqlite3.Connection, digest: str, user: str, now_ms: int) -> TokenRow | None:
    """Mark the token used if it is the user's, unused and unexpired; return its row as it was
    before (None: no such token). One UPDATE, so two logins cannot both take it."""
    with transaction(conn):
        row = conn.execute("SELECT user, expires_at_ms, used_at_ms FROM harbor_tokens WHERE digest = ?",
                           (digest,)).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE harbor_tokens SET used_at_ms = ? WHERE digest = ? AND user = ? AND used_at_ms IS NULL "
                     "AND expires_at_ms > ?", (now_ms, digest, user, now_ms))
        return TokenRow(str(row[0]), int(row[1]), None if row[2] is None else int(row[2]))
