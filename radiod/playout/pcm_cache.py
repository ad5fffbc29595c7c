"""Decode an upcoming item to a PCM WAV file: cue points cut, gain and fades applied.

Why: libVLC misreads MP3 durations and cuts the last 28–181 ms of Ogg and FLAC tracks, but plays
PCM WAV exactly. ffmpeg decodes the item before it airs; the WAV then has the item's true length
(its frame count) and its ending is heard in full. Fades baked into the samples are exact too,
unlike libVLC volume changes, which it ignores in the last ~file-caching ms of a track.

The WAV holds exactly the item's frames after its 44-byte header: the mixer reads them by
position (``WAV_HEADER_BYTES + frame * FRAME_BYTES``), also while a long item is still being written.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import subprocess
import tempfile
import threading
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from radiod.errors import MediaError
from radiod.library.ffmpeg import format_for_name, input_args, input_url
from radiod.library.tags import detect_format
from radiod.playout.output import CHANNELS, RATE
from radiod.playout.port import Cue

FRAME_BYTES = 2 * CHANNELS
CACHE_NAME = re.compile(r"[0-9a-f]{20}\.wav")
CHUNK_FRAMES = 16384
HEAD_MS = 20_000        # decoded this far, a long item can start playing while the rest decodes
STREAMING_FRAMES = 0x7FFF0000 // FRAME_BYTES   # what an unfinished WAV's header claims (~3.4 h)
SEEK_MARGIN_MS = 1000


class Cancel:
    """Cancels a decode, from any thread: stops its loop and kills its ffmpeg (which may be
    blocked on a file that never delivers)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    def set(self) -> None:
        with self._lock:
            self._event.set()
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()

    def is_set(self) -> bool:
        return self._event.is_set()

    def attach(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._proc = proc
            if self._event.is_set():
                proc.kill()


@dataclass(frozen=True)
class Decoded:
    path: Path
    frames: int               # the item's frames (after cue points)

    @property
    def length_ms(self) -> int:
        return self.frames * 1000 // RATE


def frames_of(ms: int) -> int:
    return ms * RATE // 1000


def cache_path(cache_dir: Path, cue: Cue, offset_ms: int) -> Path:
    """Where the decoded item lives: named by the source file's identity and every setting."""
    try:
        st = os.stat(cue.path)
        identity = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        identity = "missing"
    key = "|".join(map(str, (os.path.abspath(cue.path), identity, cue.cue_in_ms, cue.cue_out_ms,
                             cue.gain_db, cue.fade_in_ms, cue.fade_out_ms, offset_ms)))
    return cache_dir / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.wav"    # see CACHE_NAME


def decode(cue: Cue, cache_dir: Path, offset_ms: int = 0,
           on_head: Callable[[Path], None] | None = None, head_ms: int = HEAD_MS,
           cancel: Cancel | None = None) -> Decoded:
    """Decode ``cue`` from ``offset_ms`` past its cue-in; reuse an earlier identical decode.

    A long item (an hour-long show) takes a while to decode, so once ``head_ms`` of it is
    written ``on_head(path)`` is called: until it is finished the WAV's header claims a huge size,
    so it can be played while the rest is written (decoding runs far faster than playback).
    The file keeps its name throughout (a player may be opening it); a finished header marks a
    finished decode. Raises MediaError (one line, naming the file) when the file is missing or not
    decodable, or when ``cancel`` is set.
    """
    target = cache_path(cache_dir, cue, offset_ms)
    if target.exists():
        with wave.open(str(target), "rb") as existing:
            total = existing.getnframes()
        if total != STREAMING_FRAMES:           # else a decode that was interrupted: redo it
            return Decoded(target, total)
    if not os.path.exists(cue.path):
        raise MediaError(f"{cue.path}: file not found")
    try:
        fmt = input_format(cue.path)
    except MediaError as exc:
        raise MediaError(f"{cue.path}: cannot decode: {exc}") from None
    start_ms = cue.cue_in_ms + offset_ms
    limit = None if cue.cue_out_ms is None else max(0, frames_of(cue.cue_out_ms - start_ms))
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        frames = _decode_to(target, cue, fmt, start_ms, limit, on_head, frames_of(head_ms), cancel)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if frames == 0:
        target.unlink(missing_ok=True)
        raise MediaError(f"{cue.path}: no audio decoded" + (f" after {start_ms} ms" if start_ms else ""))
    return Decoded(target, frames)


def input_format(path: str) -> str:
    """The format ffmpeg is told to read ``path`` as (never its own guess, which would follow a
    playlist hidden in the file): a regular file's is sniffed from its content; a pipe cannot
    be read twice, so its name's suffix says, and that is forced with ``-f`` all the same."""
    if stat.S_ISREG(os.stat(path).st_mode):
        return detect_format(path)
    return format_for_name(path)


def _decode_to(out_path: Path, cue: Cue, fmt: str, start_ms: int, limit: int | None,
               on_head: Callable[[Path], None] | None, head: int, cancel: Cancel | None) -> int:
    """Run ffmpeg, stream its PCM into a WAV with the fades; return the item's frames."""
    # An input seek is fast but the MP3 decoder restarts with ~10 ms of zeros; so seek to a second
    # before the start and let ffmpeg trim the rest exactly (an output seek decodes and discards).
    coarse_ms = max(0, start_ms - SEEK_MARGIN_MS)
    args = ["ffmpeg", "-nostdin", "-v", "error", *input_args(cue.path, fmt, seek_ms=coarse_ms),
            "-vn", "-ac", str(CHANNELS), "-ar", str(RATE)]
    if start_ms > coarse_ms:
        args += ["-ss", f"{(start_ms - coarse_ms) / 1000:.3f}"]
    if cue.gain_db:
        args += ["-af", f"volume={cue.gain_db:.2f}dB"]
    args += ["-f", "s16le", "-"]
    already = frames_of(start_ms - cue.cue_in_ms)         # frames of the fade-in skipped (join late)
    fade_in = frames_of(cue.fade_in_ms)
    fade_out = frames_of(cue.fade_out_ms)
    pos = 0                                               # frames read from ffmpeg
    tail = bytearray()                                    # held back for the fade-out until the end is known
    # stderr goes to a file: a corrupt file can make ffmpeg write more than a pipe holds
    with tempfile.TemporaryFile() as errors, open(out_path, "wb") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        assert proc.stdout is not None          # stdout=PIPE
        if cancel is not None:
            cancel.attach(proc)
        out.write(wav_header(STREAMING_FRAMES))      # a reader of the unfinished file plays to its end
        out.flush()
        while limit is None or pos < limit:
            want = CHUNK_FRAMES if limit is None else min(CHUNK_FRAMES, limit - pos)
            data = proc.stdout.read(want * FRAME_BYTES)
            data = data[: len(data) - len(data) % FRAME_BYTES]
            if not data:
                break
            if already + pos < fade_in:
                data = _ramp(data, already + pos, fade_in, rising=True)
            pos += len(data) // FRAME_BYTES
            tail += data
            spare = len(tail) - fade_out * FRAME_BYTES
            if spare > 0:
                out.write(tail[:spare])
                del tail[:spare]
            if cancel is not None and cancel.is_set():
                proc.kill()
                proc.wait()
                raise MediaError(f"{cue.path}: decoding cancelled")
            if on_head is not None and pos >= head:
                out.flush()
                on_head(out_path)
                on_head = None
        if cancel is not None and cancel.is_set():
            proc.kill()
            proc.wait()
            raise MediaError(f"{cue.path}: decoding cancelled")
        cut = limit is not None and pos >= limit              # cue-out reached: the rest is not needed
        if cut:
            proc.kill()
        proc.stdout.close()
        code = proc.wait()
        if not cut and code != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            why = lines[-1].removeprefix(f"{input_url(cue.path)}: ") if lines else f"ffmpeg exit status {code}"
            raise MediaError(f"{cue.path}: cannot decode: {why}")
        if fade_out and tail:
            held = len(tail) // FRAME_BYTES
            # the ramp ends on the last sample; when less than the fade is left, only its end is applied
            tail = bytearray(_ramp(bytes(tail), fade_out - held, fade_out, rising=False))
        out.write(tail)
        out.seek(0)
        out.write(wav_header(pos))
    return pos


def sweep_cache(cache_dir: Path, now_ms: int, older_than_ms: int) -> int:
    """Remove decoded files (only ours, by name) not modified since ``now_ms - older_than_ms``
    (epoch ms); return how many."""
    if not cache_dir.is_dir():
        return 0
    limit_ns = (now_ms - older_than_ms) * 1_000_000
    removed = 0
    for path in cache_dir.glob("*.wav"):
        if CACHE_NAME.fullmatch(path.name) and path.stat().st_mtime_ns < limit_ns:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def wav_header(frames: int) -> bytes:
    """The 44-byte header of a 16-bit PCM WAV at RATE with ``frames`` frames."""
    data = frames * FRAME_BYTES
    return (b"RIFF" + struct.pack("<I", 36 + data) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, CHANNELS, RATE, RATE * FRAME_BYTES, FRAME_BYTES, 16)
            + b"data" + struct.pack("<I", data))


def _ramp(data: bytes, first: int, length: int, rising: bool) -> bytes:
    """Apply a linear ramp to interleaved s16 ``data`` whose first frame is frame ``first`` of a
    ``length``-frame fade (frames past the fade are left as they are)."""
    samples = array("h", data)
    for i in range(0, len(samples), CHANNELS):
        k = first + i // CHANNELS
        if k >= length:
            break
        g = k / length if rising else 1 - k / length
        for c in range(CHANNELS):
            samples[i + c] = int(samples[i + c] * g)
    return samples.tobytes()
