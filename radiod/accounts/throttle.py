"""Login rate limits that lock the guesser, not the account.

A guesser is a client address (an IPv6 client by its /64, the network one subscriber is given).
It may fail ``PER_ACCOUNT`` times at one account and ``PER_GUESSER`` times in all within
``WINDOW``; the account's owner, from anywhere else, still logs in. A success forgives the
earlier failures at that account from that address (not those counted for the address).

Check and count are one step: the attempt is written as a failure *before* the password is
checked, by one INSERT … SELECT that tests the limits (radiod.accounts.store), inside a write transaction. Concurrent
requests in any number of server processes therefore queue on SQLite's write lock and cannot
all pass the check before any of them counts. A success then marks its row.
"""

from __future__ import annotations

import ipaddress
import sqlite3
from datetime import timedelta

from radiod.accounts import store
from radiod.db import transaction

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5            # failures from one guesser at one account
PER_GUESSER = 20           # failures from one guesser at any accounts
NAME_KEPT = 100            # characters of a typed name that are stored and compared

def guesser_of(remote: str) -> str:
    """The key failures are counted under: an IPv4 address as is (also when IPv4-mapped), an
    IPv6 address by its /64; anything unparseable as given."""
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return remote
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def reserve(conn: sqlite3.Connection, name: str, remote: str, now_ms: int) -> int | None:
    """Count one attempt at ``name`` from ``remote`` as a failure, if the limits allow one more;
    its row id, or None when the guesser is locked out."""
    since = now_ms - round(WINDOW / timedelta(milliseconds=1))
    with transaction(conn):
        return store.reserve_attempt(conn, name=name[:NAME_KEPT], remote=remote, guesser=guesser_of(remote),
                                     now_ms=now_ms, since_ms=since, per_guesser=PER_GUESSER,
                                     per_account=PER_ACCOUNT)


def succeeded(conn: sqlite3.Connection, attempt_id: int) -> None:
    """The password was right: the reserved attempt is a success."""
    store.mark_attempt_ok(conn, attempt_id)
