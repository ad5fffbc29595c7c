"""The engine's part in live DJs (radiod.live tells it LiveOn/LiveOff): automation fades out under
the DJ, nothing new starts while they are live, and it comes back by the clock when they go."""

from __future__ import annotations

from datetime import timedelta

from radiod.config import PlayoutConfig
from radiod.playout.engine import LiveOff, LiveOn, LiveSong
from radiod.playout.fake_player import FakePlayer
from radiod.playout.messages import EngineState

from .helpers import Rig, T0, at, ms, sequence


class LiveFakePlayer(FakePlayer):
    """A FakePlayer that mixes a live voice (as VlcPlayer does) and says when it was told to."""

    command_lead_ms = 600

    def __init__(self, clock, **kw):
        super().__init__(clock, **kw)
        self.live_calls: list[tuple[str, int, int]] = []      # (on|off, fade ms, monotonic ms)

    def live_on(self, fade_ms: int) -> None:
        self.live_calls.append(("on", fade_ms, self.clock.monotonic_ms()))

    def live_off(self, fade_ms: int) -> None:
        self.live_calls.append(("off", fade_ms, self.clock.monotonic_ms()))


def live_rig(tmp_path, player_cls=LiveFakePlayer) -> Rig:
    rig = Rig(tmp_path / "r.db", sequence(T0, [60] * 30), start=T0 - timedelta(seconds=5),
              config=PlayoutConfig(fade_out_ms=400))
    rig.player = player_cls(rig.clock, prepare_ms=0)
    rig.engine.player = rig.player
    rig.player.set_listener(rig.engine.post)
    return rig


def test_a_live_dj_fades_automation_out_and_nothing_starts_until_they_go(tmp_path):
    rig = live_rig(tmp_path)
    rig.run_until(at(1.5))                              # song 2 is on
    rig.engine.post(LiveOn("kim", "Night Moves"))
    rig.run_until(at(1.5) + timedelta(milliseconds=1))
    assert rig.player.live_calls == [("on", 400, rig.clock.monotonic_ms() - 1)]
    assert rig.engine.state == EngineState.PAUSED and rig.engine.live == LiveOn("kim", "Night Moves")
    rig.run_until(at(5))
    rows = rig.rows()
    assert [r["title"] for r in rows] == ["Song 1", "Song 2"]
    # The cut is heard command_lead_ms after it is given, then fades for fade_out_ms: the DJ's fade crosses it.
    assert rows[1]["end_reason"] == "cut"
    assert rows[1]["ended_at_ms"] == ms(at(1.5)) + 600 + 400
    # The DJ goes: automation is back at once, joining the plan by the clock (song 6 is due at 5:00).
    rig.engine.post(LiveOff("kim: disconnected"))
    rig.run_until(at(7.5))
    assert rig.player.live_calls[-1][:2] == ("off", 400)
    assert rig.engine.state == EngineState.PLAYING and rig.engine.live is None
    titles = [r["title"] for r in rig.rows()]
    assert titles[2:4] == ["Song 6", "Song 7"]
    assert rig.rows()[2]["started_at_ms"] == ms(at(5))


def test_resume_by_command_takes_the_air_back_from_the_dj(tmp_path):
    rig = live_rig(tmp_path)
    rig.run_until(at(0.5))
    rig.engine.post(LiveOn("kim"))
    rig.run_until(at(2))
    assert rig.command("resume")["state"] == "playing"
    assert [c[0] for c in rig.player.live_calls] == ["on", "off"] and rig.engine.live is None
    rig.run_until(at(4))
    assert [r["title"] for r in rig.rows()][-2:] == ["Song 3", "Song 4"]


def test_a_player_that_cannot_mix_a_dj_keeps_automation_on_air(tmp_path):
    rig = live_rig(tmp_path, player_cls=FakePlayer)
    rig.run_until(at(0.5))
    rig.engine.post(LiveOn("kim"))
    rig.run_until(at(3))
    assert rig.engine.live is None and rig.engine.state == EngineState.PLAYING
    assert [r["title"] for r in rig.rows()] == ["Song 1", "Song 2", "Song 3"]
    assert any(e.kind == "live" and "cannot put a live DJ on air" in e.detail for e in rig.engine.errors)


def test_the_status_and_now_playing_show_the_dj_and_the_song_they_announce(tmp_path):
    rig = live_rig(tmp_path)
    rig.run_until(at(0.5))
    rig.engine.post(LiveOn("kim", "Night Moves"))
    rig.run_until(at(1))
    now = rig.engine.status()["now"]
    assert (now["title"], now["artist"], now["show"], now["source"], now["usage"]) == \
        ("Night Moves (live)", "kim", "Night Moves", "live", "talk")
    assert now["started_at"] is not None and rig.published[-1]["now"]["title"] == "Night Moves (live)"
    rig.engine.post(LiveSong("Great Song", "Local Band"))
    rig.run_until(at(1.5))
    now = rig.engine.status()["now"]
    assert (now["title"], now["artist"], now["usage"]) == ("Great Song", "Local Band", "feature")
    rig.engine.post(LiveOff("gone"))
    rig.run_until(at(2.5))
    assert rig.engine.status()["now"]["source"] == "rotation"


def test_the_snapshot_says_live_with_the_dj_and_show_and_back_to_playing_after(tmp_path):
    rig = live_rig(tmp_path)
    rig.run_until(at(0.5))
    rig.engine.post(LiveOn("kim", "Night Moves"))
    rig.run_until(at(1))
    status = rig.engine.snapshot()
    assert rig.engine.state == EngineState.PAUSED          # automation waits under the DJ…
    assert status.state == EngineState.LIVE                 # …and the snapshot says who is on air
    assert (status.live.dj, status.live.show) == ("kim", "Night Moves") and status.live.since
    public = rig.engine.status()
    assert public["state"] == "live" and public["live"]["dj"] == "kim"
    assert rig.published[-1]["state"] == "live"
    assert ("live", f"kim (Night Moves) since {status.live.since}") in status.lines()
    rig.engine.post(LiveOff("gone"))
    rig.run_until(at(2))
    assert rig.engine.snapshot().state == EngineState.PLAYING and rig.engine.snapshot().live is None
    assert "live" not in rig.engine.status()


def test_a_pause_by_command_is_not_live(tmp_path):
    rig = live_rig(tmp_path)
    rig.run_until(at(0.5))
    rig.command("pause")
    assert rig.engine.status()["state"] == "paused" and "live" not in rig.engine.status()


def test_a_player_that_switches_to_the_dj_itself_pauses_automation_and_reports_live(tmp_path):
    """The Liquidsoap engine's harbor switches the air itself (LiveOn(mixed=False)): no mixing
    asked of the player, no cut, and the status names the DJ."""
    rig = live_rig(tmp_path, player_cls=FakePlayer)
    rig.run_until(at(0.5))
    rig.engine.post(LiveOn("kim", "Night Moves", mixed=False))
    rig.run_until(at(1))
    assert rig.engine.status()["state"] == "live" and rig.engine.status()["live"]["show"] == "Night Moves"
    assert not any(e.kind == "live" for e in rig.engine.errors)
    rig.engine.post(LiveOff("kim: gone"))
    rig.run_until(at(3))
    assert rig.engine.status()["state"] == "playing"
