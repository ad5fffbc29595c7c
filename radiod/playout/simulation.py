"""Run the engine with a FakePlayer on a FakeClock: hours of playout in milliseconds of CPU.

Time jumps straight to the next instant anything can happen (a player event or an engine
wake-up), the player delivers what is due, and the engine handles it — all on the calling
thread, so runs are exactly repeatable.
"""

from __future__ import annotations

from datetime import datetime

from radiod.clock import FakeClock, to_ms
from radiod.playout.engine import Engine
from radiod.playout.fake_player import FakePlayer


def step(engine: Engine, player: FakePlayer, clock: FakeClock, limit_mono_ms: int) -> bool:
    """Advance to the next thing that happens (no further than the limit); False when at the limit."""
    now = clock.monotonic_ms()
    times = [t for t in (player.next_due_ms(), engine.next_wakeup_ms()) if t is not None]
    target = min([*times, limit_mono_ms])
    clock.advance(max(0, target - now))
    player.run_due()
    engine.pump()
    return target < limit_mono_ms


def run_until(engine: Engine, player: FakePlayer, clock: FakeClock, until: datetime) -> None:
    """Play on until the clock reads ``until``."""
    limit = clock.monotonic_ms() + max(0, to_ms(until) - to_ms(clock.now()))
    engine.pump()
    while step(engine, player, clock, limit):
        pass
