"""The manager's home in words: state, parts of the air chain, alerts, next event, controls —
against a real control socket (the daemon's ControlServer) and a real station folder."""

from __future__ import annotations

import re
import shutil
from collections import namedtuple
from datetime import datetime, timedelta

import pytest

from radiod.playout.control import ControlServer
from radiod.playout.messages import GetStatus
from radiod_web import create_app

from panel_support import add_users, login, now_doc, write_now_playing

# A raw Python or JSON structure printed into a page: {'…': …}, ['…', …], ('…', …), "key": value.
RAW = re.compile(r"\{\s*(&#39;|'|&#34;|\")|\[\s*(&#39;|'|\(|&#34;)|\(\s*(&#39;|')\w+(&#39;|'),|(&#34;|\")\w+(&#34;|\"):\s")


def text_of(html: str) -> str:
    """The words of a page; a schedule file's own text (in a textarea or a diff) is TOML, not a leak."""
    html = re.sub(r"<(textarea|pre)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def app(config):
    add_users(config)
    app = create_app(config, watch=False)
    yield app
    app.extensions["radiod"].hub.stop()


def daemon_answering(config, reply: dict):
    def handle(request):
        return reply if isinstance(request, GetStatus) else {"ok": True}
    server = ControlServer(config.control_socket, handle)
    server.start()
    return server


PLAYING = {"ok": True, "state": "playing", "output": "PulseAudio sink 'radio'",
           "now": {"title": "Tide", "artist": "Quiet Harbours", "source": "rotation", "usage": "feature",
                   "started_at": "2026-11-21T10:00:00.000Z", "expected_end": "2026-11-21T10:03:00.000Z"},
           "errors": [{"at": "2026-11-21T09:59:00.000Z", "kind": "failed", "detail": "a.mp3: cannot open"}]}


def manager_page(app) -> str:
    client = app.test_client()
    login(client, "boss")
    response = client.get("/manager/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_playing_station_reads_as_words_with_colour(app, config):
    server = daemon_answering(config, PLAYING)
    try:
        page = manager_page(app)
    finally:
        server.close()
    assert 'class="state-line tone-ok">On air, following the schedule</p>' in page
    assert '<div class="tone-ok"><dt>Audio output</dt><dd>PulseAudio sink &#39;radio&#39;</dd></div>' in page
    for part in ("Streams", "Live input", "Logger"):        # no Liquidsoap in this station
        assert f'<div class="tone-off"><dt>{part}</dt><dd>not configured</dd></div>' in page
    assert "Nothing needs attention." in page
    assert "Sat 21 Nov 04:59:00</span> <strong>failed</strong> a.mp3: cannot open" in page
    # The next timed event, with a countdown the script keeps ticking.
    assert re.search(r'id="next-event".*Morning Tide|id="next-event".*Evening Static', page, re.S)
    assert re.search(r'data-countdown="\d{4}-\d\d-\d\dT[\d:.]+Z"[^>]*>in \d+ (h \d\d min|min \d\d s)<', page, re.S)
    for name in ("skip", "pause", "resume", "reload"):
        assert f'action="/manager/control/{name}"' in page
    assert not RAW.search(text_of(page)), RAW.search(text_of(page))


def test_a_person_is_told_what_needs_them(app, config, monkeypatch):
    fallback = {**PLAYING, "state": "fallback",
                "now": {**PLAYING["now"], "reason": "the show's files are missing"},
                "errors": [{"at": "2026-11-21T09:58:00.000Z", "kind": "dead-air", "detail": "4.0 s of silence"}],
                "schedule_error": "grid.toml:3: slot[0]: no show 'gone'",
                "library_alert": "/mnt/share: the folder is missing; its tracks were left as they were",
                "alerts": ["logger stopped: [Errno 28] No space left on device"]}
    # A disk with 5 % free (the panel asks the OS; this is the only fake here).
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(100 * 10**9, 95 * 10**9, 5 * 10**9))
    server = daemon_answering(config, fallback)
    try:
        page = manager_page(app)
    finally:
        server.close()
    alerts = text_of(page.split('id="alerts"')[1].split("</ul>")[0])
    assert "Fallback playing: the show&#39;s files are missing" in alerts
    assert "Silence on air at Sat 21 Nov 04:58:00: 4.0 s of silence" in alerts      # Toronto time
    assert "The schedule files have errors: grid.toml:3: slot[0]: no show &#39;gone&#39; Open the grid" in alerts
    assert "is filling: 5.0 GB free of 100.0 GB" in alerts
    assert "Media folders left alone by the last scan: /mnt/share: the folder is missing" in alerts
    assert "Stopped, the air goes on: logger stopped: [Errno 28] No space left on device" in alerts
    assert 'class="state-line tone-warn">On air from the fallback' in page


def test_off_air_when_the_daemon_is_not_running(app, config):
    page = manager_page(app)
    assert 'class="state-line tone-bad">Off air: the playout daemon is not running</p>' in page
    assert '<li class="tone-bad">Off air: the playout daemon is not running</li>' in page
    assert "The playout daemon is not reachable" in page


def test_missing_and_too_long_uploads_for_tonight_are_alerts(app, config, tmp_path):
    # A pre-recorded show airing within the next hour (slot whole minutes, in the station's zone).
    now = datetime.now(config.zone)
    start = (now + timedelta(minutes=30)).replace(second=0, microsecond=0)
    if (start + timedelta(minutes=30)).date() != start.date():       # keep the slot inside one day
        start = (start + timedelta(days=1)).replace(hour=0, minute=30)
    end = start + timedelta(minutes=30)
    sched = config.paths.schedules
    with open(sched / "shows.toml", "a", encoding="utf-8") as f:
        f.write('\n[show.tape]\ntitle = "Tape Hour"\nkind = "prerecorded"\nhosts = ["dj1"]\n')
    (sched / "grid.toml").write_text(
        f'[[exception]]\ndate = "{start:%Y-%m-%d}"\nstart = "{start:%H:%M}"\nend = "{end:%H:%M}"\nshow = "tape"\n'
        + (sched / "grid.toml").read_text(encoding="utf-8"), encoding="utf-8")
    page = manager_page(app)
    alerts = text_of(page.split('id="alerts"')[1].split("</ul>")[0])
    assert f"Tape Hour, {start:%A %d %B} {start:%H:%M}–{end:%H:%M}: missing: nothing uploaded, the slot is 30:00" in alerts


def test_no_page_prints_a_raw_structure(app, config):
    """Every page a manager, a DJ or a listener reads (GET routes without parameters, and the show
    pages), checked for printed dicts, lists and tuples."""
    server = daemon_answering(config, PLAYING)
    write_now_playing(config, now_doc("Song", "Artist"))
    app.extensions["radiod"].hub.poll()
    try:
        for who in (None, "dj1", "boss"):
            client = app.test_client()
            if who:
                login(client, who)
            paths = [r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and "<" not in r.rule
                     and not r.rule.startswith(("/api/", "/static"))]
            paths += ["/shows/morning", "/hosts/dj1", "/dj/shows/morning", "/manager/shows/morning",
                      "/manager/grid/files/shows.toml"]
            for path in paths:
                response = client.get(path)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                found = RAW.search(text_of(response.get_data(as_text=True)))
                assert not found, f"{who} {path}: {found.group(0)!r}"
    finally:
        server.close()


def test_streams_and_logger_of_the_default_engine_are_named_without_passwords(config):
    from dataclasses import replace

    from radiod.config import LoggerConfig, StreamsConfig

    config = replace(config, streams=StreamsConfig(icecast=["icecast://source:s3cret@127.0.0.1:8000/radio.mp3"],
                                                   hls_bitrates=[64]),
                     logger=LoggerConfig(enabled=True, retention_preset="ofcom"))
    add_users(config)
    app = create_app(config, watch=False)
    server = daemon_answering(config, PLAYING)
    try:
        page = manager_page(app)
    finally:
        server.close()
        app.extensions["radiod"].hub.stop()
    assert ('<div class="tone-ok"><dt>Streams</dt><dd>sent by Liquidsoap to icecast://127.0.0.1:8000/radio.mp3, '
            'HLS 64 kbit/s</dd></div>') in page
    assert '<div class="tone-ok"><dt>Logger</dt><dd>recording the air into hourly files, kept 42 days</dd></div>' in page
    assert "s3cret" not in page
