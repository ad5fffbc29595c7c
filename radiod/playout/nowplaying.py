"""state/now-playing.json: what is on air, written atomically on every change.

Listeners' pages and CDNs serve the file as it is, so it never exists half-written: it is written
to a temporary file in the same folder and moved into place with ``os.replace``. The format is in
docs/architecture.md; ``next`` is left out entirely when ``playout.hide_next`` is set.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from radiod.clock import Clock, iso, to_ms

NOW_FIELDS = ("play_id", "title", "artist", "album", "artist_keys", "local", "show", "source", "usage",
              "started_at", "expected_end", "length_ms")
NEXT_FIELDS = ("title", "artist", "local", "planned_start")


def document(status: dict[str, Any], *, station: str, hide_next: bool, updated_at_ms: int) -> dict[str, Any]:
    """The public now-playing document built from an engine status snapshot."""
    now = status.get("now")
    doc: dict[str, Any] = {
        "station": station,
        "updated_at": iso(updated_at_ms),
        "state": status.get("state", "stopped"),
        "now": None if now is None else {k: now.get(k) for k in NOW_FIELDS},
    }
    if not hide_next:
        nxt = status.get("next")
        doc["next"] = None if nxt is None else {k: nxt.get(k) for k in NEXT_FIELDS}
    show = status.get("show")
    doc["show"] = None if not show else {"title": show.get("title", ""), "hosts": list(show.get("hosts", [])),
                                         "start": show.get("start"), "end": show.get("end")}
    return doc


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so readers see either the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class NowPlayingWriter:
    """An engine ``on_change`` callback that keeps the now-playing file current."""

    def __init__(self, path: Path, *, station: str, hide_next: bool, clock: Clock):
        self.path = Path(path)
        self.station = station
        self.hide_next = hide_next
        self.clock = clock

    def __call__(self, status: dict[str, Any]) -> None:
        write_json_atomic(self.path, document(status, station=self.station, hide_next=self.hide_next,
                                              updated_at_ms=to_ms(self.clock.now())))
