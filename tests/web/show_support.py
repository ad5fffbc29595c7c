"""A station with show facts, a pre-recorded show with dated airings, real audio files and past plays."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from radiod.clock import to_ms
from radiod.library.artists import artist_key
from radiod.playlog.store import PlayLog
from radiod.store import open_db

SHOWS_EXTRA = '''
# Pre-recorded: the DJ's files, checked against a two-minute slot.
[show.tape]
title = "Tape Hour"
kind = "prerecorded"
hosts = ["dj1", "guest"]
content_tolerance = "10s"
'''


def tone(path: Path, seconds: float) -> None:
    """A real MP3 of ``seconds`` of a sine tone (ffmpeg)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-ac", "1", "-b:a", "64k", str(path)], check=True)


def picture(path: Path) -> None:
    """A real 320×320 PNG (ffmpeg's test pattern) for a show page."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x320:rate=1",
                    "-frames:v", "1", str(path)], check=True)


def add_show_facts(config) -> tuple[datetime, datetime]:
    """Describe the morning show, give it an image, add Tape Hour on the next two days at noon
    (2:00 slots); returns the two airings' local starts."""
    sched = config.paths.schedules
    station = (sched / "station.toml").read_text(encoding="utf-8")
    (sched / "station.toml").write_text(station.replace('djs = ["dj1", "dj2"]', 'djs = ["dj1", "dj2", "guest"]'),
                                        encoding="utf-8")
    shows = (sched / "shows.toml").read_text(encoding="utf-8")
    shows = shows.replace('hosts = ["dj1"]\n', 'hosts = ["dj1"]  # the host\'s account\n'
                          'description = "Tide tables and new local music."\nimage = "morning.png"\n', 1)
    (sched / "shows.toml").write_text(shows + SHOWS_EXTRA, encoding="utf-8")
    (sched / "images").mkdir(exist_ok=True)
    picture(sched / "images" / "morning.png")
    today = datetime.now(config.zone).date()
    starts = [datetime(d.year, d.month, d.day, 12, 0, tzinfo=config.zone) for d in
              (today + timedelta(days=1), today + timedelta(days=2))]
    exceptions = "".join(f'\n[[exception]]\ndate = "{s:%Y-%m-%d}"\nstart = "12:00"\nend = "12:02"\nshow = "tape"\n'
                         for s in starts)
    with open(sched / "grid.toml", "a", encoding="utf-8") as f:
        f.write(exceptions)
    return starts[0], starts[1]


def add_past_morning(config) -> datetime:
    """Two plays in yesterday's morning airing (07:00–09:00 local), by the show's id; returns its start."""
    yesterday = datetime.now(config.zone).date() - timedelta(days=1)
    start = datetime(yesterday.year, yesterday.month, yesterday.day, 7, 0, tzinfo=config.zone)
    conn = open_db(config.paths.database)
    log = PlayLog(conn)
    for minutes, title, artist in ((5, "Low Water", "Quiet Harbours"), (9, "Spring Tide", "Ana Ng")):
        t = to_ms(start + timedelta(minutes=minutes))
        snap = {"title": title, "artist": artist, "album": "A", "label": "L", "isrc": "",
                "artist_keys": [artist_key(artist)], "local": True, "length_ms": 180_000}
        pid = log.open_play(started_at_ms=t, source="show", usage="feature", show="Morning Tide", show_id="morning",
                            snapshot=snap)
        log.close_play(pid, ended_at_ms=t + 180_000, played_ms=180_000, end_reason="end")
    conn.close()
    return start
