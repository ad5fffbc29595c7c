"""The fallback chain: what plays when the log has nothing (an empty hour, a failed item, no log).

First the emergency items (a category or playlist, in turn), then a station-ID loop. A file that
failed is passed over until every candidate has failed, then all are tried again: the chain
never gives up for good, because a silent station is the one outcome that is never acceptable.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Callable, Sequence

from radiod.schedule.log import LogItem

# Gaps up to this long are bridged with items that fit (IDs, jingles) rather than a cut song.
SHORT_GAP_MS = 60_000


class Fallback:
    def __init__(self, emergency: Sequence[LogItem] = (), station_ids: Sequence[LogItem] = ()):
        self.chain: list[tuple[str, list[LogItem]]] = [
            ("emergency", [i for i in emergency if i.path]),
            ("station_id", [i for i in station_ids if i.path]),
        ]
        self._turn = {name: 0 for name, _ in self.chain}
        self.failed: set[str] = set()

    def __bool__(self) -> bool:
        return any(items for _, items in self.chain)

    def mark_failed(self, path: str) -> None:
        self.failed.add(path)

    def next_item(self, start: datetime, reason: str, room_ms: int | None = None,
                  usable: Callable[[str], bool] | None = None) -> LogItem | None:
        """The next fallback item starting at ``start``, or None when every candidate has failed.

        ``usable`` passes over files that cannot be reached now (their folder is away) without
        counting them as failed.

        When ``room_ms`` (the gap before a timed item) is short, an item that fits is preferred
        (else the shortest one), so a few seconds are bridged by a station ID rather than the
        first seconds of a song.
        """
        template = None
        if room_ms is not None and room_ms <= SHORT_GAP_MS:
            candidates = [t for _, items in self.chain for t in items
                          if t.path not in self.failed and (usable is None or usable(t.path))]
            fitting = [t for t in candidates if t.length_ms <= room_ms]
            if fitting:
                template = fitting[self._turn.setdefault("short", 0) % len(fitting)]
                self._turn["short"] += 1
            elif candidates:
                template = min(candidates, key=lambda t: t.length_ms)
        else:
            template = self._in_turn(usable)
        if template is None:
            self.failed.clear()      # everything failed once: try them all again next time
            return None
        return dataclasses.replace(template, start=start, source="fallback", timing="follow", tolerance_ms=0,
                                   snapshot={**template.snapshot, "fallback_reason": reason})

    def _in_turn(self, usable: Callable[[str], bool] | None = None) -> LogItem | None:
        """Emergency items in turn, then station IDs in turn, passing over failed files."""
        for name, items in self.chain:
            for _ in range(len(items)):
                template = items[self._turn[name] % len(items)]
                self._turn[name] += 1
                if template.path not in self.failed and (usable is None or usable(template.path)):
                    return dataclasses.replace(template, category=template.category or name)
        return None
