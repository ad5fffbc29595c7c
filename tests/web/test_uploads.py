"""DJ uploads through the Flask test client: checks, resumes, hostile names, refusals leave nothing behind."""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.uploads import sanitise_name
from radiod_web import create_app

from panel_support import login, token_of
from part2_support import add_part2_users, make_audio, make_part2_station

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("America/Toronto"))   # the night slot is at 23:00


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audio")
    return {"fits": make_audio(folder / "fits.mp3", 58).read_bytes(),
            "long": make_audio(folder / "long.mp3", 90).read_bytes()}


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("uploads") / "station"), env={})
    add_part2_users(config)
    return config


@pytest.fixture(scope="module")
def app(station):
    app = create_app(station, watch=False, clock=FakeClock(NOON))
    app.clients = {}
    yield app
    app.extensions["radiod"].hub.stop()


@pytest.fixture(autouse=True)
def empty_folders(station):
    """Each test starts with no uploads (the station and logins are shared, to keep the suite quick)."""
    for folder in (station.paths.uploads, station.paths.state / "uploads-partial"):
        if folder.exists():
            shutil.rmtree(folder)


def client_for(app, name):
    """A logged-in client per user, made once per module."""
    if name not in app.clients:
        client = app.test_client()
        assert login(client, name).status_code == 302
        client.csrf = token_of(client)
        app.clients[name] = client
    return app.clients[name]


def create(client, show, name, size):
    return client.post(f"/dj/shows/{show}/uploads", data={"name": name, "size": str(size), "csrf_token": client.csrf})


def put(client, upload_id, offset, data):
    return client.put(f"/dj/uploads/{upload_id}?offset={offset}", data=data,
                      headers={"X-CSRF-Token": client.csrf, "Content-Type": "application/octet-stream"})


def upload(client, show, name, data):
    r = create(client, show, name, len(data))
    assert r.status_code == 200, r.get_json()
    return put(client, r.get_json()["id"], 0, data)


def leftovers(station):
    partial = station.paths.state / "uploads-partial"
    return sorted(p.name for p in partial.iterdir()) if partial.exists() else []


def show_files(station, show="night"):
    folder = station.paths.uploads / show
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_show_that_fits_is_accepted_with_its_duration_and_loudness(app, station, audio):
    r = upload(client_for(app, "dj1"), "night", "Night Owl 21 Nov.mp3", audio["fits"])
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["done"] and body["format"] == "mp3"
    assert 57_500 <= body["length_ms"] <= 58_500
    assert "accepted, 0:58" in body["message"] and "LUFS" in body["message"]
    assert show_files(station) == ["Night Owl 21 Nov.mp3"]
    assert (station.paths.uploads / "night" / "Night Owl 21 Nov.mp3").read_bytes() == audio["fits"]
    assert leftovers(station) == []
    page = client_for(app, "dj1").get("/dj/shows/night/files").get_data(as_text=True)
    assert "Night Owl 21 Nov.mp3" in page and "1:00" in page


def test_an_over_long_show_is_refused_with_both_numbers_and_leaves_nothing(app, station, audio):
    r = upload(client_for(app, "dj1"), "night", "long.mp3", audio["long"])
    assert r.status_code == 422
    assert r.get_json()["error"] == "long.mp3: too long: 1:30, the slot is 1:00"
    assert show_files(station) == [] and leftovers(station) == []


def test_the_show_total_counts_the_files_already_there(app, station, audio):
    dj = client_for(app, "dj1")
    assert upload(dj, "night", "part1.mp3", audio["fits"]).status_code == 200
    r = upload(dj, "night", "part2.mp3", audio["fits"])
    assert r.status_code == 422
    assert "too long: 1:56 with the show's other 1 file(s), the slot is 1:00" in r.get_json()["error"]
    # Replacing part 1 (same name) before air does not count the old part 1.
    assert upload(dj, "night", "part1.mp3", audio["fits"]).status_code == 200
    assert show_files(station) == ["part1.mp3"]


def test_an_interrupted_upload_resumes_at_the_offset_the_server_reports(app, station, audio):
    dj = client_for(app, "dj1")
    data = audio["fits"]
    up = create(dj, "night", "resumed.mp3", len(data)).get_json()
    half = len(data) // 2
    # The connection drops part-way through the first piece: the server keeps what arrived.
    cut = dj.put(f"/dj/uploads/{up['id']}?offset=0", input_stream=io.BytesIO(data[:half]),
                 headers={"X-CSRF-Token": dj.csrf, "Content-Length": str(len(data))})
    assert cut.status_code in (200, 400) and not (cut.get_json() or {}).get("done")
    assert dj.get(f"/dj/uploads/{up['id']}").get_json()["offset"] == half
    assert show_files(station) == []                                # nothing half-received is filed
    wrong = put(dj, up["id"], 0, data)
    assert wrong.status_code == 409 and f"expected the piece at byte {half}" in wrong.get_json()["error"]
    done = put(dj, up["id"], half, data[half:])
    assert done.status_code == 200 and done.get_json()["done"]
    assert (station.paths.uploads / "night" / "resumed.mp3").read_bytes() == data
    assert leftovers(station) == []


def test_a_cut_off_upload_can_be_cancelled_and_leaves_nothing(app, station, audio):
    dj = client_for(app, "dj1")
    up = create(dj, "night", "cut.mp3", len(audio["fits"])).get_json()
    assert put(dj, up["id"], 0, audio["fits"][:1000]).get_json()["offset"] == 1000
    assert len(leftovers(station)) == 2
    assert dj.delete(f"/dj/uploads/{up['id']}", headers={"X-CSRF-Token": dj.csrf}).status_code == 200
    assert leftovers(station) == [] and show_files(station) == []
    assert dj.get(f"/dj/uploads/{up['id']}").status_code == 404


@pytest.mark.parametrize("name,stored", [
    ("../../etc/passwd", "passwd.mp3"),
    ("..\\..\\windows\\evil.mp3", "evil.mp3"),
    ("night\x00.sh.mp3", "night.sh.mp3"),
    ("/absolute/.hidden.mp3", "hidden.mp3"),
    ("x" * 5000 + ".mp3", "x" * 96 + ".mp3"),
])
def test_hostile_names_are_sanitised_and_confined_to_the_show_folder(app, station, audio, name, stored):
    r = upload(client_for(app, "dj1"), "night", name, audio["fits"])
    assert r.status_code == 200, r.get_json()
    assert show_files(station) == [stored]
    assert not (station.station_dir.parent / "etc").exists()
    assert leftovers(station) == []


def test_sanitised_names_never_leave_the_folder():
    for name in ("..", ".", "", "/", "\x00", "../", "a/../../b"):
        clean = sanitise_name(name)
        assert "/" not in clean and "\x00" not in clean and not clean.startswith(".") and clean


def test_a_text_file_named_mp3_is_refused_by_its_content(app, station):
    r = upload(client_for(app, "dj1"), "night", "show.mp3", b"This is not audio, just words.\n" * 100)
    assert r.status_code == 422
    assert r.get_json()["error"] == "show.mp3: not an audio file (it contains text)"
    assert show_files(station) == [] and leftovers(station) == []


def test_a_dj_cannot_upload_into_another_djs_show(app, station, audio):
    dj1, dj2 = client_for(app, "dj1"), client_for(app, "dj2")
    assert create(dj1, "late", "mine.mp3", 100).status_code == 403
    assert dj1.get("/dj/shows/late/files").status_code == 403
    up = create(dj2, "late", "theirs.mp3", len(audio["fits"])).get_json()
    assert put(dj1, up["id"], 0, audio["fits"]).status_code == 403         # someone else's upload id
    assert dj1.get(f"/dj/uploads/{up['id']}").status_code == 403
    assert show_files(station, "late") == []


def test_sizes_over_the_limit_and_empty_files_are_refused_up_front(app, station):
    dj = client_for(app, "dj1")
    r = create(dj, "night", "huge.wav", 3 * 2**30)
    assert r.status_code == 400 and r.get_json()["error"] == "huge.wav: 3072 MB is over the 2048 MB upload limit"
    assert create(dj, "night", "empty.mp3", 0).get_json()["error"] == "empty.mp3: the file is empty"
    assert leftovers(station) == []


def test_more_bytes_than_announced_are_refused(app, station, audio):
    dj = client_for(app, "dj1")
    up = create(dj, "night", "short.mp3", 10).get_json()
    r = put(dj, up["id"], 0, audio["fits"][:100])
    assert r.status_code in (409, 413)
    assert show_files(station) == []


def test_a_file_can_be_removed_before_air(app, station, audio):
    dj = client_for(app, "dj1")
    upload(dj, "night", "gone.mp3", audio["fits"])
    r = dj.post("/dj/shows/night/files/gone.mp3/delete", data={"csrf_token": dj.csrf})
    assert r.status_code == 302 and show_files(station) == []
    assert dj.post("/dj/shows/night/files/..%2F..%2Fradiod.toml/delete",
                   data={"csrf_token": dj.csrf}).status_code == 404
    assert (station.station_dir / "radiod.toml").exists()


def test_a_new_file_replaces_only_the_file_of_the_same_name(app, station, audio):
    folder = station.paths.uploads / "night"
    folder.mkdir(parents=True)
    (folder / "part1.wav").write_bytes(b"old take")                   # same name, other format: replaced
    (folder / "part1.extra.mp3").write_bytes(b"another file")         # a longer name: kept
    r = upload(client_for(app, "dj1"), "night", "part1.mp3", audio["fits"])
    assert r.status_code == 200, r.get_json()
    assert show_files(station) == ["part1.extra.mp3", "part1.mp3"]
