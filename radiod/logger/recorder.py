"""The logger as an air consumer: the rendered air, encoded by ffmpeg into hour files.

Blocks arrive from the air tap with the instant their first frame is heard. A file is cut where
that instant crosses the station clock's hour, inside the block, to the frame: the frames before
the cut end one file and the rest begin the next, so nothing is lost or doubled between files.
A gap in the air (the output restarted, or the tap dropped blocks because the disk was slow)
begins a new file, so every file is continuous audio and a sample's time is its file's start plus
its position. A write that fails (a full disk, a dead encoder) stops the logger with one error;
the air tap keeps it from ever reaching what is heard.
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
import threading
from dataclasses import replace
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import IO, Callable

from radiod.clock import Clock, to_ms
from radiod.errors import RadiodError
from radiod.logger.files import Anchor, HourFile, expire, file_name, hour_files, recover, write_sidecar
from radiod.playout.air_tap import AirBlock
from radiod.playout.output import CHANNELS, RATE
from radiod.private import FILE_MODE, private_dir

log = logging.getLogger(__name__)

FRAME_BYTES = 2 * CHANNELS
HOUR_US = 3_600_000_000
ANCHOR_FRAMES = 5 * RATE     # a point of the file's time map every 5 s of audio
JUMP_US = 20_000             # heard times this far off the previous block's: the mapping was corrected
CLOSE_TIMEOUT_S = 30


class LoggerError(RadiodError):
    """The logger cannot go on (one line: what and where)."""


def next_hour_us(instant_us: int, zone: tzinfo) -> int:
    """The first instant after ``instant_us`` at which the station's clock shows a whole hour
    (in a zone 5:30 from UTC that is half past a UTC hour; across a DST change, the new offset's)."""
    found = []
    for probe in (instant_us, instant_us + HOUR_US):
        offset = datetime.fromtimestamp(probe / 1_000_000, timezone.utc).astimezone(zone).utcoffset()
        off_us = round(offset.total_seconds() * 1_000_000) if offset is not None else 0
        candidate = ((instant_us + off_us) // HOUR_US + 1) * HOUR_US - off_us
        local = datetime.fromtimestamp(candidate / 1_000_000, timezone.utc).astimezone(zone)
        if candidate > instant_us and local.minute == local.second == local.microsecond == 0:
            found.append(candidate)
    return min(found) if found else (instant_us // HOUR_US + 1) * HOUR_US


def encoder_args(ffmpeg: str, fmt: str, bitrate_kbps: int, path: Path) -> list[str]:
    """ffmpeg reading the air (raw PCM on stdin) and writing one hour file."""
    codec = {"opus": ["-c:a", "libopus", "-b:a", f"{bitrate_kbps}k", "-f", "opus"],
             "mp3": ["-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k", "-f", "mp3"],
             "flac": ["-c:a", "flac", "-f", "flac"]}[fmt]
    # No probing (ffmpeg would hold the first 5 s back), and every packet written when made, so
    # the hour being recorded is on disk to within a page (about a second) for extracts and crashes.
    return [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-probesize", "32", "-analyzeduration", "0",
            "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS), "-i", "pipe:0", *codec,
            "-flush_packets", "1", "-y", str(path)]


class _Encoder:
    """One ffmpeg writing one file; raises LoggerError naming the file when it cannot."""

    def __init__(self, args: list[str], path: Path):
        self.path = path
        # Created here so it is private whatever the umask (ffmpeg truncates it, keeping the mode).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE))
        try:
            # Its own session: a Ctrl-C at the terminal (or a signal to radiod's group) must not end
            # the file under the logger; radiod closes it at its stop, and its stdin's end stops it
            # if radiod dies.
            self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise LoggerError(f"{path}: cannot start the encoder {args[0]}: {exc.strerror or exc}") from None
        assert self.process.stdin is not None
        self.stdin: IO[bytes] = self.process.stdin

    def write(self, pcm: bytes) -> None:
        try:
            self.stdin.write(pcm)
        except (BrokenPipeError, ValueError):
            self._fail()

    def finish(self) -> None:
        try:
            self.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.process.wait(timeout=CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.returncode != 0:
            self._fail()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def _fail(self) -> None:
        self.kill()
        assert self.process.stderr is not None
        lines = self.process.stderr.read().decode(errors="replace").strip().splitlines()
        why = lines[-1] if lines else f"exited with status {self.process.returncode}"
        raise LoggerError(f"{self.path}: the encoder stopped: {why}")


class AirLogger:
    """An AirConsumer writing the air into hour files in ``folder``; ``on_closed`` is told of
    every file once it is complete (to chain it; None: files an earlier run left open, closed
    now), and files past ``keep_days`` are deleted."""

    name = "logger"

    def __init__(self, folder: Path, *, fmt: str, bitrate_kbps: int, keep_days: int, clock: Clock,
                 on_closed: Callable[[HourFile | None], None] | None = None, ffmpeg: str = "ffmpeg",
                 zone: tzinfo = timezone.utc):
        self.folder = folder
        self.zone = zone
        self.fmt = fmt
        self.bitrate_kbps = bitrate_kbps
        self.keep_days = keep_days
        self.clock = clock
        self.on_closed = on_closed
        self.ffmpeg = ffmpeg
        self.current: HourFile | None = None
        self._encoder: _Encoder | None = None
        self._frames = 0                  # frames in the current file
        self._next_frame: int | None = None
        self._cut_us = 0                  # the hour the current file ends at
        self._anchors: list[Anchor] = []  # the current file's time map
        self._last: tuple[int, float] = (0, 0.0)   # (file frame, heard µs) of the last block
        self.failed = ""                  # why the logger stopped ('' while it records)
        try:
            private_dir(folder)
        except OSError as exc:
            raise LoggerError(f"{folder}: cannot create the logger's folder: {exc.strerror or exc}") from None
        # Files an earlier run left open are closed beside the recording (decoding takes seconds).
        left_open = [f for f in hour_files(folder) if not f.closed]       # listed before this run opens one
        self.recovered = threading.Thread(target=self._recover, args=(left_open,), name="logger-recover",
                                          daemon=True)
        self.recovered.start()

    def _recover(self, left_open: list[HourFile]) -> None:
        if recover(self.folder, left_open, self.ffmpeg) and self.on_closed is not None:
            try:
                self.on_closed(None)
            except Exception as exc:
                log.error("logger: the recovered files could not be chained yet: %s", exc)
        self._expire()

    def write(self, block: AirBlock) -> None:
        if self.failed:
            return
        try:
            self._write(block)
        except LoggerError as exc:
            self.failed = str(exc)
            self._abandon()
            raise

    def close(self) -> None:
        if self.failed:
            return
        try:
            self._close_file()
        except LoggerError as exc:          # the last file could not be finished: one line, as in write
            self.failed = str(exc)
            log.error("air: logger stopped: %s", exc)

    def _abandon(self) -> None:
        """After a failure: the encoder goes; what it wrote stays, its sidecar says it is unfinished."""
        if self._encoder is not None:
            self._encoder.kill()
        self.current, self._encoder = None, None

    def _write(self, block: AirBlock) -> None:
        if self.current is not None and block.first_frame != self._next_frame:
            log.warning("logger: the air has a gap before %s; a new file begins there",
                        f"{block.heard_epoch_ms / 1000:.3f}")
            self._close_file()
        self._next_frame = block.first_frame + block.frames
        heard_us = block.heard_epoch_ms * 1000
        frames, offset = block.frames, 0
        while offset < frames:
            if self.current is None:
                self._open_file(round(heard_us + offset * 1_000_000 / RATE))
            assert self._encoder is not None
            # the first frame heard at or after the hour, counted in this block
            cut = math.ceil((self._cut_us - heard_us) * RATE / 1_000_000 - 0.02)   # float ms: ±0.01 frame
            end = min(frames, max(offset, cut))
            if end > offset:
                self._observe(self._frames, heard_us + offset * 1_000_000 / RATE)
                self._encoder.write(block.pcm[offset * FRAME_BYTES:end * FRAME_BYTES])
                self._frames += end - offset
                offset = end
            if cut <= offset:
                self._close_file()

    # -- files ---------------------------------------------------------------------------------------

    def _open_file(self, start_us: int) -> None:
        previous_cut = self._cut_us
        self._cut_us = next_hour_us(start_us, self.zone)
        if previous_cut and self._cut_us <= previous_cut:
            self._cut_us = next_hour_us(previous_cut, self.zone)
        try:
            name = file_name(start_us, self.fmt, self.folder)
            entry = HourFile(name=name, start_us=start_us, format=self.fmt)
            write_sidecar(self.folder, entry)
            path = self.folder / name
            self._encoder = _Encoder(encoder_args(self.ffmpeg, self.fmt, self.bitrate_kbps, path), path)
        except OSError as exc:
            raise LoggerError(f"{self.folder}: cannot begin an hour file: {exc.strerror or exc}") from None
        self.current, self._frames, self._anchors = entry, 0, []

    def _observe(self, frame: int, heard_us: float) -> None:
        """Keep the file's time map: a point every ANCHOR_FRAMES, and, when the heard times jump
        while the frames run on (the output's monitor found the stream and corrected where it is
        heard), the earlier points moved by the jump: the audio is continuous, the old times were not."""
        assert self.current is not None
        changed = False
        if not self._anchors:
            self._anchors = [(frame, round(heard_us))]
        else:
            last_frame, last_us = self._last
            jump = heard_us - (last_us + (frame - last_frame) * 1_000_000 / RATE)
            if abs(jump) > JUMP_US:
                self._anchors = [(f, round(t + jump)) for f, t in self._anchors]
                log.info("logger: %s: heard times corrected by %+.1f ms; its time map follows", self.current.name,
                         jump / 1000)
                changed = True
            if frame - self._anchors[-1][0] >= ANCHOR_FRAMES:
                self._anchors.append((frame, round(heard_us)))
                changed = True
        self._last = (frame, heard_us)
        if changed:
            self.current = replace(self.current, start_us=self._anchors[0][1], anchors=tuple(self._anchors))
            try:
                write_sidecar(self.folder, self.current)
            except OSError as exc:
                raise LoggerError(f"{self.folder / self.current.name}.json: cannot write: {exc.strerror or exc}") from None

    def _close_file(self) -> None:
        entry, encoder, frames = self.current, self._encoder, self._frames
        self.current, self._encoder = None, None
        if entry is None or encoder is None:
            return
        encoder.finish()
        try:
            if self._anchors:
                entry = replace(entry, start_us=self._anchors[0][1], anchors=tuple(self._anchors))
            closed = entry.closed_with(frames, self.folder)
            write_sidecar(self.folder, closed)
        except OSError as exc:
            raise LoggerError(f"{self.folder / entry.name}: cannot finish the hour file: {exc.strerror or exc}") from None
        if self.on_closed is not None:
            try:
                self.on_closed(closed)
            except Exception as exc:     # the chain catches up at the next close; the audio is safe
                log.error("logger: %s could not be chained yet: %s", closed.name, exc)
        self._expire()

    def _expire(self) -> None:
        expire(self.folder, self.keep_days, to_ms(self.clock.now()))
