"""The runtime fallback chain of a station: what playout plays when the log has nothing.

Built from the schedule's chain as the planner resolves it (:mod:`radiod.schedule.fallback`):
the chain's categories and playlist tracks, then the station IDs; and the playlist files a
manager may put on air by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Sequence

from radiod.clock import from_ms
from radiod.config import Config
from radiod.errors import ScheduleError
from radiod.library.model import Track
from radiod.playout.fallback import Fallback
from radiod.schedule.fallback import resolve_chain
from radiod.schedule.log import LogItem, Usage
from radiod.schedule.model import Schedule
from radiod.schedule.pools import build_pools


def runtime_fallback(schedule: Schedule | None, tracks: Sequence[Track], media_roots: Sequence[Path],
                     today: date) -> Fallback:
    """Emergency items (chain categories, then playlist tracks), then station IDs."""
    if schedule is None:
        return Fallback()
    cats = schedule.categories
    chain = resolve_chain(schedule, tracks, media_roots)
    pools = build_pools([cats[c] for c in chain.categories], list(tracks), media_roots, today)
    emergency = [fallback_item(t, c, "feature") for c in chain.categories for t in pools.get(c, [])]
    emergency += [fallback_item(t, "playlist", "feature") for t in chain.playlist]
    id_cats = [c for c in cats.values() if c.usage == "station_id"]
    ids = build_pools(id_cats, list(tracks), media_roots, today)
    station_ids = [fallback_item(t, c.id, "station_id") for c in id_cats for t in ids.get(c.id, [])]
    return Fallback(emergency, station_ids)


def fallback_item(track: Track, category: str, usage: Usage) -> LogItem:
    """A library track as a fallback item (its start is set when it is chosen)."""
    return LogItem(start=from_ms(0), length_ms=track.play_ms, kind="music" if usage == "feature" else usage,
                   source="fallback", usage=usage, category=category, track_id=track.id, path=track.path,
                   cue_in_ms=track.cue_in_ms, cue_out_ms=track.cue_out_ms, title=track.title,
                   artist=track.artist, local=track.local, loudness_lufs=track.loudness_lufs,
                   snapshot=track.snapshot())


def emergency_files(config: Config) -> list[Path]:
    """The fallback playlists' files that exist, resolved against the media folders, in order.

    Read from disk rather than the library, so a file copied in before the next scan can still be
    put on air by hand.
    """
    from radiod.schedule_files import load_schedule

    try:
        schedule = load_schedule(config.paths.schedules)
    except ScheduleError:
        return []
    found: list[Path] = []
    for entry in schedule.fallback:
        for rel in entry.paths:
            for root in config.paths.media:
                path = (Path(root) / rel).resolve()
                if path.is_file() and path not in found:
                    found.append(path)
                    break
    return found
