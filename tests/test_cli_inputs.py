"""Hostile input to the real `radiod` command: far dates, garbage databases, deep TOML, bad ports.

Each is one line saying what and where, with the CLI's exit code (1 for radiod's errors, 2 for
click's usage errors), never a traceback.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RADIOD = str(Path(sys.executable).parent / "radiod")


def radiod(station: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([RADIOD, "--station", str(station), *args], capture_output=True, text=True, timeout=120,
                          cwd=station, env={"PATH": "/usr/bin:/bin", **(env or {})})


def one_line(done: subprocess.CompletedProcess) -> str:
    """The single error line (click's usage errors add their fixed Usage/Try preamble)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines()
             if line and not line.startswith(("Usage: ", "Try 'radiod"))]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    """A station with the repository's schedules and an empty scanned library (a real database)."""
    root = tmp_path_factory.mktemp("station")
    (root / "radiod.toml").write_text('[station]\ntimezone = "Pacific/Kiritimati"\n', encoding="utf-8")
    shutil.copytree(REPO / "schedules", root / "schedules")
    (root / "media").mkdir()
    assert radiod(root, "scan").returncode == 0
    return root


FAR = ["9999-12-31", "0001-01-01"]


@pytest.mark.parametrize("day", FAR)
@pytest.mark.parametrize("command,code", [
    (["plan", "--date", "{d}"], 2),
    (["simulate", "--from", "{d}", "--to", "{d}"], 2),
    (["report", "soundexchange", "--from", "{d}", "--to", "{d}"], 1),
    (["report", "plays", "--from", "2026-01-01", "--to", "{d}"], 1),
    (["verify-log", "--from", "{d}", "--to", "{d}"], 1),
    (["log-digest", "--from", "{d}", "--to", "{d}"], 1),
    (["ledger", "Somebody", "--from", "{d}", "--to", "{d}"], 1),
], ids=lambda v: v[0] if isinstance(v, list) else None)
def test_far_dates_are_one_line(station, command, code, day):
    """Year 9999 overflowed a day's end, year 1 the history before it (in a +14 h zone, its midnight)."""
    done = radiod(station, *[a.format(d=day) for a in command])
    assert done.returncode == code
    assert f"{day} is outside the supported dates 1900-01-01 to 9000-12-31" in one_line(done)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "America/Havana"])
def test_the_ends_of_the_supported_dates_work_in_extreme_zones(station, zone):
    """The first and last supported days plan and report, also where midnight is far from UTC or skipped."""
    env = {"RADIOD_STATION_TIMEZONE": zone}
    for day in ("1900-01-01", "9000-12-31", "2026-03-08"):   # Havana skips 00:00-01:00 on 2026-03-08
        assert radiod(station, "plan", "--date", day, env=env).returncode == 0
        done = radiod(station, "report", "plays", "--from", day, "--to", day, env=env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def _garbage(station: Path, kind: str) -> Path:
    db = station / "radiod.db"
    if kind == "random bytes":
        db.write_bytes(os.urandom(64 * 1024))
    elif kind == "truncated":
        good = station / "good.db"
        conn = sqlite3.connect(good)
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(os.urandom(500),) for _ in range(200)])
        conn.commit()
        conn.close()
        db.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        db.mkdir()
    return db


@pytest.mark.parametrize("kind,message", [
    ("random bytes", "cannot open database: file is not a database"),
    ("truncated", "cannot open database: database disk image is malformed"),
    ("directory", "is a directory, not a database file"),
])
def test_a_garbage_database_is_one_line_whichever_command(tmp_path, kind, message):
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    db = _garbage(tmp_path, kind)
    for command in (["plan"], ["report", "music-usage", "--from", "2026-01-01", "--to", "2026-01-02"],
                    ["verify-log"], ["log-digest", "--from", "2026-01-01", "--to", "2026-01-02"],
                    ["ledger", "X", "--from", "2026-01-01", "--to", "2026-01-01"],
                    ["simulate", "--from", "2026-01-01", "--to", "2026-01-01"], ["user", "list"], ["scan"],
                    ["artists"]):
        done = radiod(tmp_path, *command)
        assert done.returncode == 1, (command, done.stderr)
        assert one_line(done) == f"radiod: {db}: {message}", command
