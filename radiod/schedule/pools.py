"""Which library tracks belong to a category (folder, tags, artist facts, release window)."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from radiod.library.model import Track
from radiod.schedule.model import Category


@functools.lru_cache(maxsize=16384)
def release_day(text: str) -> date | None:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' → the first day it can mean; None when unknown."""
    parts = (text or "").strip()[:10].split("-")
    try:
        numbers = [int(p) for p in parts if p]
        if not numbers:
            return None
        return date(numbers[0], numbers[1] if len(numbers) > 1 else 1, numbers[2] if len(numbers) > 2 else 1)
    except ValueError:
        return None


def folder_prefixes(category: Category, media_roots: Sequence[Path | str]) -> tuple[str, ...]:
    """Absolute path prefixes a track must start with; without media roots, '/folder/' fragments."""
    if not media_roots:
        return tuple(f"/{folder}/" for folder in category.folders)
    return tuple(f"{Path(root).as_posix().rstrip('/')}/{folder}/"
                 for root in media_roots for folder in category.folders)


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


def build_pools(categories: Iterable[Category], tracks: Sequence[Track], media_roots: Sequence[Path | str],
                day: date, *, ignore_release: bool = False) -> dict[str, list[Track]]:
    """Category id → its tracks, in library order (``ignore_release``: every filter but the release window)."""
    pools = {}
    for category in categories:
        prefixes = folder_prefixes(category, media_roots)
        anywhere = not media_roots
        pools[category.id] = [t for t in tracks if matches(category, t, prefixes, day, anywhere=anywhere,
                                                           ignore_release=ignore_release)]
    return pools
