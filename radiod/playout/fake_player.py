"""FakePlayer: a deterministic Player on an injected clock, with failure injection.

Nothing happens by itself: events are queued with the monotonic instant they belong to and
delivered by ``run_due()`` once the clock has reached them. A driver advances a FakeClock to
``next_due_ms()`` (or the engine's next wake-up, whichever is first) and calls ``run_due()``, so a
week of playout runs in seconds and every test is exactly repeatable.

Failure injection (per path): 'missing' and 'corrupt' fail in ``prepare``; 'stall' freezes the
position ``after_ms`` into the item and never ends it (the engine's watchdog must notice);
'slow_start' delays the 'started' event by ``delay_ms``; 'fail_midway' fails ``after_ms`` in.
``lose_output``/``restore_output`` play a sound server that dies and comes back.
"""

from __future__ import annotations

import heapq
import itertools
import os
from dataclasses import dataclass, field
from typing import Literal

from radiod.clock import Clock
from radiod.playout.port import Cue, Listener, PlayerEvent

FailureKind = Literal["missing", "corrupt", "stall", "slow_start", "fail_midway"]


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    after_ms: int = 0        # 'stall', 'fail_midway': how far into the item
    delay_ms: int = 0        # 'slow_start': how late 'started' comes


@dataclass
class _Item:
    cue: Cue
    length_ms: int                     # audible length between cue-in and cue-out
    failure: Failure | None
    ready: bool = False
    failed: bool = False
    start_at_ms: int | None = None     # pending start instant
    offset_ms: int = 0
    started_ms: int | None = None      # when the first sample went out
    stop_at_ms: int | None = None      # pending end of a fade-out
    done: bool = False
    tokens: set[int] = field(default_factory=set)   # ids of queued events still valid


class FakePlayer:
    """The Player protocol without audio: exact, instant and scriptable."""

    def __init__(self, clock: Clock, *, default_length_ms: int = 180_000, prepare_ms: int = 20,
                 check_files: bool = False, lengths: dict[str, int] | None = None):
        self.clock = clock
        self.default_length_ms = default_length_ms
        self.prepare_ms = prepare_ms
        self.check_files = check_files
        self.lengths = dict(lengths or {})
        self.failures: dict[str, Failure] = {}
        self.history: list[PlayerEvent] = []      # every event delivered, for tests
        self._listener: Listener | None = None
        self._items: dict[str, _Item] = {}
        self._queue: list[tuple[int, int, str, str]] = []   # (at_ms, token, kind, handle)
        self._tokens = itertools.count()
        self._closed = False
        self._output_lost = False
        self._held: list[_Item] = []                # starts waiting for the output to come back

    # -- scripting -----------------------------------------------------------------------------

    def inject(self, path: str, kind: FailureKind, *, after_ms: int = 0, delay_ms: int = 0) -> None:
        """Make every later use of ``path`` fail in the given way."""
        self.failures[path] = Failure(kind, after_ms=after_ms, delay_ms=delay_ms)

    def lose_output(self, detail: str) -> None:
        """The output dies: 'output-lost', what is sounding fails, and starts wait."""
        now = self.clock.monotonic_ms()
        self._output_lost = True
        self._emit(PlayerEvent("output-lost", "", now, detail=detail))
        for item in list(self._items.values()):
            if item.started_ms is not None and item.started_ms <= now and not (item.done or item.failed):
                self._fail(item, now, f"the audio output stopped ({detail})")

    def restore_output(self) -> None:
        """The output is back: 'output-back', and the starts that waited go ahead now."""
        now = self.clock.monotonic_ms()
        self._output_lost = False
        self._emit(PlayerEvent("output-back", "", now))
        held, self._held = self._held, []
        for item in held:
            if not (item.done or item.failed):
                item.start_at_ms = now
                self._schedule_start(item)

    def next_due_ms(self) -> int | None:
        """Monotonic instant of the next queued event, or None."""
        while self._queue and not self._valid(self._queue[0]):
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def run_due(self) -> int:
        """Deliver every event whose instant has come; returns how many were delivered."""
        delivered = 0
        now = self.clock.monotonic_ms()
        while True:
            due = self.next_due_ms()
            if due is None or due > now:
                return delivered
            at_ms, token, kind, handle = heapq.heappop(self._queue)
            item = self._items[handle]
            item.tokens.discard(token)
            getattr(self, f"_do_{kind}")(item, at_ms)
            delivered += 1

    # -- Player protocol -----------------------------------------------------------------------

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def check_output(self) -> str:
        return "fake output (no audio)"

    def prepare(self, cue: Cue) -> None:
        failure = self.failures.get(cue.path)
        if failure is None and self.check_files:
            if not os.path.exists(cue.path):
                failure = Failure("missing")
            elif os.path.getsize(cue.path) == 0:
                failure = Failure("corrupt")
        end = cue.cue_out_ms if cue.cue_out_ms is not None else self.lengths.get(cue.path, self.default_length_ms)
        item = _Item(cue=cue, length_ms=max(0, end - cue.cue_in_ms), failure=failure)
        self._items[cue.handle] = item
        self._schedule(item, self.clock.monotonic_ms() + self.prepare_ms, "prepared")

    def start(self, handle: str, at_ms: int | None = None, offset_ms: int = 0) -> None:
        item = self._items.get(handle)
        if item is None:
            self._emit(PlayerEvent("failed", handle, self.clock.monotonic_ms(), detail="start: item was never prepared"))
            return
        if item.failed or item.done or item.started_ms is not None:
            return
        now = self.clock.monotonic_ms()
        item.start_at_ms = max(now, at_ms if at_ms is not None else now)
        item.offset_ms = max(0, offset_ms)
        if item.ready:
            self._schedule_start(item)

    def stop(self, handle: str, fade_ms: int = 0) -> None:
        item = self._items.get(handle)
        if item is None or item.done or item.failed:
            return
        now = self.clock.monotonic_ms()
        if item.started_ms is None or item.started_ms > now:
            # Never sounded: drop its pending start and report it stopped at once.
            self._cancel(item)
            self._finish(item, now, "stopped")
            return
        natural_end = item.started_ms + item.length_ms - item.offset_ms
        item.stop_at_ms = min(now + max(0, fade_ms), max(now, natural_end))
        self._cancel(item)
        self._schedule(item, item.stop_at_ms, "stopped")

    def position_ms(self, handle: str) -> int | None:
        item = self._items.get(handle)
        now = self.clock.monotonic_ms()
        if item is None or item.done or item.failed or item.started_ms is None or item.started_ms > now:
            return None
        elapsed = item.offset_ms + now - item.started_ms
        if item.failure and item.failure.kind == "stall":
            elapsed = min(elapsed, item.offset_ms + item.failure.after_ms)
        return item.cue.cue_in_ms + min(elapsed, item.length_ms)

    def close(self) -> None:
        for item in list(self._items.values()):
            if not item.done and not item.failed:
                self.stop(item.cue.handle)
                self.run_due()
        self._closed = True

    # -- internals -----------------------------------------------------------------------------

    def _valid(self, entry: tuple[int, int, str, str]) -> bool:
        return entry[1] in self._items[entry[3]].tokens

    def _schedule(self, item: _Item, at_ms: int, kind: str) -> None:
        token = next(self._tokens)
        item.tokens.add(token)
        heapq.heappush(self._queue, (at_ms, token, kind, item.cue.handle))

    def _cancel(self, item: _Item) -> None:
        item.tokens.clear()

    def _schedule_start(self, item: _Item) -> None:
        at = item.start_at_ms
        assert at is not None
        if item.failure and item.failure.kind == "slow_start":
            at += item.failure.delay_ms
        self._cancel(item)
        self._schedule(item, at, "start")

    def _emit(self, event: PlayerEvent) -> None:
        self.history.append(event)
        if self._listener is not None:
            self._listener(event)

    def _played(self, item: _Item, at_ms: int) -> int:
        if item.started_ms is None:
            return 0
        return max(0, min(at_ms - item.started_ms, item.length_ms - item.offset_ms))

    def _finish(self, item: _Item, at_ms: int, reason: str) -> None:
        item.done = True
        self._cancel(item)
        pos = item.cue.cue_in_ms + item.offset_ms + self._played(item, at_ms)
        self._emit(PlayerEvent("ended", item.cue.handle, at_ms, position_ms=pos,
                               played_ms=self._played(item, at_ms), reason=reason))  # type: ignore[arg-type]

    def _fail(self, item: _Item, at_ms: int, detail: str) -> None:
        item.failed = True
        self._cancel(item)
        self._emit(PlayerEvent("failed", item.cue.handle, at_ms, played_ms=self._played(item, at_ms),
                               detail=detail))

    def _do_prepared(self, item: _Item, at_ms: int) -> None:
        failure = item.failure
        if failure and failure.kind == "missing":
            self._fail(item, at_ms, f"{item.cue.path}: file not found")
        elif failure and failure.kind == "corrupt":
            self._fail(item, at_ms, f"{item.cue.path}: cannot decode audio")
        else:
            item.ready = True
            self._emit(PlayerEvent("ready", item.cue.handle, at_ms, position_ms=item.cue.cue_in_ms))
            if item.start_at_ms is not None:
                item.start_at_ms = max(item.start_at_ms, at_ms)
                self._schedule_start(item)

    def _do_start(self, item: _Item, at_ms: int) -> None:
        if self._output_lost:
            self._held.append(item)
            return
        item.started_ms = at_ms
        self._emit(PlayerEvent("started", item.cue.handle, at_ms, position_ms=item.cue.cue_in_ms + item.offset_ms))
        remaining = item.length_ms - item.offset_ms
        failure = item.failure
        if failure and failure.kind == "stall":
            return                      # position freezes; no 'ended' ever comes
        if failure and failure.kind == "fail_midway" and failure.after_ms < remaining:
            self._schedule(item, at_ms + failure.after_ms, "midway")
            return
        self._schedule(item, at_ms + max(0, remaining), "end")

    def _do_end(self, item: _Item, at_ms: int) -> None:
        self._finish(item, at_ms, "end")

    def _do_stopped(self, item: _Item, at_ms: int) -> None:
        self._finish(item, at_ms, "stopped")

    def _do_midway(self, item: _Item, at_ms: int) -> None:
        self._fail(item, at_ms, f"{item.cue.path}: decoding error")
