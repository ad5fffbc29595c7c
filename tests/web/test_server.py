"""`radiod web` as a real process: live feeds beyond the worker count, clean shutdown."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from radiod.config import load_config

from panel_support import RadiodWeb, make_station, now_doc, write_now_playing


def open_feed(url: str) -> tuple[socket.socket, dict]:
    """Connect to the event stream and return the socket and the first event's data."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(b"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\n\r\n")
    reader = sock.makefile("rb")
    for line in reader:
        if line.startswith(b"data: "):
            return sock, json.loads(line[6:])
    raise AssertionError("stream ended before the first event")


def test_live_feeds_beyond_the_worker_count_leave_the_panel_responsive(tmp_path):
    config = load_config(make_station(tmp_path / "st", web="threads = 2"), env={})
    write_now_playing(config, now_doc("Feed Song", "Band"))
    server = RadiodWeb(config.station_dir)
    with server as url:
        feeds = [open_feed(url) for _ in range(6)]           # three times the worker count
        assert all(data["now"]["title"] == "Feed Song" for _, data in feeds)
        with urllib.request.urlopen(url + "/api/history", timeout=10) as r:
            assert r.status == 200 and json.loads(r.read()) == {"plays": []}
        with urllib.request.urlopen(url + "/schedule", timeout=10) as r:
            assert r.status == 200
        for sock, _ in feeds:
            sock.close()
    assert server.process.returncode == 0                     # SIGTERM with feeds open: clean exit


def test_a_busy_port_is_one_line_not_a_traceback(tmp_path):
    config = load_config(make_station(tmp_path / "st"), env={})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        radiod = Path(sys.executable).parent / "radiod"
        r = subprocess.run([str(radiod), "--station", str(config.station_dir), "web", "--port", str(port)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == f"radiod: web: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "Traceback" not in r.stderr
