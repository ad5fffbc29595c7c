"""The dashboard during a live show: the state line and the on-air card say who is live, the live
input is a part of the air chain (connected / waiting / off), and a live slot on air with no DJ is
an alert — against a real control socket, in English and in French and Malay."""

from __future__ import annotations

from dataclasses import replace

import pytest

from radiod.config import LiquidsoapConfig
from radiod_web import create_app

from panel_support import add_users, login, now_doc, write_now_playing
from test_dashboard import daemon_answering, text_of

LIVE = {"ok": True, "state": "live", "output": "PulseAudio sink 'radio'",
        "live": {"dj": "alex", "show": "Open Mic Live", "since": "2026-12-04T23:00:01.000Z"},
        "now": {"title": "Open Mic Live (live)", "artist": "alex", "show": "Open Mic Live", "source": "live",
                "usage": "talk", "started_at": "2026-12-04T23:00:01.000Z"},
        "show": {"title": "Open Mic Live", "hosts": ["alex"], "start": "2026-12-04T23:00:00.000Z",
                 "end": "2026-12-05T00:00:00.000Z", "kind": "live"},
        "errors": []}
UNATTENDED = {**LIVE, "state": "fallback", "live": None,
              "now": {"title": "Filler", "artist": "Robot", "source": "fallback", "usage": "feature",
                      "started_at": "2026-12-04T23:00:01.000Z", "reason": "a live slot with no DJ"}}


@pytest.fixture
def app(config):
    config = replace(config, liquidsoap=LiquidsoapConfig(live_input=True, harbor_port=8123, harbor_mount="studio"))
    add_users(config)
    app = create_app(config, watch=False)
    yield app, config
    app.extensions["radiod"].hub.stop()


def dashboard(app, config, reply: dict | None, lang: str = "en") -> str:
    server = daemon_answering(config, reply) if reply is not None else None
    try:
        client = app.test_client()
        login(client, "boss")
        response = client.get("/manager/", headers={"Accept-Language": lang})
        assert response.status_code == 200
        return response.get_data(as_text=True)
    finally:
        if server is not None:
            server.close()


def part(page: str, name: str) -> str:
    return page.split(f"<dt>{name}</dt>")[0].rsplit("<div", 1)[1] + page.split(f"<dt>{name}</dt>")[1].split("</div>")[0]


def test_a_live_dj_is_named_in_the_state_line_the_card_and_the_air_chain(app):
    app, config = app
    doc = now_doc("Open Mic Live (live)", "alex", show="Open Mic Live")
    write_now_playing(config, {**doc, "state": "live"})
    app.extensions["radiod"].hub.poll()
    page = dashboard(app, config, LIVE)
    assert 'class="state-line tone-ok">Live: alex — Open Mic Live</p>' in page
    assert '<p id="on-air-live" class="card tone-ok"><strong>Live: alex — Open Mic Live</strong></p>' in page
    assert 'data-state="live"' in page and '<p class="state" data-field="state">Live</p>' in page
    assert part(page, "Live input") == ' class="tone-ok"><dd>connected: alex, live for Open Mic Live</dd>'
    assert "Automation paused" not in page and "Nothing needs attention." in page


def test_a_live_slot_without_a_dj_is_an_alert(app):
    app, config = app
    page = dashboard(app, config, UNATTENDED)
    alerts = text_of(page.split('id="alerts"')[1].split("</ul>")[0])
    assert "Open Mic Live is on air, no DJ connected: fallback playing" in alerts
    assert part(page, "Live input") == ' class="tone-bad"><dd>waiting: no DJ connected for Open Mic Live</dd>'


def test_waiting_and_off(app):
    app, config = app
    playing = {**LIVE, "state": "playing", "live": None, "show": {"title": "Morning Tide", "kind": "rotation"},
               "now": {"title": "Tide", "artist": "Quiet Harbours", "source": "rotation", "usage": "feature"}}
    page = dashboard(app, config, playing)
    assert part(page, "Live input") == ' class="tone-ok"><dd>waiting: DJs can connect on port 8123, mount /studio</dd>'
    assert "no DJ connected" not in page
    page = dashboard(app, config, None)                     # the daemon is not running
    assert part(page, "Live input") == ' class="tone-off"><dd>off: the playout daemon is not running</dd>'


@pytest.mark.parametrize("lang, words", [
    ("fr", ("En direct\u00a0: alex — Open Mic Live", "Open Mic Live est à l’antenne, aucun DJ connecté\u00a0: le secours joue")),
    ("ms", ("Siaran langsung: alex — Open Mic Live", "Open Mic Live sedang ke udara, tiada DJ disambungkan: sandaran dimainkan")),
])
def test_in_other_languages(app, lang, words):
    app, config = app
    live_words, alert = words
    assert live_words in dashboard(app, config, LIVE, lang)
    assert alert.replace("\u00a0", " ") in text_of(dashboard(app, config, UNATTENDED, lang))   # text_of folds spaces
