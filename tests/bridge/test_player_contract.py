"""LiquidsoapPlayer keeps the shared Player contract, with a real Liquidsoap writing to a file.

Starting Liquidsoap costs seconds of CPU, so one player serves every contract test of this
module (each test gets its own handles and listener, and leaves nothing playing behind).
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from radiod.bridge.player import LiquidsoapPlayer
from radiod.clock import SystemClock
from radiod.playout.port import Cue
from tests.playout.contract import Harness, PlayerContract, make_tone

from .helpers import station

_tests = itertools.count(1)


class LiquidsoapHarness(Harness):
    # Starting from silence, Liquidsoap must resolve the request (probe the file) before the
    # first frame; the cut file is polled every 100 ms and frames last 40 ms.
    tolerance_ms = 250

    def __init__(self, player: LiquidsoapPlayer, directory: Path):
        super().__init__(player, SystemClock())
        self.dir = directory
        self.test = next(_tests)
        self.count = 0

    def handle(self) -> str:
        return f"t{self.test}-{next(self._handles)}"

    def advance(self, until_mono_ms: int) -> None:
        time.sleep(max(0, min(until_mono_ms - self.clock.monotonic_ms(), 20)) / 1000)

    def media(self, length_ms: int) -> str:
        self.count += 1
        return str(make_tone(self.dir / f"t{self.test}-{self.count}.wav", length_ms, 300 + 100 * self.count))

    def missing(self) -> str:
        return str(self.dir / "no-such-file.mp3")

    def corrupt(self) -> str:
        path = self.dir / "noise.mp3"
        path.write_bytes(bytes(range(256)) * 40)
        return str(path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    directory = tmp_path_factory.mktemp("contract")
    config = station(directory, '[playout]\noutput = "file:out.raw"\n[liquidsoap]\nharbor_port = 0\n')
    holder = {"player": None, "dir": directory, "config": config}
    yield holder
    if holder["player"] is not None:
        holder["player"].close()


class TestLiquidsoapPlayerContract(PlayerContract):
    @pytest.fixture
    def harness(self, shared):
        if shared["player"] is None:
            shared["player"] = LiquidsoapPlayer(shared["config"], clock=SystemClock())
            shared["player"].check_output()
        h = LiquidsoapHarness(shared["player"], shared["dir"])
        yield h
        if h.player._closed:
            shared["player"] = None
            return
        for e in list(h.events):
            h.player.stop(e.handle)
        deadline = time.monotonic() + 5
        while h.player.on_air == "auto" and time.monotonic() < deadline:
            time.sleep(0.02)


def test_a_file_hiding_a_playlist_is_failed_before_liquidsoap_reads_it(tmp_path):
    from tests.library.hostile import write_crafted

    target = make_tone(tmp_path / "other-show.mp3", 1000)
    crafted = write_crafted("hls-file-url", tmp_path / "swapped.mp3", target)
    (tmp_path / "st").mkdir()
    config = station(tmp_path / "st", '[playout]\noutput = "file:out.raw"\n[liquidsoap]\nharbor_port = 0\n')
    player = LiquidsoapPlayer(config, clock=SystemClock())
    events = []
    player.set_listener(events.append)
    try:
        player.prepare(Cue("h1", str(crafted)))
        [event] = events
        assert event.kind == "failed" and "not an audio file" in event.detail and "#EXTM3U" in event.detail
        assert player._supervisor is None                # Liquidsoap was never started for it
    finally:
        player.close()
