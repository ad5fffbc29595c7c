"""The fingerprint pass: Chromaprint sub-fingerprints of every library content that has none.

Like the analysis pass it runs off the air thread (``radiod scan``, ``radiod fingerprint
build``); each content is fingerprinted once (rows are keyed by the file bytes' hash), an
unreadable file is stored with its one-line error and the pass goes on.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Callable

from radiod.clock import Clock, to_ms
from radiod.db import transaction
from radiod.errors import MediaError
from radiod.fingerprints import store
from radiod.fingerprints.fpcalc import fingerprint_file
from radiod.library.query import load_tracks


@dataclass(frozen=True)
class BuildSummary:
    computed: int
    failed: int
    errors: tuple[str, ...]
    seconds: float


def fingerprint_library(conn: sqlite3.Connection, clock: Clock,
                        progress: Callable[[int, int], None] | None = None) -> BuildSummary:
    """Fingerprint the playable contents without a row (``conn``: the writer)."""
    known = store.known_hashes(conn)
    todo: dict[str, str] = {}
    for track in load_tracks(conn):
        if track.content_hash and track.content_hash not in known:
            todo.setdefault(track.content_hash, track.path)
    began = time.perf_counter()
    failed, errors = 0, []
    for n, (content_hash, path) in enumerate(sorted(todo.items(), key=lambda kv: kv[1]), start=1):
        try:
            prints, error = fingerprint_file(path), None
        except MediaError as exc:
            prints, error = None, str(exc)
            failed += 1
            errors.append(error)
        with transaction(conn):
            store.save_prints(conn, content_hash, prints, error, to_ms(clock.now()))
        if progress is not None:
            progress(n, len(todo))
    return BuildSummary(len(todo) - failed, failed, tuple(errors), time.perf_counter() - began)
