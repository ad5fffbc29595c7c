"""The manager's preview of tomorrow is the log playout airs: both plan through one planning service,
with the play history in the database (defect: the preview planned without it)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import template_rendered

from radiod.app.daylogs import DayLogs, load_log
from radiod.app.planning import readonly_planner
from radiod.clock import FakeClock, to_ms
from radiod.config import load_config
from radiod.playlog.store import PlayLog
from radiod.schedule_files import load_schedule
from radiod.schedule.plan import plan_day
from radiod.store import open_db, open_readonly
from radiod_web import create_app
from schedule.helpers import track, write_schedule

from panel_support import add_users, login

ZONE = ZoneInfo("America/Toronto")
TODAY = date(2026, 11, 21)
TOMORROW = TODAY + timedelta(days=1)
NOON = datetime.combine(TODAY, time(12), ZONE)


def make_station(root: Path):
    """Planner-test schedule files, 120 songs by 30 artists and three IDs in a real database."""
    station = root / "station"
    write_schedule(station / "schedules")
    (station / "radiod.toml").write_text('[station]\nname = "Preview FM"\ntimezone = "America/Toronto"\n')
    songs = [track(i, f"Artist {i % 30}", album=f"Album {i % 30}-{i % 2}", ms=150_000 + (i * 37_000) % 120_000,
                   local=(i % 30) % 3 == 0) for i in range(1, 121)]
    ids = [track(10_000 + i, "Preview FM", title=f"ID {i}", ms=5_000 + 1000 * i, folder="ids") for i in range(3)]
    conn = open_db(station / "radiod.db")
    for t in songs + ids:
        path = station / "media" / t.path.split("/station/media/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"audio")
        cur = conn.execute(
            "INSERT INTO tracks (path, size, mtime_ns, status, title, artist, album, length_ms, release_date,"
            " genre, language, local_tag, scanned_at_ms) VALUES (?, 5, 0, 'ok', ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (str(path), t.title, t.artist, t.album, t.play_ms, t.release_date, t.genre, t.language, int(t.local)))
        for n, key in enumerate(t.artist_keys):
            conn.execute("INSERT INTO track_artists VALUES (?, ?, ?, ?)", (cur.lastrowid, n, t.artist, key))
    conn.close()
    config = load_config(station, env={})
    add_users(config)
    return config


def air_history(config) -> int:
    """Today's evening as aired: the songs a plan without history would open tomorrow with, played
    back to back up to midnight through the real play log."""
    planner = readonly_planner(config)
    schedule = load_schedule(config.paths.schedules)
    naive = plan_day(schedule, planner.tracks(), TOMORROW, seed=TOMORROW.isoformat(),
                     media_roots=config.paths.media)
    songs = [i for i in naive.items if i.usage == "feature" and i.track_id is not None][:25]
    by_id = {t.id: t for t in planner.tracks()}
    conn = open_db(config.paths.database)
    log = PlayLog(conn)
    t = to_ms(datetime.combine(TOMORROW, time(0), ZONE)) - sum(i.length_ms for i in songs)
    for n, item in enumerate(songs):
        play = log.open_play(started_at_ms=t, source="rotation", usage="feature", track_id=item.track_id,
                             snapshot=by_id[item.track_id].snapshot(), item_key=f"evening-{n}")
        log.close_play(play, ended_at_ms=t + item.length_ms, played_ms=item.length_ms, end_reason="end")
        t += item.length_ms
    conn.close()
    return len(songs)


def shape(items) -> list[tuple]:
    return [(to_ms(i.start), i.length_ms, i.kind, i.usage, i.show, i.category, i.track_id, i.path, i.title)
            for i in items]


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = make_station(tmp_path_factory.mktemp("preview"))
    assert air_history(config) == 25
    return config


def preview(client, day: date) -> tuple[list, str]:
    """The preview page's log items (as the view hands them to the template) and its text."""
    shown = []

    def record(sender, template, context, **extra):
        if template.name == "manager/preview.html":
            shown.append(context)
    with template_rendered.connected_to(record, client.application):
        page = client.get(f"/manager/grid/preview?day={day.isoformat()}")
    assert page.status_code == 200
    assert len(shown) == 1 and shown[0]["problem"] is None, shown and shown[0]["problem"]
    return shown[0]["log"].items, page.get_data(as_text=True)


@pytest.fixture(scope="module")
def boss(station):
    app = create_app(station, watch=False, clock=FakeClock(NOON))
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    yield client
    app.extensions["radiod"].hub.stop()


def test_the_preview_of_tomorrow_is_the_day_log_the_daemon_saves(station, boss):
    # Before playout has planned tomorrow, the panel plans it.
    planned, text = preview(boss, TOMORROW)
    assert "Planned now as playout will plan it" in text

    # The daemon's path: its DayLogs plans today and tomorrow and saves them as files.
    daylogs = DayLogs(station, lambda: open_readonly(station.paths.database, full_disk_fallback=True))
    daylogs.load_schedule()
    daylogs.window(NOON)
    saved = load_log(daylogs.path(TOMORROW))
    assert len(saved) > 50
    assert shape(planned) == shape(saved)

    # The history mattered: without it tomorrow would open with the songs that aired tonight.
    naive = plan_day(daylogs.schedule, daylogs.tracks(), TOMORROW, seed=TOMORROW.isoformat(),
                     media_roots=station.paths.media, uploads_root=station.paths.uploads)
    assert shape(naive.items) != shape(saved)
    first_song = next(i for i in saved if i.usage == "feature")
    assert first_song.title in text


def test_once_saved_the_preview_is_the_saved_log_even_as_more_plays_air(station, boss):
    daylogs = DayLogs(station, lambda: open_readonly(station.paths.database, full_disk_fallback=True))
    daylogs.load_schedule()
    daylogs.window(NOON)
    saved = load_log(daylogs.path(TOMORROW))
    # This afternoon airs too: planning tomorrow now would see it, but playout plays what it saved.
    conn = open_db(station.paths.database)
    log = PlayLog(conn)
    t = to_ms(NOON)
    for n, item in enumerate(i for i in saved if i.usage == "feature" and i.track_id is not None):
        if n == 20:
            break
        play = log.open_play(started_at_ms=t, source="rotation", usage="feature", track_id=item.track_id,
                             snapshot=dict(item.snapshot), item_key=f"afternoon-{n}")
        log.close_play(play, ended_at_ms=t + item.length_ms, played_ms=item.length_ms, end_reason="end")
        t += item.length_ms
    conn.close()
    replanned = readonly_planner(station).plan(daylogs.schedule, TOMORROW)[0]
    assert shape(replanned.items) != shape(saved)

    shown, text = preview(boss, TOMORROW)
    assert shape(shown) == shape(saved)
    assert "The log playout saved for this day" in text


def test_radiod_plan_prints_the_day_log_the_daemon_saves(tmp_path):
    import json
    import subprocess
    import sys

    config = make_station(tmp_path)
    air_history(config)
    out = subprocess.run([str(Path(sys.executable).parent / "radiod"), "--station", str(tmp_path / "station"),
                          "plan", "--date", TOMORROW.isoformat(), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    printed = [json.loads(line) for line in out.stdout.splitlines()][:-1]
    daylogs = DayLogs(config, lambda: open_readonly(config.paths.database, full_disk_fallback=True))
    daylogs.load_schedule()
    saved = daylogs.plan(TOMORROW)
    assert [(p["start_ms"], p["track_id"], p["path"]) for p in printed] == \
        [(to_ms(i.start), i.track_id, i.path) for i in saved]
