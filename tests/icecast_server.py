"""A real Icecast 2 server on 127.0.0.1 for tests, with ffmpeg sources and real HTTP listeners.

Used by the listener-figure tests (``tests/playlog/test_icecast.py`` against the poller alone,
``tests/playout/test_listener_daemon.py`` against a real ``radiod run``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from radiod.playlog.listeners import http_fetch, parse_icestats

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


class Icecast(NamedTuple):
    url: str                                  # http://127.0.0.1:PORT
    add_source: Callable[[str], None]         # an ffmpeg tone sent to this mount
    process: subprocess.Popen                 # the server (to stop or freeze it)


@contextmanager
def icecast_server(directory: Path) -> Iterator[Icecast]:
    """Start icecast2 (as root: told to become its own user) and stop it with its sources."""
    port = free_port()
    # outside pytest's folders: they are private to root, and Icecast drops to its own user
    logdir = Path(tempfile.mkdtemp(prefix="radiod-icecast-"))
    changeowner = ""
    if os.geteuid() == 0:
        # Icecast refuses to run as root unless told which user to become
        changeowner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
        shutil.chown(logdir, "icecast2", "icecast")
    config = directory / "icecast.xml"
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

    def add_source(mount: str) -> None:
        sources.append(subprocess.Popen(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=440",
             "-c:a", "libmp3lame", "-b:a", "64k", "-content_type", "audio/mpeg", "-f", "mp3",
             f"icecast://source:srcpw@127.0.0.1:{port}/{mount}"], stdout=subprocess.DEVNULL))
        wait_until(lambda: f"/{mount}" in parse_icestats(http_fetch(f"{url}/status-json.xsl")), f"mount {mount}")

    try:
        wait_until(ready, "icecast to answer")
        yield Icecast(url, add_source, server)
    finally:
        server.send_signal(signal.SIGCONT)      # a test may have frozen it
        for p in sources + [server]:
            p.terminate()
            p.wait(10)
        shutil.rmtree(logdir, ignore_errors=True)


def listeners_on(url: str, mount: str) -> int:
    """What Icecast itself counts on ``mount`` now."""
    return parse_icestats(http_fetch(f"{url}/status-json.xsl")).get(mount, 0)


class Listener:
    """A real HTTP client reading the stream until closed."""

    def __init__(self, url: str):
        self.response = urllib.request.urlopen(url, timeout=10)
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.closed.is_set():
            try:
                if not self.response.read(4096):
                    break
            except (OSError, ValueError):       # closed under the reader
                break

    def close(self):
        self.closed.set()
        self.response.close()
        self.thread.join(10)
