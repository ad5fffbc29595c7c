"""A renamed show keeps one history: play rows and day-log items carry the show's stable id.

The real planner plans a day from the schedule files, the real engine airs an hour of it on a
FakePlayer and a FakeClock into the station's play log; the show is renamed in shows.toml, the
next day is planned and aired the same way, and the DJ page of the show lists both hours.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from radiod.accounts.users import Accounts
from radiod.clock import FakeClock, SystemClock
from radiod.config import load_config
from radiod.playlog.store import PlayLog
from radiod.playout.engine import Engine
from radiod.playout.fake_player import FakePlayer
from radiod.playout.fallback import Fallback
from radiod.playout.simulation import run_until
from radiod.schedule_files import load_schedule
from radiod.schedule.plan import plan_day
from radiod.store import open_db
from radiod_web import create_app
from schedule.helpers import track, write_schedule

from panel_support import PASSWORD, login

SHOWS = """
[show.music]
title = "{title}"
kind = "rotation"
clock = "main"
"""
DAY1 = date(2026, 11, 20)


def tracks() -> list:
    songs = [track(i, f"Artist {i % 20}", album=f"Album {i % 20}", ms=170_000 + (i * 7_000) % 60_000,
                   folder="music/pop") for i in range(1, 81)]
    return songs + [track(1000 + i, "Test FM", title=f"ID {i}", ms=6_000, folder="ids") for i in range(2)]


def air_one_hour(config, day: date) -> list[str]:
    """Plan ``day`` from the schedule files and air its first hour; the titles of the items aired."""
    schedule = load_schedule(config.paths.schedules)
    items = plan_day(schedule, tracks(), day).items
    conn = open_db(config.paths.database)
    start = datetime.combine(day, time(0), config.zone)
    clock = FakeClock(start)
    player = FakePlayer(clock)
    engine = Engine(player, clock, PlayLog(conn), config.playout, items=items, fallback=Fallback())
    engine.start()
    run_until(engine, player, clock, start + timedelta(hours=1))
    engine.shutdown()
    rows = conn.execute("SELECT title FROM plays WHERE started_at_ms >= ? ORDER BY id",
                        (int(start.timestamp() * 1000),)).fetchall()
    conn.close()
    return [r[0] for r in rows]


@pytest.fixture
def station(tmp_path):
    root = tmp_path / "station"
    write_schedule(root / "schedules", shows=SHOWS.format(title="Night Shift"))
    (root / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "America/Toronto"\n'
                                      '[web]\nsecret_key = "test-key-not-secret"\n', encoding="utf-8")
    config = load_config(root, env={})
    conn = open_db(config.paths.database)
    Accounts(conn, SystemClock()).add_user("sam", "dj", PASSWORD, ("music",))
    conn.close()
    return config


def test_a_renamed_show_keeps_one_history_on_its_dj_page(station):
    before = air_one_hour(station, DAY1)
    shows = station.paths.schedules / "shows.toml"
    shows.write_text(SHOWS.format(title="Night Shift Revisited"), encoding="utf-8")
    after = air_one_hour(station, DAY1 + timedelta(days=1))
    assert len(before) > 5 and len(after) > 5

    app = create_app(station, watch=False)
    try:
        client = app.test_client()
        assert login(client, "sam").status_code == 302
        page = client.get("/dj/shows/music").get_data(as_text=True)
    finally:
        app.extensions["radiod"].hub.stop()
    listed = re.findall(r'<span class="title">([^<]*)</span>', page)
    assert len(listed) == len(before) + len(after)
    assert listed == list(reversed(before + after))          # newest first, both names' hours

    # Each row keeps the title it aired under, beside the id.
    conn = open_db(station.paths.database)
    rows = conn.execute("SELECT show, show_id FROM plays").fetchall()
    conn.close()
    assert {r[0] for r in rows} == {"Night Shift", "Night Shift Revisited"}     # the title as aired is kept
    assert {r[1] for r in rows} == {"music"}
