"""Category pools and queues built for a large library give what the per-track rules give."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from radiod.library.model import Track
from radiod.library.registry import Artist, ArtistRegistry
from radiod.schedule.model import Category, Rules
from radiod.schedule.pools import build_pools, folder_prefixes, release_day, released_among, released_by
from radiod.schedule.rotation import Rotation
from tests.schedule.helpers import MEDIA, track


# The per-track rules, as plainly written: what build_pools and released_among must give.
def released_within(category: Category, track: Track, day: date) -> bool:
    """Is the track recent enough for the category on ``day`` (released no later than it)?"""
    if category.released_within_days is None:
        return True
    released = release_day(track.release_date)
    return released is not None and released <= day and (day - released).days <= category.released_within_days


def matches(category: Category, track: Track, prefixes: tuple[str, ...], day: date, *,
            anywhere: bool = False, ignore_release: bool = False) -> bool:
    """Does the track pass every filter the category sets? (``anywhere``: prefixes are fragments)"""
    if prefixes:
        path = track.path
        if anywhere:
            if not any(p in path for p in prefixes):
                return False
        elif not path.startswith(prefixes):
            return False
    if category.local is not None and track.local != category.local:
        return False
    if category.genres and track.genre.casefold() not in category.genres:
        return False
    if category.languages and track.language.casefold() not in category.languages:
        return False
    if category.released_within_days is not None and not ignore_release and not released_within(category, track, day):
        return False
    length = track.play_ms
    return length > 0 and length >= category.min_ms and (category.max_ms is None or length <= category.max_ms)


DAY = date(2026, 11, 23)

CATEGORIES = [
    Category("all", "All"),
    Category("pop", "Pop", folders=("music/pop",)),
    Category("local-pop", "Local pop", folders=("music/pop", "music/local"), local=True),
    Category("not-local", "Not local", folders=("music/pop",), local=False),
    Category("rock-fr", "French rock", folders=("music",), genres=("rock",), languages=("fre", "fra")),
    Category("new", "New", folders=("music/pop", "music/local"), released_within_days=90),
    Category("short", "Short", folders=("music/pop",), min_ms=60_000, max_ms=200_000),
    Category("nested", "Nested", folders=("music",)),
    Category("none", "Nothing", folders=("music/jazz",)),
]


def library(n: int = 600, seed: int = 4) -> list[Track]:
    rng = random.Random(seed)
    tracks = []
    for i in range(1, n + 1):
        release = rng.choice(["", "2019", "2026-10", (DAY - timedelta(days=rng.randint(-10, 200))).isoformat(),
                              "not a date"])
        t = track(i, f"Artist {i % 37}", ms=rng.choice([0, 50_000, 180_000, 200_000, 260_000]),
                  local=rng.random() < 0.3, folder=rng.choice(["music/pop", "music/local", "music/rock", "ids"]),
                  release=release, language=rng.choice(["eng", "FRE", "fra", ""]),
                  genre=rng.choice(["Pop", "ROCK", "rock", ""]))
        tracks.append(t)
    return tracks


@pytest.mark.parametrize("roots", [[MEDIA], [MEDIA, "/other/media"], []])
@pytest.mark.parametrize("ignore_release", [False, True])
def test_pools_are_the_tracks_every_filter_keeps_in_library_order(roots: list[str], ignore_release: bool) -> None:
    tracks = library()
    random.Random(1).shuffle(tracks)            # library order is whatever the caller passes
    pools = build_pools(CATEGORIES, tracks, roots, DAY, ignore_release=ignore_release)
    for category in CATEGORIES:
        prefixes = folder_prefixes(category, roots)
        expected = [t for t in tracks if matches(category, t, prefixes, DAY, anywhere=not roots,
                                                 ignore_release=ignore_release)]
        assert [t.id for t in pools[category.id]] == [t.id for t in expected], category.id
    assert pools["none"] == []
    assert 0 < len(pools["local-pop"]) < len(pools["pop"]) < len(pools["all"])


def test_release_windows_over_many_days_match_released_within() -> None:
    tracks = library()
    new = CATEGORIES[5]
    dated = [(release_day(t.release_date), t) for t in tracks]
    for offset in range(-5, 120, 7):
        day = DAY + timedelta(days=offset)
        expected = [t.id for t in tracks if released_within(new, t, day)]
        assert [t.id for t in released_among(new, dated, day)] == expected
        assert [t.id for t in released_by(new, tracks, day)] == expected
    assert [t.id for t in released_among(CATEGORIES[0], dated, DAY)] == [t.id for t in tracks]


@pytest.mark.parametrize("history_ms", [None, (1_000, 5_000_000), (-3_000, 2_000)])
def test_queue_order_is_never_played_first_then_oldest_play(history_ms: tuple[int, int] | None) -> None:
    tracks = library(200)
    history = []
    if history_ms:
        rng = random.Random(9)
        history = [(t.id, t.artist_keys, t.album, t.title, rng.randint(*history_ms))
                   for t in rng.sample(tracks, 80)]
    rotation = Rotation(Rules(), {"pop": tracks}, history, random.Random(3))
    # The order as the queue was defined: a seeded shuffle, then a stable sort by last play (-1: never).
    shuffled = list(tracks)
    random.Random(3).shuffle(shuffled)
    last = {}
    for track_id, *_, at in sorted(history, key=lambda p: p[4]):
        last[track_id] = at
    shuffled.sort(key=lambda t: last.get(t.id, -1))
    assert list(rotation.queues["pop"]) == [t.id for t in shuffled]
    assert rotation.local_counts["pop"] == sum(1 for t in tracks if t.local)


def test_a_planned_track_goes_to_the_back_of_every_queue_holding_it() -> None:
    tracks = library(60)
    pools = build_pools(CATEGORIES[:3], tracks, [MEDIA], DAY)
    rotation = Rotation(Rules(), pools, (), random.Random(2))
    chosen = next(t for t in pools["local-pop"] if "/music/pop/" in t.path)
    elsewhere = next(t for t in pools["local-pop"] if "/music/local/" in t.path)
    pop_before = list(rotation.queues["pop"])
    rotation.record(chosen, 10_000)
    for cid in ("all", "pop", "local-pop"):
        assert list(rotation.queues[cid])[-1] == chosen.id
        assert len(rotation.queues[cid]) == len(pools[cid])
    rotation.record(elsewhere, 20_000)       # not in 'pop': that queue stays as it was
    assert list(rotation.queues["pop"]) == [i for i in pop_before if i != chosen.id] + [chosen.id]
    assert list(rotation.queues["local-pop"])[-2:] == [chosen.id, elsewhere.id]
    assert rotation.last_played[chosen.id] == 10_000


def test_registry_joins_a_registered_multi_artist_credit_only() -> None:
    registry = ArtistRegistry([Artist("Earth, Wind & Fire", local=False)])
    split = ("earth", "wind", "fire")
    assert registry.credit_keys("Earth, Wind & Fire", split) == (registry.get("Earth, Wind & Fire").key,)
    assert registry.credit_keys("Earth", ("earth",)) == ("earth",)
    assert registry.credit_keys("A & B", ("a", "b")) == ("a", "b")
    assert ArtistRegistry().credit_keys("Earth, Wind & Fire", split) == split
