"""Manager pages against a real control socket (the daemon's ControlServer with a recording handler)."""

from __future__ import annotations

import pytest

from radiod.accounts.users import Accounts
from radiod.clock import SystemClock
from radiod.playout.control import ControlServer
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
        if request["cmd"] == "status":
            return {"ok": True, "state": "playing", "automation": "on <b>bold</b>"}
        return {"ok": True}

    server = ControlServer(config.control_socket, handle)
    server.start()
    yield received
    server.close()


def test_status_and_controls_go_over_the_control_socket(app, daemon):
    client = app.test_client()
    login(client, "boss")
    page = client.get("/manager/").get_data(as_text=True)
    assert "on &lt;b&gt;bold&lt;/b&gt;" in page and daemon[-1] == {"cmd": "status"}
    response = client.post("/manager/control/skip", data={"csrf_token": token_of(client)}, follow_redirects=True)
    assert {"cmd": "skip"} in daemon and "skip: done" in response.get_data(as_text=True)
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
