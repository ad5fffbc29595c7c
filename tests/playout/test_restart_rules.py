"""Restart rules: after any restart or stall a timed item airs late only while it is still the item
due now; otherwise it is missed, said once, and never airs later. Engine on a FakeClock with a
real SQLite play log; the planner's rules in ``timing`` checked directly."""

from __future__ import annotations

from datetime import timedelta

from radiod.playout.fallback import Fallback
from radiod.playout.timing import Timeline, decide_next, join_point
from tests.playout.helpers import T0, Rig, at, ms, sequence, show, song
from tests.playout.test_engine import emergency, station_id


def fallback() -> Fallback:
    return Fallback([emergency(1, 30), emergency(2, 30)], [station_id()])


def test_restart_into_a_fill_never_airs_an_earlier_hard_item_late(tmp_path):
    # A hard song at 14:05 for a minute, then nothing planned until the hard song at 14:10.
    items = sequence(T0, [60, 60, 60, 60]) + [song(5, at(5), 60, timing="hard"), song(6, at(10), 180, timing="hard")]
    db = tmp_path / "r.db"
    first = Rig(db, items, fallback=fallback())
    first.run_until(at(4) + timedelta(seconds=50))     # killed 10 s before the hard start
    second = Rig(db, items, fallback=fallback(), clock=first.clock)
    first.clock.advance(100_000)                       # back at 14:06:30, in the fill
    second.run_until(at(14))
    rows = second.rows()
    assert "Song 5" not in [r["title"] for r in rows]
    back = ms(at(6, T0 + timedelta(seconds=30)))
    fill = [r for r in rows if r["source"] == "fallback" and back <= r["started_at_ms"] < ms(at(10))]
    assert fill[0]["started_at_ms"] == back
    for a, b in zip(fill, fill[1:]):
        assert b["started_at_ms"] == a["ended_at_ms"]
    assert fill[-1]["ended_at_ms"] == ms(at(10))
    top = [r for r in rows if r["title"] == "Song 6"]
    assert len(top) == 1 and top[0]["started_at_ms"] == ms(at(10))


def test_decide_next_passes_over_a_hard_song_later_than_its_tolerance():
    # 31 s late with a 30 s tolerance: missed, though most of its 120 s slot is still to come.
    items = [song(1, T0, 60), song(2, at(5), 120, timing="hard", tolerance_s=30),
             song(3, at(10), 180, timing="hard")]
    tl = Timeline(items)
    now = ms(at(5)) + 31_000
    decision = decide_next(tl, 0, now, set(), now)
    assert decision.missed == (1,)
    assert decision.index is None and decision.then_index == 2
    assert decision.fill_until_ms == ms(at(10))


def test_decide_next_still_airs_a_hard_song_late_within_its_tolerance():
    items = [song(1, T0, 60), song(2, at(5), 120, timing="hard", tolerance_s=30),
             song(3, at(10), 180, timing="hard")]
    tl = Timeline(items)
    now = ms(at(5)) + 30_000
    decision = decide_next(tl, 0, now, set(), now)
    assert decision.index == 1 and decision.start_ms == now and decision.offset_ms == 0
    assert decision.missed == ()


def test_a_hard_item_with_no_tolerance_airs_only_on_time():
    items = [song(1, T0, 60), song(2, at(5), 120, timing="hard"), song(3, at(10), 180, timing="hard")]
    tl = Timeline(items)
    now = ms(at(5)) + 1_000
    decision = decide_next(tl, 0, now, set(), now)
    assert decision.missed == (1,) and decision.index is None


def test_a_soft_item_airs_late_within_its_tolerance_and_is_missed_after_it():
    items = [song(1, T0, 60), song(2, at(5), 120, timing="soft", tolerance_s=15),
             song(3, at(10), 180, timing="hard")]
    tl = Timeline(items)
    on_time = ms(at(5)) + 15_000
    assert decide_next(tl, 0, on_time, set(), on_time).index == 1
    late = ms(at(5)) + 16_000
    assert decide_next(tl, 0, late, set(), late).missed == (1,)


def test_decide_next_joins_a_late_show_at_the_clock_offset():
    items = [song(1, T0, 60), show("Night Owl", at(5), 3600), song(3, at(65), 180, timing="hard")]
    tl = Timeline(items)
    now = ms(at(40))
    decision = decide_next(tl, 0, now, set(), now)
    assert decision.index == 1 and decision.offset_ms == 35 * 60_000 and decision.missed == ()


def test_every_passed_boundary_before_the_one_still_ahead_is_missed():
    items = [song(1, T0, 60), song(2, at(2), 60, timing="hard"), song(3, at(4), 60, timing="hard"),
             song(4, at(8), 60, timing="hard")]
    tl = Timeline(items)
    now = ms(at(7))
    decision = decide_next(tl, 0, ms(at(9)), set(), now)
    assert decision.index == 3 and decision.start_ms == ms(at(8))
    assert decision.missed == (1, 2)


def test_join_point_reports_the_hard_item_it_passes_over():
    items = [song(1, T0, 60), song(2, at(1), 120, timing="hard"), song(3, at(10), 180, timing="hard")]
    tl = Timeline(items)
    decision = join_point(tl, ms(at(2, T0 + timedelta(seconds=30))), set())
    assert decision.missed == (1,) and decision.then_index == 2


def test_the_engine_logs_a_missed_item_once_and_never_airs_it(tmp_path):
    # Output lost for five minutes across a hard start: when it is back the item is long gone.
    items = [song(1, T0, 240), song(2, at(4), 60, timing="hard"), song(3, at(5), 60),
             song(4, at(10), 180, timing="hard")]
    rig = Rig(tmp_path / "r.db", items, fallback=fallback())
    rig.run_until(at(3))
    rig.player.lose_output("PulseAudio sink 'radio' is gone")
    rig.run_until(at(8))
    rig.player.restore_output()
    rig.run_until(at(14))
    titles = [r["title"] for r in rig.rows()]
    assert "Song 2" not in titles and "Song 3" not in titles
    missed = [e for e in rig.engine.errors if e.kind == "missed"]
    assert len(missed) == 1 and "Song 2" in missed[0].detail
    assert [r["started_at_ms"] for r in rig.rows() if r["title"] == "Song 4"] == [ms(at(10))]
