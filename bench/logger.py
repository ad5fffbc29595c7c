"""What the compliance logger costs: its ffmpeg encoder's CPU (% of one core while recording in
real time) and disk per hour for each format, and the time `radiod logger extract` takes per
minute of span, from a few minutes of music-like noise fed through the real AirLogger.

    .venv/bin/python bench/logger.py [--minutes 2]

The air is fed as fast as the encoder takes it; CPU is the encoder's user+system time over the
audio's length, so it is what the logger costs when it records the air as it is heard.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiod.clock import SystemClock  # noqa: E402
from radiod.logger.extract import extract_span  # noqa: E402
from radiod.logger.files import hour_files  # noqa: E402
from radiod.logger.recorder import AirLogger  # noqa: E402
from radiod.playout.air_tap import AirBlock  # noqa: E402

RATE, BLOCK = 44100, 1024


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def music_like(seconds: int) -> bytes:
    """Filtered noise with a beat: closer to programme than a tone (codecs work harder on it)."""
    rng = np.random.default_rng(7)
    n = seconds * RATE
    noise = np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)
    noise -= np.convolve(noise[:, 0], np.ones(64) / 64, mode="same")[:, None]
    beat = 0.6 + 0.4 * (np.sin(2 * np.pi * 2 * np.arange(n) / RATE) > 0)
    pcm = noise / np.abs(noise).max() * 12000 * beat[:, None]
    return pcm.astype("<i2").tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2)
    args = parser.parse_args()
    seconds = round(args.minutes * 60)
    air = music_like(seconds)
    print(f"{seconds} s of air per format")
    print(f"{'format':<6} {'kbit/s':>6} {'encoder CPU % core':>19} {'MB/hour':>8} {'extract s/min':>14}")
    for fmt, kbps in (("opus", 64), ("opus", 96), ("mp3", 128), ("flac", 0)):
        with tempfile.TemporaryDirectory(prefix="logger-bench-") as tmp:
            folder = Path(tmp) / "logger"
            logger = AirLogger(folder, fmt=fmt, bitrate_kbps=kbps or 64, keep_days=31, clock=SystemClock())
            logger.recovered.join()
            cpu0 = children_cpu_s()
            start_ms = time.time() * 1000
            for at in range(0, len(air) // 4 - BLOCK, BLOCK):
                heard = start_ms + at * 1000 / RATE
                logger.write(AirBlock(at, air[at * 4:(at + BLOCK) * 4], heard, heard, at > 0))
            logger.close()
            cpu = children_cpu_s() - cpu0
            files = hour_files(folder)
            size = sum(f.bytes or 0 for f in files)
            first = files[0].start_us
            began = time.monotonic()
            extract_span(folder, first, first + (seconds - 1) * 1_000_000, Path(tmp) / "x.wav")
            took = time.monotonic() - began
            print(f"{fmt:<6} {kbps or '-':>6} {100 * cpu / seconds:>19.1f} {size / seconds * 3600 / 1e6:>8.1f} "
                  f"{took / (seconds - 1) * 60:>14.2f}")


if __name__ == "__main__":
    main()
