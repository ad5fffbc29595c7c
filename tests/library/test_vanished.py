"""A media folder that vanishes (an unmounted share, a removed disk, an emptied or unreadable
folder) loses nothing: the scan leaves its tracks alone and says so in one line naming the root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from radiod.cli import main
from radiod.clock import FakeClock
from radiod.library.scan import scan_library
from radiod.store import open_db

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def conn(tmp_path):
    db = open_db(tmp_path / "radiod.db")
    yield db
    db.close()


@pytest.fixture
def clock():
    return FakeClock(T0)


def fill(folder: Path, source: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        target = folder / f"song{n:02d}{source.suffix}"
        shutil.copy(source, target)
        paths.append(target)
    return paths


def statuses(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT path, status FROM tracks").fetchall())


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def share(tmp_path):
    """A real tmpfs mount (as root), else a folder whose permissions are taken away: an unmounted
    share either way. Unmounted / restored after the test."""
    point = tmp_path / "share"
    point.mkdir()
    mounted = can_mount() and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point)],
                                             capture_output=True).returncode == 0
    yield point, mounted
    if mounted:
        subprocess.run(["umount", str(point)], capture_output=True)
    else:
        point.chmod(0o755)


def test_an_unmounted_share_keeps_its_tracks(conn, clock, tmp_path, tone_file, share):
    point, mounted = share
    local = fill(tmp_path / "local", tone_file("a.mp3"), 2)
    songs = fill(point / "rock", tone_file("a.flac"), 3)
    first = scan_library(conn, [tmp_path / "local", point], clock=clock)
    assert first.new == 5 and not first.withheld
    if mounted:
        assert subprocess.run(["umount", str(point)]).returncode == 0      # the share goes away
        assert not any(point.iterdir())
    else:
        point.chmod(0)                                                   # not root: unreadable
    summary = scan_library(conn, [tmp_path / "local", point], clock=clock)
    assert summary.missing == 0 and summary.new == 0
    assert len(summary.withheld) == 1 and summary.withheld[0].startswith(f"{point}: ")
    assert "its tracks were left as they were" in summary.withheld[0]
    assert summary.withheld[0] in summary.warnings
    assert set(statuses(conn).values()) == {"ok"}
    assert {str(p) for p in local + songs} == set(statuses(conn))


def test_a_removed_root_keeps_its_tracks(conn, clock, tmp_path, tone_file):
    fill(tmp_path / "usb", tone_file("a.wav"), 3)
    scan_library(conn, [tmp_path / "usb"], clock=clock)
    shutil.rmtree(tmp_path / "usb")
    summary = scan_library(conn, [tmp_path / "usb"], clock=clock)
    assert summary.withheld == [f"{tmp_path / 'usb'}: folder does not exist; skipped (its tracks were left as they were)"]
    assert set(statuses(conn).values()) == {"ok"}


def test_an_emptied_root_needs_confirming(conn, clock, tmp_path, tone_file):
    root = tmp_path / "music"
    songs = fill(root, tone_file("a.ogg"), 3)
    scan_library(conn, [root], clock=clock)
    for song in songs:
        song.unlink()
    summary = scan_library(conn, [root], clock=clock)
    assert summary.withheld == [
        f"{root}: the folder is empty where 3 tracks were (an unmounted share?); its tracks were left "
        "as they were (run radiod scan --confirm-missing if they were removed)"]
    assert set(statuses(conn).values()) == {"ok"} and summary.missing == 0
    confirmed = scan_library(conn, [root], clock=clock, confirm_missing=True)
    assert confirmed.missing == 3 and not confirmed.withheld
    assert set(statuses(conn).values()) == {"missing"}


def test_more_than_the_threshold_gone_at_once_needs_confirming(conn, clock, tmp_path, tone_file):
    root = tmp_path / "music"
    songs = fill(root, tone_file("a.wav", seconds=0.2), 40)
    scan_library(conn, [root], clock=clock)
    for song in songs[:12]:                                              # 30 % of the folder
        song.unlink()
    summary = scan_library(conn, [root], clock=clock)
    assert summary.missing == 0 and len(summary.withheld) == 1
    assert summary.withheld[0].startswith(f"{root}: 12 of 40 tracks (30%) are gone at once, more than "
                                          "library.missing_threshold_percent (20%)")
    assert scan_library(conn, [root], clock=clock, missing_threshold_percent=50).missing == 12
    # a few files removed by hand is ordinary housekeeping: no confirming needed
    for song in songs[12:16]:
        song.unlink()
    ordinary = scan_library(conn, [root], clock=clock)
    assert ordinary.missing == 16 and not ordinary.withheld


def test_an_unreadable_subfolder_keeps_its_tracks(conn, clock, tmp_path, tone_file, monkeypatch):
    root = tmp_path / "music"
    fill(root / "a", tone_file("a.mp3"), 2)
    fill(root / "b", tone_file("a.mp3"), 2)
    scan_library(conn, [root], clock=clock)
    real_scandir = os.scandir

    def scandir(path):                 # root reads every folder, so the failure is simulated here
        if str(path) == str(root / "b"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = scan_library(conn, [root], clock=clock)
    assert summary.missing == 0 and set(statuses(conn).values()) == {"ok"}
    assert summary.warnings == [f"{root / 'b'}: cannot list folder: Permission denied"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_radiod_scan_says_so_and_confirm_missing_marks_them(tmp_path, capsys, tone_file):
    station = tmp_path / "station"
    songs = fill(station / "media", tone_file("a.mp3"), 3)
    (station / "radiod.toml").write_text('[station]\nname = "Test FM"\n[library]\nanalyze = false\n'
                                         'missing_threshold_percent = 10\n', encoding="utf-8")
    assert run(capsys, "--station", str(station), "scan")[0] == 0
    for song in songs:
        song.unlink()
    code, out, err = run(capsys, "--station", str(station), "scan")
    assert code == 0 and "0 missing, 0 errors" in out.splitlines()[0]
    assert err.splitlines() == [f"warning: {station / 'media'}: the folder is empty where 3 tracks were "
                                "(an unmounted share?); its tracks were left as they were "
                                "(run radiod scan --confirm-missing if they were removed)"]
    code, out, _ = run(capsys, "--station", str(station), "scan", "--json")
    assert json.loads(out.splitlines()[-1])["summary"]["withheld"][0].startswith(f"{station / 'media'}: ")
    code, out, _ = run(capsys, "--station", str(station), "scan", "--confirm-missing")
    assert code == 0 and "3 missing" in out.splitlines()[0]
