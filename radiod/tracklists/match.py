"""Tracklist entries matched to library tracks and the artist registry.

An entry matches a track by ISRC when it has one, else by artist keys and title (case, accents
and punctuation ignored). An entry that matches nothing is kept as the DJ wrote it, flagged
unmatched; its artists are still looked up in the registry, so local artists a DJ played count
even when their songs are not in the station's library.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Protocol

from radiod.library.artists import artist_key, split_artists
from radiod.library.model import Track
from radiod.tracklists.model import Entry


class _Artist(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


class Registry(Protocol):
    """What matching needs of radiod.library.registry.ArtistRegistry."""

    def get(self, name_or_key: str) -> _Artist | None: ...
    def credit_keys(self, credit: str, split_keys: tuple[str, ...]) -> tuple[str, ...]: ...
    def is_local(self, name_or_key: str) -> bool: ...
    def __contains__(self, name_or_key: str) -> bool: ...


@dataclass(frozen=True)
class Matched:
    entry: Entry
    track: Track | None             # None: unmatched, kept as written
    artist_keys: tuple[str, ...]
    local: bool                     # the track's flag, else any credited artist local in the registry
    registered: bool                # some credited artist is in the registry

    @property
    def matched(self) -> bool:
        return self.track is not None


def title_key(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", text).strip()


def credit_keys(credit: str, registry: Registry) -> tuple[str, ...]:
    """The credit's artist keys, each an alias replaced by its registered artist's key."""
    keys = registry.credit_keys(credit, tuple(artist_key(name) for name in split_artists(credit)))
    return tuple(dict.fromkeys(_canonical(key, registry) for key in keys))


def _canonical(key: str, registry: Registry) -> str:
    artist = registry.get(key)
    return artist.key if artist is not None else key


def lookup_keys(entries: Iterable[Entry], registry: Registry) -> tuple[set[str], set[str]]:
    """(ISRCs, artist keys as the library files them) that a track matching one of ``entries``
    must have: each credit's own keys, and those of every name and alias of a registered artist it
    names — so the library can be asked by index for the few tracks worth comparing."""
    isrcs: set[str] = set()
    keys: set[str] = set()
    for entry in entries:
        if entry.isrc:
            isrcs.add(entry.isrc)
        names = [entry.artist]
        for key in (*_credit_split_keys(entry.artist), *credit_keys(entry.artist, registry)):
            artist = registry.get(key)
            if artist is not None:
                names += [artist.name, *artist.aliases]
        for name in names:
            keys.update(_credit_split_keys(name))
    return isrcs, keys


def _credit_split_keys(credit: str) -> tuple[str, ...]:
    return (artist_key(credit), *(artist_key(name) for name in split_artists(credit)))


def match_entries(entries: Iterable[Entry], tracks: Iterable[Track], registry: Registry) -> list[Matched]:
    by_isrc: dict[str, Track] = {}
    by_name: dict[tuple[frozenset[str], str], Track] = {}
    for known in tracks:
        if known.isrc:
            by_isrc.setdefault(known.isrc.replace("-", "").upper(), known)
        by_name.setdefault((frozenset(known.artist_keys), title_key(known.title)), known)
    found: list[Matched] = []
    for entry in entries:
        keys = credit_keys(entry.artist, registry)
        track: Track | None = (by_isrc.get(entry.isrc) if entry.isrc else None) \
            or by_name.get((frozenset(keys), title_key(entry.title)))
        if track is not None:
            keys = track.artist_keys
        registered = any(key in registry for key in keys)
        local = bool(track and track.local) or any(registry.is_local(key) for key in keys)
        found.append(Matched(entry, track, keys, local, registered))
    return found


def unmatched_by_artist(found: Iterable[Matched]) -> Counter[str]:
    """Unmatched entries counted per artist key (so the registry's aliases count as one)."""
    counts: Counter[str] = Counter()
    for item in found:
        if not item.matched:
            counts.update(item.artist_keys)
    return counts
