"""Choosing the next track: separation rules, the performance complement, fairness.

``Rotation`` holds what has played (history, then everything planned) and each category's tracks
in fairness order. ``candidates`` returns eligible tracks, fairest first; when none is eligible the
rules are bent one at a time in ``Rules.relax_order`` and the caller records which.

Fairness 'least_recent': a category is a queue ordered by last play (never played first, ties in
seeded random order); a played track goes to the back of every category holding it. Over time every
track of a category is played about equally often. 'random' picks uniformly among eligible tracks
(how Rivendell chooses), kept for comparison.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, NamedTuple, Sequence

from radiod.clock import to_ms
from radiod.library.artists import artist_key
from radiod.library.model import Track
from radiod.schedule.model import Rules

MINUTE_MS = 60_000
COMPLEMENT_WINDOW_MS = 3 * 60 * MINUTE_MS       # 17 U.S.C. §114(j)(13): "any 3-hour period"


# A play as a plain tuple in Play's field order (what tests and older callers pass).
PlayRow = tuple[int | None, tuple[str, ...], str, str, int | datetime]


class Play(NamedTuple):
    """One past play, as the play log reports it (``played_at``: epoch ms or an aware datetime)."""

    track_id: int | None
    artist_keys: tuple[str, ...]
    album: str
    title: str
    played_at: int | datetime


@dataclass(frozen=True)
class Entry:
    """A music play the rules look back at (from history or planned)."""

    at_ms: int
    track_id: int | None
    artists: frozenset[str]
    album: str          # normalised; '' never separates
    title: str          # normalised


def entry_of(track: Track, at_ms: int) -> Entry:
    title, album = title_album_keys(track)
    return Entry(at_ms, track.id, frozenset(track.artist_keys), album, title)


def entry_of_play(play: Play | PlayRow) -> Entry:
    track_id, artists, album, title, played_at = play
    at_ms = to_ms(played_at) if isinstance(played_at, datetime) else int(played_at)
    return Entry(at_ms, track_id, frozenset(artists), artist_key(album or ""), artist_key(title or ""))


_KEYS: dict[tuple[str, str], tuple[str, str]] = {}


def title_album_keys(track: Track) -> tuple[str, str]:
    """Normalised (title, album) of a track, memoised: the rules compare them for every candidate."""
    raw = (track.title, track.album)
    keys = _KEYS.get(raw)
    if keys is None:
        if len(_KEYS) > 500_000:
            _KEYS.clear()
        keys = _KEYS[raw] = (artist_key(track.title), artist_key(track.album))
    return keys


@dataclass
class Blocked:
    """What the rules forbid at one instant, per rule (so a rule can be dropped on its own)."""

    artist_separation: set[str]
    title_separation: set[str]
    track_ids: set[int]
    album_separation: set[str]
    complement_artists: set[str]
    complement_albums: set[str]
    keys: dict[int, tuple[str, str]] | None = None      # track id → (title, album) keys, memoised

    def allows(self, track: Track, relaxed: frozenset[str] = frozenset()) -> bool:
        return not self.broken(track, relaxed, first_only=True)

    def broken(self, track: Track, relaxed: frozenset[str] = frozenset(), *, first_only: bool = False) -> list[str]:
        """The rules this track would break (those in ``relaxed`` are ignored)."""
        out = []
        keys = self.keys.get(track.id) if self.keys is not None else None
        if keys is None:
            keys = title_album_keys(track)
            if self.keys is not None:
                self.keys[track.id] = keys
        title, album = keys
        if "artist_separation" not in relaxed and not self.artist_separation.isdisjoint(track.artist_keys):
            out.append("artist_separation")
            if first_only:
                return out
        if "title_separation" not in relaxed and (
                track.id in self.track_ids or title in self.title_separation):
            out.append("title_separation")
            if first_only:
                return out
        if "album_separation" not in relaxed and album and album in self.album_separation:
            out.append("album_separation")
            if first_only:
                return out
        if "performance_complement" not in relaxed and (
                not self.complement_artists.isdisjoint(track.artist_keys)
                or (album and album in self.complement_albums)):
            out.append("performance_complement")
        return out


def blocked_at(recent: Sequence[Entry], at_ms: int, rules: Rules) -> Blocked:
    """Everything the rules forbid for a track starting at ``at_ms``, given plays before it."""
    sep = rules.separation
    b = Blocked(set(), set(), set(), set(), set(), set())
    look_ms = max(sep.artist_minutes, sep.title_minutes, sep.album_minutes) * MINUTE_MS
    if rules.complement:
        look_ms = max(look_ms, COMPLEMENT_WINDOW_MS)
    look_songs = max(sep.artist_songs, sep.title_songs, sep.album_songs, 3 if rules.complement else 0)
    artist_count: dict[str, int] = {}
    album_count: dict[str, int] = {}
    songs = 0
    tail: list[Entry] = []                          # the last three plays, newest first
    for e in reversed(recent):
        age = at_ms - e.at_ms
        if age < 0:
            continue                                # planned later than this instant (not expected)
        if age >= look_ms and songs >= look_songs:
            break
        songs += 1
        if len(tail) < 3:
            tail.append(e)
        if age < sep.artist_minutes * MINUTE_MS or songs <= sep.artist_songs:
            b.artist_separation |= e.artists
        if age < sep.title_minutes * MINUTE_MS or songs <= sep.title_songs:
            if e.title:
                b.title_separation.add(e.title)
            if e.track_id is not None:
                b.track_ids.add(e.track_id)
        if e.album and (age < sep.album_minutes * MINUTE_MS or songs <= sep.album_songs):
            b.album_separation.add(e.album)
        if rules.complement and age < COMPLEMENT_WINDOW_MS:
            for key in e.artists:
                artist_count[key] = artist_count.get(key, 0) + 1
            if e.album:
                album_count[e.album] = album_count.get(e.album, 0) + 1
    if rules.complement:
        # At most 4 by one artist and 3 from one album in any 3 hours ...
        b.complement_artists |= {k for k, n in artist_count.items() if n >= 4}
        b.complement_albums |= {k for k, n in album_count.items() if n >= 3}
        # ... and at most 3 by one artist / 2 from one album in a row.
        if len(tail) >= 2 and tail[0].album and tail[0].album == tail[1].album:
            b.complement_albums.add(tail[0].album)
        if len(tail) == 3:
            b.complement_artists |= tail[0].artists & tail[1].artists & tail[2].artists
    return b


class Rotation:
    """Play state plus every category's tracks in fairness order."""

    def __init__(self, rules: Rules, pools: dict[str, list[Track]], history: Iterable[Play | PlayRow] = (),
                 rng: random.Random | None = None):
        self.rules = rules
        self.rng = rng or random.Random(0)
        self.recent: list[Entry] = sorted((entry_of_play(p) for p in history), key=lambda e: e.at_ms)
        self.last_played: dict[int, int] = {}
        for e in self.recent:
            if e.track_id is not None:
                self.last_played[e.track_id] = e.at_ms
        self.queues: dict[str, dict[int, Track]] = {}
        self.local_counts: dict[str, int] = {}
        self.lists: dict[str, list[Track]] = {}        # 'random' policy: each category as a list
        self.max_ms: dict[str, int] = {}
        self.min_ms: dict[str, int] = {}
        self.keys: dict[int, tuple[str, str]] = {}     # filled as tracks are first looked at
        for cid, tracks in pools.items():
            self.set_pool(cid, tracks)

    def set_pool(self, cid: str, tracks: list[Track]) -> None:
        """(Re)build one category's queue: never played first, then oldest play, ties shuffled."""
        shuffled = list(tracks)
        self.rng.shuffle(shuffled)
        last = self.last_played
        if last and min(last.values()) >= 0:
            # Never played (key -1) first in shuffled order, then the played ones by their last
            # play: the stable sort below, without a key call for each of a large library's tracks.
            played = [t for t in shuffled if t.id in last]
            played.sort(key=lambda t: last[t.id])
            shuffled = [t for t in shuffled if t.id not in last] + played
        elif last:
            shuffled.sort(key=lambda t: last.get(t.id, -1))
        self.queues[cid] = {t.id: t for t in shuffled}
        self.lists.pop(cid, None)
        self.local_counts[cid] = sum(t.local for t in shuffled)
        lengths = [t.cue_out_ms - t.cue_in_ms for t in shuffled]
        self.max_ms[cid] = max(lengths, default=0)
        self.min_ms[cid] = min(lengths, default=0)

    def update_pool(self, cid: str, tracks: list[Track]) -> None:
        """Change a category's tracks, keeping the queue order of those that stay (cheap when few change)."""
        queue = self.queues.get(cid)
        if queue is None:
            self.set_pool(cid, tracks)
            return
        wanted = {t.id for t in tracks}
        new = [t for t in tracks if t.id not in queue]
        if any(t.id in self.last_played for t in new):
            self.set_pool(cid, tracks)                 # newcomers that played go by their last play
            return
        for track_id in [i for i in queue if i not in wanted]:
            queue.pop(track_id)
        if new:                                        # never played: the front of the queue
            self.rng.shuffle(new)
            self.queues[cid] = queue = {**{t.id: t for t in new}, **queue}
            self.max_ms[cid] = max(self.max_ms.get(cid, 0), *(t.play_ms for t in new))
            old_min, new_min = self.min_ms.get(cid, 0), min(t.play_ms for t in new)
            self.min_ms[cid] = min(old_min, new_min) if old_min else new_min
        self.lists.pop(cid, None)
        self.local_counts[cid] = sum(1 for t in queue.values() if t.local)

    def size(self, cid: str) -> int:
        return len(self.queues.get(cid, ()))

    def has_local(self, cid: str) -> bool:
        return self.local_counts.get(cid, 0) > 0

    def blocked(self, at_ms: int) -> Blocked:
        b = blocked_at(self.recent, at_ms, self.rules)
        b.keys = self.keys
        return b

    def longest(self, cid: str) -> int:
        return self.max_ms.get(cid, 0)

    def shortest(self, cid: str) -> int:
        return self.min_ms.get(cid, 0)

    def candidates(self, cid: str, blocked: Blocked, limit: int, *, relaxed: frozenset[str] = frozenset(),
                   local: bool | None = None) -> list[Track]:
        """Up to ``limit`` eligible tracks of a category, fairest first (random order for 'random')."""
        queue = self.queues.get(cid, {})
        if local is True and not self.local_counts.get(cid):
            return []
        out: list[Track] = []
        if self.rules.fairness == "random":
            # Uniform among eligible tracks: sample positions until enough are found, then give up
            # on sampling and scan, so a mostly-blocked category still yields what it has.
            tracks = self.lists.setdefault(cid, list(queue.values()))
            seen: set[int] = set()
            for _ in range(4 * limit + 16):
                t = tracks[self.rng.randrange(len(tracks))] if tracks else None
                if t is None or t.id in seen:
                    continue
                seen.add(t.id)
                if (local is None or t.local == local) and blocked.allows(t, relaxed):
                    out.append(t)
                    if len(out) >= limit:
                        return out
            rest = [t for t in tracks if t.id not in seen and (local is None or t.local == local)
                    and blocked.allows(t, relaxed)]
            self.rng.shuffle(rest)
            return out + rest[:limit - len(out)]
        for t in queue.values():
            if (local is None or t.local == local) and blocked.allows(t, relaxed):
                out.append(t)
                if len(out) >= limit:
                    break
        return out

    def record(self, track: Track, at_ms: int) -> None:
        """A music track was planned at ``at_ms``: it counts for the rules and goes to the back."""
        # Kept in time order: history may hold plays later than this (a day planned again).
        bisect.insort(self.recent, entry_of(track, at_ms), key=lambda e: e.at_ms)
        self.last_played[track.id] = at_ms
        # A lookup in each queue (a handful) rather than a map of every track's categories,
        # which would cost a large library an entry per track and category on every plan.
        for queue in self.queues.values():
            if queue.pop(track.id, None) is not None:
                queue[track.id] = track

    def next_item(self, cid: str) -> Track | None:
        """A non-music item (station ID, jingle, PSA): the least recently used, no rules."""
        queue = self.queues.get(cid)
        if not queue:
            return None
        track = next(iter(queue.values()))
        queue.pop(track.id)
        queue[track.id] = track
        return track
