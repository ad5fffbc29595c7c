"""Users, roles, DJ↔show links, login (rate limited by radiod.accounts.throttle), and panel sessions.

All writes go through the writer connection given to ``Accounts``; time comes from a Clock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from radiod.accounts import store, throttle
from radiod.accounts.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from radiod.clock import Clock, to_ms
from radiod.db import transaction
from radiod.errors import RadiodError

ROLES = ("manager", "dj")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 10
MAX_PUBLIC_NAME = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

ATTEMPTS_KEPT = timedelta(days=30)         # login attempts, for /manager/logins (limits: throttle.py)

SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=7)


class AccountError(RadiodError):
    """A user command or panel form asked for something impossible (unknown user, weak password…)."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    disabled: bool
    shows: tuple[str, ...] = ()
    public_name: str = ""         # how the public pages name this host ('' = not set)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def shown_name(self) -> str:
        """The public name, or the account name when none is set."""
        return self.public_name or self.name


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    rate_limited: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")


class Accounts:
    """The accounts tables behind one writer connection."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock):
        self.conn = conn
        self.clock = clock

    def _now_ms(self) -> int:
        return to_ms(self.clock.now())

    # --- users -------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, shows: tuple[str, ...] = ()) -> User:
        if not NAME_PATTERN.fullmatch(name):
            raise AccountError(f"user {name!r}: name must be 1-64 letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise AccountError(f"user {name}: role must be one of {', '.join(ROLES)}, got {role!r}")
        check_password_rules(password)
        now = self._now_ms()
        with transaction(self.conn):
            if self._row(name) is not None:
                raise AccountError(f"user {name}: already exists")
            store.replace_shows(self.conn, store.insert_user(self.conn, name, role, hash_password(password), now),
                                shows)
        return self.get(name)

    def _row(self, name: str) -> sqlite3.Row | None:
        return store.user_row(self.conn, name)

    def _user(self, row: sqlite3.Row) -> User:
        return User(row["id"], row["name"], row["role"], bool(row["disabled"]), store.shows_of(self.conn, row["id"]),
                    row["public_name"])

    def get(self, name: str) -> User:
        row = self._row(name)
        if row is None:
            raise AccountError(f"user {name}: no such user")
        return self._user(row)

    def list_users(self) -> list[User]:
        return [self._user(r) for r in store.user_rows(self.conn)]

    def set_password(self, name: str, password: str) -> None:
        check_password_rules(password)
        user = self.get(name)
        with transaction(self.conn):
            store.set_password_hash(self.conn, user.id, hash_password(password), changed_at_ms=self._now_ms())
            # A new password ends every open session of that user.
            store.delete_sessions_of(self.conn, user.id)

    def set_disabled(self, name: str, disabled: bool) -> None:
        user = self.get(name)
        with transaction(self.conn):
            store.set_disabled(self.conn, user.id, disabled)
            if disabled:
                store.delete_sessions_of(self.conn, user.id)

    def set_public_name(self, name: str, public_name: str) -> None:
        """Set (or clear, with '') the name the public pages show for this host: one line of text."""
        text = " ".join(public_name.split())
        if len(text) > MAX_PUBLIC_NAME or _CONTROL.search(text):
            raise AccountError(f"user {name}: public name must be one line of at most {MAX_PUBLIC_NAME} characters")
        user = self.get(name)
        with transaction(self.conn):
            store.set_public_name(self.conn, user.id, text)

    def set_shows(self, name: str, shows: tuple[str, ...]) -> None:
        user = self.get(name)
        with transaction(self.conn):
            store.replace_shows(self.conn, user.id, shows)

    # --- login -------------------------------------------------------------------------------

    def login(self, name: str, password: str, remote: str) -> LoginResult:
        """Check a password, unless this address is locked out (radiod.accounts.throttle): then
        refuse without checking, even the right password."""
        now = self._now_ms()
        attempt = throttle.reserve(self.conn, name, remote, now)
        if attempt is None:
            return LoginResult(None, rate_limited=True)
        row = self._row(name)
        verified = verify_password(password, row["password_hash"] if row else dummy_hash())
        user = row if verified and row is not None and not row["disabled"] else None
        with transaction(self.conn):
            if user is not None:
                throttle.succeeded(self.conn, attempt)
            store.delete_attempts_before(self.conn, now - to_ms_delta(ATTEMPTS_KEPT))
            if user is not None and needs_rehash(user["password_hash"]):
                store.set_password_hash(self.conn, user["id"], hash_password(password))
        return LoginResult(self._user(user) if user is not None else None)

    # --- sessions ----------------------------------------------------------------------------

    def create_session(self, user: User) -> str:
        """A new random session token (the cookie value); only its digest is stored."""
        token = secrets.token_urlsafe(32)
        now = self._now_ms()
        with transaction(self.conn):
            store.insert_session(self.conn, _digest(token), user.id, now)
            store.delete_stale_sessions(self.conn, seen_before_ms=now - to_ms_delta(SESSION_IDLE),
                                        created_before_ms=now - to_ms_delta(SESSION_MAX))
        return token

    def session_user(self, token: str) -> User | None:
        """The enabled user behind a live session token, or None."""
        now = self._now_ms()
        row = store.session_row(self.conn, _digest(token))
        if row is None or row["disabled"]:
            return None
        if row["last_seen_ms"] < now - to_ms_delta(SESSION_IDLE) or \
                row["created_at_ms"] < now - to_ms_delta(SESSION_MAX):
            self.end_session(token)
            return None
        # Refresh the idle timer at most once a minute, to keep writes off the hot path.
        if now - row["last_seen_ms"] > 60_000:
            store.touch_session(self.conn, _digest(token), now)
        return self._user(row)

    def end_session(self, token: str) -> None:
        store.delete_session(self.conn, _digest(token))


def to_ms_delta(delta: timedelta) -> int:
    return round(delta / timedelta(milliseconds=1))
