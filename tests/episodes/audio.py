"""Reading episodes back: decoded PCM, the tone of each 20 ms block, where the tone changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

RATE = 44100
BLOCK = 882                  # 20 ms: a tone's frequency is read to about ±25 Hz


def decode(path: Path) -> np.ndarray:
    """A file decoded to 44.1 kHz stereo s16 (frames × 2)."""
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le",
                          "-ar", str(RATE), "-ac", "2", "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2)


def tones(pcm: np.ndarray, choices: list[float]) -> list[float | None]:
    """For each 20 ms block: the nearest of ``choices`` to its zero-crossing frequency (None when quiet)."""
    x = pcm[: len(pcm) // BLOCK * BLOCK, 0].astype(np.int32).reshape(-1, BLOCK)
    hz = np.count_nonzero(np.diff(np.signbit(x), axis=1), axis=1) / 2 * (RATE / BLOCK)
    level = np.abs(x).max(axis=1)
    out: list[float | None] = []
    for f, peak in zip(hz, level):
        out.append(None if peak < 300 else min(choices, key=lambda c: abs(c - f)))
    return out


def runs(blocks: list[float | None]) -> list[tuple[float | None, float, float]]:
    """(tone, start ms, end ms) of each run of blocks with one tone; runs shorter than 60 ms are
    folded into their neighbours (a block straddling two tones reads as neither)."""
    found: list[list] = []
    for n, tone in enumerate(blocks):
        if found and found[-1][0] == tone:
            found[-1][2] = n + 1
        else:
            found.append([tone, n, n + 1])
    merged: list[list] = []
    for run in found:
        if run[2] - run[1] < 3 and merged:
            merged[-1][2] = run[2]
        elif merged and merged[-1][0] == run[0]:
            merged[-1][2] = run[2]
        else:
            merged.append(run)
    return [(t, a * 20.0, b * 20.0) for t, a, b in merged]


def rms(pcm: np.ndarray, from_ms: float, to_ms: float) -> float:
    x = pcm[round(from_ms * RATE / 1000):round(to_ms * RATE / 1000), 0].astype(float)
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0
