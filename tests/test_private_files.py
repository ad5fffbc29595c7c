"""The database and the state folder are closed to other users, whatever the umask.

Real commands under umask 000, a real daemon on air, and a real other user (`nobody`) trying to
read what radiod wrote. The station lives in a folder everyone may traverse, and a world-readable
control file beside it shows that `nobody` is refused by the files' own modes, not by the path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.audio_capture import private_pulse
from tests.playout.daemon_station import Daemon, make_station, rows, wait_for

RADIOD = str(Path(sys.executable).parent / "radiod")

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def as_nobody(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "nobody", "--", *argv], capture_output=True, timeout=30,
                          encoding="utf-8", errors="replace")


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder under /tmp that any user may enter (pytest's own tmp folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="radiod-private-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def radiod(station: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([RADIOD, "--station", str(station), *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin"})


def test_commands_create_the_database_0600_under_umask_000(open_folder):
    station = open_folder / "station"
    station.mkdir(mode=0o755)
    (station / "radiod.toml").write_text('[station]\nname = "Open FM"\n')
    (station / "radiod.toml").chmod(0o644)
    with umask(0):
        assert radiod(station, "scan").returncode == 0
        done = radiod(station, "user", "add", "boss", "--role", "manager", "--password-stdin",
                      stdin="correct horse battery staple\n")
    assert done.returncode == 0, done.stderr
    db = station / "radiod.db"
    assert mode(db) == 0o600
    assert as_nobody("cat", str(station / "radiod.toml")).returncode == 0       # the path is open...
    refused = as_nobody("cat", str(db))                                          # ...the database is not
    assert refused.returncode != 0 and "Permission denied" in refused.stderr


def test_wal_and_shm_follow_the_database_mode_while_open(open_folder):
    """SQLite gives -wal and -shm the database file's mode; checked while a writer holds them."""
    db = open_folder / "radiod.db"
    code = ("import os, sys; os.umask(0); from radiod.store import open_db; c = open_db(sys.argv[1]);"
            " c.execute('CREATE TABLE IF NOT EXISTS t (x)'); c.execute('INSERT INTO t VALUES (1)');"
            " print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        for name in ("radiod.db", "radiod.db-wal", "radiod.db-shm"):
            assert mode(open_folder / name) == 0o600, name
            assert as_nobody("cat", str(open_folder / name)).returncode != 0, name
    finally:
        proc.communicate("", timeout=30)


def test_a_world_readable_database_is_tightened_when_opened(open_folder):
    db = open_folder / "radiod.db"
    with umask(0o022):
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    db.chmod(0o644)
    assert as_nobody("cat", str(db)).returncode == 0                 # readable by anyone, as the finding had it
    done = radiod(open_folder, "user", "list")
    assert done.returncode == 0, done.stderr
    assert mode(db) == 0o600
    assert as_nobody("cat", str(db)).returncode != 0


@pytest.mark.slow
def test_the_daemon_keeps_its_state_private_under_umask_000(tmp_path, open_folder):
    """A daemon on air under umask 000: database 0600, state folder 0700, control socket 0600."""
    station, _ = make_station(open_folder)
    open_folder.joinpath("station").chmod(0o755)
    state = station / "state"
    state.chmod(0o755)                                  # as an older version (or a umask 022) left it
    db = station / "radiod.db"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    with private_pulse(tmp_path), umask(0):
        daemon = Daemon(station, tmp_path / "daemon.log")
        try:
            wait_for(lambda: [r for r in rows(station) if r["seq"] is None], what="on air")
            assert mode(state) == 0o700
            assert mode(state / "control.sock") == 0o600
            for name in ("radiod.db", "radiod.db-wal", "radiod.db-shm"):
                assert mode(station / name) == 0o600, name
                assert as_nobody("cat", str(station / name)).returncode != 0, name
            assert as_nobody("ls", str(state)).returncode != 0
            assert f"{db}: made private (was 644)" in daemon.log()
        finally:
            assert daemon.terminate() == 0, daemon.log()[-2000:]


def test_the_panel_secret_and_state_folder_are_private(open_folder):
    station = open_folder / "station"
    station.mkdir(mode=0o755)
    with umask(0):
        proc = subprocess.Popen([RADIOD, "--station", str(station), "web", "--host", "127.0.0.1", "--port", "26401"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                env={"PATH": "/usr/bin:/bin"})
    try:
        secret = station / "state" / "web-secret"
        wait_for(lambda: secret.exists() and secret.stat().st_size > 0, what="the session key")
        assert mode(secret) == 0o600 and mode(station / "state") == 0o700
        assert mode(station / "radiod.db") == 0o600
        assert as_nobody("cat", str(secret)).returncode != 0
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
