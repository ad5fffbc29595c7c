"""What a tracklist is once read: entries at offsets into the show's file."""

from __future__ import annotations

from dataclasses import dataclass

from radiod.errors import RadiodError

MAX_BYTES = 256 * 1024          # a 3-hour show at one song a minute is under 20 KB
MAX_LINES = 2000                # far beyond any show; bounds the work a hostile file causes
MAX_PROBLEMS = 20               # problems listed before "and N more"


class TracklistError(RadiodError):
    """A tracklist refused; ``problems`` holds one located line each (``line 7: ...``)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Entry:
    """One song in the show: where it starts in the file, and how the DJ named it."""

    line: int                   # line in the tracklist file it came from (1-based)
    offset_ms: int              # start in the show's file
    artist: str
    title: str
    isrc: str = ""
    estimated: bool = False     # offset computed from track lengths, not written by the DJ program


@dataclass(frozen=True)
class Tracklist:
    format: str                 # 'cue', 'text', 'mixxx', 'rekordbox'
    entries: tuple[Entry, ...]


def fmt_time(ms: int) -> str:
    """61:20 or 1:01:20 style, as DJs write them (minutes past 59 shown as hours)."""
    s = ms // 1000
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
