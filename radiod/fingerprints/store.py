"""Every statement on the fingerprint tables."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from radiod.fingerprints.match import Prints


@dataclass(frozen=True)
class StoredDetection:
    id: int
    audio: str
    play_id: int | None
    start_ms: int
    end_ms: int
    track_id: int
    track_offset_ms: int
    confidence: float
    status: str
    decided_by: str


def known_hashes(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT content_hash FROM fingerprints")}


def save_prints(conn: sqlite3.Connection, content_hash: str, prints: Prints | None, error: str | None,
                at_ms: int) -> None:
    blob = b"" if prints is None else prints.astype("<u4").tobytes()
    conn.execute("INSERT OR REPLACE INTO fingerprints (content_hash, items, prints, error, computed_at_ms)"
                 " VALUES (?, ?, ?, ?, ?)", (content_hash, len(blob) // 4, blob, error, at_ms))


def load_prints(conn: sqlite3.Connection) -> dict[str, Prints]:
    """Every readable content's sub-fingerprints, by content hash."""
    return {h: np.frombuffer(blob, dtype="<u4").astype(np.uint32)
            for h, blob in conn.execute("SELECT content_hash, prints FROM fingerprints WHERE error IS NULL"
                                        " AND items > 0 ORDER BY content_hash")}


def counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """(contents fingerprinted, of which unreadable, bytes of sub-fingerprints)."""
    row = conn.execute("SELECT COUNT(*), COUNT(error), COALESCE(SUM(LENGTH(prints)), 0) FROM fingerprints").fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def add_detection(conn: sqlite3.Connection, *, audio: str, play_id: int | None, start_ms: int, end_ms: int,
                  track_id: int, track_offset_ms: int, confidence: float, at_ms: int) -> int | None:
    """A new detection's id, or None when the same one was stored before (detect run again), or
    the same track over an overlapping time of the same audio (edges placed otherwise by another
    version of the matcher: one song heard once is one detection)."""
    if conn.execute("SELECT 1 FROM detections WHERE audio = ? AND track_id = ? AND start_ms < ? AND end_ms > ?",
                    (audio, track_id, end_ms, start_ms)).fetchone():
        return None
    cur = conn.execute(
        "INSERT OR IGNORE INTO detections (audio, play_id, start_ms, end_ms, track_id, track_offset_ms, confidence,"
        " detected_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (audio, play_id, start_ms, end_ms, track_id, track_offset_ms, confidence, at_ms))
    return cur.lastrowid if cur.rowcount and cur.lastrowid is not None else None


def detections(conn: sqlite3.Connection, *, status: str | None = None,
               ids: Iterable[int] | None = None) -> list[StoredDetection]:
    sql = ("SELECT id, audio, play_id, start_ms, end_ms, track_id, track_offset_ms, confidence, status, decided_by"
           " FROM detections")
    where: list[str] = []
    args: list[object] = []
    if status is not None:
        where.append("status = ?")
        args.append(status)
    if ids is not None:
        wanted = sorted(set(ids))
        where.append(f"id IN ({', '.join('?' for _ in wanted)})" if wanted else "0")
        args.extend(wanted)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [StoredDetection(*row) for row in conn.execute(sql + " ORDER BY audio, start_ms, id", args)]


def decide(conn: sqlite3.Connection, detection_id: int, status: str, *, by: str, at_ms: int) -> bool:
    """Set a waiting detection's decision; False when it is not waiting (decided before, or none)."""
    cur = conn.execute("UPDATE detections SET status = ?, decided_by = ?, decided_at_ms = ?"
                       " WHERE id = ? AND status = 'detected'", (status, by, at_ms, detection_id))
    return cur.rowcount == 1
