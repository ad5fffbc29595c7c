"""The engine on a fake clock with synchronous pumping: timing, failures, fallback, restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from radiod.config import PlayoutConfig
from radiod.playout.fallback import Fallback
from radiod.playout.timing import item_key
from radiod.schedule.log import LogItem

from .helpers import Rig, T0, at, ms, sequence, show, song


def by_key(rows):
    return {r["item_key"]: r for r in rows}


def test_items_play_back_to_back_on_the_clock_and_each_is_logged(tmp_path):
    items = sequence(T0, [60, 75.5, 42])
    rig = Rig(tmp_path / "r.db", items, start=T0 - timedelta(seconds=10))     # on before the hour
    rig.run_until(at(5))
    rows = rig.rows()
    assert [r["item_key"] for r in rows] == [item_key(i) for i in items]
    for row, item in zip(rows, items):
        assert row["started_at_ms"] == ms(item.start)
        assert row["start_error_ms"] == 0
        assert row["played_ms"] == item.length_ms
        assert row["end_reason"] == "end"
        assert row["title"] == item.title and row["source"] == "rotation" and row["usage"] == "feature"
    # Each start was scheduled as the previous start plus its length, not on 'ended'.
    starts = [e for e in rig.player.history if e.kind == "started"]
    assert starts[1].at_ms - starts[0].at_ms == 60_000
    assert starts[2].at_ms - starts[1].at_ms == 75_500
    assert rig.open_rows() == []


def test_next_item_is_prepared_preroll_ahead(tmp_path):
    items = sequence(T0, [60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(0.5))
    ready = [e for e in rig.player.history if e.kind == "ready" and "Song" not in e.handle]
    assert len(ready) == 1                        # only the first item so far
    rig.run_until(at(1) - timedelta(seconds=2))
    ready_b = [e for e in rig.player.history if e.kind == "ready" and e.handle.endswith(":2")]
    assert ready_b and ready_b[0].at_ms <= rig.started(":1")[0] + 60_000 - 2_900


def test_late_start_joins_a_show_at_the_right_offset(tmp_path):
    items = [show("Morning Talk", T0, 3600), song(9, at(60), 180, timing="hard")]
    rig = Rig(tmp_path / "r.db", items, start=at(20, T0) + timedelta(seconds=7))
    rig.run_until(at(64))
    first = [e for e in rig.player.history if e.kind == "started"][0]
    assert first.position_ms == 20 * 60_000 + 7_000
    rows = rig.rows()
    assert rows[0]["item_key"] == item_key(items[0])
    assert rows[0]["started_at_ms"] == ms(at(20)) + 7_000
    assert rows[0]["played_ms"] == 40 * 60_000 - 7_000
    assert rows[1]["started_at_ms"] == ms(at(60)) and rows[1]["start_error_ms"] == 0


def test_late_start_in_rotation_picks_the_right_item(tmp_path):
    items = sequence(T0, [180, 180, 180, 180])
    early = Rig(tmp_path / "a.db", items, start=at(4))            # 60 s into song 2 (of 180): play it
    early.run_until(at(5))
    assert early.rows() == [] and early.open_rows()[0]["title"] == "Song 2"
    assert early.open_rows()[0]["started_at_ms"] == ms(at(4))
    late = Rig(tmp_path / "b.db", items, start=at(5))             # 120 s into song 2: move on to 3
    late.run_until(at(5.5))
    assert late.open_rows()[0]["title"] == "Song 3"
    assert late.open_rows()[0]["started_at_ms"] == ms(at(5))


def test_missing_file_is_skipped_without_a_gap_and_recorded_as_failed(tmp_path):
    items = sequence(T0, [60, 60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.player.inject(items[1].path, "missing")
    rig.run_until(at(3))
    rows = by_key(rig.rows())
    failed = rows[item_key(items[1])]
    assert failed["end_reason"] == "failed" and failed["played_ms"] == 0
    assert "not found" in failed["detail"]
    # Song 3 was ready in time and took song 2's place at the exact instant song 1 ended.
    assert rows[item_key(items[2])]["started_at_ms"] == ms(at(1))
    assert [e.kind for e in rig.engine.errors][0] == "failed"


def test_corrupt_file_is_skipped(tmp_path):
    items = sequence(T0, [60, 60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.player.inject(items[0].path, "corrupt")
    rig.run_until(at(2))
    rows = by_key(rig.rows())
    assert rows[item_key(items[0])]["end_reason"] == "failed"
    assert "decode" in rows[item_key(items[0])]["detail"]
    # Failed at prepare (20 ms): song 2 is on air within a fraction of a second.
    assert rows[item_key(items[1])]["started_at_ms"] - ms(T0) < 500


def test_decoding_failure_mid_track_moves_on_at_once(tmp_path):
    items = sequence(T0, [60, 60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.player.inject(items[0].path, "fail_midway", after_ms=25_000)
    rig.run_until(at(2))
    rows = by_key(rig.rows())
    first = rows[item_key(items[0])]
    assert (first["end_reason"], first["played_ms"]) == ("failed", 25_000)
    assert rows[item_key(items[1])]["started_at_ms"] - (ms(T0) + 25_000) < 500


def test_skip_ends_the_current_item_and_starts_the_next_now(tmp_path):
    items = sequence(T0, [60, 60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(0.5))
    assert rig.command("skip")["ok"] is True
    rig.run_until(at(2))
    rows = rig.rows()
    assert (rows[0]["end_reason"], rows[0]["played_ms"]) == ("skipped", 30_000)
    assert rows[1]["started_at_ms"] == ms(at(0.5))
    assert rows[1]["item_key"] == item_key(items[1])


def test_hard_boundary_cuts_the_current_track_with_a_fade(tmp_path):
    items = [song(1, T0, 300), song(2, at(3), 60, timing="hard")]
    cfg = PlayoutConfig(fade_out_ms=1500)
    rig = Rig(tmp_path / "r.db", items, config=cfg)
    rig.run_until(at(5))
    rows = rig.rows()
    assert rows[0]["end_reason"] == "cut"
    assert rows[0]["ended_at_ms"] == ms(at(3))
    assert rows[0]["played_ms"] == 180_000
    assert rows[1]["started_at_ms"] == ms(at(3)) and rows[1]["start_error_ms"] == 0
    # The fade-out began fade_out_ms before the boundary.
    stops = [e for e in rig.player.history if e.kind == "ended" and e.handle.endswith(":1")]
    assert stops[0].reason == "stopped"


def test_soft_boundary_waits_for_the_current_item_within_its_tolerance(tmp_path):
    # Started 50 s late, song 1 runs to 14:04:50; song 2 follows; the soft item at 14:05 waits
    # for song 2 (ending 14:05:50) only 30 s, so song 2 is cut at 14:05:30.
    items = [song(1, T0, 240), song(2, at(4), 60), song(3, at(5), 60, timing="soft", tolerance_s=30)]
    rig = Rig(tmp_path / "r.db", items, start=T0 + timedelta(seconds=50))
    rig.run_until(at(8))
    rows = rig.rows()
    assert [r["title"] for r in rows] == ["Song 1", "Song 2", "Song 3"]
    assert rows[1]["end_reason"] == "cut" and rows[1]["ended_at_ms"] == ms(at(5.5))
    assert rows[2]["started_at_ms"] == ms(at(5.5))


def test_soft_boundary_within_tolerance_lets_the_item_finish(tmp_path):
    items = [song(1, T0, 240), song(2, at(4), 60), song(3, at(5), 60, timing="soft", tolerance_s=120)]
    rig = Rig(tmp_path / "r.db", items, start=T0 + timedelta(seconds=50))
    rig.run_until(at(8))
    rows = rig.rows()
    assert rows[1]["end_reason"] == "end"
    assert rows[2]["started_at_ms"] == ms(at(5)) + 50_000


def test_passed_soft_boundary_drops_the_items_before_it(tmp_path):
    # Song 1 (joined late) ends 14:04:50; by then the soft item at 14:04:30 is due: song 2 is dropped.
    items = [song(1, T0, 240), song(2, at(4), 30), song(3, at(4.5), 60, timing="soft", tolerance_s=60)]
    rig = Rig(tmp_path / "r.db", items, start=T0 + timedelta(seconds=50))
    rig.run_until(at(8))
    assert [r["title"] for r in rig.rows()] == ["Song 1", "Song 3"]
    assert rig.rows()[1]["started_at_ms"] == ms(at(4)) + 50_000


def test_dst_night_hard_starts_land_on_the_real_instants(tmp_path):
    berlin = ZoneInfo("Europe/Berlin")
    # 25 October 2026: 03:00 CEST becomes 02:00 CET, the 02:00 hour happens twice.
    local_starts = [datetime(2026, 10, 25, h, tzinfo=berlin) for h in (0, 1, 2)]
    local_starts += [datetime(2026, 10, 25, 2, fold=1, tzinfo=berlin)]
    local_starts += [datetime(2026, 10, 25, h, tzinfo=berlin) for h in (3, 4)]
    items = [LogItem(start=s.astimezone(ZoneInfo("UTC")), length_ms=3_600_000, kind="show", source="show",
                     usage="talk", timing="hard", path=f"/s/{n}.mp3", cue_out_ms=3_600_000, title=f"Hour {n}",
                     show=f"Hour {n}") for n, s in enumerate(local_starts)]
    start = items[0].start
    rig = Rig(tmp_path / "r.db", items, start=start)
    rig.run_until(items[-1].end + timedelta(minutes=1))
    rows = rig.rows()
    assert len(rows) == 6
    assert [r["started_at_ms"] for r in rows] == [ms(i.start) for i in items]
    assert all(r["played_ms"] == 3_600_000 and r["end_reason"] == "end" for r in rows)
    # Six local-hour labels, six real hours with no gap: the repeated 02:00 hour aired twice.
    assert rows[-1]["ended_at_ms"] - rows[0]["started_at_ms"] == 6 * 3_600_000


def test_restart_mid_show_continues_at_the_right_offset_without_duplicates(tmp_path):
    items = [show("Drive Time", T0, 3600), song(9, at(60), 180, timing="hard")]
    db = tmp_path / "r.db"
    first = Rig(db, items)
    first.run_until(at(20))
    assert len(first.open_rows()) == 1                 # crash here: the row is left open
    second = Rig(db, items, clock=first.clock)
    first.clock.advance(4_000)
    second.run_until(at(64))
    rows = second.rows()
    show_rows = [r for r in rows if r["title"] == "Drive Time"]
    assert [r["end_reason"] for r in show_rows] == ["interrupted", "end"]
    resumed = show_rows[1]
    assert resumed["item_key"] == f"{item_key(items[0])}@{20 * 60_000 + 4_000}"
    assert resumed["started_at_ms"] == ms(at(20)) + 4_000
    assert resumed["played_ms"] == 40 * 60_000 - 4_000
    assert len({r["item_key"] for r in rows}) == len(rows)
    assert second.open_rows() == []


def test_restart_mid_song_moves_on_and_never_replays_a_logged_item(tmp_path):
    items = sequence(T0, [180, 180, 180, 180])
    db = tmp_path / "r.db"
    first = Rig(db, items)
    first.run_until(at(4))                             # song 2 is 60 s in
    second = Rig(db, items, clock=first.clock)
    second.run_until(at(12))
    rows = second.rows()
    assert [(r["title"], r["end_reason"]) for r in rows] == [
        ("Song 1", "end"), ("Song 2", "interrupted"), ("Song 3", "end"), ("Song 4", "end")]
    assert rows[2]["started_at_ms"] == ms(at(4))
    assert len({r["item_key"] for r in rows}) == 4


def emergency(n: int, length_s: float = 240) -> LogItem:
    length = int(length_s * 1000)
    return LogItem(start=T0, length_ms=length, kind="music", source="fallback", usage="feature",
                   path=f"/emergency/{n}.mp3", cue_out_ms=length, title=f"Emergency {n}", track_id=1000 + n)


def station_id(n: int = 1) -> LogItem:
    return LogItem(start=T0, length_ms=10_000, kind="station_id", source="fallback", usage="station_id",
                   path=f"/ids/{n}.mp3", cue_out_ms=10_000, title=f"ID {n}")


def test_empty_hour_plays_the_fallback_chain_until_the_next_hard_item(tmp_path):
    items = sequence(T0, [300, 300]) + [song(9, at(60), 180, timing="hard")]
    fallback = Fallback([emergency(1), emergency(2)], [station_id()])
    rig = Rig(tmp_path / "r.db", items, fallback=fallback)
    rig.run_until(at(64))
    rows = rig.rows()
    fb = [r for r in rows if r["source"] == "fallback"]
    assert fb and fb[0]["started_at_ms"] == ms(at(10))
    # Contiguous from 14:10 to 15:00, the last one cut at the boundary.
    for a, b in zip(fb, fb[1:]):
        assert b["started_at_ms"] == a["ended_at_ms"]
    assert fb[-1]["ended_at_ms"] == ms(at(60)) and fb[-1]["end_reason"] == "cut"
    assert all("nothing planned" in r["detail"] for r in fb)
    assert {r["title"] for r in fb} == {"Emergency 1", "Emergency 2"}
    top = rows[-1]
    assert top["title"] == "Song 9" and top["started_at_ms"] == ms(at(60))
    assert any(e.kind == "fallback" for e in rig.engine.errors)


def test_a_short_gap_is_bridged_by_an_item_that_fits(tmp_path):
    items = sequence(T0, [100]) + [song(9, T0 + timedelta(seconds=112), 60, timing="hard")]
    rig = Rig(tmp_path / "r.db", items, fallback=Fallback([emergency(1)], [station_id()]))
    rig.run_until(at(3))
    # 12 s: one 10 s ID fits; the last 2 s get the shortest item, cut at the hard start.
    assert [(r["title"], r["end_reason"]) for r in rig.rows()] == [
        ("Song 1", "end"), ("ID 1", "end"), ("ID 1", "cut"), ("Song 9", "end")]
    assert rig.rows()[3]["started_at_ms"] == ms(T0) + 112_000


def test_unplayable_emergency_items_fall_through_to_the_station_id_loop(tmp_path):
    fallback = Fallback([emergency(1)], [station_id(1), station_id(2)])
    rig = Rig(tmp_path / "r.db", [], fallback=fallback)
    rig.player.inject("/emergency/1.mp3", "missing")
    rig.run_until(at(1))
    rows = rig.rows()
    assert rows[0]["title"] == "Emergency 1" and rows[0]["end_reason"] == "failed"
    aired = [r for r in rows if r["end_reason"] == "end"]
    assert [r["title"] for r in aired[:4]] == ["ID 1", "ID 2", "ID 1", "ID 2"]
    assert aired[0]["started_at_ms"] - ms(T0) < 500
    assert rig.engine.state == "fallback"


def test_watchdog_fails_an_item_that_stops_advancing(tmp_path):
    items = sequence(T0, [60, 60, 60])
    cfg = PlayoutConfig(watchdog_ms=5000)
    rig = Rig(tmp_path / "r.db", items, config=cfg)
    rig.player.inject(items[0].path, "stall", after_ms=10_000)
    rig.run_until(at(3))
    rows = by_key(rig.rows())
    stalled = rows[item_key(items[0])]
    assert stalled["end_reason"] == "failed" and "stalled" in stalled["detail"]
    # Detected within the watchdog time (plus one poll), then the next item came on.
    assert 15_000 <= stalled["ended_at_ms"] - ms(T0) <= 16_000
    assert rows[item_key(items[1])]["started_at_ms"] == stalled["ended_at_ms"]


def test_an_item_that_never_starts_is_failed_and_replaced(tmp_path):
    items = sequence(T0, [60, 60, 60])
    rig = Rig(tmp_path / "r.db", items, config=PlayoutConfig(watchdog_ms=5000))
    rig.player.inject(items[1].path, "slow_start", delay_ms=60_000)
    rig.run_until(at(3))
    rows = by_key(rig.rows())
    assert rows[item_key(items[1])]["end_reason"] == "failed"
    assert "did not start" in rows[item_key(items[1])]["detail"]
    assert rows[item_key(items[2])]["started_at_ms"] - ms(at(1)) <= 6_000


def test_insert_cuts_in_now_and_the_log_carries_on(tmp_path):
    items = sequence(T0, [120, 120, 120])
    rig = Rig(tmp_path / "r.db", items)
    announcement = tmp_path / "alert.wav"
    announcement.write_bytes(b"audio")
    rig.run_until(at(1))
    assert rig.command("insert", path=str(announcement), length_ms=20_000)["ok"] is True
    rig.run_until(at(6))
    rows = rig.rows()
    assert rows[0]["end_reason"] == "cut" and rows[0]["played_ms"] == 60_500     # a 500 ms fade under it
    assert rows[1]["source"] == "insert" and rows[1]["started_at_ms"] == ms(at(1))
    assert rows[2]["title"] == "Song 2" and rows[2]["started_at_ms"] == ms(at(1)) + 20_000


def test_insert_refuses_a_missing_file(tmp_path):
    rig = Rig(tmp_path / "r.db", sequence(T0, [60]))
    reply = rig.command("insert", path=str(tmp_path / "nope.wav"))
    assert reply["ok"] is False and "nope.wav" in reply["error"]


def test_pause_stops_after_the_current_item_and_resume_rejoins_by_the_clock(tmp_path):
    items = sequence(T0, [60] * 10)
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(0.5))
    assert rig.command("pause")["state"] == "paused"
    rig.run_until(at(3.5))
    assert [r["title"] for r in rig.rows()] == ["Song 1"]
    assert rig.engine.status()["state"] == "paused"
    rig.command("resume")
    rig.run_until(at(4.9))
    rows = rig.rows()
    assert rows[1]["title"] == "Song 4" and rows[1]["started_at_ms"] == ms(at(3.5))


def test_status_reports_now_next_and_expected_end(tmp_path):
    items = sequence(T0, [60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(0.25))
    status = rig.command("status")
    assert status["ok"] and status["state"] == "playing"
    assert status["now"]["title"] == "Song 1"
    assert status["now"]["started_at"] == "2026-11-21T14:00:00.000Z"
    assert status["now"]["expected_end"] == "2026-11-21T14:01:00.000Z"
    assert status["next"]["title"] == "Song 2"
    assert status["next"]["planned_start"] == "2026-11-21T14:01:00.000Z"


def test_shutdown_closes_the_open_row(tmp_path):
    rig = Rig(tmp_path / "r.db", sequence(T0, [60]))
    rig.run_until(at(0.5))
    rig.engine.shutdown()
    rows = rig.rows()
    assert (rows[0]["end_reason"], rows[0]["played_ms"]) == ("shutdown", 30_000)
    assert rig.engine.status()["state"] == "stopped"


def test_new_log_mid_item_keeps_the_current_item_and_follows_the_new_plan(tmp_path):
    items = sequence(T0, [60, 60, 60])
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(0.5))
    replanned = [items[0]] + sequence(at(1), [45, 45], first=20)
    rig.engine.set_log(replanned)
    rig.run_until(at(3))
    assert [r["title"] for r in rig.rows()] == ["Song 1", "Song 20", "Song 21"]


def test_crossfade_overlaps_consecutive_songs(tmp_path):
    items = sequence(T0, [60, 60]) + [song(3, at(2), 30, timing="hard")]
    rig = Rig(tmp_path / "r.db", items, start=T0 - timedelta(seconds=5),
              config=PlayoutConfig(crossfade_ms=2000))
    captured = []
    prepare = rig.player.prepare
    rig.player.prepare = lambda cue: (captured.append(cue), prepare(cue))
    rig.run_until(at(3))
    rows = rig.rows()
    assert rows[1]["started_at_ms"] == ms(at(1)) - 2000          # 2 s under the end of song 1
    assert rows[0]["end_reason"] == "end" and rows[0]["played_ms"] == 60_000
    assert captured[0].fade_out_ms == 2000 and captured[1].fade_in_ms == 2000
    assert rows[2]["started_at_ms"] == ms(at(2))                # a hard start is never pulled early


def test_a_lost_output_stands_the_log_still_and_playout_comes_back_by_the_clock(tmp_path):
    """The sound server dies mid-show for ten minutes: the show's row is interrupted with the
    reason, nothing is failed for not starting meanwhile, and when the output is back the show
    continues at the offset the clock says, and the hard-timed song after it is on time."""
    items = [show("Drive Time", T0, 1800)] + sequence(at(30), [180] * 5)
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(10))
    rig.player.lose_output("no PulseAudio server answers")
    rig.run_until(at(20))
    assert rig.engine.status()["state"] == "off-air" and rig.engine.status()["now"] is None
    [interrupted] = rig.rows()
    assert (interrupted["title"], interrupted["end_reason"]) == ("Drive Time", "interrupted")
    assert interrupted["played_ms"] == 10 * 60_000
    assert interrupted["detail"] == "audio output lost: no PulseAudio server answers"
    assert rig.open_rows() == []

    rig.player.restore_output()
    rig.run_until(at(32))
    assert rig.engine.status()["state"] == "playing"
    rows = rig.rows()
    assert [(r["title"], r["end_reason"]) for r in rows] == [
        ("Drive Time", "interrupted"), ("Drive Time", "end")]
    resumed = rows[1]
    assert resumed["item_key"] == f"{item_key(items[0])}@{20 * 60_000}"
    assert resumed["started_at_ms"] == ms(at(20)) and resumed["played_ms"] == 10 * 60_000
    assert rig.open_rows()[0]["title"] == "Song 1" and rig.open_rows()[0]["started_at_ms"] == ms(at(30))
    assert [e.kind for e in rig.engine.errors if e.kind == "output"] == ["output", "output"]


def test_a_lost_output_in_a_rotation_moves_on_to_the_item_due_when_it_is_back(tmp_path):
    items = sequence(T0, [180] * 10)
    rig = Rig(tmp_path / "r.db", items)
    rig.run_until(at(4))                                   # song 2, 60 s in
    rig.player.lose_output("PulseAudio sink 'radio' is gone")
    rig.run_until(at(10))                                  # back 60 s into song 4
    rig.player.restore_output()
    rig.run_until(at(13))
    rows = rig.rows()
    assert [(r["title"], r["end_reason"]) for r in rows] == [
        ("Song 1", "end"), ("Song 2", "interrupted"), ("Song 4", "end")]
    assert rows[2]["started_at_ms"] == ms(at(10))
    assert rig.open_rows()[0]["title"] == "Song 5"
