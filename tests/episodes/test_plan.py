"""The episode planner (pure): airings from the play log, gaps, rights, chapter positions."""

from __future__ import annotations

from radiod.episodes.plan import AIRING_BREAK_MS, Aired, find_airings, plan_episode, settled


def row(n, show_id, start, end):
    return {"id": n, "show_id": show_id, "started_at_ms": start, "ended_at_ms": end}


def test_an_airing_is_a_run_of_one_shows_rows_with_its_holes_as_gaps():
    rows = [row(1, "", 0, 10_000), row(2, "s", 10_000, 20_000), row(3, "s", 19_700, 30_000),   # a fade overlaps
            row(4, "s", 30_100, 35_000),                    # 100 ms later: the same stretch
            row(5, "s", 41_000, 50_000),                    # 6 s later (a restart): a gap
            row(6, "", 50_000, 60_000), row(7, "s", 60_000, 70_000), row(8, "other", 70_000, 80_000)]
    a, b = find_airings(rows, {"s"})
    assert (a.start_ms, a.end_ms, a.spans, a.play_ids) == (10_000, 50_000, ((10_000, 35_000), (41_000, 50_000)),
                                                          (2, 3, 4, 5))
    assert (b.start_ms, b.end_ms, b.play_ids) == (60_000, 70_000, (7,))
    # open rows are not part of it; a show off the air for longer than the break is two airings
    far = [row(1, "s", 0, 1000), row(2, "s", 1000 + AIRING_BREAK_MS, 2000 + AIRING_BREAK_MS)]
    assert len(find_airings(far, {"s"})) == 2
    assert find_airings([row(1, "s", 0, None)], {"s"}) == []


def test_an_airing_is_settled_once_something_else_aired_after_it_and_the_logger_caught_up():
    (a,) = find_airings([row(1, "s", 0, 10_000)], {"s"})
    assert not settled(a, [10_000], now_ms=12_000, settle_ms=5000)           # the logger may not have it yet
    assert settled(a, [10_000], now_ms=15_000, settle_ms=5000)
    assert not settled(a, [], now_ms=15_000, settle_ms=5000)                 # nothing after it: still on?
    assert settled(a, [], now_ms=10_000 + AIRING_BREAK_MS, settle_ms=5000)


AIRED = [Aired(0, 10_000, "talk", "", False), Aired(10_000, 70_000, "long song", "A", True),
         Aired(70_000, 80_000, "short song", "B", True), Aired(80_000, 90_000, "outro", "", False)]


def test_rights_decide_the_pieces_and_the_chapters_follow_them():
    full = plan_episode([(0, 90_000)], AIRED, "full", from_ms=0, to_ms=90_000, clip_ms=30_000, fade_ms=3000)
    assert [(p.from_ms, p.to_ms) for p in full.pieces] == [(0, 90_000)]
    assert [c.at_ms for c in full.chapters] == [0, 10_000, 70_000, 80_000]
    clips = plan_episode([(0, 90_000)], AIRED, "clips", from_ms=0, to_ms=90_000, clip_ms=30_000, fade_ms=3000)
    assert [(p.from_ms, p.to_ms, p.fade_out_ms) for p in clips.pieces] == [(0, 40_000, 3000), (70_000, 90_000, 0)]
    assert [(c.title, c.at_ms, c.clipped) for c in clips.chapters] == [
        ("talk", 0, False), ("long song", 10_000, True), ("short song", 40_000, False), ("outro", 50_000, False)]
    none = plan_episode([(0, 90_000)], AIRED, "none", from_ms=0, to_ms=90_000, clip_ms=30_000, fade_ms=3000)
    assert [(p.from_ms, p.to_ms) for p in none.pieces] == [(0, 10_000), (80_000, 90_000)]
    assert [(c.title, c.at_ms) for c in none.chapters] == [("talk", 0), ("outro", 10_000)]
    assert none.length_ms == 20_000


def test_a_gap_is_marked_where_the_air_resumes_and_boundaries_trim_the_air():
    plan = plan_episode([(0, 30_000), (36_000, 90_000)], AIRED, "full", from_ms=5000, to_ms=85_000,
                        clip_ms=30_000, fade_ms=3000)
    assert [(p.from_ms, p.to_ms) for p in plan.pieces] == [(5000, 30_000), (36_000, 85_000)]
    assert [(g.at_ms, g.missing_ms) for g in plan.gaps] == [(25_000, 6000)]
    assert [(c.title, c.at_ms) for c in plan.chapters] == [("talk", 0), ("long song", 5000), ("short song", 59_000),
                                                           ("outro", 69_000)]
