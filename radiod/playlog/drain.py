"""The drainer: a thread writing journal records into SQLite, in order, whenever it answers.

Each batch is one transaction that also moves ``play_journal.applied_n`` to its last record, so
after a crash at any point every record is in the database exactly once: records numbered up to
``applied_n`` are skipped. While the database is locked, full or failing the records wait in the
journal; the drainer retries with a growing pause (up to ``MAX_BACKOFF_S``), says once that the
database is unavailable, and once when it is back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Callable, Sequence

from radiod.db import transaction
from radiod.errors import DuplicatePlay, StoreError
from radiod.playlog.journal import Journal
from radiod.playlog.records import (ListenersCounted, OpenPlaysInterrupted, PlayClosed, PlayOpened, Record,
                                    encode)
from radiod.playlog.store import PlayLog, journal_applied, set_journal_applied

log = logging.getLogger(__name__)

BATCH = 200
MAX_BACKOFF_S = 2.0
STILL_DOWN_EVERY_S = 60.0
COMPACT_EVERY_S = 30.0


def applied_n(conn: sqlite3.Connection) -> int:
    """The last journal record number this database holds (0 when none)."""
    return journal_applied(conn)


def write_records(conn: sqlite3.Connection, records: Sequence[Record]) -> int:
    """Write ``records`` (in order) in one transaction; returns how many were new to the database.

    A record the database refuses (a bug, or a row someone else wrote) is left out with one error
    line holding the record itself, so the rest is not held up behind it.
    """
    written = 0
    with transaction(conn):
        done = applied_n(conn)
        playlog = PlayLog(conn)
        for record in records:
            if record.n <= done:
                continue
            conn.execute("SAVEPOINT record")
            try:
                _apply(playlog, record)
                written += 1
            except (StoreError, sqlite3.IntegrityError) as exc:
                conn.execute("ROLLBACK TO record")
                log.error("play log: journal record %d left out (%s): %s", record.n, exc,
                          encode(record).decode(errors="replace").rstrip())
            conn.execute("RELEASE record")
        set_journal_applied(conn, records[-1].n)
    return written


def _apply(playlog: PlayLog, record: Record) -> None:
    if isinstance(record, PlayOpened):
        try:
            playlog.insert(record.values, record.play_id)
        except DuplicatePlay as exc:
            # It aired: keep the row, without the key an older row already has.
            log.warning("play log: play %d: %s; written without its item key", record.play_id, exc)
            playlog.insert({**record.values, "item_key": None}, record.play_id)
    elif isinstance(record, PlayClosed):
        playlog.close(record.play_id, record.ended_at_ms, record.played_ms, record.end_reason, record.detail)
    elif isinstance(record, OpenPlaysInterrupted):
        playlog.close_open(record.now_ms, record.detail, record.below_id)
    elif isinstance(record, ListenersCounted):
        playlog.count_listeners(record.at_ms, record.listeners)
    else:
        raise StoreError(f"play log: unknown journal record {record!r}")


class Drainer:
    """Owns the writer connection; call ``start`` once and ``stop`` at shutdown."""

    def __init__(self, journal: Journal, connect: Callable[[], sqlite3.Connection]):
        self.journal = journal
        self.connect = connect
        self.written = 0
        self._conn: sqlite3.Connection | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._down_since: float | None = None
        self._down_logged = 0.0
        self._compacted = time.monotonic()
        self._stop_within_s = 5.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="playlog-drain", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> int:
        """Write what can be written within ``timeout_s``, then stop; returns records still waiting."""
        self._stop_within_s = timeout_s
        self._stop.set()
        self.journal.changed.set()
        if self._thread is not None:
            self._thread.join(timeout_s + MAX_BACKOFF_S + 2)
        self.journal.compact()
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None
        self.journal.close()
        return self.journal.waiting()

    def drain_once(self) -> bool:
        """Write one batch if there is one; True when the database took it (or nothing waited)."""
        self.journal.flush()                  # records kept in memory go to the file first
        self.journal.sync()
        batch = self.journal.batch(BATCH)
        if not batch:
            return True
        try:
            if self._conn is None:
                self._conn = self.connect()
            self.written += write_records(self._conn, batch)
        except (sqlite3.Error, StoreError) as exc:
            self._unavailable(exc)
            return False
        self.journal.applied(batch[-1].n)
        if self._down_since is not None:
            log.warning("play log: database back after %.1f s; the journal's plays are being written",
                        time.monotonic() - self._down_since)
            self._down_since = None
        return True

    def _run(self) -> None:
        deadline: float | None = None
        backoff = 0.0
        while True:
            if self._stop.is_set():
                deadline = deadline or time.monotonic() + self._stop_within_s
                if not self.journal.waiting() or time.monotonic() >= deadline:
                    return
            self.journal.changed.clear()
            if self.drain_once():
                backoff = 0.0
                if self.journal.waiting():
                    continue
                if time.monotonic() - self._compacted >= COMPACT_EVERY_S and self.journal.compact():
                    self._compacted = time.monotonic()
                # wake on the next append; look again now and then for records kept in memory
                self.journal.changed.wait(0.5 if self.journal.unwritten() else 5.0)
            else:
                backoff = min(MAX_BACKOFF_S, max(0.1, backoff * 2))
                if self._stop.is_set():
                    time.sleep(backoff)           # the stop event no longer waits
                else:
                    self._stop.wait(backoff)

    def _unavailable(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._conn is not None and self._conn.in_transaction:
            try:
                self._conn.rollback()
            except sqlite3.Error:
                self._conn.close()            # unusable: open a new one next time
                self._conn = None
        if self._down_since is None:
            self._down_since = self._down_logged = now
            log.warning("play log: database unavailable (%s); %d record(s) wait in the journal and are "
                        "written when it answers", exc, self.journal.waiting())
        elif now - self._down_logged >= STILL_DOWN_EVERY_S:
            self._down_logged = now
            log.warning("play log: database still unavailable after %.0f s (%s); %d record(s) waiting",
                        now - self._down_since, exc, self.journal.waiting())
