"""Tag scan speed: first scan and no-change rescan of a generated library, against ffprobe per file.

    .venv/bin/python bench/scan.py [--tracks 2000] [--runs 3] [--ffprobe-sample 100] [--searches 200]

The library (mixed MP3/FLAC/Ogg, small files of 2-5 s of mono audio) is made once and cached in
/tmp: ~20 distinct tones from ffmpeg, copied and re-tagged with ``tags.write_tags`` so every file
has its own tags and content hash.
Each first-scan run uses a fresh database (database writes included); rescans reuse the last one.
ffprobe runs once per file on an evenly spaced sample (the full 2,000 would take minutes on a
shared machine); its rate is the baseline the scan is compared with. Page cache is warm for both.
Then the panel's library search and filters (``query.search_tracks``, what the Library page runs)
are timed over ``--searches`` requests, and the peak memory (max RSS) of it all is reported.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiod.clock import SystemClock  # noqa: E402
from radiod.library.query import search_tracks  # noqa: E402
from radiod.library.scan import scan_library  # noqa: E402
from radiod.library.synth import make_tone  # noqa: E402
from radiod.library.tags import write_tags  # noqa: E402
from radiod.store import open_db  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "radiod-bench-scan2"     # (2: small mono files)
FORMATS = ("mp3", "flac", "ogg")
SOURCES = 21                      # distinct source tones (7 per format)


def build_library(files: int) -> Path:
    """The cached library of ``files`` tagged files; built on first use."""
    root = CACHE / f"library-{files}"
    done = root / ".complete"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    sources = CACHE / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(SOURCES):
        fmt = FORMATS[i % len(FORMATS)]
        path = sources / f"tone{i:02d}.{fmt}"
        if not path.exists():
            make_tone(path, seconds=2 + i % 4, freqs=(110.0 + 23 * i, 165.0 + 23 * i), channels=1,
                      sample_rate=22050)
        made.append(path)
    for n in range(files):
        source = made[n % SOURCES]
        # About 10 tracks per album folder, 4 albums per artist: a typical music library layout.
        target = root / f"artist{n // 40:04d}" / f"album{n // 10 % 4}" / f"track{n:06d}{source.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        write_tags(target, {
            "title": f"Song number {n}", "artist": f"Artist {n % 97} feat. Guest {n % 11}",
            "album": f"Album {n % 13}", "label": f"Label {n % 5}", "isrc": f"CAABC26{n:05d}",
            "composer": f"Composer {n % 17}", "release_date": f"20{n % 25:02d}-0{1 + n % 9}-1{n % 10}",
            "genre": "Folk", "local": n % 3 == 0})
    done.touch()
    return root


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def first_scan(root: Path, db: Path) -> tuple[float, float]:
    """(wall s, CPU s) of a scan into a fresh database."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    conn = open_db(db)
    start, cpu = time.perf_counter(), time.process_time()
    summary = scan_library(conn, [root], clock=SystemClock(), keep_files=False)     # as `radiod scan` does
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    if summary.errors or summary.new == 0:
        raise SystemExit(f"bench: unexpected scan result: {summary.line()}")
    return elapsed, cpu


def rescan(root: Path, db: Path) -> tuple[float, float]:
    conn = open_db(db)
    start, cpu = time.perf_counter(), time.process_time()
    summary = scan_library(conn, [root], clock=SystemClock(), keep_files=False)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    if summary.unchanged == 0 or summary.new or summary.changed:
        raise SystemExit(f"bench: rescan was not a no-change scan: {summary.line()}")
    return elapsed, cpu


SEARCHES = [  # (q, local, missing): what a manager types and picks on the Library page
    ("song number 12", "", ""), ("artist 42", "", ""), ("", "yes", ""), ("", "", "isrc"),
    ("album 7", "no", ""), ("guest 3", "yes", "label"), ("nothing like this", "", ""), ("", "", ""),
]


def searches(db: Path, count: int) -> list[float]:
    """Wall ms of ``count`` library searches (the Library page's query), cycling through SEARCHES."""
    conn = open_db(db)
    times = []
    for i in range(count):
        q, local, missing = SEARCHES[i % len(SEARCHES)]
        start = time.perf_counter()
        search_tracks(conn, None, q=q, local=local, missing=missing, limit=200)
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def ffprobe_run(paths: list[Path]) -> tuple[float, float]:
    """(wall s, CPU s of the ffprobe processes) for one ffprobe per file."""
    start, cpu = time.perf_counter(), _children_cpu()
    for path in paths:
        subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
                       check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", "--files", dest="files", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="first-scan runs (rescans: twice as many)")
    parser.add_argument("--ffprobe-sample", type=int, default=100)
    args = parser.parse_args()

    t = time.perf_counter()
    root = build_library(args.files)
    build_s = time.perf_counter() - t
    paths = sorted(root.rglob("track*"))
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        first_scan(root, db)                       # warm the page cache; not counted
        firsts = [first_scan(root, db) for _ in range(args.runs)]
        rescans = [rescan(root, db) for _ in range(args.runs * 2)]
        search_ms = sorted(searches(db, args.searches))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    step = max(1, len(paths) // args.ffprobe_sample)
    sample = paths[::step][: args.ffprobe_sample]
    ffprobe_run(sample[:3])                        # warm ffprobe's binary and libraries
    probe_wall, probe_cpu = ffprobe_run(sample)

    n = len(paths)
    first_wall = statistics.median(w for w, _ in firsts)
    first_cpu = statistics.median(c for _, c in firsts)
    rescan_wall = statistics.median(w for w, _ in rescans)
    rescan_cpu = statistics.median(c for _, c in rescans)
    probe_rate, probe_cpu_rate = len(sample) / probe_wall, len(sample) / probe_cpu
    ratio_wall, ratio_cpu = (n / first_wall) / probe_rate, (n / first_cpu) / probe_cpu_rate
    print(f"library: {n} files ({', '.join(FORMATS)}), {size_mb:.0f} MB in {root}"
          + (f" (built in {build_s:.0f} s)" if build_s > 1 else " (cached)"))
    print(f"load average at start: {load:.1f} on {os.cpu_count()} cores (other work slows the wall-clock figures)")
    header = ("measure", "wall (median)", "CPU (median)", "runs", "goal")
    rows = [
        ("first tag scan, database writes included", f"{n / first_wall:,.0f} files/s",
         f"{n / first_cpu:,.0f} files/CPU-s", str(len(firsts)), ""),
        ("  per file", f"{first_wall / n * 1000:.2f} ms", f"{first_cpu / n * 1000:.2f} ms", "", ""),
        ("no-change rescan", f"{rescan_wall:.3f} s", f"{rescan_cpu:.3f} s", str(len(rescans)),
         "< 2 s at 200,000"),
        (f"ffprobe once per file (sample of {len(sample)})", f"{probe_rate:,.1f} files/s",
         f"{probe_cpu_rate:,.1f} files/CPU-s", "1", "baseline"),
        ("first scan / ffprobe", f"{ratio_wall:,.0f}x", f"{ratio_cpu:,.0f}x", "", ">= 100x"),
        (f"library search / filter (p50, p99 of {len(search_ms)})",
         f"{statistics.median(search_ms):.1f} ms", f"p99 {search_ms[int(len(search_ms) * 0.99) - 1]:.1f} ms",
         str(len(search_ms)), "p99 < 100 ms"),
        ("peak memory (max RSS)", f"{rss_after / 1024:.0f} MB", "", "",
         f"{rss_before / 1024:.0f} MB before scanning"),
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.rjust(w) if i in (1, 2) else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    met = ratio_wall >= 100 and rescan_wall < 2 * n / 200_000 and search_ms[int(len(search_ms) * 0.99) - 1] < 100
    print("goals met (wall clock)" if met else "goals NOT met on wall clock")


if __name__ == "__main__":
    main()
