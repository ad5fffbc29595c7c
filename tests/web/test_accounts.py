"""Accounts: password hashing, users, login rate limiting, sessions and the `radiod user` commands."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from radiod.accounts.passwords import hash_password, needs_rehash, verify_password
from radiod.accounts.throttle import PER_ACCOUNT
from radiod.accounts.users import AccountError, Accounts
from radiod.clock import FakeClock
from radiod.store import open_db

START = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def accounts(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    yield Accounts(conn, FakeClock(START))
    conn.close()


def test_scrypt_hash_is_salted_and_verifies():
    a, b = hash_password("a long password"), hash_password("a long password")
    assert a != b and a.startswith("scrypt$32768$8$1$")
    assert verify_password("a long password", a)
    assert not verify_password("a long passwore", a)
    assert not verify_password("anything", "md5$abc")       # unknown schemes never match
    assert not needs_rehash(a) and needs_rehash("scrypt$1024$8$1$AA==$AA==")


def test_no_password_is_stored_in_clear(accounts):
    accounts.add_user("ana", "dj", "sunday-morning-show")
    stored = accounts.conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert "sunday-morning-show" not in stored


def test_add_user_checks_name_role_password_and_duplicates(accounts):
    with pytest.raises(AccountError, match="at least 10"):
        accounts.add_user("ana", "dj", "short")
    with pytest.raises(AccountError, match="role must be one of manager, dj"):
        accounts.add_user("ana", "admin", "long enough pw")
    with pytest.raises(AccountError, match="name must be"):
        accounts.add_user("../ana", "dj", "long enough pw")
    accounts.add_user("ana", "dj", "long enough pw", ("morning",))
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user("ANA", "manager", "long enough pw")
    assert accounts.get("ana").shows == ("morning",)


def test_failures_lock_the_guessing_address_out_of_that_account_not_the_owner(accounts):
    accounts.add_user("ana", "dj", "the right password")
    for _ in range(PER_ACCOUNT):
        result = accounts.login("ana", "wrong password!", "10.0.0.1")
        assert result.user is None and not result.rate_limited
    # The guesser is locked out, even with the right password; the owner elsewhere is not.
    assert accounts.login("ana", "the right password", "10.0.0.1").rate_limited
    assert accounts.login("ana", "the right password", "10.0.0.2").user.name == "ana"
    accounts.clock.advance(timedelta(minutes=16))
    assert accounts.login("ana", "the right password", "10.0.0.1").user.name == "ana"


def test_sessions_end_on_logout_password_change_disable_and_idle(accounts):
    user = accounts.add_user("ana", "dj", "the right password")
    token = accounts.create_session(user)
    assert accounts.session_user(token).name == "ana"
    accounts.end_session(token)
    assert accounts.session_user(token) is None

    token = accounts.create_session(user)
    accounts.set_password("ana", "a new password!")
    assert accounts.session_user(token) is None

    token = accounts.create_session(user)
    accounts.set_disabled("ana", True)
    assert accounts.session_user(token) is None
    assert accounts.login("ana", "a new password!", "10.0.0.1").user is None

    accounts.set_disabled("ana", False)
    token = accounts.create_session(user)
    accounts.clock.advance(timedelta(hours=13))
    assert accounts.session_user(token) is None
    stored = accounts.conn.execute("SELECT token_sha256 FROM sessions").fetchall()
    assert all(token not in row[0] for row in stored)


def _radiod(station, *args, stdin=""):
    radiod = Path(sys.executable).parent / "radiod"
    return subprocess.run([str(radiod), "--station", str(station), *args],
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_user_commands(tmp_path):
    station = tmp_path / "st"
    station.mkdir()
    r = _radiod(station, "user", "add", "boss", "--role", "manager", "--password-stdin", stdin="a very good password\n")
    assert r.returncode == 0, r.stderr
    assert "user boss added (manager)" in r.stdout
    r = _radiod(station, "user", "add", "dj1", "--show", "morning", "--password-stdin", stdin="another good one\n")
    assert r.returncode == 0, r.stderr
    r = _radiod(station, "user", "list")
    assert r.stdout.splitlines() == ["boss\tmanager\tactive\t", "dj1\tdj\tactive\tmorning"]
    assert _radiod(station, "user", "disable", "dj1").returncode == 0
    assert "dj1\tdj\tdisabled" in _radiod(station, "user", "list").stdout
    r = _radiod(station, "user", "passwd", "boss", "--password-stdin", stdin="changed password!\n")
    assert r.returncode == 0 and "password of boss changed" in r.stdout

    conn = open_db(station / "radiod.db")
    assert Accounts(conn, FakeClock(START)).login("boss", "changed password!", "x").user is not None


def test_user_command_errors_are_one_line(tmp_path):
    station = tmp_path / "st"
    station.mkdir()
    r = _radiod(station, "user", "add", "boss", "--password-stdin", stdin="short\n")
    assert r.returncode == 1
    assert r.stderr.strip() == "radiod: password: must be at least 10 characters"
    r = _radiod(station, "user", "passwd", "nobody", "--password-stdin", stdin="whatever long\n")
    assert r.returncode == 1 and r.stderr.strip() == "radiod: user nobody: no such user"
