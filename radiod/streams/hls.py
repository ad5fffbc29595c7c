"""HLS playlists with EXT-X-PROGRAM-DATE-TIME, written by radiod from Liquidsoap's segment events.

Liquidsoap 2.1 writes segments but no program date-time, which a player needs to show what the
listener hears. For each segment Liquidsoap reports how much of radiod's air it had taken in when it
opened it, i.e. which of the frames radiod wrote begins the segment; radiod knows when that frame
was heard on the sound card: that instant is the segment's date-time.
"""

from __future__ import annotations

import collections
import logging
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from radiod.streams.outputs import HlsRendition, StreamPlan

log = logging.getLogger(__name__)

HeardOf = Callable[[float], float | None]     # seconds of air Liquidsoap took in → epoch ms it was heard

# When Liquidsoap opens a segment its AAC encoder (ffmpeg) has already taken in this much air past
# the segment's first sample (the encoder's frames and lookahead). Measured from outside, by
# decoding the segments (tests/streams/test_hls_dates.py): without it the dates were +65…+175 ms
# late (median +125 ms) in every condition; the lead is the codec's, so it is the same every run.
ENCODER_LEAD_S = 0.12


@dataclass(frozen=True)
class Segment:
    name: str
    sequence: int
    heard_epoch_ms: float
    duration_s: float
    discontinuity: bool = False    # the first after Liquidsoap (re)started: its timestamps start again


class _Open:
    def __init__(self, stream_s: float, heard_epoch_ms: float):
        self.stream_s = stream_s
        self.heard_epoch_ms = heard_epoch_ms


def date_time(epoch_ms: float) -> str:
    """ISO 8601 with milliseconds and zone, as HLS wants it."""
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


def media_playlist(segments: list[Segment], target_s: int, discontinuities: int = 0) -> str:
    """``discontinuities``: how many discontinuities have left the playlist (HLS counts them)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3",
             f"#EXT-X-TARGETDURATION:{max([target_s] + [math.ceil(s.duration_s) for s in segments])}",
             f"#EXT-X-MEDIA-SEQUENCE:{segments[0].sequence if segments else 0}"]
    if discontinuities:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuities}")
    for s in segments:
        if s.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXT-X-PROGRAM-DATE-TIME:{date_time(s.heard_epoch_ms)}", f"#EXTINF:{s.duration_s:.3f},", s.name]
    return "\n".join(lines) + "\n"


def master_playlist(renditions: tuple[HlsRendition, ...]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for r in renditions:
        lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={r.bitrate_kbps * 1100},CODECS="mp4a.40.2"', r.playlist]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)      # a reader sees the old playlist or the new one, never half of one


class HlsPlaylists:
    """Keeps each rendition's last segments and rewrites its playlist when one is complete."""

    def __init__(self, plan: StreamPlan, directory: Path, heard_of: HeardOf):
        self.plan = plan
        self.directory = directory
        self.heard_of = heard_of
        self._by_prefix = {f"{r.name}_": r for r in plan.hls}
        self._open: dict[str, _Open] = {}
        self._done: dict[str, collections.deque[Segment]] = {
            r.name: collections.deque(maxlen=plan.segments) for r in plan.hls}
        self._next = {r.name: 0 for r in plan.hls}      # media sequence: only ever grows
        self._gone = {r.name: 0 for r in plan.hls}      # discontinuities that left the playlist
        self._restarted = {r.name: False for r in plan.hls}

    def start(self) -> None:
        for r in self.plan.hls:
            _write(self.directory / r.playlist, media_playlist([], self.plan.segment_s))
        _write(self.directory / self.plan.master_playlist, master_playlist(self.plan.hls))

    def restarted(self) -> None:
        """Liquidsoap started again: it may reuse segment names, so the listed ones are withdrawn."""
        self._open.clear()
        for r in self.plan.hls:
            done = self._done[r.name]
            self._gone[r.name] += sum(s.discontinuity for s in done)
            done.clear()
            self._restarted[r.name] = self._next[r.name] > 0
            self._publish(r)

    def _publish(self, rendition: HlsRendition) -> None:
        done = self._done[rendition.name]
        try:
            _write(self.directory / rendition.playlist,
                   media_playlist(list(done), self.plan.segment_s, self._gone[rendition.name]))
        except OSError as exc:
            log.error("streams: HLS playlist %s not written: %s", rendition.playlist, exc)

    def event(self, state: str, at_s: float, air_s: float, stream_s: float, path: str) -> None:
        """One ``HLS STATE TIME AIR STREAM PATH`` line from Liquidsoap (from the supervisor's reader thread).

        The duration is the segment's audio (stream seconds), not the wall time between its
        events: a Liquidsoap catching up after a stall writes seconds of audio in a moment."""
        name = os.path.basename(path)
        rendition = next((r for p, r in self._by_prefix.items() if name.startswith(p) and name.endswith(".ts")), None)
        if rendition is None:
            return                 # Liquidsoap's own playlists
        if state == "opened":
            heard = self.heard_of(max(0.0, air_s - ENCODER_LEAD_S))
            self._open[name] = _Open(stream_s, heard if heard is not None else at_s * 1000)
        elif state == "closed" and (opened := self._open.pop(name, None)) is not None:
            done = self._done[rendition.name]
            sequence = self._next[rendition.name]
            self._next[rendition.name] = sequence + 1
            if len(done) == done.maxlen and done[0].discontinuity:
                self._gone[rendition.name] += 1          # about to slide out
            done.append(Segment(name, sequence, opened.heard_epoch_ms, max(0.001, stream_s - opened.stream_s),
                                discontinuity=self._restarted[rendition.name]))
            self._restarted[rendition.name] = False
            self._publish(rendition)
