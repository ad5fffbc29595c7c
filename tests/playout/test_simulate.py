"""`radiod simulate`: the real planner and engine on a virtual clock, into a separate play log."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from radiod.store import open_db
from schedule.helpers import track, write_schedule

from .daemon_station import RADIOD


def library() -> list:
    """120 songs by 30 artists (a third local) and three station IDs."""
    tracks = [track(i, f"Artist {i % 30}", album=f"Album {i % 30}-{i % 2}", ms=150_000 + (i * 37_000) % 120_000,
                    local=(i % 30) % 3 == 0) for i in range(1, 121)]
    return tracks + [track(10_000 + i, "Sim FM", title=f"ID {i}", ms=5_000 + 1000 * i, folder="ids")
                     for i in range(3)]


def make_library_station(root: Path, missing: str) -> Path:
    """Schedule files from the planner tests and a library whose files exist (one deliberately not)."""
    station = root / "station"
    write_schedule(station / "schedules")
    (station / "radiod.toml").write_text('[station]\nname = "Sim FM"\ntimezone = "America/Toronto"\n')
    conn = open_db(station / "radiod.db")
    for t in library():
        path = station / "media" / t.path.split("/station/media/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.name != missing:
            path.write_bytes(b"audio")
        cur = conn.execute(
            "INSERT INTO tracks (path, size, mtime_ns, status, title, artist, album, length_ms, release_date,"
            " genre, language, local_tag, scanned_at_ms) VALUES (?, 5, 0, 'ok', ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (str(path), t.title, t.artist, t.album, t.play_ms, t.release_date, t.genre, t.language, int(t.local)))
        for n, key in enumerate(t.artist_keys):
            conn.execute("INSERT INTO track_artists VALUES (?, ?, ?, ?)", (cur.lastrowid, n, t.artist, key))
    conn.close()
    return station


def test_simulate_two_days(tmp_path):
    station = make_library_station(tmp_path, missing="10001.mp3")      # one of the three station IDs
    out = tmp_path / "sim.db"
    result = subprocess.run([*RADIOD, "--station", str(station), "simulate", "--from", "2026-10-31",
                             "--to", "2026-11-01", "--out", str(out), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [d["day"] for d in summary["days"]] == ["2026-10-31", "2026-11-01"]

    conn = sqlite3.connect(out)
    conn.row_factory = sqlite3.Row
    plays = [dict(r) for r in conn.execute("SELECT * FROM plays ORDER BY started_at_ms")]
    assert plays and all(p["seq"] is not None for p in plays)            # every row closed
    # 2026-11-01 is a 25-hour day in Toronto's time (DST ends); the station is on air throughout.
    day2 = summary["days"][1]
    assert day2["air_ms"] >= 25 * 3_600_000 - 60_000
    assert summary["days"][0]["air_ms"] >= 24 * 3_600_000 - 60_000
    # The missing ID failed each time it came up, and was recorded as failed, not aired.
    failed = [p for p in plays if p["end_reason"] == "failed"]
    assert failed and all(p["path"].endswith("10001.mp3") and p["played_ms"] == 0 for p in failed)
    assert summary["total"]["failed"] == len(failed)
    # The local share in the summary is the share of the rows.
    music = [p for p in plays if p["usage"] == "feature" and p["played_ms"] > 0]
    assert summary["total"]["music"] == len(music)
    assert summary["total"]["local_share"] == round(sum(p["local"] for p in music) / len(music), 4)
    # The station's own play log is untouched.
    real = sqlite3.connect(station / "radiod.db")
    assert real.execute("SELECT COUNT(*) FROM plays").fetchone()[0] == 0


def test_simulate_prints_a_table(tmp_path):
    station = make_library_station(tmp_path, missing="none")
    result = subprocess.run([*RADIOD, "--station", str(station), "simulate", "--from", "2026-11-10",
                             "--to", "2026-11-10"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["day", "items", "failed", "fallbk", "relax", "music", "local"]
    assert lines[1].startswith("2026-11-10") and lines[2].startswith("total")
    assert (station / "state" / "simulation-2026-11-10-2026-11-10.db").exists()


def test_simulate_rejects_a_reversed_range(tmp_path):
    station = make_library_station(tmp_path, missing="none")
    result = subprocess.run([*RADIOD, "--station", str(station), "simulate", "--from", "2026-11-10",
                             "--to", "2026-11-09"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--to" in result.stderr and "Traceback" not in result.stderr
