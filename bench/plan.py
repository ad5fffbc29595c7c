"""Planner speed and fairness.

    .venv/bin/python bench/plan.py [--runs 3] [--tracks 200000] [--artists 20000] [--weeks 4]
                                   [--db /tmp/radiod-bench-plan-200000.db] [--only speed|store|fairness]

Speed: plans one week (7 day logs, America/Toronto) for a generated library of 200,000 tracks by
20,000 artists (30 % of them local) under station rules (artist 60 min, title 3 h, album 1 h, the US
performance complement, 35 % local an hour); median wall time of ``--runs`` runs, its ratio to the
1 s goal, CPU time (the machine may be shared), and peak traced memory of one more run. Two ways:
the planner alone over Track objects held by the bench ("memory"), and as the daemon plans
("store"): the same library written as rows into a station's SQLite database through
radiod.library.store (kept in ``--db`` for the next run), read back and planned by
radiod.app.planning.Planner with the week before (planned once, written through PlayLog) as its
history — loading the tracks is part of the time, and peak RSS is reported.

Fairness: a station-sized library (~2,900 tracks in six categories of different sizes) planned for
``--weeks`` weeks, each week seeing the previous weeks' plays as history. Plays per track within each
category: min, max, max/min and standard deviation, for least-recently-played choice (radiod) and
for uniform random choice among the tracks allowed by the same rules (the way Rivendell picks);
plus the share of hours meeting the local quota and the number of relaxations.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import textwrap
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radiod.app.planning import readonly_planner  # noqa: E402
from radiod.config import Config, PathsConfig, StationConfig  # noqa: E402
from radiod.db import transaction  # noqa: E402
from radiod.library import store  # noqa: E402
from radiod.clock import to_ms  # noqa: E402
from radiod.library.model import Track  # noqa: E402
from radiod.playlog.store import PlayLog  # noqa: E402
from radiod.store import open_db  # noqa: E402
from radiod.schedule_files import load_schedule  # noqa: E402
from radiod.schedule.plan import history_from_log, plan_days  # noqa: E402

MEDIA = "/bench/media"
GOAL_S = 1.0
FIRST_DAY = date(2026, 11, 23)        # a Monday


def schedule_files(categories: str, clock: str, policy: str) -> dict[str, str]:
    return {
        "station.toml": """
            [station]
            name = "Bench FM"
            timezone = "America/Toronto"
            djs = []
            [fallback]
            chain = [{ category = "gold" }]
        """,
        "categories.toml": categories + """
            [category.ids]
            folders = ["ids"]
            usage = "station_id"
            [category.psa]
            folders = ["psa"]
            usage = "psa"
        """,
        "clocks.toml": clock,
        "shows.toml": """
            [show.music]
            kind = "rotation"
            clock = "hour"
        """,
        "grid.toml": """
            [[slot]]
            days = ["daily"]
            start = "00:00"
            end = "24:00"
            show = "music"
        """,
        "rules.toml": f"""
            [separation]
            artist_minutes = 60
            title_minutes = 180
            album_minutes = 60
            [local]
            hour_min_percent = 35
            [complement]
            enabled = true
            [fairness]
            policy = "{policy}"
            [fill]
            filler_categories = ["ids"]
        """,
    }


def write_schedule(folder: Path, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return load_schedule(folder)


def make_track(i: int, folder: str, artist: int, album: int, ms: int, local: bool, released: str) -> Track:
    name = f"Artist {artist}"
    return Track(id=i, path=f"{MEDIA}/{folder}/{i:06d}.mp3", title=f"Title {i}", artist=name,
                 artist_keys=(name.lower(),), album=f"Album {artist}-{album}", label="", isrc="", composer="",
                 lyricist="", release_date=released, genre="", language="eng", length_ms=ms + 400, cue_in_ms=200,
                 cue_out_ms=200 + ms, loudness_lufs=-14.0, true_peak_dbtp=-1.0, local=local)


def imaging(start_id: int) -> list[Track]:
    out = [make_track(start_id + k, "ids", 999_999, 0, 4_000 + 2_000 * k, False, "2020") for k in range(4)]
    out += [make_track(start_id + 10 + k, "psa", 999_998, 0, 30_000, False, "2020") for k in range(3)]
    return out


# --- speed ---

SPEED_CATEGORIES = """
    [category.local-new]
    folders = ["music/local"]
    local = true
    released_within_days = 365
    [category.local]
    folders = ["music/local"]
    [category.gold]
    folders = ["music/national", "music/international"]
"""

SPEED_CLOCK = """
    [clock.hour]
    [[clock.hour.event]]
    at = "00:00"
    timing = "hard"
    tolerance = "10s"
    type = "item"
    category = "ids"
    [[clock.hour.event]]
    type = "music"
    category = "local-new"
    [[clock.hour.event]]
    type = "fill"
    categories = ["gold", "local", "gold"]
    [[clock.hour.event]]
    at = "30:00"
    timing = "soft"
    tolerance = "20s"
    type = "item"
    category = "psa"
    [[clock.hour.event]]
    type = "fill"
    categories = ["local", "gold", "gold"]
"""


def speed_library(n_tracks: int, n_artists: int, seed: int = 1) -> list[Track]:
    rng = random.Random(seed)
    tracks = []
    per_artist = n_tracks // n_artists
    for a in range(n_artists):
        local = a % 10 < 3                                  # 30 % of the artists
        folder = "music/local" if local else ("music/national" if a % 2 else "music/international")
        for k in range(per_artist):
            released = (FIRST_DAY - timedelta(days=rng.randint(0, 3650))).isoformat()
            tracks.append(make_track(len(tracks) + 1, folder, a, k // 5, rng.randint(150_000, 330_000), local,
                                     released))
    return tracks + imaging(len(tracks) + 1)


def bench_speed(runs: int, n_tracks: int, n_artists: int) -> None:
    tracks = speed_library(n_tracks, n_artists)
    with tempfile.TemporaryDirectory() as tmp:
        schedule = write_schedule(Path(tmp), schedule_files(SPEED_CATEGORIES, SPEED_CLOCK, "least_recent"))
    times, cpu = [], []
    logs = []
    for run in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        logs = plan_days(schedule, tracks, FIRST_DAY, 7, seed=run, media_roots=[MEDIA])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    plan_days(schedule, tracks, FIRST_DAY, 7, seed=runs, media_roots=[MEDIA])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    music = sum(len(log.music_items) for log in logs)
    relaxations = sum(len(log.relaxations) for log in logs)
    median = statistics.median(times)
    print(f"## Speed: one week, {len(tracks) - 7:,} tracks by {n_artists:,} artists (30 % local)\n")
    print("| runs | median s/week (wall) | min | max | median CPU s | goal s | ratio to goal | peak traced MB "
          "| music items | relaxations |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {runs} | {median:.3f} | {min(times):.3f} | {max(times):.3f} | {statistics.median(cpu):.3f} "
          f"| {GOAL_S:.1f} | {median / GOAL_S:.2f} | {peak / 2**20:.1f} | {music:,} | {relaxations} |\n")


def write_library(db: Path, tracks: list[Track]) -> float:
    """The tracks as a scan would leave them (tracks, credits, analysis rows) in a new database; s taken."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    began = time.perf_counter()
    conn = open_db(db)
    with transaction(conn):
        for t in tracks:
            digest = f"{t.id:064x}"
            values = {"path": t.path, "size": 100_000, "mtime_ns": 1, "content_hash": digest, "status": "ok",
                      "local_tag": int(t.local), "format": "mp3", "codec": "mp3", "length_ms": t.length_ms,
                      "title": t.title, "artist": t.artist, "album": t.album, "release_date": t.release_date,
                      "language": t.language, "scanned_at_ms": 1}
            track_id = store.insert_track(conn, tuple(values.get(c) for c in store.SCAN_COLUMNS))
            store.set_credits(conn, track_id, [(t.artist, key) for key in t.artist_keys], replace=False)
            store.store_analysis(conn, digest, (t.loudness_lufs, t.true_peak_dbtp, t.cue_in_ms, t.cue_out_ms,
                                                t.length_ms), None, 1)
    conn.close()
    return time.perf_counter() - began


def library_rows(db: Path) -> int:
    if not db.exists():
        return 0
    conn = open_db(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0])
    finally:
        conn.close()


def write_history(db: Path, logs: list) -> int:
    """The planned music of ``logs`` as aired plays in the play log (the week the Planner looks back at)."""
    conn = open_db(db)
    log = PlayLog(conn)
    count = 0
    for day in logs:
        for item in day.music_items:
            start = to_ms(item.start)
            pid = log.open_play(started_at_ms=start, planned_start_ms=start, source=item.source, usage=item.usage,
                                show=item.show, category=item.category, track_id=item.track_id,
                                snapshot=item.snapshot, item_key=f"bench-{count}")
            log.close_play(pid, ended_at_ms=start + item.length_ms, played_ms=item.length_ms, end_reason="end")
            count += 1
    conn.close()
    return count


def history_rows(db: Path) -> int:
    conn = open_db(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM plays").fetchone()[0])
    finally:
        conn.close()


def bench_store(runs: int, n_tracks: int, n_artists: int, db: Path) -> None:
    """One week planned as the daemon plans it: tracks read from the station's database by the Planner."""
    if library_rows(db) != n_tracks // n_artists * n_artists + 7:
        tracks = speed_library(n_tracks, n_artists)
        print(f"writing {len(tracks):,} library rows to {db} through radiod.library.store …", flush=True)
        print(f"written in {write_library(db, tracks):.1f} s (run again for a clean peak RSS)\n")
        del tracks
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "schedules"
        schedule = write_schedule(folder, schedule_files(SPEED_CATEGORIES, SPEED_CLOCK, "least_recent"))
        config = Config(station_dir=Path(tmp), station=StationConfig(name="Bench FM", timezone="America/Toronto"),
                        paths=PathsConfig(media=[Path(MEDIA)], schedules=folder, database=db,
                                          state=Path(tmp) / "state", uploads=Path(tmp) / "uploads"))
        planner = readonly_planner(config)
        if not history_rows(db):
            week_before = planner.plan(schedule, FIRST_DAY - timedelta(days=7), 7, seed="history")
            print(f"wrote the week before as history: {write_history(db, week_before):,} plays\n", flush=True)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        load, load_cpu, times, cpu = [], [], [], []
        logs = []
        for run in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            loaded = planner.tracks()
            load.append(time.perf_counter() - t0)
            load_cpu.append(time.process_time() - c0)
            logs = planner.plan(schedule, FIRST_DAY, 7, tracks=loaded, seed=str(run))
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            del loaded
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    music = sum(len(log.music_items) for log in logs)
    median = statistics.median(times)
    print(f"## As the daemon plans: one week, {n_tracks:,} tracks read from SQLite by the Planner, "
          f"the week before ({history_rows(db):,} plays) read from the play log as history\n")
    print(f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| runs | median s/week (wall, loading included) | of which loading | min | max | median CPU s "
          "| of which loading | goal s | ratio to goal | peak RSS MB (before loading) | music items |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {runs} | {median:.3f} | {statistics.median(load):.3f} | {min(times):.3f} | {max(times):.3f} "
          f"| {statistics.median(cpu):.3f} | {statistics.median(load_cpu):.3f} | {GOAL_S:.1f} | {median / GOAL_S:.2f} | {rss_peak:.0f} ({rss_before:.0f}) "
          f"| {music:,} |\n")


# --- fairness ---

# (category, folder, tracks, local, picks an hour in the clock)
FAIR_CATEGORIES = (
    ("local-new", "music/local-new", 150, True, 1),
    ("local-gold", "music/local-gold", 750, True, 4),
    ("national-new", "music/national-new", 150, False, 1),
    ("national-gold", "music/national-gold", 700, False, 4),
    ("intl-new", "music/intl-new", 300, False, 2),
    ("intl-gold", "music/intl-gold", 750, False, 4),
)


def fairness_schedule(policy: str, tmp: Path):
    categories = "".join(f'\n[category.{cid}]\nfolders = ["{folder}"]\n' for cid, folder, *_ in FAIR_CATEGORIES)
    categories += '\n[category.gold]\nfolders = ["music/local-gold", "music/national-gold", "music/intl-gold"]\n'
    order = [cid for cid, *_, picks in FAIR_CATEGORIES for _ in range(picks)]
    rng = random.Random(3)
    rng.shuffle(order)
    half = len(order) // 2
    lines = ["[clock.hour]"]

    def event(**kw: str) -> None:
        lines.append("[[clock.hour.event]]")
        lines.extend(f'{k} = "{v}"' for k, v in kw.items())

    event(at="00:00", timing="hard", tolerance="10s", type="item", category="ids")
    for cid in order[:half]:
        event(type="music", category=cid)
    lines.append('[[clock.hour.event]]\ntype = "fill"\ncategories = ["intl-gold", "local-gold", "national-gold"]')
    event(at="30:00", timing="soft", tolerance="20s", type="item", category="psa")
    for cid in order[half:]:
        event(type="music", category=cid)
    lines.append('[[clock.hour.event]]\ntype = "fill"\ncategories = ["local-gold", "intl-gold", "national-gold"]')
    return write_schedule(tmp / policy, schedule_files(categories, "\n".join(lines), policy))


def fairness_library(seed: int = 2) -> list[Track]:
    rng = random.Random(seed)
    tracks = []
    artist = 0
    for cid, folder, n, local, _ in FAIR_CATEGORIES:
        for k in range(n):
            if k % 4 == 0:
                artist += 1                                  # four tracks per artist, two albums
            tracks.append(make_track(len(tracks) + 1, folder, artist, k % 2, rng.randint(120_000, 240_000), local,
                                     "2026-06-01" if cid.endswith("new") else "2015-01-01"))
    return tracks + imaging(len(tracks) + 1)


def simulate(policy: str, tracks: list[Track], weeks: int, tmp: Path):
    schedule = fairness_schedule(policy, tmp)
    history: list = []
    logs = []
    for week in range(weeks):
        first = FIRST_DAY + timedelta(days=7 * week)
        week_logs = plan_days(schedule, tracks, first, 7, history=history, seed=week, media_roots=[MEDIA])
        for log in week_logs:
            history += history_from_log(log.items)
        logs += week_logs
    return logs


def category_stats(logs, tracks: list[Track]) -> dict[str, tuple[int, int, float, float]]:
    plays: dict[int, int] = {t.id: 0 for t in tracks}
    for log in logs:
        for item in log.music_items:
            plays[item.track_id] += 1
    stats = {}
    for cid, folder, *_ in FAIR_CATEGORIES:
        counts = [plays[t.id] for t in tracks if f"/{folder}/" in t.path]
        lo, hi = min(counts), max(counts)
        stats[cid] = (lo, hi, hi / lo if lo else float("inf"), statistics.pstdev(counts), statistics.mean(counts))
    return stats


def bench_fairness(weeks: int) -> None:
    tracks = fairness_library()
    music_tracks = len(tracks) - 7
    with tempfile.TemporaryDirectory() as tmp:
        results = {policy: simulate(policy, tracks, weeks, Path(tmp)) for policy in ("least_recent", "random")}
    print(f"## Fairness: {weeks} weeks, {music_tracks:,} tracks in six categories, history fed back weekly\n")
    print("| category | tracks | mean plays | radiod min | max | max/min | stddev "
          "| random min | max | max/min | stddev |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ours = category_stats(results["least_recent"], tracks)
    theirs = category_stats(results["random"], tracks)
    for cid, _, n, *_ in FAIR_CATEGORIES:
        a, b = ours[cid], theirs[cid]
        print(f"| {cid} | {n} | {a[4]:.2f} | {a[0]} | {a[1]} | {a[2]:.2f} | {a[3]:.2f} "
              f"| {b[0]} | {b[1]} | {b[2]:.2f} | {b[3]:.2f} |")
    print("\n| policy | hours meeting 35 % local | local share | relaxations (by rule) | fill_to_time misses |")
    print("|---|---|---|---|---|")
    for policy, logs in results.items():
        hours = [h for log in logs for h in log.hours]
        met = sum(1 for h in hours if h.quota_met)
        music = [i for log in logs for i in log.music_items]
        rules: dict[str, int] = {}
        for log in logs:
            for r in log.relaxations:
                rules[r.rule] = rules.get(r.rule, 0) + 1
        shown = ", ".join(f"{k} {v}" for k, v in sorted(rules.items())) or "none"
        print(f"| {policy} | {met}/{len(hours)} ({met / len(hours):.1%}) | "
              f"{sum(i.local for i in music) / len(music):.1%} | {sum(rules.values())}: {shown} | "
              f"{rules.get('fill_to_time', 0)} |")
    worst = max(v[2] for v in ours.values())
    print(f"\nworst max/min with radiod: {worst:.2f} (goal ≤ 1.25)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tracks", type=int, default=200_000)
    parser.add_argument("--artists", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--db", type=Path, help="Library database for the store run "
                        "(default /tmp/radiod-bench-plan-TRACKS.db, kept for the next run).")
    parser.add_argument("--only", choices=("speed", "store", "fairness"))
    args = parser.parse_args()
    if args.only in (None, "store"):
        bench_store(args.runs, args.tracks, args.artists,
                    args.db or Path(f"/tmp/radiod-bench-plan-{args.tracks}.db"))
    if args.only in (None, "speed"):
        bench_speed(args.runs, args.tracks, args.artists)
    if args.only in (None, "fairness"):
        bench_fairness(args.weeks)


if __name__ == "__main__":
    main()
