"""Real faults for the database and the disk under it: a small tmpfs that fills up, a second
process holding SQLite's write lock.

    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        filler = fill(disk)          # the disk is full now
        filler.unlink()              # and has room again
    with write_lock(db):             # another process holds BEGIN IMMEDIATE until the block ends
        ...
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

_LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def small_tmpfs(mount: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``mount`` (root only; unmounted afterwards)."""
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(directory: Path) -> Path:
    """Write a file into ``directory`` until the disk has not one byte left; returns it."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    for chunk in (65536, 4096, 1):
        try:
            while True:
                os.write(fd, b"\0" * chunk)
        except OSError:
            pass
    os.close(fd)
    return filler


@contextlib.contextmanager
def write_lock(db: Path) -> Iterator[subprocess.Popen]:
    """Another process holds the database's write lock (BEGIN IMMEDIATE) while the block runs."""
    locker = subprocess.Popen([sys.executable, "-c", _LOCKER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        line = locker.stdout.readline()          # type: ignore[union-attr]
        if line != "locked\n":
            raise RuntimeError(f"the locking process could not lock {db}")
        yield locker
    finally:
        locker.stdin.close()                      # type: ignore[union-attr]
        locker.wait(timeout=10)
