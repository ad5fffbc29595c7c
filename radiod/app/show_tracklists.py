"""The play log's view of tracklists: a show file's entries, matched to the library, when it airs.

The daemon hands ``ShowTracklists`` to its play-log writer; when a show row opens, the writer
asks it for the file's tracklist (kept by radiod.tracklist_files under the show's folder name
and the file's name) and keeps the answer with the row, so the row's items are logged from what
the tracklist and the library said when the show aired.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

from radiod.errors import RadiodError, ScheduleError
from radiod.library.query import load_candidates
from radiod.library.registry import ArtistRegistry, load_registry, registry_path
from radiod.tracklist_files import load_tracklist, save_tracklist, tracklist_path
from radiod.tracklists import fmt_time, lookup_keys, match_entries, read_tracklist
from radiod.tracklists.airing import TimedEntry

log = logging.getLogger(__name__)


class ShowTracklists:
    def __init__(self, state_dir: Path, schedules_dir: Path, connect: Callable[[], sqlite3.Connection]):
        self.state_dir = Path(state_dir)
        self.schedules_dir = Path(schedules_dir)
        self.connect = connect
        self._cache: dict[tuple[str, str, int], list[dict[str, Any]]] = {}

    def __call__(self, show_id: str, snapshot: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        path = Path(str(snapshot.get("path") or ""))
        folder, name = path.parent.name, path.name      # uploads are filed as <uploads>/<show id>/<name>
        if not name:
            return None
        saved = tracklist_path(self.state_dir, folder, name)
        try:
            changed = saved.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        key = (folder, name, changed)
        if key in self._cache:
            return self._cache[key]
        tracklist = load_tracklist(self.state_dir, folder, name)
        if tracklist is None:
            return None
        entries, complete = self._entries(tracklist.entries)
        if complete:
            self._cache = {key: entries}        # one show at a time: keep one
        return entries

    def _entries(self, entries: Any) -> tuple[list[dict[str, Any]], bool]:
        """The entries matched, and whether the library could be read (else kept as written)."""
        try:
            registry = load_registry(registry_path(self.schedules_dir))
        except ScheduleError as exc:
            log.warning("tracklists: %s; matching without the artist registry", exc.problems[0])
            registry = ArtistRegistry()
        tracks: list[Any] = []
        complete = True
        entries = list(entries)
        isrcs, artist_keys = lookup_keys(entries, registry)
        try:
            conn = self.connect()
            try:
                # Indexed lookups: this runs when the show's row opens, on the air's own thread.
                tracks = load_candidates(conn, registry, isrcs=isrcs, artist_keys=artist_keys)
            finally:
                conn.close()
        except (sqlite3.Error, RadiodError) as exc:
            log.warning("tracklists: library not read (%s); the show's songs are logged as written", exc)
            complete = False
        timed = []
        for m in match_entries(entries, tracks, registry):
            e, t = m.entry, m.track
            timed.append(TimedEntry(
                line=e.line, offset_ms=e.offset_ms, artist=t.artist if t else e.artist, title=t.title if t else e.title,
                isrc=(t.isrc if t else "") or e.isrc, track_id=t.id if t else None, album=t.album if t else "",
                label=t.label if t else "", local=m.local, artist_keys=m.artist_keys, matched=m.matched))
        return [asdict(x) for x in timed], complete


def write_demo_tracklists(directory: Path, today: date) -> int:
    """Give the demo's pre-recorded show parts their tracklists (songs of the demo library, back
    to back, as the DJ would have typed them); returns how many songs they name."""
    from radiod.library.demo import SHOW_ID, plan_demo

    plan = plan_demo(today, load_registry(registry_path(directory / "schedules")))
    music = [f for f in plan if f.relpath.startswith("media/music/")]
    parts = [f for f in plan if f.relpath.startswith(f"uploads/{SHOW_ID}/")]
    named, n = 0, 0
    for part in parts:
        length_ms = round(part.seconds * 1000) + part.lead_silence_ms + part.tail_silence_ms
        lines, at = [], 0
        while at < length_ms - 1000:
            song = music[(n * 7) % len(music)]          # a stride through the catalogue: varied, repeatable
            n += 1
            lines.append(f"{fmt_time(at)} {song.tags['artist']} – {song.tags['title']}")
            at += round(song.seconds * 1000) + song.lead_silence_ms + song.tail_silence_ms
        tracklist = read_tracklist("\n".join(lines).encode(), length_ms)
        save_tracklist(directory / "state", SHOW_ID, Path(part.relpath).name, tracklist)
        named += len(tracklist.entries)
    return named
