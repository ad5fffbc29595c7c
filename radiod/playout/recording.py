"""Recording the air (file output) into WAV files cut at clock boundaries, the oldest deleted.

``parec`` delivers the private sink's audio as raw PCM on a pipe; a thread writes it into files
named by the UTC instant of their first frame (``output-2026-12-01T140000Z.wav``), cut where the
clock crosses a multiple of the segment length (every hour on the hour by default), so the cut
is exact to the frame and nothing is lost or doubled between two files. Each file's header is
kept true as it grows, so a file cut short by a crash or a power cut is still a valid WAV.

Whenever a file is begun, recordings of the same name — this run's, earlier runs', and the single
``output.wav`` / ``output.<ms>.wav`` files of older versions — are deleted by age and then, oldest
first, until all of them fit the size limit.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import signal
import struct
import termios
import subprocess
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from radiod.errors import PlayerError
from radiod.playout.output import CHANNELS, RATE, WAV_HEADER_BYTES

log = logging.getLogger(__name__)

FRAME_BYTES = 2 * CHANNELS
GAP_MS = 1000          # audio this far behind the clock, once caught up, went missing
READ_BYTES = 65536
START_TIMEOUT_MS = 5000
PIPE_BYTES = 1 << 20   # ~6 s of audio buffered while a write is slow (the default 64 KiB holds 0.4 s)


@dataclass(frozen=True)
class Retention:
    """How recordings are cut and how long they are kept (0: no limit of that kind)."""

    segment_ms: int = 3_600_000
    keep_ms: int = 2 * 86_400_000
    keep_bytes: int = 10 * 1000**3


def stamp(start_ms: int) -> str:
    """The part of a recording's name that says when it starts (UTC, sortable, no colons)."""
    return datetime.fromtimestamp(start_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")


def recordings(base: Path) -> list[Path]:
    """Every recording made for ``base`` in its folder, cut files and older versions' whole-run ones."""
    pattern = re.compile(rf"{re.escape(base.stem)}(-\d{{4}}-\d\d-\d\dT\d{{6}}Z(-\d+)?|\.\d+)?{re.escape(base.suffix)}")
    try:
        names = os.listdir(base.parent)
    except FileNotFoundError:
        return []
    return [base.parent / name for name in sorted(names) if pattern.fullmatch(name)]


def expire(base: Path, retention: Retention, now_ms: int, keep: Path | None = None) -> list[Path]:
    """Delete recordings whose last audio is older than ``keep_ms``, then the oldest until the rest
    and one more segment fit ``keep_bytes`` (``keep``, the file being written, stays). Returns
    what went."""
    files = []
    for path in recordings(base):
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        files.append((info.st_mtime_ns // 1_000_000, info.st_size, path))
    files.sort()
    total = sum(size for _, size, _ in files) + retention.segment_ms * RATE // 1000 * FRAME_BYTES
    gone = []
    for mtime_ms, size, path in files:
        too_old = retention.keep_ms > 0 and now_ms - mtime_ms > retention.keep_ms
        too_big = retention.keep_bytes > 0 and total > retention.keep_bytes
        if path == keep or not (too_old or too_big):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.error("recording %s could not be deleted: %s", path, exc.strerror)
            continue
        total -= size
        gone.append(path)
    if gone:
        log.info("recordings: deleted %d (kept at most %s and %s): %s%s", len(gone), _days(retention.keep_ms),
                 _size(retention.keep_bytes), gone[0].name, f" … {gone[-1].name}" if len(gone) > 1 else "")
    return gone


def _days(ms: int) -> str:
    return f"{ms / 86_400_000:g} days" if ms else "any age"


def _size(n: int) -> str:
    return f"{n / 1000**3:g} GB in all" if n else "any size"


class _Wav:
    """A WAV file being written; its header always tells the length written so far."""

    def __init__(self, path: Path):
        self.path = path
        self.frames = 0
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o640)
        try:
            _write_all(self._fd, _header(0))
        except OSError:
            os.close(self._fd)
            path.unlink(missing_ok=True)       # a full disk must not fill the folder with empty files
            raise

    def write(self, pcm: bytes) -> None:
        _write_all(self._fd, pcm)
        self.frames += len(pcm) // FRAME_BYTES
        data = self.frames * FRAME_BYTES
        os.pwrite(self._fd, struct.pack("<I", data + WAV_HEADER_BYTES - 8), 4)
        os.pwrite(self._fd, struct.pack("<I", data), WAV_HEADER_BYTES - 4)

    def close(self) -> None:
        os.close(self._fd)


def _header(data_bytes: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", data_bytes + WAV_HEADER_BYTES - 8) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, CHANNELS, RATE, RATE * FRAME_BYTES, FRAME_BYTES, 16)
            + b"data" + struct.pack("<I", data_bytes))


def _queued(fd: int) -> int:
    """Bytes waiting in a pipe."""
    return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Recorder:
    """Records a PulseAudio source into cut, expiring WAV files until ``stop``.

    ``now_ms`` is the wall clock in epoch ms (the player's clock): it names the files and places
    the cuts. ``process`` is the parec behind it; ``alive()`` is false once either it or the
    writing stopped (a failed write is logged once, with the file and the reason)."""

    def __init__(self, source: str, base: Path, retention: Retention, now_ms: Callable[[], int],
                 env: dict[str, str], pid_file: Path | None = None):
        self.source = source
        self.base = base
        self.retention = retention
        self.now_ms = now_ms
        self.env = env
        self.pid_file = pid_file
        self.process: subprocess.Popen[bytes] | None = None
        self.current: Path | None = None        # the file being written
        self.error = ""
        self._wav: _Wav | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._opening = base.parent             # the file being opened (for an error)

    def start(self) -> None:
        """Start recording; return once the first audio is in a file (a fresh sink's monitor
        delivers ~2 s late, and the first seconds played would be missing otherwise)."""
        try:
            self.base.parent.mkdir(parents=True, exist_ok=True)
            expire(self.base, self.retention, self.now_ms())
            # A small latency matters: by default parec is sent 2 s fragments, lost when it stops.
            self.process = subprocess.Popen(
                ["parec", "-d", self.source, "--raw", "--format=s16le", f"--rate={RATE}",
                 f"--channels={CHANNELS}", "--latency-msec=50"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if self.pid_file is not None:
                self.pid_file.write_text(str(self.process.pid))
        except OSError as exc:
            self.stop()
            raise PlayerError(f"cannot record to {self.base.parent}: {exc.strerror or exc}") from None
        assert self.process.stdout is not None
        try:
            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass                                # a smaller limit (fs.pipe-max-size): the default stays
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_MS / 1000):
            self.stop()
            raise PlayerError(f"recording to {self.base.parent} did not start within {START_TIMEOUT_MS // 1000} s")
        if not self.alive():
            self.stop()
            raise PlayerError(f"cannot record: {self.error}" if self.error else
                              f"cannot record to {self.base.parent}: parec exited with status {self.process.poll()}")

    def alive(self) -> bool:
        return (self.process is not None and self.process.poll() is None and not self.error
                and self._thread is not None and self._thread.is_alive())

    def stop(self) -> None:
        """Stop parec (the writer then closes the file at the last frame it was sent)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- the writing thread ------------------------------------------------------------------------

    def _run(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        pending = b""
        anchor_ms = 0.0            # wall time of frame 0 of the current run of audio
        frames = 0                 # frames written since the anchor
        cut_ms = 0                 # where the clock ends the current file
        try:
            while data := os.read(fd, READ_BYTES):
                now = self.now_ms()
                pending += data
                whole = len(pending) - len(pending) % FRAME_BYTES
                chunk, pending = pending[:whole], pending[whole:]
                n = len(chunk) // FRAME_BYTES
                behind = now - (anchor_ms + (frames + n) * 1000 / RATE)
                # Behind the clock after a stall is normal: the server holds ~20 s for a slow
                # reader and sends it all once we read again. Only audio still missing once
                # caught up (a short read, nothing left in the pipe) was lost.
                if self._wav is None or (behind > GAP_MS and len(data) < READ_BYTES and not _queued(fd)):
                    if self._wav is not None:
                        log.warning("recording: %.0f ms of audio missing before %s (the recorder was held up)",
                                    behind, stamp(now))
                    anchor_ms, frames = now - n * 1000 / RATE, 0      # this chunk ends now
                    if self._wav is None:
                        cut_ms = self._begin(anchor_ms, previous_cut_ms=None)
                while chunk:
                    cut_frame = round((cut_ms - anchor_ms) * RATE / 1000)
                    if frames >= cut_frame:
                        self._end_file()
                        cut_ms = self._begin(anchor_ms + frames * 1000 / RATE, previous_cut_ms=cut_ms)
                        continue
                    take = min(n, cut_frame - frames)
                    assert self._wav is not None
                    self._wav.write(chunk[:take * FRAME_BYTES])
                    chunk, n, frames = chunk[take * FRAME_BYTES:], n - take, frames + take
                    self._started.set()
        except OSError as exc:
            where = self._wav.path if self._wav is not None else self._opening
            self.error = f"{where}: {exc.strerror or exc}"
            if self._started.is_set():
                log.error("recording stopped: cannot write %s", self.error)
            if self.process.poll() is None:
                self.process.kill()
        finally:
            self._end_file()
            self._started.set()

    def _begin(self, start_ms: float, previous_cut_ms: int | None) -> int:
        """Open the file whose first frame sounds at ``start_ms``; return where it is to be cut
        (the next segment boundary; after a cut, never the boundary just passed)."""
        segment = self.retention.segment_ms
        cut_ms = (int(start_ms) // segment + 1) * segment
        if previous_cut_ms is not None:
            cut_ms = max(cut_ms, previous_cut_ms + segment)
        name = stamp(round(start_ms))
        path = self.base.with_name(f"{self.base.stem}-{name}{self.base.suffix}")
        n = 0
        while True:
            try:
                self._opening = path
                self._wav = _Wav(path)
                break
            except FileExistsError:            # a restart within the same second
                n += 1
                path = self.base.with_name(f"{self.base.stem}-{name}-{n}{self.base.suffix}")
        self.current = path
        if previous_cut_ms is not None:
            # beside the writing: deleting gigabytes can take longer than the pipe holds
            threading.Thread(target=expire, args=(self.base, self.retention, self.now_ms(), path),
                             name="recording-expiry", daemon=True).start()
        return cut_ms

    def _end_file(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None
