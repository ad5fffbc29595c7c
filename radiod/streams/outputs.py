"""The ``[streams]`` section read into typed outputs (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from radiod.config import Config

DEFAULT_BITRATE_KBPS = 128
CODECS = {"mp3": "mp3", "aac": "aac", "opus": "opus", "ogg": "vorbis"}   # mount extension → codec


# What may be served from the HLS folder: radiod's playlists and Liquidsoap's segments, nothing else.
HLS_FILE = r"live(-[0-9]{2,3})?\.m3u8|aac[0-9]{2,3}_[0-9]{1,12}\.ts"


def hls_dir(state: Path) -> Path:
    return state / "hls"


@dataclass(frozen=True)
class IcecastMount:
    host: str
    port: int
    user: str
    password: str
    mount: str              # with its leading slash, e.g. /radio.mp3
    codec: str              # mp3, aac, opus or vorbis
    bitrate_kbps: int

    def __str__(self) -> str:   # never the password: this goes into log lines
        return f"icecast://{self.host}:{self.port}{self.mount}"


@dataclass(frozen=True)
class HlsRendition:
    name: str               # Liquidsoap's stream name, e.g. aac64 (segments are aac64_N.ts)
    bitrate_kbps: int

    @property
    def playlist(self) -> str:
        return f"live-{self.bitrate_kbps}.m3u8"


@dataclass(frozen=True)
class StreamPlan:
    station_name: str
    icecast: tuple[IcecastMount, ...]
    hls: tuple[HlsRendition, ...]
    segment_s: int
    segments: int

    master_playlist = "live.m3u8"


def parse_mount(url: str) -> IcecastMount:
    """One ``icecast://user:password@host:port/mount.ext[?bitrate=N]`` (shape checked by the config)."""
    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    ext = parts.path.rsplit(".", 1)[-1].lower()
    return IcecastMount(host=parts.hostname or "", port=parts.port or 8000, user=unquote(parts.username or "source"),
                        password=unquote(parts.password or ""), mount=parts.path, codec=CODECS[ext],
                        bitrate_kbps=int(query.get("bitrate", DEFAULT_BITRATE_KBPS)))


def plan_of(config: Config) -> StreamPlan:
    s = config.streams
    bitrates = sorted(set(s.hls_bitrates))
    return StreamPlan(station_name=config.station.name,
                      icecast=tuple(parse_mount(u) for u in s.icecast),
                      hls=tuple(HlsRendition(f"aac{b}", b) for b in bitrates),
                      segment_s=s.hls_segment_seconds, segments=s.hls_segments)
