"""The Player contract: tests every Player implementation must pass.

Use it by subclassing ``PlayerContract`` in a test module and providing a ``harness`` fixture that
returns a ``Harness`` for the implementation under test::

    class TestVlcPlayerContract(PlayerContract):
        @pytest.fixture
        def harness(self, tmp_path):
            h = MyVlcHarness(...)
            yield h
            h.player.close()

A Harness owns the player and its clock, records the events the player reports, knows how to let
time pass (``advance``: real waiting for a real player, moving a FakeClock for a fake one) and
makes media: ``media(length_ms)`` returns a playable file whose true audible length is
``length_ms``; ``missing()`` a path that does not exist; ``corrupt()`` a file that is not audio.
``tolerance_ms`` is how far a real adapter's reported instants may stray (0 for the fake).
"""

from __future__ import annotations

import itertools
import subprocess
import threading
from pathlib import Path

import pytest

from radiod.playout.port import Cue, PlayerEvent


def make_tone(path: Path, length_ms: int, freq_hz: int = 440) -> Path:
    """A sine tone of exactly ``length_ms`` (format from the suffix), made with ffmpeg."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={freq_hz}:sample_rate=44100:duration={length_ms / 1000}",
         "-ac", "2", str(path)],
        check=True)
    return path


class Harness:
    """Base harness: event recording; subclasses implement ``advance`` and media."""

    tolerance_ms = 0

    def __init__(self, player, clock):
        self.player = player
        self.clock = clock
        self.events: list[PlayerEvent] = []
        self._cond = threading.Condition()
        self._handles = itertools.count(1)
        player.set_listener(self._on_event)

    def _on_event(self, event: PlayerEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def handle(self) -> str:
        return f"contract-{next(self._handles)}"

    def advance(self, until_mono_ms: int) -> None:
        """Let time pass up to ``until_mono_ms`` or until an event arrives, whichever is first."""
        raise NotImplementedError

    def media(self, length_ms: int) -> str:
        raise NotImplementedError

    def missing(self) -> str:
        raise NotImplementedError

    def corrupt(self) -> str:
        raise NotImplementedError

    def wait_for(self, kind: str, handle: str, timeout_ms: int = 10_000) -> PlayerEvent:
        """The first event of ``kind`` for ``handle``; fails the test when none comes in time."""
        deadline = self.clock.monotonic_ms() + timeout_ms
        while True:
            with self._cond:
                for e in self.events:
                    if e.kind == kind and e.handle == handle:
                        return e
            if self.clock.monotonic_ms() >= deadline:
                kinds = [(e.kind, e.handle) for e in self.events]
                pytest.fail(f"no {kind!r} event for {handle} within {timeout_ms} ms; got {kinds}")
            self.advance(deadline)

    def sleep(self, ms: int) -> None:
        """Let ``ms`` of the harness clock pass."""
        until = self.clock.monotonic_ms() + ms
        while self.clock.monotonic_ms() < until:
            self.advance(until)

    def kinds(self, handle: str) -> list[str]:
        with self._cond:
            return [e.kind for e in self.events if e.handle == handle]


class PlayerContract:
    """Behaviour every Player keeps (see radiod/playout/port.py)."""

    def cue(self, h: Harness, path: str, length_ms: int, **kw) -> Cue:
        return Cue(handle=h.handle(), path=path, cue_in_ms=0, cue_out_ms=length_ms, **kw)

    def test_check_output_describes_the_output(self, harness: Harness):
        assert isinstance(harness.player.check_output(), str)

    def test_prepare_answers_ready(self, harness: Harness):
        cue = self.cue(harness, harness.media(1000), 1000)
        harness.player.prepare(cue)
        harness.wait_for("ready", cue.handle)
        assert harness.player.position_ms(cue.handle) is None   # prepared is not playing
        assert "started" not in harness.kinds(cue.handle)

    def test_missing_file_fails_without_exception(self, harness: Harness):
        cue = self.cue(harness, harness.missing(), 1000)
        harness.player.prepare(cue)
        harness.player.start(cue.handle)
        event = harness.wait_for("failed", cue.handle, timeout_ms=3000)
        assert event.detail
        assert "started" not in harness.kinds(cue.handle)

    def test_corrupt_file_fails_without_exception(self, harness: Harness):
        cue = self.cue(harness, harness.corrupt(), 1000)
        harness.player.prepare(cue)
        harness.player.start(cue.handle)
        event = harness.wait_for("failed", cue.handle, timeout_ms=3000)
        assert event.detail

    def test_start_at_an_instant_then_ends(self, harness: Harness):
        cue = self.cue(harness, harness.media(1000), 1000)
        harness.player.prepare(cue)
        harness.wait_for("ready", cue.handle)
        at = harness.clock.monotonic_ms() + 1000      # timed starts come well ahead (engine: preroll_ms)
        harness.player.start(cue.handle, at_ms=at)
        started = harness.wait_for("started", cue.handle)
        assert abs(started.at_ms - at) <= harness.tolerance_ms
        ended = harness.wait_for("ended", cue.handle)
        assert ended.reason == "end"
        assert abs(ended.played_ms - 1000) <= harness.tolerance_ms
        assert ended.at_ms >= started.at_ms
        assert harness.player.position_ms(cue.handle) is None

    def test_start_right_after_prepare_without_waiting(self, harness: Harness):
        cue = self.cue(harness, harness.media(800), 800)
        harness.player.prepare(cue)
        harness.player.start(cue.handle)
        harness.wait_for("started", cue.handle)
        assert harness.wait_for("ended", cue.handle).reason == "end"

    def test_start_at_an_offset(self, harness: Harness):
        cue = self.cue(harness, harness.media(2000), 2000)
        harness.player.prepare(cue)
        harness.wait_for("ready", cue.handle)
        harness.player.start(cue.handle, offset_ms=1200)
        started = harness.wait_for("started", cue.handle)
        assert abs(started.position_ms - 1200) <= harness.tolerance_ms
        ended = harness.wait_for("ended", cue.handle)
        assert abs(ended.played_ms - 800) <= harness.tolerance_ms

    def test_position_advances_while_playing(self, harness: Harness):
        cue = self.cue(harness, harness.media(3000), 3000)
        harness.player.prepare(cue)
        harness.player.start(cue.handle)
        harness.wait_for("started", cue.handle)
        harness.sleep(300)
        first = harness.player.position_ms(cue.handle)
        harness.sleep(700)
        second = harness.player.position_ms(cue.handle)
        assert first is not None and second is not None
        assert second > first
        harness.player.stop(cue.handle)
        harness.wait_for("ended", cue.handle)

    def test_stop_with_fade_ends_stopped(self, harness: Harness):
        cue = self.cue(harness, harness.media(3000), 3000)
        harness.player.prepare(cue)
        harness.player.start(cue.handle)
        harness.wait_for("started", cue.handle)
        harness.sleep(500)
        harness.player.stop(cue.handle, fade_ms=300)
        ended = harness.wait_for("ended", cue.handle)
        assert ended.reason == "stopped"
        assert 500 - harness.tolerance_ms <= ended.played_ms < 3000 - harness.tolerance_ms

    def test_stop_before_start_never_starts(self, harness: Harness):
        cue = self.cue(harness, harness.media(1000), 1000)
        harness.player.prepare(cue)
        harness.wait_for("ready", cue.handle)
        harness.player.start(cue.handle, at_ms=harness.clock.monotonic_ms() + 1500)
        harness.player.stop(cue.handle)
        assert harness.wait_for("ended", cue.handle).reason == "stopped"
        harness.sleep(900)
        assert "started" not in harness.kinds(cue.handle)

    def test_consecutive_items_chain_on_the_clock(self, harness: Harness):
        a = self.cue(harness, harness.media(1000), 1000)
        b = self.cue(harness, harness.media(1000), 1000)
        harness.player.prepare(a)
        harness.player.prepare(b)
        harness.wait_for("ready", a.handle)
        harness.wait_for("ready", b.handle)
        t0 = harness.clock.monotonic_ms() + 1000
        harness.player.start(a.handle, at_ms=t0)
        started_a = harness.wait_for("started", a.handle)
        harness.player.start(b.handle, at_ms=started_a.at_ms + 1000)
        started_b = harness.wait_for("started", b.handle)
        assert abs(started_b.at_ms - (started_a.at_ms + 1000)) <= harness.tolerance_ms
        assert harness.wait_for("ended", a.handle).reason == "end"
        assert harness.wait_for("ended", b.handle).reason == "end"

    def test_close_stops_everything(self, harness: Harness):
        cue = self.cue(harness, harness.media(3000), 3000)
        harness.player.prepare(cue)
        harness.player.start(cue.handle)
        harness.wait_for("started", cue.handle)
        harness.player.close()
        assert harness.player.position_ms(cue.handle) is None
