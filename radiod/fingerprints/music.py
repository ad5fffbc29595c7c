"""Music-like synthetic audio for the fingerprint tests and benchmark (not pure tones).

Chromaprint reads chroma, so each piece has changing harmony (random chord progressions of a
few harmonics), a bass line and drum-like noise bursts on a beat, all from its own seed.
Output is mono float32 at ``RATE``; ``write_wav`` stores 16-bit PCM.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 11025                      # Chromaprint resamples to 11,025 Hz itself; no need for more
Audio = npt.NDArray[np.float32]

_SCALE = (0, 2, 4, 5, 7, 9, 11)
_TABLE = 4096                     # samples in the wavetable of one period   # major scale degrees; chords are stacked thirds on them


def piece(seed: int, seconds: float) -> Audio:
    """A piece of ``seconds`` from ``seed``: its own key, tempo, progression and timbre."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n, dtype=np.float64) / RATE
    out = np.zeros(n, dtype=np.float64)
    root = 48 + int(rng.integers(0, 12))                     # MIDI note of the key
    beat = 60.0 / float(rng.uniform(80, 150))
    chord_len = beat * int(rng.choice([2, 4]))
    harmonics = rng.uniform(0.2, 1.0, size=4) / np.arange(1, 5)
    cycle = np.arange(_TABLE) / _TABLE           # one period of the piece's timbre, looked up per note
    wave = sum(a * np.sin(2 * np.pi * h * cycle + rng.uniform(0, 6.28)) for h, a in enumerate(harmonics, start=1))
    pos = 0
    while pos < n:
        length = min(n - pos, int(chord_len * RATE))
        degree = int(rng.integers(0, 7))
        notes = [root + _SCALE[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]
        notes.append(notes[0] - 12)                        # bass
        seg = t[pos:pos + length] - t[pos]
        env = np.minimum(1.0, seg * 40) * np.exp(-seg * float(rng.uniform(0.3, 1.5)))
        for note in notes:
            f = 440.0 * 2 ** ((note - 69) / 12)
            phase = ((f * seg + rng.uniform(0, 1)) * _TABLE).astype(np.int64) % _TABLE
            out[pos:pos + length] += env * wave[phase]
        # a melody note per beat from the chord's scale
        step = int(beat * RATE)
        for b in range(0, length, step):
            m = min(step, length - b)
            f = 440.0 * 2 ** ((root + 12 + _SCALE[int(rng.integers(0, 7))] - 69) / 12)
            s = np.arange(m) / RATE
            out[pos + b:pos + b + m] += 0.6 * np.sin(2 * np.pi * f * s) * np.exp(-s * 4)
        pos += length
    # drums: noise bursts on the beat (kick-ish low, hat-ish short)
    step = int(beat * RATE / 2)
    burst = min(step, int(0.08 * RATE))
    for k, b in enumerate(range(0, n - burst, step)):
        noise = rng.standard_normal(burst) * np.exp(-np.arange(burst) / (burst / 5))
        out[b:b + burst] += (0.8 if k % 2 == 0 else 0.3) * noise
    peak = float(np.max(np.abs(out))) or 1.0
    return (0.7 * out / peak).astype(np.float32)


def talk(seed: int, seconds: float) -> Audio:
    """Speech-like noise: band-limited bursts at syllable rate (a presenter over an intro)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    noise = rng.standard_normal(n)
    kernel = np.hanning(24)
    voiced = np.convolve(noise, kernel / kernel.sum(), mode="same")
    t = np.arange(n) / RATE
    pitch = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voiced += 0.5 * np.sin(2 * np.pi * np.cumsum(pitch) / RATE)
    syllables = (np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)) > -0.2).astype(np.float64)
    out = voiced * syllables
    return (0.5 * out / (float(np.max(np.abs(out))) or 1.0)).astype(np.float32)


def write_wav(path: Path, audio: Audio) -> None:
    """16-bit mono PCM WAV."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
