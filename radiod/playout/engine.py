"""The playout engine: one thread owns the state of what is on air.

Player events, scheduler jobs and control commands only put messages in the engine's inbox.
The engine thread takes them one at a time and then reconciles: from the day's log, the clock
and what has already aired it works out what should come next and when (``timing``), prepares it
``preroll_ms`` ahead and asks the player to start it at an exact monotonic instant — the previous
item's actual start plus its true length, never on 'ended'. It never assumes a timer fired:
every wake-up recomputes from the clock.

Every item that is heard gets a row in the as-played log (a ``PlayWriter``), opened at the instant
its first sample is heard (the player announces a start up to ``command_lead_ms`` before that) and
closed exactly once when it ends, is skipped, cut, fails or the daemon stops, with what was heard.
An item that never sounded has no row (one that failed has a 'failed' row with 0 ms). Every
``HEARD_EVERY_MS`` the heard position of each open row is saved (``mark_heard``), so a row a crash
leaves open is closed at what was heard. Items are keyed by ``timing.item_key`` so an
item that already aired is never aired (or logged) again after a restart.

Tests and ``radiod simulate`` drive the engine synchronously with ``pump()`` on a FakeClock; the
daemon runs ``run()`` on its own thread.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import os
import queue
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Sequence

from radiod.clock import Clock, from_ms, iso, to_ms
from radiod.config import PlayoutConfig
from radiod.errors import DuplicatePlay, PlayerError
from radiod.playlog.positions import HeardPlay
from radiod.playout.fallback import SHORT_GAP_MS, Fallback
from radiod.playout.log_port import PlayWriter
from radiod.playout.media_roots import RETRY_MS, MediaOutage, MediaRoots, probe, under
from radiod.playout.messages import (EngineCommand, EngineState, ErrorEntry, Errors, GetStatus, ItemInfo, LiveNow,
                                     OnAir, Pause, PlayNow, Resume, ShowOnAir, Skip, Stats, Status, Upcoming)
from radiod.playout.port import Cue, Player, PlayerEvent
from radiod.playout.stall import TICK_MS, ClockJump, overran
from radiod.playout.timing import MIN_FILL_MS, Decision, Timeline, decide_next, join_point
from radiod.schedule.log import LogItem

log = logging.getLogger(__name__)

ShowInfo = Callable[[datetime], "dict[str, Any] | None"]
FALLBACK_RETRY_MS = 5000
HEARD_EVERY_MS = 50     # the heard positions are saved this often (a crash closes rows within it)


def base_key(key: str) -> str:
    """The planned item a key belongs to ('K@offset' is a continuation of K after a restart)."""
    return key.split("@", 1)[0]


@dataclass
class Slot:
    """One item handed to the player."""

    handle: str
    item: LogItem
    key: str
    index: int | None               # position in the log; None for fallback and inserts
    offset_ms: int
    start_wall: int                 # when it is meant to start (epoch ms)
    reason: str = ""                # why it plays (fallback reason, join note)
    started_mono: int | None = None
    started_wall: int | None = None
    play_id: int | None = None
    end_wall: int | None = None     # overrides the natural end (skip)
    cut_wall: int | None = None     # a boundary will cut it here
    stop_reason: str | None = None  # set when the engine stops it: skipped, cut, failed, shutdown
    detail: str = ""
    last_pos: int | None = None
    last_move_mono: int = 0
    length_known: bool = True
    logged: bool = False            # its row was opened (it was heard)
    fade_out_ms: int | None = None  # a fill piece cut to its gap fades out over its last this many ms
    close_mono: int | None = None   # announced as ended: its last sample is heard at this instant
    close_reason: str = ""
    close_played: int = 0

    @property
    def remaining_ms(self) -> int:
        return max(0, self.item.length_ms - self.offset_ms)

    def expected_end(self) -> int | None:
        if self.end_wall is not None:
            return self.end_wall
        if self.started_wall is None or not self.length_known:
            return None
        return self.started_wall + self.remaining_ms


@dataclass
class Command:
    """A control command waiting in the inbox with the Future its reply goes to."""

    message: EngineCommand
    reply: Future[dict[str, Any]] = field(default_factory=Future)


@dataclass
class _SetLog:
    items: list[LogItem]


@dataclass(frozen=True)
class SetFallback:
    """A new fallback chain (after a library rescan)."""

    fallback: Fallback


@dataclass(frozen=True)
class Report:
    """An error met outside the engine (a failed daemon job), listed with the engine's own."""

    kind: str
    detail: str


@dataclass(frozen=True)
class LiveOn:
    """A live DJ's audio is arriving (``radiod.live``): automation fades out as the DJ fades in."""

    dj: str
    show: str = ""
    mixed: bool = True      # False: the player switches to the DJ itself (Liquidsoap's harbor)


@dataclass(frozen=True)
class LiveSong:
    """The live DJ's encoder named what they play now (shown as on air; the row is radiod.live's)."""

    title: str
    artist: str = ""


@dataclass(frozen=True)
class LiveOff:
    """The live DJ is gone (dropped, or their slot ended): the DJ fades out, automation comes
    back by the clock (in a live slot: its fallback)."""

    reason: str = ""


class _Stop:
    pass


class Engine:
    """Owns playout: call ``post``/``command``/``set_log``/``stop`` from any thread."""

    def __init__(self, player: Player, clock: Clock, playlog: PlayWriter, config: PlayoutConfig, *,
                 items: Sequence[LogItem] = (), fallback: Fallback | None = None,
                 show_info: ShowInfo | None = None, on_change: Callable[[dict[str, Any]], None] | None = None,
                 watchdog_poll_ms: int = 1000, max_errors: int = 50,
                 media_roots: Sequence[str | os.PathLike[str]] = ()):
        self.player = player
        self.clock = clock
        self.playlog = playlog
        self.config = config
        self.fallback = fallback or Fallback()
        self.show_info = show_info
        self.on_change = on_change
        self.watchdog_poll_ms = watchdog_poll_ms
        self.inbox: queue.Queue[Any] = queue.Queue()     # commands, player events, log changes
        self.tl = Timeline(items)
        self.state: EngineState = EngineState.STARTING
        self.current: Slot | None = None
        self.next: Slot | None = None
        self.pending: Decision | None = None
        self.slots: dict[str, Slot] = {}        # every handle the player may still report on
        self.cursor = -1
        self.flowing = False                    # False: come on air by the clock (join_point)
        self.done: set[str] = set()             # base keys that aired or failed
        self.resumable: set[str] = set()        # base keys interrupted part-way (shows may continue)
        self.errors: deque[ErrorEntry] = deque(maxlen=max_errors)
        self.stats = {"items": 0, "failed": 0, "fallbacks": 0, "skipped": 0}
        self._handles = itertools.count(1)
        self._retry_mono: int | None = None
        self._fallback_failing = False
        self._fill_blocked_until: int | None = None
        self._last_published: Status | None = None
        self._stopped = False
        self._state_before_outage: EngineState = EngineState.PLAYING
        self.media = MediaRoots(media_roots)
        self.outages: dict[str, MediaOutage] = {}    # folder → outage, while it is away
        self._rejoin: Decision | None = None          # where the plan resumes after an outage
        self._heard_due = 0                           # monotonic ms of the next heartbeat
        self.closing: list[Slot] = []                 # ended, but their last sample is not heard yet
        self._heard_open = False                      # the last heartbeat named open rows
        self.live: LiveOn | None = None               # the DJ on air, while automation waits
        self._live_on_air: OnAir | None = None        # what the DJ airs, for the status and now-playing
        self._live_since: str | None = None           # when the DJ was first heard (ISO)
        player.set_listener(self.post)

    # -- any thread ------------------------------------------------------------------------------

    def post(self, message: Any) -> None:
        self.inbox.put(message)

    def command(self, message: EngineCommand) -> Future[dict[str, Any]]:
        """Queue a control command; the Future gets the reply dict (the socket's JSON)."""
        cmd = Command(message)
        self.post(cmd)
        return cmd.reply

    def snapshot_now(self) -> Future[Status]:
        """The status snapshot, taken on the engine thread; the Future gets a ``Status``."""
        reply: Future[Status] = Future()
        self.post(lambda: reply.set_result(self.snapshot()))
        return reply

    def set_log(self, items: Sequence[LogItem]) -> None:
        self.post(_SetLog(list(items)))

    def stop(self) -> None:
        self.post(_Stop())

    # -- engine thread -----------------------------------------------------------------------------

    def run(self) -> None:
        """The engine thread: start, then handle messages and wake-ups until stopped."""
        self.start()
        try:
            while not self._stopped:
                wake = self.next_wakeup_ms()
                began = self.clock.monotonic_ms()
                wait_ms = TICK_MS if wake is None else max(0, min(wake - began, TICK_MS))
                try:
                    message = self.inbox.get(timeout=wait_ms / 1000)
                except queue.Empty:
                    message = None
                # Before anything the player reported on waking: was the whole process frozen?
                jump = overran(began, began + wait_ms, self.clock.monotonic_ms())
                if jump is not None:
                    self._on_clock_jump(jump)
                if message is not None:
                    self._handle(message)
                self.pump()
        finally:
            self.shutdown()

    def start(self) -> None:
        """Close rows a crash left open, learn what already aired, and come on air."""
        now = self._wall()
        closed = self.playlog.close_open_as_interrupted(now)
        if closed:
            self._error("interrupted", f"closed {closed} play(s) left open by an unclean stop")
        self._load_done()
        self.state = EngineState.PLAYING
        self.pump()

    def pump(self) -> int:
        """Handle queued messages and due wake-ups without blocking; returns messages handled."""
        handled = 0
        for _ in range(10_000):
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                self._tick()
                if self.inbox.empty():
                    break
                continue
            self._handle(message)
            handled += 1
        self._publish()
        return handled

    def next_wakeup_ms(self) -> int | None:
        """The monotonic instant the engine next needs to look at the clock."""
        if self._stopped or self.state in (EngineState.STOPPED, EngineState.STARTING):
            return None
        now = self.clock.monotonic_ms()
        times = []
        if self.pending is not None and self.next is None:
            times.append(self._mono(self.pending.start_ms - self.config.preroll_ms))
        cur = self.current
        if cur is not None and cur.stop_reason is None:
            if cur.cut_wall is not None:
                times.append(self._mono(cur.cut_wall - self._fade_for_cut(cur)))
            end = cur.expected_end()
            if end is not None:
                times.append(self._mono(end) + self.config.watchdog_ms)
            times.append(now + self.watchdog_poll_ms)
        if self.next is not None:
            times.append(self._mono(self.next.start_wall) + self.config.watchdog_ms)
        for slot in self._outgoing():
            end = slot.expected_end()
            if end is not None:
                times.append(self._mono(end) + self.config.watchdog_ms)
        if self._retry_mono is not None:
            times.append(self._retry_mono)
        times += [o.retry_mono for o in self.outages.values()]
        times += [s.started_mono for s in self.slots.values() if self._unheard(s)]      # type: ignore[misc]
        times += [s.close_mono for s in self.closing]                                   # type: ignore[misc]
        if self._heard_open or any(s.play_id is not None for s in self._row_slots()):
            times.append(self._heard_due)
        if not times:
            return None
        return max(min(times), now + 1)

    def shutdown(self) -> None:
        """Stop playing; close open rows as 'shutdown'."""
        if self.state == EngineState.STOPPED:
            return
        self._settle_closing(cut="shutdown")
        for slot in list(self.slots.values()):
            if slot.play_id is not None:
                self._close_row(slot, "shutdown", self._heard_ms(slot))
        self.slots.clear()
        self._heartbeat(force=True)
        self.current = self.next = self.pending = None
        try:
            self.player.close()
        except Exception as exc:    # a failing output must not keep the rows open
            log.warning("player close failed: %s", exc)
        self.state = EngineState.STOPPED
        self._publish()

    # -- messages --------------------------------------------------------------------------------

    def _handle(self, message: Any) -> None:
        if isinstance(message, PlayerEvent):
            self._on_event(message)
        elif isinstance(message, Command):
            try:
                message.reply.set_result(self._on_command(message))
            except PlayerError as exc:
                message.reply.set_result({"ok": False, "error": str(exc)})
        elif isinstance(message, _SetLog):
            self._on_set_log(message.items)
        elif isinstance(message, SetFallback):
            self.fallback = message.fallback
        elif isinstance(message, Report):
            self._error(message.kind, message.detail)
        elif isinstance(message, ClockJump):
            self._on_clock_jump(message)
        elif isinstance(message, LiveOn):
            self._on_live(message)
        elif isinstance(message, LiveSong):
            self._live_song(message)
        elif isinstance(message, LiveOff):
            self._off_live(message.reason)
        elif isinstance(message, _Stop):
            self._stopped = True
        elif callable(message):
            message()       # work posted by the daemon to run on the engine thread
        else:
            raise TypeError(f"unexpected engine message {message!r}")

    def _on_event(self, ev: PlayerEvent) -> None:
        if ev.kind == "output-lost":
            return self._on_output_lost(ev.detail)
        if ev.kind == "output-back":
            return self._on_output_back()
        slot = self.slots.get(ev.handle)
        if slot is None:
            if ev.kind == "started":
                self.player.stop(ev.handle)      # abandoned before it started: silence it
            return
        if ev.kind == "started":
            self._on_started(slot, ev)
        elif ev.kind == "ended":
            self._on_ended(slot, ev)
        elif ev.kind == "failed":
            self._fail(slot, ev.detail or "player failed", ev.played_ms)
        elif ev.kind == "stalled":
            self._fail(slot, ev.detail or "stalled", self._heard_ms(slot))

    def _on_output_lost(self, detail: str) -> None:
        """Nothing can be heard: what was on air is interrupted (as by a crash) and the log stands
        still, so no item is failed for not starting while the output is gone."""
        if self.state == EngineState.OFF_AIR:
            return
        self._error("output", f"audio output lost: {detail}")
        self._settle_closing(cut="interrupted")
        for slot in list(self.slots.values()):
            if slot.play_id is not None:
                slot.detail = f"audio output lost: {detail}"
                self._close_row(slot, "interrupted", self._heard_ms(slot))
                self.done.add(base_key(slot.key))
                self.resumable.add(base_key(slot.key))      # a show continues where the clock is
            self._abandon(slot)
        self._state_before_outage = self.state
        self.state = EngineState.OFF_AIR

    def _on_output_back(self) -> None:
        """Come back on air by the clock, as after a restart: a show at its offset, a rotation at
        the item due now."""
        if self.state != EngineState.OFF_AIR:
            return
        self._error("output", "audio output back")
        self.state = EngineState.PAUSED if self._state_before_outage == EngineState.PAUSED else EngineState.PLAYING
        self.flowing = False

    def _on_clock_jump(self, jump: ClockJump) -> None:
        """The process stood still (SIGSTOP, a stalled VM): nothing was heard for ``jump.length_ms``.

        Logged as dead air with its length; what was on air is closed as 'interrupted' with only
        what was heard before the stall, and the engine comes back by the clock as after a restart.
        """
        if self.state in (EngineState.STOPPED, EngineState.STARTING):
            return
        seconds = jump.length_ms / 1000
        self._error("dead-air", f"the process stood still for {seconds:.1f} s (stopped or stalled): "
                    "nothing was heard; back on air by the clock", length_ms=jump.length_ms)
        frozen_at = self._wall_of(jump.from_mono)
        self._settle_closing(cut="interrupted", upto_mono=jump.from_mono)
        for slot in list(self.slots.values()):
            end = slot.expected_end()
            if slot.play_id is not None and slot.started_mono is not None:
                if end is not None and end <= frozen_at:
                    # It had finished before the stall: its row ends where its audio did.
                    played = max(0, min(slot.remaining_ms, end - (slot.started_wall or end)))
                    self._close_row(slot, slot.stop_reason or "end", played, at_wall=end)
                else:
                    slot.detail = f"dead air: the process stood still for {seconds:.1f} s"
                    heard = max(0, min(jump.from_mono - slot.started_mono, slot.remaining_ms))
                    self._close_row(slot, "interrupted", heard, at_wall=frozen_at)
                    self.resumable.add(base_key(slot.key))      # a show continues where the clock is
                self.done.add(base_key(slot.key))
            self._abandon(slot)
        self.pending = None
        self.flowing = False

    def _on_started(self, slot: Slot, ev: PlayerEvent) -> None:
        slot.started_mono = ev.at_ms
        slot.started_wall = self._wall_of(ev.at_ms)
        slot.last_pos, slot.last_move_mono = ev.position_ms, ev.at_ms
        if slot is self.next:
            self.next = None
        previous = self.current
        if previous is not None and previous is not slot and previous.stop_reason is None:
            if previous.cut_wall is not None:
                # Its cut was due by now: never let it sound under the item that replaces it.
                self._cut(previous, "cut", fade_ms=max(0, previous.cut_wall - slot.started_wall),
                          end_wall=previous.cut_wall)
            else:
                previous.end_wall = previous.expected_end() or slot.started_wall
        self.current = slot
        if slot.index is not None:
            self.cursor = slot.index
        self.done.add(base_key(slot.key))
        if ev.at_ms <= self.clock.monotonic_ms():
            self._open_row(slot)
        # else: its first sample is still on its way out; the row opens when it is heard (_tick)

    def _unheard(self, slot: Slot) -> bool:
        """Announced as started, but its first sample is not heard yet (no row)."""
        return slot.started_mono is not None and not slot.logged

    def _open_heard_rows(self) -> None:
        now = self.clock.monotonic_ms()
        for slot in list(self.slots.values()):
            if self._unheard(slot) and now >= slot.started_mono:    # type: ignore[operator]
                self._open_row(slot)

    def _open_row(self, slot: Slot) -> None:
        """Its first sample is heard now: the row opens, at the instant it was heard."""
        slot.logged = True
        item = slot.item
        assert slot.started_wall is not None
        try:
            slot.play_id = self.playlog.open_play(
                started_at_ms=slot.started_wall, planned_start_ms=to_ms(item.start) + slot.offset_ms,
                source=item.source, usage=item.usage, show=item.show, category=item.category,
                track_id=item.track_id, snapshot=self._snapshot(slot), item_key=slot.key, show_id=item.show_id)
        except DuplicatePlay as exc:
            # Never air (or log) an item twice: silence it and move on.
            self._error("duplicate", str(exc))
            self.done.add(base_key(slot.key))
            self._drop(slot)
            self.player.stop(slot.handle)
            return
        self._heartbeat(force=True)         # never an open row without a saved position
        log.info("play %s: %s – %s (%s, %s%s)", slot.play_id, item.artist or "?", item.title or item.path,
                 item.source, item.usage, f", from {slot.offset_ms} ms" if slot.offset_ms else "")
        self.stats["items"] += 1
        if item.source == "fallback":
            self.stats["fallbacks"] += 1

    def _on_ended(self, slot: Slot, ev: PlayerEvent) -> None:
        reason = slot.stop_reason or ("end" if ev.reason != "stopped" else "skipped")
        if reason == "end" and slot.fade_out_ms is not None:
            reason = "cut"              # a fill piece cut to its gap: it ends where it was cut
        unheard = self._unheard(slot)
        if unheard and ev.played_ms <= 0:
            pass                        # it never sounded: no row
        elif ev.at_ms > self.clock.monotonic_ms() and (slot.play_id is not None or unheard):
            # Its last sample is still on its way out: the row stays open (and its heard position
            # saved) until it is heard, so a crash meanwhile claims only what was heard.
            slot.close_mono, slot.close_reason, slot.close_played = ev.at_ms, reason, ev.played_ms
            slot.end_wall = self._wall_of(ev.at_ms)
            self.closing.append(slot)
        else:
            if unheard:
                self._open_row(slot)
            self._close_row(slot, reason, ev.played_ms, at_wall=self._wall_of(ev.at_ms))
        self._drop(slot)

    def _settle_closing(self, *, cut: str | None = None, upto_mono: int | None = None) -> None:
        """Open and close the rows of ended items as their first and last samples are heard.

        With ``cut`` (a stop, a lost output, a stall) the rest is never heard: what is still
        on its way out at ``upto_mono`` (default: now) is closed there with that reason.
        """
        now = self.clock.monotonic_ms() if upto_mono is None else upto_mono
        for slot in list(self.closing):
            assert slot.close_mono is not None and slot.started_mono is not None
            if self._unheard(slot) and now >= slot.started_mono:
                self._open_row(slot)
            if now >= slot.close_mono:
                self._close_row(slot, slot.close_reason, slot.close_played, at_wall=self._wall_of(slot.close_mono))
            elif cut is not None:
                heard = max(0, min(now - slot.started_mono, slot.close_played))
                self._close_row(slot, cut, heard, at_wall=self._wall_of(now))
            else:
                continue
            self.closing.remove(slot)

    def _row_slots(self) -> list[Slot]:
        """Every slot whose row may be open."""
        return [*self.slots.values(), *self.closing]

    def _on_set_log(self, items: list[LogItem]) -> None:
        self.tl = Timeline(items)
        cur = self.current
        if cur is None:
            self.flowing = False          # come back in by the clock
            self.cursor = -1
        else:
            found = self.tl.index_of(cur.key.split("@")[0]) if cur.index is not None else None
            if found is None:
                # Not in the new log (a fallback, an insert, a re-planned hour): continue after
                # the last planned item that starts no later than it did.
                ref = to_ms(cur.item.start) if cur.index is not None else cur.start_wall
                found = bisect.bisect_right(self.tl.starts, ref) - 1
            self.cursor = found
            cur.index = found if cur.index is not None else None
        if self.next is not None and self.next.started_wall is None:
            self._abandon(self.next)          # decide again against the new log
        self.pending = None

    def _on_command(self, cmd: Command) -> dict[str, Any]:
        message = cmd.message
        if isinstance(message, GetStatus):
            return {"ok": True, **self.status()}
        if isinstance(message, Errors):
            return {"ok": True, "errors": [e.to_public() for e in self.errors]}
        if isinstance(message, Skip):
            cur = self.current
            if cur is None or cur.stop_reason is not None:
                return {"ok": False, "error": "nothing is playing"}
            self._cut(cur, "skipped", fade_ms=0)
            self.stats["skipped"] += 1
            return {"ok": True, "skipped": cur.item.title or os.path.basename(cur.item.path)}
        if isinstance(message, Pause):
            self.state = EngineState.PAUSED
            if self.next is not None:
                self._abandon(self.next)
            self.pending = None
            return {"ok": True, "state": self.state.value}
        if isinstance(message, Resume):
            if self.live is not None:
                self._off_live("automation resumed by command")
            if self.state == EngineState.PAUSED:
                self.state = EngineState.PLAYING
                self.flowing = self.current is not None
            return {"ok": True, "state": self.state.value}
        if isinstance(message, PlayNow):
            return self._insert(message.path, message.length_ms, message.title, message.artist)
        return {"ok": False, "error": f"the engine does not take {type(message).__name__}"}

    def _on_live(self, live: LiveOn) -> None:
        """The DJ takes the air: what plays fades out over ``fade_out_ms`` while the DJ fades in,
        and automation waits (paused) until ``LiveOff``."""
        live_on = getattr(self.player, "live_on", None)     # players that mix a live voice (libVLC)
        if live_on is None and live.mixed:
            self._error("live", f"{live.dj}: this player cannot put a live DJ on air")
            return
        self.live = live
        fade = self.config.fade_out_ms
        cur = self.current
        if cur is not None and cur.stop_reason is None and live.mixed:
            # Heard command_lead_ms from now, like the DJ: the two fades cross.
            self._cut(cur, "cut", fade_ms=getattr(self.player, "command_lead_ms", 0) + fade)
        if self.next is not None:
            self._abandon(self.next)
        self.pending = None
        self.state = EngineState.PAUSED
        if live_on is not None and live.mixed:
            live_on(fade)
        self._live_on_air = self._live_item(live.show + " (live)" if live.show else "Live", live.dj, "talk")
        self._live_since = self._live_on_air.started_at
        log.info("live: %s on air%s", live.dj, f" ({live.show})" if live.show else "")

    def _live_song(self, song: LiveSong) -> None:
        if self.live is not None:
            self._live_on_air = self._live_item(song.title, song.artist, "feature")

    def _live_item(self, title: str, artist: str, usage: str) -> OnAir:
        """The live DJ as the item on air, from about when it is heard (the player's lead)."""
        heard = self._wall() + getattr(self.player, "command_lead_ms", 0)
        show = self.live.show if self.live is not None else ""
        return OnAir(ItemInfo(title=title, artist=artist, show=show, source="live", usage=usage),
                     item_key="live", started_at=iso(heard))

    def _off_live(self, reason: str) -> None:
        """The DJ fades out; automation comes in by the clock (nothing is on air but the DJ)."""
        if self.live is None:
            return
        dj, self.live, self._live_on_air = self.live.dj, None, None
        live_off = getattr(self.player, "live_off", None)
        if live_off is not None:
            live_off(self.config.fade_out_ms)
        if self.state == EngineState.PAUSED:
            self.state = EngineState.PLAYING
            self.flowing = self.current is not None
        elif self.state == EngineState.OFF_AIR:
            self._state_before_outage = EngineState.PLAYING     # the output's return brings automation
        log.info("live: %s off air (%s); automation back", dj, reason or "gone")

    def _insert(self, path: str, length_ms: int | None, title: str, artist: str = "") -> dict[str, Any]:
        if not os.path.isabs(path) or not os.path.isfile(path):
            return {"ok": False, "error": f"{path}: not an existing absolute file path"}
        now = self._wall()
        item = LogItem(start=from_ms(now), length_ms=int(length_ms or 0), kind="insert", source="insert",
                       usage="psa", path=path, cue_out_ms=int(length_ms or 0),
                       title=title or os.path.splitext(os.path.basename(path))[0], artist=artist)
        if self.current is not None and self.current.stop_reason is None:
            self._cut(self.current, "cut", fade_ms=min(self.config.fade_out_ms, 500))
        if self.next is not None:
            self._abandon(self.next)
        self.pending = None
        slot = self._launch(Decision(None, now), item=item, key=f"insert:{now}")
        if slot is not None:
            slot.length_known = bool(length_ms)
        if self.state == EngineState.PAUSED:
            self.state = EngineState.PLAYING
        return {"ok": True, "inserted": path}

    # -- reconciling -------------------------------------------------------------------------------

    def _tick(self) -> None:
        self._settle_closing()
        self._open_heard_rows()
        self._heartbeat()
        if self.outages:
            self._retry_outages()
        if self.state not in (EngineState.PLAYING, EngineState.FALLBACK):
            return
        self._watchdog()
        self._cut_if_due()
        self._reconcile()
        self._cut_if_due()          # a boundary decided just now may already be due

    def _reconcile(self) -> None:
        if self.state not in (EngineState.PLAYING, EngineState.FALLBACK) or self.next is not None:
            return
        now_mono = self.clock.monotonic_ms()
        if self._retry_mono is not None and now_mono < self._retry_mono:
            return
        self._retry_mono = None
        now = self._wall()
        cur = self.current
        if cur is None:
            if self.flowing:
                decision = decide_next(self.tl, self.cursor, now, self.done, fill_gap_ms=self._fill_gap_ms)
            else:
                decision = join_point(self.tl, now, self.done, self.resumable, after=self.cursor,
                                      fill_gap_ms=self._fill_gap_ms)
        else:
            t_end = cur.expected_end()
            if t_end is None or cur.stop_reason is not None and cur.end_wall is None:
                return          # its end is unknown: wait for 'ended'
            decision = decide_next(self.tl, self.cursor, t_end, self.done, now, fill_gap_ms=self._fill_gap_ms)
            if self._rejoin is not None:        # a folder is back: the plan, as the clock has it
                decision, self._rejoin = self._rejoin, None
                if t_end > decision.start_ms:
                    decision = dataclasses.replace(decision, cut_ms=decision.start_ms)
                else:
                    decision = join_point(self.tl, max(now, t_end), self.done, self.resumable,
                                          fill_gap_ms=self._fill_gap_ms)
            cur.cut_wall = decision.cut_ms
            if self._crossfades(cur, decision):
                decision = dataclasses.replace(decision, start_ms=max(now, decision.start_ms - self.config.crossfade_ms))
        self._record_missed(decision, now)
        if (decision.index is None and decision.then_index is not None and decision.fill_until_ms is not None
                and self._fill_blocked_until is not None and now < self._fill_blocked_until):
            decision = Decision(decision.then_index, decision.fill_until_ms)     # no fallback to fill with
        self.pending = decision
        if now >= decision.start_ms - self.config.preroll_ms:
            self._launch(decision)

    def _record_missed(self, decision: Decision, now: int) -> None:
        """Timed items whose instant is gone never air late: say so once, and pass them over."""
        for i in decision.missed:
            key = self.tl.keys[i]
            if key in self.done:
                continue
            self.done.add(key)
            planned = self.tl.items[i]
            self._error("missed", f"{planned.title or planned.path or key}: {planned.timing} start at "
                        f"{iso(self.tl.starts[i])} missed by {now - self.tl.starts[i]} ms; it will not air late")

    def _crossfades(self, cur: Slot, decision: Decision) -> bool:
        """Consecutive music items overlap by ``crossfade_ms`` (never across a timed boundary)."""
        if self.config.crossfade_ms <= 0 or decision.index is None or decision.cut_ms is not None:
            return False
        nxt = self.tl.items[decision.index]
        return (cur.stop_reason is None and cur.item.usage == "feature" and nxt.usage == "feature"
                and nxt.timing == "follow" and bool(nxt.path))

    def _launch(self, decision: Decision, *, item: LogItem | None = None,
                key: str | None = None) -> Slot | None:
        """Prepare the decided item and ask the player to start it at its instant."""
        self.pending = None
        self.flowing = True
        reason = decision.reason
        fade_out: int | None = None
        if item is None and decision.index is not None and not self.tl.items[decision.index].path:
            # A planned item without audio (a gap the planner could not fill): fallback covers it.
            planned = self.tl.items[decision.index]
            self.done.add(self.tl.keys[decision.index])
            self.cursor = max(self.cursor, decision.index)
            decision = Decision(None, decision.start_ms, fill_until_ms=self.tl.ends[decision.index],
                                reason=planned.note or f"planned {planned.kind} item has no audio")
            reason = decision.reason
        outage = None if item is not None or decision.index is None else \
            self._outage_of(self.tl.items[decision.index].path)
        if outage is not None and decision.index is not None:
            # Its folder is away: covered by the fallback without trying the file, and passed
            # over only once its slot has begun (the plan keeps to the clock meanwhile, so it
            # resumes at the item due when the folder is back). Not done: never used up.
            index = decision.index
            planned, why = self.tl.items[index], f"media folder {outage.folder}: {outage.why}"
            begins = self.tl.starts[index]
            if begins - decision.start_ms >= MIN_FILL_MS:
                decision = Decision(None, decision.start_ms, fill_until_ms=begins, then_index=index, reason=why)
            else:
                outage.miss(self.tl.keys[index], planned.title or os.path.basename(planned.path), begins)
                self.cursor = max(self.cursor, index)
                decision = Decision(None, decision.start_ms, fill_until_ms=self.tl.ends[index], reason=why)
            reason = decision.reason
        if item is None and decision.index is not None:
            item = self.tl.items[decision.index]
            key = self.tl.keys[decision.index]
            if decision.offset_ms and key in self.done:
                key = f"{key}@{decision.offset_ms}"      # a show continued after a restart
        elif item is None:
            # A fill stands in for the log up to its end: what is planned before that is behind us.
            if decision.then_index is not None:
                self.cursor = max(self.cursor, decision.then_index - 1)
            elif self.cursor < 0:
                self.cursor = bisect.bisect_right(self.tl.starts, decision.start_ms) - 1
            room = None if decision.fill_until_ms is None else decision.fill_until_ms - decision.start_ms
            item = self.fallback.next_item(from_ms(decision.start_ms), decision.reason, room,
                                           usable=self._reachable)
            if item is None:
                if not self._fallback_failing:
                    self._error("fallback", f"no fallback item can play ({decision.reason})")
                self._fallback_failing = True
                if decision.then_index is not None and decision.fill_until_ms is not None:
                    # Nothing to fill with: at least have the next item ready on its instant.
                    self._fill_blocked_until = decision.fill_until_ms
                    self.pending = Decision(decision.then_index, decision.fill_until_ms)
                else:
                    self._retry_mono = self.clock.monotonic_ms() + FALLBACK_RETRY_MS
                self.state = EngineState.FALLBACK
                return None
            self._fallback_failing = False
            if outage is None and room is not None and 0 < room <= SHORT_GAP_MS and item.length_ms > room:
                # A cut piece that ends on the next item's instant by itself (no stop to give
                # late): it fades out over its last moments rather than stopping dead.
                item = dataclasses.replace(item, length_ms=room, cue_out_ms=item.cue_in_ms + room)
                fade_out = min(self.config.fade_out_ms, room // 2)
            key = f"fallback:{decision.start_ms}:{next(self._handles)}"
            if outage is None:      # an outage has its own two lines, not one per item
                self._error("fallback", f"fallback until {iso(decision.fill_until_ms) or 'further notice'}: "
                            f"{decision.reason}")
        assert key is not None
        slot = Slot(handle=f"h{next(self._handles)}:{key}", item=item, key=key, index=decision.index,
                    offset_ms=decision.offset_ms, start_wall=decision.start_ms, reason=reason)
        slot.fade_out_ms = fade_out
        self.slots[slot.handle] = slot
        self.next = slot
        self.state = EngineState.FALLBACK if item.source == "fallback" else EngineState.PLAYING
        self.player.prepare(self._cue(slot))
        at = self._mono(decision.start_ms)
        self.player.start(slot.handle, at_ms=at if at > self.clock.monotonic_ms() else None,
                          offset_ms=decision.offset_ms)
        return slot

    def _cut_if_due(self) -> None:
        cur = self.current
        if cur is None or cur.cut_wall is None or cur.stop_reason is not None:
            return
        now = self._wall()
        # the player hears a stop command_lead_ms after it is given: give it that much earlier
        lead = getattr(self.player, "command_lead_ms", 0)
        if now >= cur.cut_wall - self._fade_for_cut(cur) - lead:
            self._cut(cur, "cut", fade_ms=max(0, cur.cut_wall - now), end_wall=cur.cut_wall)

    def _cut(self, slot: Slot, reason: str, *, fade_ms: int, end_wall: int | None = None) -> None:
        """Stop the current item (fading); what follows starts at ``end_wall`` (default: now)."""
        slot.stop_reason = reason
        slot.end_wall = end_wall if end_wall is not None else self._wall()
        if self.next is not None and self.next.started_wall is None and end_wall is None:
            self._abandon(self.next)         # it was due later; start the follower now instead
        self.player.stop(slot.handle, fade_ms=fade_ms)
        self.pending = None

    def _fade_for_cut(self, slot: Slot) -> int:
        return self.config.fade_out_ms

    def _watchdog(self) -> None:
        """Playing but not advancing, not starting, or not ending: treat it as a failure."""
        now_mono = self.clock.monotonic_ms()
        limit = self.config.watchdog_ms
        cur = self.current
        if cur is not None and cur.stop_reason is None and cur.started_mono is not None:
            pos = self.player.position_ms(cur.handle)
            if pos is not None and pos != cur.last_pos:
                cur.last_pos, cur.last_move_mono = pos, now_mono
            elif now_mono - cur.last_move_mono >= limit:
                end = cur.expected_end()
                if end is not None and self._wall() >= end:
                    # It ended; the event never came. The row ends when the audio did.
                    self._close_row(cur, "end", cur.remaining_ms, at_wall=end)
                    self._abandon(cur)
                else:
                    self._fail(cur, f"stalled: position stuck at {cur.last_pos} ms for {limit} ms",
                               self._heard_ms(cur))
                    return
        nxt = self.next
        if nxt is not None and nxt.started_mono is None and now_mono >= self._mono(nxt.start_wall) + limit:
            self._fail(nxt, f"did not start within {limit} ms", 0)
        for slot in self._outgoing():
            end = slot.expected_end()
            if end is not None and self._wall() >= end + limit:
                # Its follower is on air but its own end never came: close it where it ended.
                played = max(0, min(slot.remaining_ms, end - (slot.started_wall or end)))
                self._close_row(slot, slot.stop_reason or "end", played, at_wall=end)
                self._abandon(slot)

    def _outgoing(self) -> list[Slot]:
        """Items that started and were followed, still waiting for their 'ended'."""
        return [s for s in self.slots.values()
                if s is not self.current and s is not self.next and s.started_wall is not None]

    def _fail(self, slot: Slot, detail: str, played_ms: int) -> None:
        """An item could not play (or stopped playing): record it, skip it, keep the station on air."""
        outage = self._outage_of(slot.item.path, probe_now=True)
        if outage is not None:
            return self._pass_over(slot, outage, played_ms)
        self.stats["failed"] += 1
        self.done.add(base_key(slot.key))
        if slot.item.source == "fallback":
            self.fallback.mark_failed(slot.item.path)
        self._error("failed", f"{slot.item.path or slot.key}: {detail}")
        if slot.play_id is None:
            # It never aired: still record the attempt, so the log shows what was skipped and why.
            now = self._wall()
            slot.logged = True
            try:
                slot.play_id = self.playlog.open_play(
                    started_at_ms=now, planned_start_ms=to_ms(slot.item.start) + slot.offset_ms,
                    source=slot.item.source, usage=slot.item.usage, show=slot.item.show,
                    category=slot.item.category, track_id=slot.item.track_id,
                    snapshot=self._snapshot(slot), item_key=slot.key, show_id=slot.item.show_id)
            except DuplicatePlay:
                slot.play_id = None
        if slot.play_id is not None:
            slot.detail = detail
            self._close_row(slot, "failed", played_ms)
        nxt = self.next
        if slot is self.current and nxt is not None and nxt.started_wall is None and nxt.start_wall > self._wall():
            self._abandon(nxt)            # it was due when this one would have ended: bring it forward
        self._abandon(slot)

    # -- media outages -------------------------------------------------------------------------------

    def _outage_of(self, path: str, *, probe_now: bool = False) -> MediaOutage | None:
        """The outage ``path``'s folder is in; with ``probe_now`` its folders are looked at first
        (a file that failed), starting an outage when one of them is away."""
        if not path:
            return None
        for folder, outage in self.outages.items():
            if under(path, folder):
                return outage
        if not probe_now or not self.media.roots:
            return None          # no media roots given (tests of single files): no outages
        gone = self.media.unreachable(path)
        if gone is None:
            return None
        outage = MediaOutage(gone.folder, gone.why, since_wall=self._wall(),
                             retry_mono=self.clock.monotonic_ms() + RETRY_MS, missed={})
        self.outages[gone.folder] = outage
        self._error("media-outage", f"{gone.folder}: {gone.why}; its items are passed over (not failed) and "
                    f"the fallback plays until it is back (looked at every {RETRY_MS // 1000} s)")
        return outage

    def _reachable(self, path: str) -> bool:
        return self._outage_of(path) is None

    def _pass_over(self, slot: Slot, outage: MediaOutage, played_ms: int) -> None:
        """An item whose folder is away: not failed, not used up; the station goes on without it."""
        if slot.play_id is not None:
            # It was on air when its folder went: what was heard stands.
            slot.detail = f"media folder {outage.folder}: {outage.why}"
            self._close_row(slot, "interrupted", played_ms)
            self.done.add(base_key(slot.key))
        nxt = self.next
        if slot is self.current and nxt is not None and nxt.started_wall is None and nxt.start_wall > self._wall():
            self._abandon(nxt)
        self._abandon(slot)

    def _retry_outages(self) -> None:
        """Look at each folder that is away when its turn comes; resume the plan when it is back."""
        now_mono = self.clock.monotonic_ms()
        back = False
        for folder, outage in list(self.outages.items()):
            if now_mono < outage.retry_mono:
                continue
            why = probe(folder)
            if why is not None:
                outage.why = why
                outage.retry_mono = now_mono + RETRY_MS
                continue
            del self.outages[folder]
            now = self._wall()
            due = join_point(self.tl, now, self.done, self.resumable).index     # airs now: not missed
            missed = outage.missed_by(now, except_key=None if due is None else self.tl.keys[due])
            self._error("media-outage", f"{folder} is back after {(now - outage.since_wall) / 1000:.1f} s; "
                        f"{outage.summary(missed)}", length_ms=now - outage.since_wall, missed=len(missed))
            back = True
        if back and self.state in (EngineState.PLAYING, EngineState.FALLBACK):
            self._resume_plan()

    def _resume_plan(self) -> None:
        """Back to the plan at the item due now (by the clock, as after a restart); a fallback
        item on air fades out for it."""
        cur = self.current
        if cur is not None and cur.stop_reason is None and cur.item.source != "fallback":
            return              # a planned item from elsewhere is on air: the plan follows it
        if self.next is not None and self.next.started_wall is None:
            self._abandon(self.next)
        self.pending = None
        self._fill_blocked_until = None
        self._retry_mono = None
        if cur is None:
            self.flowing = False        # nothing on air: come in by the clock
            return
        # The fallback item on air is cut (faded) for it once it is prepared, preroll from now.
        decision = join_point(self.tl, self._wall() + self.config.preroll_ms, self.done, self.resumable)
        if decision.index is not None:
            self._rejoin = decision

    def _abandon(self, slot: Slot) -> None:
        """Forget a slot (and silence it); later events about it are ignored."""
        self._drop(slot)
        self.player.stop(slot.handle)

    def _drop(self, slot: Slot) -> None:
        self.slots.pop(slot.handle, None)
        if slot is self.current:
            self.current = None
        if slot is self.next:
            self.next = None
        self.pending = None

    # -- play log ----------------------------------------------------------------------------------

    def _load_done(self) -> None:
        """Keys already in the play log for the span of the log (none of them airs again)."""
        if not len(self.tl):
            return
        latest: dict[str, str] = {}
        for key, end_reason in self.playlog.outcomes(started_from_ms=self.tl.starts[0] - 6 * 3600_000):
            latest[base_key(key)] = end_reason
        self.done = set(latest)
        self.resumable = {k for k, why in latest.items() if why in ("interrupted", "shutdown")}
        # Where the log stood when the daemon stopped: boundaries after it are missed, not aired late.
        self.cursor = max((i for i, key in enumerate(self.tl.keys) if key in self.done), default=-1)

    def _close_row(self, slot: Slot, reason: str, played_ms: int, at_wall: int | None = None) -> None:
        if slot.play_id is None:
            return
        at = at_wall if at_wall is not None else self._wall()
        detail = slot.detail or (slot.reason if slot.item.source == "fallback" else "")
        try:
            self.playlog.close_play(slot.play_id, ended_at_ms=at, played_ms=max(0, int(played_ms)),
                                    end_reason=reason, detail=detail)
        finally:
            slot.play_id = None

    def _snapshot(self, slot: Slot) -> dict[str, Any]:
        item = slot.item
        snap = {"path": item.path, "title": item.title, "artist": item.artist, "local": item.local,
                "length_ms": item.length_ms}
        snap.update(item.snapshot)
        if item.source == "show":           # where in the file it airs from: the tracklist's times are file times
            snap["file_offset_ms"] = item.cue_in_ms + slot.offset_ms
        if slot.reason and item.source == "fallback":
            snap["fallback_reason"] = slot.reason
        return snap

    def _heard_ms(self, slot: Slot) -> int:
        """How much of it has been heard by now: from its heard start, no further than its end
        (or a fade's end) and than the player's heard position."""
        if slot.started_mono is None:
            return 0
        heard = self.clock.monotonic_ms() - slot.started_mono
        end = slot.expected_end()
        if end is not None and slot.started_wall is not None:
            heard = min(heard, end - slot.started_wall)
        pos = self.player.position_ms(slot.handle)
        if pos is not None:
            heard = min(heard, pos - slot.item.cue_in_ms - slot.offset_ms)
        return max(0, min(heard, slot.remaining_ms))

    def _heartbeat(self, *, force: bool = False) -> None:
        """Save the heard position of every open row (every HEARD_EVERY_MS, and when one opens)."""
        now = self.clock.monotonic_ms()
        if not force and now < self._heard_due:
            return
        plays = [HeardPlay(s.play_id, s.started_wall, self._heard_ms(s)) for s in self._row_slots()
                 if s.play_id is not None and s.started_wall is not None]
        if plays or self._heard_open:
            self.playlog.mark_heard(self._wall(), plays)
        self._heard_open = bool(plays)
        self._heard_due = now + HEARD_EVERY_MS

    # -- status ------------------------------------------------------------------------------------

    def snapshot(self) -> Status:
        """The status snapshot (the daemon adds output and schedule error; see ``messages.Status``)."""
        now = self._wall()
        cur = self.current
        nxt = self.next
        upcoming = None
        if nxt is not None:
            upcoming = Upcoming(self._describe(nxt.item), iso(nxt.start_wall))
        elif self.pending is not None and self.pending.index is not None:
            upcoming = Upcoming(self._describe(self.tl.items[self.pending.index]), iso(self.pending.start_ms))
        info = self.show_info(from_ms(now)) if self.show_info else None
        show = ShowOnAir.from_public(info) if info else None
        if show is None and cur is not None and cur.item.show:
            show = ShowOnAir(cur.item.show)
        on_air = None
        if cur is not None and cur.started_wall is not None:
            on_air = OnAir(self._describe(cur.item), play_id=cur.play_id, item_key=cur.key,
                           started_at=iso(cur.started_wall), expected_end=iso(cur.expected_end()),
                           planned_start=iso(to_ms(cur.item.start) + cur.offset_ms), offset_ms=cur.offset_ms,
                           length_ms=cur.item.length_ms, reason=cur.reason)
        elif self.live is not None and cur is None:
            on_air = self._live_on_air
        timing = getattr(self.player, "timing", None)     # players with an output clock (libVLC)
        # The engine waits (paused) under a DJ; the snapshot says the truth: live, and who.
        live = None if self.live is None else LiveNow(self.live.dj, self.live.show, self._live_since)
        state = EngineState.LIVE if live is not None and self.state == EngineState.PAUSED else self.state
        return Status(state=state, now=on_air, next=upcoming, show=show,
                      errors=tuple(self.errors)[-10:], stats=Stats(**self.stats),
                      timing=timing() if timing is not None else None, live=live)

    def status(self) -> dict[str, Any]:
        """The snapshot's public form (what `radiod ctl status`, the panel and now-playing read)."""
        return self.snapshot().to_public()

    def _describe(self, item: LogItem) -> ItemInfo:
        snap = item.snapshot
        return ItemInfo(title=item.title or snap.get("title", ""), artist=item.artist or snap.get("artist", ""),
                        album=snap.get("album", ""), artist_keys=tuple(snap.get("artist_keys", ())),
                        local=bool(item.local), show=item.show, source=item.source, usage=item.usage,
                        category=item.category)

    def _publish(self) -> None:
        if self.on_change is None:
            return
        snap = self.snapshot()
        if snap != self._last_published:
            self._last_published = snap
            self.on_change(snap.to_public())

    def _error(self, kind: str, detail: str, **figures: int) -> None:
        self.errors.append(ErrorEntry(iso(self._wall()) or "", kind, detail, figures))
        log.warning("%s: %s", kind, detail)

    # -- helpers -----------------------------------------------------------------------------------

    def _cue(self, slot: Slot) -> Cue:
        item = slot.item
        gain = 0.0
        if item.loudness_lufs is not None:
            gain = min(self.config.target_lufs - item.loudness_lufs, self.config.max_gain_db)
        cue_out = item.cue_out_ms or (item.cue_in_ms + item.length_ms if item.length_ms else None)
        fade = self.config.crossfade_ms if item.usage == "feature" and item.source != "insert" else 0
        fade_out = fade if slot.fade_out_ms is None else slot.fade_out_ms
        return Cue(handle=slot.handle, path=item.path, cue_in_ms=item.cue_in_ms, cue_out_ms=cue_out,
                   gain_db=round(gain, 2), fade_in_ms=fade if slot.offset_ms == 0 else 0, fade_out_ms=fade_out,
                   title=item.title, artist=item.artist)

    @property
    def _fill_gap_ms(self) -> int:
        return self.config.fill_gap_ms

    def _wall(self) -> int:
        return to_ms(self.clock.now())

    def _mono(self, wall_ms: int) -> int:
        return self.clock.monotonic_ms() + (wall_ms - self._wall())

    def _wall_of(self, mono_ms: int) -> int:
        return self._wall() + (mono_ms - self.clock.monotonic_ms())
