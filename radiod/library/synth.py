"""Synthetic audio files made by ffmpeg: tones and chords, optionally framed by silence, then tagged.

Used by the demo station, the tests and the benchmarks, so the output is deterministic (bit-exact
flags, no encoder version strings) and every supported format is covered::

    make_tone(Path("a.flac"), seconds=3, freqs=(220.0, 277.2, 329.6),
              tags={"title": "A minor", "artist": "The Quiet Harbours", "local": True},
              lead_silence_ms=500, tail_silence_ms=1000)
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Sequence

from radiod.errors import MediaError
from radiod.library import dsd
from radiod.library.tags import write_tags

# ffmpeg encoder arguments per file suffix.
ENCODERS: dict[str, list[str]] = {
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "3", "-f", "ogg"],
    ".opus": ["-c:a", "libopus", "-b:a", "96k", "-f", "opus"],
    ".flac": ["-c:a", "flac", "-f", "flac"],
    ".m4a": ["-c:a", "aac", "-b:a", "128k", "-f", "ipod"],
    ".wav": ["-c:a", "pcm_s16le", "-f", "wav"],
    ".aiff": ["-c:a", "pcm_s16be", "-f", "aiff"],
    ".aif": ["-c:a", "pcm_s16be", "-f", "aiff"],
    # The formats stations bring from older systems; ffmpeg encodes all of these.
    ".wma": ["-c:a", "wmav2", "-b:a", "128k", "-f", "asf"],
    ".wv": ["-c:a", "wavpack", "-f", "wv"],
    ".tta": ["-c:a", "tta", "-f", "tta"],
    ".spx": ["-c:a", "libspeex", "-ar", "16000", "-f", "spx"],
    ".ac3": ["-c:a", "ac3", "-b:a", "192k", "-f", "ac3"],
    ".eac3": ["-c:a", "eac3", "-b:a", "192k", "-f", "eac3"],
    ".m4b": ["-c:a", "aac", "-b:a", "96k", "-f", "ipod"],
    ".3gp": ["-c:a", "aac", "-b:a", "64k", "-f", "3gp"],
    ".mka": ["-c:a", "libvorbis", "-q:a", "3", "-f", "matroska"],
    ".webm": ["-c:a", "libopus", "-b:a", "96k", "-f", "webm"],
    ".caf": ["-c:a", "pcm_s16le", "-f", "caf"],
    ".au": ["-c:a", "pcm_s16be", "-f", "au"],
    ".w64": ["-c:a", "pcm_s16le", "-f", "w64"],
    ".mp2": ["-c:a", "mp2", "-b:a", "192k", "-f", "mp2"],
    ".dts": ["-c:a", "dca", "-strict", "-2", "-ar", "48000", "-f", "dts"],
    # Musepack: ffmpeg has no encoder; a WAV made here goes through mpcenc (musepack-tools).
    ".mpc": ["-c:a", "pcm_s16le", "-f", "wav"],
}
MPCENC = "mpcenc"
# Containers mutagen does not write: their tags are given to ffmpeg (``-metadata``) instead.
FFMPEG_TAGGED = frozenset({".mka", ".webm", ".caf", ".au"})
# Formats that hold no tags at all (raw streams, Wave64 as ffmpeg writes it).
TAGLESS = frozenset({".ac3", ".eac3", ".dts", ".w64"})
_FFMPEG_TAG_NAMES = {"title": "title", "artist": "artist", "album": "album", "album_artist": "album_artist",
                     "label": "publisher", "isrc": "isrc", "composer": "composer", "lyricist": "lyricist",
                     "release_date": "date", "language": "language", "genre": "genre", "local": "local",
                     "replaygain_track_gain_db": "replaygain_track_gain",
                     "replaygain_track_peak": "replaygain_track_peak"}
# DSD has no encoder in Debian: radiod.library.dsd writes these (the first frequency only, DSD64).
DSD_WRITERS = {".dsf": dsd.write_dsf, ".dff": dsd.write_dff}
FORMATS = tuple(sorted([*ENCODERS, *DSD_WRITERS]))

FFMPEG = "ffmpeg"
PEAK = 0.5            # the sum of all tones peaks at this amplitude (about -6 dBFS)


def tone_expression(*, seconds: float, freqs: Sequence[float], lead_silence_ms: int = 0) -> str:
    """An aevalsrc expression: the tones summed for ``seconds`` after the lead silence, else 0."""
    if not freqs:
        raise ValueError("freqs must hold at least one frequency")
    amp = PEAK / len(freqs)
    lead = lead_silence_ms / 1000
    tones = "+".join(f"sin(2*PI*{float(f)!r}*t)" for f in freqs)
    return f"if(between(t,{lead!r},{lead + seconds!r}),{amp!r}*({tones}),0)"


def make_tone(path: Path | str, *, seconds: float, freqs: Sequence[float] = (440.0,),
              tags: dict[str, Any] | None = None, lead_silence_ms: int = 0, tail_silence_ms: int = 0,
              channels: int = 2, sample_rate: int = 44100, id3: str = "v2.4") -> Path:
    """Write an audio file of a tone or chord; the format comes from the suffix.

    ``seconds`` is the length of the sounding part; the file lasts
    ``lead_silence_ms + seconds * 1000 + tail_silence_ms`` (plus the encoder's own padding for lossy
    formats). Opus is always encoded at 48 kHz; DSF and DSDIFF hold a DSD64 sine of the first
    frequency (radiod.library.dsd), whatever ``sample_rate``. ``tags`` go through ``tags.write_tags`` (``id3``
    picks the ID3 version for MP3, WAV and AIFF). Raises MediaError when ffmpeg fails.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ENCODERS and suffix not in DSD_WRITERS:
        raise ValueError(f"{path}: cannot make {suffix or 'suffix-less'} files (use one of {', '.join(FORMATS)})")
    if tags and suffix in TAGLESS:
        raise ValueError(f"{path}: {suffix} files hold no tags")
    if seconds <= 0 or lead_silence_ms < 0 or tail_silence_ms < 0 or channels not in (1, 2):
        raise ValueError("seconds must be > 0, silences >= 0, channels 1 or 2")
    if suffix == ".dts" and channels == 1:
        channels = 2               # ffmpeg's experimental DTS encoder takes stereo only
    if suffix in DSD_WRITERS:
        path.parent.mkdir(parents=True, exist_ok=True)
        channel = dsd.channel_bytes(seconds, freqs[0] if freqs else 440.0, PEAK, lead_silence_ms / 1000,
                                    tail_silence_ms / 1000)
        DSD_WRITERS[suffix](path, [channel] * channels)
        if tags:
            write_tags(path, tags, id3=id3)
        return path
    total = lead_silence_ms / 1000 + seconds + tail_silence_ms / 1000
    expr = tone_expression(seconds=seconds, freqs=freqs, lead_silence_ms=lead_silence_ms)
    # Quoted, because the expression's commas would otherwise split the filter graph.
    source = f"aevalsrc=exprs='{'|'.join([expr] * channels)}':s={sample_rate}:d={total!r}"
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", source,
           "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
           *(_metadata(tags) if tags and suffix in FFMPEG_TAGGED else []), *ENCODERS[suffix], str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise MediaError(f"{FFMPEG}: not found (install ffmpeg)") from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: ffmpeg took longer than 120 s") from None
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise MediaError(f"{path}: ffmpeg failed: {lines[-1] if lines else f'exit {proc.returncode}'}")
    if suffix == ".mpc":
        _musepack(path)
    if tags and suffix not in FFMPEG_TAGGED:
        write_tags(path, tags, id3=id3)
    return path


def _musepack(path: Path) -> None:
    """Turn the WAV that ffmpeg wrote at ``path`` into Musepack SV8 with mpcenc."""
    wav = path.with_name(path.name + ".wav")
    path.replace(wav)
    try:
        proc = subprocess.run([MPCENC, "--silent", "--overwrite", "--quality", "4", str(wav), str(path)],
                              capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise MediaError(f"{MPCENC}: not found (install musepack-tools)") from None
    finally:
        wav.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise MediaError(f"{path}: mpcenc failed (exit {proc.returncode})")


def _metadata(tags: dict[str, Any]) -> list[str]:
    """``-metadata name=value`` arguments for ffmpeg (the write_tags keys and value forms)."""
    args: list[str] = []
    for key, value in tags.items():
        if key not in _FFMPEG_TAG_NAMES:
            raise ValueError(f"unknown tag field: {key}")
        if value is None:
            continue
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif key == "replaygain_track_gain_db":
            text = f"{float(value):+.2f} dB"
        elif isinstance(value, (list, tuple)):
            text = "; ".join(str(v) for v in value)
        else:
            text = str(value)
        args += ["-metadata", f"{_FFMPEG_TAG_NAMES[key]}={text}"]
    return args
