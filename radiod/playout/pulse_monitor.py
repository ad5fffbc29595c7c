"""Where a PulseAudio sink really is: its monitor read by ``parec``, frames counted against the clock.

A sink's monitor delivers exactly the frames the sink plays, at the sink's own rate; counting
them against the monotonic clock on every read gives the observations the ``OutputClock`` fits.
``parec`` asks for ``LATENCY_MS`` (25 ms): read at 5 ms a null sink runs ~199 ppm fast, at
10–50 ms it stays within ~1 ppm, so the reader does not disturb what it measures. (An
in-process reader through libpulse-simple was tried first: at 20 ms its reads fell ~0.3 ms
behind every second on a steady sink — ~300 ppm of false drift — while ``parec`` on the same
monitor stayed flat; ``parec`` is also what records file output already.)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
from typing import Callable

log = logging.getLogger(__name__)

LATENCY_MS = 25
FRAGMENT_MS = LATENCY_MS       # about one read per this long


class PulseMonitor:
    """A ``parec`` on ``source`` (a monitor); ``on_frames(monotonic_ms, frames_so_far, data)`` per read."""

    def __init__(self, source: str, rate: int, channels: int, now_ms: Callable[[], float],
                 on_frames: Callable[[float, int, bytes], None]):
        self.source = source
        self.rate = rate
        self.channels = channels
        self.now_ms = now_ms
        self.on_frames = on_frames
        self.error = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> bool:
        """Start reading; False (``error`` says why) when the monitor cannot be read."""
        if shutil.which("parec") is None:
            self.error = "parec (pulseaudio-utils) is not installed"
            return False
        try:
            self._proc = subprocess.Popen(
                ["parec", "-d", self.source, "--raw", "--format=s16le", f"--rate={self.rate}",
                 f"--channels={self.channels}", f"--latency-msec={LATENCY_MS}", "--client-name=radiod-clock"],
                # its own session, so that a Ctrl-C reaches radiod only and it stops the reader itself
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self.error = f"cannot run parec: {exc}"
            return False
        self._thread = threading.Thread(target=self._run, name="output-clock", daemon=True)
        self._thread.start()
        return True

    def _run(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        per_frame = 2 * self.channels
        frames = 0
        pending = b""
        while True:
            data = os.read(fd, 65536)
            now = self.now_ms()
            if not data:
                if not self._stop.is_set():
                    self.error = f"parec on {self.source} stopped"
                    log.warning("output clock: %s; the rate estimate stops here", self.error)
                return
            pending += data
            whole = len(pending) - len(pending) % per_frame
            if not whole:
                continue
            chunk, pending = pending[:whole], pending[whole:]
            frames += whole // per_frame
            try:
                self.on_frames(now, frames, chunk)
            except Exception:              # a fit bug must not kill the reader
                log.exception("output clock update failed")

    def close(self) -> None:
        self._stop.set()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._thread is not None:
                self._thread.join(timeout=2)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None


def sink_latency_ms(sink: str | None) -> float:
    """How long after it is rendered (and seen on the monitor) the sink plays a frame: its
    configured latency, from ``pactl list sinks`` (None: the default sink); 0 when unknown."""
    try:
        if sink is None:
            info = subprocess.run(["pactl", "info"], capture_output=True, text=True, timeout=3).stdout
            match = re.search(r"^Default Sink: (.+)$", info, re.M)
            sink = match.group(1).strip() if match else ""
        text = subprocess.run(["pactl", "list", "sinks"], capture_output=True, text=True, timeout=3).stdout
    except (OSError, subprocess.SubprocessError):
        return 0.0
    for block in text.split("\n\n"):
        if f"Name: {sink}\n" in block:
            match = re.search(r"Latency: \d+ usec, configured (\d+) usec", block)
            if match:
                return int(match.group(1)) / 1000
    return 0.0
