"""Tracklists attached to uploaded shows in the panel: own show only, CSRF, bounded, errors located."""

from __future__ import annotations

import io
import shutil
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.tracklist_files import load_tracklist, tracklist_path
from radiod_web import create_app

from panel_support import login, token_of
from part2_support import add_part2_users, make_audio, make_part2_station

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("America/Toronto"))
NAME = "Night Owl.mp3"


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("tracklists") / "station"), env={})
    add_part2_users(config)
    return config


@pytest.fixture(scope="module")
def app(station):
    app = create_app(station, watch=False, clock=FakeClock(NOON))
    app.clients = {}
    yield app
    app.extensions["radiod"].hub.stop()


@pytest.fixture(autouse=True)
def one_upload(station, tmp_path):
    """The night show holds one 58-second file and no tracklist."""
    for folder in (station.paths.uploads, station.paths.state / "tracklists"):
        if folder.exists():
            shutil.rmtree(folder)
    make_audio(station.paths.uploads / "night" / NAME, 58)


def client_for(app, name):
    if name not in app.clients:
        client = app.test_client()
        assert login(client, name).status_code == 302
        client.csrf = token_of(client)
        app.clients[name] = client
    return app.clients[name]


def attach(client, data, show="night", name=NAME):
    return client.post(f"/dj/shows/{show}/files/{name}/tracklist", data={"csrf_token": client.csrf, **data},
                       content_type="multipart/form-data", follow_redirects=True)


def test_typed_tracklist_is_saved_private_and_listed_escaped(app, station):
    r = attach(client_for(app, "dj1"), {"text": "0:00 The Quiet Harbours – Harbour Lights\n0:31 <b>Bold</b> – Tape\n"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "tracklist saved: 2 songs (text); 0 in the library; kept as written:" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; – Tape" in page and "<b>Bold</b>" not in page
    saved = load_tracklist(station.paths.state, "night", NAME)
    assert saved is not None and [e.offset_ms for e in saved.entries] == [0, 31_000]
    path = tracklist_path(station.paths.state, "night", NAME)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_attached_cue_file_is_read(app, station):
    cue = (b'\xef\xbb\xbfFILE "night.mp3" MP3\r\n  TRACK 01 AUDIO\r\n    TITLE "One"\r\n    PERFORMER "A"\r\n'
           b'    INDEX 01 00:00:00\r\n  TRACK 02 AUDIO\r\n    TITLE "Two"\r\n    PERFORMER "B"\r\n    INDEX 01 00:40:00\r\n')
    r = attach(client_for(app, "dj1"), {"tracklist": (io.BytesIO(cue), "night.cue")})
    assert "tracklist saved: 2 songs (cue)" in r.get_data(as_text=True)
    saved = load_tracklist(station.paths.state, "night", NAME)
    assert saved is not None and [e.title for e in saved.entries] == ["One", "Two"]


def test_problems_are_shown_located_and_nothing_is_saved(app, station):
    r = attach(client_for(app, "dj1"), {"text": "0:00 A – One\n1:10 B – Two\nrubbish\n"})
    page = r.get_data(as_text=True)
    assert "tracklist not saved" in page
    assert "line 2: 1:10 is past the end of the file (0:58)" in page
    assert "line 3: cannot read &#39;rubbish&#39;" in page
    assert load_tracklist(station.paths.state, "night", NAME) is None


def test_another_djs_show_is_refused_and_csrf_is_required(app, station):
    assert attach(client_for(app, "dj2"), {"text": "0:00 A – B"}).status_code == 403
    dj1 = client_for(app, "dj1")
    r = dj1.post(f"/dj/shows/night/files/{NAME}/tracklist", data={"text": "0:00 A – B"})
    assert r.status_code == 400
    assert load_tracklist(station.paths.state, "night", NAME) is None


def test_an_oversized_body_is_refused_before_it_is_read(app, station):
    r = attach(client_for(app, "dj1"), {"tracklist": (io.BytesIO(b"0:00 A - B\n" * 100_000), "huge.txt")})
    assert r.status_code == 413
    assert load_tracklist(station.paths.state, "night", NAME) is None


def test_removing_the_tracklist_or_the_file_removes_it(app, station):
    dj1 = client_for(app, "dj1")
    attach(dj1, {"text": "0:00 A – B"})
    r = dj1.post(f"/dj/shows/night/files/{NAME}/tracklist/delete", data={"csrf_token": dj1.csrf}, follow_redirects=True)
    assert "tracklist removed" in r.get_data(as_text=True)
    assert load_tracklist(station.paths.state, "night", NAME) is None
    attach(dj1, {"text": "0:00 A – B"})
    dj1.post(f"/dj/shows/night/files/{NAME}/delete", data={"csrf_token": dj1.csrf})
    assert not tracklist_path(station.paths.state, "night", NAME).exists()
