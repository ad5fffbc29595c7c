"""Hard starts follow the output's own clock: real libVLC into a null sink that drifts and one that does not.

Times are read from the captured audio against the wall clock (``audio_capture``: anchors on every
read, fitted; its own uncertainty is ``anchor_spread_ms``), never from the player's events. A
null sink whose monitor is read at 5 ms runs ~199 ppm fast: a player that assumes the system
clock lands a start placed 50 s ahead ~10 ms early, and libVLC left to itself would stretch the
programme to catch up.
"""

from __future__ import annotations

import subprocess
import threading
import time
import wave

import numpy as np
import pytest

from radiod.clock import SystemClock
from radiod.playout.port import Cue
from radiod.playout.vlc_player import VlcPlayer
from tests.audio_capture import DRIFTING_MS, LEFT, RIGHT, STEADY_MS, Capture, private_pulse, write_tone

GAP_MS = 50_000          # the second hard start is placed this long after the first
TOLERANCE_MS = 3.0       # |heard − asked|; the rig's own uncertainty is checked to be well below


class Events:
    def __init__(self, player: VlcPlayer):
        self.seen: dict[tuple[str, str], object] = {}
        self.cond = threading.Condition()
        player.set_listener(self.add)

    def add(self, event) -> None:
        with self.cond:
            self.seen[(event.kind, event.handle)] = event
            self.cond.notify_all()

    def wait(self, kind: str, handle: str, timeout_s: float = 80):
        with self.cond:
            assert self.cond.wait_for(lambda: (kind, handle) in self.seen, timeout=timeout_s), f"no {kind} {handle}"
            return self.seen[(kind, handle)]


def two_hard_starts(tmp_path, latency_ms: int):
    """Two tones started at instants GAP_MS apart; returns (capture, asked instants, tone frames, player timing)."""
    a = write_tone(tmp_path / "a.wav", 500, 2000, LEFT)
    b = write_tone(tmp_path / "b.wav", 700, 2000, RIGHT)
    clock = SystemClock()
    with private_pulse(tmp_path) as pulse, Capture(pulse, latency_ms=latency_ms) as cap:
        player = VlcPlayer(clock, output="auto", cache_dir=tmp_path / "cache", state_dir=tmp_path)
        events = Events(player)
        try:
            player.prepare(Cue("a", str(a)))
            player.prepare(Cue("b", str(b)))
            events.wait("ready", "a")
            events.wait("ready", "b")
            first = clock.monotonic_ms() + 2000
            player.start("a", at_ms=first)
            player.start("b", at_ms=first + GAP_MS)
            events.wait("ended", "b")
            timing = player.timing()
            threading.Event().wait(0.8)               # ends are announced when mixed: let it sound
        finally:
            player.close()
    return cap, (first, first + GAP_MS), 2000 * 44100 // 1000, timing


@pytest.mark.parametrize("latency_ms, drifting", [(DRIFTING_MS, True), (STEADY_MS, False)],
                         ids=["drifting-sink", "steady-sink"])
def test_hard_starts_land_on_their_instant_by_the_outputs_clock_without_stretching(tmp_path, latency_ms, drifting):
    cap, asked, frames, timing = two_hard_starts(tmp_path, latency_ms)
    rate = cap.rate_ppm()
    if drifting:
        assert rate > 150, f"the rig's sink should run ~199 ppm fast, ran {rate:.1f} ppm"
    else:
        assert abs(rate) < 60, f"the rig's steady sink ran {rate:.1f} ppm"
    assert cap.anchor_spread_ms < 0.5, "the rig cannot time audio well enough for this test"
    left, right = cap.sounds(LEFT), cap.sounds(RIGHT)
    assert len(left) == len(right) == 1, "each tone heard once, whole: " + ", ".join(
        f"ch{s.channel} {s.start_ms - asked[0]:+.1f} ms {s.length_ms:.1f} ms" for s in left + right)
    [tone_a], [tone_b] = left, right
    errors = [tone_a.start_ms - asked[0], tone_b.start_ms - asked[1]]
    assert all(abs(e) <= TOLERANCE_MS for e in errors), \
        f"hard-start errors {errors[0]:+.2f} / {errors[1]:+.2f} ms (sink {rate:+.1f} ppm)"
    # played 1:1 (a time-stretch would change the count by ~0.6 %); ±2 frames for the edge threshold
    assert abs((tone_b.end - tone_b.start) - frames) <= 2
    assert abs((tone_a.end - tone_a.start) - frames) <= 2
    # the player knows: its measured rate and its own (clock-measured) errors agree with the audio
    assert timing.rate_ppm == pytest.approx(rate, abs=10)
    assert timing.resyncs == 0
    assert len(timing.hard_start_errors_ms) == 2


def quiet_ends(path) -> tuple[int, int]:
    """Samples at the start and end of a WAV tone under the edge threshold (not a gap the player made)."""
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    loud = np.flatnonzero(np.abs(x).max(axis=1) > 0.01 * 32767)
    return int(loud[0]), int(len(x) - 1 - loud[-1])


def test_a_start_right_after_another_joins_to_the_sample(tmp_path):
    """The engine chains in whole ms (previous start + length); the join must still be exact."""
    lengths = [1001, 1203, 997, 1109]            # ms that are no whole number of samples' worth
    tones = [write_tone(tmp_path / f"j{i}.wav", 400 + 100 * i, ms, LEFT if i % 2 == 0 else RIGHT)
             for i, ms in enumerate(lengths)]
    frames = [ms * 44100 // 1000 for ms in lengths]
    clock = SystemClock()
    with private_pulse(tmp_path) as pulse, Capture(pulse, latency_ms=STEADY_MS) as cap:
        player = VlcPlayer(clock, output="auto", cache_dir=tmp_path / "cache", state_dir=tmp_path)
        events = Events(player)
        try:
            for i, tone in enumerate(tones):
                player.prepare(Cue(f"j{i}", str(tone)))
            for i in range(len(tones)):
                events.wait("ready", f"j{i}")
            at = clock.monotonic_ms() + 1500
            for i in range(len(tones)):
                player.start(f"j{i}", at_ms=at)
                started = events.wait("started", f"j{i}")
                at = started.at_ms + round(frames[i] * 1000 / 44100)      # what the engine does
            events.wait("ended", f"j{len(tones) - 1}")
            threading.Event().wait(0.8)
        finally:
            player.close()
    sounds = sorted(cap.sounds(LEFT) + cap.sounds(RIGHT), key=lambda s: s.start)
    assert len(sounds) == len(tones)
    quiet = [quiet_ends(t) for t in tones]
    joins = [b.start - a.end - quiet[i][1] - quiet[i + 1][0] for i, (a, b) in enumerate(zip(sounds, sounds[1:]))]
    assert joins == [0] * (len(tones) - 1), f"silence (+) / overlap (−) at the joins, in samples: {joins}"


def test_a_stream_whose_start_the_monitor_never_finds_is_opened_again_on_the_system_clock(tmp_path, monkeypatch):
    """No marker from the monitor (another client on the sink, a busy machine): the stream is not
    left following a guess; it is opened again with the fixed mapping and starts stay close."""
    from radiod.playout import vlc_stream

    monkeypatch.setattr(vlc_stream, "MARK_TIMEOUT_MS", 0)       # the marker can never be seen in time
    cap, asked, frames, timing = two_hard_starts(tmp_path, STEADY_MS)
    assert timing.source.startswith("system clock (the stream's start was not found")
    left, right = cap.sounds(LEFT), cap.sounds(RIGHT)
    assert len(left) == len(right) == 1
    # The first start, asked for 2 s after the player opened, waits for the second opening (its
    # 3 s preamble); the one placed 50 s ahead is on the system clock's mapping, as before the
    # output clock: a constant offset of ~10 ms at most.
    error = right[0].start_ms - asked[1]
    assert abs(error) <= 15, f"hard-start error {error:+.2f} ms"


def test_a_start_marker_hidden_by_another_client_is_looked_for_again_before_the_system_clock(tmp_path):
    """Another program plays quiet noise into the sink for the first opening's whole preamble: its
    marker is hidden, so the stream is opened again, and the second opening (the noise over) is
    timed by the output's clock, not the system clock."""
    noise = tmp_path / "noise.wav"
    with wave.open(str(noise), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(np.random.default_rng(1).integers(-200, 200, 2 * 44100 * 5, dtype="<i2").tobytes())
    with private_pulse(tmp_path):
        other = subprocess.Popen(["paplay", str(noise)])
        began = time.monotonic()
        player = VlcPlayer(SystemClock(), output="auto", cache_dir=tmp_path / "cache", state_dir=tmp_path)
        try:
            player.check_output()
            opened_s, source = time.monotonic() - began, player.timing().source
        finally:
            player.close()
            other.wait(10)
    assert other.returncode == 0, "the other client did not play"
    assert opened_s > 6, f"opened in {opened_s:.1f} s: the noise did not hide the first opening's marker"
    assert source.startswith("PulseAudio monitor"), source
