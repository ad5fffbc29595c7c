"""The grid's week calendar on the server: one airing moved, resized, split off its slot or
removed, through the grid editor's checks, history and undo; the week drawn from the file."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.errors import ScheduleError
from radiod.schedule import edit
from radiod_web import create_app, grid_week as calendar

from panel_support import csrf_from, login
from part2_support import GRID, add_part2_users, make_part2_station

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("America/Toronto"))
EXCEPTION = '\n[[exception]]\ndate = "2026-11-27"\nstart = "10:00"\nend = "12:00"\nshow = "late"\nnote = "Fair day"\n'


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("calendar") / "station"), env={})
    add_part2_users(config)
    return config


@pytest.fixture(scope="module")
def boss(station):
    app = create_app(station, watch=False, clock=FakeClock(NOON))
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    yield client
    app.extensions["radiod"].hub.stop()


@pytest.fixture(autouse=True)
def fresh_grid(station):
    (station.paths.schedules / "grid.toml").write_text(GRID, encoding="utf-8")


def grid_file(station) -> str:
    return (station.paths.schedules / "grid.toml").read_text(encoding="utf-8")


def move(boss, index, day, **values):
    html = boss.get("/manager/grid/").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
    return boss.post(f"/manager/grid/airings/{index}/{day}",
                     data={"csrf_token": csrf_from(html), "digest": digest, "action": "move", **values})


def test_one_day_of_a_daily_slot_moves_into_a_slot_of_its_own_and_the_comments_stay(boss, station):
    r = move(boss, 1, "tue", to_day="wed", start="12:00", end="14:00", week="2026-11-16")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/manager/grid/?week=2026-11-16&day=wed#block-2-wed")
    text = grid_file(station)
    assert [(s.days, s.start, s.end, s.show) for s in edit.slots(text)][1:3] == [
        ("mon, wed, thu, fri, sat, sun", "19:00", "21:00", "evening"), ("wed", "12:00", "14:00", "evening")]
    assert "# Keep this comment: the editor must not lose it." in text
    # The comment that introduced the next slot still sits right above it.
    assert '# Night: one minute of pre-recorded show.\n[[slot]]\ndays = "daily"\nstart = "23:00"' in text
    page = boss.get("/manager/grid/").get_data(as_text=True)
    assert "Saved: moved evening (tue 19:00–21:00) to wed 12:00–14:00" in page


def test_every_day_of_a_slot_shifts_together(boss, station):
    assert move(boss, 1, "mon", to_day="tue", start="18:00", end="20:00", whole="on").status_code == 302
    s = edit.slots(grid_file(station))[1]
    assert (s.days, s.start, s.end) == ("daily", "18:00", "20:00")        # every day, a day on: still daily


def test_an_end_before_the_start_runs_overnight():
    text, index = edit.move_airing(GRID, 3, "sat", "sat", "23:30", "01:00")
    assert edit.slots(text)[index] == edit.SlotFields("sat", "23:30", "01:00", "late", overnight=True)
    text, index = edit.move_airing(text, index, "sat", "sat", "22:00", "24:00")
    assert edit.slots(text)[index].overnight is False


def test_a_move_that_overlaps_is_refused_on_its_block_and_nothing_is_written(boss, station):
    r = move(boss, 1, "tue", to_day="tue", start="08:00", end="10:00", week="2026-11-16")
    assert r.status_code == 400 and grid_file(station) == GRID
    html = r.get_data(as_text=True)
    block = re.search(r'<li id="block-1-tue" class="([^"]*)".*?</li>', html, re.S)
    assert "bad" in block.group(1)
    assert "tue 08:00–10:00 evening overlaps tue 07:00–09:00 morning" in block.group(0)
    form = re.search(r'<form method="post" id="move-form".*?</form>', html, re.S).group(0)
    assert 'value="08:00"' in form and "overlaps" in form                 # what was typed, and why not


def test_a_time_that_does_not_read_is_refused_with_its_key(boss, station):
    r = move(boss, 0, "mon", to_day="mon", start="7 am", end="09:00")
    assert r.status_code == 400 and grid_file(station) == GRID
    assert "start" in re.search(r'id="move-errors".*?</ul>', r.get_data(as_text=True), re.S).group(0)


def test_a_day_the_slot_does_not_air_on_is_not_found(boss, station):
    (station.paths.schedules / "grid.toml").write_text(GRID.replace('days = "daily"', 'days = "weekdays"', 1))
    assert move(boss, 0, "sun", to_day="mon", start="07:00", end="09:00").status_code == 404
    assert move(boss, 9, "mon", to_day="mon", start="07:00", end="09:00").status_code == 404


def test_removing_one_day_keeps_the_others_and_undo_brings_it_back(boss, station):
    assert move(boss, 0, "sun", action="remove").status_code == 302
    assert edit.slots(grid_file(station))[0].days == "mon, tue, wed, thu, fri, sat"
    boss.post("/manager/grid/undo", data={"csrf_token": csrf_from(boss.get("/manager/grid/").get_data(as_text=True))})
    assert grid_file(station) == GRID


def test_a_move_on_a_stale_page_is_not_saved(boss, station):
    html = boss.get("/manager/grid/").get_data(as_text=True)
    (station.paths.schedules / "grid.toml").write_text(GRID + "# by hand\n", encoding="utf-8")
    r = boss.post("/manager/grid/airings/0/mon",
                  data={"csrf_token": csrf_from(html), "digest": "0" * 64, "action": "move", "to_day": "tue",
                        "start": "07:00", "end": "08:00"})
    assert r.status_code == 302 and grid_file(station) == GRID + "# by hand\n"


def test_the_week_draws_overnight_tails_and_exceptions_on_their_date():
    text = edit.move_airing(GRID, 3, "sun", "sun", "23:30", "01:00")[0] + EXCEPTION
    days = calendar.week(text, {"late": "Late Shift"}, date(2026, 11, 23), current="fri")
    mon = {b.id: b for b in days[0].blocks}
    assert mon["block-4-sun-tail"].top == 0 and mon["block-4-sun-tail"].length == 60       # Sunday's, on Monday
    fri = {b.id: b for b in days[4].blocks}
    assert fri["exception-0"].exception == "Fair day" and fri["exception-0"].top == 600
    assert not any(b.exception for d in days if d.name != "fri" for b in d.blocks)
    assert [d.current for d in days].index(True) == 4


def test_move_airing_refuses_what_it_cannot_do():
    with pytest.raises(ScheduleError, match="not a day"):
        edit.move_airing(GRID, 0, "mon", "someday", "07:00", "08:00")
    with pytest.raises(ScheduleError, match="no such slot"):
        edit.move_airing(GRID, 7, "mon", "mon", "07:00", "08:00")


@pytest.mark.parametrize("week", ["9999-99-99", "0001-01-01", "junk", "2026-11-31", "²026-11-30"])
def test_a_bad_week_is_a_400_with_one_line(boss, week):
    r = boss.get(f"/manager/grid/?week={week}")
    assert r.status_code == 400 and "week: expected a day" in r.get_data(as_text=True)


@pytest.mark.parametrize("value", ["9998-12-31", "1970-01-01"])
def test_the_first_and_last_weeks_are_drawn(boss, value):
    assert boss.get(f"/manager/grid/?week={value}&day=sun").status_code == 200


@pytest.mark.parametrize("edit_arg", ["x-mon", "99-mon", "0-someday", "-1-mon", "²-mon", "0"])
def test_a_block_that_is_not_there_opens_no_form(boss, edit_arg):
    r = boss.get(f"/manager/grid/?edit={edit_arg}")
    assert r.status_code == 200 and 'id="move-form"' not in r.get_data(as_text=True)


def test_errors_in_the_file_as_it_is_are_shown_on_the_blocks_they_name(boss, station):
    # An overlap made by hand: both slots it names show the message, on each of their days.
    (station.paths.schedules / "grid.toml").write_text(GRID.replace('start = "19:00"', 'start = "08:00"'))
    html = boss.get("/manager/grid/?week=2026-11-16").get_data(as_text=True)
    for block in ("block-0-tue", "block-1-tue", "block-1-sun"):
        li = re.search(rf'<li id="{block}" class="([^"]*)".*?</li>', html, re.S)
        assert "bad" in li.group(1), block
        assert "overlaps" in li.group(0) and "grid.toml:" in li.group(0)
    assert "bad" not in re.search(r'<li id="block-2-tue" class="([^"]*)"', html).group(1)
