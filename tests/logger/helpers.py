"""Feeding a logger blocks of made-up air with heard times, and reading its files back."""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from radiod.clock import FakeClock
from radiod.logger.recorder import AirLogger
from radiod.playout.air_tap import AirBlock

RATE = 44100
BLOCK = 1024


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def epoch_ms(moment: datetime) -> float:
    return moment.timestamp() * 1000


def feed(logger: AirLogger, pcm: np.ndarray, start_ms: float, *, first_frame: int = 0, jitter_ms: float = 0.0,
         seed: int = 1) -> None:
    """``pcm`` (frames × 2, int16) as the tap hands it over: 1024-frame blocks, each saying when
    its first frame is heard (the output's clock, give or take ``jitter_ms``)."""
    rng = np.random.default_rng(seed)
    for at in range(0, len(pcm), BLOCK):
        chunk = np.ascontiguousarray(pcm[at:at + BLOCK], dtype="<i2")
        heard = start_ms + at * 1000 / RATE + (rng.uniform(-jitter_ms, jitter_ms) if jitter_ms else 0.0)
        logger.write(AirBlock(first_frame + at, chunk.tobytes(), heard, heard, at > 0))


def decode(path: Path) -> np.ndarray:
    """A file decoded to the air's PCM (frames × 2, int16)."""
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le",
                          "-ar", str(RATE), "-ac", "2", "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2)


def counter(frames: int) -> np.ndarray:
    """Air whose every frame says its own number (left: low 16 bits, right: the rest)."""
    n = np.arange(frames, dtype=np.int64)
    return np.stack([(n & 0xFFFF) - 32768, (n >> 16) - 32768], axis=1).astype(np.int16)


def numbers(pcm: np.ndarray) -> np.ndarray:
    return (pcm[:, 0].astype(np.int64) + 32768) | ((pcm[:, 1].astype(np.int64) + 32768) << 16)


def bursts(frames: int, starts: list[int], length: int, freq: float = 1000.0) -> np.ndarray:
    """Silence with tone bursts (stereo, -6 dBFS) beginning at the given frames."""
    pcm = np.zeros((frames, 2), dtype=np.int16)
    t = np.arange(length) / RATE
    tone = (16384 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    for s in starts:
        pcm[s:s + length, 0] = tone[:max(0, min(length, frames - s))]
        pcm[s:s + length, 1] = tone[:max(0, min(length, frames - s))]
    return pcm


def onsets(pcm: np.ndarray, threshold: int = 4000, quiet: int = 2000) -> list[int]:
    """Frames where a burst begins: loud after at least ``quiet`` frames below the threshold."""
    loud = np.flatnonzero(np.abs(pcm[:, 0].astype(np.int32)) > threshold)
    found, last = [], -quiet - 1
    for i in loud:
        if i - last > quiet:
            found.append(int(i))
        last = i
    return found


def make_logger(folder: Path, clock: FakeClock, fmt: str = "flac", keep_days: int = 31, **kw: object) -> AirLogger:
    return AirLogger(folder, fmt=fmt, bitrate_kbps=64, keep_days=keep_days, clock=clock, **kw)  # type: ignore[arg-type]
