"""The grid editor: edits keep comments, are checked before writing, kept in history and undoable."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.schedule import edit
from radiod.schedule_files import check_files
from radiod_web import create_app

from panel_support import csrf_from, login
from part2_support import GRID, add_part2_users, make_part2_station

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("America/Toronto"))


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("grid") / "station"), env={})
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


def form(boss, **values):
    html = boss.get("/manager/grid/").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "digest": digest, **values}


def test_moving_a_slot_rewrites_only_its_values_and_keeps_comments(boss, station):
    r = boss.post("/manager/grid/slots/1", data=form(boss, days="mon, wed", start="18:00", end="20:00",
                                                      show="evening", action="save"))
    assert r.status_code == 302
    expected = GRID.replace('days = "daily"\nstart = "19:00"\nend = "21:00"',
                            'days = ["mon", "wed"]\nstart = "18:00"\nend = "20:00"')
    assert grid_file(station) == expected               # comments, blank lines and order untouched
    page = boss.get("/manager/grid/").get_data(as_text=True)
    assert "Saved: slot 2: evening mon, wed 18:00–20:00" in page
    assert "The playout daemon is not running" in page
    assert "-start = &#34;19:00&#34;" in page and "+start = &#34;18:00&#34;" in page     # the diff, escaped


def test_an_overlap_is_refused_next_to_the_slot_and_nothing_is_written(boss, station):
    r = boss.post("/manager/grid/slots/1", data=form(boss, days="daily", start="08:00", end="10:00",
                                                      show="evening", action="save"))
    assert r.status_code == 400
    assert grid_file(station) == GRID
    html = r.get_data(as_text=True)
    row = re.search(r'<tr id="slot-1".*?</tr>', html, re.S).group(0)
    assert "grid.toml:10: slot[1]: mon 08:00–10:00 evening overlaps mon 07:00–09:00 morning" in row
    assert 'value="08:00"' in row                          # what was typed stays in the form
    assert 'class="bad"' in row


@pytest.mark.parametrize("lang, overlaps, unknown", [
    ("ms", "mon 08:00–10:00 evening bertindih dengan mon 07:00–09:00 morning", "rancangan tidak dikenali &#39;lat&#39;"
     " (maksud anda &#39;late&#39;?)"),
    ("fr", "mon 08:00–10:00 evening chevauche mon 07:00–09:00 morning", "émission inconnue &#39;lat&#39;"
     " (vouliez-vous dire &#39;late&#39; ?)"),
])
def test_the_checks_messages_are_in_the_pages_language(boss, station, lang, overlaps, unknown):
    boss.set_cookie("radiod_lang", lang)
    try:
        r = boss.post("/manager/grid/slots/1", data=form(boss, days="daily", start="08:00", end="10:00",
                                                          show="evening", action="save"))
        assert r.status_code == 400 and f"grid.toml:10: slot[1]: {overlaps}" in r.get_data(as_text=True)
        r = boss.post("/manager/grid/slots", data=form(boss, days="sun", start="12:00", end="13:00", show="lat"))
        assert r.status_code == 400 and unknown in r.get_data(as_text=True)
    finally:
        boss.delete_cookie("radiod_lang")
    assert grid_file(station) == GRID
    assert "overlaps mon 07:00–09:00 morning" in boss.post("/manager/grid/slots/1", data=form(
        boss, days="daily", start="08:00", end="10:00", show="evening", action="save")).get_data(as_text=True)


def test_a_bad_time_and_an_unknown_show_are_located(boss, station):
    r = boss.post("/manager/grid/slots/2", data=form(boss, days="daily", start="25:00", end="23:01",
                                                      show="night", action="save"))
    assert r.status_code == 400 and grid_file(station) == GRID
    row = re.search(r'<tr id="slot-2".*?</tr>', r.get_data(as_text=True), re.S).group(0)
    assert "slot[2].start" in row
    r = boss.post("/manager/grid/slots", data=form(boss, days="sun", start="12:00", end="13:00", show="nope"))
    assert r.status_code == 400 and grid_file(station) == GRID
    assert "unknown show &#39;nope&#39;" in r.get_data(as_text=True)


def test_add_remove_and_undo_the_last_change(boss, station):
    assert boss.post("/manager/grid/slots", data=form(boss, days="sun", start="12:00", end="13:00",
                                                      show="late")).status_code == 302
    added = grid_file(station)
    assert added.startswith(GRID) and 'days = "sun"' in added and edit.slots(added)[-1].show == "late"
    assert boss.post("/manager/grid/slots/0", data=form(boss, action="remove")).status_code == 302
    assert [s.show for s in edit.slots(grid_file(station))] == ["evening", "night", "late", "late"]
    assert "# Keep this comment" in grid_file(station)
    assert boss.post("/manager/grid/undo", data={"csrf_token": form(boss)["csrf_token"]}).status_code == 302
    assert grid_file(station) == added
    assert boss.post("/manager/grid/undo", data={"csrf_token": form(boss)["csrf_token"]}).status_code == 302
    assert grid_file(station) == GRID
    page = boss.get("/manager/grid/").get_data(as_text=True)
    assert "undo: added late sun 12:00–13:00" in page and "(undone)" in page


def test_a_change_on_a_stale_page_is_not_saved(boss, station):
    stale = form(boss, days="daily", start="06:00", end="07:00", show="morning", action="save")
    (station.paths.schedules / "grid.toml").write_text(GRID + "\n# edited by hand\n", encoding="utf-8")
    r = boss.post("/manager/grid/slots/0", data=stale, follow_redirects=True)
    assert "changed by someone else" in r.get_data(as_text=True)
    assert grid_file(station) == GRID + "\n# edited by hand\n"


def test_undo_refuses_when_the_file_changed_by_hand(boss, station):
    boss.post("/manager/grid/slots", data=form(boss, days="sun", start="12:00", end="13:00", show="late"))
    path = station.paths.schedules / "grid.toml"
    path.write_text(path.read_text() + "# hand edit\n", encoding="utf-8")
    r = boss.post("/manager/grid/undo", data={"csrf_token": form(boss)["csrf_token"]}, follow_redirects=True)
    assert "changed since that edit" in r.get_data(as_text=True)
    assert path.read_text().endswith("# hand edit\n")


def test_the_preview_says_why_it_cannot_plan(boss, station):
    html = boss.get("/manager/grid/preview?day=2026-11-22").get_data(as_text=True)
    assert "Planned log for Sunday 22 November 2026" in html
    assert "The library has no tracks yet" in html


def test_check_files_names_the_real_folder_and_leaves_it_alone(station):
    folder = station.paths.schedules
    bad = edit.set_slot(GRID, 0, edit.SlotFields(days="daily", start="19:30", end="20:00", show="morning"))
    errors, _ = check_files(folder, {"grid.toml": bad})
    assert errors and all(str(folder) in e for e in errors) and grid_file(station) == GRID


def file_form(boss, name, **values):
    html = boss.get(f"/manager/grid/files/{name}").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)
    return html, {"csrf_token": csrf_from(html), "digest": digest, **values}


def test_other_schedule_files_are_edited_as_text_through_the_same_checks(boss, station):
    from part2_support import SHOWS
    shows = station.paths.schedules / "shows.toml"
    shows.write_text(SHOWS, encoding="utf-8")
    html, data = file_form(boss, "shows.toml")
    textarea = re.search(r'<textarea[^>]*>\n(.*?)</textarea>', html, re.S).group(1)
    assert textarea.replace("&#34;", '"').replace("&#39;", "'") == SHOWS            # shown whole, escaped
    bad = SHOWS.replace('kind = "prerecorded"\nhosts = ["dj1"]', 'kind = "recorded"\nhosts = ["dj1"]')
    r = boss.post("/manager/grid/files/shows.toml", data={**data, "text": bad})
    assert r.status_code == 400 and shows.read_text(encoding="utf-8") == SHOWS
    assert re.search(r"shows\.toml:\d+: show\.night\.kind: ", r.get_data(as_text=True))
    good = SHOWS.replace('title = "Night Owl"', 'title = "Night Owls"')
    assert boss.post("/manager/grid/files/shows.toml", data={**data, "text": good.replace("\n", "\r\n")}
                     ).status_code == 302
    assert shows.read_text(encoding="utf-8") == good
    assert boss.post("/manager/grid/undo", data={"csrf_token": data["csrf_token"]}).status_code == 302
    assert shows.read_text(encoding="utf-8") == SHOWS
    assert boss.get("/manager/grid/files/radiod.toml").status_code == 404
    assert boss.get("/manager/grid/files/..%2Fradiod.toml").status_code == 404
