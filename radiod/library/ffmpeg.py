"""How radiod names an input to ffmpeg: the demuxer it determined, a file: URL, local files only.

Left to itself ffmpeg probes a file's content and obeys it: an "mp3" that holds an HLS playlist
or a concat script after its ID3 tag makes ffmpeg open the files it names (another DJ's unaired
show, the station's recordings) and decode them as if they were this one. So every ffmpeg run in
radiod builds its input with ``input_args``:

- ``-f <demuxer>`` from the format radiod found in the content (tags.detect_format, or the
  library's ``format`` column), so no playlist or script demuxer is ever chosen;
- ``-protocol_whitelist file``, so nothing inside the input can open a network or pipe URL;
- ``-i file:<absolute path>``, so a name like ``-i.mp3`` or ``a:b.mp3`` is never read as an
  option or a protocol;
- for MP4/M4A, external track references (``-enable_drefs``) stay off, as they are by default.

The concat demuxer's ``-safe`` and HLS's ``-allowed_extensions`` are not needed: those demuxers
are never chosen (and ffmpeg refuses options a forced demuxer does not have).
"""

from __future__ import annotations

import os
from pathlib import Path

from radiod.errors import MediaError

# radiod's format keys (TagInfo.format, tags.detect_format) → ffmpeg demuxer names.
DEMUXERS = {"mp3": "mp3", "aac": "aac", "flac": "flac", "ogg": "ogg", "opus": "ogg", "oggflac": "ogg",
            "speex": "ogg", "m4a": "mov", "wav": "wav", "aiff": "aiff", "wma": "asf", "ape": "ape",
            "wavpack": "wv", "mpc": "mpc", "mpc8": "mpc8", "tak": "tak", "dsf": "dsf", "dff": "iff",
            "tta": "tta", "ac3": "ac3", "eac3": "eac3"}

# Demuxers a file that mutagen does not read may be probed with (ffprobe's -format_whitelist):
# audio containers and raw streams that read the one file only. No playlist, script, image or
# network demuxer is among them, so probing cannot make ffmpeg open anything else. A file found
# this way has the demuxer's name as its format key.
PROBE_DEMUXERS = frozenset({
    "mp3", "aac", "flac", "ogg", "mov", "wav", "aiff", "asf", "ape", "wv", "mpc", "mpc8", "tak",
    "dsf", "iff", "tta", "ac3", "eac3", "matroska", "caf", "au", "amr", "amrnb", "amrwb", "dts",
    "w64", "voc", "truehd", "mlp", "oma", "shn", "xwma", "wsaud", "gsm", "sox", "rso", "sbc",
    "codec2", "dfpwm", "aa", "vqf", "bonk", "qoa", "loas", "xa", "ircam", "nistsphere", "sds",
})

# A file that cannot be sniffed without being consumed (a pipe) is read as its name says.
SUFFIX_FORMATS = {".mp3": "mp3", ".mp2": "mp3", ".aac": "aac", ".flac": "flac", ".ogg": "ogg",
                  ".oga": "ogg", ".opus": "opus", ".spx": "speex", ".m4a": "m4a", ".mp4": "m4a",
                  ".m4b": "m4a", ".3gp": "m4a", ".wav": "wav", ".wave": "wav", ".aif": "aiff",
                  ".aiff": "aiff", ".aifc": "aiff", ".wma": "wma", ".ape": "ape", ".wv": "wavpack",
                  ".mpc": "mpc8", ".tak": "tak", ".dsf": "dsf", ".dff": "dff", ".tta": "tta",
                  ".ac3": "ac3", ".eac3": "eac3", ".mka": "matroska", ".webm": "matroska",
                  ".caf": "caf", ".au": "au", ".snd": "au", ".amr": "amr", ".dts": "dts", ".w64": "w64"}

# Container options that keep a demuxer inside the one file (mov: no external data references).
_CONFINE = {"mov": ["-enable_drefs", "0", "-use_absolute_path", "0"]}


def demuxer(fmt: str) -> str:
    """The ffmpeg demuxer for a radiod format key; MediaError for anything else."""
    if fmt in DEMUXERS:
        return DEMUXERS[fmt]
    if fmt in PROBE_DEMUXERS:
        return fmt
    raise MediaError(f"no ffmpeg demuxer for the format {fmt!r}")


def format_for_name(path: Path | str) -> str:
    """The format key a file name's suffix stands for; MediaError when it names none."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    try:
        return SUFFIX_FORMATS[suffix]
    except KeyError:
        raise MediaError(f"not a known audio file name ({suffix or 'no suffix'})") from None


def input_url(path: Path | str) -> str:
    """An explicit file: URL of the absolute path (ffmpeg's file protocol takes the rest literally)."""
    return "file:" + os.path.abspath(os.fspath(path))


def input_args(path: Path | str, fmt: str, *, seek_ms: int = 0) -> list[str]:
    """The input options and ``-i`` for one file of format ``fmt`` (a radiod format key).

    ``seek_ms`` is a fast input seek (``-ss`` before ``-i``).
    """
    name = demuxer(fmt)
    args = ["-f", name, *_CONFINE.get(name, []), "-protocol_whitelist", "file"]
    if seek_ms:
        args += ["-ss", f"{seek_ms / 1000:.3f}"]
    return args + ["-i", input_url(path)]
