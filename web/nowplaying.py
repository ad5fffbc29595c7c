"""One watcher thread follows the daemon's now-playing file and fans changes out to every client.

The daemon replaces the file atomically on each change, so a change shows as a new
(inode, mtime, size). Polling ``stat`` every 100 ms costs next to nothing and works on every
filesystem; listeners waiting for server-sent events sleep on one Condition.
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

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.1
# Top-level keys published to listeners (anything else in the file stays private).
PUBLIC_KEYS = ("station", "updated_at", "state", "now", "next", "show")


@dataclass(frozen=True)
class Snapshot:
    version: int
    doc: dict[str, Any]
    body: bytes          # the public JSON, encoded once and shared by every response
    etag: str


def public_document(raw: dict[str, Any] | None, station: str, hide_next: bool) -> dict[str, Any]:
    """The listener-facing now-playing document; ``next`` is dropped when ``hide_next`` is set."""
    raw = raw or {}
    doc: dict[str, Any] = {key: raw.get(key) for key in PUBLIC_KEYS}
    doc["station"] = doc["station"] or station
    doc["state"] = doc["state"] or "stopped"
    if hide_next:
        del doc["next"]
    return doc


def _snapshot(version: int, doc: dict[str, Any]) -> Snapshot:
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Snapshot(version, doc, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


class NowPlayingHub:
    def __init__(self, path: Path, *, station: str, hide_next: bool):
        self.path = Path(path)
        self.station = station
        self.hide_next = hide_next
        self._cond = threading.Condition()
        self._signature: tuple[int, int, int] | None = None
        self._snapshot = _snapshot(0, public_document(None, station, hide_next))
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
            signature = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            signature = None
        if signature == self._signature:
            return False
        self._signature = signature
        if signature is None:
            raw = None
        else:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(raw, dict):
                    raise ValueError("not a JSON object")
            except FileNotFoundError:
                raw = None
            except (OSError, ValueError) as exc:
                # Keep what listeners saw last; the next good write replaces it.
                log.warning("%s: unreadable now-playing file: %s", self.path, exc)
                return False
        doc = public_document(raw, self.station, self.hide_next)
        if doc == self._snapshot.doc:
            return False
        with self._cond:
            self._snapshot = _snapshot(self._snapshot.version + 1, doc)
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
