"""One-time harbor tokens for the Web DJ: the panel issues one to a logged-in DJ, the browser
sends it as the harbor password, and the harbor's login check takes it once, within its minute.

The DJ's own password never reaches the page. A token is 192 random bits with a prefix that
tells it from a password; only its SHA-256 is stored (a database reader learns nothing usable).
Encoders (BUTT, Mixxx) keep logging in with the account's password.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Callable, TypeVar

from radiod.clock import Clock, to_ms
from radiod.webdj import store

log = logging.getLogger(__name__)

U = TypeVar("U")           # the harbor's user (radiod.bridge.harbor.HarborUser); not imported: the
                           # store migrates this package, and radiod.bridge imports the store

PREFIX = "webdj-"
TTL_MS = 60_000            # long enough to open the socket, short enough that a leaked one is useless


@dataclass(frozen=True)
class Redeemed:
    """What a token was worth at a login: ``ok``, or why not (one line)."""

    ok: bool
    reason: str = ""


def is_token(password: str) -> bool:
    return password.startswith(PREFIX)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(conn: sqlite3.Connection, user: str, now_ms: int, ttl_ms: int = TTL_MS) -> str:
    """A new token for ``user``, valid once until ``now_ms + ttl_ms``."""
    token = PREFIX + secrets.token_urlsafe(24)
    store.insert(conn, _digest(token), user, now_ms, now_ms + ttl_ms)
    return token


def redeem(conn: sqlite3.Connection, user: str, token: str, now_ms: int) -> Redeemed:
    """Take the token for ``user`` at ``now_ms``: it must be theirs, unused and unexpired."""
    row = store.take(conn, _digest(token), user, now_ms)
    if row is None or row.user != user:
        return Redeemed(False, "unknown web DJ token")
    if row.used_at_ms is not None:
        return Redeemed(False, "web DJ token already used")
    if row.expires_at_ms <= now_ms:
        return Redeemed(False, "web DJ token expired")
    return Redeemed(True)


def with_tokens(password_login: Callable[[str, str, str], U | None], conn: sqlite3.Connection,
                find_user: Callable[[str], U | None], clock: Clock) -> Callable[[str, str, str], U | None]:
    """A harbor login check that takes a Web DJ token where a password would be, and hands every
    other login to ``password_login``. ``find_user``: the enabled account of a name, or None."""
    def check(name: str, password: str, address: str) -> U | None:
        if not is_token(password):
            return password_login(name, password, address)
        result = redeem(conn, name, password, to_ms(clock.now()))
        if not result.ok:
            log.warning("harbor: %s from %s: %s", name, address or "?", result.reason)
            return None
        return find_user(name)
    return check


