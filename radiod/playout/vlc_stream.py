"""One libVLC media player that plays a never-ending PCM stream filled by the mixer.

Measured on this kind of machine (libVLC 3.0, PulseAudio null sink, recorded from its monitor):
- a WAV header followed by raw PCM through ``libvlc_media_new_callbacks`` plays for as long as
  the read callback returns data (with no size callback libVLC ignores the header's data size);
- with ``--clock-synchro=0`` stream frame N is heard at exactly t0 + N/rate for the whole run
  (0.00 ms spread over 16 s); with libVLC's default clock recovery the paced input made it
  speed up, 25–30 ms off within 8 s;
- t0 — when frame 0 is heard — is the Playing event, within ±1 ms;
- libVLC keeps about 0.47 s of audio buffered whatever the caching options: a change (a stop,
  a start "now") is heard that much after it is mixed. Timed starts are mixed in advance and are
  exact.

The read callback paces itself on the wall clock (frame N is handed over no earlier than
``AHEAD_MS`` before it is due by the open time), so libVLC never reads further ahead than it
needs to.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any, Callable

import vlc

from radiod.clock import Clock
from radiod.errors import PlayerError
from radiod.playout.output import RATE
from radiod.playout.pcm_cache import FRAME_BYTES, wav_header
from radiod.playout.stall import STALL_MS

log = logging.getLogger(__name__)

BLOCK_FRAMES = 1024         # 23 ms per read: small steps keep the lead tight
AHEAD_MS = 100              # frames are handed over at most this long before the open-time pace
START_TIMEOUT_MS = 5000     # libVLC must report Playing within this long, or the output is broken
BEHIND_MS = STALL_MS        # a read this late means the process stood still: the stream is restarted


class VlcStream:
    """The running stream. ``heard_ms(frame)`` / ``frame_at(ms)`` map stream frames to the clock."""

    def __init__(self, clock: Clock, render: Callable[[int], bytes], *, device: str | None = None,
                 alsa: bool = False, on_broken: Callable[[str], None] = lambda why: None):
        self.clock = clock
        self.render = render
        self.device = device
        self.alsa = alsa
        self.on_broken = on_broken
        self.t0_ms: float | None = None
        self._opened_ms: float | None = None
        self._frames = 0
        self._header = b""
        self._closing = threading.Event()
        self._playing = threading.Event()
        self._instance: Any = None
        self._player: Any = None
        self._read_cb = vlc.CallbackDecorators.MediaReadCb(self._read)   # kept: libVLC calls it

    def start(self) -> None:
        """Open the output and wait until libVLC plays; raise PlayerError when it does not."""
        aout = "--aout=alsa" if self.alsa else "--aout=pulse"
        args = ["--no-video", "--quiet", "--no-xlib", "--clock-synchro=0", aout]
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise PlayerError(f"libVLC would not start with {' '.join(args)}")
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

    def heard_ms(self, frame: int) -> int:
        """When stream frame ``frame`` is (or was) heard, on the clock's monotonic ms."""
        assert self.t0_ms is not None, "the stream is not playing yet"   # start() waits for it
        return round(self.t0_ms + frame * 1000 / RATE)

    def frame_at(self, at_ms: int) -> int:
        assert self.t0_ms is not None, "the stream is not playing yet"
        return round((at_ms - self.t0_ms) * RATE / 1000)

    def close(self) -> None:
        self._closing.set()
        if self._player is not None:
            self._player.event_manager().event_detach(vlc.EventType.MediaPlayerEncounteredError)
            self._player.event_manager().event_detach(vlc.EventType.MediaPlayerEndReached)
            self._player.stop()            # the read callback returns end-of-stream at once
            self._player.release()
            self._player = None
        if self._instance is not None:
            self._instance.release()
            self._instance = None

    # -- libVLC's threads: no libVLC calls from here ------------------------------------------------

    def _on_playing(self, event: Any) -> None:
        if self.t0_ms is None:
            self.t0_ms = float(self.clock.monotonic_ms())
        self._playing.set()

    def _on_stopped(self, event: Any, why: str) -> None:
        if not self._closing.is_set():
            self.on_broken(why)

    def _read(self, opaque: Any, buf: Any, length: int) -> int:
        try:
            if self._closing.is_set():
                return 0
            if self._header:
                part, self._header = self._header[:length], self._header[length:]
                ctypes.memmove(buf, part, len(part))
                return len(part)
            if self._opened_ms is None:
                self._opened_ms = float(self.clock.monotonic_ms())
            frames = max(1, min(length // FRAME_BYTES, BLOCK_FRAMES))
            due_ms = self._opened_ms + self._frames * 1000 / RATE - AHEAD_MS
            wait_ms = due_ms - self.clock.monotonic_ms()
            if wait_ms > 0 and self._closing.wait(wait_ms / 1000):
                return 0
            if wait_ms < -BEHIND_MS:
                # libVLC's buffer ran dry long ago (SIGSTOP, a stalled VM): its clock no longer maps
                # frames to the instants they are heard, and catching up would be heard as drops.
                self._closing.set()
                self.on_broken(f"the stream fell {-wait_ms / 1000:.1f} s behind (the process stood still)")
                return 0
            try:
                data = self.render(frames)
            except Exception:               # a mixing bug must not stop the output: play silence
                log.exception("mixing failed; silence for this block")
                data = bytes(frames * FRAME_BYTES)
            ctypes.memmove(buf, data, len(data))
            self._frames += frames
            return len(data)
        except Exception:                   # an exception must never cross into libVLC
            log.exception("stream read failed")
            return -1
