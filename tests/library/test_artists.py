"""Splitting co-artist credits and the key artists are matched by."""

from __future__ import annotations

import pytest

from radiod.library.artists import artist_key, split_artists


@pytest.mark.parametrize("credit, names", [
    ("The Quiet Harbours feat. Ana Sól & Bo", ["The Quiet Harbours", "Ana Sól", "Bo"]),
    ("A ft. B", ["A", "B"]), ("A Feat B", ["A", "B"]), ("A featuring B", ["A", "B"]),
    ("A (feat. B)", ["A", "B"]), ("A [ft. B]", ["A", "B"]),
    ("A x B", ["A", "B"]), ("A vs. B", ["A", "B"]), ("A vs B", ["A", "B"]), ("A, B, C", ["A", "B", "C"]),
    ("A; B", ["A", "B"]), ("A / B", ["A", "B"]), ("A + B", ["A", "B"]), ("A with B", ["A", "B"]),
    ("Simon & Garfunkel", ["Simon", "Garfunkel"]),
    # Not separators:
    ("AC/DC", ["AC/DC"]), ("Mumford and Sons", ["Mumford and Sons"]), ("Max", ["Max"]), ("Xenia", ["Xenia"]),
    ("Axel x", ["Axel x"]), ("Featherweight", ["Featherweight"]),
    # Duplicates and blanks are dropped, order kept.
    ("Bo & bo & BO", ["Bo"]), (" , A,, ", ["A"]), ("", []),
])
def test_split_artists(credit, names):
    assert split_artists(credit) == names


@pytest.mark.parametrize("a, b", [("Beyoncé", "BEYONCE"), ("The Quiet Harbours", "quiet harbours"),
                                  ("Sigur Rós", "sigur ros"), ("P!nk", "P nk"), ("  Bo  ", "bo")])
def test_artist_key_matches_spellings(a, b):
    assert artist_key(a) == artist_key(b)


def test_artist_key_keeps_scripts_other_than_latin():
    assert artist_key("坂本 龍一") == "坂本 龍一"
    assert artist_key("Кино") == "кино"
