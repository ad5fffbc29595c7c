"""One-time harbor tokens on a real SQLite database: stored only as digests, taken once (also when
many logins race for one), refused after their minute or for another account; a login check
built with them still takes passwords."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from radiod.clock import FakeClock, to_ms
from radiod.store import open_db
from radiod.webdj import PREFIX, TTL_MS, is_token, issue, redeem, with_tokens

T0 = datetime(2026, 12, 2, 18, 0, tzinfo=timezone.utc)


def test_a_token_is_random_prefixed_and_only_its_digest_is_stored(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    first, second = issue(conn, "kim", to_ms(T0)), issue(conn, "kim", to_ms(T0))
    assert first != second and is_token(first) and first.startswith(PREFIX) and len(first) > len(PREFIX) + 30
    rows = conn.execute("SELECT digest, user, issued_at_ms, expires_at_ms, used_at_ms FROM harbor_tokens").fetchall()
    assert len(rows) == 2 and all(first not in row and second not in row for row in rows)
    assert {(r[1], r[3] - r[2], r[4]) for r in rows} == {("kim", TTL_MS, None)}
    assert not is_token("correct horse battery")


def test_a_token_is_taken_once_within_its_minute_by_its_own_account(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    now = to_ms(T0)
    token = issue(conn, "kim", now)
    assert redeem(conn, "lee", token, now + 1).reason == "unknown web DJ token"
    assert redeem(conn, "kim", token, now + 1_000).ok
    assert redeem(conn, "kim", token, now + 2_000).reason == "web DJ token already used"
    late = issue(conn, "kim", now)
    assert redeem(conn, "kim", late, now + TTL_MS).reason == "web DJ token expired"
    assert redeem(conn, "kim", PREFIX + "made-up", now).reason == "unknown web DJ token"


def test_racing_logins_take_a_token_once(tmp_path):
    path = tmp_path / "radiod.db"
    token = issue(open_db(path), "kim", to_ms(T0))
    results: list[bool] = []
    start = threading.Barrier(8)

    def login() -> None:
        conn = open_db(path)
        start.wait()
        results.append(redeem(conn, "kim", token, to_ms(T0) + 10).ok)
        conn.close()

    threads = [threading.Thread(target=login) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_the_login_check_takes_tokens_and_hands_passwords_on(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    clock = FakeClock(T0)
    asked: list[tuple[str, str, str]] = []

    def by_password(name: str, password: str, address: str) -> str | None:
        asked.append((name, password, address))
        return name if password == "correct horse battery" else None

    check = with_tokens(by_password, conn, lambda name: name if name == "kim" else None, clock)
    assert check("kim", "correct horse battery", "10.0.0.7") == "kim"
    token = issue(conn, "kim", to_ms(clock.now()))
    assert check("kim", token, "10.0.0.7") == "kim"
    assert check("kim", token, "10.0.0.7") is None
    expired = issue(conn, "kim", to_ms(clock.now()))
    clock.advance(timedelta(milliseconds=TTL_MS))
    assert check("kim", expired, "10.0.0.7") is None
    assert asked == [("kim", "correct horse battery", "10.0.0.7")]     # a token never goes to the password check
