"""FakePlayer: the shared Player contract on a fake clock, plus its failure injection."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from radiod.clock import FakeClock
from radiod.playout.fake_player import FakePlayer
from radiod.playout.port import Cue

from .contract import Harness, PlayerContract


class FakeHarness(Harness):
    """Time passes only when the harness moves the fake clock to the player's next event."""

    def __init__(self, tmp_path: Path):
        clock = FakeClock(datetime(2026, 11, 21, 12, tzinfo=timezone.utc))
        super().__init__(FakePlayer(clock, check_files=True), clock)
        self.dir = tmp_path
        self.count = 0

    def advance(self, until_mono_ms: int) -> None:
        due = self.player.next_due_ms()
        target = until_mono_ms if due is None else min(due, until_mono_ms)
        self.clock.advance(max(0, target - self.clock.monotonic_ms()))
        self.player.run_due()

    def media(self, length_ms: int) -> str:
        self.count += 1
        path = self.dir / f"tone{self.count}.wav"
        path.write_bytes(b"RIFF fake audio")      # the fake only needs a non-empty file
        return str(path)

    def missing(self) -> str:
        return str(self.dir / "no-such-file.mp3")

    def corrupt(self) -> str:
        path = self.dir / "empty.mp3"
        path.write_bytes(b"")
        return str(path)


class TestFakePlayerContract(PlayerContract):
    @pytest.fixture
    def harness(self, tmp_path):
        return FakeHarness(tmp_path)


def test_injected_stall_freezes_position_and_never_ends(tmp_path):
    h = FakeHarness(tmp_path)
    path = h.media(10_000)
    h.player.inject(path, "stall", after_ms=2000)
    cue = Cue(handle="s", path=path, cue_out_ms=10_000)
    h.player.prepare(cue)
    h.player.start(cue.handle)
    h.wait_for("started", "s")
    h.sleep(5000)
    assert h.player.position_ms("s") == 2000
    h.sleep(20_000)
    assert h.kinds("s") == ["ready", "started"]


def test_injected_slow_start_delays_started(tmp_path):
    h = FakeHarness(tmp_path)
    path = h.media(1000)
    h.player.inject(path, "slow_start", delay_ms=1500)
    h.player.prepare(Cue(handle="x", path=path, cue_out_ms=1000))
    h.wait_for("ready", "x")
    at = h.clock.monotonic_ms() + 100
    h.player.start("x", at_ms=at)
    assert h.wait_for("started", "x").at_ms == at + 1500


def test_injected_failure_midway_reports_what_played(tmp_path):
    h = FakeHarness(tmp_path)
    path = h.media(5000)
    h.player.inject(path, "fail_midway", after_ms=1200)
    h.player.prepare(Cue(handle="m", path=path, cue_out_ms=5000))
    h.player.start("m")
    failed = h.wait_for("failed", "m")
    assert failed.played_ms == 1200


def test_cue_points_bound_the_position(tmp_path):
    h = FakeHarness(tmp_path)
    path = h.media(0)
    h.player.prepare(Cue(handle="c", path=path, cue_in_ms=500, cue_out_ms=1500))
    h.player.start("c")
    started = h.wait_for("started", "c")
    assert started.position_ms == 500
    ended = h.wait_for("ended", "c")
    assert ended.played_ms == 1000 and ended.at_ms == started.at_ms + 1000
