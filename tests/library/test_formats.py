"""Every audio format Debian's ffmpeg decodes is read, analysed, decoded for playout and scanned;
broken files of each are never playable; non-audio files in a media folder are passed over with a reason.

Files are made by ffmpeg (mpcenc for Musepack, whose encoder ffmpeg lacks; radiod.library.dsd for
DSF and DSDIFF) and tagged by mutagen where it writes the format. TAK and Monkey's Audio have no
encoder in Debian: those come from mutagen's test files (tests/library/data/README.md), as do
silent DSF/DSDIFF files from another writer; tagged here too where mutagen can.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from radiod.clock import FakeClock
from radiod.errors import MediaError
from radiod.library.analyze import analyze_file, analyze_library
from radiod.library.query import load_tracks
from radiod.library.scan import scan_library
from radiod.library.synth import make_tone
from radiod.library.tags import detect_format, read_tags, write_tags
from radiod.playout.pcm_cache import decode
from radiod.playout.port import Cue
from radiod.store import open_db
from tests.library.samples import FULL_TAGS

DATA = Path(__file__).parent / "data"

# suffix → (format key, codec); tagged by mutagen when the format holds tags mutagen writes.
MADE = {
    "wma": ("wma", "wma", True), "wv": ("wavpack", "wavpack", True), "tta": ("tta", "tta", True),
    "spx": ("speex", "speex", True), "ac3": ("ac3", "ac3", False), "eac3": ("eac3", "eac3", False),
    "m4b": ("m4a", "aac", True), "3gp": ("m4a", "aac", True), "mp2": ("mp3", "mp2", True),
    "mpc": ("mpc8", "musepack", True), "aiff": ("aiff", "pcm", True),
    # DSD: no encoder in Debian; radiod.library.dsd writes a sine (the chord's first tone)
    "dsf": ("dsf", "dsd", True), "dff": ("dff", "dsd", True),
    # mutagen does not read these: ffprobe gives length and codec
    "mka": ("matroska", "vorbis", True), "webm": ("matroska", "opus", True),
    "caf": ("caf", "pcm_s16le", True), "au": ("au", "pcm_s16be", False),
    "w64": ("w64", "pcm_s16le", False), "dts": ("dts", "dts", False),
}
# From mutagen's test data: (format key, codec, tag it, audible)
FIXTURES = {
    "silence-44-s.tak": ("tak", "tak"), "5644800-2ch-s01-silence.dsf": ("dsf", "dsd"),
    "5644800-2ch-s01-silence.dff": ("dff", "dsd"),
}


@pytest.fixture
def conn(tmp_path):
    db = open_db(tmp_path / "radiod.db")
    yield db
    db.close()


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 20, 12, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    for ext, (_, _, tagged) in MADE.items():
        make_tone(root / f"tone.{ext}", seconds=2.5, freqs=(440.0, 554.4),
                  tags={**FULL_TAGS, "title": f"Harbour ({ext})"} if tagged else None)
    for name in FIXTURES:
        shutil.copy(DATA / name, root / name)
        write_tags(root / name, {**FULL_TAGS, "title": f"Harbour ({name})"})
    return root


@pytest.mark.parametrize("ext", sorted(MADE))
def test_each_made_format_is_read_with_its_tags(library, ext):
    fmt, codec, tagged = MADE[ext]
    info = read_tags(library / f"tone.{ext}")
    assert (info.format, info.codec) == (fmt, codec)
    assert 2400 <= info.length_ms <= 2700 and info.sample_rate and info.channels in (None, 1, 2)
    assert detect_format(library / f"tone.{ext}") == fmt
    if tagged:
        assert info.title == f"Harbour ({ext})" and info.isrc == "CAD121900042" and info.local is True
        assert info.artists == ["The Quiet Harbours", "Ana Sól", "Bo"] and info.year == 2019
        assert info.label == "Driftwood Records" and info.replaygain_track_gain_db == -6.5


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_formats_without_a_debian_encoder_are_read_and_tagged(library, name):
    fmt, codec = FIXTURES[name]
    info = read_tags(library / name)
    assert (info.format, info.codec, info.length_ms > 0) == (fmt, codec, True)
    assert info.title == f"Harbour ({name})" and info.isrc == "CAD121900042" and info.local is True


def test_monkeys_audio_and_optimfrog(tmp_path):
    # mutagen's APE file is a header without audio frames; its stream facts and APEv2 tags are read
    ape = shutil.copy(DATA / "mac-399.ape", tmp_path / "a.ape")
    write_tags(ape, {"title": "Old Rip", "artist": "Bo"})
    info = read_tags(ape)
    assert (info.format, info.codec, info.title, info.artists) == ("ape", "ape", "Old Rip", ["Bo"])
    with pytest.raises(MediaError):          # nothing to decode: never playable
        analyze_file(ape, silence_threshold_db=-50.0)
    # Debian's ffmpeg has no OptimFROG decoder: a clear error, not a silent skip
    with pytest.raises(MediaError, match=r"unsupported format \(OptimFROG: ffmpeg does not decode it\)"):
        read_tags(DATA / "silence-2s-44100-16.ofr")


@pytest.mark.parametrize("ext", sorted(MADE))
def test_each_made_format_is_analysed_and_decoded_for_playout(library, ext, tmp_path):
    path = library / f"tone.{ext}"
    result = analyze_file(path, silence_threshold_db=-50.0, fmt=MADE[ext][0])
    assert -13.0 < result.loudness_lufs < -6.0          # the -6 dBFS chord (DSD: one tone), whatever the codec
    assert 2400 <= result.decoded_length_ms <= 2700
    decoded = decode(Cue("h", str(path)), tmp_path)
    assert 2.3 * 44100 <= decoded.frames <= 2.8 * 44100


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_dsd_and_tak_fixtures_decode(library, name, tmp_path):
    assert decode(Cue("h", str(library / name)), tmp_path).frames > 0


def test_broken_file_of_each_format_is_never_playable(library, conn, clock, tmp_path):
    """Each file cut to its first 256 bytes (header, no audio): an error row, or the analysis fails."""
    root = tmp_path / "broken"
    root.mkdir()
    for path in library.iterdir():
        (root / f"cut-{path.name}").write_bytes(path.read_bytes()[:256])
    summary = scan_library(conn, [root], clock=clock)
    assert summary.new == len(MADE) + len(FIXTURES)
    result = analyze_library(conn, workers=2, silence_threshold_db=-50.0, clock=clock)
    failed = {Path(p).name for p, _ in summary.errors} | {Path(p).name for p, _ in result.errors}
    # Known gap: a cut CAF or Wave64 file is read for what it holds (ffprobe takes the length
    # from the bytes present, their chunk sizes are not checked), so it plays those few ms.
    playable = {p.name for p in root.iterdir()} - failed
    assert playable <= {"cut-tone.caf", "cut-tone.w64"} and "cut-tone.w64" in playable
    assert all(t.length_ms < 20 for t in load_tracks(conn)) and len(load_tracks(conn)) == len(playable)


def test_scan_reads_every_format_and_unknown_endings_by_content(library, conn, clock, tmp_path):
    root = tmp_path / "media"
    shutil.copytree(library, root)
    shutil.copy(library / "tone.wma", root / "tone-no-ending")           # audio whatever its name
    shutil.copy(library / "tone.mka", root / "tone.bak")
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))
    (root / "playlist.m3u").write_text("#EXTM3U\ntone.wma\n")
    (root / "data.bin").write_bytes(bytes(range(256)) * 8)
    (root / "._tone.wma").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    summary = scan_library(conn, [root], clock=clock)
    assert not summary.errors, summary.errors
    assert summary.new == len(MADE) + len(FIXTURES) + 2
    skipped = {Path(f.path).name: f.reason for f in summary.files if f.change == "skipped"}
    assert skipped == {"cover.jpg": "not an audio file (JPEG image)",
                       "playlist.m3u": "not an audio file (it contains text)",
                       "data.bin": "not an audio file (unrecognised content)",
                       "._tone.wma": "hidden file (its name starts with a dot)"}
    assert summary.skipped == 4
    # every file in the folder has exactly one outcome (one JSON line from radiod scan --json)
    assert sorted(f.path for f in summary.files) == sorted(str(p) for p in root.iterdir())
    formats = dict(conn.execute("SELECT path, format FROM tracks").fetchall())
    assert formats[str(root / "tone-no-ending")] == "wma" and formats[str(root / "tone.bak")] == "matroska"
    # a rescan reads nothing again
    again = scan_library(conn, [root], clock=clock)
    assert again.unchanged == summary.new and again.new == 0


def test_probing_never_opens_other_files(library, tmp_path):
    """Content ffprobe is shown cannot make it read anything else: no playlist or script demuxer
    is on its whitelist, and only file: URLs are read."""
    from radiod.library.ffmpeg import PROBE_DEMUXERS
    from radiod.library.probe import probe_command

    assert not PROBE_DEMUXERS & {"hls", "concat", "image2", "ffmetadata", "tee", "lavfi", "data", "sdp", "rtsp"}
    command = probe_command(tmp_path / "x")
    assert command[command.index("-protocol_whitelist") + 1] == "file"
    target = library / "tone.wav"
    for name, body in {"list.bin": f"\x00\x01#EXTM3U\n#EXTINF:2,\n{target}\n#EXT-X-ENDLIST\n",
                       "concat.bin": f"\x00\x01ffconcat version 1.0\nfile '{target}'\n"}.items():
        (tmp_path / name).write_bytes(body.encode())
        with pytest.raises(MediaError, match=r"^not an audio file"):
            read_tags(tmp_path / name)


@pytest.mark.parametrize("ext", ["mka", "caf"])
def test_tags_of_formats_mutagen_does_not_read_come_from_ffprobe(library, tmp_path, ext):
    tagged = tmp_path / f"tagged.{ext}"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(library / f"tone.{ext}"), "-c", "copy",
                    "-metadata", "title=Harbour Lights", "-metadata", "artist=The Quiet Harbours feat. Bo",
                    "-metadata", "album=Low Tide", "-metadata", "date=2019-03-04", "-metadata", "genre=Folk",
                    str(tagged)], check=True)
    info = read_tags(tagged)
    assert (info.title, info.artists, info.album, info.year, info.genre) == (
        "Harbour Lights", ["The Quiet Harbours", "Bo"], "Low Tide", 2019, "Folk")


def test_binary_files_with_non_audio_endings_are_not_probed(tmp_path, library, monkeypatch):
    from radiod.library import probe, tags

    calls = []
    monkeypatch.setattr(tags, "probe_audio", lambda path: calls.append(path) or probe.probe_audio(path))
    (tmp_path / "song.sfk").write_bytes(bytes(range(256)) * 4)           # an editor's peak file
    shutil.copy(library / "tone.wma", tmp_path / "song.dat")             # audio, whatever the name
    assert tags.audio_content(tmp_path / "song.sfk") == "not an audio file (unrecognised content)"
    assert tags.audio_content(tmp_path / "song.dat") == ""
    assert calls == []
    (tmp_path / "mystery.bin").write_bytes(bytes(range(256)) * 4)
    assert tags.audio_content(tmp_path / "mystery.bin") == "not an audio file (unrecognised content)"
    assert calls == [tmp_path / "mystery.bin"]
