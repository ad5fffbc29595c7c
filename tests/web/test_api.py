"""The JSON API, the now-playing watcher and the event stream, through the Flask test client."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from radiod.config import load_config
from radiod.store import open_db
from radiod_web import create_app
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
    events = client.get("/api/now-playing/events", buffered=False)
    first = next(events.response)
    events.close()
    assert b"Secret Upcoming" not in first and b'"next"' not in first
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
    assert set(doc["paths"]) == api_rules
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


def test_event_stream_sends_current_then_each_change(app, config):
    hub = app.extensions["radiod"].hub
    write_now_playing(config, now_doc("One", "Band"))
    hub.poll()
    response = app.test_client().get("/api/now-playing/events", buffered=False)
    assert response.mimetype == "text/event-stream" and response.headers["X-Accel-Buffering"] == "no"
    stream = iter(response.response)
    first = next(stream)
    assert first.startswith(b"retry: 1000\nid: 1\nevent: now-playing\ndata: {")
    assert json.loads(first.split(b"data: ", 1)[1])["now"]["title"] == "One"
    write_now_playing(config, now_doc("Two", "Band"))
    hub.poll()
    second = next(stream)
    assert second.startswith(b"id: 2\n") and json.loads(second.split(b"data: ", 1)[1])["now"]["title"] == "Two"
    response.close()


def test_event_stream_turns_listeners_away_beyond_the_cap(tmp_path):
    config = load_config(make_station(tmp_path / "st", web="sse_clients = 2"), env={})
    app = create_app(config, watch=False)
    client = app.test_client()
    open_streams = [client.get("/api/now-playing/events", buffered=False) for _ in range(2)]
    for s in open_streams:
        next(iter(s.response))
    refused = client.get("/api/now-playing/events")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
    open_streams[0].close()                                  # a slot frees when a listener leaves
    never_read = client.get("/api/now-playing/events", buffered=False)
    never_read.close()                                       # ... also when it left before the first event
    third = client.get("/api/now-playing/events", buffered=False)
    assert third.status_code == 200
    third.close()
    open_streams[1].close()
    app.extensions["radiod"].hub.stop()


def test_now_playing_fast_path_follows_changes_and_matches_flask(app, config):
    hub = app.extensions["radiod"].hub
    client = app.test_client()
    write_now_playing(config, now_doc("Before", "Band"))
    hub.poll()
    fast = client.get("/api/now-playing")
    flask = client.get("/api/now-playing?via=flask")           # a query string skips the fast path
    assert fast.data == flask.data
    assert {k: v for k, v in fast.headers if k != "Date"} == {k: v for k, v in flask.headers if k != "Date"}
    write_now_playing(config, now_doc("After", "Band"))
    hub.poll()
    assert client.get("/api/now-playing").get_json()["now"]["title"] == "After"
    assert client.head("/api/now-playing").data == b""
