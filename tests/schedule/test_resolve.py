"""The grid → airings: DST gaps and folds in three zones, midnight-crossing shows, the week wrap, exceptions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from radiod.schedule_files import load_schedule
from radiod.schedule.resolve import airing_at, airings, wall_to_instant

from .helpers import REPO, write_schedule

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("zone, day, wall, expected, why", [
    # America/Toronto 2026: clocks jump 02:00 → 03:00 on 8 March, fall back 02:00 → 01:00 on 1 November.
    ("America/Toronto", date(2026, 3, 8), time(1, 30), utc(2026, 3, 8, 6, 30), "before the gap (EST)"),
    ("America/Toronto", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 0), "in the gap: the jump"),
    ("America/Toronto", date(2026, 3, 8), time(3, 0), utc(2026, 3, 8, 7, 0), "gap end = the jump too"),
    ("America/Toronto", date(2026, 3, 8), time(3, 30), utc(2026, 3, 8, 7, 30), "after the gap (EDT)"),
    ("America/Toronto", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30), "fold: first occurrence (EDT)"),
    ("America/Toronto", date(2026, 11, 1), time(2, 0), utc(2026, 11, 1, 7, 0), "after the fold (EST)"),
    # Europe/London 2026: 01:00 → 02:00 on 29 March, 02:00 → 01:00 on 25 October.
    ("Europe/London", date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1, 0), "in the gap: the jump"),
    ("Europe/London", date(2026, 3, 29), time(0, 30), utc(2026, 3, 29, 0, 30), "before the gap (GMT)"),
    ("Europe/London", date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30), "fold: first occurrence (BST)"),
    ("Europe/London", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 2, 30), "after the fold (GMT)"),
    # Australia/Sydney 2026: 03:00 → 02:00 on 5 April (fold), 02:00 → 03:00 on 4 October (gap).
    ("Australia/Sydney", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30), "fold: first occurrence (AEDT)"),
    ("Australia/Sydney", date(2026, 4, 5), time(3, 30), utc(2026, 4, 4, 17, 30), "after the fold (AEST)"),
    ("Australia/Sydney", date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16, 0), "in the gap: the jump"),
    ("Australia/Sydney", date(2026, 10, 4), time(3, 30), utc(2026, 10, 3, 16, 30), "after the gap (AEDT)"),
])
def test_wall_time_to_instant(zone, day, wall, expected, why):
    assert wall_to_instant(day, wall, ZoneInfo(zone)) == expected, why


def grid(tmp_path, zone: str, slots: str):
    folder = write_schedule(tmp_path, station=f"""
        [station]
        timezone = "{zone}"
        djs = ["sam"]
        [fallback]
        chain = [{{ category = "pop" }}]
    """, grid=slots, shows="""
        [show.music]
        kind = "rotation"
        clock = "main"
        [show.night]
        kind = "rotation"
        clock = "main"
        [show.special]
        kind = "live"
        hosts = ["sam"]
    """)
    return load_schedule(folder)


DST_SLOTS = """
    [[slot]]
    days = ["sun"]
    start = "00:00"
    end = "01:30"
    show = "music"
    [[slot]]
    days = ["sun"]
    start = "01:30"
    end = "04:00"
    show = "night"
"""


@pytest.mark.parametrize("zone, day, first_hours, second_hours", [
    ("America/Toronto", date(2026, 3, 8), 1.5, 1.5),      # 01:30 → 04:00 loses the hour 02:00–03:00
    ("America/Toronto", date(2026, 11, 1), 1.5, 3.5),     # 01:30 (first) → 04:00 gains the repeated hour
    ("Europe/London", date(2026, 3, 29), 1.0, 2.0),       # 01:30 lies in the gap: the first slot ends at the jump
    ("Europe/London", date(2026, 10, 25), 1.5, 3.5),
    ("Australia/Sydney", date(2026, 10, 4), 1.5, 1.5),
    ("Australia/Sydney", date(2026, 4, 5), 1.5, 3.5),
    ("America/Toronto", date(2026, 6, 7), 1.5, 2.5),      # an ordinary Sunday
])
def test_back_to_back_slots_on_dst_nights_stay_contiguous(tmp_path, zone, day, first_hours, second_hours):
    schedule = grid(tmp_path, zone, DST_SLOTS)
    found = airings(schedule, day, day + timedelta(days=1))
    assert [a.show.id for a in found] == ["music", "night"]
    first, second = found
    assert first.end == second.start
    assert (first.end - first.start) / timedelta(hours=1) == first_hours
    assert (second.end - second.start) / timedelta(hours=1) == second_hours


def test_a_slot_inside_the_spring_gap_does_not_air(tmp_path):
    schedule = grid(tmp_path, "America/Toronto", """
        [[slot]]
        days = ["sun"]
        start = "02:00"
        end = "02:45"
        show = "music"
    """)
    assert airings(schedule, date(2026, 3, 8), date(2026, 3, 9)) == []
    assert len(airings(schedule, date(2026, 3, 15), date(2026, 3, 16))) == 1


def test_midnight_crossing_and_week_wrap(tmp_path):
    schedule = grid(tmp_path, "Europe/London", """
        [[slot]]
        days = ["sun"]
        start = "22:00"
        end = "06:00"
        overnight = true
        show = "night"
        [[slot]]
        days = ["mon"]
        start = "06:00"
        end = "24:00"
        show = "music"
    """)
    # Monday 2026-06-08: the Sunday-night show is on until 06:00 BST.
    monday = airings(schedule, date(2026, 6, 8), date(2026, 6, 9))
    assert [(a.show.id, a.day) for a in monday] == [("night", date(2026, 6, 7)), ("music", date(2026, 6, 8))]
    assert monday[0].start == utc(2026, 6, 7, 21) and monday[0].end == utc(2026, 6, 8, 5)
    assert airing_at(schedule, utc(2026, 6, 8, 2)).show.id == "night"
    assert airing_at(schedule, utc(2026, 6, 8, 12)).show.id == "music"
    assert airing_at(schedule, utc(2026, 6, 9, 12)) is None            # Tuesday: a gap
    # A range given as instants finds the show that started before it.
    assert airings(schedule, utc(2026, 6, 8, 3), utc(2026, 6, 8, 4))[0].show.id == "night"


def test_exceptions_override_and_cut_the_weekly_show(tmp_path):
    schedule = grid(tmp_path, "America/Toronto", """
        [[slot]]
        days = ["daily"]
        start = "06:00"
        end = "22:00"
        show = "music"
        [[exception]]
        date = "2026-12-25"
        start = "10:00"
        end = "12:00"
        show = "special"
        note = "Christmas"
        [[exception]]
        date = "2026-12-31"
        start = "21:00"
        end = "01:00"
        overnight = true
        show = "special"
    """)
    day = airings(schedule, date(2026, 12, 25), date(2026, 12, 26))
    zone = ZoneInfo("America/Toronto")
    shown = [(a.show.id, f"{a.start.astimezone(zone):%H:%M}", f"{a.end.astimezone(zone):%H:%M}", a.cut, a.exception)
             for a in day]
    assert shown == [("music", "06:00", "10:00", True, False), ("special", "10:00", "12:00", False, True),
                     ("music", "12:00", "22:00", True, False)]
    assert day[1].note == "Christmas"
    eve = airings(schedule, date(2026, 12, 31), date(2027, 1, 2))
    assert [(a.show.id, f"{a.start.astimezone(zone):%m-%d %H:%M}", f"{a.end.astimezone(zone):%m-%d %H:%M}")
            for a in eve] == [("music", "12-31 06:00", "12-31 21:00"), ("special", "12-31 21:00", "01-01 01:00"),
                              ("music", "01-01 06:00", "01-01 22:00")]


def test_example_station_week(tmp_path):
    schedule = load_schedule(REPO / "schedules")
    zone = ZoneInfo(schedule.timezone)
    week = airings(schedule, date(2026, 11, 23), date(2026, 11, 30))
    # The grid has no holes: consecutive airings touch.
    for a, b in zip(week, week[1:]):
        assert a.end == b.start, (a, b)
    saturday_night = [a for a in week if a.show.id == "night-owl"]
    assert [(f"{a.start.astimezone(zone):%a %H:%M}", a.length_ms) for a in saturday_night] == [("Sat 22:00", 900_000)]
