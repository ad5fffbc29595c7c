from __future__ import annotations

import pytest

from radiod.playlog.store import PlayLog
from radiod.store import open_db


@pytest.fixture
def db(tmp_path):
    conn = open_db(tmp_path / "radiod.db")
    yield conn
    conn.close()


@pytest.fixture
def log(db):
    return PlayLog(db)


def snapshot(n: int, **over) -> dict:
    snap = {"track_id": n, "path": f"/media/{n}.mp3", "title": f"Song {n}", "artist": f"Artist {n % 3}",
            "artist_keys": [f"artist {n % 3}"], "album": f"Album {n}", "label": "Label", "isrc": f"QZABC26{n:05d}",
            "composer": "Composer", "lyricist": "", "release_date": "2025", "genre": "", "language": "en",
            "length_ms": 180_000, "local": n % 2 == 0}
    snap.update(over)
    return snap


def add_plays(log: PlayLog, count: int, start_ms: int = 1_763_700_000_000, step_ms: int = 200_000,
              key: str = "k") -> list[int]:
    ids = []
    for n in range(count):
        t = start_ms + n * step_ms
        pid = log.open_play(started_at_ms=t, planned_start_ms=t - 50, source="rotation", usage="feature",
                            show="Morning", category="A", snapshot=snapshot(n), item_key=f"{key}{n}")
        log.close_play(pid, ended_at_ms=t + 180_000, played_ms=180_000, end_reason="end")
        ids.append(pid)
    return ids
