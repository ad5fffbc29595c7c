"""`radiod demo init`: the example station is complete, scans cleanly and is the same every time."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import radiod.library.synth as synth
from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.errors import MediaError, RadiodError
from radiod.library.analyze import analyze_library
from radiod.library.artists import split_artists
from radiod.app.artists import artist_listing
from radiod.library.demo import (ALBUMS, FILE_COUNT, SHOW_ID, build_demo, plan_demo,
                                 repository_schedules)
from radiod.library.registry import load_registry, registry_path
from radiod.library.scan import scan_library
from radiod.library.tags import TEXT_FIELDS, read_tags
from radiod.store import open_db

CLOCK = FakeClock(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))   # when scans and analyses ran

TODAY = date(2026, 11, 21)
MUSIC = ("local-new", "local-gold", "national", "international")


def radiod_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radiod.cli", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    """The full demo, built once through the real command."""
    directory = tmp_path_factory.mktemp("demo") / "station"
    proc = radiod_cli("demo", "init", str(directory), "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    assert "80 music tracks" in proc.stdout
    return directory


@pytest.fixture(scope="module")
def scanned(station):
    config = load_config(station)
    conn = open_db(config.paths.database)
    summary = scan_library(conn, [*config.paths.media, config.paths.uploads], clock=CLOCK)
    return config, conn, summary


def _audio(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".mp3", ".ogg", ".flac"))


def test_layout(station):
    media = station / "media"
    counts = {folder: len(_audio(media / "music" / folder)) for folder in MUSIC}
    assert counts == {"local-new": 22, "local-gold": 20, "national": 15, "international": 23}
    assert {folder: len(_audio(media / folder)) for folder in ("ids", "jingles", "psa")} == \
        {"ids": 3, "jingles": 3, "psa": 2}
    show = _audio(station / "uploads" / SHOW_ID)
    assert [p.name[:3] for p in show] == ["01-", "02-", "03-"]
    assert Counter(p.suffix for p in _audio(media / "music")) == {".mp3": 27, ".ogg": 27, ".flac": 26}
    assert len(_audio(station)) == FILE_COUNT


def test_config_and_schedules(station):
    config = load_config(station, env={})
    assert config.station.name == "Demo FM"
    assert config.station.timezone == "America/Toronto"
    assert config.service_name == "DemoFM"
    assert config.playout.output == "auto"
    assert config.logger.enabled and config.logger.folder == station.resolve() / "logger"
    assert config.paths.media == [station.resolve() / "media"]
    assert config.paths.uploads == station.resolve() / "uploads"
    assert config.streams.hls_bitrates == [64, 128] and config.streams.icecast == []   # HLS, no Icecast needed
    source = repository_schedules()
    copied = sorted(p.relative_to(station / "schedules") for p in (station / "schedules").rglob("*"))
    assert copied == sorted(p.relative_to(source) for p in source.rglob("*"))
    assert (station / "schedules" / "artists.toml").read_bytes() == (source / "artists.toml").read_bytes()


def test_files_named_by_the_example_schedules_exist(station):
    # The example station's emergency playlist and fixed clock items point into the demo's media.
    schedules = station / "schedules"
    named = []
    for playlist in schedules.glob("*.m3u"):
        named += [line.strip() for line in playlist.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]

    def files_in(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "file" and isinstance(item, str):
                    yield item
                else:
                    yield from files_in(item)
        elif isinstance(value, list):
            for item in value:
                yield from files_in(item)

    for path in schedules.glob("*.toml"):
        named += list(files_in(tomllib.loads(path.read_text(encoding="utf-8"))))
    assert named, "the example schedules name no files"
    missing = [name for name in named if not (station / "media" / name).is_file()]
    assert missing == []


def test_the_library_scans_cleanly_with_every_field_tagged(scanned):
    _, conn, summary = scanned
    assert summary.new == FILE_COUNT
    assert summary.errors == [] and summary.duplicates == [] and summary.warnings == []
    rows = conn.execute("SELECT * FROM tracks WHERE path LIKE '%/media/music/%'").fetchall()
    assert len(rows) == 80 and all(row["status"] == "ok" for row in rows)
    assert all(row["warnings"] is None for row in conn.execute("SELECT warnings FROM tracks"))
    for row in rows:
        for column in ("title", "artist", "album", "album_artist", "label", "composer",
                       "release_date", "genre", "language"):
            assert row[column], (row["path"], column)
        assert 20_000 <= row["length_ms"] <= 93_000, row["path"]
    missing_isrc = [row for row in rows if not row["isrc"]]
    assert len(missing_isrc) == 6                       # deliberately, with album and label
    isrcs = [row["isrc"] for row in rows if row["isrc"]]
    assert len(set(isrcs)) == len(isrcs) == 74
    credits = [row["artist"] for row in rows]
    assert sum(" feat. " in c for c in credits) == 2
    assert sum(" & " in c for c in credits) == 3
    assert any(" vs. " in c for c in credits) and any(" x " in c for c in credits)


def test_release_dates_follow_the_folders(scanned):
    _, conn, _ = scanned
    for path, released in conn.execute("SELECT path, release_date FROM tracks WHERE path LIKE '%/music/%'"):
        if "/local-new/" in path:
            day = date.fromisoformat(released)
            assert TODAY - timedelta(days=365) < day <= TODAY, path
        else:
            assert int(released[:4]) <= 2023, path


def test_every_credited_artist_is_in_the_registry_with_the_right_facts(scanned):
    config, conn, _ = scanned
    registry = load_registry(registry_path(config.paths.schedules))
    listing = artist_listing(conn, registry)
    assert listing["unknown_artist_tracks"] == [] and listing["untagged_tracks"] == []
    locals_ = [a for a in registry if a.local and a.name != "Demo FM"]
    assert 8 <= len(locals_) <= 12 and all(a.city and a.region and a.country for a in locals_)
    for path, credit in conn.execute("SELECT path, album_artist FROM tracks WHERE path LIKE '%/music/%'"):
        artist = registry.get(credit)
        folder = path.split("/music/")[1].split("/")[0]
        if folder.startswith("local-"):
            assert artist.local, path
        else:
            assert not artist.local and (artist.country == "CA") == (folder == "national"), path
    used = {registry.get(name).name for (credit,) in conn.execute("SELECT artist FROM tracks")
            for name in split_artists(credit)}
    assert used == {a.name for a in registry}           # no registry entry without tracks


def test_cue_points_and_lengths_measured_by_analysis_match_the_plan(scanned, station):
    config, conn, _ = scanned
    summary = analyze_library(conn, workers=0, silence_threshold_db=config.library.silence_threshold_db, clock=CLOCK)
    assert (summary.analyzed, summary.failed) == (FILE_COUNT, 0)
    plan = {str(station.resolve() / f.relpath): f for f in plan_demo(TODAY, load_registry(
        registry_path(config.paths.schedules)))}
    rows = conn.execute("SELECT t.path, a.* FROM tracks t JOIN analysis a USING (content_hash)").fetchall()
    assert len(rows) == FILE_COUNT
    for row in rows:
        item = plan[row["path"]]
        assert row["cue_in_ms"] == pytest.approx(item.lead_silence_ms, abs=30), row["path"]
        assert row["cue_out_ms"] == pytest.approx(item.lead_silence_ms + item.seconds * 1000, abs=30)
        assert row["decoded_length_ms"] == pytest.approx(
            item.lead_silence_ms + item.seconds * 1000 + item.tail_silence_ms, abs=2)
        assert row["loudness_lufs"] is not None and row["true_peak_dbtp"] < 0


def _tags(directory: Path) -> dict[str, dict]:
    result = {}
    for path in _audio(directory):
        info = asdict(read_tags(path))
        result[str(path.relative_to(directory))] = {k: info[k] for k in (*TEXT_FIELDS, "artists", "local")}
    return result


def test_the_same_reference_date_gives_the_same_station(station, tmp_path):
    # Short audio (tags are independent of length) keeps the second build quick.
    again = tmp_path / "again"
    summary = build_demo(again, today=TODAY, length_scale=0.01)
    assert (summary.music, summary.imaging, summary.show_parts) == (80, 8, 3)
    assert _tags(again) == _tags(station)
    assert (again / "radiod.toml").read_text() == (station / "radiod.toml").read_text()


def test_the_reference_date_moves_only_new_release_dates():
    registry = load_registry(registry_path(repository_schedules()))
    now, later = plan_demo(TODAY, registry), plan_demo(TODAY + timedelta(days=100), registry)
    assert [f.relpath for f in now] == [f.relpath for f in later]
    changed = {f.relpath for f, g in zip(now, later) if f.tags != g.tags}
    assert changed and all("/local-new/" in path for path in changed)
    for f, g in zip(now, later):
        if f.relpath in changed:
            assert date.fromisoformat(g.tags["release_date"]) - date.fromisoformat(f.tags["release_date"]) \
                == timedelta(days=100)
    assert len({f.freqs for f in now if "/music/" in f.relpath}) == 80      # a distinct chord each


def test_every_album_artist_is_registered():
    registry = load_registry(registry_path(repository_schedules()))
    assert [a.artist for a in ALBUMS if a.artist not in registry] == []


def test_refuses_a_directory_that_is_not_empty(tmp_path):
    target = tmp_path / "station"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    proc = radiod_cli("demo", "init", str(target), "--today", "2026-11-21")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"radiod: {target}: not an empty directory; the demo is only written into a new or empty one "
        "(nothing was changed)"]
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "keep me"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(RadiodError, match="not an empty directory"):
        build_demo(a_file, today=TODAY)


def test_an_empty_directory_is_used(tmp_path):
    build_demo(tmp_path, today=TODAY, length_scale=0.01)
    assert (tmp_path / "radiod.toml").is_file() and len(_audio(tmp_path)) == FILE_COUNT


def test_a_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "FFMPEG", str(tmp_path / "no-ffmpeg-here"))
    with pytest.raises(MediaError, match="not found"):
        build_demo(tmp_path / "new", today=TODAY, length_scale=0.01)
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError):
        build_demo(tmp_path / "empty", today=TODAY, length_scale=0.01)
    assert list((tmp_path / "empty").iterdir()) == []
