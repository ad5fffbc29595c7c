"""Where a PulseAudio sink really is: its monitor read in-process, frames counted against the clock.

A sink's monitor delivers exactly the frames the sink plays, at the sink's own rate; counting
them against the monotonic clock on every read gives the observations the ``OutputClock`` fits.
The record stream asks for 20 ms fragments (libpulse-simple through ctypes): a monitor read at
5 ms makes a null sink run ~199 ppm fast, at 10–50 ms it stays within ~1 ppm, so the reader does
not disturb what it measures. Only the rate is taken from here; stream frame 0's instant comes
from libVLC's Playing event (within ±1 ms), so the delivery delay of the reads does not matter.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import re
import subprocess
import threading
from typing import Callable

log = logging.getLogger(__name__)

FRAGMENT_MS = 20
_PA_STREAM_RECORD = 2
_PA_SAMPLE_S16LE = 3


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [("maxlength", ctypes.c_uint32), ("tlength", ctypes.c_uint32), ("prebuf", ctypes.c_uint32),
                ("minreq", ctypes.c_uint32), ("fragsize", ctypes.c_uint32)]


def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("pulse-simple")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.pa_simple_new.restype = ctypes.c_void_p
    lib.pa_simple_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                  ctypes.c_char_p, ctypes.POINTER(_SampleSpec), ctypes.c_void_p,
                                  ctypes.POINTER(_BufferAttr), ctypes.POINTER(ctypes.c_int)]
    lib.pa_simple_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                   ctypes.POINTER(ctypes.c_int)]
    lib.pa_simple_free.argtypes = [ctypes.c_void_p]
    return lib


class PulseMonitor:
    """A thread reading ``source`` (a monitor); ``on_frames(monotonic_ms, frames_so_far, data)`` per read."""

    def __init__(self, source: str, rate: int, channels: int, now_ms: Callable[[], float],
                 on_frames: Callable[[float, int, bytes], None]):
        self.source = source
        self.rate = rate
        self.channels = channels
        self.now_ms = now_ms
        self.on_frames = on_frames
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handle: int | None = None
        self._lib = _library()

    def start(self) -> bool:
        """Connect; False (``error`` says why) when the monitor cannot be read."""
        if self._lib is None:
            self.error = "libpulse-simple is not installed"
            return False
        spec = _SampleSpec(_PA_SAMPLE_S16LE, self.rate, self.channels)
        fragment = self.rate * FRAGMENT_MS // 1000 * 2 * self.channels
        attr = _BufferAttr(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, fragment)
        err = ctypes.c_int(0)
        handle = self._lib.pa_simple_new(None, b"radiod", _PA_STREAM_RECORD, self.source.encode(),
                                         b"output clock", ctypes.byref(spec), None, ctypes.byref(attr),
                                         ctypes.byref(err))
        if not handle:
            self.error = f"cannot read {self.source} (PulseAudio error {err.value})"
            return False
        self._handle = handle
        self._thread = threading.Thread(target=self._run, args=(fragment,), name="output-clock", daemon=True)
        self._thread.start()
        return True

    def _run(self, fragment: int) -> None:
        buf = ctypes.create_string_buffer(fragment)
        err = ctypes.c_int(0)
        frames = 0
        per_frame = 2 * self.channels
        while not self._stop.is_set():
            if self._lib.pa_simple_read(self._handle, buf, fragment, ctypes.byref(err)) < 0:
                if not self._stop.is_set():
                    self.error = f"reading {self.source} failed (PulseAudio error {err.value})"
                    log.warning("output clock: %s; the rate estimate stops here", self.error)
                return
            now = self.now_ms()
            frames += fragment // per_frame
            try:
                self.on_frames(now, frames, buf.raw)
            except Exception:              # a fit bug must not kill the reader
                log.exception("output clock update failed")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)    # a read returns within one fragment
        if self._handle is not None and (self._thread is None or not self._thread.is_alive()):
            self._lib.pa_simple_free(self._handle)
        self._handle = None


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
