"""A generated DJ mix of known pieces, with the truth of where each is (tests and the benchmark)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from radiod.fingerprints.music import RATE, Audio, talk


TALK_LEVEL = 0.7          # the presenter's peak against the music's (as loud as the music, a little under its peaks)


@dataclass(frozen=True)
class Placed:
    key: int              # which piece (the caller's number)
    start_ms: int         # where its first heard sample is in the mix
    end_ms: int


def build_mix(pieces: Sequence[tuple[int, Audio]], *, seed: int, crossfade_s: float = 4.0, cut_s: float = 3.0,
              talk_every: int = 2) -> tuple[Audio, list[Placed]]:
    """Pieces back to back: ``cut_s`` cut from each end, crossfaded, each at its own level, talk
    over the intro of every ``talk_every``-th one."""
    rng = np.random.default_rng(seed)
    cut = int(cut_s * RATE)
    xf = int(crossfade_s * RATE)
    total = sum(len(a) - 2 * cut for _k, a in pieces) + RATE
    out = np.zeros(total, dtype=np.float64)
    placed = []
    pos = 0
    for n, (key, audio) in enumerate(pieces):
        gain = float(10 ** (rng.uniform(-9, 0) / 20))
        seg = audio[cut:len(audio) - cut].astype(np.float64) * gain
        ramp = np.ones(len(seg))
        ramp[:xf] = np.linspace(0, 1, xf)
        ramp[-xf:] = np.linspace(1, 0, xf)
        start = max(0, pos - xf) if n else 0
        out[start:start + len(seg)] += seg * ramp
        if talk_every and n % talk_every == 1:
            voice = talk(seed * 1000 + n, 8.0).astype(np.float64) * gain * TALK_LEVEL
            out[start + xf:start + xf + len(voice)] += voice[:max(0, len(out) - start - xf)]
        placed.append(Placed(key, round(start / RATE * 1000), round((start + len(seg)) / RATE * 1000)))
        pos = start + len(seg)
    out = out[:pos]
    peak = float(np.max(np.abs(out))) or 1.0
    return (0.9 * out / peak).astype(np.float32), placed
