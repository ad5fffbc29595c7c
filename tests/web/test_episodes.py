"""Listen again in the panel: the show page lists its episodes with their chapters, the episode
page has a player that names the item playing and a download served with range requests, and a
show's DJ (not another DJ) hides, deletes and re-cuts an episode, each recorded in its history."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from radiod.config import load_config
from radiod.episodes import get, history
from radiod.store import open_db
from radiod_web import create_app

from panel_support import add_users, login, make_station, token_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.episodes.support import add_episode  # noqa: E402

T0 = 1_796_000_000_000


@pytest.fixture()
def panel(tmp_path):
    root = make_station(tmp_path / "station")
    shows = root / "schedules" / "shows.toml"
    shows.write_text(shows.read_text().replace('hosts = ["dj1"]', 'hosts = ["dj1"]\narchive = true'))
    config = load_config(root, env={})
    add_users(config)
    episode_id = add_episode(config, "morning", T0)
    app = create_app(config, watch=False)
    yield app, config, episode_id
    app.extensions["radiod"].hub.stop()


def client_of(app, name: str | None):
    client = app.test_client()
    if name:
        assert login(client, name).status_code == 302
    return client


def test_the_show_page_and_the_episode_page_offer_the_episode(panel):
    app, config, episode_id = panel
    anon = client_of(app, None)
    page = anon.get("/shows/morning").get_data(as_text=True)
    assert "Listen again" in page and f"/shows/morning/episodes/{episode_id}" in page
    assert "Low Tide" in page and "Quiet Harbours" in page and "/podcasts/morning/feed.xml" in page
    page = anon.get(f"/shows/morning/episodes/{episode_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="episode-player"' in html and "episode.js" in html and "download" in html
    chapters = json.loads(html.split('data-chapters="')[1].split('"')[0].replace("&#34;", '"').replace("&quot;", '"'))
    assert [c["at"] for c in chapters] == [0.0, 1.0] and chapters[1]["artist"] == "Quiet Harbours"
    assert "Off the air here" in html
    assert anon.get(f"/shows/evening/episodes/{episode_id}").status_code == 404      # another show's number
    # The download: whole, and by ranges (a podcast app seeking).
    url = html.split('<source src="')[1].split('"')[0]
    whole = anon.get(url)
    assert whole.status_code == 200 and whole.mimetype == "audio/mpeg"
    part = anon.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    feed = anon.get("/podcasts/morning/feed.xml")
    assert feed.status_code == 200 and feed.mimetype == "application/rss+xml" and url.encode() in feed.data
    assert anon.get("/podcasts/../radiod.db").status_code == 404


def test_a_shows_dj_hides_deletes_and_recuts_its_episodes_and_another_dj_cannot(panel):
    app, config, episode_id = panel
    dj1, dj2 = client_of(app, "dj1"), client_of(app, "dj2")
    assert dj2.get(f"/dj/episodes/{episode_id}").status_code == 403
    assert dj2.post(f"/dj/episodes/{episode_id}/hide", data={"csrf_token": token_of(dj2)}).status_code == 403
    assert "morning" not in dj2.get("/dj/episodes/").get_data(as_text=True)
    assert f"/dj/episodes/{episode_id}" in dj1.get("/dj/episodes/").get_data(as_text=True)
    assert dj1.post(f"/dj/episodes/{episode_id}/hide", data={}).status_code == 400          # no CSRF token

    audio = config.episodes.folder / "public" / "morning"
    assert dj1.post(f"/dj/episodes/{episode_id}/hide", data={"csrf_token": token_of(dj1)}).status_code == 302
    assert not list(audio.glob("*.mp3"))                              # not fetchable, even by name
    work = config.episodes.folder / "work"
    (held,) = work.glob("*.mp3")
    assert work.stat().st_mode & 0o777 == 0o700 and held.stat().st_mode & 0o777 == 0o600
    assert b"<item>" not in (audio / "feed.xml").read_bytes()
    assert client_of(app, None).get(f"/shows/morning/episodes/{episode_id}").status_code == 404
    assert dj1.post(f"/dj/episodes/{episode_id}/show", data={"csrf_token": token_of(dj1)}).status_code == 302
    (published,) = audio.glob("*.mp3")
    assert published.stat().st_mode & 0o777 == 0o644 and b"<item>" in (audio / "feed.xml").read_bytes()

    token = token_of(dj1)
    bad = dj1.post(f"/dj/episodes/{episode_id}/recut", data={"csrf_token": token, "from": "then", "to": "now"})
    assert bad.status_code == 400
    far = dj1.post(f"/dj/episodes/{episode_id}/recut",
                   data={"csrf_token": token, "from": "2020-01-01T00:00", "to": "2020-01-01T01:00"})
    assert far.status_code == 400
    from_iso = "2026-11-29T19:53:19"          # T0 (00:53:20 UTC) is 19:53:20 in Toronto
    ok = dj1.post(f"/dj/episodes/{episode_id}/recut",
                  data={"csrf_token": token, "from": from_iso, "to": "2026-11-29T19:53:25"})
    assert ok.status_code == 302
    conn = open_db(config.paths.database)
    try:
        e = get(conn, episode_id)
        assert e.status == "pending" and e.revision == 1 and e.cut_from_ms == T0 - 1000
    finally:
        conn.close()
    assert dj1.post(f"/dj/episodes/{episode_id}/delete", data={"csrf_token": token_of(dj1)}).status_code == 302
    assert not list((config.episodes.folder).rglob("*.mp3"))
    conn = open_db(config.paths.database)
    try:
        assert [(h.actor, h.action) for h in history(conn, episode_id)] == [
            ("radiod", "cut"), ("dj1", "hide"), ("dj1", "show"), ("dj1", "recut"), ("dj1", "delete")]
    finally:
        conn.close()
    assert dj1.get(f"/dj/episodes/{episode_id}").status_code == 404
