"""A test station for the panel: config, schedule files, users, plays and now-playing documents."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from radiod.accounts.users import Accounts
from radiod.clock import SystemClock, to_ms
from radiod.library.artists import artist_key, split_artists
from radiod.playlog.store import PlayLog
from radiod.playout.nowplaying import NowPlayingWriter
from radiod.store import open_db

# Goes into every tag field in the XSS tests.
XSS = """<script>alert(1)</script><img src=x onerror="alert('x')">&amp;"""
PASSWORD = "correct horse battery"

SCHEDULE = {
    "station.toml": '[station]\nname = "Test FM"\ntimezone = "America/Toronto"\ndjs = ["dj1", "dj2"]\n',
    "shows.toml": """
[show.morning]
title = "Morning Tide"
kind = "live"
hosts = ["dj1"]

[show.evening]
title = "Evening Static"
kind = "live"
hosts = ["dj2"]
""",
    "grid.toml": """
[[slot]]
days = "daily"
start = "07:00"
end = "09:00"
show = "morning"

[[slot]]
days = "daily"
start = "19:00"
end = "21:00"
show = "evening"
""",
}


def make_station(root: Path, *, hide_next: bool = False, show_title: str = "Morning Tide",
                 web: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "radiod.toml").write_text(
        '[station]\nname = "Test FM"\ntimezone = "America/Toronto"\n'
        f"[playout]\nhide_next = {'true' if hide_next else 'false'}\n"
        f'[web]\nsecret_key = "test-key-not-secret"\n{web}\n', encoding="utf-8")
    sched = root / "schedules"
    sched.mkdir(exist_ok=True)
    for name, text in SCHEDULE.items():
        (sched / name).write_text(text.replace("Morning Tide", json.dumps(show_title)[1:-1]), encoding="utf-8")
    return root


def write_now_playing(config, doc: dict) -> None:
    """Write the now-playing file with the daemon's own writer: ``doc`` is what the engine reports
    (state, now, next, show), the file is what the daemon writes from it (``hide_next`` applied)."""
    NowPlayingWriter(config.now_playing_file, station=config.station.name,
                     hide_next=config.playout.hide_next, clock=SystemClock())(doc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_doc(title: str, artist: str, *, local: bool = False, show: str = "Morning Tide",
            started: datetime | None = None, length_ms: int = 188_000, next_title: str = "Next Song",
            next_artist: str = "Next Artist", album: str = "Album") -> dict:
    started = started or datetime.now(timezone.utc)
    return {
        "station": "Test FM", "updated_at": iso(started), "state": "playing",
        "now": {"play_id": 1, "title": title, "artist": artist, "album": album,
                "artist_keys": [artist_key(a) for a in split_artists(artist)], "local": local,
                "show": show, "source": "rotation", "usage": "feature", "started_at": iso(started),
                "expected_end": iso(started + timedelta(milliseconds=length_ms)), "length_ms": length_ms},
        "next": {"title": next_title, "artist": next_artist, "local": False, "planned_start": iso(started)},
        "show": {"title": show, "hosts": ["dj1"], "start": iso(started), "end": iso(started)},
    }


def add_play(conn, *, title: str, artist: str, started: datetime, played_ms: int = 180_000,
             show: str = "Morning Tide", local: bool = False, album: str = "Album", closed: bool = True) -> int:
    log = PlayLog(conn)
    t = to_ms(started)
    snap = {"title": title, "artist": artist, "album": album, "label": "Label", "isrc": "",
            "artist_keys": [artist_key(a) for a in split_artists(artist)], "local": local, "length_ms": played_ms}
    pid = log.open_play(started_at_ms=t, source="rotation", usage="feature", show=show, snapshot=snap)
    if closed:
        log.close_play(pid, ended_at_ms=t + played_ms, played_ms=played_ms, end_reason="end")
    return pid


def add_users(config) -> None:
    conn = open_db(config.paths.database)
    accounts = Accounts(conn, SystemClock())
    accounts.add_user("dj1", "dj", PASSWORD, ("morning",))
    accounts.add_user("dj2", "dj", PASSWORD, ("evening",))
    accounts.add_user("boss", "manager", PASSWORD)
    conn.close()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log a Flask test client in through the form; returns the POST response."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def token_of(client) -> str:
    """The CSRF token of the client's session: from the logout form when logged in, else the login form."""
    html = client.get("/").get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        html = client.get("/login").get_data(as_text=True)
    return csrf_from(html)




class RadiodWeb:
    """`radiod web` as a real process on a free loopback port (``with RadiodWeb(station) as url:``)."""

    def __init__(self, station: Path, *, env: dict | None = None, port: int = 0):
        self.station = station
        self.env = env or {}
        self.port = port                                # 0: any free port
        self.process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> str:
        radiod = Path(sys.executable).parent / "radiod"
        self.log = self.station / "web.log"            # a file, so a chatty server never blocks on a pipe
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(radiod), "--station", str(self.station), "web", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, **self.env})
        line = self.process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if not match:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"radiod web did not start: {line}{self.log.read_text()}")
        self.url = match.group(1)
        return self.url

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.process.stdout.close()
