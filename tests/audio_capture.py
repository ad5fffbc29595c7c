"""Hear what a player really played: a private PulseAudio null sink, recorded with parec.

Reusable by any test or benchmark that plays audio (libVLC, Liquidsoap):

    with private_pulse(tmp_path) as pulse, Capture(pulse) as cap:   # sets PULSE_SERVER
        ... play something ...
    for s in cap.sounds(LEFT): print(s.start_ms, s.length_ms, s.freq_hz)

Captured frames are tied to ``time.monotonic_ns()`` (the clock SystemClock.monotonic_ms reads)
by anchors taken on every read: each chunk's last frame was rendered no later than the moment it
was read. The sink's clock need not be the system's (read at 5 ms the null sink runs ~199 ppm
fast), so no single anchor holds for a whole capture: per ``ANCHOR_WINDOW_MS`` the tightest
(earliest) anchor is kept, and a frame's render time is a straight-line fit of those within
``FIT_MS`` of it — rate and offset follow the sink. ``anchor_spread_ms`` (RMS of the kept
anchors about their fit) is the rig's own timing uncertainty. A null sink renders up to its
configured latency ahead of the instant the frame is due to be heard — the instant players aim
at — so that latency, read with pactl, is added.

Two sinks: ``Capture(pulse, latency_ms=5)`` (the default) makes the null sink drift ~199 ppm fast
against the system clock; ``latency_ms=STEADY_MS`` leaves it within ~1 ppm.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from radiod.playout.output import CHANNELS, RATE, PulseServer, start_private_pulse

LEFT, RIGHT = 0, 1
FULL_SCALE = 32767
DRIFTING_MS = 5             # parec latency that makes a null sink run ~199 ppm fast
STEADY_MS = 25              # one that leaves it on the system clock's rate
ANCHOR_WINDOW_MS = 500      # one anchor (the tightest read) per this much audio
FIT_MS = 20_000             # a frame's time is fitted from the anchors this close to it


@contextlib.contextmanager
def private_pulse(directory: Path, sink: str = "radio") -> Iterator[PulseServer]:
    """A private PulseAudio server for this process (PULSE_SERVER is set while it runs)."""
    server = start_private_pulse(directory / "pulse", sink)
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server.server
    try:
        yield server
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = previous


@dataclass(frozen=True)
class Sound:
    """One stretch of sound on one channel, between silences."""

    channel: int
    start: int              # first frame above the threshold
    end: int                # one past the last such frame
    start_ms: float         # monotonic ms (sub-ms precision matters when measuring players)
    end_ms: float
    freq_hz: float          # from zero crossings: tones only
    peak: float             # 0..1 of full scale

    @property
    def length_ms(self) -> float:
        return (self.end - self.start) * 1000 / RATE


class Capture:
    """Records a PulseAudio sink's monitor while in a ``with`` block."""

    def __init__(self, pulse: PulseServer, sink: str | None = None, latency_ms: int = DRIFTING_MS):
        self._pulse = pulse
        self.latency_ms = latency_ms
        self._source = f"{sink}.monitor" if sink else pulse.monitor
        self._chunks: list[bytes] = []
        self._marks: list[tuple[int, int]] = []      # (monotonic ns at read, frames so far)
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None
        self._frames: np.ndarray | None = None
        self._anchors = np.zeros((0, 2))                 # (frame, ns − frame·ns/RATE): tightest per window
        self._ahead_ns = 0
        self.anchor_spread_ms = 0.0

    def __enter__(self) -> "Capture":
        self._proc = subprocess.Popen(
            ["parec", "-d", self._source, "--raw", "--format=s16le", f"--rate={RATE}",
             f"--channels={CHANNELS}", f"--latency-msec={self.latency_ms}"],
            env=self._pulse.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
        self._thread = threading.Thread(target=self._read, name="capture", daemon=True)
        self._thread.start()
        # parec delivers only once the stream is up: wait for the first bytes
        deadline = time.monotonic() + 5
        while not self._marks and time.monotonic() < deadline:
            time.sleep(0.005)
        if not self._marks:
            raise RuntimeError(f"parec recorded nothing from {self._source}")
        self._latencies: list[int] = []
        self._watch = threading.Thread(target=self._watch_latency, name="capture-latency", daemon=True)
        self._watch.start()
        return self

    def _watch_latency(self) -> None:
        """The sink's configured latency, every second: it changes when a player's stream joins."""
        sink = self._source.removesuffix(".monitor")
        while self._proc is not None:
            try:
                self._latencies.append(_configured_latency_us(self._pulse, sink))
            except (RuntimeError, subprocess.SubprocessError, OSError):
                pass
            time.sleep(1.0)

    def _read(self) -> None:
        fd = self._proc.stdout.fileno()
        total = 0
        pending = b""
        while True:
            data = os.read(fd, 65536)
            now = time.monotonic_ns()
            if not data:
                return
            pending += data
            whole = len(pending) - len(pending) % (2 * CHANNELS)
            if whole:
                self._chunks.append(pending[:whole])
                pending = pending[whole:]
                total += whole // (2 * CHANNELS)
                self._marks.append((now, total))

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)
        self._proc = None
        raw = b"".join(self._chunks)
        self._frames = np.frombuffer(raw, dtype="<i2").reshape(-1, CHANNELS)
        # the latency most of the capture saw (how far ahead of "heard" the sink renders)
        self._ahead_ns = int(np.median(self._latencies)) * 1000 if self._latencies else 0
        self._fit_anchors()

    def _fit_anchors(self) -> None:
        marks = np.array(self._marks, dtype=np.float64)
        frames, lag = marks[:, 1], marks[:, 0] - marks[:, 1] * 1e9 / RATE
        window = np.floor(frames / (ANCHOR_WINDOW_MS * RATE / 1000)).astype(np.int64)
        starts = np.flatnonzero(np.diff(window, prepend=-1))          # frames only grow: windows are runs
        keep = [s + int(np.argmin(part)) for s, part in zip(starts, np.split(lag, starts[1:]))]
        self._anchors = np.column_stack((frames[keep], lag[keep]))
        residuals = [self._anchors[i, 1] - self._lag_ns(self._anchors[i, 0]) for i in range(len(keep))]
        self.anchor_spread_ms = float(np.sqrt(np.mean(np.square(residuals)))) / 1e6

    def _lag_ns(self, frame: float) -> float:
        """The fitted (render time − frame·period) at ``frame``, from the anchors around it."""
        a = self._anchors
        near = np.abs(a[:, 0] - frame) <= FIT_MS * RATE / 1000
        if near.sum() < 4:
            near = np.argsort(np.abs(a[:, 0] - frame))[:4]
        x, y = a[near, 0], a[near, 1]
        if len(x) < 2 or np.ptp(x) == 0:
            return float(y.min())
        slope, offset = np.polyfit(x, y, 1)
        return float(slope * frame + offset)

    def rate_ppm(self) -> float:
        """The sink's rate against the monotonic clock over the capture (+: fast)."""
        a = self._anchors
        if len(a) < 2:
            return 0.0
        slope = np.polyfit(a[:, 0], a[:, 1], 1)[0]            # ns of lag per frame
        return float(1e9 / RATE / (1e9 / RATE + slope) - 1) * 1e6

    @property
    def frames(self) -> np.ndarray:
        """All captured frames, shape (n, 2), int16 (after ``stop``)."""
        if self._frames is None:
            raise RuntimeError("stop the capture first")
        return self._frames

    def ms_of(self, frame: int) -> float:
        """The monotonic time (ms) at which ``frame`` was due to be heard."""
        return (self._lag_ns(frame) + self._ahead_ns + frame * 1_000_000_000 / RATE) / 1_000_000

    def frame_at(self, monotonic_ms: float) -> int:
        guess = round((monotonic_ms * 1_000_000 - self._ahead_ns - self._anchors[0, 1]) * RATE / 1e9)
        for _ in range(3):                                    # the lag changes slowly: converges at once
            lag = self._lag_ns(guess) + self._ahead_ns
            guess = round((monotonic_ms * 1_000_000 - lag) * RATE / 1e9)
        return guess

    def sounds(self, channel: int, threshold: float = 0.01, min_silence_ms: float = 3.0) -> list[Sound]:
        """The stretches of sound on ``channel``: samples above ``threshold`` (of full scale),
        split where the signal stays below it for at least ``min_silence_ms``."""
        x = self.frames[:, channel].astype(np.int32)
        loud = np.flatnonzero(np.abs(x) > threshold * FULL_SCALE)
        if loud.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(loud) > min_silence_ms * RATE / 1000)
        starts = np.concatenate(([loud[0]], loud[breaks + 1]))
        ends = np.concatenate((loud[breaks], [loud[-1]])) + 1
        return [self._sound(channel, int(s), int(e)) for s, e in zip(starts, ends)]

    def _sound(self, channel: int, start: int, end: int) -> Sound:
        x = self.frames[start:end, channel].astype(np.int32)
        crossings = np.count_nonzero(np.diff(np.signbit(x)))
        freq = crossings / 2 / max(end - start, 1) * RATE
        return Sound(channel, start, end, self.ms_of(start), self.ms_of(end), round(freq, 1),
                     float(np.abs(x).max()) / FULL_SCALE)

    def rms(self, channel: int, start: int, end: int) -> float:
        """RMS level (0..1 of full scale) of frames [start, end) on ``channel``."""
        x = self.frames[start:end, channel].astype(np.float64) / FULL_SCALE
        return float(np.sqrt(np.mean(x * x))) if x.size else 0.0

    def envelope(self, channel: int, start: int, end: int, block_ms: float = 5.0) -> np.ndarray:
        """Peak-equivalent level (RMS·√2) per block, for reading ramps (fades)."""
        block = max(1, round(block_ms * RATE / 1000))
        n = (end - start) // block
        x = self.frames[start:start + n * block, channel].astype(np.float64) / FULL_SCALE
        return np.sqrt(np.mean((x * x).reshape(n, block), axis=1) * 2)


def _configured_latency_us(pulse: PulseServer, sink: str) -> int:
    """The sink's configured latency (how far ahead a null sink renders), from ``pactl list sinks``."""
    text = subprocess.run(["pactl", "list", "sinks"], env=pulse.env(), capture_output=True, text=True,
                          check=True).stdout
    for block in text.split("\n\n"):
        if f"Name: {sink}\n" in block:
            match = re.search(r"Latency: \d+ usec, configured (\d+) usec", block)
            if match:
                return int(match.group(1))
    raise RuntimeError(f"no latency reported for sink {sink!r}")


def write_tone(path: Path, freq_hz: float, length_ms: int, channel: int | None = None,
               amplitude: float = 0.5) -> Path:
    """A tone of exactly ``length_ms`` on one channel (None: both), in the format the suffix names
    (.wav written directly; .mp3/.ogg/.flac encoded by ffmpeg from the exact WAV)."""
    n = length_ms * RATE // 1000
    tone = amplitude * np.sin(2 * np.pi * freq_hz * np.arange(n) / RATE)
    pcm = np.zeros((n, CHANNELS))
    for ch in ([LEFT, RIGHT] if channel is None else [channel]):
        pcm[:, ch] = tone
    wav = path if path.suffix == ".wav" else path.with_suffix(".src.wav")
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((pcm * FULL_SCALE).round().astype("<i2").tobytes())
    if wav != path:
        codec = {".mp3": ["-c:a", "libmp3lame", "-b:a", "192k"], ".ogg": ["-c:a", "libvorbis"],
                 ".flac": ["-c:a", "flac"]}[path.suffix]
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), *codec, str(path)],
                       check=True)
        wav.unlink()
    return path


def decoded_frames(path: Path) -> int:
    """How many frames ffmpeg decodes from ``path`` (its true length)."""
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le",
                           "-ac", str(CHANNELS), "-ar", str(RATE), "-"], capture_output=True, check=True)
    return len(done.stdout) // (2 * CHANNELS)
