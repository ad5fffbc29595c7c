"""The manager's library pages: search and filters, overrides (files untouched), preflight, duplicates."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from radiod.config import load_config
from radiod.library.scan import scan_library
from radiod.library.tags import read_tags, write_tags
from radiod.playlog.store import PlayLog
from radiod.store import open_db
from radiod.clock import FakeClock, to_ms
from radiod_web import create_app

from panel_support import csrf_from, login
from part2_support import add_part2_users, make_audio, make_part2_station

CLOCK = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))   # when scans and analyses ran


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("library") / "station"), env={})
    add_part2_users(config)
    media = config.paths.media[0]
    tone = make_audio(media / "harbour.mp3", 3)
    write_tags(tone, {"title": "Low Tide", "artist": "Quiet Harbours", "album": "Shore", "local": True,
                      "isrc": "CAAB12600001", "label": "Dock Records", "composer": "A. Writer"})
    far = media / "far.mp3"
    shutil.copyfile(tone, far)
    write_tags(far, {"title": "Far Song", "artist": "Far Away", "album": "Away", "local": False,
                     "isrc": None, "label": None, "composer": None})
    shutil.copyfile(far, media / "far-copy.mp3")                                  # a duplicate
    conn = open_db(config.paths.database)
    scan_library(conn, [media], clock=CLOCK)
    ids = {r[1]: r[0] for r in conn.execute("SELECT id, title FROM tracks WHERE path LIKE '%far.mp3' OR title = 'Low Tide'")}
    snap = {"title": "Far Song", "artist": "Far Away", "album": "Away", "label": "", "isrc": "", "composer": "",
            "artist_keys": ["far away"], "local": False, "length_ms": 3000, "track_id": ids["Far Song"]}
    log = PlayLog(conn)
    start = to_ms(datetime.now(timezone.utc) - timedelta(hours=2))
    pid = log.open_play(started_at_ms=start, source="rotation", usage="feature", show="", track_id=ids["Far Song"],
                        snapshot=snap)
    log.close_play(pid, ended_at_ms=start + 3000, played_ms=3000, end_reason="end")
    conn.close()
    app = create_app(config, watch=False)
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    yield config, client, ids, far
    app.extensions["radiod"].hub.stop()


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/manager/library/tracks/\d+">([^<]+)</a>', html)


def test_search_and_filters(setup):
    _, boss, _, _ = setup
    assert sorted(titles(boss.get("/manager/library/").get_data(as_text=True))) == ["Far Song", "Far Song", "Low Tide"]
    assert titles(boss.get("/manager/library/?q=harbour").get_data(as_text=True)) == ["Low Tide"]
    assert titles(boss.get("/manager/library/?local=yes").get_data(as_text=True)) == ["Low Tide"]
    assert titles(boss.get("/manager/library/?missing=isrc").get_data(as_text=True)) == ["Far Song", "Far Song"]


def test_overrides_change_what_the_station_uses_not_the_file(setup):
    config, boss, ids, far = setup
    before = far.read_bytes()
    page = boss.get(f"/manager/library/tracks/{ids['Far Song']}").get_data(as_text=True)
    r = boss.post(f"/manager/library/tracks/{ids['Far Song']}",
                  data={"csrf_token": csrf_from(page), "local": "yes", "isrc": "CAAB12600002", "label": ""})
    assert r.status_code == 302
    assert far.read_bytes() == before and read_tags(far).isrc == ""             # the file is untouched
    assert "CAAB12600002" in boss.get(f"/manager/library/tracks/{ids['Far Song']}").get_data(as_text=True)
    assert titles(boss.get("/manager/library/?local=yes").get_data(as_text=True)) == ["Far Song", "Low Tide"]
    conn = open_db(config.paths.database)
    rows = conn.execute("SELECT field, value, changed_by FROM track_overrides ORDER BY field").fetchall()
    conn.close()
    assert [tuple(r) for r in rows] == [("isrc", "CAAB12600002", "boss"), ("local", "yes", "boss")]
    bad = boss.post(f"/manager/library/tracks/{ids['Far Song']}", data={"csrf_token": csrf_from(page), "local": "maybe"})
    assert bad.status_code == 400 and "local: expected yes, no or empty" in bad.get_data(as_text=True)


def test_preflight_lists_played_recordings_with_gaps(setup):
    _, boss, _, _ = setup
    html = boss.get("/manager/library/preflight").get_data(as_text=True)
    row = re.search(r"<tr><td>1</td><td>Far Away</td>.*?</tr>", html, re.S).group(0)
    assert "Far Song" in row and "isrc" in row and "composer" in row
    assert "Low Tide" not in html


def test_duplicates_are_listed(setup):
    _, boss, _, _ = setup
    html = boss.get("/manager/library/duplicates").get_data(as_text=True)
    assert re.search(r"far-copy\.mp3</code> = <code>[^<]*far\.mp3", html)
    assert "harbour.mp3" not in html
