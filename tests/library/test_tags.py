"""Reading and writing tags on real ffmpeg-made files in every supported format, and on broken ones."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from radiod.errors import MediaError
from radiod.library import tags as tagmod
from radiod.library.tags import (MAX_TEXT, normalise_date, normalise_isrc, read_tags, read_tags_and_hash,
                                 sniff, write_tags)
from tests.library.samples import FORMATS

EXPECTED_CODEC = {"mp3": "mp3", "ogg": "vorbis", "opus": "opus", "flac": "flac", "m4a": "aac",
                  "wav": "pcm", "aiff": "pcm"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_every_field_in_every_format(media, fmt):
    info = read_tags(media.good[fmt])
    assert info.format == fmt
    assert info.codec == EXPECTED_CODEC[fmt]
    assert info.title == f"Harbour Lights ({fmt})"
    assert info.artist == "The Quiet Harbours feat. Ana Sól & Bo"
    assert info.artists == ["The Quiet Harbours", "Ana Sól", "Bo"]
    assert info.artist_keys == ["quiet harbours", "ana sol", "bo"]
    assert (info.album, info.album_artist, info.label) == ("Low Tide", "The Quiet Harbours", "Driftwood Records")
    assert info.isrc == "CAD121900042"
    assert (info.composer, info.lyricist, info.language, info.genre) == ("Mara Quinn", "Ana Sól", "eng", "Folk")
    assert (info.release_date, info.year) == ("2019-03-04", 2019)
    assert info.local is True
    assert info.replaygain_track_gain_db == pytest.approx(-6.5)
    assert info.replaygain_track_peak == pytest.approx(0.891)
    assert info.channels == 2
    assert info.sample_rate == (48000 if fmt == "opus" else 44100)
    assert info.bitrate and info.bitrate > 0
    # 1.5 s of tone; lossy encoders add up to ~60 ms of padding the container may count.
    assert 1490 <= info.length_ms <= 1600
    assert info.warnings == []


@pytest.mark.parametrize("version", ["v2.3", "v2.4", "v1"])
def test_id3_versions(tone_file, tmp_path, version):
    path = shutil.copy(tone_file("plain.mp3"), tmp_path / "song.mp3")
    write_tags(path, {"title": "Ebb", "artist": "Bo & Ana", "album": "Tides", "release_date": "2001",
                      "genre": "Folk"}, id3=version)
    head = Path(path).read_bytes()
    if version == "v1":
        assert not head.startswith(b"ID3") and head[-128:-125] == b"TAG"
    else:
        assert head[:4] == b"ID3" + bytes([3 if version == "v2.3" else 4])
    info = read_tags(path)
    assert (info.title, info.artists, info.album, info.year, info.genre) == ("Ebb", ["Bo", "Ana"], "Tides", 2001, "Folk")


def test_id3v23_keeps_full_date_and_txxx_fields(tone_file, tmp_path):
    path = shutil.copy(tone_file("plain.mp3"), tmp_path / "song.mp3")
    write_tags(path, {"release_date": "2018-11-02", "local": False, "isrc": "GB-ABC-18-12345"}, id3="v2.3")
    info = read_tags(path)
    assert (info.release_date, info.local, info.isrc) == ("2018-11-02", False, "GBABC1812345")


@pytest.mark.parametrize("value, expected", [("yes", True), ("No", False), ("1", True), ("0", False),
                                             ("TRUE", True), ("false", False)])
@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_local_tag_values(tone_file, tmp_path, fmt, value, expected):
    path = shutil.copy(tone_file(f"plain.{fmt}"), tmp_path / f"song.{fmt}")
    write_tags(path, {"local": value})
    assert read_tags(path).local is expected


def test_unreadable_local_tag_is_a_warning(tone_file, tmp_path):
    path = shutil.copy(tone_file("plain.ogg"), tmp_path / "song.ogg")
    write_tags(path, {"local": "maybe"})
    info = read_tags(path)
    assert info.local is None
    assert info.warnings == ["local: 'maybe' is not yes/no/true/false/1/0; ignored"]


def test_invalid_isrc_is_a_warning_and_not_stored(tone_file, tmp_path):
    path = shutil.copy(tone_file("plain.flac"), tmp_path / "song.flac")
    write_tags(path, {"isrc": "not-an-isrc", "release_date": "sometime"})
    info = read_tags(path)
    assert info.isrc == "" and info.release_date == "" and info.year is None
    assert any(w.startswith("isrc: 'not-an-isrc' is not a valid ISRC") for w in info.warnings)
    assert any(w.startswith("release_date: 'sometime' is not a date") for w in info.warnings)


def test_wav_riff_info_tags(tmp_path, media):
    path = tmp_path / "info.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=1",
                    "-metadata", "title=Café Théâtre", "-metadata", "artist=Bo & Ana", "-metadata", "date=2015",
                    "-metadata", "genre=Jazz", "-metadata", "album=Live", str(path)], check=True)
    info = read_tags(path)
    assert (info.title, info.artists, info.album, info.year, info.genre) == ("Café Théâtre", ["Bo", "Ana"], "Live", 2015, "Jazz")
    # An ID3 chunk wins over INFO, field by field; ReplayGain from ID3 survives.
    write_tags(path, {"title": "From ID3", "replaygain_track_gain_db": -3.0})
    info = read_tags(path)
    assert (info.title, info.album, info.replaygain_track_gain_db) == ("From ID3", "Live", -3.0)


def test_untagged_file_reads_with_empty_fields(tone_file):
    info = read_tags(tone_file("plain.wav"))
    assert (info.title, info.artist, info.artists, info.local, info.isrc) == ("", "", [], None, "")
    assert info.length_ms == 1000      # PCM: exact


def test_huge_tag_values(tone_file, tmp_path):
    path = shutil.copy(tone_file("plain.mp3"), tmp_path / "song.mp3")
    huge = "x" * (1 << 20)
    write_tags(path, {"comment": huge, "title": "T" * (1 << 20), "artist": "Bo"})
    info = read_tags(path)
    assert info.title == "T" * MAX_TEXT
    assert info.artists == ["Bo"]
    assert info.warnings == [f"title: {1 << 20} characters long, kept the first {MAX_TEXT}"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unicode_values_round_trip(tone_file, tmp_path, fmt):
    path = shutil.copy(tone_file(f"plain.{fmt}"), tmp_path / f"song.{fmt}")
    write_tags(path, {"title": "Ночь 夜 🌊", "artist": ["Zoë", "Björk"], "album": None})
    info = read_tags(path)
    assert info.title == "Ночь 夜 🌊"
    assert info.artists == ["Zoë", "Björk"]


def test_write_tags_removes_fields_given_none(tone_file, tmp_path):
    path = shutil.copy(tone_file("plain.opus"), tmp_path / "song.opus")
    write_tags(path, {"title": "A", "genre": "Folk"})
    write_tags(path, {"genre": None})
    info = read_tags(path)
    assert (info.title, info.genre) == ("A", "")


def test_write_tags_rejects_unknown_fields(tone_file):
    with pytest.raises(ValueError, match="unknown tag field"):
        write_tags(tone_file("plain.flac"), {"mood": "calm"})


# ---------------------------------------------------------------- broken files


def _reason(path: Path) -> str:
    with pytest.raises(MediaError) as info:
        read_tags(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_zero_byte_file(media):
    assert _reason(media.broken["empty"]) == "empty file"


def test_text_named_mp3(media):
    assert _reason(media.broken["text"]) == "not an audio file (it contains text)"


def test_corrupt_header(media):
    assert _reason(media.broken["corrupt"]).startswith("cannot read FLAC: ")


def test_unsupported_content(media, tmp_path):
    assert _reason(media.broken["unsupported"]) == "cannot read Windows Media: Not an ASF file."
    png = tmp_path / "cover.flac"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert _reason(png) == "not an audio file (PNG image)"
    midi = tmp_path / "song.mid"
    midi.write_bytes(b"MThd\x00\x00\x00\x06" + bytes(64))
    assert _reason(midi) == "unsupported format (MIDI: ffmpeg does not decode it)"
    noise = tmp_path / "noise.ogg"
    noise.write_bytes(bytes(range(256)) * 4)
    assert _reason(noise) == "not an audio file (unrecognised content)"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_files_are_reported(media, tmp_path, fmt, fraction):
    data = media.good[fmt].read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(data[: int(len(data) * fraction)])
    assert _reason(cut).startswith("truncated file (")


@pytest.mark.parametrize("fmt", FORMATS)
def test_mangled_files_never_raise_anything_but_media_error(media, tmp_path, fmt):
    rng = random.Random(fmt)
    data = media.good[fmt].read_bytes()
    path = tmp_path / f"mangled.{fmt}"
    for _ in range(60):
        mangled = bytearray(data[: rng.randrange(1, len(data) + 1)])
        for _ in range(rng.randrange(0, 4)):
            start = rng.randrange(len(mangled))
            mangled[start:start + rng.randrange(1, 64)] = rng.randbytes(rng.randrange(1, 64))
        path.write_bytes(bytes(mangled))
        try:
            info = read_tags(path)
        except MediaError as exc:
            assert "\n" not in str(exc)
        else:
            assert info.length_ms > 0


def test_format_comes_from_content_not_name(media, tmp_path):
    renamed = tmp_path / "really-flac.mp3"
    shutil.copy(media.good["flac"], renamed)
    info = read_tags(renamed)
    assert info.format == "flac" and info.title == "Harbour Lights (flac)"


def test_unreadable_file(tmp_path):
    assert _reason(tmp_path / "nope.mp3").startswith("cannot open: ")


def test_hash_comes_with_the_tags_and_with_errors(media):
    import hashlib

    def hasher():
        return hashlib.blake2b(digest_size=32)

    info, digest = read_tags_and_hash(media.good["wav"], hasher)
    assert digest == hashlib.blake2b(media.good["wav"].read_bytes(), digest_size=32).hexdigest()
    with pytest.raises(MediaError) as exc:
        read_tags_and_hash(media.broken["text"], hasher)
    assert exc.value.content_hash == hashlib.blake2b(media.broken["text"].read_bytes(), digest_size=32).hexdigest()


def test_mutagen_surprises_become_media_errors(monkeypatch, media):
    def boom(*args, **kwargs):
        raise IndexError("list index out of range\nsecond line")

    monkeypatch.setitem(tagmod._CLASSES, "wav", boom)
    assert _reason(media.good["wav"]) == "cannot read WAV: IndexError: list index out of range second line"


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize("text, expected", [
    ("US-S1Z-99-00001", "USS1Z9900001"), ("uss1z9900001", "USS1Z9900001"), ("GB ABC 18 12345", "GBABC1812345"),
    ("US-S1Z-99-0001", ""), ("1S-S1Z-99-00001", ""), ("US-S1Z-9A-00001", ""), ("", "")])
def test_normalise_isrc(text, expected):
    assert normalise_isrc(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2019", "2019"), ("2019-3", "2019-03"), ("2019-03-04", "2019-03-04"), ("2019/03/04", "2019-03-04"),
    ("20190304", "2019-03-04"), ("2019-03-04T10:00:00", "2019-03-04"), ("2019-13-01", "2019"),
    ("0000", ""), ("March 2019", ""), ("", "")])
def test_normalise_date(text, expected):
    assert normalise_date(text) == expected


def test_sniff_recognises_headers():
    assert sniff(b"fLaC" + b"\0" * 60) == "flac"
    assert sniff(b"ID3\x04" + b"\0" * 60) == "id3"
    assert sniff(b"\xff\xfb\x90\x00") == "mp3"
    assert sniff(b"\xff\xf1\x50\x80") == "aac"
    assert sniff(b"RIFF\0\0\0\0WAVEfmt ") == "wav"
    assert sniff(b"FORM\0\0\0\0AIFCCOMM") == "aiff"
    assert sniff(b"\0\0\0\x20ftypM4A ") == "m4a"
    assert sniff(b"OggS" + b"\0" * 24 + b"OpusHead") == "opus"
    assert sniff(b"hello") is None
