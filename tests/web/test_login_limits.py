"""Login limits lock the guesser, not the account, and hold under concurrent guesses: a real
`radiod web` with several worker processes, guessed at from many threads at once, and the owner
logging in from another loopback address while the guesser is locked out."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest

from radiod.accounts.throttle import PER_ACCOUNT, PER_GUESSER, guesser_of
from radiod.accounts.users import Accounts
from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.store import open_db

from http_support import Visitor
from panel_support import PASSWORD, RadiodWeb, add_users, make_station

GUESSES = 30
GUESSER, OWNER = "127.0.0.1", "127.0.0.2"


def workers_of(pid: int, count: int) -> set[int]:
    """The server's worker processes, once ``count`` of them run."""
    deadline = time.monotonic() + 20
    while True:
        pids = {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
        if len(pids) == count or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def failures(config, remote: str) -> list[tuple[str, int]]:
    conn = sqlite3.connect(f"file:{config.paths.database}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT name, ok FROM login_attempts WHERE remote = ? ORDER BY id", (remote,)).fetchall()
    finally:
        conn.close()


@pytest.fixture
def panel(tmp_path):
    config = load_config(make_station(tmp_path / "station", web="workers = 3\nthreads = 8"), env={})
    add_users(config)
    server = RadiodWeb(config.station_dir)
    with server as url:
        assert len(workers_of(server.process.pid, 3)) == 3
        yield config, url
    assert "Traceback" not in server.log.read_text()


def guess_at_once(url: str, name: str, count: int, source: str = GUESSER) -> list[int]:
    """``count`` wrong passwords for ``name`` sent together, each from its own session."""
    visitors = [Visitor(url, source) for _ in range(count)]
    tokens = [v.csrf() for v in visitors]
    start = threading.Barrier(count)

    def guess(i: int) -> int:
        start.wait()
        return visitors[i].login(name, f"guess number {i}", tokens[i]).status

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(guess, range(count)))


def test_concurrent_guesses_over_several_processes_get_no_more_than_the_limit(panel):
    config, url = panel
    statuses = guess_at_once(url, "boss", GUESSES)
    assert sorted(statuses) == [401] * PER_ACCOUNT + [429] * (GUESSES - PER_ACCOUNT)
    assert failures(config, GUESSER) == [("boss", 0)] * PER_ACCOUNT
    # The guesser is locked out of the account, the right password included ...
    assert Visitor(url, GUESSER).login("boss", PASSWORD).status == 429
    # ... and the manager, from another address, logs in at once.
    owner = Visitor(url, OWNER)
    assert owner.login("boss", PASSWORD).status == 302
    assert owner.get("/manager/").status == 200


def test_the_guessers_address_is_locked_out_of_every_account_past_its_own_limit(panel):
    config, url = panel
    names = ["dj1", "dj2", "boss", "nobody", "admin"]
    statuses = []
    for name in names:                               # 4 at each name: under the per-account limit
        statuses += guess_at_once(url, name, PER_ACCOUNT - 1)
    assert statuses == [401] * PER_GUESSER
    assert sorted(guess_at_once(url, "dj1", 6)) == [429] * 6     # any account now, even unguessed ones
    assert Visitor(url, GUESSER).login("dj2", PASSWORD).status == 429
    assert Visitor(url, OWNER).login("dj2", PASSWORD).status == 302
    assert len(failures(config, GUESSER)) == PER_GUESSER


# The rules themselves, on a real database and a fake clock.

START = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def accounts(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    accounts = Accounts(conn, FakeClock(START))
    accounts.add_user("ana", "dj", "the right password")
    yield accounts
    conn.close()


def test_a_success_forgives_that_addresss_earlier_mistakes_at_the_account(accounts):
    for _ in range(3):
        for _ in range(PER_ACCOUNT - 1):
            assert accounts.login("ana", "typo typo typo", "10.0.0.1").user is None
        assert accounts.login("ana", "the right password", "10.0.0.1").user.name == "ana"
    for _ in range(PER_ACCOUNT):
        assert not accounts.login("ANA", "typo typo typo", "10.0.0.1").rate_limited
    assert accounts.login("ana", "the right password", "10.0.0.1").rate_limited     # names match in any case


def test_an_ipv6_guesser_is_one_64_network(accounts):
    for host in range(PER_ACCOUNT):
        assert not accounts.login("ana", "wrong wrong", f"2001:db8:1:2::{host + 1:x}").rate_limited
    assert accounts.login("ana", "the right password", "2001:db8:1:2:ffff::9").rate_limited
    assert accounts.login("ana", "the right password", "2001:db8:1:3::1").user.name == "ana"
    assert guesser_of("::ffff:10.0.0.7") == "10.0.0.7" and guesser_of("fe80::1%eth0") == "fe80::/64"


def test_the_window_passes(accounts):
    for _ in range(PER_ACCOUNT):
        accounts.login("ana", "wrong wrong", "10.0.0.1")
    assert accounts.login("ana", "the right password", "10.0.0.1").rate_limited
    accounts.clock.advance(timedelta(minutes=15, seconds=1))
    assert accounts.login("ana", "the right password", "10.0.0.1").user.name == "ana"
