"""Episodes made without a daemon: rows in a real database, real (tiny) MP3 files published."""

from __future__ import annotations

import subprocess
from pathlib import Path

from radiod.config import Config
from radiod.episodes import publish, store
from radiod.episodes.store import EpisodeFile
from radiod.schedule_files import load_schedule
from radiod.store import open_db

CHAPTERS = [{"at_ms": 0, "title": "Hello", "artist": "", "music": False, "clipped": False, "aired_at_ms": 0},
            {"at_ms": 1000, "title": "Low Tide", "artist": "Quiet Harbours", "music": True, "clipped": False,
             "aired_at_ms": 1000}]
GAPS = [{"at_ms": 1500, "from_ms": 0, "to_ms": 4000, "missing_ms": 4000}]


def tone_mp3(path: Path, seconds: float = 2.0) -> int:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:sample_rate=44100:duration={seconds}", "-ac", "2", "-c:a", "libmp3lame",
                    "-b:a", "64k", str(path)], check=True)
    return path.stat().st_size


def add_episode(config: Config, show_id: str, aired_from_ms: int, *, length_ms: int = 2000) -> int:
    """A cut, published episode of ``show_id`` (its MP3, chapters and the feeds written)."""
    conn = open_db(config.paths.database)
    try:
        episode_id = store.add_pending(conn, show_id=show_id, aired_from_ms=aired_from_ms,
                                       aired_to_ms=aired_from_ms + length_ms, title=f"{show_id} {aired_from_ms}",
                                       now_ms=aired_from_ms + length_ms)
        assert episode_id is not None
        pending = store.get(conn, episode_id)
        assert pending is not None
        name = f"{show_id}/{publish.stem(config, pending)}.mp3"
        size = tone_mp3(publish.held_path(config, name))
        store.mark_ready(conn, episode_id, files=[EpisodeFile("mp3", name, size, "audio/mpeg")], length_ms=length_ms,
                         chapters=CHAPTERS, gaps=GAPS, rights="full", now_ms=aired_from_ms + length_ms + 1)
        ready = store.get(conn, episode_id)
        assert ready is not None
        publish.held_path(config, publish.chapters_name(ready.files)).write_bytes(publish.chapters_json(ready))
        publish.public_folder(config, show_id)
        publish.place(config, ready)
        publish.write_feeds(config, store.every(conn), dict(load_schedule(config.paths.schedules).shows))
        return episode_id
    finally:
        conn.close()
