"""Library rows → ``Track`` objects for the planner, playout and reports."""

from __future__ import annotations

import gc
import sqlite3
from typing import Iterable

from radiod.library import store
from radiod.library.artists import artist_key, split_artists
from radiod.library.model import Track
from radiod.library.registry import ArtistRegistry

# Fields a manager may override in the panel (track_overrides.field). 'local' takes yes/no/true/
# false/1/0, the cue points integer milliseconds; unreadable values and other fields are ignored.
OVERRIDABLE = ("title", "artist", "album", "label", "isrc", "composer", "lyricist", "release_date",
               "genre", "language", "local", "cue_in_ms", "cue_out_ms")



def load_tracks(conn: sqlite3.Connection, registry: ArtistRegistry | None = None) -> list[Track]:
    """Every playable track: status 'ok' and not found undecodable by the analysis pass.

    Length is the analysed (decoded) length when known, else the container's; cue points come from
    the analysis, else 0 and the length. ``local`` is the file's LOCAL tag when set, else whether any
    credited artist is local in the registry. Manager overrides are applied last.
    """
    return _load(conn, registry, None)


def load_track(conn: sqlite3.Connection, track_id: int, registry: ArtistRegistry | None = None) -> Track | None:
    """One playable track by id, or None."""
    tracks = _load(conn, registry, track_id)
    return tracks[0] if tracks else None


def load_candidates(conn: sqlite3.Connection, registry: ArtistRegistry | None, *, isrcs: Iterable[str],
                    artist_keys: Iterable[str]) -> list[Track]:
    """The playable tracks with one of ``isrcs`` or credited to one of ``artist_keys`` (plus the
    manager-overridden ones): what a tracklist can match, read by index rather than the whole library."""
    ids = store.ids_by_isrc_or_artist(conn, isrcs, artist_keys)
    registry = registry or ArtistRegistry()
    credits = store.credit_keys(conn, ids)
    overrides = store.all_overrides(conn)
    return [_track(row, tuple(credits.get(row[0], ())), overrides.get(row[0], {}), registry)
            for row in store.playable_rows_among(conn, ids)]


def _load(conn: sqlite3.Connection, registry: ArtistRegistry | None, track_id: int | None) -> list[Track]:
    registry = registry or ArtistRegistry()
    credits = store.credit_keys(conn)
    overrides = store.all_overrides(conn)
    shared: dict = {}
    # The cyclic collector would walk the growing heap again and again while 200,000 tracks are
    # built (a fifth of the load time); tracks hold no cycles, so it pauses until they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [_track(row, tuple(credits.get(row[0], ())), overrides.get(row[0], {}), registry, shared)
                for row in store.playable_rows(conn, track_id)]
    finally:
        if collecting:
            gc.enable()


def playable_count(conn: sqlite3.Connection) -> int:
    """How many tracks load_tracks would return, counted by SQLite."""
    return store.playable_count(conn)


SEARCH_MISSING = ("isrc", "label", "composer")     # the "missing field" filters of the Library page


def search_tracks(conn: sqlite3.Connection, registry: ArtistRegistry | None = None, *, q: str = "",
                  local: str = "", missing: str = "", limit: int = 200) -> tuple[list[Track], int]:
    """The Library page's search: (the first ``limit`` playable tracks by id, how many match).

    A track matches when its title, artist, album or path contains ``q`` (case-insensitively),
    ``local`` is '' or 'yes'/'no' as its local flag says, and ``missing`` is '' or one of
    SEARCH_MISSING that it lacks — all after overrides, as load_tracks reads them. Tracks without
    overrides are counted and paged by SQLite where it can decide (text with ASCII case folding,
    missing fields); the local flag, which needs the artist registry, and overridden tracks are
    checked here on streamed rows. Only ``limit`` tracks are ever built.
    """
    registry = registry or ArtistRegistry()
    q = q.strip().casefold()
    local = local if local in ("yes", "no") else ""
    missing = missing if missing in SEARCH_MISSING else ""
    overridden = store.all_overrides(conn)

    def wanted(track: Track) -> bool:
        return ((not q or q in f"{track.title}\n{track.artist}\n{track.album}\n{track.path}".casefold())
                and (not local or track.local == (local == "yes"))
                and (not missing or not getattr(track, missing)))

    # Overridden tracks (a manager's handful): built and checked one by one.
    extra = [t for t in (_track(tuple(r[:-1]), _keys(r[-1]), overridden[r[0]], registry)
                         for r in store.search_rows(conn, *store.search_filter("", "", "", only_ids=list(overridden))))
             if wanted(t)]
    # Without local artists in the registry a track is local exactly when its tag says so.
    tag_decides = not registry.has_local()
    where, args = store.search_filter(q if q.isascii() else "", local, missing, without_ids=list(overridden),
                                      local_by_tag=tag_decides)
    if (not local or tag_decides) and q.isascii():
        total = store.search_count(conn, where, args)
        page = [_track(tuple(r[:-1]), _keys(r[-1]), {}, registry)
                for r in store.search_rows(conn, where, args, limit=limit)]
    else:
        total, page = 0, []
        for row in store.search_rows(conn, where, args):
            track = _track(tuple(row[:-1]), _keys(row[-1]), {}, registry)
            if wanted(track):
                total += 1
                if len(page) < limit:
                    page.append(track)
    found = sorted(page + extra, key=lambda t: t.id)[:limit]
    return found, total + len(extra)


def _keys(text: str | None) -> tuple[str, ...]:
    return tuple(text.split("\x1f")) if text else ()


def _track(row: sqlite3.Row | tuple, keys: tuple[str, ...], overrides: dict[str, str | None],
           registry: ArtistRegistry, shared: dict | None = None) -> Track:
    """A Track from a playable row; ``shared``: one copy of each repeated text for the whole load."""
    (track_id, path, title, artist, album, label, isrc, composer, lyricist, release_date, genre,
     language, tag_length, local_tag, content_hash, decoded_length, cue_in, cue_out, lufs, peak) = row
    if shared is not None:
        # A library repeats its artists, albums, labels, dates, genres and languages: SQLite gives
        # each row its own copies, which for 200,000 tracks is tens of megabytes held while planning.
        one = shared.setdefault
        artist, album, label, composer = one(artist, artist), one(album, album), one(label, label), one(composer, composer)
        lyricist, release_date, genre = one(lyricist, lyricist), one(release_date, release_date), one(genre, genre)
        language, keys = one(language, language), one(keys, keys)
    local: bool | None = None
    if overrides:                        # a manager's handful; the rest skip this (the planner loads every track)
        text = {"title": title, "artist": artist, "album": album, "label": label, "isrc": isrc,
                "composer": composer, "lyricist": lyricist, "release_date": release_date, "genre": genre,
                "language": language}
        for name, value in overrides.items():
            if name in text:
                text[name] = value
        (title, artist, album, label, isrc, composer, lyricist, release_date, genre,
         language) = text.values()
        if "artist" in overrides:
            keys = tuple(artist_key(n) for n in split_artists(artist or ""))
        cue_in = _int(overrides.get("cue_in_ms"), cue_in)
        cue_out = _int(overrides.get("cue_out_ms"), cue_out)
        local = _flag(overrides.get("local"))
    keys = registry.credit_keys(artist or "", keys)
    length = decoded_length if decoded_length else (tag_length or 0)
    cue_in = min(max(0, cue_in or 0), length)
    cue_out = cue_out if cue_out is not None and cue_in < cue_out <= length else length
    if local is None:
        local = bool(local_tag) if local_tag is not None else any(registry.is_local(k) for k in keys)
    return Track(id=track_id, path=path, artist_keys=keys, length_ms=length, cue_in_ms=cue_in,
                 cue_out_ms=cue_out, loudness_lufs=lufs, true_peak_dbtp=peak, local=local,
                 content_hash=content_hash or "", title=title or "", artist=artist or "", album=album or "",
                 label=label or "", isrc=isrc or "", composer=composer or "", lyricist=lyricist or "",
                 release_date=release_date or "", genre=genre or "", language=language or "")


def _int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _flag(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    return True if text in ("1", "true", "yes") else False if text in ("0", "false", "no") else None
