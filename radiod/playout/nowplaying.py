"""state/now-playing.json: what is on air, defined once here and written atomically on every change.

The file holds exactly the bytes the panel serves (``/api/now-playing``, the live feed, the pages):
every privacy filter (``playout.hide_next``) is applied here, when it is written, and nowhere
again. It is written to a temporary file in the same folder and moved into place with
``os.replace``, so readers (the panel, a CDN, nginx) never see it half-written. The format is in
docs/architecture.md; ``next`` is left out entirely when ``playout.hide_next`` is set.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from radiod.clock import Clock, iso, to_ms


@dataclass(frozen=True)
class NowTrack:
    """The play on air."""
    play_id: int | None
    title: str
    artist: str
    album: str
    artist_keys: tuple[str, ...]
    local: bool
    show: str | None
    source: str | None
    usage: str | None
    started_at: str | None
    expected_end: str | None
    length_ms: int | None


@dataclass(frozen=True)
class NextTrack:
    """The play planned next (never published with ``playout.hide_next``)."""
    title: str
    artist: str
    local: bool
    planned_start: str | None


@dataclass(frozen=True)
class ShowNow:
    title: str
    hosts: tuple[str, ...]
    start: str | None
    end: str | None


@dataclass(frozen=True)
class NowPlaying:
    """The public now-playing document. ``next_hidden``: the station keeps its next play private,
    so the public form has no ``next`` key at all (not even null)."""
    station: str
    updated_at: str | None
    state: str
    now: NowTrack | None
    next: NextTrack | None
    show: ShowNow | None
    next_hidden: bool = False

    def public(self) -> dict[str, Any]:
        """The JSON object listeners get (key order is the documented one)."""
        doc: dict[str, Any] = {"station": self.station, "updated_at": self.updated_at, "state": self.state,
                               "now": _plain(self.now)}
        if not self.next_hidden:
            doc["next"] = _plain(self.next)
        doc["show"] = _plain(self.show)
        return doc

    def encode(self) -> bytes:
        """The document as served: compact UTF-8 JSON on one line (so one SSE ``data:`` line)."""
        return json.dumps(self.public(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _plain(part: NowTrack | NextTrack | ShowNow | None) -> dict[str, Any] | None:
    if part is None:
        return None
    return {name: list(value) if isinstance(value, tuple) else value for name, value in vars(part).items()}


def from_status(status: Mapping[str, Any], *, station: str, hide_next: bool, updated_at_ms: int) -> NowPlaying:
    """The document for an engine status snapshot (its ``state``, ``now``, ``next``, ``show``)."""
    now, nxt, show = status.get("now"), status.get("next"), status.get("show")
    return NowPlaying(
        station=station, updated_at=iso(updated_at_ms), state=str(status.get("state", "stopped")),
        now=None if now is None else NowTrack(
            play_id=now.get("play_id"), title=now.get("title", ""), artist=now.get("artist", ""),
            album=now.get("album", ""), artist_keys=tuple(now.get("artist_keys", ())),
            local=bool(now.get("local")), show=now.get("show"), source=now.get("source"),
            usage=now.get("usage"), started_at=now.get("started_at"), expected_end=now.get("expected_end"),
            length_ms=now.get("length_ms")),
        next=None if hide_next or nxt is None else NextTrack(
            title=nxt.get("title", ""), artist=nxt.get("artist", ""), local=bool(nxt.get("local")),
            planned_start=nxt.get("planned_start")),
        show=None if not show else ShowNow(
            title=show.get("title", ""), hosts=tuple(show.get("hosts", ())), start=show.get("start"),
            end=show.get("end")),
        next_hidden=hide_next)


def off_air(station: str, *, hide_next: bool) -> NowPlaying:
    """What is served before the daemon has written anything (or after its file was removed)."""
    return NowPlaying(station=station, updated_at=None, state="stopped", now=None, next=None, show=None,
                      next_hidden=hide_next)


def document(status: Mapping[str, Any], *, station: str, hide_next: bool, updated_at_ms: int) -> dict[str, Any]:
    """The public form of :func:`from_status` (what the file holds, as a JSON object)."""
    return from_status(status, station=station, hide_next=hide_next, updated_at_ms=updated_at_ms).public()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write a file so readers see either the old one or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON (indented, for people) so readers see either the old file or the new one."""
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


class NowPlayingWriter:
    """An engine ``on_change`` callback that keeps the now-playing file current."""

    def __init__(self, path: Path, *, station: str, hide_next: bool, clock: Clock):
        self.path = Path(path)
        self.station = station
        self.hide_next = hide_next
        self.clock = clock

    def __call__(self, status: Mapping[str, Any]) -> None:
        doc = from_status(status, station=self.station, hide_next=self.hide_next,
                          updated_at_ms=to_ms(self.clock.now()))
        write_bytes_atomic(self.path, doc.encode())
