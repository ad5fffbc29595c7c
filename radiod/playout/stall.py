"""Did the whole process stand still? A wait that overran by seconds means it was stopped
(SIGSTOP, a stalled VM, a hung read in the kernel) and nothing was heard meanwhile.

The engine thread never waits longer than ``TICK_MS`` at a time; it notes when each wait began
and when it was due to end. Waking ``STALL_MS`` or more after that is a clock jump: the
process was frozen from (about) the start of the wait until now.
"""

from __future__ import annotations

from dataclasses import dataclass

TICK_MS = 250        # the longest the engine thread waits: the uncertainty of a jump's start
STALL_MS = 2000      # lateness that counts as a stall (a loaded machine is late by far less)


@dataclass(frozen=True)
class ClockJump:
    """The process stood still from ``from_mono`` (last seen running) until ``to_mono``."""

    from_mono: int
    to_mono: int

    @property
    def length_ms(self) -> int:
        return self.to_mono - self.from_mono


def overran(began_mono: int, due_mono: int, woke_mono: int, stall_ms: int = STALL_MS) -> ClockJump | None:
    """The jump when a wait begun at ``began_mono``, due to end by ``due_mono``, ended at
    ``woke_mono`` — or None when it was on time (or woke early, for a message)."""
    if woke_mono - due_mono < stall_ms:
        return None
    return ClockJump(began_mono, woke_mono)
