"""Any span of the logged air, across hour files, to the sample: `radiod logger extract` and the
panel's download.

Output frame j sounds at ``from + j / RATE``; a file's frame i at its first-frame instant plus
``i / RATE``, so each file is decoded (ffmpeg, to the air's own PCM) and the frames of the span
taken from it by position. What no file holds (the logger was off, the air had a gap) is silence
of the right length, and is reported, so the extract's length is always the span's.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from radiod.errors import RadiodError
from radiod.logger.files import HourFile, hour_files
from radiod.playout.output import CHANNELS, RATE
from radiod.playout.pcm_cache import wav_header
from radiod.private import FILE_MODE

FRAME_BYTES = 2 * CHANNELS
CHUNK_FRAMES = 1 << 16


class ExtractError(RadiodError):
    """An extract that cannot be made (one line: why)."""


@dataclass(frozen=True)
class Gap:
    """Part of the span no recording holds (filled with silence)."""

    from_us: int
    to_us: int


@dataclass(frozen=True)
class Extracted:
    frames: int
    files: tuple[str, ...]       # the hour files it was cut from
    gaps: tuple[Gap, ...]


def station_instant(text: str, zone: ZoneInfo) -> int:
    """``2026-12-03T14:00`` (station time, or with an explicit offset) as epoch microseconds."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ExtractError(f"{text!r}: expected a time like 2026-12-03T14:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return round(moment.timestamp() * 1_000_000)


def _frame_at(instant_us: int, origin_us: int) -> int:
    return round((instant_us - origin_us) * RATE / 1_000_000)


def span_pcm(folder: Path, from_us: int, to_us: int, *, ffmpeg: str = "ffmpeg",
             gaps: list[Gap] | None = None, used: list[str] | None = None) -> Iterator[bytes]:
    """The span's audio as raw PCM (s16le stereo, RATE), exactly ``round(span * RATE)`` frames."""
    total = _frame_at(to_us, from_us)
    cursor = 0
    for entry in hour_files(folder):
        if cursor >= total:
            break
        if not (folder / entry.name).exists():
            continue                                        # deleted or lost: a gap, reported below
        first = _frame_at(entry.start_us, from_us)          # the file's frame 0 in the output
        if entry.end_us is not None and _frame_at(entry.end_us, from_us) <= cursor:
            continue
        if first >= total:
            break
        if first > cursor:
            if gaps is not None:
                gaps.append(Gap(from_us + cursor * 1_000_000 // RATE, from_us + first * 1_000_000 // RATE))
            yield from _silence(first - cursor)
            cursor = first
        before = cursor
        for pcm in _decoded(folder, entry, cursor - first, total - cursor, ffmpeg):
            cursor += len(pcm) // FRAME_BYTES
            yield pcm
        if cursor > before and used is not None:
            used.append(entry.name)
    if cursor < total:
        if gaps is not None:
            gaps.append(Gap(from_us + cursor * 1_000_000 // RATE, to_us))
        yield from _silence(total - cursor)


def _decoded(folder: Path, entry: HourFile, skip: int, most: int, ffmpeg: str) -> Iterator[bytes]:
    """Frames ``skip`` … of one file, at most ``most`` of them and no more than the file holds."""
    limit = most if entry.frames is None else min(most, entry.frames - skip)
    if limit <= 0:
        return
    args = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(folder / entry.name),
            "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS), "pipe:1"]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    pending, skip_bytes, left = b"", skip * FRAME_BYTES, limit * FRAME_BYTES
    try:
        while left > 0 and (data := process.stdout.read(CHUNK_FRAMES * FRAME_BYTES)):
            if skip_bytes:
                dropped = min(skip_bytes, len(data))
                data, skip_bytes = data[dropped:], skip_bytes - dropped
            data = pending + data[:left]
            whole = len(data) - len(data) % FRAME_BYTES
            data, pending = data[:whole], data[whole:]
            left -= len(data)
            if data:
                yield data
    finally:
        process.kill()
        process.wait()
    if entry.frames is not None and left > 0:
        # The codec's decoder may return a few frames fewer than were encoded: keep the timeline.
        yield from _silence(left // FRAME_BYTES)


def _silence(frames: int) -> Iterator[bytes]:
    while frames > 0:
        n = min(frames, CHUNK_FRAMES)
        yield bytes(n * FRAME_BYTES)
        frames -= n


def extract_span(folder: Path, from_us: int, to_us: int, output: Path, *, ffmpeg: str = "ffmpeg") -> Extracted:
    """Write the span to ``output``: a WAV for ``.wav``, else encoded by ffmpeg by its extension."""
    if to_us <= from_us:
        raise ExtractError("the span is empty: --to must come after --from")
    gaps: list[Gap] = []
    used: list[str] = []
    frames = _frame_at(to_us, from_us)
    chunks = span_pcm(folder, from_us, to_us, ffmpeg=ffmpeg, gaps=gaps, used=used)
    if output.suffix.lower() == ".wav":
        _write_wav(output, frames, chunks)
    else:
        _encode(output, chunks, ffmpeg)
    return Extracted(frames, tuple(used), tuple(gaps))


def _write_wav(output: Path, frames: int, chunks: Iterator[bytes]) -> None:
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    except OSError as exc:
        raise ExtractError(f"{output}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(wav_header(frames))
            for pcm in chunks:
                f.write(pcm)
    except OSError as exc:
        raise ExtractError(f"{output}: cannot write: {exc.strerror or exc}") from None


def _encode(output: Path, chunks: Iterator[bytes], ffmpeg: str) -> None:
    args = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-f", "s16le", "-ar", str(RATE),
            "-ac", str(CHANNELS), "-i", "pipe:0", "-y", str(output)]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stderr is not None
    try:
        for pcm in chunks:
            process.stdin.write(pcm)
        process.stdin.close()
    except BrokenPipeError:
        pass
    process.wait()
    if process.returncode != 0:
        lines = process.stderr.read().decode(errors="replace").strip().splitlines()
        raise ExtractError(f"{output}: ffmpeg could not write it: {lines[-1] if lines else process.returncode}")


def listing(folder: Path, describe: Callable[[int], str]) -> list[tuple[str, str, str, str]]:
    """(name, first frame, length, state) of every hour file, for `radiod logger list`."""
    rows = []
    for entry in hour_files(folder):
        length = "recording" if entry.frames is None else f"{entry.frames / RATE:.3f} s"
        state = "open" if entry.frames is None else ("present" if (folder / entry.name).exists() else "missing")
        rows.append((entry.name, describe(entry.start_us), length, state))
    return rows
