"""Tracklist coverage: the share of aired music time that names a recording, per show and overall.

Read from itemised rows (radiod.playlog.store.read_itemised): a rotation song names its
recording for all its time; a show's time is named only where an item row covers it, so a show
without a tracklist is 0 % and the talk between a show's songs is not named either. A show's
files count whatever their usage (a show file is mostly music even when logged as talk), its
imaging (IDs, jingles, promos, PSAs, sponsorship) never; outside shows, only music usages count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from radiod.reports.period import Period

COLUMNS = ("id", "started_at_ms", "played_ms", "usage", "source", "show")
MUSIC_USAGES = ("feature", "theme", "background")
IMAGING = ("jingle", "promo", "station_id", "psa", "sponsorship")


@dataclass(frozen=True)
class Coverage:
    show: str                    # '' for the air outside shows
    music_ms: int
    named_ms: int

    @property
    def share(self) -> float:
        return self.named_ms / self.music_ms if self.music_ms else 1.0


def coverage(rows: Iterable[Mapping[str, Any]], period: Period) -> tuple[list[Coverage], Coverage]:
    """(per show, most air time first; overall) for the rows started in the period."""
    music: dict[str, int] = {}
    named: dict[str, int] = {}
    seen_shows: set[int] = set()
    for r in rows:
        if not period.contains(r["started_at_ms"]) or not r["played_ms"]:
            continue
        if r["source"] == "show" and r["usage"] not in IMAGING:
            key = r["show"]
            if "item_id" in r:                      # a song inside the show
                named[key] = named.get(key, 0) + r["played_ms"]
                if r["id"] not in seen_shows:       # the show row's own time, once
                    seen_shows.add(r["id"])
                    music[key] = music.get(key, 0) + r["show_played_ms"]
            else:
                music[key] = music.get(key, 0) + r["played_ms"]
        elif r["source"] != "show" and r["usage"] in MUSIC_USAGES:
            music[""] = music.get("", 0) + r["played_ms"]
            named[""] = named.get("", 0) + r["played_ms"]
    shows = sorted((Coverage(k, v, min(v, named.get(k, 0))) for k, v in music.items()),
                   key=lambda c: (-c.music_ms, c.show))
    overall = Coverage("", sum(c.music_ms for c in shows), sum(c.named_ms for c in shows))
    return shows, overall
