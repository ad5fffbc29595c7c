"""The daemon's now-playing file as the panel serves it: one watcher thread follows the file and
fans changes out; ``answer`` and ``event`` turn the current copy into an HTTP answer and a
live-feed event.

The file already holds the public document, every privacy filter applied
(radiod/playout/nowplaying.py), so its bytes are served as they are and nothing is filtered
again. The daemon replaces the file atomically on each change, so a change shows as a new
(inode, mtime, size); polling ``stat`` every 100 ms costs next to nothing and works on every
filesystem, and listeners waiting for events sleep on one Condition.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radiod.config import WebConfig
from radiod.playout import off_air
from radiod_web.headers import Headers, answer_headers

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.1
PATH = "/api/now-playing"
CACHE_CONTROL = "public, max-age=1"


@dataclass(frozen=True)
class Snapshot:
    version: int
    doc: dict[str, Any]  # the parsed document, for the pages' templates
    body: bytes          # the file's bytes, served as they are by every answer
    etag: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Headers
    body: bytes


def _snapshot(version: int, body: bytes, doc: dict[str, Any]) -> Snapshot:
    return Snapshot(version, doc, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _read(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """The file's bytes and the object they hold; None when there is no file. Raises ValueError
    or OSError for a file that is not a JSON object."""
    try:
        body = path.read_bytes().strip()
    except FileNotFoundError:
        return None
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return body, doc


class NowPlayingHub:
    def __init__(self, path: Path, *, station: str, hide_next: bool):
        self.path = Path(path)
        absent = off_air(station, hide_next=hide_next)
        self._absent = (absent.encode(), absent.public())
        self._cond = threading.Condition()
        self._signature: tuple[int, int, int] | None = None
        self._snapshot = _snapshot(0, *self._absent)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.poll()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def current(self) -> Snapshot:
        return self._snapshot

    def poll(self) -> bool:
        """Look at the file once; publish and wake waiters when it changed. True when it did."""
        try:
            st = os.stat(self.path)
            signature: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            signature = None
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            read = _read(self.path) if signature is not None else None
        except (OSError, ValueError) as exc:
            # Keep what listeners saw last; the next good write replaces it.
            log.warning("%s: unreadable now-playing file: %s", self.path, exc)
            return False
        body, doc = read or self._absent
        if body == self._snapshot.body:
            return False
        with self._cond:
            self._snapshot = _snapshot(self._snapshot.version + 1, body, doc)
            self._cond.notify_all()
        return True

    def wait_for_change(self, after_version: int, timeout_s: float) -> Snapshot:
        """Block until a snapshot newer than ``after_version`` exists, the timeout passes, or the
        hub stops; returns the current snapshot either way."""
        with self._cond:
            self._cond.wait_for(lambda: self._snapshot.version > after_version or self._stopping,
                                timeout=timeout_s)
            return self._snapshot

    def _run(self) -> None:
        while not self._stopping:
            try:
                self.poll()
            except Exception:  # never let one bad read end the watcher
                log.exception("now-playing watcher")
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, timeout=POLL_INTERVAL_S)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="now-playing-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)


def matches(etag: str, if_none_match: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (so 304 is the answer)."""
    if not if_none_match:
        return False
    sent = [tag.strip() for tag in if_none_match.split(",")]
    return etag in sent or f"W/{etag}" in sent or "*" in sent


def answer(snap: Snapshot, web: WebConfig, *, origin: str | None, if_none_match: str) -> Answer:
    """GET /api/now-playing: the file's bytes with their ETag, or 304 when the client has them.
    The one answer for Flask and for the event loop alike."""
    headers = answer_headers(web, path=PATH, origin=origin) + [
        ("Cache-Control", CACHE_CONTROL), ("ETag", snap.etag)]
    if matches(snap.etag, if_none_match):
        return Answer(304, headers, b"")
    return Answer(200, headers + [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(snap.body)))], snap.body)


def event(snap: Snapshot) -> bytes:
    """One live-feed event carrying the document (each line of it a ``data:`` line, as SSE wants)."""
    return b"id: %d\nevent: now-playing\ndata: %s\n\n" % (snap.version, snap.body.replace(b"\n", b"\ndata: "))
