"""`radiod web` as a real process: live feeds beyond the thread count, feeds in every worker
process, a worker replaced, clean shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from radiod.config import load_config

from panel_support import RadiodWeb, make_station, now_doc, write_now_playing


def open_feed(url: str) -> tuple[socket.socket, dict]:
    """Connect to the event stream and return the socket and the first event's data."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(b"GET /api/now-playing/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
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



def next_event(sock: socket.socket) -> dict:
    for line in sock.makefile("rb"):
        if line.startswith(b"data: "):
            return json.loads(line[6:])
    raise AssertionError("stream ended")


def status_of(url: str, path: str) -> int:
    try:
        with urllib.request.urlopen(url + path, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def workers_of(pid: int, count: int = 2, *, besides: set[int] = frozenset()) -> set[int]:
    """The server's worker processes, once ``count`` of them run that are not in ``besides``."""
    deadline = time.monotonic() + 20
    while True:
        pids = {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
        if (len(pids) == count and not pids & besides) or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def test_every_worker_passes_each_change_to_its_feeds_and_feed_places_are_shared(tmp_path):
    config = load_config(make_station(tmp_path / "st", web="workers = 2\nsse_clients = 8"), env={})
    write_now_playing(config, now_doc("First", "Band"))
    server = RadiodWeb(config.station_dir)
    with server as url:
        assert len(workers_of(server.process.pid)) == 2
        feeds = [open_feed(url) for _ in range(8)]
        assert all(data["now"]["title"] == "First" for _, data in feeds)
        # A ninth listener is over the limit counted across both processes: told to poll instead.
        assert status_of(url, "/api/now-playing/events") == 503
        write_now_playing(config, now_doc("Second", "Band"))
        for sock, _ in feeds:
            sock.settimeout(5)
            assert next_event(sock)["now"]["title"] == "Second"
        feeds.pop()[0].close()                  # a listener leaves: its place is free again
        deadline = time.monotonic() + 10
        while status_of(url, "/api/now-playing") == 200 and time.monotonic() < deadline:
            try:
                feeds.append(open_feed(url))
                break
            except AssertionError:              # not yet: the 503 answer has no event
                time.sleep(0.1)
        assert len(feeds) == 8
        sock, first = feeds[-1]
        sock.settimeout(5)
        # Each worker notices a change within 100 ms: a listener who lands on the other worker
        # just then is sent the older document first, then the change.
        title = first["now"]["title"] if first["now"]["title"] == "Second" else next_event(sock)["now"]["title"]
        assert title == "Second"
        for sock, _ in feeds:
            sock.close()
    assert server.process.returncode == 0


def test_a_worker_that_dies_is_replaced(tmp_path):
    config = load_config(make_station(tmp_path / "st", web="workers = 2"), env={})
    write_now_playing(config, now_doc("Still Here", "Band"))
    server = RadiodWeb(config.station_dir)
    with server as url:
        before = workers_of(server.process.pid)
        os.kill(min(before), signal.SIGKILL)
        now = workers_of(server.process.pid, besides={min(before)})
        assert len(now) == 2 and min(before) not in now
        for _ in range(10):                     # whichever process takes the connection answers
            with urllib.request.urlopen(url + "/api/now-playing", timeout=10) as r:
                assert json.loads(r.read())["now"]["title"] == "Still Here"
    assert server.process.returncode == 0


def test_a_request_body_of_a_gibibyte_is_refused_before_it_is_read(tmp_path):
    config = load_config(make_station(tmp_path / "st", web="workers = 1"), env={})
    with RadiodWeb(config.station_dir) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")
            assert sock.makefile("rb").readline().startswith(b"HTTP/1.1 413")
