"""Listener figures from a real Icecast 2 server on 127.0.0.1, fed by ffmpeg, with real listeners."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from radiod.clock import FakeClock, to_ms
from radiod.playlog.listeners import ListenerPoller, http_fetch, parse_icestats

CONFIG = """<icecast>
  <limits><clients>20</clients><sources>4</sources><source-timeout>10</source-timeout></limits>
  <authentication><source-password>srcpw</source-password><admin-user>admin</admin-user>
    <admin-password>adminpw</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{logdir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><errorlog>-</errorlog><loglevel>1</loglevel></logging>
  <security><chroot>0</chroot>{changeowner}</security>
</icecast>
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, what: str, timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def icecast(tmp_path):
    port = free_port()
    # outside tmp_path: pytest's folders are private to root, and Icecast drops to its own user
    logdir = Path(tempfile.mkdtemp(prefix="radiod-icecast-"))
    changeowner = ""
    if os.geteuid() == 0:
        # Icecast refuses to run as root unless told which user to become
        changeowner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
        shutil.chown(logdir, "icecast2", "icecast")
    config = tmp_path / "icecast.xml"
    config.write_text(CONFIG.format(port=port, logdir=logdir, changeowner=changeowner))
    server = subprocess.Popen(["icecast2", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    sources: list[subprocess.Popen] = []

    def ready():
        if server.poll() is not None:
            raise AssertionError(f"icecast2 exited: {server.stderr.read().decode()[-500:]}")
        try:
            # right after start-up Icecast's XSL can emit broken JSON; wait for a real document
            return parse_icestats(http_fetch(f"{url}/status-json.xsl", timeout_ms=1000)) == {}
        except (OSError, ValueError):
            return False

    wait_until(ready, "icecast to answer")

    def add_source(mount: str) -> None:
        sources.append(subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=440",
             "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3",
             f"icecast://source:srcpw@127.0.0.1:{port}/{mount}"], stdout=subprocess.DEVNULL))
        wait_until(lambda: f"/{mount}" in parse_icestats(http_fetch(f"{url}/status-json.xsl")), f"mount {mount}")

    yield url, add_source
    for p in sources + [server]:
        p.terminate()
        p.wait(10)
    shutil.rmtree(logdir, ignore_errors=True)


class Listener:
    """A real HTTP client reading the stream until closed."""

    def __init__(self, url: str):
        self.response = urllib.request.urlopen(url, timeout=10)
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.closed.is_set():
            if not self.response.read(4096):
                break

    def close(self):
        self.closed.set()
        self.response.close()
        self.thread.join(10)


def test_listener_figures_from_a_real_icecast(icecast, log):
    url, add_source = icecast
    status = f"{url}/status-json.xsl"
    clock = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    poller = ListenerPoller(log, status, clock=clock)
    assert parse_icestats(http_fetch(status)) == {}          # no mount: 'source' absent
    assert poller.poll_once() == 0

    add_source("radio.mp3")                                  # one mount: 'source' is an object
    pid = log.open_play(started_at_ms=to_ms(clock.now()), source="rotation", usage="feature")
    listeners = [Listener(f"{url}/radio.mp3"), Listener(f"{url}/radio.mp3")]
    wait_until(lambda: parse_icestats(http_fetch(status)).get("/radio.mp3") == 2, "two listeners")
    clock.advance(10_000)
    assert poller.poll_once() == 2

    add_source("radio2.mp3")                                 # two mounts: 'source' is a list
    listeners.append(Listener(f"{url}/radio2.mp3"))
    wait_until(lambda: parse_icestats(http_fetch(status)) == {"/radio.mp3": 2, "/radio2.mp3": 1}, "three listeners")
    clock.advance(10_000)
    assert poller.poll_once() == 3

    listeners.pop(0).close()
    wait_until(lambda: parse_icestats(http_fetch(status)).get("/radio.mp3") == 1, "a listener to leave")
    clock.advance(10_000)
    assert poller.poll_once() == 2
    clock.advance(10_000)
    row = log.close_play(pid, ended_at_ms=to_ms(clock.now()), played_ms=40_000, end_reason="end")
    for listener in listeners:
        listener.close()

    assert (row["listeners_start"], row["listeners_peak"], row["listeners_end"]) == (0, 3, 2)
    assert row["listener_ms"] == (0 + 2 + 3 + 2) * 10_000
    assert row["performances"] == 3
