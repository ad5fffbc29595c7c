"""The JSON API and the now-playing watcher, through the Flask test client (the live feed, served
only from the event loop, is tests/web/test_feed.py's)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from radiod.config import load_config
from radiod.store import open_db
from radiod_web import create_app
from radiod_web.asgi import FEED_PATH
from radiod_web.nowplaying import NowPlayingHub

from panel_support import add_play, make_station, now_doc, write_now_playing


@pytest.fixture
def app(config):
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def test_now_playing_is_cacheable_for_a_second_with_etag_and_cors(app, config):
    write_now_playing(config, now_doc("Low Tide", "Quiet Harbours", local=True))
    app.extensions["radiod"].hub.poll()
    client = app.test_client()
    r = client.get("/api/now-playing", headers={"Origin": "https://fan.example"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=1"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Cookie" not in r.headers.get("Vary", "") and "Set-Cookie" not in r.headers
    doc = r.get_json()
    assert doc["now"]["title"] == "Low Tide" and doc["now"]["local"] is True and doc["next"]["title"] == "Next Song"
    again = client.get("/api/now-playing", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    pre = client.options("/api/history", headers={"Origin": "https://fan.example",
                                                   "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and "GET" in pre.headers["Access-Control-Allow-Methods"]


def test_cors_limited_to_configured_origins(tmp_path):
    config = load_config(make_station(tmp_path / "st", web='cors_origins = ["https://fan.example"]'), env={})
    app = create_app(config, watch=False)
    client = app.test_client()
    assert client.get("/api/now-playing", headers={"Origin": "https://fan.example"}) \
        .headers["Access-Control-Allow-Origin"] == "https://fan.example"
    assert "Access-Control-Allow-Origin" not in client.get("/api/now-playing", headers={"Origin": "https://x.example"}).headers
    app.extensions["radiod"].hub.stop()


def test_hide_next_removes_the_next_track_everywhere(tmp_path):
    config = load_config(make_station(tmp_path / "st", hide_next=True), env={})
    write_now_playing(config, now_doc("Low Tide", "Quiet Harbours", next_title="Secret Upcoming"))
    app = create_app(config, watch=False)
    client = app.test_client()
    assert "next" not in client.get("/api/now-playing").get_json()
    assert "Secret Upcoming" not in client.get("/").get_data(as_text=True)
    assert "Secret Upcoming" not in client.get("/embed").get_data(as_text=True)
    # (and from the live feed: tests/web/test_feed.py, which serves it)
    assert "next" not in client.get("/api/openapi.json").get_json()["components"]["schemas"]["NowPlaying"]["properties"]
    app.extensions["radiod"].hub.stop()


def test_history_newest_first_with_artist_links(app, config):
    conn = open_db(config.paths.database)
    t0 = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
    add_play(conn, title="First", artist="Quiet Harbours feat. Ana Ng", started=t0, local=True)
    add_play(conn, title="Second", artist="Other Band", started=t0 + timedelta(minutes=4))
    add_play(conn, title="On Air", artist="Other Band", started=t0 + timedelta(minutes=8), closed=False)
    conn.close()
    plays = app.test_client().get("/api/history").get_json()["plays"]
    assert [p["title"] for p in plays] == ["On Air", "Second", "First"]
    assert plays[0]["ended_at"] is None and plays[1]["started_at"] == "2026-11-20T15:04:00.000Z"
    assert plays[2]["artists"] == [{"id": "quiet-harbours", "name": "Quiet Harbours"}, {"id": "ana-ng", "name": "Ana Ng"}]
    assert plays[2]["local"] is True
    limited = app.test_client().get("/api/history?limit=1").get_json()["plays"]
    assert [p["title"] for p in limited] == ["On Air"]
    page = app.test_client().get("/history").get_data(as_text=True)
    assert 'href="/artists/ana-ng"' in page and page.index("Second") < page.index("First")


def test_artist_ledger_with_chain_digest(app, config):
    conn = open_db(config.paths.database)
    day = datetime.now(timezone.utc) - timedelta(days=2)
    add_play(conn, title="Low Tide", artist="Quiet Harbours", started=day, played_ms=200_000)
    add_play(conn, title="Other", artist="Someone Else", started=day + timedelta(minutes=4))
    add_play(conn, title="Salt", artist="Ana Ng & Quiet Harbours", started=day + timedelta(minutes=8), played_ms=100_000)
    conn.close()
    client = app.test_client()
    ledger = client.get("/api/artists/quiet-harbours/plays").get_json()
    assert ledger["totals"] == {"plays": 2, "played_ms": 300_000, "tracks": 2}
    assert [p["title"] for p in ledger["plays"]] == ["Low Tide", "Salt"]
    assert all(len(p["hash"]) == 64 for p in ledger["plays"])
    digest = ledger["chain"]["digest"]
    assert sum(d["rows"] for d in digest) == 3 and digest[-1]["last_seq"] == 3
    page = client.get("/artists/quiet-harbours").get_data(as_text=True)
    assert digest[-1]["last_hash"] in page and "Low Tide" in page and "Salt" in page
    assert client.get("/api/artists/nobody-at-all/plays").status_code == 404
    assert client.get("/artists/nobody-at-all").status_code == 404
    assert client.get("/api/artists/quiet-harbours/plays?from=2026-13-01").status_code == 400


def test_schedule_lists_this_weeks_airings(app):
    week = app.test_client().get("/api/schedule").get_json()
    assert week["problem"] is None and len(week["days"]) == 7
    first = week["days"][0]["airings"]
    assert [(a["show"], a["time"]) for a in first] == [("Morning Tide", "07:00–09:00"), ("Evening Static", "19:00–21:00")]
    assert first[0]["start_local"].endswith("-05:00")          # America/Toronto in November


def test_openapi_documents_every_api_route(app):
    doc = app.test_client().get("/api/openapi.json").get_json()
    api_rules = {r.rule.replace("<artist_id>", "{artist_id}") for r in app.url_map.iter_rules()
                 if r.rule.startswith("/api/")}
    assert set(doc["paths"]) == api_rules | {FEED_PATH}       # the live feed is the event loop's
    assert doc["info"]["title"] == "Test FM API"


def test_hub_publishes_changes_and_ignores_broken_files(tmp_path):
    path = tmp_path / "now-playing.json"
    hub = NowPlayingHub(path, station="Test FM", hide_next=False)
    assert hub.current().doc["state"] == "stopped" and hub.current().version == 0
    path.write_text(json.dumps(now_doc("A", "B")))
    assert hub.poll() and hub.current().doc["now"]["title"] == "A"
    assert not hub.poll()                                   # nothing changed
    path.write_text("{ half written")
    hub.poll()
    assert hub.current().doc["now"]["title"] == "A"         # the last good document stays
    path.unlink()
    assert hub.poll() and hub.current().doc["now"] is None


def test_hub_wakes_waiting_listeners(tmp_path):
    path = tmp_path / "now-playing.json"
    hub = NowPlayingHub(path, station="Test FM", hide_next=False)
    seen = []
    waiters = [threading.Thread(target=lambda: seen.append(hub.wait_for_change(0, 30).doc["now"]["title"]))
               for _ in range(5)]
    for w in waiters:
        w.start()
    path.write_text(json.dumps(now_doc("Wake", "Up")))
    hub.poll()
    for w in waiters:
        w.join(10)
    assert seen == ["Wake"] * 5


def test_now_playing_is_the_daemons_file_byte_for_byte_and_follows_changes(app, config):
    hub = app.extensions["radiod"].hub
    client = app.test_client()
    write_now_playing(config, now_doc("Before", "Band"))
    hub.poll()
    first = client.get("/api/now-playing")
    assert first.data == config.now_playing_file.read_bytes()          # served as written, nothing redone
    assert first.headers["Content-Type"] == "application/json"
    assert client.get("/api/now-playing", headers={"If-None-Match": f'W/{first.headers["ETag"]}'}).status_code == 304
    write_now_playing(config, now_doc("After", "Band"))
    hub.poll()
    after = client.get("/api/now-playing", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.get_json()["now"]["title"] == "After"
    assert after.headers["ETag"] != first.headers["ETag"]
    assert client.head("/api/now-playing").data == b""


def test_a_file_the_daemon_never_wrote_is_served_as_the_stopped_document(app, config):
    """Before the daemon's first write: the same off-air document the daemon's module defines."""
    doc = app.test_client().get("/api/now-playing").get_json()
    assert doc == {"station": "Test FM", "updated_at": None, "state": "stopped", "now": None, "next": None,
                   "show": None}
