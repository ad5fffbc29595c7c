from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from radiod.localtimes import LocalTimes
from radiod.reports.period import Period, hms, iso_local

ZONES = ["America/Toronto", "Australia/Lord_Howe", "Asia/Kathmandu", "Europe/London", "Pacific/Chatham", "UTC",
         "America/St_Johns"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.integers(0, 4_102_444_800_000))
def test_fast_local_times_agree_with_zoneinfo(zone_name, instant_ms):
    zone = ZoneInfo(zone_name)
    local = LocalTimes(zone)
    assert local.iso(instant_ms) == iso_local(instant_ms, zone)
    day, time, offset = local.parts(instant_ms)
    assert f"{day}T{time}" == iso_local(instant_ms, zone)[:19] and iso_local(instant_ms, zone).endswith(offset)


def test_dst_transition_instants():
    toronto = LocalTimes(ZoneInfo("America/Toronto"))
    # 2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT
    assert toronto.iso(1_772_953_199_999) == "2026-03-08T01:59:59.999-05:00"
    assert toronto.iso(1_772_953_200_000) == "2026-03-08T03:00:00.000-04:00"


def test_period_days_and_durations():
    p = Period(date(2026, 11, 1), date(2026, 11, 1), ZoneInfo("America/Toronto"))
    assert p.end_ms - p.start_ms == 25 * 3_600_000   # clocks go back: a 25-hour day
    assert p.label() == "20261101-20261101"
    assert (hms(0), hms(499), hms(500), hms(3_725_000)) == ("0:00:00", "0:00:00", "0:00:01", "1:02:05")


def test_every_thirteen_minutes_of_a_year_agrees_with_zoneinfo():
    # Lord Howe moves its clocks by 30 minutes
    for name in ("America/Toronto", "Australia/Lord_Howe"):
        zone = ZoneInfo(name)
        local = LocalTimes(zone)
        for instant_ms in range(1_767_225_600_000, 1_798_761_600_000, 780_000):
            assert local.iso(instant_ms) == iso_local(instant_ms, zone)


def test_offsets_of_local_mean_time_are_not_cut_into_quarter_hours():
    # Toronto kept local mean time (-5:17:32) until 1895: no quarter hour of UTC is a local one
    zone = ZoneInfo("America/Toronto")
    local = LocalTimes(zone)
    for instant_ms in range(-2_500_000_000_000, -2_500_000_000_000 + 86_400_000, 61_001):
        expected = iso_local(instant_ms, zone)
        assert local.iso(instant_ms)[:23] == expected[:23] and expected.startswith("1890-")
        day, time, _ = local.parts(instant_ms)
        assert f"{day}T{time}" == expected[:19]
