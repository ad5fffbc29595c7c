"""Mix decoded items into one continuous PCM stream, placed by sample position.

The libVLC player keeps a single output stream running for the life of the daemon and fills it
from here. Each item is a *voice*: a decoded WAV file (``pcm_cache``) that starts at a given frame
of the stream. Because the stream never stops, a start is a sample position, not a libVLC resume,
and joins and crossfades are exact to the sample.

``render`` is called from libVLC's input thread (through the stream's read callback); everything
else from the player's control thread. One lock guards the voices; ``render`` holds it for the
few hundred microseconds one block takes.

Vocabulary: *frames* are stream positions (one frame = one sample per channel); a voice's
*cursor* counts its own frames already handed to the stream.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from radiod.playout.live_voice import LiveVoice
from radiod.playout.output import CHANNELS, WAV_HEADER_BYTES
from radiod.playout.pcm_cache import FRAME_BYTES

MIN_FADE_FRAMES = 441       # 10 ms: a stop never cuts a waveform mid-cycle without a ramp


@dataclass
class Voice:
    handle: str
    path: Path
    start_frame: int                 # where its first frame goes (moved forward if that has passed)
    length: int | None = None        # its frames, once the decode is finished (None: still growing)
    cursor: int = 0                  # its frames already mixed into the stream
    began_at: int | None = None      # stream frame its first frame went to (then fixed)
    ended_at: int | None = None      # stream frame one past its last (then fixed)
    fade: tuple[int, int] | None = None   # live fade-out: stream frames (from, to), silent from `to`
    stopped: bool = False            # ended by stop(), not by running out
    progress_ms: int = 0             # when the cursor last moved (monotonic ms; for the stall watchdog)
    fd: int = -1


class Mixer:
    """The voices and the stream position. ``on_change`` is called (from ``render``) whenever a
    voice begins or ends, so the control thread can announce it."""

    def __init__(self, now_ms: Callable[[], int], on_change: Callable[[], None]):
        self.now_ms = now_ms
        self.on_change = on_change
        self.pos = 0                     # the next stream frame to render
        self.lock = threading.Lock()
        self._voices: dict[str, Voice] = {}
        self.live: LiveVoice | None = None   # a live DJ, mixed over (or instead of) the voices

    # -- control thread ----------------------------------------------------------------------------

    def add(self, handle: str, path: Path, start_frame: int, length: int | None) -> Voice:
        voice = Voice(handle, path, start_frame, length, fd=os.open(path, os.O_RDONLY),
                      progress_ms=self.now_ms())
        with self.lock:
            self._voices[handle] = voice
        return voice

    def get(self, handle: str) -> Voice | None:
        return self._voices.get(handle)

    def set_length(self, handle: str, length: int) -> None:
        """The decode finished: the voice ends after ``length`` of its frames."""
        with self.lock:
            voice = self._voices.get(handle)
            if voice is not None:
                voice.length = length

    def move(self, handle: str, start_frame: int) -> None:
        """Place a voice that has not begun at another frame (never into frames already mixed)."""
        with self.lock:
            voice = self._voices.get(handle)
            if voice is not None and voice.began_at is None and voice.ended_at is None:
                voice.start_frame = max(start_frame, self.pos)

    def stop(self, handle: str, silent_at_frame: int) -> bool:
        """Fade the voice out so that it is silent from ``silent_at_frame`` (or as soon as the
        frames already handed over allow). Returns False when it had not begun: it never will."""
        with self.lock:
            voice = self._voices.get(handle)
            if voice is None or voice.ended_at is not None:
                return True
            if voice.began_at is None:
                voice.ended_at = voice.start_frame = max(voice.start_frame, self.pos)
                voice.stopped = True
                return False
            start = self.pos
            voice.fade = (start, max(silent_at_frame, start + MIN_FADE_FRAMES))
            voice.stopped = True
            return True

    def remove(self, handle: str) -> None:
        with self.lock:
            voice = self._voices.pop(handle, None)
        if voice is not None and voice.fd >= 0:
            os.close(voice.fd)
            voice.fd = -1

    def voices(self) -> list[Voice]:
        with self.lock:
            return list(self._voices.values())

    def close(self) -> None:
        for voice in self.voices():
            self.remove(voice.handle)

    # -- libVLC's input thread ---------------------------------------------------------------------

    def render(self, frames: int) -> bytes:
        """The next ``frames`` frames of the stream, as interleaved s16le."""
        mix = np.zeros(frames * CHANNELS, dtype=np.int32)
        changed = False
        now = self.now_ms()
        with self.lock:
            p = self.pos
            for voice in self._voices.values():
                changed |= self._mix_voice(voice, mix, p, frames, now)
            if self.live is not None:
                changed |= self.live.mix_into(mix, p, frames)
            self.pos = p + frames
        if changed:
            self.on_change()
        return np.clip(mix, -32768, 32767).astype("<i2").tobytes()

    def _mix_voice(self, v: Voice, mix: np.ndarray, p: int, frames: int, now: int) -> bool:
        """Add the voice's share of block [p, p+frames) to ``mix``; True if it began or ended."""
        if v.ended_at is not None or v.start_frame >= p + frames:
            return False
        if v.began_at is None and v.start_frame < p:
            v.start_frame = p                      # due in frames already rendered: begins now
        offset = max(0, v.start_frame - p)
        room = frames - offset
        if v.fade is not None:
            room = min(room, v.fade[1] - (p + offset))
        available = v.length if v.length is not None else frames_written(v.fd)
        take = max(0, min(room, available - v.cursor))
        changed = False
        if take:
            data = os.pread(v.fd, take * FRAME_BYTES, WAV_HEADER_BYTES + v.cursor * FRAME_BYTES)
            samples = np.frombuffer(data, dtype="<i2").astype(np.int32)
            if len(samples) < take * CHANNELS:     # the file was cut short under us
                samples = np.pad(samples, (0, take * CHANNELS - len(samples)))
            if v.fade is not None:
                samples = _faded(samples, p + offset, v.fade)
            mix[offset * CHANNELS:(offset + take) * CHANNELS] += samples
            if v.began_at is None:
                v.began_at = p + offset
                changed = True
            v.cursor += take
            v.progress_ms = now
        end = p + offset + take
        if v.began_at is not None and (v.length is not None and v.cursor >= v.length
                                       or v.fade is not None and end >= v.fade[1]):
            v.ended_at = end
            changed = True
        return changed


def frames_written(fd: int) -> int:
    return max(0, os.fstat(fd).st_size - WAV_HEADER_BYTES) // FRAME_BYTES


def _faded(samples: np.ndarray, first: int, fade: tuple[int, int]) -> np.ndarray:
    """Apply the linear ramp 1 → 0 over stream frames [from, to) to samples starting at ``first``."""
    begin, end = fade
    frames = np.arange(first, first + len(samples) // CHANNELS)
    gain = np.clip((end - frames) / (end - begin), 0.0, 1.0)
    return (samples.reshape(-1, CHANNELS) * gain[:, None]).astype(np.int32).reshape(-1)
