"""load_tracks: what the planner and playout see of the library."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
import shutil

import pytest

from radiod.clock import FakeClock
from radiod.library.query import load_track, load_tracks, playable_count, search_tracks
from radiod.library.store import set_overrides
from radiod.library.registry import parse_registry
from radiod.library.scan import scan_library
from radiod.store import open_db

CLOCK = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))   # when scans and analyses ran

REGISTRY = parse_registry("""
[[artist]]
name = "Harbours"
local = true
aliases = ["The Harbours"]

[[artist]]
name = "Visitor"
local = false

[[artist]]
name = "Earth, Wind & Fire"
local = true
""")


@pytest.fixture
def conn(tmp_path, tone_file):
    root = tmp_path / "media"
    root.mkdir()
    files = {
        "tagged-not-local.flac": {"artist": "The Harbours", "title": "A", "local": False},
        "registry-local.mp3": {"artist": "Visitor feat. Harbours", "title": "B"},
        "not-local.ogg": {"artist": "Visitor", "title": "C", "isrc": "USABC1900001"},
        "tagged-local.m4a": {"artist": "Nobody Known", "title": "D", "local": True},
        "band.wav": {"artist": "Earth, Wind & Fire", "title": "E"},
    }
    for name, tags in files.items():
        shutil.copy(tone_file(name, seconds=2, tags=tags), root / name)
    (root / "broken.mp3").write_text("not audio")
    db = open_db(tmp_path / "radiod.db")
    scan_library(db, [root], clock=CLOCK)
    yield db
    db.close()


def by_title(conn, registry=REGISTRY):
    return {t.title: t for t in load_tracks(conn, registry)}


def track_id(conn, title):
    return conn.execute("SELECT id FROM tracks WHERE title = ?", (title,)).fetchone()[0]


def test_only_playable_tracks_with_local_from_tag_then_registry(conn):
    tracks = by_title(conn)
    assert sorted(tracks) == ["A", "B", "C", "D", "E"]
    assert (tracks["E"].artist_keys, tracks["E"].local) == (("earth wind fire",), True)
    assert [tracks[t].local for t in "ABCD"] == [False, True, False, True]
    assert tracks["B"].artist_keys == ("visitor", "harbours")
    assert tracks["C"].isrc == "USABC1900001"
    # Without a registry only tags mark tracks local.
    assert [by_title(conn, None)[t].local for t in "ABCD"] == [False, False, False, True]


def test_length_and_cues_without_analysis(conn):
    c = by_title(conn)["C"]
    assert 1990 <= c.length_ms <= 2100
    assert (c.cue_in_ms, c.cue_out_ms, c.loudness_lufs, c.true_peak_dbtp) == (0, c.length_ms, None, None)
    assert c.play_ms == c.length_ms


def test_analysis_supplies_length_cues_and_loudness(conn):
    content_hash = conn.execute("SELECT content_hash FROM tracks WHERE title = 'B'").fetchone()[0]
    conn.execute("INSERT INTO analysis VALUES (?, -14.2, -1.1, 120, 1800, 2000, NULL, 0)", (content_hash,))
    b = by_title(conn)["B"]
    assert (b.length_ms, b.cue_in_ms, b.cue_out_ms, b.play_ms) == (2000, 120, 1800, 1680)
    assert (b.loudness_lufs, b.true_peak_dbtp) == (-14.2, -1.1)
    assert b.content_hash == content_hash


def test_undecodable_tracks_are_not_playable(conn):
    content_hash = conn.execute("SELECT content_hash FROM tracks WHERE title = 'A'").fetchone()[0]
    conn.execute("INSERT INTO analysis (content_hash, error, analyzed_at_ms) VALUES (?, 'cannot decode', 0)",
                 (content_hash,))
    assert "A" not in by_title(conn)


def test_overrides(conn):
    c = track_id(conn, "C")
    for field, value in [("title", "C (radio edit)"), ("artist", "Harbours & Guest"), ("cue_in_ms", "250"),
                         ("cue_out_ms", "not a number"), ("mood", "ignored")]:
        conn.execute("INSERT INTO track_overrides VALUES (?, ?, ?, 'manager', 0)", (c, field, value))
    track = load_track(conn, c, REGISTRY)
    assert track.title == "C (radio edit)" and track.artist == "Harbours & Guest"
    assert track.artist_keys == ("harbours", "guest") and track.local is True
    assert track.cue_in_ms == 250 and track.cue_out_ms == track.length_ms
    a = track_id(conn, "A")
    conn.execute("INSERT INTO track_overrides VALUES (?, 'local', 'yes', 'manager', 0)", (a,))
    assert load_track(conn, a, REGISTRY).local is True


def test_the_whole_library_load_applies_overrides_and_keeps_one_copy_of_repeated_text(conn):
    c, d = track_id(conn, "C"), track_id(conn, "D")
    conn.execute("UPDATE tracks SET artist = 'Visitor', album = 'Shared Album', genre = 'Folk' WHERE id = ?", (d,))
    conn.execute("UPDATE tracks SET album = 'Shared Album', genre = 'Folk' WHERE id = ?", (c,))
    conn.execute("INSERT INTO track_overrides VALUES (?, 'local', 'yes', 'manager', 0)", (c,))
    conn.execute("INSERT INTO track_overrides VALUES (?, 'title', 'D (live)', 'manager', 0)", (d,))
    tracks = by_title(conn)
    c_track, d_track = tracks["C"], tracks["D (live)"]
    assert c_track.local is True and d_track.local is True                 # override; tag
    assert (c_track.album, d_track.album, c_track.genre) == ("Shared Album", "Shared Album", "Folk")
    assert c_track.album is d_track.album and c_track.genre is d_track.genre
    assert c_track.artist is d_track.artist
    assert [by_title(conn)[t] for t in "ABE"] == [tracks[t] for t in "ABE"]    # the same on every load


def test_load_track_of_an_unplayable_row(conn):
    broken = conn.execute("SELECT id FROM tracks WHERE status = 'error'").fetchone()[0]
    assert load_track(conn, broken) is None
    assert load_track(conn, 999_999) is None


def _plain_search(conn, registry, q, local, missing):
    """The Library page's filter as it was: every track loaded, then filtered in Python."""
    return [t.id for t in load_tracks(conn, registry)
            if (not q or q.casefold() in f"{t.title}\n{t.artist}\n{t.album}\n{t.path}".casefold())
            and (local not in ("yes", "no") or t.local == (local == "yes"))
            and (not missing or not getattr(t, missing))]


@pytest.mark.parametrize("registry", [REGISTRY, None])
def test_search_tracks_finds_what_loading_everything_finds(conn, registry):
    set_overrides(conn, track_id(conn, "C"), {"title": "Zebra Crossing", "local": "yes"}, changed_by="t",
                  changed_at_ms=0)
    cases = [(q, local, missing) for q in ("", "harbour", "ZEBRA", "c", "visitor", "%", "_", "none")
             for local in ("", "yes", "no") for missing in ("", "isrc", "label")]
    for q, local, missing in cases:
        found, total = search_tracks(conn, registry, q=q, local=local, missing=missing, limit=2)
        expected = _plain_search(conn, registry, q, local, missing)
        assert ([t.id for t in found], total) == (expected[:2], len(expected)), (q, local, missing)
    assert playable_count(conn) == 5


def test_tracklist_matches_read_by_index_equal_matches_over_the_whole_library(conn):
    from radiod.library.query import load_candidates
    from radiod.tracklists import lookup_keys, match_entries, read_tracklist

    set_overrides(conn, track_id(conn, "D"), {"artist": "Somebody Else"}, changed_by="manager", changed_at_ms=0)
    text = ("0:00 Harbours – A\n"                    # the registry's name for the track's alias credit
            "1:00 Visitor & Harbours – B\n"          # split differently from the tag's "feat."
            "2:00 Someone – not in the library\n"
            "3:00 Earth, Wind & Fire – E\n"          # one registered artist, not three
            "4:00 Somebody Else – D\n").encode()     # only the manager's override names this artist
    entries = read_tracklist(text, 3600_000).entries
    isrcs, keys = lookup_keys(entries, REGISTRY)
    candidates = load_candidates(conn, REGISTRY, isrcs=isrcs, artist_keys=keys)

    def matched(tracks):
        return [m.track.title if m.track else None for m in match_entries(entries, tracks, REGISTRY)]

    assert matched(candidates) == matched(load_tracks(conn, REGISTRY)) == ["A", "B", None, "E", "D"]
    visitor_only = read_tracklist(b"0:00 Visitor - C\n", 3600_000).entries
    isrcs, keys = lookup_keys(visitor_only, REGISTRY)
    assert {t.title for t in load_candidates(conn, REGISTRY, isrcs=isrcs, artist_keys=keys)} == {"B", "C", "D"}


def test_tracklist_entry_with_an_isrc_finds_its_track_by_index(conn):
    from radiod.library.query import load_candidates
    from radiod.tracklists import lookup_keys, match_entries, read_tracklist

    entries = [replace(e, isrc="USABC1900001") for e in read_tracklist(b"0:00 Whoever - Whatever\n", 3600_000).entries]
    isrcs, keys = lookup_keys(entries, REGISTRY)
    [found] = match_entries(entries, load_candidates(conn, REGISTRY, isrcs=isrcs, artist_keys=keys), REGISTRY)
    assert found.track is not None and found.track.title == "C"
