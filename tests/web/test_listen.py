"""Listen live on the public pages: the play button appears when the station streams something a
browser can play, its sources pass the CSP, and /api/aired gives the recent plays with their heard
spans — bounded, oldest first, computed once per TTL however many ask."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from radiod.clock import to_ms
from radiod.config import load_config
from radiod.errors import ConfigError
from radiod.store import open_db
from radiod.streams import hls_dir
from radiod_web import create_app

from panel_support import add_play, make_station, now_doc, write_now_playing

MP3 = "https://stream.example.org:8443/radio.mp3"


def app_for(tmp_path, web: str = "", streams: str = "", playlist: bool = True):
    station = make_station(tmp_path / "station", web=web)
    with (station / "radiod.toml").open("a") as f:
        f.write(streams)
    config = load_config(station, env={})
    if playlist:                                  # what the encoder writes once it runs
        hls_dir(config.paths.state).mkdir(parents=True)
        (hls_dir(config.paths.state) / "live.m3u8").write_text("#EXTM3U\n")
    write_now_playing(config, now_doc("Low Tide", "Quiet Harbours"))
    return config, create_app(config, watch=False)


@pytest.fixture
def streaming(tmp_path):
    config, app = app_for(tmp_path, web=f'listen_mp3_url = "{MP3}"',
                          streams="[streams]\nhls_bitrates = [64, 128]\n")
    yield config, app
    app.extensions["radiod"].hub.stop()


def test_without_a_stream_there_is_no_listen_button(tmp_path):
    _, app = app_for(tmp_path)
    try:
        page = app.test_client().get("/").get_data(as_text=True)
        assert 'id="listen"' not in page and "listen.js" not in page
        assert app.test_client().get("/embed").status_code == 200
    finally:
        app.extensions["radiod"].hub.stop()


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_page_and_the_embed_card_get_an_accessible_play_button(streaming, path):
    _, app = streaming
    answer = app.test_client().get(path)
    page = answer.get_data(as_text=True)
    assert re.search(r'<button type="button" class="listen-button" data-listen="button" aria-pressed="false">'
                     r"Listen live</button>", page)
    assert 'role="status"' in page                              # the player's state is announced
    assert 'data-hls="/hls/live.m3u8"' in page and f'data-mp3="{MP3}"' in page
    assert 'data-hlsjs="/static/vendor/hls.light.min.js"' in page and 'data-aired="/api/aired"' in page
    csp = answer.headers["Content-Security-Policy"]
    # hls.js plays from blob: URLs; the MP3 mount is on the Icecast server's origin, nothing wider.
    assert "media-src 'self' blob: https://stream.example.org:8443;" in csp
    assert "script-src 'self';" in csp


def test_hls_is_offered_once_the_encoder_has_written_its_playlist(tmp_path):
    _, app = app_for(tmp_path, streams="[streams]\nhls_bitrates = [64]\n", playlist=False)
    try:
        assert 'id="listen"' not in app.test_client().get("/").get_data(as_text=True)   # Liquidsoap not running
    finally:
        app.extensions["radiod"].hub.stop()


def test_hls_only_stations_allow_no_other_media_origin(tmp_path):
    _, app = app_for(tmp_path, streams="[streams]\nhls_bitrates = [64]\n")
    try:
        answer = app.test_client().get("/")
        assert 'data-mp3=""' in answer.get_data(as_text=True)
        assert "media-src 'self' blob:;" in answer.headers["Content-Security-Policy"]
    finally:
        app.extensions["radiod"].hub.stop()


def test_the_player_and_hls_js_are_served_with_the_licence_in_the_repository(streaming):
    _, app = streaming
    client = app.test_client()
    hlsjs = client.get("/static/vendor/hls.light.min.js")
    assert hlsjs.status_code == 200 and b"playingDate" in hlsjs.data
    assert client.get("/static/listen.js").status_code == 200
    from pathlib import Path
    vendor = Path(app.static_folder) / "vendor"
    assert "Apache License" in (vendor / "hls.js-LICENSE").read_text()


def test_aired_lists_recent_plays_with_their_heard_spans_oldest_first(streaming):
    config, app = streaming
    now = datetime.now(timezone.utc)
    conn = open_db(config.paths.database)
    old = add_play(conn, title="An Hour Ago", artist="Ana Ng", started=now - timedelta(hours=1))
    first = add_play(conn, title="Low Tide", artist="Quiet Harbours", started=now - timedelta(seconds=200),
                     played_ms=170_000)
    on_air = add_play(conn, title="High Water", artist="Ana Ng", started=now - timedelta(seconds=30), closed=False)
    conn.close()
    answer = app.test_client().get("/api/aired", headers={"Origin": "https://elsewhere.example"})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=2"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    doc = answer.get_json()
    assert abs(doc["now_ms"] - to_ms(now)) < 5000
    assert [p["id"] for p in doc["plays"]] == [first, on_air] and old not in [p["id"] for p in doc["plays"]]
    low, high = doc["plays"]
    assert low == {"id": first, "title": "Low Tide", "artist": "Quiet Harbours", "show": "Morning Tide",
                   "usage": "feature", "start_ms": to_ms(now - timedelta(seconds=200)),
                   "end_ms": to_ms(now - timedelta(seconds=30))}
    assert high["end_ms"] is None                              # on air now


def test_aired_is_computed_once_per_ttl_however_many_ask(streaming):
    _, app = streaming
    client = app.test_client()
    cache = app.extensions["radiod_listen"]
    for _ in range(50):
        assert client.get("/api/aired").status_code == 200
        assert client.get("/api/aired?junk=1").status_code == 200
    assert cache.computed == 1


def test_aired_is_bounded(streaming):
    config, app = streaming
    now = datetime.now(timezone.utc)
    conn = open_db(config.paths.database)
    for i in range(60):
        add_play(conn, title=f"Song {i}", artist="Ana Ng", started=now - timedelta(seconds=600 - i * 10),
                 played_ms=10_000)
    conn.close()
    plays = app.test_client().get("/api/aired").get_json()["plays"]
    assert len(plays) == 40 and plays[-1]["title"] == "Song 59" and plays[0]["title"] == "Song 20"


@pytest.mark.parametrize("value", ["ftp://x/radio.mp3", "javascript:alert(1)", "https://x/a b.mp3",
                                   "https://x/r.mp3\" onload=\"x"])
def test_a_bad_mp3_url_is_refused_with_its_key(tmp_path, value):
    station = make_station(tmp_path / "station")
    with pytest.raises(ConfigError, match="RADIOD_WEB_LISTEN_MP3_URL: must be empty or an http"):
        load_config(station, env={"RADIOD_WEB_LISTEN_MP3_URL": value})


def test_the_widget_page_offers_the_snippet_with_a_play_button_only_with_a_stream(streaming, tmp_path):
    _, app = streaming
    page = app.test_client().get("/widget").get_data(as_text=True)
    assert ('data-radiod-listen="http://localhost/hls/live.m3u8" data-radiod-mp3="' + MP3 + '"'
            ' data-radiod-mp3-delay-ms="4596"') in page
    _, plain = app_for(tmp_path / "plain")
    try:
        assert "data-radiod-listen" not in plain.test_client().get("/widget").get_data(as_text=True)
    finally:
        plain.extensions["radiod"].hub.stop()


def test_an_mp3_listeners_delay_is_icecasts_burst_at_the_mounts_bitrate_unless_set(tmp_path):
    from radiod_web.listen import mp3_delay_ms

    station = make_station(tmp_path / "station", web='listen_mp3_url = "https://radio.example.org/live.mp3"')
    with (station / "radiod.toml").open("a") as f:
        f.write('[streams]\nicecast = ["icecast://source:pw@127.0.0.1:8000/other.mp3?bitrate=64",'
                ' "icecast://source:pw@127.0.0.1:8000/live.mp3?bitrate=96"]\n')
    assert mp3_delay_ms(load_config(station, env={})) == round(65_536 * 8 / 96) + 500      # the named mount's
    assert mp3_delay_ms(load_config(station, env={"RADIOD_WEB_LISTEN_MP3_DELAY_MS": "9000"})) == 9000
