"""A live DJ as a voice of the mixer: a short buffer of their PCM, mixed in and out with a fade.

The harbor's reader thread ``push``es the DJ's decoded audio (s16le stereo 44.1 kHz) as it comes;
the mixer (libVLC's input thread) takes it out block by block; the player's control thread
``engage``s and ``release``s it when the engine says so. One lock guards the buffer and the fade.

The buffer is kept short: when the voice is engaged it starts with ``target_frames`` (older audio
is dropped, so the DJ is heard as soon as possible). The harbor's clock and the sound card's drift
apart by some ppm, so the buffer slowly fills or empties; each is corrected in one step, not by
a crackle of small ones: past ``max_frames`` it is cut back to the target, and once it has run dry
the voice is silent until the target has come again (at 200 ppm, one 150 ms step every ~12 min).

Live frames are numbered from the first ``push`` after ``reset``: ``stream_frame_of(n)`` says
where the DJ's frame ``n`` goes in the stream, so their metadata and their end are logged at the
instant they are heard.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from radiod.playout.output import CHANNELS, RATE

FRAME_BYTES = 2 * CHANNELS
TARGET_FRAMES = RATE * 150 // 1000      # 150 ms: enough to ride over the harbor's 40 ms frames
MAX_FRAMES = RATE // 2                  # 500 ms at most behind the DJ


@dataclass
class _Fade:
    begin: int            # stream frame the ramp starts at (set when it is first mixed)
    frames: int
    rising: bool


class LiveVoice:
    """The DJ's audio between the harbor reader and the mixer."""

    def __init__(self, target_frames: int = TARGET_FRAMES, max_frames: int = MAX_FRAMES):
        self.target_frames = target_frames
        self.max_frames = max_frames
        self._lock = threading.Lock()
        self._buf = bytearray()
        self._received = 0                 # live frames pushed since reset (dropped ones included)
        self._engaged = False              # mixed (or fading); False: silent, audio is only kept
        self._starved = True               # ran dry: silent until target_frames are in hand again
        self._fade: _Fade | None = None
        self._pending_fade: tuple[int, bool] | None = None   # (frames, rising), applied at the next block
        self._mark: tuple[int, int] | None = None   # (live frame, stream frame) of the last mixed frame
        self.began_at: int | None = None   # stream frame the DJ's audio first went to after engage
        self.ended_at: int | None = None   # stream frame from which a release is silent
        self.dropped_frames = 0

    # -- the harbor reader's thread -----------------------------------------------------------------

    def push(self, pcm: bytes) -> None:
        """The DJ's next audio (whole frames)."""
        with self._lock:
            self._buf += pcm
            self._received += len(pcm) // FRAME_BYTES
            if len(self._buf) // FRAME_BYTES > self.max_frames:
                excess = len(self._buf) // FRAME_BYTES - self.target_frames
                del self._buf[:excess * FRAME_BYTES]
                self.dropped_frames += excess

    def reset(self) -> None:
        """A new connection: forget what is buffered and number the frames from 0 again."""
        with self._lock:
            self._buf.clear()
            self._received = 0
            self._mark = None

    @property
    def received(self) -> int:
        return self._received

    # -- the control thread ------------------------------------------------------------------------

    def engage(self, fade_frames: int) -> None:
        """Mix the DJ in from the next block, rising over ``fade_frames``."""
        with self._lock:
            keep = self.target_frames * FRAME_BYTES
            if len(self._buf) > keep:             # heard as soon as possible: drop older audio
                self.dropped_frames += (len(self._buf) - keep) // FRAME_BYTES
                del self._buf[:len(self._buf) - keep]
            self._engaged = True
            self._starved = True
            self.began_at = self.ended_at = None
            self._pending_fade = (max(1, fade_frames), True)

    def release(self, fade_frames: int) -> None:
        """Fade the DJ out from the next block; silent after ``fade_frames``."""
        with self._lock:
            if self._engaged:
                self._pending_fade = (max(1, fade_frames), False)

    @property
    def engaged(self) -> bool:
        return self._engaged

    def stream_frame_of(self, live_frame: int) -> int | None:
        """Where the DJ's frame ``live_frame`` is (or would be) in the stream; None before any was mixed."""
        mark = self._mark
        if mark is None:
            return None
        return mark[1] + (live_frame - mark[0])

    # -- libVLC's input thread (through the mixer) ---------------------------------------------------

    def mix_into(self, mix: np.ndarray, first: int, frames: int) -> bool:
        """Add the voice to ``mix`` (stream frames [first, first+frames)); True if it began or ended."""
        with self._lock:
            if not self._engaged:
                return False
            if self._pending_fade is not None:
                length, rising = self._pending_fade
                self._pending_fade = None
                self._fade = _Fade(first, length, rising)
            have = len(self._buf) // FRAME_BYTES
            if self._starved and have >= self.target_frames:
                self._starved = False
            take = 0 if self._starved else min(frames, have)
            if not self._starved and take < frames:
                self._starved = True              # dry: wait for the target rather than stutter
            changed = False
            if take:
                samples = np.frombuffer(bytes(self._buf[:take * FRAME_BYTES]), dtype="<i2").astype(np.int32)
                del self._buf[:take * FRAME_BYTES]
                gain = self._gain(first, take)
                if gain is not None:
                    samples = (samples.reshape(-1, CHANNELS) * gain[:, None]).astype(np.int32).reshape(-1)
                mix[:take * CHANNELS] += samples
                consumed = self._received - len(self._buf) // FRAME_BYTES
                self._mark = (consumed, first + take)
                if self.began_at is None:
                    self.began_at = first
                    changed = True
            fade = self._fade
            if fade is not None and not fade.rising and first + frames >= fade.begin + fade.frames:
                self._engaged = False
                self._fade = None
                self.ended_at = fade.begin + fade.frames
                changed = True
            elif fade is not None and fade.rising and first + frames >= fade.begin + fade.frames:
                self._fade = None
            return changed

    def _gain(self, first: int, take: int) -> np.ndarray | None:
        fade = self._fade
        if fade is None:
            return None
        done = (np.arange(first, first + take) - fade.begin) / fade.frames
        return np.clip(done if fade.rising else 1.0 - done, 0.0, 1.0)
