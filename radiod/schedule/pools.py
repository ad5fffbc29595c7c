"""Which library tracks belong to a category (folder, tags, artist facts, release window)."""

from __future__ import annotations

import functools
from datetime import date, timedelta
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


def build_pools(categories: Iterable[Category], tracks: Sequence[Track], media_roots: Sequence[Path | str],
                day: date, *, ignore_release: bool = False) -> dict[str, list[Track]]:
    """Category id → its tracks, in library order (``ignore_release``: every filter but the release window).

    Filter by filter over the whole library, with no call per track (a library of 200,000 tracks is
    filtered once per category on every plan); tests/schedule/test_pools.py holds the per-track rule.
    """
    pools = {}
    under: dict[tuple[str, ...], list[Track]] = {}      # categories sharing folders share this pass
    for category in categories:
        prefixes = folder_prefixes(category, media_roots)
        pool = under.get(prefixes)
        if pool is None:
            if not prefixes:
                pool = list(tracks)
            elif media_roots:
                pool = [t for t in tracks if t.path.startswith(prefixes)]
            else:
                pool = [t for t in tracks if any(p in t.path for p in prefixes)]
            under[prefixes] = pool
        if category.local is not None:
            pool = [t for t in pool if t.local == category.local]
        if category.genres:
            pool = [t for t in pool if t.genre.casefold() in category.genres]
        if category.languages:
            pool = [t for t in pool if t.language.casefold() in category.languages]
        if category.released_within_days is not None and not ignore_release:
            pool = released_by(category, pool, day)
        low, high = category.min_ms, category.max_ms
        pool = [t for t in pool if (n := t.cue_out_ms - t.cue_in_ms) > 0 and n >= low and (high is None or n <= high)]
        pools[category.id] = pool
    return pools


def released_by(category: Category, tracks: Iterable[Track], day: date) -> list[Track]:
    """The tracks ``released_within`` keeps for the category on ``day``, in their order."""
    return released_among(category, [(release_day(t.release_date), t) for t in tracks], day)


def released_among(category: Category, dated: Sequence[tuple[date | None, Track]], day: date) -> list[Track]:
    """``released_by`` over (release day, track) pairs worked out once (a release window moves daily)."""
    if category.released_within_days is None:
        return [t for _, t in dated]
    first = day - timedelta(days=category.released_within_days)
    return [t for released, t in dated if released is not None and first <= released <= day]
