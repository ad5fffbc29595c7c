"""Watching the streams of a running `radiod run` from outside, across its restarts: which
Liquidsoap child it has, whether an Icecast mount is up, and every HLS segment it lists with its
program date-time (each kept with the bytes it had when first listed)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from radiod.playlog.listeners import http_fetch
from tests.playout.daemon_station import wall_ms
from tests.streams.test_streams_daemon import children


@dataclass(frozen=True)
class Sample:
    at_ms: int
    liquidsoap: tuple[int, ...]      # the daemon's Liquidsoap children then
    mount_source: str                # when the mount's source connected ("" while it is down)


@dataclass(frozen=True)
class HlsSegment:
    heard_ms: float                  # its EXT-X-PROGRAM-DATE-TIME
    duration_ms: float
    data: bytes


@dataclass
class ChainWatch:
    """Samples the chain every ``every_s`` in a thread until ``stop()``; ``pid()`` is the daemon's
    process now (it changes when the test starts the daemon again)."""

    pid: Callable[[], int]
    playlist: Path
    icecast_url: str = ""
    mount: str = ""
    every_s: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    segments: dict[tuple[str, str], HlsSegment] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stopping.wait(self.every_s):
            self.samples.append(Sample(wall_ms(), tuple(children(self.pid(), "liquidsoap")), self._mount_source()))
            self._read_playlist()

    def _mount_source(self) -> str:
        """The mount's source by its start time (a restarted encoder is a new source), or ""."""
        if not self.icecast_url:
            return ""
        try:
            stats = json.loads(http_fetch(f"{self.icecast_url}/status-json.xsl", timeout_ms=1000))["icestats"]
        except (OSError, ValueError, KeyError, TypeError):
            return ""
        sources = stats.get("source", [])
        for source in sources if isinstance(sources, list) else [sources]:
            if str(source.get("listenurl", "")).endswith(self.mount):
                return str(source.get("stream_start_iso8601") or source.get("stream_start") or "?")
        return ""

    def _read_playlist(self) -> None:
        try:
            lines = self.playlist.read_text().splitlines()
        except FileNotFoundError:
            return
        pdt, duration = "", 0.0
        for line in lines:
            if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
                pdt = line.split(":", 1)[1]
            elif line.startswith("#EXTINF:"):
                duration = float(line.split(":", 1)[1].rstrip(","))
            elif line and not line.startswith("#") and (line, pdt) not in self.segments:
                try:
                    data = (self.playlist.parent / line).read_bytes()
                except FileNotFoundError:
                    continue             # already rotated out
                self.segments[(line, pdt)] = HlsSegment(datetime.fromisoformat(pdt).timestamp() * 1000,
                                                        duration * 1000, data)

    def hls_between(self, from_ms: float, to_ms: float) -> list[HlsSegment]:
        """The segments whose first sample was heard in [from_ms, to_ms), in order."""
        return sorted((s for s in self.segments.values() if from_ms <= s.heard_ms < to_ms), key=lambda s: s.heard_ms)

    def between(self, from_ms: float, to_ms: float) -> list[Sample]:
        return [s for s in self.samples if from_ms <= s.at_ms < to_ms]


def covered_ms(segments: list[HlsSegment], from_ms: float, to_ms: float) -> float:
    """How much of [from_ms, to_ms) the segments' audio spans (by their dates and durations)."""
    total, reach = 0.0, from_ms
    for s in sorted(segments, key=lambda s: s.heard_ms):
        a, b = max(reach, s.heard_ms), min(to_ms, s.heard_ms + s.duration_ms)
        if b > a:
            total += b - a
            reach = b
    return total
