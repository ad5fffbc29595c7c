"""Crash recovery: kill -9 the real daemon mid-track 20 times; after each restart it comes back on air
at the right item and offset, and the play log ends with one row per aired item, none open."""

from __future__ import annotations

import random
import statistics
import time

import pytest

from radiod.playout.engine import base_key
from radiod.playout.timing import join_point

from audio_capture import private_pulse
from .daemon_station import Daemon, make_station, now_playing, rows, timeline, wait_for

KILLS = 20


def expected_choices(tl, done, resumable, t1, t2):
    """What join_point picks at the two ends of the window in which the daemon decided."""
    return [join_point(tl, t, done, resumable) for t in (t1, t2)]


@pytest.mark.slow
def test_kill_nine_mid_track_twenty_times(tmp_path):
    station, items = make_station(tmp_path, minutes=20)
    tl = timeline(items)
    rng = random.Random(4)
    back_on_air_ms = []
    with private_pulse(tmp_path):
        for n in range(KILLS + 1):
            before = rows(station)
            open_before = {r["id"] for r in before if r["seq"] is None}
            done = {base_key(r["item_key"]) for r in before}
            latest = {base_key(r["item_key"]): r["end_reason"] for r in before}
            resumable = {k for k, why in latest.items() if why in ("interrupted", "shutdown")} | {
                base_key(r["item_key"]) for r in before if r["seq"] is None}
            daemon = Daemon(station, tmp_path / "daemon.log")
            try:
                new = wait_for(lambda: [r for r in rows(station) if r["id"] not in {b["id"] for b in before}],
                               what=f"restart {n}: a new play row")[0]
            except AssertionError:
                daemon.kill9()
                raise AssertionError(daemon.log()[-3000:]) from None
            back_on_air_ms.append(new["started_at_ms"] - daemon.spawned_ms)
            after = {r["id"]: r for r in rows(station)}

            # Rows left open by the previous kill are closed as interrupted, none reopened.
            for play_id in open_before:
                assert after[play_id]["end_reason"] == "interrupted"
            # The right item: what the plan and the log say belongs on air when the daemon decided.
            choices = expected_choices(tl, done, resumable, daemon.spawned_ms, new["started_at_ms"])
            keys = {tl.keys[c.index] for c in choices if c.index is not None}
            assert base_key(new["item_key"]) in keys, (new["item_key"], keys)
            # The right offset: a show is joined where the clock says; a song starts at its start.
            index = tl.index_of(base_key(new["item_key"]))
            offset = new["planned_start_ms"] - tl.starts[index]
            if tl.items[index].kind == "show":
                # Joined where the clock stood when the daemon decided (0 if the show was still ahead).
                assert max(0, daemon.spawned_ms - tl.starts[index]) <= offset
                assert offset <= max(0, new["started_at_ms"] - tl.starts[index])
                if offset:
                    assert new["item_key"].endswith(f"@{offset}") or base_key(new["item_key"]) not in done
            else:
                assert offset == 0
            # now-playing.json names the row on air.
            wait_for(lambda: (now_playing(station) or {}).get("now", {}) and
                     now_playing(station)["now"]["play_id"] in {r["id"] for r in rows(station) if r["seq"] is None},
                     what="now-playing to show the open row")
            if n == KILLS:
                assert daemon.terminate() == 0
                break
            time.sleep(rng.uniform(0.3, 2.5))          # somewhere mid-track
            assert any(r["seq"] is None for r in rows(station)), "killed between items"
            daemon.kill9()

    final = rows(station)
    assert [r for r in final if r["seq"] is None] == []
    assert len({r["item_key"] for r in final}) == len(final)          # no duplicate rows
    songs = [base_key(r["item_key"]) for r in final if "@" not in r["item_key"]]
    assert len(songs) == len(set(songs))                              # no item aired twice from its start
    assert sum(1 for r in final if r["end_reason"] == "interrupted") == KILLS
    for r in final:
        assert r["played_ms"] is not None and r["played_ms"] >= 0
    joins = sum(1 for r in final if "@" in r["item_key"])
    print(f"\nback on air after restart (spawn → first sample), {len(back_on_air_ms)} restarts: "
          f"median {statistics.median(back_on_air_ms):.0f} ms, max {max(back_on_air_ms)} ms, "
          f"min {min(back_on_air_ms)} ms; {joins} shows continued at an offset")
