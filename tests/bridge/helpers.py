"""Shared helpers for the bridge tests: a station directory, tones, and reading raw PCM output."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from radiod.config import Config, load_config
from tests.playout.contract import make_tone

RATE = 44100


def station(tmp_path: Path, toml: str = "") -> Config:
    (tmp_path / "radiod.toml").write_text(toml)
    return load_config(tmp_path, env={})


def tone(directory: Path, name: str, length_ms: int, freq_hz: int) -> str:
    return str(make_tone(directory / name, length_ms, freq_hz))


def read_pcm(path: Path) -> np.ndarray:
    """Raw s16le stereo 44.1 kHz (Liquidsoap's %wav(header=false)) → mono float samples."""
    data = np.frombuffer(path.read_bytes(), dtype="<i2")
    data = data[: len(data) // 2 * 2].reshape(-1, 2).astype(np.float64) / 32768
    return data.mean(axis=1)


def segments(samples: np.ndarray, freqs: list[int], window_ms: int = 20,
             min_ms: int = 100) -> list[tuple[int | None, int, int]]:
    """Runs of the dominant tone per window: (frequency or None for silence, start_ms, end_ms)."""
    n = RATE * window_ms // 1000
    labels: list[int | None] = []
    for i in range(len(samples) // n):
        w = samples[i * n:(i + 1) * n]
        if np.sqrt(np.mean(w ** 2)) < 0.01:
            labels.append(None)
            continue
        spectrum = np.abs(np.fft.rfft(w * np.hanning(n)))
        peak = np.fft.rfftfreq(n, 1 / RATE)[int(np.argmax(spectrum))]
        labels.append(min(freqs, key=lambda f: abs(f - peak)))
    runs: list[tuple[int | None, int, int]] = []
    for i, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1] = (label, runs[-1][1], (i + 1) * window_ms)
        else:
            runs.append((label, i * window_ms, (i + 1) * window_ms))
    return [r for r in runs if r[2] - r[1] >= min_ms]


def wait_until(predicate, timeout_s: float = 15.0, step_s: float = 0.05):
    """Poll ``predicate`` until it is truthy (returns its value) or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
