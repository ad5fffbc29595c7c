"""`radiod check` and `radiod plan` on a real station folder: ffmpeg-made audio, a scanned SQLite library."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from radiod.library.synth import make_tone

from .helpers import write_schedule

RADIOD = [str(Path(sys.executable).parent / "radiod")]

RULES = """
    [separation]
    artist_minutes = 0
    title_minutes = 0
    album_minutes = 0
    [local]
    hour_min_percent = 30
"""
GRID = """
    [[slot]]
    days = ["daily"]
    start = "00:00"
    end = "22:00"
    show = "music"
"""


def radiod(station: Path, *args: str, schedules: Path | None = None) -> subprocess.CompletedProcess:
    """Run radiod; ``schedules`` points the station at another schedules folder (same library)."""
    env = dict(os.environ)
    if schedules is not None:
        env["RADIOD_PATHS_SCHEDULES"] = f'"{schedules}"'
    return subprocess.run([*RADIOD, "--station", str(station), *args], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    """A station with six songs (two local), an ID, a scanned and analysed library."""
    root = tmp_path_factory.mktemp("station")
    (root / "radiod.toml").write_text('[station]\nname = "Test FM"\ntimezone = "America/Toronto"\n'
                                      '[library]\nworkers = 2\n', encoding="utf-8")
    for i in range(6):
        make_tone(root / "media" / "music" / "pop" / f"song-{i}.ogg", seconds=20 + 4 * i, freqs=(220.0 + 30 * i,),
                  channels=1, sample_rate=22050,
                  tags={"title": f"Song {i}", "artist": f"Band {i % 4}", "album": f"Album {i % 4}", "local": i < 2})
    make_tone(root / "media" / "ids" / "id.ogg", seconds=3, channels=1, sample_rate=22050,
              tags={"title": "ID", "artist": "Test FM"})
    write_schedule(root / "schedules", rules=RULES, grid=GRID)
    scan = radiod(root, "scan")
    assert scan.returncode == 0, scan.stderr
    return root


def other_schedules(tmp_path: Path, **files: str) -> Path:
    return write_schedule(tmp_path / "schedules", **files)


def test_check_passes_with_warnings(station):
    result = radiod(station, "check")
    assert result.returncode == 0, result.stderr
    assert "OK — 1 shows, 1 clocks, 2 categories, 1 weekly slots" in result.stdout
    assert (f"warning: {station / 'schedules' / 'grid.toml'}: slot: gap in the weekly grid mon 22:00–tue 00:00 "
            "(the fallback plays)") in result.stderr
    assert "Traceback" not in result.stderr


def test_check_fails_with_every_error_located(station, tmp_path):
    schedules = other_schedules(tmp_path, rules=RULES + "[[broken\n", grid=GRID + """
        [[slot]]
        days = ["mon"]
        start = "21:00"
        end = "23:00"
        show = "talk"
    """)
    result = radiod(station, "check", schedules=schedules)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{schedules / 'rules.toml'}:7: Expected ']]'") for line in lines), lines
    assert any(line.startswith(f"{schedules / 'grid.toml'}:11: slot[1].show: unknown show 'talk'") for line in lines)
    assert any(line.startswith(f"{schedules / 'grid.toml'}:7: slot[1]: mon 21:00–23:00 talk overlaps") for line in lines)
    assert lines[-1].startswith("3 error(s)")
    assert "Traceback" not in result.stderr


def test_check_finds_categories_too_small_for_their_separation(station, tmp_path):
    schedules = other_schedules(tmp_path, grid=GRID, rules="""
        [separation]
        artist_minutes = 60
        title_minutes = 60
    """)
    result = radiod(station, "check", schedules=schedules)
    assert result.returncode == 1
    assert f"{schedules / 'categories.toml'}:1: category.pop: too small for the separation rules: 4 artists" \
        in result.stderr


def test_plan_prints_the_log_and_summary(station):
    result = radiod(station, "plan", "--date", "2026-11-23")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# 2026-11-23 (America/Toronto)\n")
    assert "00:00:00 " in out and "hard±15s" in out and "Test FM – ID" in out
    assert "hour   music local share quota" in out
    assert "summary:" in out and "hours meet the quota" in out


def test_plan_json_one_object_per_item_then_summary(station):
    result = radiod(station, "plan", "--date", "2026-11-23", "--days", "2", "--json")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    items, summary = objects[:-1], objects[-1]
    assert summary["type"] == "summary" and summary["days"] == 2 and summary["items"] == len(items)
    assert {o["type"] for o in items} == {"item"}
    first = items[0]
    assert first["start"] == "2026-11-23T00:00:00.000-05:00" and first["timing"] == "hard"
    assert first["usage"] == "station_id"
    songs = [o for o in items if o["usage"] == "feature"]
    assert {o["source"] for o in songs} == {"rotation", "fallback"}     # 22:00–24:00 is a gap
    assert all(o["path"].startswith(str(station / "media")) for o in songs)
    assert len(summary["per_hour"]) == 48 and summary["hours_meeting_quota"] == 48
    assert items[-1]["start"] < "2026-11-25"


def test_plan_rejects_a_bad_date_and_a_missing_library(station, tmp_path):
    bad = radiod(station, "plan", "--date", "2026-13-01")
    assert bad.returncode == 2 and "expected YYYY-MM-DD" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copytree(station / "schedules", empty / "schedules")
    missing = radiod(empty, "plan", "--date", "2026-11-23")
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("database does not exist (run 'radiod scan' first)")
