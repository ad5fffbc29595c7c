"""Local-content rules: periods, dayparts, DST, bases and presets (pure, over plain rows)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.reports import ReportError
from radiod.reports.compliance import Daypart, evaluate, parse_daypart, rules_for
from radiod.reports.period import parse_period

TORONTO = ZoneInfo("America/Toronto")
SYDNEY = ZoneInfo("Australia/Sydney")


def play(zone, y, mo, d, h, mi, *, local, played_ms=180_000, usage="feature", fold=0):
    start = datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold)
    return {"started_at_ms": round(start.timestamp() * 1000), "played_ms": played_ms, "usage": usage, "local": local}


def test_hours_across_the_autumn_fold_stay_apart():
    rows = [play(TORONTO, 2026, 11, 1, 1, 30, local=True),
            play(TORONTO, 2026, 11, 1, 1, 30, local=False, fold=1),   # the same wall time, an hour later
            play(TORONTO, 2026, 11, 1, 2, 10, local=False)]
    results = evaluate(rows, parse_period("2026-11-01", "2026-11-01", TORONTO), rules_for("custom", 50, period="hour"))
    assert [(r["period"], r["music_plays"], r["result"]) for r in results] == [
        ("2026-11-01T01:00-04:00", 1, "pass"), ("2026-11-01T01:00-05:00", 1, "fail"),
        ("2026-11-01T02:00-05:00", 1, "fail"), ("total", 3, "fail")]


def test_non_music_and_failed_plays_never_count():
    rows = [play(SYDNEY, 2026, 5, 3, 10, 0, local=True, usage=u) for u in
            ("jingle", "promo", "station_id", "psa", "sponsorship", "talk")]
    rows += [play(SYDNEY, 2026, 5, 3, 11, 0, local=True, played_ms=0),
             play(SYDNEY, 2026, 5, 3, 12, 0, local=False), play(SYDNEY, 2026, 5, 3, 12, 5, local=True, usage="background")]
    (month, total) = evaluate(rows, parse_period("2026-05-01", "2026-05-31", SYDNEY), rules_for("australia", 0))
    assert (month["music_plays"], month["local_plays"], month["share_by_count"], month["result"]) == (2, 1, "50.0", "pass")
    assert month["complete"] is True


def test_count_and_time_can_disagree():
    rows = [play(TORONTO, 2026, 6, 1, 9, 0, local=True, played_ms=60_000),
            play(TORONTO, 2026, 6, 1, 9, 5, local=False, played_ms=300_000),
            play(TORONTO, 2026, 6, 1, 9, 10, local=True, played_ms=60_000)]
    period = parse_period("2026-06-01", "2026-06-01", TORONTO)
    by_count = evaluate(rows, period, rules_for("custom", 50, period="day"))[0]
    by_time = evaluate(rows, period, rules_for("custom", 50, period="day", basis="time"))[0]
    assert (by_count["share_by_count"], by_count["share_by_time"]) == ("66.7", "28.6")
    assert (by_count["result"], by_time["result"]) == ("pass", "fail")


def test_threshold_is_inclusive_and_exact():
    rows = [play(TORONTO, 2026, 6, 1, 9, m, local=m < 7) for m in range(20)]   # 7 of 20 = 35 %
    result = evaluate(rows, parse_period("2026-06-01", "2026-06-01", TORONTO), rules_for("canada", 0))[0]
    assert (result["share_by_count"], result["result"]) == ("35.0", "pass")


def test_canada_weeks_start_on_sunday_and_partial_weeks_are_marked():
    rows = [play(TORONTO, 2026, 6, 6, 12, 0, local=True),    # Saturday
            play(TORONTO, 2026, 6, 7, 12, 0, local=False)]   # Sunday: a new broadcast week
    results = evaluate(rows, parse_period("2026-06-01", "2026-06-30", TORONTO), rules_for("canada", 0))
    assert [(r["period"], r["complete"]) for r in results[:2]] == [("week of 2026-05-31", False),
                                                                  ("week of 2026-06-07", True)]


def test_custom_dayparts_split_the_day():
    rows = [play(TORONTO, 2026, 6, 1, 7, 0, local=True), play(TORONTO, 2026, 6, 1, 9, 59, local=True),
            play(TORONTO, 2026, 6, 1, 10, 0, local=False), play(TORONTO, 2026, 6, 1, 23, 0, local=False)]
    rules = rules_for("custom", 30, period="day",
                      dayparts=(parse_daypart("breakfast=06:00-10:00"), parse_daypart("10:00-24:00")))
    results = evaluate(rows, parse_period("2026-06-01", "2026-06-01", TORONTO), rules)
    assert [(r["period"], r["daypart"], r["music_plays"], r["result"]) for r in results] == [
        ("2026-06-01", "breakfast", 2, "pass"), ("2026-06-01", "10:00-24:00", 2, "fail"),
        ("total", "breakfast", 2, "pass"), ("total", "10:00-24:00", 2, "fail")]


def test_a_period_without_music_says_so():
    (total,) = evaluate([], parse_period("2026-06-01", "2026-06-01", TORONTO), rules_for("australia", 0))
    assert total["result"] == "no music" and total["share_by_count"] == ""


@pytest.mark.parametrize("text", ["6-10", "10:00-06:00", "06:00-24:01", "06:75-07:00"])
def test_bad_dayparts_are_refused(text):
    with pytest.raises(ReportError, match="--daypart"):
        parse_daypart(text)


def test_daypart_to_midnight():
    assert parse_daypart("18:00-24:00") == Daypart("18:00-24:00", 1080, 1440)
