"""The air as it is rendered, fanned out to every consumer that carries it further.

The mixer's output is the station's single air point: libVLC plays it, and the same blocks go,
through this tap, to whatever else carries the air (stream encoders, the compliance logger).
The tap is fed from libVLC's input thread, so it never waits for a consumer: each consumer has
its own thread and a bounded queue, and a consumer that falls behind loses blocks (counted and
reported) rather than holding up what is heard.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Protocol

from radiod.clock import Clock, to_ms
from radiod.errors import RadiodError

log = logging.getLogger(__name__)

QUEUE_BLOCKS = 430          # about 10 s of 1024-frame blocks: a consumer may stall this long
REPORT_EVERY_MS = 60_000    # a consumer's losses are logged at most this often


@dataclass(frozen=True)
class AirBlock:
    """Consecutive frames of the air (s16le, interleaved stereo, 44.1 kHz).

    ``first_frame`` is the mixer's frame number, which starts again from 0 when the output is
    restarted: ``continues`` says whether this block follows the previous one without a gap.
    ``heard_ms`` (monotonic) and ``heard_epoch_ms`` (wall clock) are when its first frame is
    heard from the output, by the output's own clock.
    """

    first_frame: int
    pcm: bytes
    heard_ms: float
    heard_epoch_ms: float
    continues: bool

    @property
    def frames(self) -> int:
        return len(self.pcm) // 4


class AirConsumer(Protocol):
    """Something that carries the air further. Called from its own thread, never libVLC's."""

    name: str

    def write(self, block: AirBlock) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class FeedHealth:
    """How one consumer keeps up: blocks it lost because it fell more than the queue behind."""

    name: str
    lost_frames: int
    failed: str | None       # the exception that stopped it, if one did


class _Feed:
    def __init__(self, consumer: AirConsumer, clock: Clock):
        self.consumer = consumer
        self.clock = clock
        self.queue: queue.Queue[AirBlock | None] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self.lost_frames = 0
        self.failed: str | None = None
        self._reported_ms = -REPORT_EVERY_MS
        self.thread = threading.Thread(target=self._run, name=f"air-{consumer.name}", daemon=True)
        self.thread.start()

    def offer(self, block: AirBlock) -> None:
        try:
            self.queue.put_nowait(block)
        except queue.Full:
            self.lost_frames += block.frames
            now = self.clock.monotonic_ms()
            if now - self._reported_ms >= REPORT_EVERY_MS:
                self._reported_ms = now
                log.error("air: %s is more than %d blocks behind; %.1f s of air lost to it so far",
                          self.consumer.name, QUEUE_BLOCKS, self.lost_frames / 44100)

    def _run(self) -> None:
        while (block := self.queue.get()) is not None:
            if self.failed is not None:
                continue
            try:
                self.consumer.write(block)
            except (OSError, RadiodError) as exc:    # a fault of the world (a full disk): one line
                self.failed = str(exc)
                log.error("air: %s stopped: %s", self.consumer.name, exc)
            except Exception as exc:     # one consumer's fault must not reach the air or the others
                self.failed = f"{type(exc).__name__}: {exc}"
                log.exception("air: %s stopped", self.consumer.name)
        try:
            self.consumer.close()
        except Exception:
            log.exception("air: closing %s failed", self.consumer.name)

    def stop(self) -> None:
        while True:
            try:
                self.queue.put(None, timeout=0.1)
                break
            except queue.Full:
                try:
                    self.queue.get_nowait()      # closing: the oldest blocks may go
                except queue.Empty:
                    pass
        self.thread.join(timeout=5)


class AirTap:
    """Fan-out of rendered blocks. ``feed`` is called by the output (libVLC's input thread)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._feeds: list[_Feed] = []
        self._lock = threading.Lock()
        self._next_frame: int | None = None

    def attach(self, consumer: AirConsumer) -> None:
        with self._lock:
            self._feeds = [*self._feeds, _Feed(consumer, self.clock)]

    def feed(self, first_frame: int, pcm: bytes, heard_ms: float) -> None:
        """One rendered block; never blocks."""
        continues = first_frame == self._next_frame
        self._next_frame = first_frame + len(pcm) // 4
        feeds = self._feeds
        if not feeds:
            return
        epoch_ms = to_ms(self.clock.now()) + (heard_ms - self.clock.monotonic_ms())
        block = AirBlock(first_frame, pcm, heard_ms, epoch_ms, continues)
        for f in feeds:
            f.offer(block)

    def health(self) -> list[FeedHealth]:
        return [FeedHealth(f.consumer.name, f.lost_frames, f.failed) for f in self._feeds]

    def close(self) -> None:
        with self._lock:
            feeds, self._feeds = self._feeds, []
        for f in feeds:
            f.stop()
