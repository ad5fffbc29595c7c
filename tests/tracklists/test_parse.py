"""Tracklist parsers, from files written the way each program writes them, and hostile input."""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path

import pytest

from radiod.library.model import Track
from radiod.library.registry import parse_registry
from radiod.tracklists.match import match_entries, unmatched_by_artist
from radiod.tracklists.model import MAX_BYTES, TracklistError
from radiod.tracklists.parse import read_tracklist

FIXTURES = Path(__file__).parent / "fixtures"
HOUR = 3600_000


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def problems(data: bytes, duration_ms: int | None = HOUR) -> list[str]:
    with pytest.raises(TracklistError) as caught:
        read_tracklist(data, duration_ms)
    return caught.value.problems


def test_cue_sheet_with_bom_crlf_and_album_performer() -> None:
    tracklist = read_tracklist(fixture("night-owl.cue"), 2 * HOUR)
    assert tracklist.format == "cue"
    first, second, third = tracklist.entries
    assert (first.offset_ms, first.artist, first.title, first.isrc) == (0, "The Quiet Harbours", "Harbour Lights", "CAQH12600001")
    # INDEX 01, not the pregap's INDEX 00; 37 frames of 75 per second are 493 ms.
    assert second.offset_ms == (4 * 60 + 2) * 1000 + 493 and second.line == 11
    assert (third.artist, third.offset_ms) == ("DJ Marée", 61 * 60 * 1000 + 20 * 1000)


def test_cue_entry_past_the_end_of_the_file_is_located() -> None:
    assert problems(fixture("night-owl.cue"), (58 * 60 + 4) * 1000) == [
        "line 16: 1:01:20 is past the end of the file (58:04)"]


def test_plain_text_dashes_hours_brackets_comments() -> None:
    tracklist = read_tracklist(fixture("night-owl.txt"), 2 * HOUR)
    assert tracklist.format == "text"
    assert [(e.line, e.offset_ms, e.artist, e.title) for e in tracklist.entries] == [
        (3, 0, "The Quiet Harbours", "Harbour Lights"),
        (4, 242_000, "Anna Brook feat. Lee", "Salt Road"),
        (5, 585_000, "Unsigned Band", "Basement Tape"),
        (6, 3_723_000, "Jay-Z", "99 Problems"),          # the hyphen inside a name is not a separator
    ]


def test_plain_text_in_windows_1252() -> None:
    entries = read_tracklist(fixture("night-owl-cp1252.txt"), HOUR).entries
    assert [e.artist for e in entries] == ["Beyoncé", "Sigur Rós"] and entries[1].title == "Hoppípolla"


def test_plain_text_problems_all_located_at_once() -> None:
    text = ("0:00 A – One\n"
            "61:20 B – Two\n"          # past the end of a 58:04 file
            "3:00 C – Three\n"         # before the line above it
            "what is this\n"
            "4:75 D – Four\n"
            "5:00 just a title\n")
    assert problems(text.encode(), (58 * 60 + 4) * 1000) == [
        "line 4: cannot read 'what is this'; expected [h:]mm:ss Artist – Title",
        "line 5: 4:75 is not a time ([h:]mm:ss)",
        "line 6: no ' – ' between artist and title in 'just a title'",
        "line 2: 61:20 is past the end of the file (58:04)",
        "line 3: 3:00 is not after line 2 (1:01:20); songs must be in order",
    ]


def test_mixxx_readable_text_export() -> None:
    tracklist = read_tracklist(fixture("mixxx-history.txt"), HOUR)
    assert tracklist.format == "mixxx"
    assert [(e.offset_ms, e.artist) for e in tracklist.entries] == [
        (0, "The Quiet Harbours"), (242_000, "Anna Brook feat. Lee"), (585_000, "Unsigned Band")]


def test_rekordbox_utf16_export_is_placed_back_to_back_and_marked_estimated() -> None:
    tracklist = read_tracklist(fixture("rekordbox-history.txt"), HOUR)
    assert tracklist.format == "rekordbox"
    assert [(e.line, e.offset_ms, e.title, e.estimated) for e in tracklist.entries] == [
        (2, 0, "Harbour Lights", True), (3, 242_000, "Salt Road", True), (4, 585_000, "Basement Tape", True)]
    # The same columns in another order (the DJ's view decides them) read the same.
    swapped = "#\tArtist\tTime\tTrack Title\r\n1\tX\t03:00\tY\r\n".encode("utf-16-le")
    entry = read_tracklist(codecs.BOM_UTF16_LE + swapped).entries[0]
    assert (entry.artist, entry.title) == ("X", "Y")


@pytest.mark.parametrize("data, message", [
    (b"0:00 A - B\n" * (MAX_BYTES // 11 + 1), "at most 256 KB"),
    (b"0:00 A - B\n\x00\x00evil", "line 2: NUL byte"),
    (b"".join(b"%d:00 A - B\n" % n for n in range(10_000)), "tracklist has 10000 lines; at most 2000"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "not valid utf-16-le text"),
    (b"", "no songs found"),
    (b"\n\n   \n", "no songs found"),
])
def test_hostile_input_refused_in_one_line(data: bytes, message: str) -> None:
    found = problems(data)
    assert len(found) == 1 and message in found[0], found


def test_many_bad_lines_are_capped() -> None:
    found = problems(b"nonsense\n" * 500)
    assert len(found) == 21 and found[-1] == "... and 480 more"


REGISTRY = parse_registry("""
[[artist]]
name = "The Quiet Harbours"
local = true

[[artist]]
name = "Unsigned Band"
local = true
aliases = ["The Unsigned"]
""")


def track(id: int, artist: str, title: str, keys: tuple[str, ...], isrc: str = "", local: bool = False) -> Track:
    return Track(id, f"/music/{id}.flac", title, artist, keys, "", "", isrc, "", "", "", "", "", 200_000,
                 0, 200_000, None, None, local)


def test_matching_by_isrc_then_by_artist_and_title_and_unmatched_counted_by_artist() -> None:
    library = [track(1, "Quiet Harbours", "Harbour Lights (Radio Edit)", ("quiet harbours",), "CAQH12600001", True),
               track(2, "Anna Brook & Lee", "Salt road", ("anna brook", "lee"))]
    text = ("0:00 Quiet Harbours – Whatever the DJ called it\n"
            "4:02 Anna Brook feat. Lee – Salt Road!\n"
            "9:45 Unsigned Band – Basement Tape\n"
            "12:00 The Unsigned – Attic Tape\n"
            "15:00 Stranger – Song\n").encode()
    entries = read_tracklist(text, HOUR).entries
    with_isrc = [replace(entries[0], isrc="CAQH12600001"), *entries[1:]]     # as a CUE sheet gives it
    found = match_entries(with_isrc, library, REGISTRY)
    assert [m.track.id if m.track else None for m in found] == [1, 2, None, None, None]
    assert [m.local for m in found] == [True, False, True, True, False]
    assert [m.registered for m in found] == [True, False, True, True, False]
    assert unmatched_by_artist(found) == {"unsigned band": 2, "stranger": 1}
