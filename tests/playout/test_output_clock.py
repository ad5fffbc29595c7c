"""The output clock: rate from (time, frames) observations, phase-continuous frame ↔ time map."""

import random

import pytest

from radiod.playout.output_clock import OutputClock

RATE = 44100


def feed(clock: OutputClock, ppm: float, seconds: float, *, start_ms: float = 0.0, jitter_ms: float = 0.0,
         late_every: int = 0, seed: int = 1) -> None:
    """Reads of 882 frames from an output running ``ppm`` fast; wake-ups are only ever late."""
    rng = random.Random(seed)
    frames = 0
    for n in range(int(seconds * 50)):
        frames += 882
        true_ms = start_ms + frames * 1000 / (RATE * (1 + ppm / 1e6))
        late = rng.uniform(0, jitter_ms) + (15.0 if late_every and n % late_every == 0 else 0.0)
        clock.observe(true_ms + late, frames)
        if n % 50 == 49:
            clock.update()


@pytest.mark.parametrize("ppm", [199.0, -40.0, 0.0])
def test_the_rate_is_measured_within_a_ppm_despite_jitter_and_late_wake_ups(ppm):
    clock = OutputClock(RATE)
    feed(clock, ppm, 60, jitter_ms=1.0, late_every=37)
    assert clock.estimate.ppm == pytest.approx(ppm, abs=1.0)
    assert clock.estimate.spread_ms < 1.0          # the late wake-ups were dropped


def test_frames_follow_the_measured_rate_from_the_anchor():
    clock = OutputClock(RATE)
    clock.anchor(1000.0, 0)
    feed(clock, 199.0, 30, start_ms=1000.0, jitter_ms=0.5)
    # a frame a minute on is heard 199 ppm early: 11.9 ms before the nominal instant
    frame = RATE * 60
    assert clock.heard_ms(frame) == pytest.approx(1000 + 60_000 / (1 + 199e-6), abs=0.2)
    assert clock.frame_at(clock.heard_ms(frame)) == frame


def test_over_a_long_run_the_output_stays_placed_and_the_pacing_map_keeps_its_phase():
    clock = OutputClock(RATE, window_ms=30_000)
    clock.anchor(0.0, 0)
    feed(clock, 199.0, 600, jitter_ms=1.0, late_every=37)       # ten minutes, the window is 30 s
    frame = RATE * 600
    truth = 600_000 / (1 + 199e-6)
    assert clock.output_ms(frame) == pytest.approx(truth, abs=0.2)     # fitted afresh: no drift
    assert clock.heard_ms(frame) == pytest.approx(truth, abs=3.0)      # pivoted: a slow random walk


def test_until_enough_is_seen_the_rate_is_nominal():
    clock = OutputClock(RATE)
    clock.anchor(0.0, 0)
    feed(clock, 199.0, 1)
    assert clock.estimate.ppm == 0.0
    assert clock.heard_ms(RATE) == pytest.approx(1000.0)


def test_an_absurd_rate_is_not_believed():
    clock = OutputClock(RATE)
    feed(clock, 5000.0, 20)
    assert clock.estimate.ppm == 0.0


def test_the_output_is_placed_on_the_lower_edge_of_the_reads():
    clock = OutputClock(RATE)
    feed(clock, 199.0, 0.5, start_ms=500.0, jitter_ms=2.0)        # half a second: rate not known yet
    clock.update()
    assert clock.output_ms(882 * 25) == pytest.approx(500 + 882 * 25 * 1000 / RATE, abs=0.3)
    feed(clock, 199.0, 30, start_ms=500.0, jitter_ms=2.0, late_every=11)
    frame = 882 * 1500
    assert clock.output_ms(frame) == pytest.approx(500 + frame * 1000 / (RATE * (1 + 199e-6)), abs=0.3)
    assert clock.output_frame_at(clock.output_ms(frame)) == frame


def test_ctl_status_shows_timing_health():
    from radiod.cli.playout import format_status
    from radiod.playout.messages import EngineState, Status, Timing

    health = Timing("PulseAudio monitor radio.monitor", 198.94, 0, (0.31, -1.26))
    status = Status.from_public(Status(EngineState.PLAYING, timing=health).to_public())
    assert "timing: output +198.9 ppm (PulseAudio monitor radio.monitor); libVLC corrections 0; " \
           "last hard starts +0.3, -1.3 ms" in format_status(status)
    assert "timing" not in format_status(Status(EngineState.PLAYING))     # a player without a clock
