"""The schedules folder on disk: read it for the parser, check an edit against it, write a file.

The parser (radiod.schedule.parse) is pure and reads through a ``Folder``; this module is the
one that touches the disk.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

from radiod.library.model import Track
from radiod.schedule import parse
from radiod.schedule.check import check_library, check_schedule
from radiod.schedule.model import Schedule


@dataclass(frozen=True)
class DiskFolder:
    """The schedules folder as it is on disk."""

    root: Path

    def is_folder(self) -> bool:
        return self.root.is_dir()

    def read(self, name: str) -> str | None:
        path = self.root / name
        if not path.exists():
            return None
        return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class EditedFolder:
    """A folder with some files' texts replaced (an edit not written yet)."""

    base: parse.Folder
    changes: Mapping[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.base.root

    def is_folder(self) -> bool:
        return self.base.is_folder()

    def read(self, name: str) -> str | None:
        return self.changes[name] if name in self.changes else self.base.read(name)


def parse_schedule(schedules_dir: Path | str) -> tuple[Schedule | None, list[str]]:
    """The folder's files parsed on their own (see radiod.schedule.parse.parse_schedule)."""
    return parse.parse_schedule(DiskFolder(Path(schedules_dir)))


def load_schedule(schedules_dir: Path | str) -> Schedule:
    """The checked schedule of the folder; ScheduleError lists every problem (located) at once."""
    return parse.load_schedule(DiskFolder(Path(schedules_dir)))


def check_files(schedules_dir: Path | str, changes: Mapping[str, str], *, tracks: Sequence[Track] | None = None,
                media_roots: Sequence[Path | str] = (), uploads_root: Path | str | None = None,
                day: date | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the folder as it would be with ``changes`` ({file name: new text}),
    from the checks of ``radiod check``; the real files are not touched. Messages name the real files."""
    schedule, errors = parse.parse_schedule(EditedFolder(DiskFolder(Path(schedules_dir)), changes))
    warnings: list[str] = []
    if schedule is not None:
        e, w = check_schedule(schedule)
        errors, warnings = errors + e, w
        if tracks is not None and not errors and day is not None:
            e, w = check_library(schedule, tracks, media_roots=media_roots, uploads_root=uploads_root, day=day)
            errors, warnings = errors + e, warnings + w
    return errors, warnings


def atomic_write(path: Path, text: str) -> None:
    """Write a file so readers see the old or the new text, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)
