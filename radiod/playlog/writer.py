"""The play log as the engine writes it: the journaled writer the daemon uses.

Both it and ``PlayLog`` (SQLite, synchronous) serve the engine's radiod.playout.log_port.PlayWriter;
``PlayLog``: simulations and tests use it directly.
The daemon uses ``JournaledPlayLog``: every call returns at once after an append to the journal
(``radiod.playlog.journal``); ids are allocated here, from what the database and the journal
held at start-up, so the engine never waits for SQLite to answer. What it needs to answer the
engine (which plays are open, which item keys aired) it keeps in memory.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from radiod.db import open_readonly, table_names
from radiod.errors import DuplicatePlay, StoreError
from radiod.playlog.heard import Heard, HeardFile, heard_path, read as read_heard
from radiod.playlog.positions import HeardPlay
from radiod.playlog.journal import Journal, Loaded, load
from radiod.playlog.records import (JournalBase, ListenersCounted, OpenPlaysInterrupted, PlayClosed, PlayOpened,
                                    Record)
from radiod.playlog.store import (INTERRUPTED_DETAIL, TracklistLookup, check_close, heard_close, journal_applied,
                                  max_play_id, play_values, recent_or_open, with_tracklist)

log = logging.getLogger(__name__)

LOOKBACK_MS = 4 * 86_400_000      # item keys older than this are not checked again (the engine's log spans 3 days)


@dataclass
class _Open:
    started_at_ms: int
    length_ms: int | None
    item_key: str | None


@dataclass
class _Key:
    play_id: int
    started_at_ms: int
    end_reason: str | None            # None while on air


@dataclass
class Known:
    """What the database held at start-up (the part the writer needs)."""

    max_id: int = 0
    applied_n: int = 0
    open: dict[int, _Open] = field(default_factory=dict)
    keys: dict[str, _Key] = field(default_factory=dict)


def read_database(path: Path, since_ms: int) -> Known:
    """Read the play log's state from ``path`` (read-only; works on a full disk). Raises
    sqlite3.Error or StoreError when the database cannot be read."""
    if not path.exists():
        return Known()
    conn = open_readonly(path, full_disk_fallback=True)
    try:
        tables = table_names(conn)
        known = Known()
        if "plays" not in tables:
            return known
        known.max_id = max_play_id(conn)
        if "play_journal" in tables:
            known.applied_n = journal_applied(conn)
        for r in recent_or_open(conn, since_ms):
            if r["seq"] is None:
                known.open[r["id"]] = _Open(r["started_at_ms"], r["length_ms"], r["item_key"])
            if r["item_key"]:
                known.keys[r["item_key"]] = _Key(r["id"], r["started_at_ms"],
                                                 None if r["seq"] is None else r["end_reason"])
        return known
    finally:
        conn.close()


class JournaledPlayLog:
    """A PlayWriter that appends to the journal; the drainer writes it into SQLite."""

    def __init__(self, journal: Journal, *, next_n: int, next_id: int, known: Known | None = None,
                 database_read: bool = True, heard: HeardFile | None = None, last_heard: Heard | None = None):
        self.journal = journal
        self.heard = heard                      # None: heard positions are not kept (tests)
        self.last_heard = last_heard            # the heartbeat a crash left, read at start-up
        self._lock = threading.Lock()
        self._n = next_n
        self._next_id = next_id
        known = known or Known()
        self._open = dict(known.open)
        self._keys = dict(known.keys)
        self._listeners: int | None = None
        self._database_read = database_read     # False: plays open in the database are unknown
        self._prune_at = 2 * len(self._keys) + 1000
        self.tracklists: TracklistLookup | None = None     # the daemon sets it (radiod.app.show_tracklists)

    # -- start-up ------------------------------------------------------------------------------

    def replay(self, records: list[Record]) -> None:
        """Take in records the database does not have yet (from the journal at start-up)."""
        for r in records:
            if isinstance(r, PlayOpened):
                v = r.values
                self._open[r.play_id] = _Open(v["started_at_ms"], v.get("length_ms"), v.get("item_key"))
                if v.get("item_key"):
                    self._keys[v["item_key"]] = _Key(r.play_id, v["started_at_ms"], None)
            elif isinstance(r, PlayClosed):
                self._closed(r.play_id, r.end_reason)
            elif isinstance(r, OpenPlaysInterrupted):
                for play_id in [i for i in self._open if i < r.below_id]:
                    self._closed(play_id, "interrupted")
            elif isinstance(r, ListenersCounted):
                self._listeners = r.listeners

    # -- writing (any thread) ------------------------------------------------------------------

    def open_play(self, *, started_at_ms: int, source: str, usage: str, planned_start_ms: int | None = None,
                  show: str = "", category: str = "", track_id: int | None = None,
                  snapshot: Mapping[str, Any] | None = None, item_key: str | None = None, channel: str = "",
                  exclusion: str = "", listeners: int | None = None,
                  show_id: str = "") -> int:
        """Record an item that just started; returns its play id. Raises DuplicatePlay as PlayLog does."""
        with self._lock:
            values = play_values(started_at_ms=started_at_ms, source=source, usage=usage,
                                 planned_start_ms=planned_start_ms, show=show, category=category,
                                 track_id=track_id, snapshot=snapshot, item_key=item_key, channel=channel,
                                 exclusion=exclusion, listeners=self._listeners if listeners is None else listeners,
                                 show_id=show_id)
            with_tracklist(values, self.tracklists, snapshot)
            key = values["item_key"]
            if key and key in self._keys:
                raise DuplicatePlay(key, self._keys[key].play_id)
            play_id = self._next_id
            self._next_id += 1
            self._append(PlayOpened(self._n, play_id, values))
            self._open[play_id] = _Open(values["started_at_ms"], values["length_ms"], key)
            if key:
                self._keys[key] = _Key(play_id, values["started_at_ms"], None)
                if len(self._keys) >= self._prune_at:
                    self._prune(values["started_at_ms"] - LOOKBACK_MS)
            return play_id

    def close_play(self, play_id: int, *, ended_at_ms: int, played_ms: int, end_reason: str,
                   detail: str = "") -> None:
        """Close an open play (exactly once)."""
        check_close(play_id, played_ms, end_reason)
        with self._lock:
            if play_id not in self._open:
                raise StoreError(f"play log: no open play {play_id}")
            self._append(PlayClosed(self._n, play_id, int(ended_at_ms), int(played_ms), end_reason, detail or ""))
            self._closed(play_id, end_reason)

    def close_open_as_interrupted(self, now_ms: int, detail: str = INTERRUPTED_DETAIL) -> int:
        """Close every play left open by an unclean stop; returns how many were known to be open.

        The closing happens in the database, in order, when the record is written there, so plays
        open in a database that could not be read at start-up are closed too.
        """
        with self._lock:
            opened = sorted(self._open)
            if not opened and self._database_read:
                return 0
            rest = []
            for play_id in opened:
                o = self._open[play_id]
                close = heard_close(self.last_heard, play_id, o.started_at_ms, o.length_ms)
                if close is None:
                    rest.append(play_id)
                    continue
                ended, played, why = close
                self._append(PlayClosed(self._n, play_id, ended, played, "interrupted", why))
                self._closed(play_id, "interrupted")
            if rest or not self._database_read:
                self._append(OpenPlaysInterrupted(self._n, int(now_ms), detail, self._next_id))
            for play_id in rest:
                self._closed(play_id, "interrupted")
            return len(opened)

    def mark_heard(self, at_ms: int, plays: Sequence[HeardPlay]) -> None:
        """Save the heard positions in the heard file (in place: the journal does not grow)."""
        if self.heard is not None:
            self.heard.write(at_ms, plays)

    def record_listeners(self, at_ms: int, listeners: int) -> int:
        """Feed a listener count to every open play (as PlayLog.record_listeners)."""
        with self._lock:
            self._listeners = int(listeners)
            self._append(ListenersCounted(self._n, int(at_ms), int(listeners)))
            return len(self._open)

    # -- reading -------------------------------------------------------------------------------

    def outcomes(self, *, started_from_ms: int) -> list[tuple[str, str]]:
        """(item_key, end_reason) of the closed plays started since ``started_from_ms``, in start order."""
        with self._lock:
            closed = [(k.started_at_ms, k.play_id, key, k.end_reason) for key, k in self._keys.items()
                      if k.end_reason is not None and k.started_at_ms >= started_from_ms]
        return [(key, why) for _, _, key, why in sorted(closed)]

    def open_ids(self) -> list[int]:
        with self._lock:
            return sorted(self._open)

    # -- internals -------------------------------------------------------------------------------

    def _append(self, record: Record) -> None:
        self._n += 1
        self.journal.append(record)

    def _prune(self, before_ms: int) -> None:
        """Forget the keys of closed plays started before ``before_ms`` (a daemon runs for months)."""
        self._keys = {k: v for k, v in self._keys.items() if v.end_reason is None or v.started_at_ms >= before_ms}
        self._prune_at = 2 * len(self._keys) + 1000

    def _closed(self, play_id: int, end_reason: str) -> None:
        opened = self._open.pop(play_id, None)
        if opened is not None and opened.item_key and opened.item_key in self._keys:
            self._keys[opened.item_key].end_reason = end_reason


def open_journaled(database: Path, journal_file: Path, *, now_ms: int) -> JournaledPlayLog:
    """The daemon's play-log writer: state from the database (if it can be read) and the journal.

    Raises StoreError (one line) only when neither tells where play ids go on.
    """
    loaded: Loaded = load(journal_file)
    known: Known | None
    try:
        known = read_database(database, now_ms - LOOKBACK_MS)
    except (sqlite3.Error, StoreError) as exc:
        if "not a database" in str(exc):
            raise StoreError(f"{database}: cannot open database: file is not a database") from None
        if loaded.base is None and not loaded.records:
            raise StoreError(f"{database}: cannot read the database ({exc}) and there is no play-log "
                             f"journal to go on from") from None
        log.warning("play log: %s: cannot read the database at start (%s); going on from the journal %s",
                    database, exc, journal_file)
        known = None
    applied = known.applied_n if known is not None else 0
    pending = [r for r in loaded.records if r.n > applied]
    next_n = max([applied + 1, loaded.base.n if loaded.base else 1] + [r.n + 1 for r in loaded.records])
    next_id = max([(known.max_id if known else 0) + 1, loaded.base.next_id if loaded.base else 1]
                  + [r.play_id + 1 for r in loaded.records if isinstance(r, PlayOpened)])
    if pending:
        log.info("play log: %d record(s) from the journal %s are not in the database yet; writing them",
                 len(pending), journal_file)
    journal = Journal(journal_file, base=JournalBase(next_n, next_id), pending=pending, loaded=loaded)
    heard_file = heard_path(database)
    last_heard = read_heard(heard_file)
    writer = JournaledPlayLog(journal, next_n=next_n, next_id=next_id, known=known,
                              database_read=known is not None, heard=HeardFile(heard_file, after=last_heard),
                              last_heard=last_heard)
    writer.replay(pending if known is not None else loaded.records)
    return writer
