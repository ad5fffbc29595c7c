"""The library scan on real files and a real SQLite database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from radiod.clock import FakeClock
from radiod.library import scan as scanmod
from radiod.library.query import load_tracks
from radiod.library.scan import scan_library
from radiod.library.tags import write_tags
from radiod.store import open_db
from tests.library.samples import FORMATS

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def conn(tmp_path):
    db = open_db(tmp_path / "radiod.db")
    yield db
    db.close()


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def library(media, tmp_path) -> Path:
    return media.copy_to(tmp_path / "library")


def rows(conn) -> dict[str, dict]:
    return {r["path"]: dict(r) for r in conn.execute("SELECT * FROM tracks")}


def bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_first_scan_reads_everything(conn, clock, library):
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts == {"new": 12, "changed": 0, "unchanged": 0, "moved": 0, "missing": 0,
                              "errors": 5, "duplicates": 0}
    got = rows(conn)
    for fmt in FORMATS:
        row = got[str(library / "good" / f"harbour.{fmt}")]
        assert row["status"] == "ok" and row["reason"] is None and row["format"] == fmt
        assert row["isrc"] == "CAD121900042" and row["local_tag"] == 1 and row["year"] == 2019
        assert row["label"] == "Driftwood Records" and row["scanned_at_ms"] == 1795262400000
        assert len(row["content_hash"]) == 64
    reasons = {Path(p).name: r for p, r in summary.errors}
    assert reasons == {
        "empty.flac": "empty file",
        "readme.mp3": "not an audio file (it contains text)",
        "cut.flac": reasons["cut.flac"], "corrupt.flac": reasons["corrupt.flac"],
        "song.wma": "cannot read Windows Media: Not an ASF file.",
    }
    assert reasons["cut.flac"].startswith("truncated file (")
    assert reasons["corrupt.flac"].startswith("cannot read FLAC: ")
    for path, reason in summary.errors:
        assert got[path]["status"] == "error" and got[path]["reason"] == reason
    credits = conn.execute("SELECT position, name, artist_key FROM track_artists ta JOIN tracks t"
                           " ON t.id = ta.track_id WHERE t.format = 'opus' ORDER BY position").fetchall()
    assert [tuple(c) for c in credits] == [(0, "The Quiet Harbours", "quiet harbours"),
                                           (1, "Ana Sól", "ana sol"), (2, "Bo", "bo")]
    # Broken files are never playable.
    assert sorted(Path(t.path).name for t in load_tracks(conn)) == sorted(f"harbour.{f}" for f in FORMATS)


def test_unchanged_files_are_not_read_again(conn, clock, library, monkeypatch):
    scan_library(conn, [library], clock=clock)
    before = rows(conn)

    def must_not_read(*args, **kwargs):
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(scanmod, "read_tags_and_hash", must_not_read)
    clock.advance(60_000)
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["unchanged"] == 12 and summary.counts["new"] == 0
    assert len(summary.errors) == 5          # broken files are still reported on every scan
    assert rows(conn) == before


def test_changed_file_keeps_its_id(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    path = library / "good" / "harbour.mp3"
    old = rows(conn)[str(path)]
    write_tags(path, {"title": "Retitled", "artist": "Solo Artist"})
    bump_mtime(path)
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["changed"] == 1 and summary.counts["unchanged"] == 11
    new = rows(conn)[str(path)]
    assert new["id"] == old["id"] and new["title"] == "Retitled" and new["content_hash"] != old["content_hash"]
    names = [r[0] for r in conn.execute("SELECT name FROM track_artists WHERE track_id = ?", (old["id"],))]
    assert names == ["Solo Artist"]


def test_touched_but_identical_file_counts_as_unchanged(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    bump_mtime(library / "good" / "harbour.ogg")
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["unchanged"] == 12 and summary.counts["changed"] == 0


def test_move_keeps_the_row(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    old = library / "good" / "harbour.flac"
    track_id = rows(conn)[str(old)]["id"]
    new = library / "elsewhere" / "deeper" / "renamed.flac"
    new.parent.mkdir(parents=True)
    old.rename(new)
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["moved"] == 1 and summary.counts["missing"] == 0 and summary.counts["new"] == 0
    moved = [f for f in summary.files if f.change == "moved"]
    assert [(f.path, f.moved_from, f.track_id) for f in moved] == [(str(new), str(old), track_id)]
    got = rows(conn)
    assert str(old) not in got and got[str(new)]["id"] == track_id and got[str(new)]["status"] == "ok"


def test_move_into_another_folder_scanned_separately(conn, clock, tmp_path, tone_file):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(tone_file("x.ogg", tags={"title": "Traveller"}), a / "x.ogg")
    scan_library(conn, [a], clock=clock)
    track_id = rows(conn)[str(a / "x.ogg")]["id"]
    (a / "x.ogg").rename(b / "x.ogg")
    summary = scan_library(conn, [b], clock=clock)
    assert summary.counts["moved"] == 1
    assert rows(conn)[str(b / "x.ogg")]["id"] == track_id


def test_deleted_file_is_marked_missing_and_comes_back(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    path = library / "good" / "harbour.wav"
    track_id = rows(conn)[str(path)]["id"]
    saved = path.read_bytes()
    path.unlink()
    clock.advance(1000)
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["missing"] == 1
    assert [(f.path, f.change) for f in summary.files if f.change == "missing"] == [(str(path), "missing")]
    row = rows(conn)[str(path)]
    assert row["status"] == "missing" and row["missing_since_ms"] == 1795262401000 and row["title"]
    assert conn.execute("SELECT COUNT(*) FROM track_artists WHERE track_id = ?", (track_id,)).fetchone()[0] == 3
    assert track_id not in {t.id for t in load_tracks(conn)}
    # Still missing on the next scan, reported again but not re-marked.
    again = scan_library(conn, [library], clock=clock)
    assert again.counts["missing"] == 1 and rows(conn)[str(path)]["missing_since_ms"] == 1795262401000
    path.write_bytes(saved)
    back = scan_library(conn, [library], clock=clock)
    assert back.counts["missing"] == 0 and back.counts["changed"] == 1
    row = rows(conn)[str(path)]
    assert row["id"] == track_id and row["status"] == "ok" and row["missing_since_ms"] is None


def test_missing_file_found_under_a_new_name_is_a_move(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    path = library / "good" / "harbour.m4a"
    track_id = rows(conn)[str(path)]["id"]
    saved = path.read_bytes()
    path.unlink()
    scan_library(conn, [library], clock=clock)
    (library / "restored.m4a").write_bytes(saved)
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["moved"] == 1
    assert rows(conn)[str(library / "restored.m4a")]["id"] == track_id


def test_duplicates_are_reported(conn, clock, library):
    shutil.copy(library / "good" / "harbour.opus", library / "copy of harbour.opus")
    summary = scan_library(conn, [library], clock=clock)
    assert summary.duplicates == [sorted([str(library / "copy of harbour.opus"),
                                          str(library / "good" / "harbour.opus")])]
    assert summary.counts["duplicates"] == 1
    assert all(rows(conn)[p]["status"] == "ok" for p in summary.duplicates[0])


def test_file_that_breaks_becomes_an_error_row(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    path = library / "good" / "harbour.aiff"
    track_id = rows(conn)[str(path)]["id"]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    summary = scan_library(conn, [library], clock=clock)
    assert summary.counts["changed"] == 1
    row = rows(conn)[str(path)]
    assert row["id"] == track_id and row["status"] == "error" and row["reason"].startswith("truncated file (")
    assert row["title"] is None
    assert conn.execute("SELECT COUNT(*) FROM track_artists WHERE track_id = ?", (track_id,)).fetchone()[0] == 0


def test_unicode_long_and_undecodable_names(conn, clock, tmp_path, tone_file):
    root = tmp_path / "names"
    deep = root / "Ünïcødé" / "夜のうた" / ("d" * 200)
    deep.mkdir(parents=True)
    src = tone_file("u.flac", tags={"title": "Nacht"})
    unicode_name = deep / "Björk – Ночь 🌊.flac"
    long_name = deep / ("L" * 249 + ".flac")          # 255 bytes, the ext4 limit
    shutil.copy(src, unicode_name)
    shutil.copy(src, long_name)
    bad = os.fsencode(root) + b"/caf\xe9.flac"          # Latin-1 byte: not UTF-8
    with open(bad, "wb") as f:
        f.write(src.read_bytes())
    summary = scan_library(conn, [root], clock=clock)
    got = rows(conn)
    assert got[str(unicode_name)]["status"] == "ok" and got[str(long_name)]["status"] == "ok"
    escaped = str(root) + "/caf\\xe9.flac"
    assert got[escaped]["status"] == "error"
    assert got[escaped]["reason"] == "file name is not valid UTF-8; rename the file"
    assert summary.counts["new"] == 3
    again = scan_library(conn, [root], clock=clock)
    assert again.counts["unchanged"] == 3 and again.counts["missing"] == 0


def test_huge_tag_values_are_stored_cut_with_a_warning(conn, clock, tmp_path, tone_file):
    root = tmp_path / "huge"
    root.mkdir()
    path = shutil.copy(tone_file("h.mp3"), root / "h.mp3")
    write_tags(path, {"title": "T" * 2_000_000, "comment": "c" * (1 << 20), "artist": "Bo"})
    scan_library(conn, [root], clock=clock)
    row = rows(conn)[str(path)]
    assert row["status"] == "ok" and len(row["title"]) == 1000
    assert row["warnings"] == "title: 2000000 characters long, kept the first 1000"


def test_hidden_and_non_audio_files_are_skipped(conn, clock, tmp_path, tone_file):
    root = tmp_path / "mixed"
    (root / ".trash").mkdir(parents=True)
    shutil.copy(tone_file("a.mp3"), root / "a.mp3")
    shutil.copy(tone_file("a.mp3"), root / ".trash" / "old.mp3")
    (root / "._a.mp3").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "notes.txt").write_text("liner notes")
    summary = scan_library(conn, [root], clock=clock)
    assert summary.counts["new"] == 1 and summary.skipped == 4 and not summary.errors
    assert {Path(f.path).name: f.reason for f in summary.files if f.change == "skipped"} == {
        ".trash": "hidden folder (its name starts with a dot); not scanned",
        "._a.mp3": "hidden file (its name starts with a dot)",
        "cover.jpg": "not an audio file (JPEG image)", "notes.txt": "not an audio file (it contains text)"}
    assert list(rows(conn)) == [str(root / "a.mp3")]


def test_folder_that_vanished_leaves_its_rows_alone(conn, clock, tmp_path, tone_file):
    root = tmp_path / "usb"
    root.mkdir()
    shutil.copy(tone_file("a.wav"), root / "a.wav")
    scan_library(conn, [root], clock=clock)
    shutil.rmtree(root)
    summary = scan_library(conn, [root], clock=clock)
    assert summary.warnings == [f"{root}: folder does not exist; skipped (its tracks were left as they were)"]
    assert rows(conn)[str(root / "a.wav")]["status"] == "ok"


def test_scan_of_a_subfolder_does_not_touch_the_rest(conn, clock, library):
    scan_library(conn, [library], clock=clock)
    summary = scan_library(conn, [library / "good"], clock=clock)
    assert summary.counts["unchanged"] == 7 and summary.counts["missing"] == 0
    assert {r["status"] for r in rows(conn).values()} == {"ok", "error"}


def test_batches_and_progress(conn, clock, library, monkeypatch):
    monkeypatch.setattr(scanmod, "BATCH", 5)
    calls = []
    summary = scan_library(conn, [library], clock=clock, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 12), (5, 12), (10, 12), (12, 12)]
    assert summary.counts["new"] == 12 and len(rows(conn)) == 12


def test_summary_line(conn, clock, library):
    summary = scan_library(conn, [library], clock=clock)
    assert summary.line() == ("12 files: 12 new, 0 changed, 0 unchanged, 0 moved, 0 missing, "
                              "5 errors, 0 duplicates")


def test_files_are_read_without_holding_the_write_lock(conn, clock, library, tmp_path, monkeypatch):
    other = sqlite3.connect(tmp_path / "radiod.db", timeout=0, isolation_level=None, check_same_thread=False)
    real_read = scanmod._read
    writes = []
    # Files are read by several threads; they share the one other connection, one transaction at a time.
    other_lock = threading.Lock()

    def read_then_write(*args):
        # Another writer (playout logging a play) must get the lock at once while files are read.
        with other_lock:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writes.append(args[1])
        return real_read(*args)

    monkeypatch.setattr(scanmod, "_read", read_then_write)
    summary = scan_library(conn, [library], clock=clock)
    assert len(writes) == 12 and summary.counts["new"] == 12
    other.close()


def test_default_roots_include_the_uploads_folder_once_it_exists(tmp_path):
    """The CLI scan and the daemon's periodic rescan both cover DJs' uploaded shows."""
    from radiod.config import load_config

    config = load_config(tmp_path, env={})
    assert scanmod.library_roots(config) == [tmp_path / "media"]
    (tmp_path / "uploads").mkdir()
    assert scanmod.library_roots(config) == [tmp_path / "media", tmp_path / "uploads"]
