"""One libVLC media player that plays a never-ending PCM stream filled by the mixer.

- A WAV header followed by raw PCM through ``libvlc_media_new_callbacks`` plays for as long as
  the read callback returns data (with no size callback libVLC ignores the header's data size).
- Frames are timed by the output's own clock (``output_clock``): the sink's monitor is read
  (``pulse_monitor``), the stream opens with ``PREAMBLE_FRAMES`` of silence carrying a marker at
  ``MARK_AT``, and finding the marker in the monitor ties stream frames to output frames.
  ``heard_ms``/``frame_at`` answer from that fit, so a start lands where the output really is,
  whatever its rate against the system clock.
- libVLC must not correct a drifting output itself (it time-stretches): with ``--clock-synchro=1``
  it maps the stream's timestamps by when data arrives, and the read callback hands frame N over
  ``LEAD_MS`` before the output clock's instant for it, so that mapping follows the sink.
  Measured on a null sink 199 ppm fast: one click a second for 30 s, every interval exactly 44100
  samples. libVLC settles in its first ~2 s (it flushes the lead handed over at once): the
  preamble absorbs that. Its corrections would be logged ("up-sampling", ...); they are counted.
- Without a monitor (ALSA) the earlier timing stays: ``--clock-synchro=0`` (the mapping fixed at
  the start), frame N heard at the Playing event + N/44100, read ``LEAD_UNMEASURED_MS`` ahead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from typing import Any, Callable

import numpy as np
import vlc

from radiod.clock import Clock
from radiod.errors import PlayerError
from radiod.playout.output import CHANNELS, RATE
from radiod.playout.output_clock import OutputClock
from radiod.playout.pcm_cache import FRAME_BYTES, wav_header
from radiod.playout.pulse_monitor import FRAGMENT_MS, PulseMonitor, sink_latency_ms
from radiod.playout.stall import STALL_MS

log = logging.getLogger(__name__)

BLOCK_FRAMES = 1024         # 23 ms per read: small steps keep the lead tight
EXTRA_ARGS: list[str] = []
CLOCK_SYNCHRO = 1           # libVLC recovers the source clock from when frames arrive (see docs)
LEAD_MS = 600              # frames are handed over this long before their pace (see docs)
LEAD_UNMEASURED_MS = 100   # the same, on the system clock with libVLC's mapping fixed (ALSA)
REFIT_MS = 1000             # the output's rate is refitted about this often
PREAMBLE_FRAMES = 3 * RATE  # the stream opens with 3 s of silence: libVLC settles, then the marker
MARK_AT = PREAMBLE_FRAMES - RATE // 10   # where the marker is: 16 frames of ±MARK_LEVEL at half the rate
MARK_LEVEL = 24             # −63 dBFS at 22 kHz for 0.4 ms: inaudible, under any edge detector; found down to ~15 % volume
LIBVLC_WARNING = 3         # libvlc_log_level: corrections are logged as warnings
SETTLE_MS = 1500           # after the sink's latency changed, its monitor's delivery settles this long
LATENCY_CHECK_MS = 1000    # how often the sink's latency is asked (pactl)
MARK_TIMEOUT_MS = 6000      # the marker must come back from the monitor within this long
RESYNC_WORDS = ("up-sampling", "down-sampling", "playing silence", "flushing buffers")
START_TIMEOUT_MS = 5000     # libVLC must report Playing within this long, or the output is broken
BEHIND_MS = STALL_MS        # a read this late means the process stood still: the stream is restarted


class VlcStream:
    """The running stream. ``heard_ms(frame)`` / ``frame_at(ms)`` map stream frames to the clock."""

    def __init__(self, clock: Clock, render: Callable[[int], bytes], *, device: str | None = None,
                 alsa: bool = False, on_broken: Callable[[str], None] = lambda why: None,
                 measured: bool = True, tap: Callable[[int, bytes, float], None] | None = None):
        self.clock = clock
        self.tap = tap                       # given every rendered block with its frame and heard instant
        self.measured = measured             # False: timed by the system clock, the monitor not read
        self.unmarked = False                # the monitor never gave the start marker back
        self.render = render
        self.device = device
        self.alsa = alsa
        self.on_broken = on_broken
        self.t0_ms: float | None = None
        self.resyncs = 0                     # libVLC's own corrections seen in its log (should stay 0)
        self.source = "system clock"
        self._pace = OutputClock(RATE)       # frame N is handed over at _pace.heard_ms(N)
        self._lag_ms = 0.0                   # heard − handed over (libVLC's buffer), fixed at Playing
        self._lock = threading.Lock()        # the fit is updated by the monitor's thread
        self._monitor: PulseMonitor | None = None
        self._reads = 0
        self._lead_ms = LEAD_MS
        self._settle_until = 0.0
        self._k: int | None = None           # output (monitor) frame of stream frame 0, once seen
        self._latency_ms = 0.0               # the sink plays a rendered frame this much later
        self._marked = threading.Event()
        self._tail = np.zeros(0, dtype=np.int16)
        self._monitor_frames = 0
        self._frames = 0
        self._header = b""
        self._closing = threading.Event()
        self._playing = threading.Event()
        self._instance: Any = None
        self._player: Any = None
        self._read_cb = vlc.CallbackDecorators.MediaReadCb(self._read)   # kept: libVLC calls it
        self._log_cb = vlc.CallbackDecorators.LogCb(self._on_log)

    def start(self) -> None:
        """Open the output and wait until libVLC plays; raise PlayerError when it does not."""
        self._start_monitor()
        aout = "--aout=alsa" if self.alsa else "--aout=pulse"
        # With the output's clock libVLC follows the pace of arrival; without it, today's fixed mapping.
        synchro = CLOCK_SYNCHRO if self._monitor is not None else 0
        self._lead_ms = LEAD_MS if self._monitor is not None else LEAD_UNMEASURED_MS
        args = ["--no-video", "--quiet", "--no-xlib", f"--clock-synchro={synchro}", aout, *EXTRA_ARGS]
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise PlayerError(f"libVLC would not start with {' '.join(args)}")
        self._instance.log_set(self._log_cb, None)
        self._header = wav_header(0)
        media = self._instance.media_new_callbacks(None, self._read_cb, None, None, None)
        self._player = self._instance.media_player_new()
        self._player.set_media(media)
        media.release()
        if self.device:
            self._player.audio_output_device_set(None, self.device)
        events = self._player.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerPlaying, self._on_playing)
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_stopped, "libVLC reported an error")
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._on_stopped, "libVLC ended the stream")
        if self._player.play() != 0 or not self._playing.wait(START_TIMEOUT_MS / 1000):
            self.close()
            raise PlayerError(f"libVLC did not start playing its output within {START_TIMEOUT_MS} ms")
        if self._monitor is not None:
            if self._marked.wait(MARK_TIMEOUT_MS / 1000):
                self._latency_ms = sink_latency_ms(self.device)
                threading.Thread(target=self._watch_latency, name="output-latency", daemon=True).start()
            else:
                # Following arrival without knowing where the output is would place starts by a
                # guess (measured: 0.2 s early); the caller opens the stream again on the system clock.
                self.unmarked = True
                log.warning("output clock: the stream's start marker never came back from the monitor "
                            "(another client on the sink, or a busy machine); the stream is opened again")

    def _start_monitor(self) -> None:
        """Read the sink's monitor for the output's rate; without one the system clock stands in."""
        if self.alsa:
            self.source = "system clock (ALSA output: no position to read)"
            return
        if not self.measured:
            self.source = "system clock (the stream's start was not found in the sink's monitor)"
            return
        source = f"{self.device}.monitor" if self.device else "@DEFAULT_MONITOR@"
        monitor = PulseMonitor(source, RATE, CHANNELS, _precise_ms, self._observe)
        if monitor.start():
            self._monitor = monitor
            self.source = f"PulseAudio monitor {source}"
        else:
            self.source = f"system clock ({monitor.error})"
            log.warning("output clock: %s; timing follows the system clock", monitor.error)

    def _observe(self, at_ms: float, frames: int, data: bytes) -> None:
        with self._lock:
            if at_ms < self._settle_until:
                return                       # the sink re-renders around a latency change
            self._pace.observe(at_ms, frames)
            self._reads += 1
            if self._k is None or self._reads % max(1, REFIT_MS // FRAGMENT_MS) == 0:
                self._pace.update()
        if self._k is None:
            self._find_mark(frames, data)

    def _find_mark(self, frames: int, data: bytes) -> None:
        """Look for the preamble's marker in what the monitor delivered (ending at ``frames``)."""
        left = np.frombuffer(data, dtype="<i2")[0::CHANNELS]
        x = np.concatenate((self._tail, left)).astype(np.int32)
        first = frames - len(x)                      # monitor frame of x[0]
        self._tail = left[-2 * MARK_LEN:]
        for i in np.flatnonzero(np.abs(x[:len(x) - MARK_LEN]) >= MARK_LEVEL // 8):
            part = x[i:i + MARK_LEN]
            if np.all(np.sign(part) == MARK_SIGNS) and np.ptp(np.abs(part)) <= max(2, abs(part[0]) // 8):
                with self._lock:
                    self._k = first + int(i) - MARK_AT
                    # Until libVLC's stream joined the sink its latency (and so the monitor's
                    # delivery) was another: the rate is fitted from the settled stream only.
                    self._pace.forget()
                self._marked.set()
                return
            return                                   # other sound first: not ours to find

    def _watch_latency(self) -> None:
        """A client joining or leaving the sink changes its latency, and with it how far ahead of
        being heard the monitor sees a frame: follow it, and fit the rate afresh from then on."""
        while not self._closing.wait(LATENCY_CHECK_MS / 1000):
            latency = sink_latency_ms(self.device)
            if latency and abs(latency - self._latency_ms) > 0.5:
                with self._lock:
                    self._latency_ms = latency
                    self._pace.forget()
                    self._settle_until = _precise_ms() + SETTLE_MS

    @property
    def rate_ppm(self) -> float:
        """The output's measured rate against the monotonic clock (0 until measured)."""
        return self._pace.estimate.ppm

    def heard_ms(self, frame: int) -> int:
        """When stream frame ``frame`` is (or was) heard, on the clock's monotonic ms."""
        return round(self.heard_exact_ms(frame))

    def heard_exact_ms(self, frame: int) -> float:
        """When mixer frame ``frame`` is heard, ms: where the monitor saw the output, when it did."""
        with self._lock:
            if self._k is not None and self._pace.observed:
                return self._pace.output_ms(frame + PREAMBLE_FRAMES + self._k) + self._latency_ms
            return self._pace.heard_ms(frame + PREAMBLE_FRAMES) + self._lag_ms

    def frame_at(self, at_ms: float) -> int:
        with self._lock:
            if self._k is not None and self._pace.observed:
                return self._pace.output_frame_at(at_ms - self._latency_ms) - self._k - PREAMBLE_FRAMES
            return self._pace.frame_at(at_ms - self._lag_ms) - PREAMBLE_FRAMES

    def close(self) -> None:
        self._closing.set()
        if self._player is not None:
            self._player.event_manager().event_detach(vlc.EventType.MediaPlayerEncounteredError)
            self._player.event_manager().event_detach(vlc.EventType.MediaPlayerEndReached)
            self._player.stop()            # the read callback returns end-of-stream at once
            self._player.release()
            self._player = None
        if self._instance is not None:
            self._instance.log_unset()
            self._instance.release()
            self._instance = None
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None

    # -- libVLC's threads: no libVLC calls from here ------------------------------------------------

    def _on_playing(self, event: Any) -> None:
        if self.t0_ms is None:
            self.t0_ms = _precise_ms()
            with self._lock:
                # Frame 0 is heard now; later frames follow the output's rate from here.
                self._lag_ms = self.t0_ms - self._pace.heard_ms(0) if self._pace.anchored else 0.0
        self._playing.set()

    def _on_stopped(self, event: Any, why: str) -> None:
        if not self._closing.is_set():
            self.on_broken(why)

    def _on_log(self, data: Any, level: int, ctx: Any, fmt: bytes, args: Any) -> None:
        try:
            if level < LIBVLC_WARNING:
                return
            buf = ctypes.create_string_buffer(512)
            _libc.vsnprintf(buf, len(buf), fmt, ctypes.c_void_p(args))
            text = buf.value.decode(errors="replace")
            # libVLC settles its mapping inside the preamble (flushing what was handed over at
            # once): only corrections after the stream's start was found are the programme's.
            if self._marked.is_set() and any(word in text for word in RESYNC_WORDS):
                self.resyncs += 1
                log.warning("libVLC resynchronised its output: %s", text)
        except Exception:                   # an exception must never cross into libVLC
            pass

    def _read(self, opaque: Any, buf: Any, length: int) -> int:
        try:
            if self._closing.is_set():
                return 0
            if self._header:
                part, self._header = self._header[:length], self._header[length:]
                ctypes.memmove(buf, part, len(part))
                return len(part)
            with self._lock:
                if not self._pace.anchored:
                    self._pace.anchor(_precise_ms(), 0)
                due_ms = self._pace.heard_ms(self._frames) - self._lead_ms
            frames = max(1, min(length // FRAME_BYTES, BLOCK_FRAMES))
            if self._frames < PREAMBLE_FRAMES:
                frames = min(frames, PREAMBLE_FRAMES - self._frames)
            wait_ms = due_ms - _precise_ms()
            if wait_ms > 0 and self._closing.wait(wait_ms / 1000):
                return 0
            if wait_ms < -BEHIND_MS:
                # libVLC's buffer ran dry long ago (SIGSTOP, a stalled VM): its clock no longer maps
                # frames to the instants they are heard, and catching up would be heard as drops.
                self._closing.set()
                self.on_broken(f"the stream fell {-wait_ms / 1000:.1f} s behind (the process stood still)")
                return 0
            try:
                data = _preamble(self._frames, frames) if self._frames < PREAMBLE_FRAMES else self.render(frames)
            except Exception:               # a mixing bug must not stop the output: play silence
                log.exception("mixing failed; silence for this block")
                data = bytes(frames * FRAME_BYTES)
            ctypes.memmove(buf, data, len(data))
            if self.tap is not None and self._frames >= PREAMBLE_FRAMES:
                first = self._frames - PREAMBLE_FRAMES
                self.tap(first, data, self.heard_exact_ms(first))
            self._frames += frames
            return len(data)
        except Exception:                   # an exception must never cross into libVLC
            log.exception("stream read failed")
            return -1


MARK_LEN = 16
MARK_SIGNS = np.resize([1, -1], MARK_LEN)


def _preamble(first: int, frames: int) -> bytes:
    """Frames [first, first+frames) of the preamble: silence, and the marker on the left channel."""
    pcm = np.zeros((frames, CHANNELS), dtype="<i2")
    for n in range(frames):
        k = first + n - MARK_AT
        if 0 <= k < MARK_LEN:
            pcm[n, 0] = MARK_LEVEL * MARK_SIGNS[k]
    return pcm.tobytes()


def _precise_ms() -> float:
    """Monotonic ms with sub-ms resolution (the clock SystemClock.monotonic_ms truncates)."""
    return time.monotonic_ns() / 1e6


_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
