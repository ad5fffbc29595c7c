"""The Web DJ's server side: the page and its CSP, the one-time harbor token (issued only inside
the DJ's live slot, refused with the reason otherwise), and the harbor's login check taking the
token once, within its minute — while encoders keep logging in with the account's password."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from radiod.accounts.users import Accounts
from radiod.bridge.harbor import HarborAuth, station_slots
from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.store import open_db
from radiod.live.wiring import harbor_login
from radiod_web import create_app

from panel_support import PASSWORD, add_users, login, make_station

TORONTO = ZoneInfo("America/Toronto")
IN_MORNING = datetime(2026, 12, 2, 7, 30, tzinfo=TORONTO)     # dj1's Morning Tide (07:00-09:00)


@pytest.fixture
def station(tmp_path):
    config = load_config(make_station(tmp_path / "station", web='webdj_harbor_url = ""'), env={})
    add_users(config)
    clock = FakeClock(IN_MORNING)
    app = create_app(config, watch=False, clock=clock)
    yield config, app, clock
    app.extensions["radiod"].hub.stop()


def client_of(app, name: str):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def csrf_of_page(client) -> str:
    html = client.get("/dj/live/").get_data(as_text=True)
    return html.split('data-csrf="', 1)[1].split('"', 1)[0]


def ask_token(client):
    return client.post("/dj/live/token", headers={"X-CSRF-Token": csrf_of_page(client)})


def harbor(config, clock) -> tuple[HarborAuth, object]:
    conn = open_db(config.paths.database)
    return HarborAuth(harbor_login(Accounts(conn, clock)), station_slots(config), clock, timedelta(minutes=5)), conn


def test_the_page_has_the_desk_and_its_csp_allows_only_the_harbors_socket(station):
    config, app, _ = station
    client = client_of(app, "dj1")
    page = client.get("/dj/live/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for part in ('id="webdj-level"', 'id="webdj-start"', 'id="webdj-stop"', 'id="webdj-title"',
                 'role="status" aria-live="polite"', 'data-countdown=', 'Morning Tide',
                 'data-harbor="ws://localhost:8005/live"', '<label for="webdj-title">'):
        assert part in html, part
    assert PASSWORD not in html
    csp = page.headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://localhost:8005;" in csp
    # Every other page keeps connect-src to its own origin.
    assert "connect-src 'self';" in client.get("/dj/").headers["Content-Security-Policy"]


def test_a_strange_host_header_never_reaches_the_csp(station):
    from radiod_web.webdj import harbor_socket

    _, app, _ = station
    with app.test_request_context("/dj/live/"):
        assert harbor_socket("radio.example:8080", False) == ("ws://radio.example:8005/live", "ws://radio.example:8005")
        assert harbor_socket("[::1]:8080", True)[0] == "wss://[::1]:8005/live"
        assert harbor_socket("evil;script-src *", False)[1] == "ws://localhost:8005"


def test_behind_nginx_the_socket_is_a_path_of_the_same_origin(tmp_path):
    config = load_config(make_station(tmp_path / "s", web='webdj_harbor_url = "/harbor/live"'), env={})
    add_users(config)
    app = create_app(config, watch=False, clock=FakeClock(IN_MORNING))
    page = client_of(app, "dj1").get("/dj/live/")
    assert 'data-harbor="/harbor/live"' in page.get_data(as_text=True)
    assert "connect-src 'self';" in page.headers["Content-Security-Policy"]
    app.extensions["radiod"].hub.stop()


def test_a_token_is_issued_in_the_slot_and_the_harbor_takes_it_once(station):
    config, app, clock = station
    answer = ask_token(client_of(app, "dj1"))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["ok"] and body["user"] == "dj1" and body["show"] == "Morning Tide"
    token = body["token"]
    assert token.startswith("webdj-") and PASSWORD not in token
    conn = open_db(config.paths.database)
    stored = [tuple(r) for r in conn.execute("SELECT * FROM harbor_tokens")]
    assert stored and all(token not in map(str, row) for row in stored)      # only its digest is kept
    auth, hconn = harbor(config, clock)
    assert not auth.check("dj2", token).ok                      # another account cannot use it
    first = auth.check("dj1", token, "127.0.0.1")
    assert first.ok and first.show == "Morning Tide"
    again = auth.check("dj1", token, "127.0.0.1")               # single use
    assert not again.ok and again.reason == "wrong user name or password"
    assert auth.check("dj1", PASSWORD).ok                       # encoders keep the account password
    hconn.close()
    conn.close()


def test_an_expired_token_is_refused(station, caplog):
    config, app, clock = station
    token = ask_token(client_of(app, "dj1")).get_json()["token"]
    clock.advance(timedelta(seconds=61))
    auth, hconn = harbor(config, clock)
    with caplog.at_level("WARNING", logger="radiod.webdj"):
        assert not auth.check("dj1", token, "10.0.0.7").ok
    assert "harbor: dj1 from 10.0.0.7: web DJ token expired" in caplog.text
    hconn.close()


def test_outside_the_slot_no_token_and_the_reason_says_when_the_next_slot_is(station):
    config, app, clock = station
    answer = ask_token(client_of(app, "dj2"))        # Evening Static is at 19:00
    assert answer.status_code == 403
    body = answer.get_json()
    assert body == {"ok": False, "reason": "Outside your live slot: Evening Static starts 2026-12-02 19:00."}
    conn = open_db(config.paths.database)
    assert conn.execute("SELECT COUNT(*) FROM harbor_tokens").fetchone()[0] == 0
    conn.close()


def test_a_token_needs_the_csrf_header(station):
    _, app, _ = station
    assert client_of(app, "dj1").post("/dj/live/token").status_code == 400


def test_the_state_says_when_a_dj_is_on_air(station):
    config, app, _ = station
    from panel_support import now_doc, write_now_playing

    client = client_of(app, "dj1")
    write_now_playing(config, now_doc("Low Tide", "Quiet Harbours"))
    app.extensions["radiod"].hub.poll()          # what the watcher thread does every 100 ms
    assert client.get("/dj/live/state").get_json()["on_air"] is False
    doc = now_doc("Morning Tide (live)", "dj1")
    doc["now"]["source"] = "live"
    write_now_playing(config, doc)
    app.extensions["radiod"].hub.poll()
    state = client.get("/dj/live/state").get_json()
    assert state["on_air"] is True and state["artist"] == "dj1"


def test_a_disabled_account_cannot_use_a_token_issued_before(station):
    config, app, clock = station
    token = ask_token(client_of(app, "dj1")).get_json()["token"]
    auth, conn = harbor(config, clock)
    Accounts(conn, clock).set_disabled("dj1", True)
    assert not auth.check("dj1", token).ok
    conn.close()
