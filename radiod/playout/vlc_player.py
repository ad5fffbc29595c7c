"""The libVLC player adapter (python-vlc), built on what was measured on this kind of machine.

- Every item is decoded ahead to a PCM WAV (``pcm_cache``): exact length, exact ending, exact
  fades; libVLC only plays WAV files, which it plays exactly.
- One libVLC media player per item. ``prepare`` decodes, opens the WAV ``:start-paused`` and
  reports 'ready' when libVLC has paused it: the next item is pre-rolled while the current one
  plays, and two items can overlap (crossfades).
- Starts are timed by the wall clock, not by libVLC's EndReached (which comes 40–80 ms after the
  audible end): a control thread sleeps until just before the instant, spins the last ms, and
  resumes the player ``lead_ms`` early — the WAV starts with that much silence, which covers the
  few ms libVLC drops when it resumes.
- One control thread makes every libVLC call. libVLC callbacks only enqueue (calling a player
  from its own callback deadlocks). Events go to the listener from the control thread.
- A live fade (``stop(handle, fade_ms)``) ramps the libVLC volume, which through PulseAudio
  scales amplitude by (volume/100)³.
- A long item (a show) starts playing once its first ``head_ms`` are decoded; the item's end is
  then known when the decode finishes, long before it is due.
- The control thread asks for real-time scheduling (SCHED_FIFO, when permitted): on a busy
  machine a normal thread can wake tens of ms late for a timed start.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vlc

from radiod.clock import Clock, to_ms
from radiod.errors import MediaError, PlayerError
from radiod.playout import output as out
from radiod.playout.pcm_cache import HEAD_MS, Cancel, Decoded, decode, sweep_cache
from radiod.playout.port import Cue, Listener, PlayerEvent

log = logging.getLogger(__name__)

SPIN_MS = 3             # the last ms before a timed start are spun, not slept (sleep is too coarse)
FADE_STEP_MS = 20       # volume update interval during a live fade
WATCH_EVERY_MS = 500    # how often a playing item's libVLC position is read for the stall watchdog
RELEASE_AFTER_MS = 500  # a finished player is released this long after its last sample (or at EndReached)
RELEASE_GUARD_MS = 100  # no player is released this close before a timed start
RT_PRIORITY = 2         # SCHED_FIFO priority of the control thread: above every normal thread, below PulseAudio
UNKNOWN_LENGTH_MS = 1 << 40   # the length of an item still decoding, for position_ms
STALE_CACHE_MS = 3_600_000   # decoded files left by an earlier run are removed after an hour
EARLY_END_MS = 1000     # EndReached this long before the computed end means playback broke off


@dataclass
class _Item:
    cue: Cue
    state: str = "decoding"        # decoding → prerolling → ready → playing → done
    offset_ms: int = 0             # offset of the decode in progress or done
    want_offset_ms: int = 0        # offset the engine asked for in start()
    decoded: Decoded | None = None
    player: Any = None             # vlc.MediaPlayer
    start_wanted: bool = False
    start_at_ms: int | None = None  # when the first sample should sound (None: as soon as ready)
    preroll_deadline_ms: int = 0
    started_ms: int | None = None  # when the first sample sounded (resume + lead)
    end_ms: int | None = None      # when the last sample sounds
    fade: tuple[int, int] | None = None   # live fade-out (from_ms, to_ms)
    release_ms: int | None = None
    watch_ms: int = 0
    vlc_time: int = -1
    vlc_moved_ms: int = 0
    stalled: bool = False
    cancel: Cancel = field(default_factory=Cancel)   # stops its decode
    start_asked_ms: int = 0        # when start() arrived
    decode_error: str = ""         # the decode failed after playback began: fail at EndReached

    @property
    def handle(self) -> str:
        return self.cue.handle


class VlcPlayer:
    """The Player port on libVLC. See the module docstring for how it keeps time."""

    def __init__(self, clock: Clock, *, output: str = "auto", cache_dir: Path,
                 state_dir: Path | None = None, file_caching_ms: int = 300, stall_ms: int = 5000,
                 lead_ms: int = 20, preroll_timeout_ms: int = 5000, realtime: bool = True,
                 head_ms: int = HEAD_MS):
        self.clock = clock
        self.output = output
        self.cache_dir = Path(cache_dir)
        self.state_dir = Path(state_dir) if state_dir else self.cache_dir
        self.file_caching_ms = file_caching_ms
        self.stall_ms = stall_ms
        self.lead_ms = lead_ms
        self.preroll_timeout_ms = preroll_timeout_ms
        self.realtime = realtime
        self.head_ms = head_ms
        self._listener: Listener = lambda event: None
        self._inbox: queue.Queue = queue.Queue()
        self._items: dict[str, _Item] = {}          # owned by the control thread
        self._positions: dict[str, tuple[int, int, int]] = {}   # handle → (started_ms, from_ms, length_ms)
        self._lock = threading.Lock()
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pcm-decode")
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: str | None = None
        self._description: str | None = None
        self._device: str | None = None              # a PulseAudio sink name, or None: default
        self._pulse: out.PulseServer | None = None   # a private server (file output)
        self._saved_server: str | None = None
        self._instance: Any = None
        self._closed = False

    # -- the port (any thread) ---------------------------------------------------------------------

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def check_output(self) -> str:
        """Resolve ``output``, verify it answers, start libVLC on it; raise PlayerError if it can't."""
        if self._description is None:
            self._description = self._open_output()
        self._ensure_thread()
        return self._description

    def prepare(self, cue: Cue) -> None:
        self._post("prepare", cue)

    def start(self, handle: str, at_ms: int | None = None, offset_ms: int = 0) -> None:
        self._post("start", handle, at_ms, offset_ms)

    def stop(self, handle: str, fade_ms: int = 0) -> None:
        self._post("stop", handle, fade_ms)

    def position_ms(self, handle: str) -> int | None:
        with self._lock:
            known = self._positions.get(handle)
        if known is None:
            return None
        started, first, length = known
        return first + max(0, min(self.clock.monotonic_ms() - started, length))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._inbox.put(("close",))       # the control thread releases (and cancels) every item
            self._thread.join(timeout=10)
        self._decoder.shutdown(wait=True, cancel_futures=True)
        if self._pulse is not None:
            self._pulse.stop()             # finishes the recording
            self._pulse = None
            if self._saved_server is None:
                os.environ.pop("PULSE_SERVER", None)
            else:
                os.environ["PULSE_SERVER"] = self._saved_server

    # -- output ------------------------------------------------------------------------------------

    def _open_output(self) -> str:
        spec = self.output
        if spec == "auto":
            info = out.pulse_info()
            if info is not None:
                return f"PulseAudio default sink {info.get('Default Sink', '?')!r}"
            path = self.state_dir / "output.wav"
            return self._file_output(path, "no PulseAudio server answers (pactl info), so the "
                                           f"output is recorded to {path}")
        if spec == "default":
            if out.pulse_info() is not None:
                return "PulseAudio default sink"
            if _alsa_cards():
                return "the system's default ALSA device"
            raise PlayerError("output 'default': no PulseAudio server answers and there is no sound card")
        kind, _, arg = spec.partition(":")
        if kind == "pulse" and arg:
            sinks = out.pulse_sinks()
            if arg not in sinks:
                have = ", ".join(sinks) if sinks else "no PulseAudio server answers"
                raise PlayerError(f"output 'pulse:{arg}': no such sink ({have})")
            self._device = arg
            return f"PulseAudio sink {arg!r}"
        if kind == "file" and arg:
            path = Path(arg)
            return self._file_output(path, f"recording the output to {path}")
        raise PlayerError(f"output {spec!r}: expected 'auto', 'default', 'pulse:SINK' or 'file:PATH'")

    def _file_output(self, path: Path, description: str) -> str:
        # libVLC's own file output holds one player only; a private null sink mixes them all.
        self._pulse = out.start_private_pulse(self.state_dir / "pulse")
        self._pulse.record_to(path)
        self._saved_server = os.environ.get("PULSE_SERVER")
        os.environ["PULSE_SERVER"] = self._pulse.server     # libVLC's pulse module reads it
        return description

    # -- control thread ----------------------------------------------------------------------------

    def _post(self, *command: Any) -> None:
        if self._closed:
            return
        if self._description is None:
            self.check_output()
        self._inbox.put(command)

    def _ensure_thread(self) -> None:
        if self._thread is None:
            sweep_cache(self.cache_dir, to_ms(self.clock.now()), older_than_ms=STALE_CACHE_MS)
            self._thread = threading.Thread(target=self._run, name="vlc-control", daemon=True)
            self._thread.start()
            self._ready.wait(timeout=10)
        if self._startup_error:
            raise PlayerError(self._startup_error)

    def _run(self) -> None:
        if self.realtime:
            _raise_priority()
        args = ["--no-video", "--quiet", "--no-xlib", f"--file-caching={self.file_caching_ms}",
                "--aout=pulse"]
        if self._description and "ALSA" in self._description:
            args[-1] = "--aout=alsa"
        self._instance = vlc.Instance(args)
        if self._instance is None:
            self._startup_error = f"libVLC would not start with {' '.join(args)}"
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                now = self.clock.monotonic_ms()
                due = self._next_due_ms()
                timeout = None if due is None else max(0, due - SPIN_MS - now) / 1000
                try:
                    command = self._inbox.get(timeout=timeout)
                except queue.Empty:
                    command = None
                if command is not None:
                    if command[0] == "close":
                        break
                    self._handle(command)
                self._run_due()
        finally:
            for item in list(self._items.values()):
                self._release(item)
            with self._lock:
                self._positions.clear()
            self._instance.release()

    def _handle(self, command: tuple) -> None:
        kind, *args = command
        if kind == "prepare":
            self._on_prepare(*args)
        elif kind == "start":
            self._on_start(*args)
        elif kind == "stop":
            self._on_stop(*args)
        elif kind == "decoded":
            self._on_decoded(*args)
        elif kind == "head":
            self._on_head(*args)
        elif kind == "vlc":
            self._on_vlc_event(*args)

    def _emit(self, kind: str, item: _Item, at_ms: int | None = None, **fields: Any) -> None:
        event = PlayerEvent(kind=kind, handle=item.handle,
                            at_ms=self.clock.monotonic_ms() if at_ms is None else at_ms, **fields)
        try:
            self._listener(event)
        except Exception:                          # a listener bug must not stop the audio
            log.exception("player listener failed on %s", event)

    # commands

    def _on_prepare(self, cue: Cue) -> None:
        if cue.handle in self._items:
            return
        item = _Item(cue)
        self._items[cue.handle] = item
        self._submit_decode(item)

    def _submit_decode(self, item: _Item) -> None:
        item.state = "decoding"
        item.offset_ms = item.want_offset_ms
        cue, offset, cancel = item.cue, item.offset_ms, item.cancel

        def head(path: Path) -> None:
            self._inbox.put(("head", cue.handle, offset, path))

        def work() -> None:
            try:
                result: Decoded | str = decode(cue, self.cache_dir, offset, self.lead_ms, on_head=head,
                                               head_ms=self.head_ms, cancel=cancel)
            except MediaError as exc:
                result = str(exc)
            except Exception as exc:               # never let a decode bug kill playout
                result = f"{cue.path}: cannot decode: {exc}"
            self._inbox.put(("decoded", cue.handle, offset, result))

        self._decoder.submit(work)

    def _on_start(self, handle: str, at_ms: int | None, offset_ms: int) -> None:
        item = self._items.get(handle)
        if item is None:
            self._emit("failed", _Item(Cue(handle, "")), detail="start of an item that was not prepared")
            return
        if item.state in ("playing", "done"):
            return
        item.start_wanted = True
        item.start_asked_ms = self.clock.monotonic_ms()
        item.start_at_ms = at_ms
        item.want_offset_ms = offset_ms
        if offset_ms != item.offset_ms and item.state in ("prerolling", "ready"):
            self._release(item, keep=True)
            item.cancel.set()
            item.cancel = Cancel()
            self._forget_decode(item)
            self._submit_decode(item)      # join late: decode from the offset (fast input seek)

    def _on_stop(self, handle: str, fade_ms: int) -> None:
        item = self._items.get(handle)
        if item is None or item.state == "done":
            return
        if item.state != "playing" or fade_ms <= 0:
            self._finish(item, "stopped")
            return
        now = self.clock.monotonic_ms()
        end = now + fade_ms
        if item.end_ms is not None and end >= item.end_ms:
            return                          # it ends (with its own fade) before the fade would
        item.fade = (now, end)

    def _on_head(self, handle: str, offset_ms: int, path: Path) -> None:
        item = self._items.get(handle)
        if item is not None and item.state == "decoding" and offset_ms == item.offset_ms \
                and item.want_offset_ms == offset_ms:
            self._open(item, path)         # a long item: play while the rest decodes

    def _on_decoded(self, handle: str, offset_ms: int, result: Decoded | str) -> None:
        item = self._items.get(handle)
        if item is None or offset_ms != item.offset_ms or item.state == "done":
            if not isinstance(result, str) and not self._in_use(result.path):
                result.path.unlink(missing_ok=True)   # stopped meanwhile, or superseded
            return
        if isinstance(result, str):
            if item.state == "decoding":
                self._fail(item, result)
            else:
                item.decode_error = result     # what was decoded plays; it fails where it ends
            return
        if item.want_offset_ms != item.offset_ms:
            item.decoded = result
            self._forget_decode(item)
            self._submit_decode(item)
            return
        item.decoded = result
        if item.state == "decoding":
            self._open(item, result.path)
        elif item.state == "playing":
            item.end_ms = item.started_ms + result.length_ms
            with self._lock:
                self._positions[item.handle] = (item.started_ms, self._first_ms(item), result.length_ms)

    def _forget_decode(self, item: _Item) -> None:
        """Drop the item's decoded file (superseded by a decode from another offset)."""
        old, item.decoded = item.decoded, None
        if old is not None and not self._in_use(old.path):
            old.path.unlink(missing_ok=True)

    def _in_use(self, path: Path) -> bool:
        return any(i.decoded is not None and i.decoded.path == path for i in self._items.values())

    def _first_ms(self, item: _Item) -> int:
        return item.cue.cue_in_ms + item.offset_ms

    def _open(self, item: _Item, path: Path) -> None:
        """Open the (possibly still growing) WAV paused at its start: the pre-roll."""
        handle = item.handle
        media = self._instance.media_new_path(str(path))
        media.add_option(":start-paused")
        player = self._instance.media_player_new()
        player.set_media(media)
        media.release()
        if self._device:
            player.audio_output_device_set(None, self._device)
        events = player.event_manager()
        for event_type, name in ((vlc.EventType.MediaPlayerPaused, "paused"),
                                 (vlc.EventType.MediaPlayerEndReached, "end"),
                                 (vlc.EventType.MediaPlayerEncounteredError, "error")):
            events.event_attach(event_type, self._vlc_callback, handle, name)
        item.player = player
        item.state = "prerolling"
        item.preroll_deadline_ms = self.clock.monotonic_ms() + self.preroll_timeout_ms
        if player.play() != 0:
            self._fail(item, f"{item.cue.path}: libVLC could not open the decoded audio")

    def _vlc_callback(self, event: Any, handle: str, name: str) -> None:
        # runs on a libVLC thread: only enqueue (calling the player from here deadlocks)
        self._inbox.put(("vlc", handle, name))

    def _on_vlc_event(self, handle: str, name: str) -> None:
        item = self._items.get(handle)
        if item is None:
            return
        if name == "paused" and item.state == "prerolling":
            item.state = "ready"
            self._emit("ready", item, position_ms=item.cue.cue_in_ms + item.offset_ms)
        elif name == "error":
            self._fail(item, f"{item.cue.path}: libVLC could not play it")
        elif name == "end" and item.state == "playing":
            # libVLC reads ahead: EndReached may come before the last sample sounds; the timer
            # ends the item on its true length, unless libVLC gave up well before it
            if item.decode_error:
                self._fail(item, item.decode_error)
            elif item.decoded is None:
                self._fail(item, f"{item.cue.path}: decoding fell behind playback")
            elif self.clock.monotonic_ms() < item.end_ms - EARLY_END_MS:
                self._finish(item, "end")
        elif name == "end" and item.state == "done" and item.release_ms is not None:
            item.release_ms = min(item.release_ms, self.clock.monotonic_ms())

    # timed work

    def _next_due_ms(self) -> int | None:
        dues = []
        for item in self._items.values():
            if item.state == "ready" and item.start_wanted:
                dues.append(self._resume_ms(item))
            elif item.state == "prerolling":
                dues.append(item.preroll_deadline_ms)
            elif item.state == "decoding" and item.start_wanted:
                dues.append(self._decode_deadline_ms(item))
            elif item.state == "playing":
                dues += [item.watch_ms] + ([item.end_ms] if item.end_ms is not None else [])
                if item.fade:
                    dues.append(self.clock.monotonic_ms() + FADE_STEP_MS)
            elif item.state == "done" and item.release_ms is not None:
                dues.append(self._release_due_ms(item))
        return min(dues) if dues else None

    def _release_due_ms(self, item: _Item) -> int:
        """When a retired player may be freed: not within RELEASE_GUARD_MS before a timed start."""
        due = item.release_ms or 0
        for other in self._items.values():
            if other.state in ("ready", "prerolling", "decoding") and other.start_wanted:
                resume = self._resume_ms(other) if other.state == "ready" else None
                if resume is not None and due > resume - RELEASE_GUARD_MS and due < resume + SPIN_MS:
                    due = resume + SPIN_MS
        return due

    def _decode_deadline_ms(self, item: _Item) -> int:
        """A decode that has produced nothing this long after the item was due has hung."""
        return max(item.start_asked_ms, item.start_at_ms or 0) + self.preroll_timeout_ms

    def _resume_ms(self, item: _Item) -> int:
        if item.start_at_ms is None:
            return self.clock.monotonic_ms()
        return item.start_at_ms - self.lead_ms

    def _run_due(self) -> None:
        now = self.clock.monotonic_ms()
        for item in sorted(self._items.values(), key=lambda i: i.start_at_ms or 0):
            if item.state == "ready" and item.start_wanted and self._resume_ms(item) <= now + SPIN_MS:
                self._resume(item)
            elif item.state == "decoding" and item.start_wanted and now >= self._decode_deadline_ms(item):
                self._fail(item, f"{item.cue.path}: not decoded within {self.preroll_timeout_ms} ms of its start")
            elif item.state == "prerolling" and now >= item.preroll_deadline_ms:
                self._fail(item, f"{item.cue.path}: libVLC did not get ready within {self.preroll_timeout_ms} ms")
            elif item.state == "playing":
                self._tend(item, now)
            elif item.state == "done" and item.release_ms is not None and now >= self._release_due_ms(item):
                self._release(item)

    def _resume(self, item: _Item) -> None:
        due = self._resume_ms(item)
        while self.clock.monotonic_ms() < due:
            pass                              # at most SPIN_MS: sleeping would overshoot
        item.player.set_pause(0)
        now = self.clock.monotonic_ms()
        item.state = "playing"
        item.started_ms = now + self.lead_ms
        length = item.decoded.length_ms if item.decoded else UNKNOWN_LENGTH_MS   # still decoding
        item.end_ms = item.started_ms + item.decoded.length_ms if item.decoded else None
        item.watch_ms = now + WATCH_EVERY_MS
        item.vlc_moved_ms = now
        first = self._first_ms(item)
        with self._lock:
            self._positions[item.handle] = (item.started_ms, first, length)
        self._emit("started", item, at_ms=item.started_ms, position_ms=first)

    def _tend(self, item: _Item, now: int) -> None:
        """A playing item: end it on time, step its fade, watch that it advances."""
        if item.end_ms is not None and now >= item.end_ms:
            self._finish(item, "end")
            return
        if item.fade:
            start, end = item.fade
            if now >= end:
                self._finish(item, "stopped")
                return
            gain = 1 - (now - start) / (end - start)
            item.player.audio_set_volume(round(100 * gain ** (1 / 3)))    # pulse: amplitude = (v/100)³
        if now >= item.watch_ms:
            item.watch_ms = now + WATCH_EVERY_MS
            position = item.player.get_time()
            if position != item.vlc_time:
                item.vlc_time, item.vlc_moved_ms = position, now
            elif now - item.vlc_moved_ms >= self.stall_ms and not item.stalled:
                item.stalled = True
                with self._lock:               # position_ms stops where libVLC stopped
                    started, first, _ = self._positions[item.handle]
                    self._positions[item.handle] = (started, first, max(0, item.vlc_moved_ms - started))
                self._emit("stalled", item, position_ms=self.position_ms(item.handle) or 0,
                           detail=f"position stuck at {position} ms for {now - item.vlc_moved_ms} ms")

    def _played_ms(self, item: _Item) -> int:
        if item.started_ms is None:
            return 0
        now = self.clock.monotonic_ms()
        return max(0, min(now, item.end_ms if item.end_ms is not None else now) - item.started_ms)

    def _finish(self, item: _Item, reason: str) -> None:
        """It stopped sounding (ran out, or was stopped): tell the listener, release soon."""
        was_playing = item.state == "playing"
        played = self._played_ms(item)
        now = self.clock.monotonic_ms()
        at = min(now, item.end_ms) if was_playing and reason == "end" and item.end_ms is not None else now
        position = item.cue.cue_in_ms + item.offset_ms + played
        self._retire(item, silence=reason == "stopped", after_ms=0 if reason == "stopped" else RELEASE_AFTER_MS)
        self._emit("ended", item, at_ms=at, position_ms=position, played_ms=played, reason=reason)

    def _fail(self, item: _Item, detail: str) -> None:
        played = self._played_ms(item)
        self._retire(item, silence=True, after_ms=0)
        self._emit("failed", item, played_ms=played, detail=detail)

    def _retire(self, item: _Item, silence: bool, after_ms: int) -> None:
        """Done with it: silence it now if asked; free its libVLC player a little later, when no
        start is about to be timed (libVLC's stop() can block for a few ms)."""
        item.state = "done"
        with self._lock:
            self._positions.pop(item.handle, None)
        if silence and item.player is not None:
            item.player.audio_set_volume(0)
        item.release_ms = self.clock.monotonic_ms() + after_ms

    def _release(self, item: _Item, keep: bool = False) -> None:
        """Stop and free the item's libVLC player; forget the item unless ``keep``."""
        if item.player is not None:
            item.player.event_manager().event_detach(vlc.EventType.MediaPlayerPaused)
            item.player.event_manager().event_detach(vlc.EventType.MediaPlayerEndReached)
            item.player.event_manager().event_detach(vlc.EventType.MediaPlayerEncounteredError)
            item.player.stop()
            item.player.release()
            item.player = None
        item.release_ms = None
        if not keep:
            item.cancel.set()
            self._items.pop(item.handle, None)
            if item.decoded is not None and not self._in_use(item.decoded.path):
                item.decoded.path.unlink(missing_ok=True)


def _raise_priority() -> None:
    """Real-time scheduling for the calling thread, when allowed (root, CAP_SYS_NICE or an
    rtprio limit): on a busy machine a normal thread can wake tens of ms late for a timed start."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
    except (AttributeError, PermissionError, OSError) as exc:
        log.info("timed starts run at normal priority (real-time scheduling refused: %s)", exc)


def _alsa_cards() -> bool:
    try:
        text = Path("/proc/asound/cards").read_text()
    except OSError:
        return False
    return "no soundcards" not in text and text.strip() != ""
