"""The rolling archive: Liquidsoap records hourly files; radiod deletes those past their days."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

# Liquidsoap names archive files by the local time they start: %Y-%m-%d_%H-%M-%S.mp3
NAME_FORMAT = "%Y-%m-%d_%H-%M-%S"


def archive_dir(state: Path) -> Path:
    return state / "archive"


def expired(directory: Path, keep_days: int, now: datetime) -> list[Path]:
    """Archive files that started more than ``keep_days`` before ``now`` (naive local time, as named)."""
    if keep_days <= 0 or not directory.is_dir():
        return []
    limit = now - timedelta(days=keep_days)
    old = []
    for path in sorted(directory.glob("*.mp3")):
        try:
            started = datetime.strptime(path.stem, NAME_FORMAT)
        except ValueError:
            continue                # not an archive file: never touched
        if started < limit:
            old.append(path)
    return old


def prune(directory: Path, keep_days: int, now: datetime) -> list[Path]:
    """Delete expired archive files; returns what was deleted."""
    deleted = []
    for path in expired(directory, keep_days, now):
        try:
            path.unlink()
            deleted.append(path)
        except FileNotFoundError:
            pass
    return deleted
