"""Library recordings found in a show's audio, and what people decide about them.

``LibraryIndex.load`` reads every stored fingerprint and builds the lookup index; ``find``
runs fpcalc on an audio file and matches it. ``record`` stores what was found as waiting
detections (those at or above ``fingerprints.accept_above`` are accepted at once, by 'auto').
A confirmed detection of a show's play row becomes an item row of that show in the play log (in
the same transaction), so it counts in every report from then on; a waiting or rejected one
counts nowhere.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from radiod.clock import Clock, to_ms
from radiod.db import transaction
from radiod.errors import RadiodError
from radiod.fingerprints import store
from radiod.fingerprints.fpcalc import fingerprint_file
from radiod.fingerprints.match import Index, detect
from radiod.library.model import Track
from radiod.library.query import load_track, load_tracks
from radiod.playlog.store import add_show_items, show_row

STATUSES = ("detected", "confirmed", "rejected")


@dataclass(frozen=True)
class Found:
    track_id: int
    start_ms: int
    end_ms: int
    track_offset_ms: int
    confidence: float


@dataclass(frozen=True)
class LibraryIndex:
    index: Index
    track_ids: tuple[int, ...]      # index position → library track id

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> "LibraryIndex":
        prints = store.load_prints(conn)
        by_hash: dict[str, int] = {}
        for track in load_tracks(conn):
            if track.content_hash in prints:
                by_hash.setdefault(track.content_hash, track.id)   # one track per content: the first
        hashes = sorted(by_hash)
        return cls(Index([prints[h] for h in hashes]), tuple(by_hash[h] for h in hashes))

    def find(self, audio: Path | str) -> list[Found]:
        query = fingerprint_file(audio)
        return [Found(self.track_ids[d.track], d.start_ms, d.end_ms, d.track_offset_ms, d.confidence)
                for d in detect(self.index, query)]


def record(conn: sqlite3.Connection, audio: Path | str, found: list[Found], clock: Clock, *,
           play_id: int | None = None, accept_above: float = 0.0) -> list[int]:
    """Store the detections of one audio file (again: no duplicates); returns the new ids."""
    at_ms = to_ms(clock.now())
    if play_id is not None:
        show = show_row(conn, play_id)
        if show is None or show["source"] != "show" or show["seq"] is None:
            raise RadiodError(f"play {play_id}: not a show row that has aired")
    new = []
    with transaction(conn):
        for f in found:
            n = store.add_detection(conn, audio=str(audio), play_id=play_id, start_ms=f.start_ms, end_ms=f.end_ms,
                                    track_id=f.track_id, track_offset_ms=f.track_offset_ms,
                                    confidence=f.confidence, at_ms=at_ms)
            if n is not None:
                new.append(n)
    if accept_above > 0:
        for n in new:
            d = store.detections(conn, ids=[n])[0]
            if d.confidence >= accept_above:
                decide(conn, n, "confirmed", by="auto", clock=clock)
    return new


def decide(conn: sqlite3.Connection, detection_id: int, status: str, *, by: str, clock: Clock) -> store.StoredDetection:
    """Confirm or reject a waiting detection; a confirmed one of a show row becomes its item row."""
    if status not in ("confirmed", "rejected"):
        raise RadiodError(f"detection {detection_id}: decision must be confirmed or rejected, got {status!r}")
    with transaction(conn):
        found = store.detections(conn, ids=[detection_id])
        if not found:
            raise RadiodError(f"detection {detection_id}: no such detection")
        if not store.decide(conn, detection_id, status, by=by, at_ms=to_ms(clock.now())):
            raise RadiodError(f"detection {detection_id}: already {found[0].status} by {found[0].decided_by}")
        d = found[0]
        if status == "confirmed" and d.play_id is not None:
            show = show_row(conn, d.play_id)
            track = load_track(conn, d.track_id)
            if show is None or track is None:
                raise RadiodError(f"detection {detection_id}: its show row or track is gone")
            # The audio's time 0 is the show row's first heard sample (its file from where it
            # started playing, or the logger's span of the row).
            played = min(d.end_ms, max(0, int(show["played_ms"] or 0))) - d.start_ms
            if played > 0:
                add_show_items(conn, d.play_id, [{
                    "entry_line": -d.id, "file_offset_ms": d.start_ms,
                    "started_at_ms": show["started_at_ms"] + d.start_ms,
                    "ended_at_ms": show["started_at_ms"] + d.start_ms + played, "played_ms": played,
                    "track_id": track.id, "title": track.title, "artist": track.artist, "album": track.album,
                    "label": track.label, "isrc": track.isrc, "local": track.local,
                    "artist_keys": track.artist_keys}])
    return store.detections(conn, ids=[detection_id])[0]


@dataclass(frozen=True)
class Listed:
    detection: store.StoredDetection
    track: Track | None
    show_id: str            # the show of its play row ('' without one): who may decide it


def listing(conn: sqlite3.Connection, status: str | None = "detected") -> list[Listed]:
    """Stored detections (waiting ones by default) with their library tracks and shows."""
    out = []
    for d in store.detections(conn, status=status):
        show = show_row(conn, d.play_id) if d.play_id is not None else None
        out.append(Listed(d, load_track(conn, d.track_id), str(show.get("show_id") or "") if show else ""))
    return out
