"""Log items carry the show's stable id; the title → id map used to fill older play rows."""

from __future__ import annotations

import json
from datetime import date

from radiod.app.daylogs import load_log, save_log
from radiod.schedule.model import Show
from radiod.schedule_files import load_schedule
from radiod.schedule.plan import plan_day
from radiod.schedule.show_ids import ids_by_title, titles_in

from .helpers import track, write_schedule

DAY = date(2026, 11, 20)


def test_planned_items_and_saved_day_logs_carry_the_show_id(tmp_path):
    shows = '[show.music]\ntitle = "Night Shift"\nkind = "rotation"\nclock = "main"\n'
    schedule = load_schedule(write_schedule(tmp_path / "schedules", shows=shows))
    tracks = [track(i, f"Artist {i % 20}", folder="music/pop") for i in range(1, 61)] + \
        [track(1000, "Test FM", title="ID", ms=6_000, folder="ids")]
    items = plan_day(schedule, tracks, DAY).items
    assert items and {(i.show, i.show_id) for i in items} == {("Night Shift", "music")}
    path = tmp_path / "day.json"
    save_log(path, DAY, items)
    assert [i.show_id for i in load_log(path)] == [i.show_id for i in items]


def test_a_day_log_saved_before_items_had_a_show_id_still_loads(tmp_path):
    path = tmp_path / "day.json"
    save_log(path, DAY, plan_day(load_schedule(write_schedule(tmp_path / "s")),
                                 [track(i, f"A{i}", folder="music/pop") for i in range(1, 40)], DAY).items[:3])
    data = json.loads(path.read_text())
    for item in data["items"]:
        del item["show_id"]
    path.write_text(json.dumps(data))
    assert [i.show_id for i in load_log(path)] == ["", "", ""]


def test_old_titles_map_to_their_id_and_shared_titles_to_none():
    current = {"night": Show(id="night", title="Night Shift Revisited", kind="live"),
               "talk": Show(id="talk", title="Talk", kind="live")}
    versions = ['[show.night]\ntitle = "Night Shift"\nkind = "live"\n',
                '[show.talk]\ntitle = "Night Shift"\nkind = "live"\n',      # a title two shows have had
                '[show.late]\nkind = "live"\n',                               # no title: the id is the title
                "not = [toml"]
    found = ids_by_title(current, versions)
    assert found["Night Shift Revisited"] == "night" and found["night"] == "night"
    assert "Night Shift" not in found
    assert found["late"] == "late" and found["Talk"] == "talk"
    assert titles_in("not = [toml") == {}
