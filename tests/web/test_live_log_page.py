"""The live-log page's server side: "on now" through the real control socket to the desk, only
for a host of the show on air live; the airing's songs; corrections as audit rows until
``liquidsoap.live_correction_hours`` after the slot, refused after."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from radiod.clock import FakeClock
from radiod.playlog.store import correction_rows
from radiod.playlog.verify import verify_chain
from radiod_web import create_app

from panel_support import login, token_of
from tests.live.livelog_rig import SHOW, LiveShow, add_people, add_track, station

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)     # 10:00 in Toronto: Night Moves is 09:00–11:00


@pytest.fixture
def rig(tmp_path):
    clock = FakeClock(NOW)
    show = LiveShow(station(tmp_path / "station", NOW, correction_hours=24), clock)
    add_people(show.config, clock)
    show.track_id = add_track(show.config, clock)
    show.serve_control()
    app = create_app(show.config, {"TESTING": True}, clock=clock, watch=False)
    show.clients = {}
    for name in ("kim", "ana", "lee", "boss"):
        client = app.test_client()
        assert login(client, name).status_code == 302
        show.clients[name] = (client, token_of(client))
    yield show
    app.extensions["radiod"].hub.stop()
    show.close()


def on_now(rig, who: str, **form):
    client, token = rig.clients[who]
    return client.post("/dj/live-log/on-now", data=form, headers={"X-CSRF-Token": token})


def correct(rig, who: str, play_id: int, **form):
    client, token = rig.clients[who]
    return client.post(f"/dj/live-log/plays/{play_id}", data=form, headers={"X-CSRF-Token": token})


def listed(rig, who: str = "kim") -> dict:
    return rig.clients[who][0].get("/dj/live-log/songs").get_json()


def test_the_page_names_the_live_show_to_its_hosts_only(rig):
    assert SHOW in rig.clients["kim"][0].get("/dj/live-log/").get_data(as_text=True)
    assert 'id="ll-q"' in rig.clients["ana"][0].get("/dj/live-log/").get_data(as_text=True)
    page = rig.clients["lee"][0].get("/dj/live-log/").get_data(as_text=True)
    assert SHOW not in page and "live-log-none" in page
    assert listed(rig, "lee") == {"show": None, "live_now": False, "songs": []}


def test_on_now_goes_through_the_socket_and_the_list_shows_it(rig):
    rig.go_live("kim")
    rig.clock.advance(30_000)
    assert on_now(rig, "ana", track_id=str(rig.track_id), press="a1").get_json() == {"ok": True, "logged": True}
    first = listed(rig)["songs"]
    assert [(s["title"], s["artist"], s["isrc"], s["on_now"]) for s in first] == \
        [("Low Tide", "Quiet Harbours", "CAAB12600001", True)]
    rig.clock.advance(200_000)
    assert on_now(rig, "kim", artist="The Gulls", title="Harbour Lights", press="k1").get_json()["logged"]
    songs = listed(rig)["songs"]
    assert [(s["title"], s["matched"], s["on_now"]) for s in songs] == \
        [("Low Tide", True, False), ("Harbour Lights", False, True)]


def test_others_are_refused_with_a_reason(rig):
    rig.go_live("kim")
    refused = on_now(rig, "lee", artist="A", title="B")
    assert refused.status_code == 403 and refused.get_json()["error"] == "None of your shows is on air live now."
    # A manager sees every show, but the daemon takes songs from the live show's hosts only.
    refused = on_now(rig, "boss", artist="A", title="B")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "Not logged: boss is not a host of Night Moves, the show on air live"
    client, _token = rig.clients["kim"]
    assert client.post("/dj/live-log/on-now", data={"artist": "A", "title": "B"}).status_code == 400   # no CSRF
    assert [r for r in rig.rows() if r["usage"] == "feature"] == []


def test_corrections_are_audit_rows_until_the_window_closes(rig):
    rig.go_live("kim")
    rig.clock.advance(10_000)
    on_now(rig, "kim", artist="The Guls", title="Harbor Lights", press="1")
    rig.clock.advance(180_000)
    on_now(rig, "kim", artist="Mira", title="Never Played", press="2")
    rig.clock.advance(5_000)
    on_now(rig, "kim", artist="Mira", title="Third", press="3")
    wrong, never, third = [s["id"] for s in listed(rig)["songs"]]
    assert correct(rig, "kim", third, title="X").status_code == 409          # still on now
    rig.clock.advance(60_000)
    rig.drop()
    before = {r["id"]: r for r in rig.playlog.plays(corrected=False)}
    reply = correct(rig, "ana", wrong, artist="The Gulls", title="Harbour Lights")
    assert reply.get_json() == {"ok": True, "corrected": ["title", "artist", "artist_keys"]}
    assert correct(rig, "kim", never, not_played="1").get_json() == {"ok": True, "corrected": ["usage"]}
    assert correct(rig, "lee", wrong, title="Nope").status_code == 403        # not their show
    songs = {s["id"]: s for s in listed(rig)["songs"]}
    assert (songs[wrong]["artist"], songs[wrong]["title"], songs[wrong]["not_played"]) == \
        ("The Gulls", "Harbour Lights", False)
    assert songs[never]["not_played"] is True
    # The rows themselves are as they were; the corrections are audit rows in their own chain.
    assert {r["id"]: r for r in rig.playlog.plays(corrected=False)} == before
    assert [(c["play_id"], c["field"], c["changed_by"]) for c in correction_rows(rig.conn)] == [
        (wrong, "title", "ana"), (wrong, "artist", "ana"), (wrong, "artist_keys", "ana"), (never, "usage", "kim")]
    corrected = {r["id"]: r for r in rig.playlog.plays()}
    assert corrected[wrong]["artist_keys"] == ["gulls"] and corrected[never]["usage"] == "talk"
    assert verify_chain(rig.conn).ok
    # 24 h after the slot (11:00 Toronto) and its 5 min grace, the songs still show but are closed to correction.
    rig.clock.set(datetime(2026, 12, 3, 16, 4, tzinfo=timezone.utc))
    client = rig.clients["kim"][0]
    assert login(client, "kim").status_code == 302          # a day later: a new session
    rig.clients["kim"] = (client, token_of(client))
    assert correct(rig, "kim", third, title="Late").status_code == 200
    rig.clock.set(datetime(2026, 12, 3, 16, 6, tzinfo=timezone.utc))
    refused = correct(rig, "kim", third, title="Too late")
    assert refused.status_code == 403
    assert len(list(correction_rows(rig.conn))) == 5
