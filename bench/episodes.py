"""What listen-again episodes cost: the time to cut, normalise and encode an hour of logged air
(× real time, on one core), and what cutting one takes from playout — the hard-start error
measured from the heard audio (bench/playout.py's chain: tones started at chained instants,
captured from a private null sink) with no episode being cut and while one is, side by side.

    .venv/bin/python bench/episodes.py [--minutes 60] [--boundaries 40] [--track-ms 500]

The air is music-like noise recorded by the real AirLogger (Opus 64 kbit/s, the default), cut
with the daemon's own code (radiod.episodes.cut: decode, EBU R128 measure, one gain, MP3 128).
The timed cut is pinned to one CPU core (its processes inherit the affinity); during the
playout run it runs as the daemon runs it (ffmpeg at nice 10, any core).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import playout as playout_bench  # noqa: E402
from logger import music_like  # noqa: E402

from radiod.clock import SystemClock  # noqa: E402
from radiod.episodes.cut import Encoding, encode, render  # noqa: E402
from radiod.episodes.plan import Piece, EpisodePlan  # noqa: E402
from radiod.logger.recorder import AirLogger  # noqa: E402
from radiod.playout.air_tap import AirBlock  # noqa: E402
from tests.audio_capture import private_pulse  # noqa: E402

RATE, BLOCK = 44100, 1024
LUFS, TP = -16.0, -1.5


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def record(folder: Path, seconds: int) -> tuple[int, int]:
    """``seconds`` of air into hour files (fed as fast as the encoder takes it); its span in ms."""
    minute = music_like(60)
    start_ms = time.time() * 1000 - seconds * 1000 - 60_000
    logger = AirLogger(folder, fmt="opus", bitrate_kbps=64, keep_days=31, clock=SystemClock())
    frame, per_block = 0, BLOCK * 4
    for second in range(0, seconds, 60):
        data = minute[: min(60, seconds - second) * RATE * 4]
        for at in range(0, len(data), per_block):
            heard = start_ms + frame * 1000 / RATE
            logger.write(AirBlock(frame, data[at:at + per_block], heard, heard, frame > 0))
            frame += len(data[at:at + per_block]) // 4
    logger.close()
    return round(start_ms), round(start_ms + frame * 1000 / RATE)


def cut_once(folder: Path, work: Path, span: tuple[int, int], nice: int) -> tuple[float, float]:
    """(wall s, CPU s of the child processes) to cut the span into an MP3."""
    plan = EpisodePlan((Piece(span[0], span[1]),), (), ())
    cpu0, t0 = children_cpu_s(), time.monotonic()
    frames, loudness = render(folder, plan, work / "work.wav", lufs=LUFS, true_peak=TP, nice=nice)
    encode(work / "work.wav", work / "episode.mp3", Encoding("mp3", 128), loudness, lufs=LUFS, true_peak=TP,
           title="bench", nice=nice)
    (work / "work.wav").unlink()
    return time.monotonic() - t0, children_cpu_s() - cpu0


def starts(pulse, work: Path, boundaries: int, track_ms: int) -> list[float]:
    work.mkdir(parents=True, exist_ok=True)
    return playout_bench.chain(pulse, work, boundaries, track_ms)["starts"]


def row(label: str, errors: list[float]) -> str:
    ordered = sorted(errors)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{label:<28} {statistics.median(ordered):>7.2f} {p99:>7.2f} {ordered[-1]:>7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60, help="length of the air cut")
    parser.add_argument("--boundaries", type=int, default=40, help="hard starts measured per playout run")
    parser.add_argument("--track-ms", type=int, default=500)
    args = parser.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="episodes-bench-") as tmp:
        root = Path(tmp)
        folder, work = root / "logger", root / "work"
        work.mkdir()
        t0 = time.monotonic()
        span = record(folder, seconds)
        print(f"{seconds} s of air recorded (Opus 64) in {time.monotonic() - t0:.1f} s; "
              f"load average {os.getloadavg()[0]:.2f}")
        everything = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(everything)})
        try:
            wall, cpu = cut_once(folder, work, span, nice=0)
        finally:
            os.sched_setaffinity(0, everything)
        size = (work / "episode.mp3").stat().st_size
        print(f"cut + EBU R128 (2 passes) + MP3 128 on one core: {wall:.1f} s wall, {cpu:.1f} s CPU "
              f"= {seconds / wall:.1f}× real time ({seconds / cpu:.1f}× per CPU second); "
              f"{size / 1e6:.1f} MB")
        print(f"  per hour of air: {wall * 3600 / seconds:.0f} s")

        with private_pulse(root / "pulse") as pulse:
            idle = starts(pulse, root / "idle", args.boundaries, args.track_ms)
            done = threading.Event()
            cuts = []

            def cutting() -> None:
                while not done.is_set():
                    cuts.append(cut_once(folder, work, span, nice=10))

            worker = threading.Thread(target=cutting, daemon=True)
            worker.start()
            time.sleep(1.0)
            busy = starts(pulse, root / "busy", args.boundaries, args.track_ms)
            done.set()
            worker.join()
        print(f"\nhard-start |error| from the heard audio, {args.boundaries} starts each (ms)")
        print(f"{'':<28} {'p50':>7} {'p99':>7} {'max':>7}")
        print(row("no episode being cut", idle))
        print(row("while one is cut (nice 10)", busy))
        print(f"({len(cuts)} cut(s) ran during the second run; load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
