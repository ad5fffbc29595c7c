"""A test station for the panel's part 2: a pre-recorded show with a one-minute slot, audio made by ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

from radiod.accounts.users import Accounts
from radiod.clock import SystemClock
from radiod.store import open_db

from panel_support import PASSWORD, make_station

SHOWS = """
# Shows of the test station.
[show.morning]
title = "Morning Tide"
kind = "live"
hosts = ["dj1"]

[show.evening]
title = "Evening Static"
kind = "live"
hosts = ["dj2"]

[show.night]
title = "Night Owl"
kind = "prerecorded"
hosts = ["dj1"]
content_tolerance = "5s"   # one-minute slot: 55 s to 65 s fits

[show.late]
title = "Late Shift"
kind = "prerecorded"
hosts = ["dj2"]
"""

GRID = """# The weekly grid of the test station.
# Keep this comment: the editor must not lose it.

[[slot]]
days = "daily"
start = "07:00"
end = "09:00"
show = "morning"   # breakfast

[[slot]]
days = "daily"
start = "19:00"
end = "21:00"
show = "evening"

# Night: one minute of pre-recorded show.
[[slot]]
days = "daily"
start = "23:00"
end = "23:01"
show = "night"

[[slot]]
days = "daily"
start = "23:30"
end = "23:45"
show = "late"
"""


def make_part2_station(root: Path) -> Path:
    make_station(root)
    (root / "schedules" / "shows.toml").write_text(SHOWS, encoding="utf-8")
    (root / "schedules" / "grid.toml").write_text(GRID, encoding="utf-8")
    return root


def add_part2_users(config) -> None:
    conn = open_db(config.paths.database)
    accounts = Accounts(conn, SystemClock())
    accounts.add_user("dj1", "dj", PASSWORD, ("morning", "night"))
    accounts.add_user("dj2", "dj", PASSWORD, ("evening", "late"))
    accounts.add_user("boss", "manager", PASSWORD)
    conn.close()


def make_audio(path: Path, seconds: float) -> Path:
    """A sine tone as a small mono MP3 (real audio, decodable by ffmpeg and mutagen)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-ac", "1", "-ar", "22050", "-b:a", "32k", str(path)], check=True)
    return path
