"""Reading and writing audio tags. The only module in radiod that imports mutagen.

``read_tags(path)`` identifies the real format from the file's content (never its name), reads the
stream facts and the tags that matter to a radio station, and checks the container for truncation.
Every failure becomes a ``MediaError`` with a one-line reason.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable

import mutagen
from mutagen.aac import AAC
from mutagen.ac3 import AC3
from mutagen.aiff import AIFF
from mutagen.asf import ASF, ASFTags
from mutagen.dsdiff import DSDIFF
from mutagen.dsf import DSF
from mutagen.flac import FLAC
from mutagen.id3 import (COMM, ID3, TALB, TCOM, TCON, TDRC, TEXT, TIT2, TLAN, TPE1, TPE2, TPUB,
                         TSRC, TXXX)
from mutagen.id3 import delete as delete_id3
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.musepack import Musepack
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from mutagen.tak import TAK
from mutagen.trueaudio import TrueAudio
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

from radiod.errors import MediaError
from radiod.library.artists import artist_key, split_artists
from radiod.library.probe import probe_audio

# File name endings the scanner reads as audio straight away. A file with any other ending is
# read when its content is audio (a sniff of its first bytes, else ffprobe); otherwise it is
# passed over with a reason.
AUDIO_SUFFIXES = frozenset({".mp3", ".mp2", ".flac", ".ogg", ".oga", ".opus", ".spx", ".m4a",
                            ".mp4", ".m4b", ".3gp", ".aac", ".wav", ".wave", ".aif", ".aiff",
                            ".aifc", ".wma", ".ape", ".wv", ".mpc", ".tak", ".ofr", ".dsf", ".dff",
                            ".tta", ".ac3", ".eac3", ".mka", ".webm", ".caf", ".au", ".snd",
                            ".amr", ".dts", ".w64", ".mid", ".midi", ".ra"})

MAX_TEXT = 1000            # longer tag values are cut (a 1 MB "title" helps nobody) with a warning
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")
_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_TRUE = {"yes", "y", "1", "true"}
_FALSE = {"no", "n", "0", "false"}

TEXT_FIELDS = ("title", "artist", "album", "album_artist", "label", "isrc", "composer", "lyricist",
               "release_date", "language", "genre")


@dataclass
class TagInfo:
    """What the scan stores about one readable audio file."""

    format: str                      # a format key (ffmpeg.DEMUXERS) or a probed demuxer's name
    codec: str
    length_ms: int
    bitrate: int | None = None       # bits per second
    sample_rate: int | None = None
    channels: int | None = None
    title: str = ""
    artist: str = ""                 # display credit as tagged
    artists: list[str] = field(default_factory=list)   # co-artists split out of the credit
    album: str = ""
    album_artist: str = ""
    label: str = ""                  # label or publisher
    isrc: str = ""                   # normalised, or '' when missing or invalid
    composer: str = ""
    lyricist: str = ""
    release_date: str = ""           # 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
    year: int | None = None
    language: str = ""
    genre: str = ""
    local: bool | None = None        # the LOCAL tag: True/False, None when absent
    replaygain_track_gain_db: float | None = None
    replaygain_track_peak: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def artist_keys(self) -> list[str]:
        return [artist_key(a) for a in self.artists]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- format detection

def sniff(head: bytes) -> str | None:
    """The audio format a file's first bytes announce, or None.

    ``head`` must hold at least 64 bytes when the file is that long. An ID3v2 tag is reported as
    'id3' (the caller looks behind it).
    """
    if head.startswith(b"ID3"):
        return "id3"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        if b"OpusHead" in head:
            return "opus"
        if b"\x01vorbis" in head:
            return "ogg"
        if b"\x7fFLAC" in head:
            return "oggflac"
        if b"Speex   " in head:
            return "speex"
        return "ogg-other"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"FRM8" and head[12:16] == b"DSD ":
        return "dff"
    if head[:2] == b"\x0b\x77" and len(head) > 5:
        return "eac3" if head[5] >> 3 > 10 else "ac3"     # bsid 11-16 is E-AC-3
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if len(head) >= 4 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:
            return "aac"                     # ADTS: sync, layer bits 00
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x18 != 0x08 and head[1] & 0x06 != 0:
            return "mp3"                     # MPEG audio frame sync with a valid version and layer
    return None


# Formats mutagen reads, by their magic bytes (Musepack SV7 and SV8 need different demuxers).
_MAGIC = [(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "wma"), (b"MAC ", "ape"), (b"wvpk", "wavpack"),
          (b"MPCK", "mpc8"), (b"MP+", "mpc"), (b"tBaK", "tak"), (b"OFR ", "ofr"), (b"DSD ", "dsf"),
          (b"TTA1", "tta")]

# Content that is certainly not audio ffmpeg decodes: named, and never handed to ffprobe.
_OTHER_FORMATS = [
    (b"MThd", "unsupported format (MIDI: ffmpeg does not decode it)"),
    (b"%PDF", "not an audio file (PDF)"), (b"\x89PNG", "not an audio file (PNG image)"),
    (b"\xff\xd8\xff", "not an audio file (JPEG image)"), (b"PK\x03\x04", "not an audio file (ZIP archive)"),
    (b"GIF8", "not an audio file (GIF image)"), (b"BM", "not an audio file (BMP image)"),
]


class _Unknown(MediaError):
    """Content no sniffed format claims: ffprobe may still find audio in it (see probe.py)."""


def _describe_unknown(head: bytes) -> str:
    for magic, reason in _OTHER_FORMATS:
        if head.startswith(magic):
            return reason
    if _looks_like_text(head):
        return "not an audio file (it contains text)"
    return "not an audio file (unrecognised content)"


def _probe_worthy(head: bytes) -> bool:
    """Unknown binary content that ffprobe should look at (not text, not a known other format)."""
    return (not _looks_like_text(head)
            and not any(head.startswith(magic) for magic, _ in _OTHER_FORMATS))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:     # a multi-byte character cut at the end is fine
            return False
        text = head[:exc.start].decode("utf-8")
    return all(c.isprintable() or c in "\r\n\t\f" for c in text)


_CLASSES: dict[str, type] = {"mp3": MP3, "aac": AAC, "flac": FLAC, "ogg": OggVorbis, "opus": OggOpus,
                             "oggflac": OggFLAC, "speex": OggSpeex, "m4a": MP4, "wav": WAVE, "aiff": AIFF,
                             "wma": ASF, "ape": MonkeysAudio, "wavpack": WavPack, "mpc": Musepack,
                             "mpc8": Musepack, "tak": TAK, "dsf": DSF, "dff": DSDIFF, "tta": TrueAudio,
                             "ac3": AC3, "eac3": AC3}
# Read by mutagen (its tags) but not decoded by Debian's ffmpeg, so never playable.
_UNDECODABLE = {"ofr": "unsupported format (OptimFROG: ffmpeg does not decode it)"}


def _detect(fileobj: BinaryIO, size: int, suffix: str) -> tuple[str, int]:
    """(format key, offset where the audio starts) from the content; raises MediaError.

    What follows an ID3 tag must itself be audio (real MPEG or ADTS frames, or another format's
    magic), after at most some zero padding: ffmpeg, left to probe, would obey a playlist or a
    script there and read other files. An "mp3" or "aac" is only called so when two
    consecutive frames (or one frame that ends the file) are found.
    """
    offset = 0
    for _ in range(4):                   # files with several stacked ID3v2 tags exist
        fileobj.seek(offset)
        head = fileobj.read(64)
        kind = sniff(head)
        if kind != "id3":
            break
        if len(head) < 10:
            raise MediaError("truncated file (ends inside its ID3 tag)")
        tag_size = _synchsafe(head[6:10])
        offset += 10 + tag_size + (10 if head[5] & 0x10 else 0)
        offset = _skip_padding(fileobj, offset, size)
        if offset >= size:
            raise MediaError("truncated file (no audio after its ID3 tag)")
    else:
        kind = None
    if kind == "ogg-other":
        raise _Unknown("unsupported format (an Ogg stream that is not Vorbis, Opus, Speex or FLAC)")
    if kind in ("mp3", "aac") and not _frames_at(fileobj, offset, size, kind):
        kind = None
    if kind is None:
        if offset:
            raise MediaError(f"not an audio file (its ID3 tag is followed by {_describe_after_tag(head)}, "
                             "not by audio frames)")
        if suffix in (".mp3", ".aac") and not _looks_like_text(head):
            # MPEG data after junk (a damaged start): it must hold real frames early on
            found = _find_frames(fileobj, size, "mp3" if suffix == ".mp3" else "aac")
            if found is None:
                raise MediaError(_describe_unknown(head))
            return found
        if _probe_worthy(head):
            raise _Unknown(_describe_unknown(head))
        raise MediaError(_describe_unknown(head))
    return kind, offset


PADDING_LIMIT = 65536      # zero bytes tolerated between an ID3 tag and the audio
SEARCH_LIMIT = 65536       # how far into a file with a damaged start frames are looked for


def _skip_padding(fileobj: BinaryIO, offset: int, size: int) -> int:
    """The offset of the first non-zero byte at or after ``offset`` (at most PADDING_LIMIT on)."""
    fileobj.seek(offset)
    block = fileobj.read(PADDING_LIMIT)
    stripped = block.lstrip(b"\x00")
    if not stripped:
        return min(size, offset + len(block))
    return offset + len(block) - len(stripped)


_PRINTABLE = bytes([9, 10, 13, *range(32, 127)])


def _describe_after_tag(head: bytes) -> str:
    text = head[:len(head) - len(head.lstrip(_PRINTABLE))]      # the text the bytes start with
    if _looks_like_text(head) or len(text) >= 8:
        return f"text ({_preview(text if len(text) >= 8 else head)})"
    for magic, name in _OTHER_FORMATS:
        if head.startswith(magic):
            return f"{name} data"
    return "unrecognised content"


def _preview(text: bytes) -> str:
    """The first words of some text, quoted, on one line."""
    words = " ".join(text[:24].decode("utf-8", "replace").split())
    return repr(words + ("..." if len(text) > 24 else ""))


# MPEG audio header fields: bitrates in kbit/s by (MPEG-1?, layer), sample rates by version bits.
_MPEG_KBPS = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame(header: bytes) -> tuple[tuple[int, int, int], int] | None:
    """((version, layer, rate), frame length in bytes; 0 for free format) of an MPEG audio
    frame header, or None when the four bytes are not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    rate_index, bitrate_index, padding = (header[2] >> 2) & 3, header[2] >> 4, (header[2] >> 1) & 1
    if version == 1 or layer_bits == 0 or rate_index == 3 or bitrate_index == 15:
        return None
    layer = 4 - layer_bits
    rate = _MPEG_RATES[version][rate_index]
    kbps = _MPEG_KBPS[(version == 3, layer)][bitrate_index]
    if layer == 1:
        length = (12 * kbps * 1000 // rate + padding) * 4
    else:
        length = (144 if version == 3 or layer == 2 else 72) * kbps * 1000 // rate + padding
    return (version, layer, rate), length


def _adts_frame(header: bytes) -> tuple[tuple[int, int, int], int] | None:
    """((profile, rate index, channels), frame length) of an ADTS header, or None."""
    if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
        return None
    rate_index = (header[2] >> 2) & 0x0F
    length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
    if rate_index > 12 or length < 7:
        return None
    return (header[2] >> 6, rate_index, ((header[2] & 1) << 2) | (header[3] >> 6)), length


def _frames_at(fileobj: BinaryIO, offset: int, size: int, kind: str) -> bool:
    """A frame at ``offset`` followed by a like one (or by the end of the file)."""
    parse = _mpeg_frame if kind == "mp3" else _adts_frame
    fileobj.seek(offset)
    first = parse(fileobj.read(7))
    if first is None:
        return False
    shape, length = first
    if length == 0:                      # free-format MPEG: no length to follow; the header will do
        return True
    if offset + length > size + 4:
        raise MediaError("truncated file (it ends inside its first audio frame)")
    if offset + length >= size:
        return True                      # the only frame (a few missing bytes are tolerated)
    fileobj.seek(offset + length)
    following = fileobj.read(7)
    if offset + length + len(following) >= size and len(following) < 4:
        return True                      # a few trailing bytes (an encoder's last padding)
    second = parse(following)
    return second is not None and second[0] == shape


def _find_frames(fileobj: BinaryIO, size: int, kind: str) -> tuple[str, int] | None:
    """(kind, offset) of the first real pair of frames in the first SEARCH_LIMIT bytes."""
    fileobj.seek(0)
    data = fileobj.read(SEARCH_LIMIT)
    pos = data.find(b"\xff")
    while 0 <= pos < len(data) - 3:
        try:
            if _frames_at(fileobj, pos, size, kind):
                return kind, pos
        except MediaError:               # a sync-like byte pair whose "frame" overruns the file
            pass
        pos = data.find(b"\xff", pos + 1)
    return None


def _synchsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


# --------------------------------------------------------------------------- reading

def _call(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a mutagen call, turning every exception into a one-line MediaError."""
    try:
        return fn(*args, **kwargs)
    except MediaError:
        raise
    except (mutagen.MutagenError, struct.error, EOFError) as exc:
        raise MediaError(f"{what}: {_one_line(exc)}") from None
    except OSError as exc:
        raise MediaError(f"{what}: {exc.strerror or _one_line(exc)}") from None
    except Exception as exc:  # mutagen raises odd things on malformed input; never let them out
        raise MediaError(f"{what}: {type(exc).__name__}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


def detect_format(path: Path | str) -> str:
    """The format key of a file from its content alone (a key of ffmpeg.DEMUXERS, or the name of
    the demuxer ffprobe chose among ffmpeg.PROBE_DEMUXERS): what ffmpeg is told to read it as.
    Raises MediaError with a one-line reason."""
    path = Path(path)
    with _open(path) as fileobj:
        try:
            size = fileobj.seek(0, io.SEEK_END)
            if size == 0:
                raise MediaError("empty file")
            kind = _detect(fileobj, size, path.suffix.lower())[0]
        except _Unknown as exc:
            return _probe(path, str(exc)).demuxer
        except OSError as exc:
            raise MediaError(f"cannot read: {exc.strerror or exc}") from None
    if kind in _UNDECODABLE:
        raise MediaError(_UNDECODABLE[kind])
    return kind


def _probe(path: Path, unknown: str) -> Any:
    """ffprobe's reading of content no sniffed format claims; MediaError naming what it is not."""
    try:
        return probe_audio(path)
    except MediaError as exc:
        if str(exc).startswith("no format ffmpeg decodes"):
            raise MediaError(unknown) from None
        raise


# Endings of files that are never audio but often binary (editors' peak and analysis files,
# archives, documents, databases): their first bytes are still sniffed, but they are not shown
# to ffprobe, so a rescan does not run a process for each of them.
NOT_AUDIO_SUFFIXES = frozenset({".sfk", ".pkf", ".pk", ".asd", ".reapeaks", ".db", ".ini", ".dat", ".exe",
                                ".dll", ".iso", ".zip", ".rar", ".7z", ".gz", ".tar", ".doc", ".docx",
                                ".xls", ".xlsx", ".odt", ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".bmp",
                                ".webp", ".tif", ".tiff", ".ico", ".psd", ".sqlite"})


def audio_content(path: Path | str) -> str:
    """'' when a file with an ending radiod does not know holds audio, else why it is passed over.

    Cheap for the usual cover art, playlists and notes: their first bytes tell; only unknown
    binary content with an ending not in NOT_AUDIO_SUFFIXES is shown to ffprobe.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in NOT_AUDIO_SUFFIXES:
            with _open(path) as fileobj:
                size = fileobj.seek(0, io.SEEK_END)
                if size == 0:
                    return "empty file"
                kind = _detect(fileobj, size, path.suffix.lower())[0]
            return _UNDECODABLE.get(kind, "")
        detect_format(path)
    except _Unknown as exc:
        return str(exc)
    except MediaError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return ""


def read_tags(path: Path | str) -> TagInfo:
    """Read one file's stream facts and tags; raises MediaError with a one-line reason."""
    info, _ = read_tags_and_hash(path, hasher=None)
    return info


def read_tags_and_hash(path: Path | str, hasher: Callable[[], Any] | None) -> tuple[TagInfo, str]:
    """Like read_tags, and also the hex digest of the bytes (one open for both; used by scan).

    With ``hasher=None`` the digest is ''. A MediaError carries ``content_hash`` when the file could
    be read at all, so errors are hashed too.
    """
    path = Path(path)
    with _open(path) as fileobj:
        digest = ""
        try:
            if hasher is not None:
                digest = _file_digest(fileobj, hasher)
            info = _read_open(fileobj, path)
        except MediaError as exc:
            exc.content_hash = digest  # type: ignore[attr-defined]
            raise
        return info, digest


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise MediaError(f"cannot open: {exc.strerror or exc}") from None


def _file_digest(fileobj: BinaryIO, hasher: Callable[[], Any]) -> str:
    fileobj.seek(0)
    return hashlib.file_digest(fileobj, hasher).hexdigest()  # type: ignore[arg-type]


def _read_open(fileobj: BinaryIO, path: Path) -> TagInfo:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    if size == 0:
        raise MediaError("empty file")
    try:
        kind, audio_start = _detect(fileobj, size, path.suffix.lower())
    except _Unknown as exc:
        return _probed(_probe(path, str(exc)))
    if kind in _UNDECODABLE:
        raise MediaError(_UNDECODABLE[kind])
    fileobj.seek(0)
    try:
        audio = _call(f"cannot read {_FORMAT_NAMES[kind]}", _CLASSES[kind], fileobj)
    except MediaError:
        # A parser error on a cut-short file says little ("not a MP4 file"); name the real cause.
        _check_truncation(fileobj, size, kind, None, audio_start)
        raise
    _check_truncation(fileobj, size, kind, audio, audio_start)
    info = _call(f"cannot read {_FORMAT_NAMES[kind]} tags", _build, audio, kind, size)
    if kind == "wav":
        # Many WAV writers (DAWs, ffmpeg) use a RIFF INFO list instead of an ID3 chunk.
        riff = _call("cannot read WAV INFO list", _riff_info, fileobj, size)
        _fill(info, {k: v for k, v in riff.items() if not getattr(info, k)})
    return info


_FORMAT_NAMES = {"mp3": "MP3", "aac": "AAC", "flac": "FLAC", "ogg": "Ogg Vorbis", "opus": "Opus",
                 "oggflac": "Ogg FLAC", "speex": "Ogg Speex", "m4a": "MP4/M4A", "wav": "WAV", "aiff": "AIFF",
                 "wma": "Windows Media", "ape": "Monkey's Audio", "wavpack": "WavPack", "mpc": "Musepack",
                 "mpc8": "Musepack", "tak": "TAK", "dsf": "DSF", "dff": "DSDIFF", "tta": "True Audio",
                 "ac3": "AC-3", "eac3": "E-AC-3"}


def _probed(probe: Any) -> TagInfo:
    """A TagInfo from ffprobe's reading (formats mutagen does not read)."""
    info = TagInfo(format=probe.demuxer, codec=probe.codec, length_ms=probe.length_ms,
                   bitrate=probe.bitrate, sample_rate=probe.sample_rate, channels=probe.channels)
    _fill(info, probe.raw)
    return info


def _build(audio: Any, kind: str, size: int) -> TagInfo:
    stream = audio.info
    length_s = getattr(stream, "length", 0) or 0
    if length_s <= 0:
        raise MediaError("no audio in file (length 0)")
    length_ms = round(length_s * 1000)
    bitrate = getattr(stream, "bitrate", 0) or round(size * 8 / length_s)
    fmt = {"oggflac": "ogg"}.get(kind, kind)
    info = TagInfo(format=fmt, codec=_codec(kind, stream), length_ms=length_ms, bitrate=bitrate or None,
                   sample_rate=getattr(stream, "sample_rate", None) or (48000 if kind == "opus" else None),
                   channels=getattr(stream, "channels", None) or None)
    raw = _raw_fields(audio, kind)
    _fill(info, raw)
    return info


def _codec(kind: str, stream: Any) -> str:
    if kind == "mp3":
        return f"mp{getattr(stream, 'layer', 3)}"
    if kind == "m4a":
        codec = getattr(stream, "codec", "") or ""
        return "aac" if codec.startswith("mp4a") else (codec or "unknown")
    if kind == "wma":
        return "wmapro" if "Pro" in (getattr(stream, "codec_name", "") or "") else "wma"
    return {"aac": "aac", "flac": "flac", "oggflac": "flac", "ogg": "vorbis", "opus": "opus",
            "speex": "speex", "wav": "pcm", "aiff": "pcm", "ape": "ape", "wavpack": "wavpack",
            "mpc": "musepack", "mpc8": "musepack", "tak": "tak", "dsf": "dsd", "dff": "dsd",
            "tta": "tta", "ac3": "ac3", "eac3": "eac3"}[kind]


# Raw values per field, each a list of strings, gathered per tag family.
Raw = dict[str, list[str]]

_ID3_FRAMES = {"title": "TIT2", "artist": "TPE1", "album": "TALB", "album_artist": "TPE2",
               "label": "TPUB", "isrc": "TSRC", "composer": "TCOM", "lyricist": "TEXT",
               "release_date": "TDRC", "language": "TLAN", "genre": "TCON"}
_ID3_FALLBACK_FRAMES = {"release_date": ("TDRL", "TDOR")}
_TXXX_FIELDS = {"LABEL": "label", "PUBLISHER": "label", "ISRC": "isrc", "LYRICIST": "lyricist",
                "LOCAL": "local", "REPLAYGAIN_TRACK_GAIN": "rg_gain", "REPLAYGAIN_TRACK_PEAK": "rg_peak",
                "LANGUAGE": "language"}
_VORBIS_KEYS = {"title": ("title",), "artist": ("artist",), "album": ("album",),
                "album_artist": ("albumartist", "album artist", "album_artist"),
                "label": ("label", "organization", "publisher"), "isrc": ("isrc",),
                "composer": ("composer",), "lyricist": ("lyricist", "writer"),
                "release_date": ("date", "originaldate", "year"), "language": ("language",),
                "genre": ("genre",), "local": ("local",), "rg_gain": ("replaygain_track_gain",),
                "rg_peak": ("replaygain_track_peak",), "r128_gain": ("r128_track_gain",)}
_MP4_KEYS = {"title": "©nam", "artist": "©ART", "album": "©alb", "album_artist": "aART",
             "composer": "©wrt", "release_date": "©day", "genre": "©gen"}
_MP4_FREEFORM = {"LABEL": "label", "PUBLISHER": "label", "ISRC": "isrc", "LYRICIST": "lyricist",
                 "LANGUAGE": "language", "LOCAL": "local", "REPLAYGAIN_TRACK_GAIN": "rg_gain",
                 "REPLAYGAIN_TRACK_PEAK": "rg_peak"}


def _raw_fields(audio: Any, kind: str) -> Raw:
    tags = audio.tags
    if tags is None:
        return {}
    if isinstance(tags, ID3):
        return _raw_id3(tags)
    if kind == "m4a":
        return _raw_mp4(tags)
    if isinstance(tags, ASFTags):
        return _raw_asf(tags)
    return _raw_vorbis(tags)          # Vorbis comments, and APEv2 (the same names, any case)


_ASF_KEYS = {"title": ("Title",), "artist": ("Author",), "album": ("WM/AlbumTitle",),
             "album_artist": ("WM/AlbumArtist",), "label": ("WM/Publisher", "LABEL"),
             "isrc": ("WM/ISRC", "ISRC"), "composer": ("WM/Composer",), "lyricist": ("WM/Writer",),
             "release_date": ("WM/Year", "WM/OriginalReleaseYear"), "language": ("WM/Language",),
             "genre": ("WM/Genre",), "local": ("LOCAL",), "rg_gain": ("REPLAYGAIN_TRACK_GAIN",),
             "rg_peak": ("REPLAYGAIN_TRACK_PEAK",)}


def _raw_asf(tags: ASFTags) -> Raw:
    raw: Raw = {}
    for name, keys in _ASF_KEYS.items():
        for key in keys:
            values = [str(v) for v in tags.get(key, [])]
            if any(v.strip() for v in values):
                raw[name] = values
                break
    return raw


def _raw_id3(tags: ID3) -> Raw:
    raw: Raw = {}
    for name, frame_id in _ID3_FRAMES.items():
        for fid in (frame_id, *_ID3_FALLBACK_FRAMES.get(name, ())):
            frames = tags.getall(fid)
            if not frames:
                continue
            values = frames[0].genres if fid == "TCON" else [str(t) for t in frames[0].text]
            if any(v.strip() for v in values):
                raw[name] = values
                break
    for frame in tags.getall("TXXX"):
        field_name = _TXXX_FIELDS.get(frame.desc.strip().upper())
        if field_name and field_name not in raw:
            raw[field_name] = [str(t) for t in frame.text]
    return raw


def _raw_vorbis(tags: Any) -> Raw:
    raw: Raw = {}
    for name, keys in _VORBIS_KEYS.items():
        for key in keys:
            values = tags.get(key)
            if values:
                raw[name] = list(values)
                break
    return raw


def _raw_mp4(tags: Any) -> Raw:
    raw: Raw = {}
    for name, key in _MP4_KEYS.items():
        values = tags.get(key)
        if values:
            raw[name] = [str(v) for v in values]
    for key, values in tags.items():
        if key.startswith("----:"):
            field_name = _MP4_FREEFORM.get(key.rsplit(":", 1)[-1].strip().upper())
            if field_name and field_name not in raw:
                raw[field_name] = [bytes(v).decode("utf-8", "replace") for v in values]
    return raw


_RIFF_INFO = {b"INAM": "title", b"IART": "artist", b"IPRD": "album", b"ICRD": "release_date",
              b"IGNR": "genre", b"ILNG": "language", b"IMUS": "composer", b"IWRI": "lyricist",
              b"IPUB": "label"}


def _riff_info(f: BinaryIO, size: int) -> Raw:
    """Fields from a WAV file's LIST/INFO chunk (text is Latin-1 or UTF-8, NUL-terminated)."""
    raw: Raw = {}
    pos = 12
    while pos + 8 <= size:
        f.seek(pos)
        header = f.read(12)
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:8])[0]
        if chunk_id == b"LIST" and header[8:12] == b"INFO" and chunk_size <= 1 << 22:
            body = f.read(chunk_size - 4)
            i = 0
            while i + 8 <= len(body):
                sub_id, sub_size = body[i:i + 4], struct.unpack("<I", body[i + 4:i + 8])[0]
                value = body[i + 8:i + 8 + sub_size].split(b"\x00", 1)[0]
                name = _RIFF_INFO.get(sub_id)
                if name and value.strip():
                    try:
                        raw[name] = [value.decode("utf-8")]
                    except UnicodeDecodeError:
                        raw[name] = [value.decode("latin-1")]
                i += 8 + sub_size + (sub_size & 1)
            return raw
        pos += 8 + chunk_size + (chunk_size & 1)
    return raw


def _clean(info: TagInfo, name: str, values: list[str]) -> str:
    """One display string from a tag's values: NULs and line breaks out, length capped."""
    parts = [" ".join(v.replace("\x00", " ").split()) for v in values]
    text = ", ".join(p for p in parts if p)
    if len(text) > MAX_TEXT:
        info.warnings.append(f"{name}: {len(text)} characters long, kept the first {MAX_TEXT}")
        text = text[:MAX_TEXT]
    return text


def _fill(info: TagInfo, raw: Raw) -> None:
    for name in ("title", "album", "album_artist", "label", "composer", "lyricist", "language", "genre"):
        if name in raw:
            setattr(info, name, _clean(info, name, raw[name]))
    if "artist" in raw:
        info.artist = _clean(info, "artist", raw["artist"])
        names: list[str] = []
        seen: set[str] = set()
        for value in raw["artist"]:
            for part in split_artists(value[:MAX_TEXT]):
                if artist_key(part) not in seen:
                    seen.add(artist_key(part))
                    names.append(part)
        info.artists = names
    if "isrc" in raw:
        text = _clean(info, "isrc", raw["isrc"])
        isrc = normalise_isrc(text)
        if isrc:
            info.isrc = isrc
        elif text:
            info.warnings.append(f"isrc: {text[:40]!r} is not a valid ISRC (expected CC-XXX-YY-NNNNN); ignored")
    if "release_date" in raw:
        text = _clean(info, "release_date", raw["release_date"])
        date = normalise_date(text)
        if date:
            info.release_date, info.year = date, int(date[:4])
        elif text:
            info.warnings.append(f"release_date: {text[:40]!r} is not a date; ignored")
    if "local" in raw:
        text = _clean(info, "local", raw["local"]).lower()
        if text in _TRUE:
            info.local = True
        elif text in _FALSE:
            info.local = False
        elif text:
            info.warnings.append(f"local: {text[:40]!r} is not yes/no/true/false/1/0; ignored")
    if "rg_gain" in raw:
        info.replaygain_track_gain_db = _number(info, "replaygain_track_gain", raw["rg_gain"])
    if "rg_peak" in raw:
        info.replaygain_track_peak = _number(info, "replaygain_track_peak", raw["rg_peak"])
    if info.replaygain_track_gain_db is None and raw.get("r128_gain"):
        # Opus R128 gains are Q7.8 dB relative to -23 LUFS; ReplayGain's reference is 5 dB louder.
        q78 = _number(info, "r128_track_gain", raw["r128_gain"])
        if q78 is not None:
            info.replaygain_track_gain_db = round(q78 / 256 + 5.0, 2)


def _number(info: TagInfo, name: str, values: list[str] | None) -> float | None:
    if not values:
        return None
    match = _NUMBER.search(values[0])
    if not match:
        info.warnings.append(f"{name}: {values[0][:40]!r} is not a number; ignored")
        return None
    return float(match.group())


def normalise_isrc(text: str) -> str:
    """'us-s1z-99-00001' → 'USS1Z9900001'; '' when it is not a valid ISRC."""
    code = re.sub(r"[\s\-_.]", "", text or "").upper()
    return code if _ISRC.fullmatch(code) else ""


def normalise_date(text: str) -> str:
    """A tagged date → 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'; '' when it is not a date."""
    text = (text or "").strip()
    compact = _COMPACT_DATE.fullmatch(text)
    match = compact or _DATE.fullmatch(text)
    if not match:
        return ""
    year, month, day = match.groups()
    if not 1000 <= int(year) <= 2999:
        return ""
    if month is None:
        return year
    if not 1 <= int(month) <= 12:
        return year
    if day is None:
        return f"{year}-{int(month):02d}"
    if not 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


# --------------------------------------------------------------------------- truncation checks

def _check_truncation(f: BinaryIO, size: int, kind: str, audio: Any, audio_start: int) -> None:
    """Raise MediaError when the container says it holds more than the file does.

    Tag readers only look at headers, so a file cut short still "reads" with its full length.
    These checks read a few header bytes and the file's tail; damaged audio inside a complete file
    is found by decoding (the analysis pass).
    """
    reason = None
    try:
        if kind == "mp3":
            reason = _mp3_truncated(f, size, audio_start)
        elif kind == "flac":
            reason = _flac_truncated(f, size, getattr(getattr(audio, "info", None), "total_samples", 0))
        elif kind in ("ogg", "opus", "oggflac"):
            reason = _ogg_truncated(f, size)
        elif kind == "wav":
            reason = _chunks_truncated(f, size, "<", b"data")
        elif kind == "aiff":
            reason = _chunks_truncated(f, size, ">", b"SSND")
        elif kind == "m4a":
            reason = _atoms_truncated(f, size)
    except (IndexError, struct.error, ValueError, OSError):
        reason = None          # bytes too mangled to tell; the decoder (analysis) will judge them
    if reason:
        raise MediaError(f"truncated file ({reason})")


def _mp3_truncated(f: BinaryIO, size: int, start: int) -> str | None:
    """Compare the byte count in a Xing/Info header (written by LAME and ffmpeg) with the file."""
    f.seek(start)
    frame = f.read(200)
    if len(frame) < 4 or frame[0] != 0xFF or frame[1] & 0xE0 != 0xE0:
        return None
    mpeg1 = frame[1] & 0x18 == 0x18
    mono = frame[3] >> 6 == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    pos = 4 + side
    if frame[pos:pos + 4] not in (b"Xing", b"Info") or len(frame) < pos + 16:
        return None
    flags = struct.unpack(">I", frame[pos + 4:pos + 8])[0]
    if not flags & 0x2:
        return None
    declared = struct.unpack(">I", frame[pos + 8 + (4 if flags & 0x1 else 0):pos + 12 + (4 if flags & 0x1 else 0)])[0]
    present = size - start
    if declared > present + 4:
        return f"the MP3 header announces {declared} bytes of audio, the file holds {present}"
    return None


def _ogg_truncated(f: BinaryIO, size: int) -> str | None:
    """The last Ogg page must be complete and marked end-of-stream."""
    tail_start = max(0, size - 65536)
    f.seek(tail_start)
    tail = f.read()
    pos = tail.rfind(b"OggS")
    while pos >= 0:
        if len(tail) - pos >= 27 and tail[pos + 4] == 0:      # version 0: a real page header
            nseg = tail[pos + 26]
            table = tail[pos + 27:pos + 27 + nseg]
            if len(table) < nseg:
                return "the last Ogg page is cut short"
            end = pos + 27 + nseg + sum(table)
            if end > len(tail):
                return "the last Ogg page is cut short"
            if not tail[pos + 5] & 0x04:
                return "the stream has no end-of-stream page"
            return None
        pos = tail.rfind(b"OggS", 0, pos)
    return "no complete Ogg page near the end of the file"


def _chunks_truncated(f: BinaryIO, size: int, endian: str, data_id: bytes) -> str | None:
    """WAV/AIFF: the audio chunk must fit inside the file."""
    pos = 12
    while pos + 8 <= size:
        f.seek(pos)
        header = f.read(8)
        chunk_id, chunk_size = header[:4], struct.unpack(endian + "I", header[4:8])[0]
        if chunk_id == data_id:
            if chunk_size in (0, 0xFFFFFFFF):       # written by a streaming encoder: size unknown
                return None
            if pos + 8 + chunk_size > size:
                return (f"the audio chunk announces {chunk_size} bytes, "
                        f"the file holds {size - pos - 8}")
            return None
        pos += 8 + chunk_size + (chunk_size & 1)
    return None


def _atoms_truncated(f: BinaryIO, size: int) -> str | None:
    """MP4: every top-level atom must fit inside the file."""
    pos = 0
    while pos + 8 <= size:
        f.seek(pos)
        header = f.read(16)
        atom_size, name = struct.unpack(">I4s", header[:8])
        if atom_size == 1 and len(header) == 16:
            atom_size = struct.unpack(">Q", header[8:16])[0]
        elif atom_size == 0:
            return None                            # extends to the end of the file
        if atom_size < 8:
            return f"malformed MP4 atom at byte {pos}"
        if pos + atom_size > size:
            return f"the '{name.decode('latin-1')}' atom needs {atom_size} bytes, the file holds {size - pos}"
        pos += atom_size
    return None


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


_FLAC_BLOCK = {1: 192, **{n: 576 << (n - 2) for n in range(2, 6)}, **{n: 256 << (n - 8) for n in range(8, 16)}}


def _flac_frame(tail: bytes, pos: int, fixed_block: int) -> tuple[int, int] | None:
    """(first sample, block size) of a valid FLAC frame header at ``pos``, else None."""
    h = tail[pos:pos + 16]
    if len(h) < 6:
        return None
    variable = h[1] & 1
    bs_code, sr_code = h[2] >> 4, h[2] & 0x0F
    if bs_code == 0 or sr_code == 15 or (h[3] >> 4) >= 11 or h[3] & 0x01 or (h[3] >> 1) & 0x07 == 3:
        return None
    # UTF-8 style coded frame/sample number
    first = h[4]
    if first < 0x80:
        number, n = first, 0
    elif first & 0xE0 == 0xC0:
        number, n = first & 0x1F, 1
    elif first & 0xF0 == 0xE0:
        number, n = first & 0x0F, 2
    elif first & 0xF8 == 0xF0:
        number, n = first & 0x07, 3
    elif first & 0xFC == 0xF8:
        number, n = first & 0x03, 4
    elif first & 0xFE == 0xFC:
        number, n = first & 0x01, 5
    elif first == 0xFE:
        number, n = 0, 6
    else:
        return None
    i = 5
    for _ in range(n):
        if i >= len(h) or h[i] & 0xC0 != 0x80:
            return None
        number = (number << 6) | (h[i] & 0x3F)
        i += 1
    if bs_code == 6:
        block, i = h[i] + 1, i + 1
    elif bs_code == 7:
        block, i = (h[i] << 8 | h[i + 1]) + 1, i + 2
    else:
        block = _FLAC_BLOCK[bs_code]
    i += {12: 1, 13: 2, 14: 2}.get(sr_code, 0)
    if i >= len(h) or _crc8(h[:i]) != h[i]:
        return None
    return (number if variable else number * fixed_block), block


def _flac_truncated(f: BinaryIO, size: int, total_samples: int) -> str | None:
    """The last frame header near the end must reach the sample count STREAMINFO announces."""
    if not total_samples:
        return None
    f.seek(0)
    head = f.read(42)
    if len(head) < 42:
        return None
    fixed_block = struct.unpack(">H", head[10:12])[0]      # STREAMINFO max block size
    tail_start = max(0, size - 65536)
    f.seek(tail_start)
    tail = f.read()
    pos = len(tail) - 2
    while pos >= 0:
        pos = tail.rfind(b"\xff", 0, pos + 1)
        if pos < 0:
            break
        if pos + 1 < len(tail) and tail[pos + 1] in (0xF8, 0xF9):
            frame = _flac_frame(tail, pos, fixed_block)
            if frame:
                reached = frame[0] + frame[1]
                if reached < total_samples:
                    return (f"the FLAC header announces {total_samples} samples, "
                            f"the audio stops near sample {reached}")
                return None
        pos -= 1
    return None


# --------------------------------------------------------------------------- writing

WRITABLE = frozenset(TEXT_FIELDS) | {"local", "replaygain_track_gain_db", "replaygain_track_peak", "comment"}


def write_tags(path: Path | str, tags: dict[str, Any], *, id3: str = "v2.4") -> None:
    """Write tags into an existing file (format from its content). A value of None removes the field.

    Keys: title, artist (a string or a list of names), album, album_artist, label, isrc, composer,
    lyricist, release_date, language, genre, local (bool), replaygain_track_gain_db,
    replaygain_track_peak, comment. ``id3`` picks the MP3/WAV/AIFF tag version: 'v2.4', 'v2.3' or
    'v1' (an ID3v1 tag only, MP3 only).
    """
    unknown = set(tags) - WRITABLE
    if unknown:
        raise ValueError(f"unknown tag field(s): {', '.join(sorted(unknown))}")
    if id3 not in ("v2.4", "v2.3", "v1"):
        raise ValueError(f"id3 must be 'v2.4', 'v2.3' or 'v1', not {id3!r}")
    path = Path(path)
    with open(path, "rb") as f:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        if size == 0:
            raise MediaError(f"{path}: empty file")
        kind, _ = _detect(f, size, path.suffix.lower())
    if kind not in _CLASSES:
        raise MediaError(f"{path}: radiod cannot write tags into {kind} files")
    if kind in ("aac", "ac3", "eac3"):
        raise MediaError(f"{path}: raw {_FORMAT_NAMES[kind]} files cannot hold tags")
    audio = _call(f"{path}: cannot read {_FORMAT_NAMES[kind]}", _CLASSES[kind], path)
    values = {k: _text_values(k, v) for k, v in tags.items()}
    if kind in ("mp3", "wav", "aiff", "dsf", "dff", "tta"):
        if audio.tags is None:
            audio.add_tags()
        _write_id3(audio.tags, values)
        if id3 == "v1":
            if kind != "mp3":
                raise ValueError("ID3v1 tags exist only in MP3 files")
            _call(f"{path}: cannot write tags", audio.tags.save, path, v1=2)
            _call(f"{path}: cannot write tags", delete_id3, path, delete_v1=False, delete_v2=True)
        else:
            _call(f"{path}: cannot write tags", audio.save, v2_version=3 if id3 == "v2.3" else 4)
        return
    if audio.tags is None:
        audio.add_tags()
    if kind == "m4a":
        _write_mp4(audio.tags, values)
    elif kind == "wma":
        _write_asf(audio.tags, values)
    else:
        _write_vorbis(audio.tags, values)
    _call(f"{path}: cannot write tags", audio.save)


def _text_values(key: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if key == "local":
        if isinstance(value, bool):
            return ["yes" if value else "no"]
        return [str(value)]
    if key == "replaygain_track_gain_db":
        return [f"{float(value):+.2f} dB"]
    if key == "replaygain_track_peak":
        return [f"{float(value):.6f}"]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


_ID3_WRITE = {"title": TIT2, "artist": TPE1, "album": TALB, "album_artist": TPE2, "label": TPUB,
              "isrc": TSRC, "composer": TCOM, "lyricist": TEXT, "release_date": TDRC,
              "language": TLAN, "genre": TCON}
_TXXX_WRITE = {"local": "LOCAL", "replaygain_track_gain_db": "REPLAYGAIN_TRACK_GAIN",
               "replaygain_track_peak": "REPLAYGAIN_TRACK_PEAK"}


def _write_id3(tags: ID3, values: dict[str, list[str] | None]) -> None:
    for key, value in values.items():
        if key in _ID3_WRITE:
            frame = _ID3_WRITE[key]
            tags.delall(frame.__name__)
            if value is not None:
                tags.add(frame(encoding=3, text=value))
        elif key in _TXXX_WRITE:
            tags.delall(f"TXXX:{_TXXX_WRITE[key]}")
            if value is not None:
                tags.add(TXXX(encoding=3, desc=_TXXX_WRITE[key], text=value))
        elif key == "comment":
            tags.delall("COMM")
            if value is not None:
                tags.add(COMM(encoding=3, lang="eng", desc="", text=value))


_VORBIS_WRITE = {"title": "TITLE", "artist": "ARTIST", "album": "ALBUM", "album_artist": "ALBUMARTIST",
                 "label": "LABEL", "isrc": "ISRC", "composer": "COMPOSER", "lyricist": "LYRICIST",
                 "release_date": "DATE", "language": "LANGUAGE", "genre": "GENRE", "local": "LOCAL",
                 "replaygain_track_gain_db": "REPLAYGAIN_TRACK_GAIN",
                 "replaygain_track_peak": "REPLAYGAIN_TRACK_PEAK", "comment": "COMMENT"}


def _write_vorbis(tags: Any, values: dict[str, list[str] | None]) -> None:
    for key, value in values.items():
        name = _VORBIS_WRITE[key]
        if name in tags:
            del tags[name]
        if value is not None:
            tags[name] = value


def _write_asf(tags: Any, values: dict[str, list[str] | None]) -> None:
    for key, value in values.items():
        name = "Description" if key == "comment" else _ASF_KEYS[key if key in _ASF_KEYS else {
            "replaygain_track_gain_db": "rg_gain", "replaygain_track_peak": "rg_peak"}[key]][0]
        if name in tags:
            del tags[name]
        if value is not None:
            tags[name] = value


_MP4_WRITE = {"title": "©nam", "artist": "©ART", "album": "©alb", "album_artist": "aART",
              "composer": "©wrt", "release_date": "©day", "genre": "©gen", "comment": "©cmt"}
_MP4_FREEFORM_WRITE = {"label": "LABEL", "isrc": "ISRC", "lyricist": "LYRICIST", "language": "LANGUAGE",
                       "local": "LOCAL", "replaygain_track_gain_db": "replaygain_track_gain",
                       "replaygain_track_peak": "replaygain_track_peak"}


def _write_mp4(tags: Any, values: dict[str, list[str] | None]) -> None:
    for key, value in values.items():
        name = _MP4_WRITE.get(key) or f"----:com.apple.iTunes:{_MP4_FREEFORM_WRITE[key]}"
        if name in tags:
            del tags[name]
        if value is None:
            continue
        if name.startswith("----:"):
            tags[name] = [MP4FreeForm(v.encode("utf-8")) for v in value]
        else:
            tags[name] = value
