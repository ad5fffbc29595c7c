"""The DJ's decoded audio from the FIFO the harbor's Liquidsoap writes, handed to the live voice.

The FIFO is opened read-write, so radiod never sees an end of file between two DJs and
Liquidsoap's open never waits for a reader. Only whole frames are pushed. ``on_audio(True)`` is
said once ``start_frames`` have come after a quiet spell, ``on_audio(False)`` when nothing has
come for ``quiet_ms`` (the DJ dropped, or their encoder stalled).
"""

from __future__ import annotations

import logging
import os
import select
import stat
import threading
from pathlib import Path
from typing import Callable

from radiod.clock import Clock
from radiod.playout.live_voice import FRAME_BYTES

log = logging.getLogger(__name__)

READ_BYTES = 65536
POLL_S = 0.02
QUIET_MS = 300              # no audio this long: the DJ is gone (Liquidsoap writes every 40 ms)
GONE_QUIET_MS = 150         # the same once the DJ has disconnected (only the harbor's buffer is left)
START_FRAMES = 44100 // 10  # 100 ms of audio in hand before the DJ is put on air


def make_fifo(path: Path) -> None:
    """A FIFO at ``path`` (0600), replacing whatever else is there."""
    try:
        if stat.S_ISFIFO(os.stat(path).st_mode):
            return
        path.unlink()
    except FileNotFoundError:
        pass
    os.mkfifo(path, 0o600)


class PcmReader:
    """Reads ``fifo`` on its own thread until ``stop()``."""

    def __init__(self, fifo: Path, push: Callable[[bytes], None], on_audio: Callable[[bool], None], *,
                 clock: Clock, reset: Callable[[], None] = lambda: None, quiet_ms: int = QUIET_MS,
                 start_frames: int = START_FRAMES):
        self.fifo = fifo
        self.push = push
        self.on_audio = on_audio
        self.reset = reset
        self.clock = clock
        self.quiet_ms = quiet_ms
        self.start_frames = start_frames
        self.flowing = False            # audio is coming (on_audio(True) was said)
        self._gone = False              # the DJ disconnected: the end of the audio is near
        self._stopping = threading.Event()
        make_fifo(fifo)
        self._fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        self._thread = threading.Thread(target=self._run, name="live-pcm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        carry = b""                       # a partial frame, completed by the next read
        last_ms: int | None = None        # when audio last came
        since_quiet = 0                   # frames since the last quiet spell
        try:
            while not self._stopping.is_set():
                ready, _, _ = select.select([self._fd], [], [], POLL_S)
                now = self.clock.monotonic_ms()
                if not ready:
                    quiet = GONE_QUIET_MS if self._gone else self.quiet_ms
                    if last_ms is not None and now - last_ms >= quiet:
                        last_ms, since_quiet, carry, self._gone = None, 0, b"", False
                        if self.flowing:
                            self.flowing = False
                            self.on_audio(False)
                    continue
                try:
                    data = os.read(self._fd, READ_BYTES)
                except BlockingIOError:
                    continue
                if last_ms is None:
                    self.reset()           # a new stretch of audio: frames count from 0
                    self._gone = False
                last_ms = now
                data = carry + data
                whole = len(data) - len(data) % FRAME_BYTES
                carry = data[whole:]
                if whole:
                    self.push(data[:whole])
                    since_quiet += whole // FRAME_BYTES
                if not self.flowing and since_quiet >= self.start_frames:
                    self.flowing = True
                    self.on_audio(True)
        except OSError as exc:          # the FIFO went away: no more live audio, the air plays on
            log.error("live: reading the DJ's audio from %s failed: %s", self.fifo, exc)
            if self.flowing:
                self.flowing = False
                self.on_audio(False)

    def disconnected(self) -> None:
        """The DJ has gone: what the harbor still held is coming, and nothing after it (any thread)."""
        self._gone = True

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        os.close(self._fd)
