"""The listen-again keys of shows.toml: defaults, "forever", and one located line per bad value."""

from __future__ import annotations

import pytest

from radiod.errors import ScheduleError
from radiod.schedule_files import load_schedule

from schedule.helpers import write_schedule


def test_defaults_and_values(tmp_path):
    folder = write_schedule(tmp_path / "s", shows='[show.music]\nkind = "rotation"\nclock = "main"\n'
                            '[show.talk]\nkind = "rotation"\nclock = "main"\narchive = true\nkeep_days = "forever"\n'
                            'on_demand_music = "clips"\n')
    shows = load_schedule(folder).shows
    assert (shows["music"].archive, shows["music"].keep_days, shows["music"].on_demand_music) == (False, 90, "none")
    assert (shows["talk"].archive, shows["talk"].keep_days, shows["talk"].on_demand_music) == (True, None, "clips")


def test_bad_values_are_one_located_line_each(tmp_path):
    folder = write_schedule(tmp_path / "s", shows='[show.music]\nkind = "rotation"\nclock = "main"\narchive = "yes"\n'
                            'keep_days = 0\non_demand_music = "some"\n')
    with pytest.raises(ScheduleError) as err:
        load_schedule(folder)
    text = "\n".join(err.value.problems)
    assert "shows.toml:4: show.music.archive: expected true or false" in text
    assert "shows.toml:5: show.music.keep_days: expected a number of days ≥ 1 or \"forever\", got 0" in text
    assert "shows.toml:6: show.music.on_demand_music:" in text
