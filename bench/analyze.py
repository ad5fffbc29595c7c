"""Analysis throughput: files/s with one ffmpeg worker (the baseline) and with every core.

    .venv/bin/python bench/analyze.py [--files 120] [--seconds 30] [--runs 3]

Generates a library of tones (mixed MP3/Ogg/FLAC, each ``--seconds`` long), then times
``analyze_library`` on a fresh database per run and prints the median of the runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiod.library.analyze import analyze_library  # noqa: E402
from radiod.store import open_db  # noqa: E402

CODECS = {"mp3": ["-c:a", "libmp3lame", "-q:a", "4"], "ogg": ["-c:a", "libvorbis", "-q:a", "4"],
          "flac": ["-c:a", "flac"]}


def make_file(path: Path, index: int, seconds: int) -> None:
    freq = 110 + 37 * index
    wave = f"0.3*sin(2*PI*{freq}*t)+0.1*sin(2*PI*{freq * 1.5}*t)"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc={wave}|{wave}:s=44100:d={seconds}",
                    *CODECS[path.suffix[1:]], str(path)], check=True)


def build_library(directory: Path, files: int, seconds: int) -> list[tuple[Path, str]]:
    paths = [directory / f"track{i:04d}.{list(CODECS)[i % 3]}" for i in range(files)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda ip: make_file(ip[1], ip[0], seconds), enumerate(paths)))
    return [(p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths]


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(db: Path, library: list[tuple[Path, str]], workers: int) -> tuple[float, float]:
    """(wall seconds, ffmpeg CPU seconds) of one analysis of the whole library."""
    conn = open_db(db)
    conn.executemany(
        "INSERT INTO tracks (path, size, mtime_ns, content_hash, status, scanned_at_ms)"
        " VALUES (?, 0, 0, ?, 'ok', 0)", [(str(p), h) for p, h in library])
    cpu = _children_cpu_s()
    start = time.perf_counter()
    summary = analyze_library(conn, workers=workers, silence_threshold_db=-50.0)
    elapsed = time.perf_counter() - start
    cpu = _children_cpu_s() - cpu
    conn.close()
    if summary.analyzed != len(library) or summary.failed:
        raise SystemExit(f"bench: unexpected result {summary}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--seconds", type=int, default=30, help="length of each generated file")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="radiod-bench-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "media").mkdir()
        library = build_library(tmp_path / "media", args.files, args.seconds)
        medians = {}
        for workers in (1, cores):
            runs = [timed_run(tmp_path / f"w{workers}-{run}.db", library, workers)
                    for run in range(args.runs)]
            medians[workers] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    base = medians[1][0]
    load = os.getloadavg()[0]
    print(f"analysis of {args.files} files x {args.seconds} s (mp3/ogg/flac), median of {args.runs} runs, "
          f"{cores} cores, load average {load:.1f} at the end")
    # ffmpeg CPU per file does not depend on what else the machine is doing; wall time does.
    print(f"{'workers':>8} {'seconds':>9} {'files/s':>9} {'x realtime':>11} {'vs 1 worker':>12} "
          f"{'CPU ms/file':>12}")
    for workers, (elapsed, cpu) in medians.items():
        print(f"{workers:>8} {elapsed:>9.2f} {args.files / elapsed:>9.1f} "
              f"{args.files * args.seconds / elapsed:>11.0f} {base / elapsed:>11.2f}x "
              f"{cpu * 1000 / args.files:>12.0f}")


if __name__ == "__main__":
    main()
