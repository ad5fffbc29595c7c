"""Manager controls: insert an emergency item or a library track over a real control socket; errors shown."""

from __future__ import annotations

import pytest

from radiod.config import load_config
from radiod.playout.control import ControlServer
from radiod.playout.messages import Errors, Insert
from radiod_web import create_app

from panel_support import XSS, csrf_from, login
from part2_support import add_part2_users, make_audio, make_part2_station


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    root = make_part2_station(tmp_path_factory.mktemp("controls") / "station")
    with open(root / "schedules" / "station.toml", "a", encoding="utf-8") as f:
        f.write('[fallback]\nchain = [{ playlist = "emergency.m3u" }]\n')
    (root / "schedules" / "emergency.m3u").write_text("# emergency\nsafe/one.mp3\nsafe/missing.mp3\nsafe/two.mp3\n")
    config = load_config(root, env={})
    make_audio(config.paths.media[0] / "safe" / "one.mp3", 1)
    make_audio(config.paths.media[0] / "safe" / "two.mp3", 1)
    add_part2_users(config)
    return config


@pytest.fixture(scope="module")
def boss(station):
    app = create_app(station, watch=False)
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    yield client
    app.extensions["radiod"].hub.stop()


@pytest.fixture
def daemon(station):
    """A real control socket answering like the daemon, recording the commands it gets."""
    received = []

    def handle(cmd):
        received.append(cmd)
        if isinstance(cmd, Errors):
            return {"ok": True, "errors": [{"at": "2026-11-21T10:00:00.000Z", "kind": "fallback", "detail": XSS}]}
        return {"ok": True}
    server = ControlServer(station.control_socket, handle)
    server.start()
    yield received
    server.close()


def test_an_emergency_item_is_inserted_by_its_place_never_a_typed_path(boss, station, daemon):
    html = boss.get("/manager/controls/").get_data(as_text=True)
    assert "one.mp3" in html and "two.mp3" in html and "missing.mp3" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    r = boss.post("/manager/controls/insert", data={"csrf_token": csrf_from(html), "item": "1"})
    assert r.status_code == 302
    inserts = [c for c in daemon if isinstance(c, Insert)]
    assert inserts == [Insert(str((station.paths.media[0] / "safe" / "two.mp3").resolve()), "two", "")]
    page = boss.get("/manager/controls/").get_data(as_text=True)
    assert "Playing now: two" in page
    assert boss.post("/manager/controls/insert", data={"csrf_token": csrf_from(html), "item": "/etc/passwd"}
                     ).status_code == 404
    assert boss.post("/manager/controls/insert", data={"csrf_token": csrf_from(html), "item": "7"}).status_code == 404


def test_without_the_daemon_the_page_says_so(boss):
    html = boss.get("/manager/controls/").get_data(as_text=True)
    assert "The playout daemon is not reachable" in html
    r = boss.post("/manager/controls/insert", data={"csrf_token": csrf_from(html), "item": "0"}, follow_redirects=True)
    assert "insert: the playout daemon is not reachable" in r.get_data(as_text=True)
