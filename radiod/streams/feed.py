"""The air tap's consumer that hands the air to the stream encoder (a supervised Liquidsoap).

Blocks go into a FIFO that Liquidsoap reads with ``cat``. Writes are non-blocking with a short
deadline: when Liquidsoap is not there (starting, restarting, stalled) the blocks are dropped here
and counted, and the air tap's queue absorbs the rest, so nothing ever waits on the encoder.

Liquidsoap says where it is in the air as the seconds its reader has taken in since it started,
so radiod counts the frames that reader gets, from the same 0: a block is either all in the
FIFO's byte stream or not at all (a block cut short by the deadline is finished before the next
one), and the count starts again only for a new reader (no reader left, or a new Liquidsoap).
"""

from __future__ import annotations

import bisect
import collections
import errno
import fcntl
import logging
import os
import select
import stat
import threading
from pathlib import Path

from radiod.bridge.process import Supervisor
from radiod.clock import Clock
from radiod.playout.air_tap import AirBlock
from radiod.private import private_dir
from radiod.streams.hls import HlsPlaylists
from radiod.streams.outputs import StreamPlan, hls_dir
from radiod.streams.script import ScriptPaths, render
from radiod.streams.titles import NowPlayingTitles, TitleChange

log = logging.getLogger(__name__)

WRITE_DEADLINE_S = 1.0      # longest a block may wait for room in the FIFO
PIPE_BYTES = 8192           # the FIFO holds no more than this (46 ms): little air is lost with a reader
HEARD_MEMORY = 3000         # blocks remembered for write-time → heard-time (about 70 s)
# A block the sound card played this long ago is not streamed. Without it, the blocks queued while
# Liquidsoap starts (the tap holds 10 s) would keep the streams that far behind the air for good,
# since Liquidsoap then reads at the air's own pace (measured: 10.2 s behind at the listener).
STALE_MS = 250


class StreamFeed:
    """AirConsumer: the rendered air to Liquidsoap, which encodes it for every configured output."""

    name = "streams"

    def __init__(self, plan: StreamPlan, binary: str, state_dir: Path, clock: Clock, now_playing: Path | None = None):
        self.plan = plan
        self.clock = clock
        self.dir = private_dir(state_dir / "streams")
        self.hls_dir = private_dir(hls_dir(state_dir))
        self.fifo = self.dir / "air.pcm"
        self._make_fifo()
        self.script = self.dir / "streams.liq"
        self.title_file = self.dir / "title"
        self._write_title("")
        self.script.write_text(render(plan, ScriptPaths(fifo=self.fifo, hls_dir=self.hls_dir, title_file=self.title_file,
                                                        log_file=self.dir / "liquidsoap.log",
                                                        allow_root=os.geteuid() == 0)), encoding="utf-8")
        os.chmod(self.script, 0o600)          # it holds the Icecast passwords
        self.lost_frames = 0
        self.up: dict[str, bool | None] = {m.mount: None for m in plan.icecast}   # None: not known yet
        self._fd: int | None = None
        self._rest = b""                       # the end of a block the deadline cut short: sent first
        self._new_reader = threading.Event()   # a new Liquidsoap started: count its air from 0
        # Frames written since the FIFO was opened (Liquidsoap's reader counts from the same 0) and,
        # per block, its first frame's number and when it was heard.
        self._sent_frames = 0
        self._frames_lock = threading.Lock()         # the tap's thread writes them, Liquidsoap's reader reads
        self._block_frames: collections.deque[int] = collections.deque(maxlen=HEARD_MEMORY)
        self._heard_ms: collections.deque[float] = collections.deque(maxlen=HEARD_MEMORY)
        self.hls = HlsPlaylists(plan, self.hls_dir, self.heard_of)
        self.titles = NowPlayingTitles(now_playing) if now_playing is not None else None
        self._pending: TitleChange | None = None
        self._title = ""                       # the title lines last handed to Liquidsoap
        if plan.hls:
            self.hls.start()
        self.supervisor = Supervisor([binary, str(self.script)], self._line, on_exit=self._exited,
                                     clock=clock, name="streams")
        self.supervisor.start()
        outputs = [str(m) for m in plan.icecast] + [f"HLS {r.bitrate_kbps} kbit/s" for r in plan.hls]
        log.info("streams on: %s (Liquidsoap pid %s)", ", ".join(outputs), self.supervisor.pid)

    def _make_fifo(self) -> None:
        try:
            if stat.S_ISFIFO(os.stat(self.fifo).st_mode):
                return
            self.fifo.unlink()
        except FileNotFoundError:
            pass
        os.mkfifo(self.fifo, 0o600)

    # -- Liquidsoap's lines (supervisor thread) -----------------------------------------------------

    def _line(self, line: str) -> None:
        words = line.split(" ", 5 if line.startswith("HLS ") else 3)
        if words[0] == "STREAMING":
            self._new_reader.set()
            self.hls.restarted()
        elif words[0] == "HLS" and len(words) == 6:
            try:
                self.hls.event(words[1], float(words[2]), float(words[3]), float(words[4]), words[5])
            except ValueError:
                pass
        elif words[0] == "ICECAST" and len(words) >= 3:
            was, now = self.up.get(words[2]), words[1] == "up"
            self.up[words[2]] = now
            if was != now:
                if now:
                    log.info("streams: connected to icecast mount %s", words[2])
                else:
                    log.warning("streams: icecast mount %s: %s (trying again)", words[2], " ".join(words[3:]))

    def _exited(self, code: int, tail: str) -> None:
        last = tail.strip().splitlines()[-1:] or ["no output"]
        log.error("streams: Liquidsoap exited with %d (%s); restarting it, the air plays on", code, last[0])

    # -- the air (the tap's thread for this consumer) -------------------------------------------------

    def heard_of(self, air_s: float) -> float | None:
        """When the frame ``air_s`` seconds into what Liquidsoap read was heard on the sound card (epoch ms)."""
        frame = round(air_s * 44100)
        with self._frames_lock:
            starts, heard = list(self._block_frames), list(self._heard_ms)
        if not starts:
            return None
        i = max(0, bisect.bisect_right(starts, frame) - 1)
        return heard[i] + (frame - starts[i]) / 44.1

    def write(self, block: AirBlock) -> None:
        if self._new_reader.is_set():
            # The new Liquidsoap prints STREAMING before it starts its reader: the FIFO is
            # opened again for it (any old reader that lingers takes its last bytes with it).
            self._new_reader.clear()
            self._drop_fd()
        if block.heard_ms < self.clock.monotonic_ms() - STALE_MS:
            self.lost_frames += block.frames     # already heard: the streams catch up with the air
        elif self._fd is None and not self._open():
            self.lost_frames += block.frames
        elif self._send(block.pcm):
            with self._frames_lock:
                self._block_frames.append(self._sent_frames)
                self._heard_ms.append(block.heard_epoch_ms)
                self._sent_frames += block.frames
        else:
            self.lost_frames += block.frames
        if self.titles is not None:
            self._pending = self.titles.poll(self.clock.monotonic_ms()) or self._pending
            if self._pending is not None and (frame := self.frame_of(self._pending.heard_epoch_ms)) is not None:
                self._title = self._pending.text()
                self._pending = None
                self._write_title(f"{frame / 44100:.4f}\n{self._title}")

    def frame_of(self, heard_epoch_ms: float) -> int | None:
        """Where in what Liquidsoap reads the air heard at ``heard_epoch_ms`` is; None: not written yet."""
        with self._frames_lock:
            starts, heard = list(self._block_frames), list(self._heard_ms)
        if not starts or heard_epoch_ms >= heard[-1] + (self._sent_frames - starts[-1]) / 44.1:
            return None
        i = bisect.bisect_right(heard, heard_epoch_ms) - 1
        if i < 0:
            return 0                # older than what is remembered: at once
        return starts[i] + round((heard_epoch_ms - heard[i]) * 44.1)

    def _write_title(self, text: str) -> None:
        tmp = self.title_file.with_name(".title.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.title_file)
        except OSError as exc:         # a full disk: the stream keeps its old title, the air plays on
            log.warning("streams: title not handed to Liquidsoap: %s", exc)

    def _open(self) -> bool:
        try:
            self._fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno not in (errno.ENXIO, errno.ENOENT):   # ENXIO: Liquidsoap's reader is not there yet
                raise
            return False
        try:
            fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass                    # a kernel that will not: the default 64 KiB
        with self._frames_lock:
            self._sent_frames = 0       # a new reader: Liquidsoap counts its air from here
            self._block_frames.clear()
            self._heard_ms.clear()
        if self._title:
            self._write_title(f"0\n{self._title}")     # a restarted Liquidsoap gets the title on air
        return True

    def _send(self, pcm: bytes) -> bool:
        """True: the block is in the FIFO's stream (its end, if the deadline cut it short, goes
        before the next block); False: none of it is, it is dropped. Either way the reader's frame
        count and ours stay equal; the FIFO is closed only when no reader is left."""
        deadline = self.clock.monotonic_ms() + WRITE_DEADLINE_S * 1000
        if self._rest:
            self._rest = self._write_until(self._rest, deadline)
            if self._rest or self._fd is None:
                return False            # still stuck (or the reader went away): this block is dropped
        if self._fd is None:
            return False
        rest = self._write_until(pcm, deadline)
        if self._fd is None:
            return False
        if len(rest) == len(pcm):
            return False
        self._rest = rest
        return True

    def _write_until(self, data: bytes, deadline_ms: float) -> bytes:
        """Writes ``data`` until done or the deadline; what is left. A reader gone drops the FIFO."""
        assert self._fd is not None
        view, sent = memoryview(data), 0
        while sent < len(data):
            try:
                sent += os.write(self._fd, view[sent:])
                continue
            except BlockingIOError:
                pass
            except BrokenPipeError:
                self._drop_fd()
                return b""
            left_ms = deadline_ms - self.clock.monotonic_ms()
            if left_ms <= 0:
                break
            select.select([], [self._fd], [], left_ms / 1000)
        return bytes(view[sent:])

    def _drop_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._rest = b""
        # The reader is gone: what it read no longer says where a new Liquidsoap is in the air
        # (a segment it opens before it reads from us gets Liquidsoap's own time instead).
        with self._frames_lock:
            self._block_frames.clear()
            self._heard_ms.clear()

    def close(self) -> None:
        self.supervisor.stop()
        self._drop_fd()
        log.info("streams stopped (%.1f s of air not streamed)", self.lost_frames / 44100)
