"""Benchmark: a year of plays from a large library → time per report and chain verification rate.

    .venv/bin/python bench/reports.py [--plays 100000] [--tracks 200000] [--runs 5]
                                      [--db /tmp/radiod-bench-year-PLAYS-TRACKS.db]

A station airs about 100,000 items a year; they are drawn from a library of ``--tracks`` tracks
(20 % of them never played, the rest by a skewed rotation, so most recordings have few plays and
the per-recording tables of the royalty reports are as large as a big library makes them). The
database is written once through the real PlayLog (and kept for the next run); every report then
runs ``--runs`` times over the whole year. The goal is < 2 s per report, reading included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from radiod.library.artists import artist_key
from radiod.playlog.store import PlayLog, read_plays, read_plays_csv
from radiod.playlog.verify import daily_digest, verify_chain
from radiod.reports import compliance, ledger, music_usage, plays, preflight, soundexchange, summary
from radiod.reports.period import Period
from radiod.store import open_db

ZONE = ZoneInfo("America/Toronto")
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31), ZONE)
GOAL_S = 2.0
NAMES = ["Zoë", "Ñandú", "Кино", "Harbour", "Sigur", "Mïa", "Quiet", "Björk", "Lake", "North"]


def catalogue(rng: random.Random, size: int) -> list[dict]:
    tracks = []
    artists = max(1, size // 10)
    for n in range(size):
        artist = f"{rng.choice(NAMES)} {rng.choice(NAMES)} {n % artists}"
        tracks.append({"track_id": n + 1, "title": f"{rng.choice(NAMES)} Song {n}", "artist": artist,
                       "artist_keys": [artist_key(artist)], "album": f"Album {n // 10}",
                       "label": "" if n % 17 == 0 else f"Label {n % 40}",
                       "isrc": "" if n % 11 == 0 else f"CAXYZ25{n:05d}",
                       "composer": "" if n % 13 == 0 else artist, "length_ms": rng.randint(120_000, 360_000),
                       "local": n % 5 < 2})
    return tracks


def build(path: Path, count: int, library: int) -> float:
    """Write ``count`` plays of a ``library``-track catalogue through PlayLog; returns plays written per second."""
    rng = random.Random(5)
    tracks = catalogue(rng, library)
    aired = tracks[:max(1, len(tracks) * 4 // 5)]
    usages = ["feature"] * 85 + ["station_id"] * 5 + ["promo"] * 3 + ["jingle"] * 2 + ["talk"] * 3 + ["theme"] * 2
    log = PlayLog(open_db(path))
    t = YEAR.start_ms
    step = (YEAR.end_ms - YEAR.start_ms) // count
    began = time.perf_counter()
    for n in range(count):
        # a rotation's skew: a tenth of the played tracks (current ones) get about half the plays
        track = aired[rng.randrange(max(1, len(aired) // 10))] if rng.random() < 0.5 else rng.choice(aired)
        played = track["length_ms"] if rng.random() > 0.05 else rng.randint(0, track["length_ms"])
        pid = log.open_play(started_at_ms=t, planned_start_ms=t - rng.randint(0, 400), source="rotation",
                            usage=rng.choice(usages), show=f"Show {t // 10_800_000 % 8}", category="A",
                            snapshot=track, item_key=f"bench-{n}", listeners=rng.randint(0, 60))
        log.close_play(pid, ended_at_ms=t + played, played_ms=played, end_reason="end")
        t += step
    rate = count / (time.perf_counter() - began)
    log.conn.close()
    return rate


def median_s(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of ``runs`` calls.

    CPU time is what the work costs; wall time also counts waiting for a core on a busy machine.
    """
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plays", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=200_000, help="Library size the plays are drawn from.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="default /tmp/radiod-bench-year-PLAYS-TRACKS.db")
    parser.add_argument("--only", default="", help="Run only the reports whose name contains this.")
    args = parser.parse_args()
    args.db = args.db or Path(f"/tmp/radiod-bench-year-{args.plays}-{args.tracks}.db")

    conn = open_db(args.db) if args.db.exists() else None
    have = conn.execute("SELECT COUNT(*) FROM plays").fetchone()[0] if conn else 0
    if have != args.plays:
        if conn:
            conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        print(f"writing {args.plays} plays to {args.db} through PlayLog …", flush=True)
        print(f"write rate: {build(args.db, args.plays, args.tracks):,.0f} plays/s (open + close, one transaction each)")
        conn = open_db(args.db)

    def read(columns, **where):
        return read_plays(conn, started_from_ms=YEAR.start_ms, started_before_ms=YEAR.end_ms, columns=columns, **where)

    def reader(columns, **where):
        """How the command reads a report's rows: the columns it needs, or every column as CSV text."""
        if columns is None:
            return lambda: read_plays_csv(conn, started_from_ms=YEAR.start_ms, started_before_ms=YEAR.end_ms)
        return lambda: read(columns, **where)

    digest = daily_digest(conn, ZONE, from_ms=YEAR.start_ms, to_ms=YEAR.end_ms)
    # an artist whose key is plain ASCII, so it is its own artist_key
    artist = json.loads(conn.execute("SELECT artist_keys FROM plays WHERE artist_keys NOT GLOB '*[^ -~]*'"
                                     " LIMIT 1").fetchone()[0])[0]
    credited = ledger.artist_ledger(read(ledger.COLUMNS, artist_key=artist), artist, YEAR)["totals"]["plays"]
    sx_atp = soundexchange.Options(service_name="Bench FM")
    sx_ath = soundexchange.Options(service_name="Bench FM", ath=True)
    # (report, the columns the command reads, the report over those rows)
    reports = [
        ("soundexchange (ATP)", soundexchange.COLUMNS, lambda rows: soundexchange.report(rows, YEAR, sx_atp)),
        ("soundexchange (ATH, gzip)", soundexchange.COLUMNS,
         lambda rows: soundexchange.report(rows, YEAR, sx_ath, gzip_output=True)),
        ("music-usage (+ gap check)", music_usage.COLUMNS + preflight.COLUMNS,
         lambda rows: (preflight.gaps(rows, YEAR), music_usage.report(rows, YEAR))),
        ("plays (every column, as text)", plays.COLUMNS, lambda rows: plays.report(rows, YEAR)),
        ("summary", summary.COLUMNS, lambda rows: summary.report(rows, YEAR)),
        ("local-content canada (week)", compliance.COLUMNS,
         lambda rows: compliance.report(rows, YEAR, compliance.rules_for("canada", 0))),
        ("local-content australia (month)", compliance.COLUMNS,
         lambda rows: compliance.report(rows, YEAR, compliance.rules_for("australia", 0))),
        ("local-content per hour", compliance.COLUMNS,
         lambda rows: compliance.report(rows, YEAR, compliance.rules_for("custom", 35, period="hour"))),
        ("preflight", preflight.COLUMNS, lambda rows: preflight.report(rows, YEAR)),
        (f"artist ledger ({credited} plays)", ledger.COLUMNS, lambda rows: ledger.artist_ledger(rows, artist, YEAR, digest)),
    ]
    reference, reference_cpu = median_s(lambda: sum(range(10_000_000)), 3)
    print(f"\n{len(read(('started_at_ms',))):,} plays in {YEAR.first}..{YEAR.last}; median of {args.runs} runs; "
          f"goal {GOAL_S:.0f} s per report including reading the rows")
    print(f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; reference loop "
          f"sum(range(10**7)) took {reference:.2f} s wall, {reference_cpu:.2f} s cpu\n")
    print("| report                          | read wall s | read cpu s | report wall s | report cpu s "
          "| total cpu s | cpu ratio to goal |")
    print("|---------------------------------|------------:|-----------:|--------------:|-------------:"
          "|------------:|------------------:|")
    for name, columns, fn in reports:
        if args.only not in name:
            continue
        where = {"artist_key": artist} if name.startswith("artist ledger") else {}
        read_rows = reader(columns, **where)
        rows = read_rows()
        read_wall, read_cpu = median_s(read_rows, args.runs)
        wall, cpu = median_s(lambda: fn(rows), args.runs)
        print(f"| {name:31} | {read_wall:11.2f} | {read_cpu:10.2f} | {wall:13.2f} | {cpu:12.2f} "
              f"| {read_cpu + cpu:11.2f} | {(read_cpu + cpu) / GOAL_S:17.2f} |", flush=True)
    if not args.only:
        wall, cpu = median_s(lambda: verify_chain(conn), args.runs)
        checked = verify_chain(conn).checked
        print(f"chain verification: {checked:,} rows in {wall:.2f} s wall / {cpu:.2f} s cpu = "
              f"{checked / wall:,.0f} rows/s wall, {checked / cpu:,.0f} rows/s cpu")
    conn.close()


if __name__ == "__main__":
    main()
