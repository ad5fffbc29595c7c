"""Rolling archive retention."""

from __future__ import annotations

from datetime import datetime

from radiod.bridge.archive import expired, prune


def test_files_older_than_the_kept_days_are_deleted_and_others_never_touched(tmp_path):
    for name in ("2026-11-01_10-00-00.mp3", "2026-11-07_14-00-00.mp3", "2026-11-07_15-00-00.mp3",
                 "2026-11-21_14-00-00.mp3", "interview.mp3", "2026-11-01_10-00-00.txt"):
        (tmp_path / name).write_bytes(b"x")
    now = datetime(2026, 11, 21, 14, 30)
    assert [p.name for p in expired(tmp_path, 14, now)] == ["2026-11-01_10-00-00.mp3", "2026-11-07_14-00-00.mp3"]
    assert expired(tmp_path, 0, now) == []                       # 0 keeps everything
    deleted = prune(tmp_path, 14, now)
    assert len(deleted) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2026-11-01_10-00-00.txt", "2026-11-07_15-00-00.mp3", "2026-11-21_14-00-00.mp3", "interview.mp3"]


def test_a_missing_archive_folder_is_not_an_error(tmp_path):
    assert prune(tmp_path / "none", 14, datetime(2026, 11, 21)) == []
