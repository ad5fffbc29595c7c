"""The libVLC player adapter (python-vlc): one continuous output stream, items mixed into it.

- Every item is decoded ahead to a PCM WAV (``pcm_cache``): exact length, exact ending, exact
  fades and gain. libVLC misreads MP3 lengths and cuts the ends of Ogg and FLAC tracks; it plays
  PCM exactly.
- One libVLC media player plays one never-ending PCM stream (``vlc_stream``) for the life of the
  player; the ``mixer`` places each item in it at a sample position. A timed start is therefore
  a position in a stream that is already running — not a libVLC resume, which came 30–100 ms late
  in 1–3 % of starts — and joins and crossfades are exact to the sample.
- libVLC keeps about half a second buffered, so what is mixed now is heard that much later.
  Timed starts are mixed ahead (the engine asks seconds before); a stop or an unscheduled start
  takes effect after ``command_lead_ms`` — the engine starts timed fades that much early.
- 'started' and 'ended' are announced as soon as the item's first (last) frame is mixed — the
  audio is then on its way out and nothing can change it — with ``at_ms`` the exact instant it is
  heard, computed from the stream position (so up to ``command_lead_ms`` in the future).
- One control thread does the rest (decodes, events, the stall watchdog); libVLC callbacks only
  enqueue (calling a player from its own callback deadlocks).
- Stall watchdog: an item whose audio stops arriving (a decode fell behind) or a stream libVLC
  stops reading reports 'stalled' after ``stall_ms``.
- Output watch: libVLC keeps "playing" without a word when the PulseAudio server behind it dies
  or a named sink goes away, so a thread asks the server every ``OUTPUT_CHECK_MS``. When it stops
  answering, what was playing fails (the log says why), starts wait, and the stream is restarted
  as soon as the output answers again (a private server behind file output is started anew).
- File output is recorded in files cut by the clock and expired (``recording``).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radiod.clock import Clock, to_ms
from radiod.errors import MediaError, PlayerError
from radiod.playout import output as out
from radiod.playout.cache_space import CacheSpace
from radiod.playout.air_tap import AirTap
from radiod.playout.live_voice import LiveVoice
from radiod.playout.mixer import Mixer, Voice, frames_written
from radiod.playout.output import RATE
from radiod.playout.messages import Timing
from radiod.playout.pcm_cache import HEAD_MS, Cancel, Decoded, decode, sweep_cache
from radiod.playout.port import Cue, EventKind, Listener, PlayerEvent
from radiod.playout.recording import Recorder, Retention
from radiod.playout.vlc_stream import VlcStream

log = logging.getLogger(__name__)

COMMAND_LEAD_MS = 600      # a change is heard within this long (libVLC buffers ~470 ms + one block)
JOIN_SNAP_MS = 1.5         # a start this close to a voice's end is that end, to the sample
WATCH_EVERY_MS = 250       # how often the stall watchdog looks
RESTART_AFTER_MS = 2000    # a stream that would not restart is tried again this much later
OUTPUT_CHECK_MS = 2000     # how often the output watch asks the sound server
# Another client's sound on the sink can hide the output clock's start marker; it is looked for
# this many times before the stream is timed by the system clock (seconds off a log's dates).
MEASURED_ATTEMPTS = 2
STALE_CACHE_MS = 3_600_000   # decoded files left by an earlier run are removed after an hour


@dataclass
class _Item:
    cue: Cue
    state: str = "decoding"        # decoding → ready → mixing → done
    offset_ms: int = 0             # offset of the decode in progress or done
    want_offset_ms: int = 0        # offset the engine asked for in start()
    path: Path | None = None       # the decoded WAV (growing until ``decoded`` is set)
    decoded: Decoded | None = None
    start_wanted: bool = False
    start_at_ms: int | None = None  # when the first frame should sound (None: as soon as possible)
    start_asked_ms: int = 0
    announced_start: bool = False
    joined: bool = False           # its start is placed at the end frame of another voice
    stalled: bool = False
    decode_error: str = ""         # the decode failed after playback began: fail where it ends
    cancel: Cancel = field(default_factory=Cancel)   # stops its decode

    @property
    def handle(self) -> str:
        return self.cue.handle

    @property
    def first_ms(self) -> int:
        return self.cue.cue_in_ms + self.offset_ms


class VlcPlayer:
    """The Player port on libVLC. See the module docstring for how it keeps time."""

    command_lead_ms = COMMAND_LEAD_MS

    def __init__(self, clock: Clock, *, output: str = "auto", cache_dir: Path,
                 state_dir: Path | None = None, stall_ms: int = 5000, preroll_timeout_ms: int = 5000,
                 head_ms: int = HEAD_MS, recording: Retention = Retention(), air: AirTap | None = None):
        self.clock = clock
        self.air = air                               # the rendered air, for streams and the logger
        self.output = output
        self.cache_dir = Path(cache_dir)
        self._cache_space = CacheSpace(self.cache_dir)
        self.state_dir = Path(state_dir) if state_dir else self.cache_dir
        self.stall_ms = stall_ms
        self.preroll_timeout_ms = preroll_timeout_ms
        self.head_ms = head_ms
        self.retention = recording
        self._listener: Listener = lambda event: None
        self._inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._items: dict[str, _Item] = {}          # owned by the control thread
        self._mixer = Mixer(clock.monotonic_ms, lambda: self._inbox.put(("mixed",)))
        self.live = LiveVoice()                      # a live DJ's audio (radiod.live pushes it)
        self._mixer.live = self.live
        self._stream: VlcStream | None = None
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pcm-decode")
        self._thread: threading.Thread | None = None
        self._description: str | None = None
        self._device: str | None = None              # a PulseAudio sink name, or None: default
        self._pulse: out.PulseServer | None = None   # a private server (file output)
        self._recording: Path | None = None          # where that server's sink is recorded (the base name)
        self._recorder: Recorder | None = None
        self._saved_server: str | None = None
        self._closed = False
        self._closing = threading.Event()
        self._failed_restarts = 0
        self._start_errors: deque[float] = deque(maxlen=10)   # heard − asked of the last hard starts, ms

    # -- the port (any thread) ---------------------------------------------------------------------

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def check_output(self) -> str:
        """Resolve ``output``, verify it answers, start the stream on it; raise PlayerError if not."""
        if self._description is None:
            self._description = self._open_output()
        if self._thread is None:
            sweep_cache(self.cache_dir, to_ms(self.clock.now()), older_than_ms=STALE_CACHE_MS)
            self._stream = self._start_stream()
            self._thread = threading.Thread(target=self._run, name="vlc-control", daemon=True)
            self._thread.start()
            if not self._description.startswith("the system's default ALSA"):
                threading.Thread(target=self._watch_output, name="vlc-output-watch", daemon=True).start()
        return self._description

    def prepare(self, cue: Cue) -> None:
        self._post("prepare", cue)

    def start(self, handle: str, at_ms: int | None = None, offset_ms: int = 0) -> None:
        self._post("start", handle, at_ms, offset_ms)

    def stop(self, handle: str, fade_ms: int = 0) -> None:
        self._post("stop", handle, fade_ms)

    def position_ms(self, handle: str) -> int | None:
        voice, stream = self._mixer.get(handle), self._stream
        if voice is None or stream is None or voice.began_at is None:
            return None
        end = voice.ended_at
        if end is not None and self.clock.monotonic_ms() >= stream.heard_ms(end):
            return None
        item = self._items.get(handle)
        first = item.first_ms if item is not None else 0
        heard = self.clock.monotonic_ms() - stream.heard_ms(voice.began_at)
        return first + max(0, min(heard, voice.cursor * 1000 // RATE))

    def live_on(self, fade_ms: int) -> None:
        """Mix the live DJ in (heard ``command_lead_ms`` from now), rising over ``fade_ms``."""
        self.live.engage(fade_ms * RATE // 1000)

    def live_off(self, fade_ms: int) -> None:
        """Fade the live DJ out over ``fade_ms`` (from ``command_lead_ms`` from now)."""
        self.live.release(fade_ms * RATE // 1000)

    def live_heard_ms(self, live_frame: int) -> int | None:
        """When the DJ's frame ``live_frame`` (counted since their connection) is heard (monotonic ms)."""
        stream = self._stream
        frame = self.live.stream_frame_of(live_frame)
        if stream is None or frame is None:
            return None
        return stream.heard_ms(frame)

    def live_began_ms(self) -> int | None:
        """When the live DJ's first frame since ``live_on`` is heard; None until it is mixed."""
        stream, began = self._stream, self.live.began_at
        if stream is None or began is None or not self.live.engaged:
            return None
        return stream.heard_ms(began)

    def timing(self) -> Timing:
        """The output clock's rate and source, and the last hard starts' errors by that clock."""
        stream = self._stream
        if stream is None:
            return Timing("no output", 0.0, 0, tuple(self._start_errors))
        return Timing(stream.source, stream.rate_ppm, stream.resyncs, tuple(self._start_errors))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        if self._thread is not None:
            self._inbox.put(("close",))
            self._thread.join(timeout=10)
        if self._stream is not None:
            self._stream.close()
        if self.air is not None:
            self.air.close()               # after the stream: its last block reaches every consumer
        self._decoder.shutdown(wait=True, cancel_futures=True)
        self._cache_space.close()
        if self._recorder is not None:
            self._recorder.stop()          # the file ends at the last frame sent
        if self._pulse is not None:
            self._pulse.stop()
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
                                           f"output is recorded to {self._files(path)}")
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
            return self._file_output(path, f"recording the output to {self._files(path)}")
        raise PlayerError(f"output {spec!r}: expected 'auto', 'default', 'pulse:SINK' or 'file:PATH'")

    def _file_output(self, path: Path, description: str) -> str:
        # libVLC's own file output holds one player only; a private null sink mixes them all.
        self._pulse = out.start_private_pulse(self.state_dir / "pulse")
        self._recording = path
        self._record()
        self._saved_server = os.environ.get("PULSE_SERVER")
        os.environ["PULSE_SERVER"] = self._pulse.server     # libVLC's pulse module reads it
        return description

    def _files(self, base: Path) -> str:
        minutes = self.retention.segment_ms / 60_000
        return f"{base.parent / base.stem}-<UTC start>{base.suffix}, a file every {minutes:g} min"

    def _record(self) -> None:
        """A recorder on the private server's sink (into files named after ``_recording``)."""
        assert self._pulse is not None and self._recording is not None
        self._recorder = Recorder(self._pulse.monitor, self._recording, self.retention,
                                  lambda: to_ms(self.clock.now()), self._pulse.env(),
                                  self._pulse.directory / "parec.pid")
        self._recorder.start()

    def _output_problem(self) -> str | None:
        """Why the output cannot sound now (None: it answers). Any thread; asks the server."""
        if self._device is not None:
            sinks = out.pulse_sinks()
            if not sinks:
                return "no PulseAudio server answers"
            if self._device not in sinks:
                return f"PulseAudio sink {self._device!r} is gone"
        elif out.pulse_info() is None:
            return "no PulseAudio server answers"
        if (recorder := self._recorder) is not None and not recorder.alive():
            return f"the recording to {recorder.current or self._recording} stopped" + \
                (f" ({recorder.error})" if recorder.error else "")
        return None

    def _watch_output(self) -> None:
        while not self._closing.wait(OUTPUT_CHECK_MS / 1000):
            if self._stream is not None and (problem := self._output_problem()):
                self._inbox.put(("broken", problem))

    # -- control thread ----------------------------------------------------------------------------

    def _post(self, *command: Any) -> None:
        if self._closed:
            return
        if self._thread is None:
            self.check_output()
        self._inbox.put(command)

    def _run(self) -> None:
        try:
            while True:
                due = self._next_due_ms()
                timeout = None if due is None else max(0, due - self.clock.monotonic_ms()) / 1000
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
            self._mixer.close()

    def _handle(self, command: tuple[Any, ...]) -> None:
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
        elif kind == "broken":
            self._on_broken(*args)
        elif kind == "restart":
            self._restart_stream()

    def _emit(self, kind: EventKind, item: _Item, at_ms: int | None = None, **fields: Any) -> None:
        self._send(PlayerEvent(kind=kind, handle=item.handle,
                               at_ms=self.clock.monotonic_ms() if at_ms is None else at_ms, **fields))

    def _emit_output(self, kind: EventKind, detail: str = "") -> None:
        self._send(PlayerEvent(kind=kind, handle="", at_ms=self.clock.monotonic_ms(), detail=detail))

    def _send(self, event: PlayerEvent) -> None:
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
                folder = self._cache_space.folder_for(cue, offset, to_ms(self.clock.now()))
                result: Decoded | str = decode(cue, folder, offset, on_head=head,
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
        if item.state in ("mixing", "done"):
            return
        item.start_wanted = True
        item.start_asked_ms = self.clock.monotonic_ms()
        item.start_at_ms = at_ms
        item.want_offset_ms = offset_ms
        if offset_ms != item.offset_ms:
            self._restart_decode(item)     # join late: decode from the offset (fast input seek)
        elif item.state == "ready":
            self._mix(item)

    def _restart_decode(self, item: _Item) -> None:
        item.cancel.set()
        item.cancel = Cancel()
        old, item.path, item.decoded = item.decoded, None, None
        if old is not None and not self._in_use(old.path):
            old.path.unlink(missing_ok=True)
        self._submit_decode(item)

    def _on_stop(self, handle: str, fade_ms: int) -> None:
        item = self._items.get(handle)
        if item is None or item.state == "done":
            return
        if item.state != "mixing" or self._stream is None:
            self._finish(item, "stopped", played_ms=0)
            return
        silent_at = self._stream.frame_at(self.clock.monotonic_ms() + max(0, fade_ms))
        if not self._mixer.stop(handle, silent_at):
            self._finish(item, "stopped", played_ms=0)       # it had not begun: it never will

    def _on_head(self, handle: str, offset_ms: int, path: Path) -> None:
        item = self._items.get(handle)
        if item is not None and item.state == "decoding" and offset_ms == item.offset_ms == item.want_offset_ms:
            item.path = path               # a long item: it can play while the rest decodes
            self._ready(item)

    def _on_decoded(self, handle: str, offset_ms: int, result: Decoded | str) -> None:
        item = self._items.get(handle)
        if item is None or offset_ms != item.offset_ms or item.state == "done":
            if not isinstance(result, str) and not self._in_use(result.path):
                result.path.unlink(missing_ok=True)   # stopped meanwhile, or superseded
            return
        if isinstance(result, str):
            if item.state == "mixing":
                item.decode_error = result      # what was decoded plays; it fails where that ends
                voice = self._mixer.get(handle)
                self._mixer.set_length(handle, frames_written(voice.fd) if voice else 0)
            else:
                self._fail(item, result)
            return
        item.decoded, item.path = result, result.path
        if item.state == "mixing":
            self._mixer.set_length(handle, result.frames)
        elif item.state == "decoding":
            self._ready(item)

    def _ready(self, item: _Item) -> None:
        item.state = "ready"
        self._emit("ready", item, position_ms=item.first_ms)
        if item.start_wanted:
            self._mix(item)

    def _mix(self, item: _Item) -> None:
        """Place the item in the stream at its instant (or at the first frame not yet mixed).
        Without a stream (the output is down) it waits, ready, for the next one."""
        if self._stream is None or item.path is None:
            return
        at = item.start_at_ms
        start_frame, item.joined = (0, False) if at is None else self._join_frame(at)
        length = item.decoded.frames if item.decoded is not None else None
        self._mixer.add(item.handle, item.path, start_frame, length)
        item.state = "mixing"

    def _join_frame(self, at_ms: int, exclude: str = "") -> tuple[int, bool]:
        """The frame heard at ``at_ms`` — or, when that is within a rounding of where a voice ends,
        exactly that end: the engine keeps instants in whole ms, and a join must neither leave a
        hole nor overlap by the 1–2 ms those roundings add up to."""
        assert self._stream is not None
        for voice in self._mixer.voices():
            if voice.handle == exclude:
                continue
            begin = voice.start_frame if voice.began_at is None else voice.began_at
            end = voice.ended_at
            if end is None and voice.length is not None and voice.fade is None:
                end = begin + voice.length
            # The engine adds the nominal length (samples ÷ 44.1 kHz) to the start it was told:
            # on an output 199 ppm fast a 7 s item ends 1.4 ms sooner than that by the wall clock.
            if end is not None and abs(self._stream.heard_exact_ms(begin) + (end - begin) * 1000 / RATE
                                       - at_ms) <= JOIN_SNAP_MS:
                return end, True
        return self._stream.frame_at(at_ms), False

    def _on_broken(self, why: str) -> None:
        """The output stopped: fail what was playing, start a new stream when the output answers."""
        if self._stream is None:
            return
        log.error("audio output stopped (%s); restarting it", why)
        self._emit_output("output-lost", why)
        for item in list(self._items.values()):
            if item.state == "mixing":
                # Heard until about now: the output went within the last check's interval.
                played = (self.position_ms(item.handle) or item.first_ms) - item.first_ms
                self._fail(item, f"the audio output stopped ({why})", played_ms=played)
        self._stream.close()
        self._stream = None
        self._mixer.pos = 0
        self._restart_stream()

    def _restart_stream(self) -> None:
        if self._stream is not None or self._closed:
            return
        try:
            if self._pulse is not None:
                if self._pulse.process.poll() is not None:
                    if self._recorder is not None:
                        self._recorder.stop()
                    self._pulse.stop()
                    self._pulse = out.start_private_pulse(self.state_dir / "pulse")
                if self._recorder is None or not self._recorder.alive():
                    if self._recorder is not None:
                        self._recorder.stop()
                    self._record()                       # into a new file, named by the time
            if problem := self._output_problem():
                raise PlayerError(problem)
            self._stream = self._start_stream()
        except PlayerError as exc:
            self._failed_restarts += 1
            # Once, then once a minute: an outage of hours must not fill the journal.
            if self._failed_restarts % (60_000 // RESTART_AFTER_MS) == 1:
                log.error("audio output: %s; trying again every %.0f s", exc, RESTART_AFTER_MS / 1000)
            retry = threading.Timer(RESTART_AFTER_MS / 1000, self._inbox.put, [("restart",)])
            retry.daemon = True
            retry.start()
            return
        self._failed_restarts = 0
        log.warning("audio output restarted")
        self._emit_output("output-back")
        for item in sorted(self._items.values(), key=lambda i: i.start_asked_ms):
            if item.state == "ready" and item.start_wanted:
                self._mix(item)                  # started while the output was down

    def _start_stream(self) -> VlcStream:
        for _attempt in range(MEASURED_ATTEMPTS):
            stream = self._open_stream(measured=True)
            if not stream.unmarked:
                return stream
            stream.close()                  # the output clock could not find the stream's start
        log.warning("output clock: the stream's start was not found %d times; it is timed by the "
                    "system clock", MEASURED_ATTEMPTS)
        return self._open_stream(measured=False)

    def _open_stream(self, *, measured: bool) -> VlcStream:
        stream = VlcStream(self.clock, self._mixer.render, device=self._device,
                           alsa="ALSA" in (self._description or ""),
                           on_broken=lambda why: self._inbox.put(("broken", why)), measured=measured,
                           tap=self.air.feed if self.air is not None else None)
        stream.start()
        return stream

    # timed work

    def _next_due_ms(self) -> int | None:
        dues = []
        for item in self._items.values():
            if item.state == "decoding" and item.start_wanted:
                dues.append(self._decode_deadline_ms(item))
            elif item.state == "mixing" and (item.announced_start or item.start_at_ms is not None):
                dues.append(self.clock.monotonic_ms() + WATCH_EVERY_MS)
        return min(dues) if dues else None

    def _decode_deadline_ms(self, item: _Item) -> int:
        """A decode that has produced nothing this long after the item was due has hung."""
        return max(item.start_asked_ms, item.start_at_ms or 0) + self.preroll_timeout_ms

    def _run_due(self) -> None:
        now = self.clock.monotonic_ms()
        for item in sorted(self._items.values(), key=lambda i: i.start_at_ms or 0):
            if item.state == "decoding" and item.start_wanted and now >= self._decode_deadline_ms(item):
                self._fail(item, f"{item.cue.path}: not decoded within {self.preroll_timeout_ms} ms of its start")
            elif item.state == "mixing":
                voice = self._mixer.get(item.handle)
                if voice is not None:
                    self._tend(item, voice, now)

    def _tend(self, item: _Item, voice: Voice, now: int) -> None:
        """Announce its start and end once they are mixed (``at_ms``: when they are heard);
        watch that its audio keeps coming."""
        stream = self._stream
        assert stream is not None             # items are mixing only while a stream runs
        heard = stream.heard_ms
        if voice.began_at is None and item.start_at_ms is not None and not item.joined:
            # The output's rate is refined as it plays: a start placed long ahead follows it
            # (one joined to a voice's end stays there: that voice may be gone by the next look).
            frame, item.joined = self._join_frame(item.start_at_ms, exclude=item.handle)
            self._mixer.move(item.handle, frame)
        if voice.began_at is not None and not item.announced_start:
            item.announced_start = True
            if item.start_at_ms is not None:
                self._start_errors.append(stream.heard_exact_ms(voice.began_at) - item.start_at_ms)
            self._emit("started", item, at_ms=heard(voice.began_at), position_ms=item.first_ms)
        if voice.ended_at is not None:
            played = voice.cursor * 1000 // RATE       # heard, not counting any wait for late audio
            if item.decode_error and not voice.stopped:
                self._fail(item, item.decode_error, played_ms=played, at_ms=heard(voice.ended_at))
            else:
                self._finish(item, "stopped" if voice.stopped else "end", played_ms=played,
                             at_ms=heard(voice.ended_at))
            return
        if item.announced_start and not item.stalled and now - voice.progress_ms >= self.stall_ms:
            item.stalled = True
            self._emit("stalled", item, position_ms=self.position_ms(item.handle) or item.first_ms,
                       detail=f"no audio for {now - voice.progress_ms} ms")

    def _finish(self, item: _Item, reason: str, played_ms: int, at_ms: int | None = None) -> None:
        self._release(item)
        self._emit("ended", item, at_ms=at_ms, position_ms=item.first_ms + played_ms, played_ms=played_ms,
                   reason=reason)

    def _fail(self, item: _Item, detail: str, played_ms: int = 0, at_ms: int | None = None) -> None:
        self._release(item)
        self._emit("failed", item, at_ms=at_ms, played_ms=played_ms, detail=detail)

    def _in_use(self, path: Path) -> bool:
        return any(i.path == path for i in self._items.values())

    def _release(self, item: _Item) -> None:
        """Forget the item: out of the mixer, its decode stopped, its decoded file removed."""
        item.state = "done"
        item.cancel.set()
        self._mixer.remove(item.handle)
        self._items.pop(item.handle, None)
        if item.path is not None and not self._in_use(item.path):
            item.path.unlink(missing_ok=True)


def _alsa_cards() -> bool:
    try:
        text = Path("/proc/asound/cards").read_text()
    except OSError:
        return False
    return "no soundcards" not in text and text.strip() != ""
