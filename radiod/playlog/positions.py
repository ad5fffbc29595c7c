"""What the engine tells the play log ten times a second: how much of each open play was heard.

Pure (no I/O), so the engine may import it: the file that keeps it is radiod.playlog.heard.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeardPlay:
    """Play ``play_id`` (started ``started_at_ms``) had been heard for ``played_ms``."""

    play_id: int
    started_at_ms: int
    played_ms: int
