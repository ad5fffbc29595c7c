"""Stream facts and tags of an audio file that mutagen does not read, from ffprobe.

Matroska/WebM audio, CAF, Sun AU, AMR, DTS, Wave64 and the other formats ffmpeg decodes but mutagen
does not know. ffprobe is confined like every ffmpeg run in radiod: it may only choose among
``ffmpeg.PROBE_DEMUXERS`` (no playlist, script or image demuxer), reads only ``file:`` URLs, and
a file it is not sure about (a low probe score: random bytes that merely look like MP3 frames)
is not taken for audio.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radiod.errors import MediaError
from radiod.library.ffmpeg import PROBE_DEMUXERS, input_url

FFPROBE = "ffprobe"
TIMEOUT_S = 30
MIN_SCORE = 51          # above AVPROBE_SCORE_EXTENSION (50): the content, not the name, decided

# ffprobe tag names (lower case) → radiod's raw tag fields (as in tags.Raw).
_TAG_FIELDS = {"title": "title", "artist": "artist", "author": "artist", "album": "album",
               "album_artist": "album_artist", "albumartist": "album_artist", "publisher": "label",
               "label": "label", "organization": "label", "isrc": "isrc", "tsrc": "isrc",
               "composer": "composer", "lyricist": "lyricist", "date": "release_date",
               "year": "release_date", "creation_time": "", "language": "language", "genre": "genre",
               "local": "local", "replaygain_track_gain": "rg_gain", "replaygain_track_peak": "rg_peak"}


@dataclass
class ProbeInfo:
    """What ffprobe found: the demuxer (radiod's format key for such files) and the first audio stream."""

    demuxer: str
    codec: str
    length_ms: int
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    raw: dict[str, list[str]] = field(default_factory=dict)


def probe_command(path: Path | str) -> list[str]:
    return [FFPROBE, "-hide_banner", "-v", "error", "-protocol_whitelist", "file",
            "-format_whitelist", ",".join(sorted(PROBE_DEMUXERS)),
            "-show_entries", "format=format_name,duration,bit_rate,probe_score:format_tags"
            ":stream=codec_type,codec_name,sample_rate,channels,duration,bit_rate:stream_tags",
            "-of", "json", "-i", input_url(path)]


def probe_audio(path: Path | str) -> ProbeInfo:
    """The audio stream ffprobe finds in ``path``; MediaError with a one-line reason otherwise."""
    try:
        proc = subprocess.run(probe_command(path), capture_output=True, timeout=TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise MediaError(f"{FFPROBE}: not found (install ffmpeg)") from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"ffprobe did not finish within {TIMEOUT_S} s") from None
    if proc.returncode != 0:
        raise MediaError("no format ffmpeg decodes")
    try:
        data: dict[str, Any] = json.loads(proc.stdout or b"{}")
    except ValueError:
        raise MediaError("ffprobe gave unreadable output") from None
    fmt = data.get("format") or {}
    if int(fmt.get("probe_score") or 0) < MIN_SCORE:
        raise MediaError("no format ffmpeg decodes (its probe was unsure)")
    audio = [s for s in data.get("streams") or [] if s.get("codec_type") == "audio"]
    if not audio:
        raise MediaError("no audio stream")
    stream = audio[0]
    length_s = _number(stream.get("duration")) or _number(fmt.get("duration"))
    if not length_s or length_s <= 0:
        raise MediaError("no audio in file (length unknown or 0)")
    raw: dict[str, list[str]] = {}
    for tags in (fmt.get("tags") or {}, stream.get("tags") or {}):
        for key, value in tags.items():
            name = _TAG_FIELDS.get(str(key).lower())
            if name and name not in raw and str(value).strip():
                raw[name] = [str(value)]
    bitrate = _number(stream.get("bit_rate")) or _number(fmt.get("bit_rate"))
    rate = _number(stream.get("sample_rate"))
    channels = stream.get("channels")
    return ProbeInfo(demuxer=str(fmt.get("format_name", "")).split(",")[0],
                     codec=str(stream.get("codec_name") or "unknown"), length_ms=round(length_s * 1000),
                     bitrate=int(bitrate) if bitrate else None, sample_rate=int(rate) if rate else None,
                     channels=int(channels) if isinstance(channels, int) and channels > 0 else None, raw=raw)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
