"""Live DJs on the default engine, end to end with real libVLC, real Liquidsoap and ffmpeg as the DJ.

Heard in the captured sink audio: a DJ outside their slot and a wrong password are refused (the
reason is in radiod's log) and never heard; the DJ in their slot takes over from automation with
a fade and no long silence, and automation comes back when the DJ drops. The DJ's metadata
becomes live play rows whose times are when the audio was heard; the slot's end disconnects the DJ.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest

from radiod.bridge.harbor import LiveSlot

from .rig import DJ_HZ, OTHER_HZ, LiveRig, dj, max_silence_ms, send_song, switches, wait_until, who_is_on

PORT = 21001


@pytest.fixture(scope="module")
def show(tmp_path_factory):
    rig = LiveRig(tmp_path_factory.mktemp("live"), PORT)
    record: dict = {"rig": rig}
    try:
        clock = rig.clock
        # 1. Lee's show is in two hours; Kim with a wrong password: both refused, never heard.
        lee = dj(PORT, "lee", OTHER_HZ, 3)
        record["lee_rc"], record["lee_err"] = lee.wait(30), lee.stderr.read()
        bad = dj(PORT, "kim", OTHER_HZ, 3, password="wrong")
        record["bad_rc"], record["bad_err"] = bad.wait(30), bad.stderr.read()
        record["refused_until_ms"] = clock.monotonic_ms()
        time.sleep(1)
        # 2. Kim, during Night Moves: on air, announces a song, ends after 7 s.
        record["connect_ms"] = clock.monotonic_ms()
        kim = dj(PORT, "kim", DJ_HZ, 7)
        wait_until(lambda: rig.engine.live is not None)
        time.sleep(2)
        record["song_reply"] = send_song(PORT, "kim", "Local Band feat. Guest - Great Song")
        record["kim_rc"] = kim.wait(30)
        record["drop_ms"] = clock.monotonic_ms()
        wait_until(lambda: rig.engine.live is None)
        wait_until(lambda: rig.engine.current is not None and rig.engine.current.started_wall is not None)
        time.sleep(2.5)
        record["end_ms"] = clock.monotonic_ms()
        # 3. Night Moves ends 4 s after Kim reconnects: the harbor drops Kim at the slot's end.
        night = rig.slots["night"]
        rig.slots["night"] = LiveSlot(night.show_id, night.title, night.start, rig.clock.now() + timedelta(seconds=4))
        kim = dj(PORT, "kim", DJ_HZ, 60)
        wait_until(lambda: rig.engine.live is not None)
        live_from = clock.monotonic_ms()
        wait_until(lambda: rig.engine.live is None, timeout_s=30)
        record["second_live_ms"] = clock.monotonic_ms() - live_from
        record["kim_cut_rc"] = kim.wait(30)
        wait_until(lambda: rig.engine.current is not None and rig.engine.current.started_wall is not None)
        time.sleep(2)
        # 4. The harbor's Liquidsoap killed while Kim is live: automation comes back, a new one takes Kim.
        rig.slots["night"] = night
        kim = dj(PORT, "kim", DJ_HZ, 60)
        wait_until(lambda: rig.engine.live is not None)
        time.sleep(1)
        first = rig.desk.supervisor.pid
        os.kill(first, signal.SIGKILL)
        record["killed_ms"] = clock.monotonic_ms()
        wait_until(lambda: rig.engine.live is None)
        record["auto_after_kill_ms"] = clock.monotonic_ms() - record["killed_ms"]
        kim.kill()
        kim.wait(10)
        wait_until(lambda: rig.desk.supervisor.pid not in (None, first) and rig.harbor_listens(), timeout_s=30)
        again = dj(PORT, "kim", DJ_HZ, 3)
        wait_until(lambda: rig.engine.live is not None)
        record["again_rc"] = again.wait(30)
        wait_until(lambda: rig.engine.live is None)
        time.sleep(2)
        record["after_kill_end_ms"] = clock.monotonic_ms()
    finally:
        rig.close()
    record["stretches"] = who_is_on(rig.capture)
    record["rows"] = rig.rows()
    record["logs"] = rig.logs.lines
    return record


def test_a_dj_outside_their_slot_or_with_a_wrong_password_is_refused_with_the_reason(show):
    assert show["lee_rc"] != 0 and "401" in show["lee_err"]
    assert show["bad_rc"] != 0 and "401" in show["bad_err"]
    assert any("lee" in line and "refused: outside their slot; next slot starts" in line for line in show["logs"])
    assert any("kim" in line and "refused: wrong user name or password" in line for line in show["logs"])
    # Lee's tone is never on air (a 10 ms window where a stretch is cut off may read as any pitch).
    others = [s for s in show["stretches"] if s.who == "other"]
    assert all(s.end_ms - s.start_ms <= 20 for s in others), others
    assert "dj" not in [s.who for s in show["stretches"] if s.start_ms < show["connect_ms"]]


def test_the_dj_takes_over_with_a_fade_and_automation_resumes_when_they_drop(show):
    heard = [s.who for s in show["stretches"] if s.who is not None and s.end_ms - s.start_ms >= 200]
    collapsed = [w for i, w in enumerate(heard) if i == 0 or heard[i - 1] != w]
    assert collapsed == ["auto", "dj", "auto", "dj", "auto", "dj", "auto", "dj", "auto"]
    ins, outs = switches(show["stretches"], [show["connect_ms"]], [show["drop_ms"]])
    assert len(ins) == 1 and len(outs) == 1
    # Goals of the issue, with room for a loaded machine (the bench prints the figures).
    assert ins[0].delay_ms < 3000, ins[0]
    assert ins[0].silence_ms < 500, ins[0]
    assert outs[0].delay_ms < 2500, outs[0]
    assert max_silence_ms(show["stretches"], show["connect_ms"], show["end_ms"]) < 1000


def test_the_djs_metadata_becomes_live_rows_at_the_instants_heard(show):
    live = [r for r in show["rows"] if r["source"] == "live"]
    assert [(r["title"], r["artist"], r["usage"], r["show"]) for r in live] == [
        ("Night Moves (live)", "kim", "talk", "Night Moves"),
        ("Great Song", "Local Band feat. Guest", "feature", "Night Moves"),
        ("Night Moves (live)", "kim", "talk", "Night Moves"),
        ("Night Moves (live)", "kim", "talk", "Night Moves"),
        ("Night Moves (live)", "kim", "talk", "Night Moves"),
    ]
    assert live[1]["artist_keys"] == ["local band", "guest"]
    assert all(r["ended_at_ms"] is not None and r["played_ms"] > 0 for r in live)
    kinds = [("live" if r["source"] == "live" else "auto") for r in show["rows"]]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == ["auto", "live", "auto", "live", "auto", "live", "auto", "live", "auto"]
    # The live stretch's rows span what was heard of the DJ (wall and monotonic differ by a constant).
    rig = show["rig"]
    offset = rig.clock.now().timestamp() * 1000 - rig.clock.monotonic_ms()
    dj = [s for s in show["stretches"] if s.who == "dj" and s.end_ms - s.start_ms >= 200]
    assert abs(live[0]["started_at_ms"] - (dj[0].start_ms + offset)) < 150
    first_end = max(s.end_ms for s in dj if s.start_ms < show["drop_ms"] + 1000)
    assert abs(live[1]["ended_at_ms"] - (first_end + offset)) < 300


def test_the_slot_end_disconnects_the_dj_and_automation_comes_back(show):
    assert show["kim_cut_rc"] != 0                    # ffmpeg lost its connection, it did not finish
    assert show["second_live_ms"] < 10_000            # well before its 60 s of audio ran out
    assert any("the slot of kim is over" in line for line in show["logs"])


def test_a_killed_harbor_liquidsoap_brings_automation_back_and_is_restarted(show):
    assert show["auto_after_kill_ms"] < 2000
    assert any("live input: Liquidsoap exited with -9" in line for line in show["logs"])
    assert show["again_rc"] == 0                      # the new Liquidsoap took the DJ, to the end
    assert max_silence_ms(show["stretches"], show["killed_ms"], show["after_kill_end_ms"]) < 1000
