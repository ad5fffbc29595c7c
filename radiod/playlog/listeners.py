"""Listener figures from Icecast's status JSON, fed into the open plays of the as-played log.

The daemon (``radiod run``) builds one ListenerPoller when ``reports.icecast_status_url`` is set,
on its own thread, writing into the play-log journal (the drainer puts the counts in SQLite)::

    poller = ListenerPoller(journaled_log, url, clock=clock, interval_ms=10_000,
                            fetch=partial(http_fetch, timeout_ms=3000))
    poller.start()  … poller.stop()

A poll never waits longer than the fetch's timeout, and a failed one is one log line (repeated
only when the error changes); the engine never waits for it.

Icecast's ``/status-json.xsl`` gives ``icestats.source`` as an object when one mount is up, a
list when several are, and leaves it out when none is.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import urlsplit

from radiod.clock import Clock, to_ms

log = logging.getLogger(__name__)

Fetch = Callable[[str], bytes]


class ListenerSink(Protocol):
    """Where counts go: the play log (``PlayLog`` in SQLite, or the daemon's journaled writer)."""

    def record_listeners(self, at_ms: int, listeners: int) -> int: ...


def http_fetch(url: str, timeout_ms: int = 5_000) -> bytes:
    """GET the status document (the default fetch function)."""
    with urllib.request.urlopen(url, timeout=timeout_ms / 1000) as response:
        body: bytes = response.read()
        return body


def parse_icestats(document: bytes | str | dict[str, Any]) -> dict[str, int]:
    """Listeners per mount ('/radio.mp3' → 12) from an Icecast status-json document."""
    data = json.loads(document) if isinstance(document, (bytes, str)) else document
    if not isinstance(data, dict) or not isinstance(data.get("icestats"), dict):
        raise ValueError("not an Icecast status document (no 'icestats' object)")
    sources = data["icestats"].get("source")
    if sources is None:
        return {}
    if isinstance(sources, dict):
        sources = [sources]
    mounts: dict[str, int] = {}
    for source in sources:
        if not isinstance(source, dict):
            continue
        mount = urlsplit(str(source.get("listenurl", ""))).path or str(source.get("server_name", "?"))
        try:
            mounts[mount] = mounts.get(mount, 0) + int(source.get("listeners") or 0)
        except (TypeError, ValueError):
            raise ValueError(f"{mount}: listeners is not a number: {source.get('listeners')!r}") from None
    return mounts


class ListenerPoller:
    """Polls the status URL every ``interval_ms`` and records the listener total on every open play."""

    def __init__(self, playlog: ListenerSink, url: str, *, clock: Clock, fetch: Fetch = http_fetch,
                 mounts: Iterable[str] = (), interval_ms: int = 10_000):
        self.playlog = playlog
        self.url = url
        self.clock = clock
        self.fetch = fetch
        # mounts to count, e.g. ['/radio.mp3']; empty = all of them
        self.mounts = {m if m.startswith("/") else f"/{m}" for m in mounts}
        self.interval_ms = interval_ms
        self.last_error = ""           # why Icecast could not be read ('' = it answers)
        self._record_error = ""        # why the play log refused the last count
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> int | None:
        """One poll; returns the listener total recorded, or None when the server could not be read."""
        try:
            per_mount = parse_icestats(self.fetch(self.url))
        except (OSError, urllib.error.URLError, ValueError) as exc:
            # keep the previous figure: a play's listener time goes on accruing at the last known count
            if str(exc) != self.last_error:
                log.warning("listener figures: %s: %s", self.url, exc)
            self.last_error = str(exc)
            return None
        if self.last_error:
            log.warning("listener figures: %s answers again", self.url)
        self.last_error = ""
        total = sum(n for m, n in per_mount.items() if not self.mounts or m in self.mounts)
        self.playlog.record_listeners(to_ms(self.clock.now()), total)
        return total

    def _poll(self) -> None:
        try:
            self.poll_once()
        except Exception as exc:       # the play log refused (e.g. a full disk): say so, poll again later
            if str(exc) != self._record_error:
                log.warning("listener figures not recorded: %s", exc)
            self._record_error = str(exc)
            return
        if self._record_error:
            log.warning("listener figures recorded again")
            self._record_error = ""

    def run(self) -> None:
        """Poll until stop() (the thread body; usable directly in a thread the caller owns)."""
        self._poll()
        while not self._stop.wait(self.interval_ms / 1000):
            self._poll()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="listener-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

