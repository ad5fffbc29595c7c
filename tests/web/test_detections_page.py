"""The manager's page of fingerprint detections: listed (escaped), confirmed into the play log or
rejected, each decided once."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from radiod.cli import main
from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.fingerprints import LibraryIndex, record
from radiod.fingerprints.mix import build_mix
from radiod.fingerprints.music import piece, write_wav
from radiod.library.tags import write_tags
from radiod.playlog.store import PlayLog, read_itemised
from radiod.store import open_db
from radiod_web import create_app

from panel_support import add_users, login, make_station, token_of

CLOCK = FakeClock(datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = make_station(tmp_path_factory.mktemp("detections") / "station")
    (root / "media").mkdir()
    pieces = []
    for n in range(3):
        path = root / "media" / f"song{n}.wav"
        pieces.append((n, piece(500 + n, 45)))
        write_wav(path, pieces[-1][1])
        write_tags(path, {"title": f"<b>Song {n}</b>", "artist": "Band & Co"})
    for args in (["scan", "--no-analyze"], ["fingerprint", "build"]):
        with pytest.raises(SystemExit) as exc:
            main(["--station", str(root), *args])
        assert exc.value.code == 0
    audio, placed = build_mix(pieces, seed=3)
    show = root / "show.wav"
    write_wav(show, audio)
    config = load_config(root, env={})
    add_users(config)
    conn = open_db(config.paths.database)
    log = PlayLog(conn)
    play_id = log.open_play(started_at_ms=1_764_784_800_000, source="show", usage="feature", show="Night Owl",
                            snapshot={"title": "Night Owl", "path": str(show)}, item_key="2026-12-03/0001",
                            show_id="morning")
    log.close_play(play_id, ended_at_ms=1_764_784_800_000 + placed[-1].end_ms, played_ms=placed[-1].end_ms,
                   end_reason="end")
    assert len(record(conn, show, LibraryIndex.load(conn).find(show), CLOCK, play_id=play_id)) == 3
    conn.close()
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def test_a_manager_confirms_and_rejects(app):
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    html = client.get("/manager/detections/").get_data(as_text=True)
    assert html.count('name="decision" value="confirmed"') == 3
    assert "&lt;b&gt;Song 0&lt;/b&gt;" in html and "<b>Song" not in html and "Band &amp; Co" in html
    token = token_of(client)
    assert client.post("/manager/detections/1", data={"decision": "confirmed"}).status_code == 400   # no CSRF
    r = client.post("/manager/detections/1", data={"decision": "confirmed", "csrf_token": token})
    assert r.status_code == 302
    assert client.post("/manager/detections/2", data={"decision": "rejected", "csrf_token": token}).status_code == 302
    # decided before: no longer waiting
    assert client.post("/manager/detections/1", data={"decision": "rejected", "csrf_token": token}).status_code == 404
    assert client.post("/manager/detections/3", data={"decision": "maybe", "csrf_token": token}).status_code == 400
    html = client.get("/manager/detections/").get_data(as_text=True)
    assert html.count('name="decision" value="confirmed"') == 1
    conn = open_db(app.extensions["radiod"].config.paths.database)
    try:
        items = [r for r in read_itemised(conn) if r.get("item_id")]
    finally:
        conn.close()
    assert [r["title"] for r in items] == ["<b>Song 0</b>"]


def test_a_dj_decides_only_their_own_shows(app):
    other = app.test_client()
    assert login(other, "dj2").status_code == 302
    assert 'value="confirmed"' not in other.get("/dj/detections/").get_data(as_text=True)
    r = other.post("/dj/detections/3", data={"decision": "confirmed", "csrf_token": token_of(other)})
    assert r.status_code == 404
    assert other.get("/manager/detections/").status_code == 403
    host = app.test_client()
    assert login(host, "dj1").status_code == 302          # the account linked to the show
    html = host.get("/dj/detections/").get_data(as_text=True)
    assert html.count('name="decision" value="confirmed"') == 1 and 'action="/dj/detections/3"' in html
    r = host.post("/dj/detections/3", data={"decision": "confirmed", "csrf_token": token_of(host)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/dj/detections/")
    conn = open_db(app.extensions["radiod"].config.paths.database)
    try:
        items = [r for r in read_itemised(conn) if r.get("item_id")]
    finally:
        conn.close()
    assert [r["title"] for r in items] == ["<b>Song 0</b>", "<b>Song 2</b>"]
