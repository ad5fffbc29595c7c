"""Liquidsoap dies mid-item: the item fails, Liquidsoap is restarted, playout carries on."""

from __future__ import annotations

import os
import signal
import time

import pytest

from radiod.bridge.player import LiquidsoapPlayer
from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.errors import PlayerError
from radiod.daemon import make_player
from radiod.playout.port import Cue
from tests.playout.contract import Harness

from .helpers import station, tone


class RealTime(Harness):
    def advance(self, until_mono_ms: int) -> None:
        time.sleep(max(0, min(until_mono_ms - self.clock.monotonic_ms(), 20)) / 1000)


def test_the_engine_choice_builds_the_liquidsoap_player(tmp_path):
    (tmp_path / "radiod.toml").write_text('[playout]\nengine = "liquidsoap"\noutput = "none"\n')
    player = make_player(load_config(tmp_path, env={}), SystemClock())
    try:
        assert isinstance(player, LiquidsoapPlayer)
        assert player.pid is None          # nothing runs until it is used
    finally:
        player.close()


def test_a_killed_liquidsoap_is_restarted_and_the_next_item_plays(tmp_path):
    config = station(tmp_path, '[playout]\noutput = "file:out.raw"\n[liquidsoap]\nharbor_port = 0\n')
    player = LiquidsoapPlayer(config, SystemClock())
    h = RealTime(player, SystemClock())
    try:
        player.check_output()
        first_pid = player.pid
        player.prepare(Cue("a", tone(tmp_path, "a.wav", 10_000, 440), cue_out_ms=10_000))
        player.start("a")
        h.wait_for("started", "a")
        os.kill(first_pid, signal.SIGKILL)
        failed = h.wait_for("failed", "a")
        assert "Liquidsoap exited with code -9" in failed.detail
        player.prepare(Cue("b", tone(tmp_path, "b.wav", 1000, 660), cue_out_ms=1000))
        player.start("b")
        h.wait_for("started", "b", timeout_ms=60_000)
        assert h.wait_for("ended", "b").reason == "end"
        assert player.pid not in (None, first_pid)
        assert player._supervisor.restarts == 1
    finally:
        player.close()


def test_a_script_liquidsoap_refuses_is_a_player_error_and_leaves_nothing_running(tmp_path, monkeypatch):
    config = station(tmp_path, '[playout]\noutput = "none"\n[liquidsoap]\nharbor_port = 0\n')
    player = LiquidsoapPlayer(config, SystemClock())
    monkeypatch.setattr(player, "script", lambda: "this is not liquidsoap\n")
    monkeypatch.setattr("radiod.bridge.player.STARTUP_TIMEOUT_MS", 8000)
    with pytest.raises(PlayerError, match="Liquidsoap did not start streaming") as err:
        player.check_output()
    assert "Undefined variable this" in str(err.value) and "liquidsoap.log" in str(err.value)
    assert player.pid is None and player._supervisor is None
