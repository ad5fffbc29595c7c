"""The air tap: every consumer gets the blocks libVLC plays, and none can hold up the air."""

from __future__ import annotations

import threading
import time

import numpy as np

from radiod.clock import SystemClock
from radiod.playout.air_tap import QUEUE_BLOCKS, AirBlock, AirTap
from radiod.playout.port import Cue
from radiod.playout.vlc_player import VlcPlayer
from tests.audio_capture import (
    LEFT,
    RIGHT,
    STEADY_MS,
    Capture,
    private_pulse,
    write_tone,
)
from tests.playout.test_vlc_clock import Events

BLOCK = bytes(1024 * 4)


class Collect:
    def __init__(self, name: str = "collect", delay_s: float = 0.0, fail_after: int | None = None):
        self.name = name
        self.blocks: list[AirBlock] = []
        self.delay_s = delay_s
        self.fail_after = fail_after
        self.closed = threading.Event()

    def write(self, block: AirBlock) -> None:
        if self.fail_after is not None and len(self.blocks) >= self.fail_after:
            raise OSError(28, "No space left on device")
        time.sleep(self.delay_s)
        self.blocks.append(block)

    def close(self) -> None:
        self.closed.set()


def test_a_stalled_consumer_loses_blocks_but_never_holds_up_the_feed_or_the_others():
    tap = AirTap(SystemClock())
    stuck, failing, healthy = Collect("stuck", delay_s=5), Collect("failing", fail_after=3), Collect("healthy")
    for consumer in (stuck, failing, healthy):
        tap.attach(consumer)
    blocks = QUEUE_BLOCKS + 200
    slowest = 0.0
    for n in range(blocks):                          # 20 times faster than the air
        began = time.monotonic()
        tap.feed(n * 1024, BLOCK, 1000.0 + n * 23.2)
        slowest = max(slowest, time.monotonic() - began)
        time.sleep(0.001)
    assert slowest < 0.05, f"feeding waited {slowest * 1000:.0f} ms for a consumer"
    deadline = time.monotonic() + 10
    while len(healthy.blocks) < blocks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(healthy.blocks) == blocks, "the healthy consumer missed blocks"
    assert all(b.continues for b in healthy.blocks[1:]) and not healthy.blocks[0].continues
    health = {h.name: h for h in tap.health()}
    assert health["stuck"].lost_frames >= 190 * 1024, "the stuck consumer's losses were not counted"
    assert health["failing"].failed and "No space left" in health["failing"].failed
    assert health["healthy"].lost_frames == 0 and health["healthy"].failed is None
    stuck.delay_s = 0
    tap.close()
    assert healthy.closed.is_set() and failing.closed.is_set()


def test_a_restarted_output_is_a_break_in_the_blocks():
    tap, seen = AirTap(SystemClock()), Collect()
    tap.attach(seen)
    for first in (0, 1024, 2048, 0, 1024):          # the mixer counts from 0 again after a restart
        tap.feed(first, BLOCK, 0.0)
    tap.close()
    assert [b.continues for b in seen.blocks] == [False, True, True, False, True]


def test_the_tapped_blocks_are_the_air_sample_for_sample_and_say_when_it_is_heard(tmp_path):
    a = write_tone(tmp_path / "a.wav", 500, 1000, LEFT)
    b = write_tone(tmp_path / "b.wav", 700, 1000, RIGHT)
    clock = SystemClock()
    tap, seen = AirTap(clock), Collect()
    tap.attach(seen)
    with private_pulse(tmp_path) as pulse, Capture(pulse, latency_ms=STEADY_MS) as cap:
        player = VlcPlayer(clock, output="auto", cache_dir=tmp_path / "cache", state_dir=tmp_path, air=tap)
        events = Events(player)
        try:
            for cue in (Cue("a", str(a)), Cue("b", str(b))):
                player.prepare(cue)
                events.wait("ready", cue.handle)
            first = clock.monotonic_ms() + 1500
            player.start("a", at_ms=first)
            player.start("b", at_ms=first + 1000)
            events.wait("ended", "b")
            threading.Event().wait(0.8)
        finally:
            player.close()
    assert seen.closed.is_set(), "closing the player did not close the tap"
    pcm = np.frombuffer(b"".join(blk.pcm for blk in seen.blocks), dtype="<i2").reshape(-1, 2)
    assert seen.blocks[0].first_frame == 0 and all(blk.continues for blk in seen.blocks[1:])
    tapped = [np.flatnonzero(np.abs(pcm[:, ch]) > 300) for ch in (LEFT, RIGHT)]
    assert [len(t) and t[-1] - t[0] + 1 for t in tapped] == [44100, 44100] or all(
        abs((t[-1] - t[0] + 1) - 44100) <= 2 for t in tapped), "the tapped tones are not whole"
    # The hard start may leave a gap of a few frames (its own error); the tap must hold the same gap.
    [heard_a] = [s for s in cap.sounds(LEFT) if s.length_ms > 900]
    [heard_b] = [s for s in cap.sounds(RIGHT) if s.length_ms > 900]
    tap_gap, air_gap = int(tapped[RIGHT][0] - tapped[LEFT][-1]), heard_b.start - (heard_a.end - 1)
    assert abs(tap_gap - air_gap) <= 3, f"the tap holds a gap of {tap_gap} frames, the air {air_gap}"

    # When the tap says the first tone's first frame is heard, it is heard (from the capture).
    onset = int(tapped[LEFT][0])
    block = max((blk for blk in seen.blocks if blk.first_frame <= onset), key=lambda blk: blk.first_frame)
    said_ms = block.heard_ms + (onset - block.first_frame) / 44.1
    assert abs(said_ms - heard_a.start_ms) < 3.0, f"the tap put the tone {said_ms - heard_a.start_ms:+.1f} ms off the air"
    assert abs(block.heard_epoch_ms - (time.time() * 1000 - (time.monotonic() * 1000 - block.heard_ms))) < 50
