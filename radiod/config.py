"""radiod.toml → frozen dataclasses.

Every problem is collected and reported at once as ``file: key: message``; unknown keys get a
"did you mean"; ``RADIOD_<SECTION>_<KEY>`` environment variables override file values.
Relative paths are resolved against the station directory (the folder holding radiod.toml).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from radiod import tomltext
from radiod.errors import ConfigError, did_you_mean

CONFIG_FILE = "radiod.toml"


def _opt(default: Any, doc: str, *, secret: bool = False, choices: tuple[str, ...] = ()) -> Any:
    meta = {"doc": doc, "secret": secret, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class StationConfig:
    name: str = _opt("radiod station", "Station name shown to listeners.")
    service_name: str = _opt("", "Service name used in royalty reports and file names (default: name without spaces).")
    timezone: str = _opt("UTC", "IANA timezone the grid is written in, e.g. America/Toronto.")


@dataclass(frozen=True)
class PathsConfig:
    media: list[Path] = _opt(["media"], "Folders scanned for audio.")
    schedules: Path = _opt("schedules", "Folder with the grid, clocks, categories, rules and artists.toml.")
    database: Path = _opt("radiod.db", "SQLite database file.")
    state: Path = _opt("state", "Runtime files: control socket, now-playing.json, recordings.")
    uploads: Path = _opt("uploads", "Where DJs' uploaded shows are stored (one folder per DJ).")


@dataclass(frozen=True)
class LibraryConfig:
    analyze: bool = _opt(True, "Measure loudness and silence cue points during scan.")
    workers: int = _opt(0, "Parallel analysis processes (0 = one per core).")
    silence_threshold_db: float = _opt(-50.0, "Level below which leading/trailing audio counts as silence.")
    rescan_minutes: int = _opt(60, "How often the daemon rescans media folders (0 = never).")
    missing_threshold_percent: float = _opt(20.0, "A scan that finds more than this share of a media folder's tracks gone at once (at least 10) leaves them alone unless --confirm-missing is given.")


@dataclass(frozen=True)
class PlayoutConfig:
    engine: str = _opt("vlc", "Playout engine.", choices=("vlc", "liquidsoap"))
    output: str = _opt("auto", "'auto' (default device, else a file), 'default', 'pulse:SINK' or 'file:PATH'.")
    target_lufs: float = _opt(-16.0, "Loudness every track is brought to.")
    max_gain_db: float = _opt(10.0, "Most a quiet track is boosted.")
    fade_out_ms: int = _opt(1500, "Fade of the current item when a hard-timed event cuts in.")
    crossfade_ms: int = _opt(0, "Overlap between consecutive music items (0 = gapless, no overlap).")
    preroll_ms: int = _opt(3000, "How early the next item is opened and paused, ready to start.")
    watchdog_ms: int = _opt(5000, "Playing but not advancing for this long counts as a failure.")
    fill_gap_ms: int = _opt(500, "A gap before a timed item longer than this is filled with music (a cut, faded fallback piece), not silence.")
    hide_next: bool = _opt(False, "Do not publish the next track (US webcasting rules forbid pre-announcing).")
    record_minutes: int = _opt(60, "File output: a new recording file every this many minutes, on the clock (1-1440).")
    record_keep_days: float = _opt(2.0, "File output: recordings older than this are deleted (0 = no age limit).")
    record_keep_gb: float = _opt(10.0, "File output: most space all recordings take, oldest deleted first (0 = no limit).")


@dataclass(frozen=True)
class WebConfig:
    host: str = _opt("127.0.0.1", "Address the control panel listens on.")
    port: int = _opt(8080, "Port of the control panel.")
    secret_key: str = _opt("", "Session signing key (generated into the state folder when empty).", secret=True)
    workers: int = _opt(0, "Server processes sharing the port (0 = one per CPU core).")
    threads: int = _opt(8, "Threads per server process for panel pages and API calls.")
    nice: int = _opt(0, "CPU niceness added to the server processes (packaging/radiod-web.service sets Nice=5 instead).")
    sse_clients: int = _opt(256, "Most listeners on the live now-playing feed at once, over all processes.")
    cors_origins: list[str] = _opt(["*"], "Origins allowed to embed the public JSON API.")
    upload_limit_mb: int = _opt(2048, "Largest upload accepted.")
    upload_quota_mb: int = _opt(8192, "Most each DJ may hold in uploads, finished and in progress (0 = no quota).")
    uploads_total_mb: int = _opt(0, "Most all uploads together may hold (0 = no quota).")
    uploads_min_free_mb: int = _opt(1024, "Free space uploads always leave on their disks (0 = none).")
    behind_tls: bool = _opt(False, "Mark cookies Secure (set when served behind HTTPS).")
    max_header_kb: int = _opt(32, "Largest request line plus headers (KiB); more is answered 431.")
    max_headers: int = _opt(100, "Most header lines in one request; more is answered 431.")
    header_timeout_s: int = _opt(10, "Time a client has to send a request's headers; then 408.")
    body_timeout_s: int = _opt(15, "Longest wait for the next piece of a request body; then 408.")
    form_limit_kb: int = _opt(64, "Largest body of a request without a logged-in session (login, public pages).")
    panel_limit_kb: int = _opt(1024, "Largest body of a logged-in panel request (uploads excepted).")
    connections_per_address: int = _opt(64, "Most open connections from one address (per server process; "
                                             "nginx on 127.0.0.1 is exempt when behind_tls).")
    feeds_per_address: int = _opt(8, "Most live-feed listeners from one address, over all processes.")
    language: str = _opt("en", "The pages' language when the visitor chose none and the browser asks for none "
                               "the panel has (docs/translations.md).", choices=("en", "ms", "fr"))
    listen_mp3_url: str = _opt("", "Public URL of an MP3 Icecast mount the listen button plays where a browser "
                                   "cannot play HLS (empty = HLS only).")
    listen_mp3_delay_ms: int = _opt(0, "How far an MP3 listener is behind the sound card (Icecast's burst on "
                                       "connect plus the mount's delay); 0 = worked out from the mount's bitrate.")
    webdj_harbor_url: str = _opt("", "WebSocket address of the harbor for the Web DJ page: a path nginx proxies "
                                     "(/harbor/live) or ws(s)://HOST:PORT/MOUNT; empty = the page's host, harbor_port.")


# Bounds of the [web] request limits, checked on load: (least, most).
@dataclass(frozen=True)
class ReportsConfig:
    transmission_category: str = _opt("A", "SoundExchange transmission category code.")
    icecast_status_url: str = _opt("", "Icecast /status-json.xsl to poll for listener figures (empty = none).")
    listener_poll_seconds: int = _opt(10, "How often the daemon polls icecast_status_url for listener figures.")
    local_preset: str = _opt("canada", "Local-content rules.", choices=("canada", "australia", "custom"))
    local_threshold_percent: float = _opt(35.0, "Required local share with the custom preset.")
    contact_name: str = _opt("", "Contact for report headers.")
    contact_email: str = _opt("", "E-mail for report headers.")
    contact_phone: str = _opt("", "Phone for report headers.")
    street: str = _opt("", "Street address for report headers.")
    city_state_zip: str = _opt("", "City, state and ZIP for report headers.")
    on_metadata_gaps: str = _opt("warn", "When recordings in an export lack ISRC, label or composer: warn or refuse.",
                                 choices=("warn", "refuse"))


@dataclass(frozen=True)
class LiquidsoapConfig:
    binary: str = _opt("liquidsoap", "Liquidsoap executable.")
    harbor_port: int = _opt(8005, "Port live DJs connect to (0 = no live input).")
    harbor_mount: str = _opt("live", "Harbor mount point.")
    live_grace_minutes: int = _opt(5, "Minutes before/after their slot a DJ may connect.")
    live_input: bool = _opt(False, "Default engine (vlc): take live DJs on the harbor (harbor_port, harbor_mount) "
                                   "through a Liquidsoap subprocess; their audio is mixed into the air.")
    harbor_buffer_ms: int = _opt(500, "Default engine: DJ audio the harbor holds before it goes on air; it adds "
                                      "one for one to the delays of a DJ's connection and drop (raise it for DJs "
                                      "on poor links).")
    live_correction_hours: int = _opt(24, "The live-log page: hours after a live show's slot ends during which "
                                          "its hosts may still correct the songs logged in it (audit rows).")
    harbor_public_host: str = _opt("", "The harbor's host name as DJs reach it, shown on their home page "
                                       "(empty: the host of the panel's address).")
    archive: bool = _opt(False, "Record the output into hourly files in the state folder.")
    archive_days: int = _opt(14, "Archive files older than this many days are deleted (0 = keep all).")
    hls: bool = _opt(False, "Write HLS segments into the state folder.")
    icecast_host: str = _opt("", "Icecast server (empty = no Icecast output).")
    icecast_port: int = _opt(8000, "Icecast port.")
    icecast_password: str = _opt("", "Icecast source password.", secret=True)
    icecast_mounts: list[str] = _opt(["radio.mp3"], "Mount points, format taken from the extension.")
    icecast_bitrate: int = _opt(128, "Stream bitrate in kbit/s.")


# Regulators' minimum keeping periods for the air-check recording, in days.
LOGGER_PRESETS: dict[str, int] = {"crtc": 28, "ofcom": 42}


@dataclass(frozen=True)
class LoggerConfig:
    enabled: bool = _opt(False, "Record the air continuously into hour files (the compliance logger).")
    folder: Path = _opt("logger", "Where the hour files are kept.")
    format: str = _opt("opus", "Codec of the hour files: Opus in Ogg, MP3, or FLAC (lossless, large).",
                       choices=("opus", "mp3", "flac"))
    bitrate_kbps: int = _opt(64, "Bitrate of the hour files (opus and mp3; flac ignores it).")
    retention_days: int = _opt(31, "Hour files are deleted this many days after their last frame, never before.")
    retention_preset: str = _opt("", "'crtc' (28 days) or 'ofcom' (42 days) instead of retention_days.",
                                 choices=("", "crtc", "ofcom"))

    @property
    def keep_days(self) -> int:
        """The effective keeping period (the preset, when one is named)."""
        return LOGGER_PRESETS.get(self.retention_preset, self.retention_days)


@dataclass(frozen=True)
class StreamsConfig:
    """Streams of the default engine's air (radiod.streams): Liquidsoap encodes what the mixer renders."""

    icecast: list[str] = _opt([], "Icecast mounts, each icecast://source:PASSWORD@HOST:PORT/MOUNT.EXT[?bitrate=KBPS] "
                                  "(EXT: mp3, aac, opus or ogg = Vorbis; bitrate default 128).", secret=True)
    hls_bitrates: list[int] = _opt([], "AAC bitrates (kbit/s) of the HLS stream, one rendition each (empty = no HLS).")
    hls_segment_seconds: int = _opt(4, "Length of one HLS segment.")
    hls_segments: int = _opt(6, "Segments listed in each HLS playlist.")
    liquidsoap: str = _opt("liquidsoap", "Liquidsoap executable that encodes and sends the streams.")


@dataclass(frozen=True)
class EpisodesConfig:
    """Listen again (radiod.episodes): shows with ``archive = true`` become episodes and podcast feeds."""

    folder: Path = _opt("episodes", "Where episodes are kept: public/ (audio, chapters, feeds) and work/ (private).")
    formats: list[str] = _opt(["mp3"], "Encodings of each episode (mp3, aac); the first is the feeds' enclosure.")
    mp3_kbps: int = _opt(128, "Bitrate of MP3 episodes.")
    aac_kbps: int = _opt(96, "Bitrate of AAC (.m4a) episodes.")
    loudness_lufs: float = _opt(-16.0, "Integrated loudness episodes are normalised to (EBU R128 measure).")
    true_peak_db: float = _opt(-1.5, "Highest true peak of an episode (dBTP).")
    clip_seconds: float = _opt(30.0, "on_demand_music = 'clips': the excerpt kept of each longer music item.")
    clip_fade_seconds: float = _opt(3.0, "on_demand_music = 'clips': the fade at each end of an excerpt.")
    settle_seconds: int = _opt(15, "An airing is cut this long after it ended (the logger has flushed it).")
    poll_seconds: int = _opt(30, "How often the daemon looks for airings to cut.")
    public_url: str = _opt("", "The station's public address for feed links (empty: http://HOST:PORT of [web]).")
    nice: int = _opt(10, "CPU niceness of the ffmpeg that cuts and encodes (playout always comes first).")


@dataclass(frozen=True)
class FingerprintsConfig:
    """Acoustic fingerprints (radiod.fingerprints): library recordings found in shows without a tracklist."""

    accept_above: float = _opt(0.0, "Detections at or above this confidence (0–1) count without a person "
                                     "confirming them; 0: every detection waits for a DJ or manager.")


@dataclass(frozen=True)
class Config:
    """The effective configuration of one station."""

    station_dir: Path
    station: StationConfig = field(default_factory=StationConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    library: LibraryConfig = field(default_factory=LibraryConfig)
    playout: PlayoutConfig = field(default_factory=PlayoutConfig)
    web: WebConfig = field(default_factory=WebConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    liquidsoap: LiquidsoapConfig = field(default_factory=LiquidsoapConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)
    streams: StreamsConfig = field(default_factory=StreamsConfig)
    episodes: EpisodesConfig = field(default_factory=EpisodesConfig)
    fingerprints: FingerprintsConfig = field(default_factory=FingerprintsConfig)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.station.timezone)

    @property
    def service_name(self) -> str:
        return self.station.service_name or "".join(self.station.name.split())

    @property
    def control_socket(self) -> Path:
        return self.paths.state / "control.sock"

    @property
    def now_playing_file(self) -> Path:
        return self.paths.state / "now-playing.json"


@dataclass(frozen=True)
class Range:
    """A number setting's allowed values, both ends included."""

    low: float
    high: float

    def problem(self, value: Any) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
        if self.low <= value <= self.high:
            return None
        return f"must be between {_num(self.low)} and {_num(self.high)}, got {value!r}"


@dataclass(frozen=True)
class Format:
    """A string setting's shape: ``pattern`` must match the whole value; ``message`` may use {value!r}."""

    pattern: str
    message: str

    def problem(self, value: Any) -> str | None:
        if re.fullmatch(self.pattern, value, flags=re.DOTALL):
            return None
        return self.message.format(value=_Brief(value))


class _Brief:
    """A value as shown in a message: its repr, cut to a line's worth (an environment value may be huge)."""

    LIMIT = 60

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return text if len(text) <= self.LIMIT else f"{text[:self.LIMIT]}… ({len(text)} characters)"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_PORT = Range(1, 65535)
_ONE_LINE = Format(r"[^\x00-\x1f\x7f]*", "must be one line of printable text, got {value!r}")

# Every number setting has a range here and every string setting with a shape has a format
# (tests/test_config.py checks that no int or float field is missing). A list setting's rule
# applies to each entry. Add the row beside the new setting; keep them in field order.
RULES: dict[str, Range | Format] = {
    "station.name": Format(r"[^\x00-\x1f\x7f]+", "must be one non-empty line of printable text, got {value!r}"),
    "station.service_name": Format(r"[^\x00-\x1f\x7f/\\]*",
                                   "must be printable text without / or \\ (it is part of file names), "
                                   "got {value!r}"),
    "library.workers": Range(0, 256),
    "library.silence_threshold_db": Range(-120, 0),
    "library.rescan_minutes": Range(0, 7 * 24 * 60),
    "library.missing_threshold_percent": Range(0, 100),
    "playout.output": Format(r"auto|default|none|pulse:[^\x00-\x1f\x7f]+|file:[^\x00-\x1f\x7f]+",
                             "expected 'auto', 'default', 'none', 'pulse:SINK' or 'file:PATH', got {value!r}"),
    "playout.target_lufs": Range(-60, 0),
    "playout.max_gain_db": Range(0, 40),
    "playout.fade_out_ms": Range(0, 60_000),
    "playout.crossfade_ms": Range(0, 30_000),
    "playout.preroll_ms": Range(100, 60_000),
    "playout.watchdog_ms": Range(500, 600_000),
    "playout.fill_gap_ms": Range(100, 60_000),
    "playout.record_minutes": Range(1, 1440),
    "playout.record_keep_days": Range(0, 100 * 365),
    "playout.record_keep_gb": Range(0, 1_000_000),
    "web.host": Format(r"[A-Za-z0-9._:%-]+", "must be a host name or IP address, got {value!r}"),
    "web.port": _PORT,
    "web.secret_key": Format(r"|[^\x00-\x1f\x7f]{16,}", "must be empty (generated) or at least 16 printable "
                                                         "characters"),
    "web.workers": Range(0, 256),
    "web.threads": Range(1, 1024),
    "web.nice": Range(0, 19),
    "web.sse_clients": Range(1, 100_000),
    "web.cors_origins": Format(r"\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?",
                               "must be '*' or an origin like https://example.org, got {value!r}"),
    "web.upload_limit_mb": Range(1, 1024 * 1024),
    "web.max_header_kb": Range(1, 1024),
    "web.max_headers": Range(10, 1000),
    "web.header_timeout_s": Range(1, 600),
    "web.body_timeout_s": Range(1, 600),
    "web.form_limit_kb": Range(1, 1024),
    "web.panel_limit_kb": Range(1, 100 * 1024),
    "web.connections_per_address": Range(1, 100_000),
    "web.feeds_per_address": Range(1, 100_000),
    "web.upload_quota_mb": Range(0, 2**30),
    "web.uploads_total_mb": Range(0, 2**30),
    "web.uploads_min_free_mb": Range(0, 2**30),
    "web.listen_mp3_delay_ms": Range(0, 120_000),
    "web.listen_mp3_url": Format(r"|https?://[A-Za-z0-9._:\[\]-]+(/[A-Za-z0-9._~/%-]*)?",
                                 "must be empty or an http(s):// URL of a mount, got {value!r}"),
    "reports.listener_poll_seconds": Range(1, 3600),
    "reports.transmission_category": Format(r"[A-Z0-9]{1,2}", "must be a SoundExchange category code "
                                                              "(1-2 capital letters or digits), got {value!r}"),
    "reports.icecast_status_url": Format(r"|https?://[^\s\x00-\x1f\x7f]+",
                                         "must be empty or an http(s):// URL, got {value!r}"),
    "reports.local_threshold_percent": Range(0, 100),
    "reports.contact_name": _ONE_LINE,
    "reports.contact_email": Format(r"|[^\s@]+@[^\s@]+", "must be empty or an e-mail address, got {value!r}"),
    "reports.contact_phone": _ONE_LINE,
    "reports.street": _ONE_LINE,
    "reports.city_state_zip": _ONE_LINE,
    "liquidsoap.binary": Format(r"[^\x00-\x1f\x7f]+", "must be a program name or path, got {value!r}"),
    "liquidsoap.harbor_port": Range(0, 65535),
    "liquidsoap.harbor_mount": Format(r"[A-Za-z0-9._-]+", "must be a mount name (letters, digits, . _ -), "
                                                          "got {value!r}"),
    "liquidsoap.live_grace_minutes": Range(0, 24 * 60),
    "liquidsoap.harbor_buffer_ms": Range(100, 12_000),
    "liquidsoap.live_correction_hours": Range(0, 24 * 366),
    "liquidsoap.harbor_public_host": Format(r"|[A-Za-z0-9._:%-]+", "must be empty or a host name or IP address, "
                                                                    "got {value!r}"),
    "liquidsoap.archive_days": Range(0, 100 * 366),
    "liquidsoap.icecast_host": Format(r"|[A-Za-z0-9._:%-]+", "must be empty or a host name or IP address, "
                                                              "got {value!r}"),
    "liquidsoap.icecast_port": _PORT,
    "liquidsoap.icecast_mounts": Format(r"[A-Za-z0-9._/-]*\.(?i:mp3|ogg|opus|aac)",
                                        "{value!r} has no known format (end it in .mp3, .ogg, .opus or .aac)"),
    "liquidsoap.icecast_bitrate": Range(8, 512),
    "logger.bitrate_kbps": Range(8, 320),
    "logger.retention_days": Range(1, 100 * 366),
    "streams.icecast": Format(r"icecast://[^:@/\s]+:[^@\s]*@[A-Za-z0-9._-]+:[0-9]{1,5}/[A-Za-z0-9._/-]*"
                              r"\.(mp3|aac|opus|ogg)(\?bitrate=[0-9]{1,3})?",
                              "expected icecast://source:PASSWORD@HOST:PORT/MOUNT.EXT[?bitrate=KBPS] with EXT "
                              "mp3, aac, opus or ogg (the value is not shown: it holds a password)"),
    "streams.hls_bitrates": Range(16, 320),
    "streams.hls_segment_seconds": Range(1, 30),
    "streams.hls_segments": Range(3, 100),
    "streams.liquidsoap": Format(r"[^\x00-\x1f\x7f]+", "must be a program name or path, got {value!r}"),
    "episodes.formats": Format(r"mp3|aac", "must be mp3 or aac, got {value!r}"),
    "episodes.mp3_kbps": Range(32, 320),
    "episodes.aac_kbps": Range(32, 320),
    "episodes.loudness_lufs": Range(-31, -5),
    "episodes.true_peak_db": Range(-9, 0),
    "episodes.clip_seconds": Range(1, 600),
    "episodes.clip_fade_seconds": Range(0, 30),
    "episodes.settle_seconds": Range(2, 3600),
    "episodes.poll_seconds": Range(1, 3600),
    "episodes.public_url": Format(r"|https?://[^\s/]+(/[^\s]*)?", "must be empty or an http(s):// address, got {value!r}"),
    "episodes.nice": Range(0, 19),
    "fingerprints.accept_above": Range(0, 1),
}


SECTIONS: dict[str, type] = {
    f.name: f.type if isinstance(f.type, type) else typing.get_type_hints(Config)[f.name]
    for f in dataclasses.fields(Config)
    if f.name != "station_dir"
}


def _coerce(value: Any, hint: Any, station_dir: Path) -> Any:
    """Convert a TOML value to the field's type, or raise ValueError with a short reason."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL character")
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise ValueError("expected a path (a non-empty string)")
        path = Path(value).expanduser()
        return path if path.is_absolute() else station_dir / path
    if typing.get_origin(hint) is list:
        (item_hint,) = typing.get_args(hint)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError("expected a list")
        return [_coerce(v, item_hint, station_dir) for v in value]
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_Brief(value)!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {_Brief(value)!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {_Brief(value)!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_Brief(value)!r}")
        return value
    raise TypeError(hint)


def _parse_env_value(raw: str) -> Any:
    """Environment values are read as TOML values when they parse, else as plain strings."""
    try:
        return tomltext.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _env_overrides(env: Mapping[str, str]) -> tuple[dict[str, dict[str, tuple[str, Any]]], list[str]]:
    """RADIOD_<SECTION>_<KEY> → {section: {key: (variable name, value)}}; unknown names are problems."""
    overrides: dict[str, dict[str, tuple[str, Any]]] = {}
    problems = []
    for name, raw in env.items():
        if not name.startswith("RADIOD_") or name in ("RADIOD_STATION",):
            continue
        rest = name[len("RADIOD_"):].lower()
        section = next((s for s in SECTIONS if rest.startswith(s + "_")), None)
        if section is None:
            problems.append(f"environment: {name}: unknown setting{did_you_mean(rest, list(SECTIONS))}")
            continue
        overrides.setdefault(section, {})[rest[len(section) + 1:]] = (name, _parse_env_value(raw))
    return overrides, problems


def load_config(station_dir: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read ``station_dir/radiod.toml`` (optional) and the environment into a Config."""
    station_dir = Path(station_dir).resolve()
    env = os.environ if env is None else env
    path = station_dir / CONFIG_FILE
    label = str(path)
    data: dict[str, Any] = {}
    problems: list[str] = []
    if path.exists():
        try:
            data = tomltext.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{label}: {exc}"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{label}: cannot read: {exc}"]) from None
    elif not station_dir.is_dir():
        raise ConfigError([f"{station_dir}: station directory does not exist"])

    for key in data:
        if key not in SECTIONS:
            problems.append(f"{label}: {key}: unknown section{did_you_mean(key, list(SECTIONS))}")
    overrides, env_problems = _env_overrides(env)
    problems += env_problems

    built: dict[str, Any] = {}
    for section, cls in SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            problems.append(f"{label}: {section}: expected a table [{section}]")
            table = {}
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        values: dict[str, Any] = {}
        sources = {k: (label, f"{section}.{k}", v) for k, v in table.items()}
        for k, (var, v) in overrides.get(section, {}).items():
            sources[k] = ("environment", var, v)
        for key, (where, keyname, raw) in sources.items():
            if key not in names:
                problems.append(f"{where}: {keyname}: unknown key{did_you_mean(key, names)}")
                continue
            try:
                values[key] = _coerce(raw, hints[key], station_dir)
            except ValueError as exc:
                problems.append(f"{where}: {keyname}: {exc}")
                continue
            choices = next(f for f in dataclasses.fields(cls) if f.name == key).metadata["choices"]
            if choices and values[key] not in choices:
                problems.append(f"{where}: {keyname}: must be one of {', '.join(choices)}, got {values[key]!r}")
            problems += [f"{where}: {keyname}: {p}" for p in _rule_problems(f"{section}.{key}", values[key])]
        for f in dataclasses.fields(cls):
            # Path defaults are written relative; anchor them to the station directory too.
            if f.name not in values and Path in (hints[f.name], *typing.get_args(hints[f.name])):
                if f.default is not dataclasses.MISSING:
                    default = f.default
                elif f.default_factory is not dataclasses.MISSING:
                    default = f.default_factory()
                else:
                    continue
                values[f.name] = _coerce(default, hints[f.name], station_dir)
        built[section] = cls(**values)

    try:
        ZoneInfo(built["station"].timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{label}: station.timezone: unknown timezone {built['station'].timezone!r}")
    if problems:
        raise ConfigError(problems)
    return Config(station_dir=station_dir, **built)


def _rule_problems(name: str, value: Any) -> list[str]:
    rule = RULES.get(name)
    if rule is None:
        return []
    found = (rule.problem(v) for v in (value if isinstance(value, list) else [value]))
    return [p for p in found if p is not None]


def describe(config: Config) -> str:
    """The effective configuration as TOML, secrets masked (for `radiod config`)."""
    lines = [f"# station directory: {config.station_dir}"]
    for section in SECTIONS:
        obj = getattr(config, section)
        lines.append(f"\n[{section}]")
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.metadata.get("secret") and value:
                shown = '"********"'
            else:
                shown = _toml_value(value)
            lines.append(f"{f.name} = {shown}  # {f.metadata['doc']}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
