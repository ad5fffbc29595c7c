"""Upload storage bounds on a real `radiod web`: a DJ over quota is refused, the station's total
quota holds, and a small tmpfs as the disk shows the free-space floor stopping an upload mid-way
and removing it (one DJ never fills the disk the station runs on)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from radiod.config import load_config

from hostile import Session, folder_bytes
from panel_support import RadiodWeb, make_station
from part2_support import GRID, SHOWS, add_part2_users

MB = 2**20


def station_with(root, web: str, **paths: str):
    make_station(root, web="workers = 1\nthreads = 4\n" + web)
    if paths:
        text = (root / "radiod.toml").read_text()
        (root / "radiod.toml").write_text(text + "[paths]\n" + "".join(f'{k} = "{v}"\n' for k, v in paths.items()))
    (root / "schedules" / "shows.toml").write_text(SHOWS, encoding="utf-8")
    (root / "schedules" / "grid.toml").write_text(GRID, encoding="utf-8")
    config = load_config(root, env={})
    add_part2_users(config)
    return config


def partials(config) -> list[str]:
    folder = config.paths.state / "uploads-partial"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_dj_over_quota_is_refused_and_nothing_is_kept(tmp_path):
    config = station_with(tmp_path / "st", "upload_quota_mb = 2\nuploads_total_mb = 3\n")
    with RadiodWeb(config.station_dir) as url:
        dj1, dj2 = Session(url).login("dj1"), Session(url).login("dj2")
        status, first = dj1.create_upload("night", "one.mp3", int(1.5 * MB))
        assert status == 200, first
        # The upload in progress holds its announced size: a second one would pass 2 MB.
        status, refused = dj1.create_upload("night", "two.mp3", 1 * MB)
        assert status == 507
        assert refused["error"] == ("two.mp3: 1 MB would put your uploads at 2.5 MB, over your 2 MB quota; "
                                    "remove a file first")
        assert partials(config) == [f"{first['id']}.json", f"{first['id']}.part"]
        # Another DJ has their own quota, but the station's total (3 MB) is reached.
        status, other = dj2.create_upload("late", "late.mp3", int(1.8 * MB))
        assert status == 507 and "over their 3 MB quota" in other["error"]
        status, fits = dj2.create_upload("late", "late.mp3", 1 * MB)
        assert status == 200, fits
        log = (config.station_dir / "web.log").read_text()
    assert "upload refused for dj1: two.mp3: 1 MB would put your uploads at 2.5 MB" in log
    assert "upload refused for dj2: late.mp3:" in log


@pytest.fixture
def small_disk(tmp_path):
    """A 12 MB tmpfs, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_the_free_space_floor_stops_an_upload_midway_and_removes_it(tmp_path, small_disk):
    config = station_with(tmp_path / "st", "uploads_min_free_mb = 4\n",
                          uploads=str(small_disk / "uploads"), state=str(small_disk / "state"))
    with RadiodWeb(config.station_dir) as url:
        dj = Session(url).login("dj1")
        # More than the disk can give while keeping 4 MB free: refused before a byte is sent.
        status, refused = dj.create_upload("night", "huge.mp3", 10 * MB)
        assert status == 507 and "not enough free disk space for 10 MB" in refused["error"]
        status, created = dj.create_upload("night", "show.mp3", 6 * MB)
        assert status == 200, created
        # Meanwhile something else takes 3 MB of the same disk (a recording, a log).
        (small_disk / "state" / "recording.wav").write_bytes(b"\0" * 3 * MB)
        status, stopped = dj.put_upload(created["id"], 0, b"\x01" * 6 * MB)
        assert status == 507, stopped
        assert "the disk is down to the 4 MB the station keeps free; the upload was removed" in stopped["error"]
        assert partials(config) == []
        assert folder_bytes(small_disk / "uploads") == 0
        assert shutil.disk_usage(small_disk).free >= 4 * MB
        # Resuming is not possible: it is gone.
        assert dj.request("GET", f"/dj/uploads/{created['id']}")[0] == 404
        log = (config.station_dir / "web.log").read_text()
    assert "upload stopped for dj1: show.mp3: stopped at" in log


def test_finished_files_count_toward_the_quota_of_the_dj_who_filed_them(tmp_path):
    from part2_support import make_audio

    config = station_with(tmp_path / "st", "upload_quota_mb = 1\n")
    audio = make_audio(tmp_path / "fits.mp3", 58).read_bytes()          # about 230 KB
    with RadiodWeb(config.station_dir) as url:
        dj1, dj2 = Session(url).login("dj1"), Session(url).login("dj2")
        status, created = dj1.create_upload("night", "fits.mp3", len(audio))
        assert status == 200, created
        status, done = dj1.put_upload(created["id"], 0, audio)
        assert status == 200 and done["done"], done
        rest = MB - len(audio)
        assert dj1.create_upload("night", "more.mp3", rest + 1)[0] == 507      # the filed show counts
        assert dj2.create_upload("late", "more.mp3", rest + 1)[0] == 200       # not against dj2
        assert dj1.create_upload("night", "more.mp3", rest)[0] == 200
