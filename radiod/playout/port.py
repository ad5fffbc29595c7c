"""The player port: what the engine asks of an audio engine, and the events it gets back.

Adapters: VlcPlayer (python-vlc), FakePlayer (fake clock, failure injection) and the Liquidsoap
bridge. One contract test suite runs against each.

Rules every adapter keeps:
- Events are delivered to the listener from the adapter's own thread; the listener only enqueues
  them (the engine thread does the rest). Nothing here blocks on the engine.
- Times are the injected clock's ``monotonic_ms()``: ``at_ms`` in ``start`` and in events.
- An unplayable item produces a 'failed' event (never an exception from ``prepare``/``start``),
  so the engine can skip it and keep the station on air.
- An adapter that buffers audio ahead of the output (VlcPlayer: ~0.5 s) has a class attribute
  ``command_lead_ms``: a stop is heard that long after it is given, so the engine gives timed
  fade-outs that much early. Its 'started'/'ended' events may then come before ``at_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Protocol

EventKind = Literal["ready", "started", "ended", "failed", "stalled", "output-lost", "output-back"]
EndReason = Literal["end", "stopped"]


@dataclass(frozen=True)
class Cue:
    """An item to play, identified by a handle the engine chooses (unique per item)."""

    handle: str
    path: str
    cue_in_ms: int = 0
    cue_out_ms: int | None = None     # None: play to the end of the file
    gain_db: float = 0.0              # applied to reach the station's loudness target
    fade_in_ms: int = 0
    fade_out_ms: int = 0              # fade before cue_out (crossfades); 0 = play to the last sample
    title: str = ""                   # for adapters that publish metadata (e.g. a stream)
    artist: str = ""


@dataclass(frozen=True)
class PlayerEvent:
    """Something that happened to one handle.

    - 'ready': prepared (opened, pre-rolled, paused) and can start without delay;
    - 'started': the first sample is on its way out (at_ms is the best estimate of when);
    - 'ended': it stopped sounding; ``reason`` says whether it ran out or was stopped;
    - 'failed': it could not be opened/decoded/played; ``detail`` is a one-line reason;
    - 'stalled': it is meant to be playing but its position has not advanced (watchdog);
    - 'output-lost' (handle ""): nothing can be heard any more (``detail`` says why); what was
      playing is failed by the adapter, and a start waits until
    - 'output-back' (handle ""): the output sounds again.
    """

    kind: EventKind
    handle: str
    at_ms: int
    position_ms: int = 0              # position in the file when the event happened
    played_ms: int = 0                # audible time played so far ('ended', 'failed')
    reason: EndReason | None = None
    detail: str = ""


Listener = Callable[[PlayerEvent], None]


class Player(Protocol):
    def set_listener(self, listener: Listener) -> None:
        """Where events go. Called once before anything else."""

    def check_output(self) -> str:
        """Verify the audio output really works; return a description, raise PlayerError if not."""

    def prepare(self, cue: Cue) -> None:
        """Open and pre-roll the item so that ``start`` is instant; answers with 'ready' or 'failed'."""

    def start(self, handle: str, at_ms: int | None = None, offset_ms: int = 0) -> None:
        """Start a prepared item now, or exactly at monotonic ``at_ms``, ``offset_ms`` past its cue-in.

        An item that was not prepared is prepared first (later start, still a 'started' event).
        """

    def stop(self, handle: str, fade_ms: int = 0) -> None:
        """Be silent ``fade_ms`` from now, fading out over what can still be faded; ends with an
        'ended' event, reason 'stopped'."""

    def position_ms(self, handle: str) -> int | None:
        """Current position in the file, or None when the handle is not playing."""

    def close(self) -> None:
        """Stop everything and release the audio output."""
