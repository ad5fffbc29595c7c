"""Closed hour files into the logger's hash chain, and the check `radiod verify-log` runs on them.

A row's hash covers the file's name, format, first-frame instant, frame count, length and SHA-256,
chained to the row before (radiod.playlog.chain), so a file changed by one byte, a row edited, or
a row removed is found. Rows are added in the order the files start; a close the database could
not take (locked, full) is caught up at the next one, from the sidecars.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from radiod.db import connect, transaction
from radiod.logger.files import HourFile, anchors_from, expires_us, file_digest, hour_files
from radiod.playlog.chain import GENESIS, link

FIELDS: tuple[str, ...] = ("id", "name", "format", "start_us", "frames", "bytes", "sha256", "anchors")
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class ChainedFile:
    """A row of the chain."""

    id: int
    entry: HourFile
    prev_hash: str
    hash: str


def chain_closed(conn: sqlite3.Connection, folder: Path, now_ms: int) -> list[str]:
    """Add every closed file of the folder not chained yet, oldest first; returns their names."""
    added = []
    with transaction(conn):
        known = {name for (name,) in conn.execute("SELECT name FROM logger_files")}
        last = conn.execute("SELECT id, hash FROM logger_files ORDER BY id DESC LIMIT 1").fetchone()
        next_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        for entry in hour_files(folder):
            if not entry.closed or entry.name in known:
                continue
            row = _row(next_id, entry)
            digest = link(prev, row, FIELDS)
            conn.execute("INSERT INTO logger_files (id, name, format, start_us, frames, bytes, sha256, anchors,"
                         " chained_at_ms, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (next_id, entry.name, entry.format, entry.start_us, entry.frames, entry.bytes,
                          entry.sha256, row["anchors"], now_ms, prev, digest))
            added.append(entry.name)
            next_id, prev = next_id + 1, digest
    return added


def chain_into(database: Path, folder: Path, now_ms: int) -> list[str]:
    """``chain_closed`` on a connection of its own (the logger's thread calls it once an hour; the
    daemon created and migrated the database before the air began)."""
    conn = connect(f"file:{database}", read_only=False, busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        return chain_closed(conn, folder, now_ms)
    finally:
        conn.close()


def _row(row_id: int, entry: HourFile) -> dict[str, object]:
    return {"id": row_id, "name": entry.name, "format": entry.format, "start_us": entry.start_us,
            "frames": entry.frames, "bytes": entry.bytes, "sha256": entry.sha256,
            "anchors": json.dumps([list(a) for a in entry.anchors], separators=(",", ":"))}


def chained_files(conn: sqlite3.Connection) -> list[ChainedFile]:
    """The chain in order (empty when the table does not exist yet: a database never migrated)."""
    try:
        rows = conn.execute("SELECT id, name, format, start_us, frames, bytes, sha256, anchors, prev_hash, hash"
                            " FROM logger_files ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    found = []
    for r in rows:
        try:
            anchors = anchors_from(json.loads(r[7]))
        except ValueError:
            anchors = ((-1, -1),)           # not a time map: the row's hash says so
        found.append(ChainedFile(r[0], HourFile(name=r[1], format=r[2], start_us=r[3], frames=r[4], bytes=r[5],
                                                sha256=r[6], anchors=anchors), r[8], r[9]))
    return found


def verify_recordings(conn: sqlite3.Connection, folder: Path, keep_days: int, now_ms: int, *,
                      from_ms: int | None = None, to_ms: int | None = None) -> tuple[int, list[str]]:
    """Check the chain and every file it names (only those overlapping [from_ms, to_ms) when
    given: reading a month of files takes minutes): (files checked, problems). A file may be
    missing only once its keeping period is over; one changed by a byte no longer has its SHA-256."""
    problems: list[str] = []
    prev, checked = GENESIS, 0
    for expected_id, row in enumerate(chained_files(conn), start=1):
        entry = row.entry
        if row.id != expected_id:
            problems.append(f"recording row {expected_id}: missing (row deleted)")
            break
        if row.prev_hash != prev or link(row.prev_hash, _row(row.id, entry), FIELDS) != row.hash:
            problems.append(f"recording {entry.name} (row {row.id}): its row does not match its hash (edited or reordered)")
            break
        prev = row.hash
        if (to_ms is not None and entry.start_us >= to_ms * 1000) or \
                (from_ms is not None and (entry.end_us or 0) <= from_ms * 1000):
            continue
        path = folder / entry.name
        if not path.exists():
            due = expires_us(entry, keep_days)
            if due is not None and now_ms * 1000 < due:
                problems.append(f"recording {entry.name}: missing from {folder} before its time "
                                f"(to be kept until {_utc(due)})")
            continue
        try:
            size, digest = file_digest(path)
        except OSError as exc:
            problems.append(f"recording {entry.name}: cannot be read: {exc.strerror or exc}")
            continue
        if size != entry.bytes or digest != entry.sha256:
            problems.append(f"recording {entry.name}: altered ({size} bytes, SHA-256 {digest[:16]}…; "
                            f"chained {entry.bytes} bytes, {(entry.sha256 or '')[:16]}…)")
            continue
        checked += 1
    return checked, problems


def _utc(epoch_us: int) -> str:
    return datetime.fromtimestamp(epoch_us / 1_000_000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
