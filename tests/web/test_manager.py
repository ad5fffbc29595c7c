"""Manager pages against a real control socket (the daemon's ControlServer with a recording handler)."""

from __future__ import annotations

import pytest

from radiod.accounts.users import Accounts
from radiod.clock import SystemClock
from radiod.playout.control import ControlServer
from radiod.playout.messages import GetStatus, Skip, button_commands
from radiod.store import open_db
from radiod_web import create_app

from panel_support import add_users, login, token_of


@pytest.fixture
def app(config):
    add_users(config)
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


@pytest.fixture
def daemon(config):
    received = []

    def handle(request):
        received.append(request)
        if isinstance(request, GetStatus):
            return {"ok": True, "state": "playing", "output": "PulseAudio sink 'radio'",
                    "now": {"title": "on <b>bold</b>", "artist": "Tone", "source": "rotation", "usage": "feature",
                            "started_at": "2026-11-21T10:00:00.000Z", "expected_end": "2026-11-21T10:03:00.000Z"},
                    "errors": [{"at": "2026-11-21T09:59:00.000Z", "kind": "fallback", "detail": "no plan"}]}
        return {"ok": True}

    server = ControlServer(config.control_socket, handle)
    server.start()
    yield received
    server.close()


def test_status_and_controls_go_over_the_control_socket(app, daemon):
    client = app.test_client()
    login(client, "boss")
    page = client.get("/manager/").get_data(as_text=True)
    assert "on &lt;b&gt;bold&lt;/b&gt;" in page and daemon[-1] == GetStatus()
    # The snapshot in words, not a raw dict (the dashboard's own tests: test_dashboard.py).
    assert "On air, following the schedule" in page
    assert "<dt>Audio output</dt><dd>PulseAudio sink &#39;radio&#39;</dd>" in page
    assert "<strong>fallback</strong> no plan" in page and "{&#39;" not in page
    response = client.post("/manager/control/skip", data={"csrf_token": token_of(client)}, follow_redirects=True)
    assert Skip() in daemon and "skip: done" in response.get_data(as_text=True)
    page = client.get("/manager/").get_data(as_text=True)
    # One button per registry entry marked for the panel, and no other.
    assert [spec.name for spec in button_commands()] == ["skip", "pause", "resume", "reload"]
    for spec in button_commands():
        assert f'action="/manager/control/{spec.name}"' in page
    assert 'action="/manager/control/insert"' not in page and 'action="/manager/control/status"' not in page
    assert client.post("/manager/control/status", data={"csrf_token": token_of(client)}).status_code == 404
    assert client.post("/manager/control/format-disk", data={"csrf_token": token_of(client)}).status_code == 404


def test_controls_say_so_when_the_daemon_is_not_running(app):
    client = app.test_client()
    login(client, "boss")
    response = client.post("/manager/control/pause", data={"csrf_token": token_of(client)}, follow_redirects=True)
    assert "pause: the playout daemon is not reachable" in response.get_data(as_text=True)


def test_manager_adds_links_and_disables_users(app, config):
    client = app.test_client()
    login(client, "boss")
    token = token_of(client)
    r = client.post("/manager/users", data={"csrf_token": token, "name": "ana", "role": "dj",
                                            "password": "a fine password", "shows": "morning, evening"})
    assert r.status_code == 302
    bad = client.post("/manager/users", data={"csrf_token": token, "name": "bob", "role": "dj", "password": "short"})
    assert bad.status_code == 400 and "at least 10 characters" in bad.get_data(as_text=True)
    client.post("/manager/users/ana/shows", data={"csrf_token": token, "shows": "evening"})
    client.post("/manager/users/ana/disable", data={"csrf_token": token})
    own = client.post("/manager/users/boss/disable", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot disable your own account" in own.get_data(as_text=True)

    conn = open_db(config.paths.database)
    ana = Accounts(conn, SystemClock()).get("ana")
    conn.close()
    assert ana.shows == ("evening",) and ana.disabled
    assert login(app.test_client(), "ana", "a fine password").status_code == 401
