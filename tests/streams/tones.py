"""Reading which distinct tone is heard when, from any decoded stream (ffmpeg decodes, numpy listens)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 44100
WINDOW = RATE // 10          # 100 ms


@dataclass(frozen=True)
class Run:
    name: str
    start_s: float           # from the start of the decoded audio
    length_s: float


def decode(path: Path) -> np.ndarray:
    """Mono float samples at 44.1 kHz from any file ffmpeg reads (a chained Ogg stream link by link)."""
    data = path.read_bytes()
    if data.startswith(b"OggS"):
        return np.concatenate([_decode(link) for link in ogg_links(data)] or [np.zeros(0)])
    return _decode(data)


def ogg_links(data: bytes) -> list[bytes]:
    """A chained Ogg stream cut where each link begins (a page with the beginning-of-stream flag):
    ffmpeg stops at the first new link, as a stream's title changes make one."""
    starts, at = [], 0
    while (at := data.find(b"OggS", at)) >= 0:
        if at + 5 < len(data) and data[at + 5] & 0x02:
            starts.append(at)
        at += 4
    return [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]


def _decode(data: bytes) -> np.ndarray:
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1",
                           "-ar", str(RATE), "-"], input=data, capture_output=True, check=False, timeout=120)
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float64)


def decode_prefix(path: Path, length: int) -> np.ndarray:
    """The first ``length`` bytes of ``path`` decoded (where in the audio a byte offset is)."""
    part = path.with_name(path.name + ".part")
    part.write_bytes(path.read_bytes()[:length])
    return decode(part)


def runs(samples: np.ndarray, tones: dict[str, float], min_windows: int = 4) -> list[Run]:
    """Consecutive stretches of one tone (or silence, named ''), each at least ``min_windows`` long."""
    names = []
    for i in range(len(samples) // WINDOW):
        w = samples[i * WINDOW:(i + 1) * WINDOW]
        if np.sqrt(np.mean(w ** 2)) < 300:
            names.append("")
            continue
        peak = np.fft.rfftfreq(WINDOW, 1 / RATE)[np.argmax(np.abs(np.fft.rfft(w * np.hanning(WINDOW))))]
        name, freq = min(tones.items(), key=lambda kv: abs(kv[1] - peak))
        names.append(name if abs(freq - peak) < 30 else "?")
    out: list[Run] = []
    i = 0
    while i < len(names):
        j = i
        while j < len(names) and names[j] == names[i]:
            j += 1
        if j - i >= min_windows:
            if out and out[-1].name == names[i]:
                last = out.pop()
                out.append(Run(last.name, last.start_s, (j - i) * 0.1 + i * 0.1 - last.start_s))
            else:
                out.append(Run(names[i], i * 0.1, (j - i) * 0.1))
        i = j
    return out


def sequence(samples: np.ndarray, tones: dict[str, float]) -> list[str]:
    return [r.name for r in runs(samples, tones) if r.name]


def is_in_order(heard: list[str], played: list[str]) -> bool:
    """``heard`` is a contiguous stretch of ``played``."""
    return any(played[i:i + len(heard)] == heard for i in range(len(played) - len(heard) + 1))
