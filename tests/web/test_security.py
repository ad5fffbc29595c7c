"""CSRF, rate limiting, cookies, headers, redirects, error pages, and escaping of every tag field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from radiod.accounts.throttle import PER_ACCOUNT
from radiod.accounts.users import Accounts
from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.store import open_db
from radiod_web import create_app

from panel_support import (PASSWORD, XSS, add_play, add_users, csrf_from, login, make_station, now_doc,
                           token_of, write_now_playing)


@pytest.fixture
def app(config):
    add_users(config)
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def users_named(config, name):
    conn = open_db(config.paths.database)
    try:
        return [u for u in Accounts(conn, SystemClock()).list_users() if u.name == name]
    finally:
        conn.close()


def test_state_changing_requests_without_csrf_token_are_refused(app, config):
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    form = {"name": "sneaky", "role": "manager", "password": "a fine password"}
    assert client.post("/manager/users", data=form).status_code == 400
    assert client.post("/manager/users", data=dict(form, csrf_token="forged")).status_code == 400
    assert users_named(config, "sneaky") == []
    assert client.post("/manager/users", data=dict(form, csrf_token=token_of(client))).status_code == 302
    assert len(users_named(config, "sneaky")) == 1
    # Logging out and logging in need the token too (no login CSRF, no forced logout).
    assert client.post("/logout").status_code == 400
    fresh = app.test_client()
    assert fresh.post("/login", data={"name": "boss", "password": PASSWORD}).status_code == 400


def test_token_from_one_session_does_not_work_in_another(app):
    a, b = app.test_client(), app.test_client()
    login(a, "boss")
    login(b, "boss")
    response = b.post("/manager/control/skip", data={"csrf_token": token_of(a)})
    assert response.status_code == 400


def test_wrong_password_n_times_is_rate_limited(app):
    client = app.test_client()
    for _ in range(PER_ACCOUNT):
        assert login(client, "dj1", "not the password").status_code == 401
    response = login(client, "dj1", PASSWORD)          # even the right password now waits
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert login(app.test_client(), "dj2").status_code == 302     # other accounts are unaffected


def test_session_cookie_flags(app, tmp_path):
    client = app.test_client()
    cookie = login(client, "dj1").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    tls = load_config(make_station(tmp_path / "tls", web="behind_tls = true"), env={})
    add_users(tls)
    tls_app = create_app(tls, watch=False)
    cookie = tls_app.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    tls_app.extensions["radiod"].hub.stop()


def test_logout_ends_the_session_on_the_server(app):
    client = app.test_client()
    login(client, "boss")
    stolen = client.get_cookie("radiod_session").value
    assert client.post("/logout", data={"csrf_token": token_of(client)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("radiod_session", stolen)
    assert thief.get("/manager/").status_code == 302


def test_login_changes_the_session_token(app):
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("radiod_session").value
    login(client, "dj1")
    assert client.get_cookie("radiod_session").value != before


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)",
                                    "/\\evil.example"])
def test_login_never_redirects_off_site(app, target):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"name": "dj1", "password": PASSWORD, "csrf_token": token, "next": target})
    assert response.headers["Location"] == "/dj/"


def test_security_headers_on_pages_and_api(app):
    client = app.test_client()
    for path in ("/", "/login", "/history", "/api/now-playing", "/nope"):
        h = client.get(path).headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    embed = client.get("/embed").headers
    assert "frame-ancestors *" in embed["Content-Security-Policy"] and "X-Frame-Options" not in embed


def test_templates_have_no_inline_script_or_style(app):
    from pathlib import Path
    import re
    for template in (Path(app.root_path) / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert "<style" not in text and " style=" not in text.replace('style="border:0"&gt;', ""), template
        assert not re.search(r"\son[a-z]+=", text), template


def test_errors_show_no_stack_trace(config):
    app = create_app(config, watch=False)
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body and "ZeroDivisionError" not in body and "Something went wrong" in body
    app.extensions["radiod"].hub.stop()


def test_xss_payloads_render_as_text_everywhere(config):
    config = load_config(make_station(config.station_dir, show_title=XSS), env={})
    add_users(config)
    conn = open_db(config.paths.database)
    started = datetime.now(timezone.utc) - timedelta(minutes=30)
    add_play(conn, title=XSS, artist=XSS, album=XSS, show=XSS, started=started)
    add_play(conn, title=XSS, artist="Quiet Harbours", album=XSS, show="morning", started=started + timedelta(minutes=5))
    conn.close()
    write_now_playing(config, now_doc(XSS, XSS, album=XSS, show=XSS, next_title=XSS, next_artist=XSS))
    app = create_app(config, watch=False)
    client = app.test_client()
    login(client, "boss")
    from radiod.library.artists import artist_key, split_artists
    xss_artist = artist_key(split_artists(XSS)[0]).replace(" ", "-")
    pages = ["/", "/embed", "/history", "/schedule", f"/artists/{xss_artist}", "/artists/quiet-harbours",
             "/dj/", "/dj/shows/morning", "/manager/"]
    for path in pages:
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, path

    np = client.get("/api/now-playing")
    assert np.mimetype == "application/json"
    doc = json.loads(np.get_data())
    assert doc["now"]["title"] == XSS and doc["now"]["artist"] == XSS and doc["next"]["title"] == XSS
    plays = json.loads(client.get("/api/history").get_data())["plays"]
    assert {p["title"] for p in plays} == {XSS} and XSS in {p["artist"] for p in plays}
    ledger = json.loads(client.get(f"/api/artists/{xss_artist}/plays").get_data())
    assert ledger["plays"][0]["title"] == XSS and ledger["plays"][0]["show"] == XSS
    week = json.loads(client.get("/api/schedule").get_data())
    assert XSS in {a["show"] for d in week["days"] for a in d["airings"]}
    app.extensions["radiod"].hub.stop()
