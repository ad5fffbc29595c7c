"""The fallback chain: what plays when the log has nothing (an empty hour, a failed item, no log).

First the emergency items (a category or playlist, in turn), then a station-ID loop. A file that
failed is passed over until every candidate has failed, then all are tried again: the chain
never gives up for good, because a silent station is the one outcome that is never acceptable.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Sequence

from radiod.schedule.log import LogItem


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

    def next_item(self, start: datetime, reason: str, room_ms: int | None = None) -> LogItem | None:
        """The next fallback item starting at ``start``, or None when every candidate has failed.

        With ``room_ms`` (a short gap before a timed item) an item that fits is preferred, so a
        few seconds are bridged by a station ID rather than the first seconds of a song.
        """
        for fits in ((True, False) if room_ms is not None else (False,)):
            item = self._pick(start, reason, room_ms if fits else None)
            if item is not None:
                return item
        self.failed.clear()      # everything failed once: try them all again next time
        return None

    def _pick(self, start: datetime, reason: str, room_ms: int | None) -> LogItem | None:
        for name, items in self.chain:
            for _ in range(len(items)):
                template = items[self._turn[name] % len(items)]
                self._turn[name] += 1
                if room_ms is not None and template.length_ms > room_ms:
                    continue
                if template.path not in self.failed:
                    return dataclasses.replace(
                        template, start=start, source="fallback", timing="follow", tolerance_ms=0,
                        category=template.category or name,
                        snapshot={**template.snapshot, "fallback_reason": reason})
        return None
