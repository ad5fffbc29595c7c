"""Stream titles: the item on air, read from the now-playing file, with the instant it is heard.

The engine writes ``now-playing.json`` when an item starts, up to a moment before its first
sample is heard, and puts that instant in ``now.started_at``. The stream feed turns the instant
into a position in the air it hands Liquidsoap, and Liquidsoap puts the title into the stream at
that position: the title changes with the audio on every mount, not when the file was written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

POLL_MS = 100        # how often the file's change time is looked at


@dataclass(frozen=True)
class TitleChange:
    heard_epoch_ms: float
    artist: str
    title: str

    def text(self) -> str:
        """The three lines Liquidsoap reads: where (filled in by the feed), artist, title."""
        return f"{_line(self.artist)}\n{_line(self.title)}"


def _line(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)[:200]


def parse_now_playing(raw: bytes) -> TitleChange | None:
    """The item on air in a now-playing document, or None (nothing on air, or not a document)."""
    try:
        doc = json.loads(raw)
        now = doc.get("now") if isinstance(doc, dict) else None
        if not isinstance(now, dict) or not isinstance(now.get("started_at"), str):
            return None
        started = datetime.fromisoformat(now["started_at"].replace("Z", "+00:00")).timestamp() * 1000
        return TitleChange(started, str(now.get("artist") or ""), str(now.get("title") or ""))
    except (ValueError, TypeError, AttributeError):
        return None


class NowPlayingTitles:
    """Polls the now-playing file (a stat per ``POLL_MS``) and reports each new item once."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._last: TitleChange | None = None
        self._polled_ms = -float(POLL_MS)

    def poll(self, now_ms: float) -> TitleChange | None:
        if now_ms - self._polled_ms < POLL_MS:
            return None
        self._polled_ms = now_ms
        try:
            st = os.stat(self.path)
            if (st.st_mtime_ns, st.st_size) == self._stamp:
                return None
            self._stamp = (st.st_mtime_ns, st.st_size)
            change = parse_now_playing(self.path.read_bytes()[:1_000_000])
        except OSError:
            return None
        if change is None or change == self._last:
            return None
        self._last = change
        return change
