"""Malformed schedule files: every kind of problem is reported, located, all at once."""

from __future__ import annotations

from datetime import time

import pytest

from radiod.errors import ScheduleError
from radiod.schedule.parse import LineIndex, as_duration_ms
from radiod.schedule_files import load_schedule, parse_schedule

from .helpers import REPO, write_schedule


def problems(folder) -> list[str]:
    with pytest.raises(ScheduleError) as info:
        load_schedule(folder)
    return info.value.problems


def test_the_example_station_loads_cleanly():
    schedule = load_schedule(REPO / "schedules")
    assert schedule.timezone == "America/Toronto"
    assert schedule.warnings == ()          # no gaps, every reference resolves
    kinds = {s.kind for s in schedule.shows.values()}
    assert kinds == {"rotation", "prerecorded", "live"}
    assert any(s.crosses_midnight for s in schedule.slots)
    assert any(s.crosses_midnight for s in schedule.exceptions)
    assert schedule.fallback[-1].playlist == "emergency.m3u" and schedule.fallback[-1].paths
    assert schedule.rules.local_hour_percent == 35


def test_syntax_error_gives_file_and_line(tmp_path):
    folder = write_schedule(tmp_path, rules="""
        [separation]
        artist_minutes = 30
        title_minutes = = 5
    """)
    (message,) = problems(folder)
    assert message.startswith(f"{folder / 'rules.toml'}:3: ")
    assert "column" in message


def test_every_problem_at_once_with_locations(tmp_path):
    folder = write_schedule(
        tmp_path,
        grid="""
            [[slot]]
            days = ["funday"]
            start = "06:00"
            end = "10:00"
            show = "music"

            [[slot]]
            days = ["mon"]
            start = "25:00"
            end = "10:00"
            show = "music"

            [[slot]]
            days = ["tue"]
            start = "22:00"
            end = "02:00"
            show = "music"

            [[slot]]
            days = ["wed"]
            start = "08:00"
            end = "09:00"
            show = "musik"
        """,
        shows="""
            [show.music]
            kind = "rotation"
            clock = "mian"
            hosts = ["pat"]
            colour = "red"
        """,
    )
    found = problems(folder)
    grid, shows = folder / "grid.toml", folder / "shows.toml"
    expected = [
        f"{grid}:2: slot[0].days: unknown day 'funday'",
        f"{grid}:9: slot[1].start: not a time of day: '25:00'",
        f"{grid}:16: slot[2].end: end 02:00 is not after start 22:00; add overnight = true",
        f"{grid}:23: slot[3].show: unknown show 'musik' (did you mean 'music'?)",
        f"{shows}:5: show.music.colour: unknown key",
        f"{shows}:3: show.music.clock: unknown clock 'mian' (did you mean 'main'?)",
        f"{shows}:4: show.music.hosts: unknown DJ 'pat'",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), (start, found)


def test_overlaps_are_errors_including_across_the_week_wrap(tmp_path):
    folder = write_schedule(tmp_path, grid="""
        [[slot]]
        days = ["sun"]
        start = "22:00"
        end = "02:00"
        overnight = true
        show = "music"

        [[slot]]
        days = ["mon"]
        start = "01:00"
        end = "24:00"
        show = "music"

        [[slot]]
        days = ["tue"]
        start = "00:00"
        end = "12:00"
        show = "music"

        [[slot]]
        days = ["tue"]
        start = "11:00"
        end = "13:00"
        show = "music"

        [[exception]]
        date = "2026-12-25"
        start = "10:00"
        end = "12:00"
        show = "music"

        [[exception]]
        date = "2026-12-25"
        start = "11:30"
        end = "13:00"
        show = "music"
    """)
    found = problems(folder)
    grid = folder / "grid.toml"
    assert any(p.startswith(f"{grid}:8: slot[1]: mon 01:00–24:00 music overlaps sun 22:00–02:00") for p in found), found
    assert any(p.startswith(f"{grid}:20: slot[3]: tue 11:00–13:00 music overlaps tue 00:00–12:00") for p in found)
    assert any(p.startswith(f"{grid}:32: exception[1]: 2026-12-25 11:30–13:00 music overlaps exception")
               for p in found)


def test_gaps_are_only_warnings(tmp_path):
    folder = write_schedule(tmp_path, grid="""
        [[slot]]
        days = ["weekdays"]
        start = "06:00"
        end = "22:00"
        show = "music"
    """)
    schedule = load_schedule(folder)
    grid = folder / "grid.toml"
    assert f"{grid}: slot: gap in the weekly grid mon 00:00–mon 06:00 (the fallback plays)" in schedule.warnings
    assert f"{grid}: slot: gap in the weekly grid fri 22:00–sun 24:00 (the fallback plays)" in schedule.warnings


def test_overnight_marker_must_match_the_times(tmp_path):
    folder = write_schedule(tmp_path, grid="""
        [[slot]]
        days = ["daily"]
        start = "06:00"
        end = "08:00"
        overnight = true
        show = "music"
    """)
    (p, *_) = problems(folder)
    assert p == f"{folder / 'grid.toml'}:5: slot[0].overnight: overnight = true but the slot ends the same day"


def test_impossible_quotas(tmp_path):
    folder = write_schedule(tmp_path, rules="""
        [local]
        hour_min_percent = 135
    """)
    assert problems(folder) == [f"{folder / 'rules.toml'}:2: local.hour_min_percent: impossible quota: 135% is "
                                "not between 0 and 100"]
    folder = write_schedule(tmp_path / "b", categories="""
        [category.pop]
        folders = ["music/pop"]
        local = false
        [category.ids]
        folders = ["ids"]
        usage = "station_id"
    """, rules="""
        [local]
        hour_min_percent = 35
    """)
    (p,) = problems(folder)
    assert p.startswith(f"{folder / 'rules.toml'}:1: local: impossible quota: 35 % local but every music category")


def test_clock_references_and_event_shapes(tmp_path):
    folder = write_schedule(tmp_path, clocks="""
        [clock.main]
        [[clock.main.event]]
        at = "00:00"
        timing = "sharp"
        type = "item"
        category = "idz"

        [[clock.main.event]]
        type = "fill"
        categories = ["pop"]

        [[clock.main.event]]
        type = "music"
        category = "ids"

        [[clock.main.event]]
        at = "70:00"
        type = "item"
        category = "ids"

        [[clock.main.event]]
        tolerance = "soon"
        type = "music"
        category = "pop"
    """)
    found = problems(folder)
    clocks = folder / "clocks.toml"
    for start in (f"{clocks}:4: clock.main.event[0].timing: must be one of hard, soft, got 'sharp'",
                  f"{clocks}:2: clock.main.event[0]: unknown category 'idz' (did you mean 'ids'?)",
                  f"{clocks}:8: clock.main.event[1]: a 'fill' event must be the last before the next timed event",
                  f"{clocks}:12: clock.main.event[2]: category 'ids' is not music",
                  f"{clocks}:17: clock.main.event[3].at: expected a position in the hour as MM:SS",
                  f"{clocks}:22: clock.main.event[4].tolerance: expected a duration",
                  ):
        assert any(p.startswith(start) for p in found), (start, found)


def test_missing_files_and_bad_timezone(tmp_path):
    folder = write_schedule(tmp_path, grid=None, station="""
        [station]
        timezone = "Mars/Olympus"
    """)
    found = problems(folder)
    assert f"{folder / 'grid.toml'}: missing (required)" in found
    assert f"{folder / 'station.toml'}:2: station.timezone: unknown timezone 'Mars/Olympus'" in found


def test_unknown_fallback_and_filler_categories(tmp_path):
    folder = write_schedule(tmp_path, station="""
        [station]
        timezone = "UTC"
        [fallback]
        chain = [{ category = "emergency" }, { playlist = "missing.m3u" }, "x"]
    """, rules="""
        [fill]
        filler_categories = ["jingels"]
        [relax]
        order = ["artist_seperation"]
    """)
    found = problems(folder)
    assert any("fallback.chain[0]: unknown category 'emergency'" in p for p in found)
    assert any(p.startswith(f"{folder / 'station.toml'}:4: fallback.chain[1]: cannot read playlist") for p in found)
    assert any("fallback.chain[2]: expected { category" in p for p in found)
    assert any("fill.filler_categories: unknown category 'jingels'" in p for p in found)
    assert any("relax.order: unknown rule 'artist_seperation' (did you mean 'artist_separation'?)" in p
               for p in found)


def test_parse_alone_reports_value_problems_without_cross_checks(tmp_path):
    folder = write_schedule(tmp_path, shows="""
        [show.music]
        kind = "rotation"
        clock = "nope"
    """)
    schedule, found = parse_schedule(folder)
    assert schedule is not None and found == []


def test_durations_and_line_index():
    assert as_duration_ms("1m30s") == 90_000
    assert as_duration_ms("500ms") == 500
    assert as_duration_ms("1h") == 3_600_000
    with pytest.raises(ValueError):
        as_duration_ms("90")
    index = LineIndex('[[slot]]\nstart = "06:00"\n[[slot]]\nstart = "07:00"\n[show.a]\nkind = "live"\n')
    assert index.line("slot[1].start") == 4
    assert index.line("show.a.kind") == 6
    assert index.line("show.a.hosts") == 5
    assert time(6) < time(7)


def test_example_station_fits_the_demo_library():
    from datetime import date

    from radiod.schedule.check import check_library

    from .helpers import MEDIA, UPLOADS, demo_tracks

    schedule = load_schedule(REPO / "schedules")
    errors, warnings = check_library(schedule, demo_tracks(), media_roots=[MEDIA], uploads_root=UPLOADS,
                                     day=date(2026, 11, 21))
    assert errors == [] and warnings == []
    # Without the Night Owl's files the show is flagged.
    errors, warnings = check_library(schedule, [t for t in demo_tracks() if "/night-owl/" not in t.path],
                                     media_roots=[MEDIA], uploads_root=UPLOADS, day=date(2026, 11, 21))
    assert errors == [] and len(warnings) == 1 and "show.night-owl: no content in" in warnings[0]
