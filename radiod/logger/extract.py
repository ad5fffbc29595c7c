"""Any span of the logged air, across hour files, to the sample: `radiod logger extract` and the
panel's download.

Each file's time map (its sidecar's anchors: frames and the instants they were heard) says which
of its frames aired inside the span; the file is decoded (ffmpeg, to the air's own PCM) and those
frames taken by position, so the extract is every frame heard in the span, once. What no file
holds (the logger was off, the air had a gap) is silence of that length, and is reported. The
extract is the span's length at the nominal rate, give or take the output's drift (±0.2 s an hour
at 50 ppm).
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class _Part:
    """A stretch of the extract: frames [first, end) of one file, or ``end - first`` of silence."""

    entry: HourFile | None
    first: int
    end: int


def _plan(folder: Path, from_us: int, to_us: int) -> tuple[list[_Part], list[Gap]]:
    """Which frames of which files make the span, by each file's time map; silence between."""
    parts: list[_Part] = []
    gaps: list[Gap] = []
    cursor_us = float(from_us)            # the instant the next output frame was heard at

    def silence_to(instant_us: float) -> None:
        n = round((instant_us - cursor_us) * RATE / 1_000_000)
        if n > 0:
            parts.append(_Part(None, 0, n))
            gaps.append(Gap(round(cursor_us), round(instant_us)))

    for entry in hour_files(folder):
        if cursor_us >= to_us:
            break
        if not (folder / entry.name).exists():
            continue                                        # deleted or lost: a gap
        first = max(0, math.ceil(entry.frame_at(cursor_us) - 0.5))
        end = round(entry.frame_at(to_us))
        if entry.frames is not None:
            end = min(end, entry.frames)
        if end <= first:
            continue
        silence_to(entry.instant_us(first))
        parts.append(_Part(entry, first, end))
        cursor_us = max(cursor_us, entry.instant_us(end))
    silence_to(to_us)
    return parts, gaps


def span_pcm(folder: Path, parts: list[_Part], ffmpeg: str = "ffmpeg") -> Iterator[bytes]:
    """The planned parts' audio as raw PCM (s16le stereo, RATE)."""
    for part in parts:
        if part.entry is None:
            yield from _silence(part.end - part.first)
        else:
            yield from _decoded(folder, part.entry, part.first, part.end - part.first, ffmpeg)


def spans_pcm(folder: Path, spans_us: list[tuple[int, int]], ffmpeg: str = "ffmpeg") -> Iterator[tuple[int, bytes]]:
    """Several spans, in order, as (the span's index, raw PCM) — each by its own time map, so every
    span is as exact as one extract — with each file decoded once however many spans it feeds
    (radiod.episodes takes a show's talk between the songs it leaves out)."""
    parts = [(n, part) for n, (a, b) in enumerate(spans_us) for part in _plan(folder, a, b)[0]]
    i = 0
    while i < len(parts):
        n, part = parts[i]
        if part.entry is None:
            for pcm in _silence(part.end - part.first):
                yield n, pcm
            i += 1
            continue
        j = i + 1                          # the following parts read further on in the same file
        while j < len(parts) and _same_file(parts[j][1], part) and parts[j][1].first >= parts[j - 1][1].end:
            j += 1
        group = parts[i:j]
        stream = _decoded(folder, part.entry, part.first, group[-1][1].end - part.first, ffmpeg)
        pending = b""
        at = part.first
        for k, (m, p) in enumerate(group):
            skip, want = (p.first - at) * FRAME_BYTES, (p.end - p.first) * FRAME_BYTES
            while skip or want:
                if not pending:
                    pending = next(stream, b"")
                    if not pending:
                        break
                if skip:
                    dropped = min(skip, len(pending))
                    pending, skip = pending[dropped:], skip - dropped
                    continue
                take = pending[:want]
                pending, want = pending[len(take):], want - len(take)
                yield m, take
            at = p.end
        for _ in stream:                   # let the decoder finish (and be reaped)
            pass
        i = j


def _same_file(a: _Part, b: _Part) -> bool:
    return a.entry is not None and b.entry is not None and a.entry.name == b.entry.name


def _decoded(folder: Path, entry: HourFile, skip: int, count: int, ffmpeg: str) -> Iterator[bytes]:
    """Frames ``skip`` … ``skip + count`` of one file, exactly ``count`` of them (a decoder that
    returns fewer than were encoded, or a file still being written, is made up with silence)."""
    args = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(folder / entry.name),
            "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS), "pipe:1"]
    process = _start(args, stdin=subprocess.DEVNULL)
    assert process.stdout is not None
    pending, skip_bytes, left = b"", skip * FRAME_BYTES, count * FRAME_BYTES
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
    if left > 0:
        yield from _silence(left // FRAME_BYTES)


def _start(args: list[str], *, stdin: int) -> subprocess.Popen[bytes]:
    """ffmpeg reading from ``stdin`` (a pipe: it encodes) or writing to a pipe (it decodes)."""
    try:
        return subprocess.Popen(args, stdin=stdin,
                                stdout=subprocess.PIPE if stdin == subprocess.DEVNULL else subprocess.DEVNULL,
                                stderr=subprocess.PIPE if stdin == subprocess.PIPE else subprocess.DEVNULL)
    except OSError as exc:
        raise ExtractError(f"cannot run {args[0]}: {exc.strerror or exc}") from None


def _silence(frames: int) -> Iterator[bytes]:
    while frames > 0:
        n = min(frames, CHUNK_FRAMES)
        yield bytes(n * FRAME_BYTES)
        frames -= n


def extract_span(folder: Path, from_us: int, to_us: int, output: Path, *, ffmpeg: str = "ffmpeg") -> Extracted:
    """Write the span to ``output``: a WAV for ``.wav``, else encoded by ffmpeg by its extension."""
    if to_us <= from_us:
        raise ExtractError("the span is empty: --to must come after --from")
    parts, gaps = _plan(folder, from_us, to_us)
    frames = sum(p.end - p.first for p in parts)
    chunks = span_pcm(folder, parts, ffmpeg)
    if output.suffix.lower() == ".wav":
        _write_wav(output, frames, chunks)
    else:
        _encode(output, chunks, ffmpeg)
    used = tuple(dict.fromkeys(p.entry.name for p in parts if p.entry is not None))
    return Extracted(frames, used, tuple(gaps))


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
    process = _start(args, stdin=subprocess.PIPE)
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
