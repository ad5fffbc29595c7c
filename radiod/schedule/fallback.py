"""The fallback chain of a schedule resolved against the library: its categories and playlist tracks.

One resolution serves the planner (which fills gaps from the chain) and playout's runtime
fallback (which plays when the log has nothing), so both fall back to the same music.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from radiod.library.model import Track
from radiod.schedule.model import Schedule


@dataclass(frozen=True)
class FallbackChain:
    """The chain's categories (in order, only those the schedule defines) and playlist tracks."""

    categories: tuple[str, ...]
    playlist: tuple[Track, ...]


def path_index(tracks: Sequence[Track], media_roots: Sequence[Path | str]) -> dict[str, Track]:
    """Track by path relative to a media root (for fixed items and playlists)."""
    roots = [Path(r).as_posix().rstrip("/") + "/" for r in media_roots]
    index: dict[str, Track] = {}
    for t in tracks:
        for root in roots:
            if t.path.startswith(root):
                index.setdefault(t.path[len(root):], t)
    return index


def chain_categories(schedule: Schedule) -> tuple[str, ...]:
    """The categories of the chain, in order (an unknown one is an error of `radiod check`)."""
    return tuple(e.category for e in schedule.fallback if e.category in schedule.categories)


def resolve_chain(schedule: Schedule, tracks: Sequence[Track], media_roots: Sequence[Path | str],
                  by_path: dict[str, Track] | None = None) -> FallbackChain:
    """The chain with playlist entries found in the library (entries not in it are passed over)."""
    if by_path is None:
        by_path = path_index(tracks, media_roots) if any(e.paths for e in schedule.fallback) else {}
    playlist = tuple(t for entry in schedule.fallback for p in entry.paths if (t := by_path.get(p.strip("/"))))
    return FallbackChain(chain_categories(schedule), playlist)
