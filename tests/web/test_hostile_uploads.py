"""A DJ uploads, through the panel, an "MP3" whose ID3 tag hides an HLS playlist naming another DJ's
unaired show: refused with one line, nothing filed, the other show untouched (a probing ffmpeg
would have accepted it as "0:34, -22 LUFS" and aired the other show)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from tests.library.hostile import crafted
from radiod_web import create_app

from panel_support import login, token_of
from part2_support import add_part2_users, make_part2_station

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("America/Toronto"))


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("hostile") / "station"), env={})
    add_part2_users(config)
    return config


@pytest.fixture(scope="module")
def dj1(station):
    app = create_app(station, watch=False, clock=FakeClock(NOON))
    client = app.test_client()
    assert login(client, "dj1").status_code == 302
    client.csrf = token_of(client)
    yield client
    app.extensions["radiod"].hub.stop()


@pytest.fixture
def unaired(station):
    """dj2's show for the late slot, filed and not yet aired: what the crafted file points at."""
    path = station.paths.uploads / "late" / "unaired.mp3"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=660:duration=34",
                    "-ac", "1", "-ar", "22050", "-b:a", "32k", str(path)], check=True)
    yield path
    shutil.rmtree(station.paths.uploads)


@pytest.mark.parametrize("variant", ["hls-file-url", "hls-relative"])
def test_an_upload_hiding_a_playlist_of_another_djs_show_is_refused(dj1, station, unaired, variant):
    partial = station.paths.state / "uploads-partial"
    data = crafted(variant, partial / "upload.part", unaired)
    r = dj1.post("/dj/shows/night/uploads", data={"name": "Night Owls.mp3", "size": str(len(data)),
                                                  "csrf_token": dj1.csrf})
    assert r.status_code == 200, r.get_json()
    r = dj1.put(f"/dj/uploads/{r.get_json()['id']}?offset=0", data=data,
                headers={"X-CSRF-Token": dj1.csrf, "Content-Type": "application/octet-stream"})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error == ("Night Owls.mp3: not an audio file (its ID3 tag is followed by text "
                     "('#EXTM3U #EXT-X-TARGETDUR...'), not by audio frames)")
    assert not (station.paths.uploads / "night").exists(), "nothing was filed under the show"
    assert list(partial.iterdir()) == [], "the refused bytes are gone"
    assert sorted(p.name for p in unaired.parent.iterdir()) == ["unaired.mp3"]
