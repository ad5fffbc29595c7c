"""Live segments into the as-played log: one row per stretch a DJ is on air, split at each
metadata update they send (so every song they announce is its own play, source 'live')."""

from __future__ import annotations

import itertools
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from radiod.clock import Clock, to_ms
from radiod.library.artists import artist_key, split_artists

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveEvent:
    """A live switch or DJ metadata. ``kind``: 'start', 'metadata' or 'end'."""

    kind: str
    at_ms: int                       # monotonic, like PlayerEvent.at_ms
    dj: str = ""
    show: str = ""
    title: str = ""
    artist: str = ""
    detail: str = ""
    metadata: dict = field(default_factory=dict)
    track_id: int | None = None      # a library track the live-log page named
    snapshot: dict = field(default_factory=dict)   # that track's Track.snapshot()
    logged_by: str = ""              # who named it on the live-log page ('' = the encoder)


LiveListener = Callable[[LiveEvent], None]


def parse_metadata(payload: str) -> dict[str, str]:
    """Liquidsoap's ``json.stringify`` of metadata (a list of pairs) → a dict (last value wins)."""
    try:
        pairs = json.loads(payload)
    except ValueError:
        return {}
    if isinstance(pairs, dict):
        return {str(k): str(v) for k, v in pairs.items()}
    return {str(p[0]): str(p[1]) for p in pairs if isinstance(p, list) and len(p) == 2}


def song_of(metadata: dict[str, str]) -> tuple[str, str]:
    """(title, artist) of a DJ's metadata update; Icecast's 'song' is "Artist - Title"."""
    title, artist = metadata.get("title", ""), metadata.get("artist", "")
    if not artist and " - " in title:
        artist, title = title.split(" - ", 1)
    return title.strip(), artist.strip()


class LiveLog:
    """A LiveListener writing play rows through a ``radiod.playlog.store.PlayLog``."""

    def __init__(self, playlog, clock: Clock):
        self.playlog = playlog
        self.clock = clock
        self._lock = threading.Lock()
        self._open: tuple[int, int] | None = None      # (play id, started wall ms)
        self._dj = ""
        self._show = ""
        self._detail = "live"
        self._rows = itertools.count(1)     # two rows may start in the same millisecond

    def __call__(self, event: LiveEvent) -> None:
        wall = self._wall(event.at_ms)
        with self._lock:
            if event.kind == "start":
                self._close(wall)
                self._dj, self._show = event.dj, event.show
                self._start(wall, title=f"{event.show} (live)" if event.show else "Live", artist=event.dj,
                            usage="talk", extra={})
            elif event.kind == "metadata" and self._open is not None:
                if not (event.title or event.artist):
                    return
                self._close(wall)
                if event.snapshot:      # a library track: its ISRC, keys and flags, like any play
                    extra = {k: v for k, v in event.snapshot.items() if k not in ("title", "artist")}
                else:
                    extra = {"album": event.metadata.get("album", "")}
                self._start(wall, title=event.title, artist=event.artist, usage="feature", extra=extra,
                            track_id=event.track_id, logged_by=event.logged_by)
            elif event.kind == "end":
                self._close(wall)

    def _start(self, wall: int, *, title: str, artist: str, usage: str, extra: dict,
               track_id: int | None = None, logged_by: str = "") -> None:
        # Artist keys as for library tracks, so reports count the DJ's songs like any other play.
        keys = [artist_key(a) for a in split_artists(artist)] if usage == "feature" else []
        snapshot = {"title": title, "artist": artist, "artist_keys": keys, **extra}
        play_id = self.playlog.open_play(started_at_ms=wall, source="live", usage=usage, show=self._show,
                                         track_id=track_id, snapshot=snapshot,
                                         item_key=f"live:{wall}:{self._dj}:{next(self._rows)}")
        self._open = (play_id, wall)
        # The row's detail says who named the song and whether the library knows it.
        self._detail = f"live: {self._dj}" if self._dj else "live"
        if logged_by:
            self._detail = f"live log: {logged_by}" + ("" if track_id else "; unmatched (as typed)")

    def _close(self, wall: int) -> None:
        if self._open is None:
            return
        play_id, started = self._open
        self._open = None
        self.playlog.close_play(play_id, ended_at_ms=wall, played_ms=max(0, wall - started), end_reason="end",
                                detail=self._detail)

    def _wall(self, mono_ms: int) -> int:
        return to_ms(self.clock.now()) + (mono_ms - self.clock.monotonic_ms())
