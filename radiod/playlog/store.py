"""The as-played log: append-only play rows, closed exactly once, hash-chained in closing order.

    log = PlayLog(conn)                      # writer connection from radiod.store.open_db
    play_id = log.open_play(started_at_ms=..., source="rotation", usage="feature", snapshot=track.snapshot(),
                            item_key="2026-11-21/0042")
    log.close_play(play_id, ended_at_ms=..., played_ms=..., end_reason="end")

Every method is safe to call from several threads sharing one PlayLog (the engine thread and
the listener poller): a lock serialises them on the connection.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from radiod.csvfile import field as csv_field
from radiod.db import transaction
from radiod.errors import DuplicatePlay, StoreError
from radiod.playlog.chain import CORRECTION_FIELDS, GENESIS, ITEM_FIELDS, PLAY_FIELDS, link
from radiod.playlog.heard import Heard
from radiod.playlog.positions import HeardPlay
from radiod.schedule.log import SOURCES, USAGES
from radiod.tracklists.airing import TimedEntry, aired_items

log = logging.getLogger(__name__)

END_REASONS = ("end", "skipped", "failed", "cut", "shutdown", "interrupted")
EXCLUSIONS = ("", "direct_licence", "public_domain", "incidental")

# Snapshot keys copied into a play row (Track.snapshot() provides them all) and their defaults.
SNAPSHOT_FIELDS: dict[str, Any] = {
    "path": "", "title": "", "artist": "", "album": "", "label": "", "isrc": "", "composer": "",
    "lyricist": "", "release_date": "", "genre": "", "language": "", "local": False,
    "artist_keys": [], "length_ms": None,
}

# Fields a correction may change: what was on air is fixed, how it is described is not.
CORRECTABLE = ("title", "artist", "album", "label", "isrc", "composer", "lyricist", "release_date",
               "genre", "language", "local", "artist_keys", "usage", "show", "category", "channel",
               "exclusion")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise StoreError(f"play log: {name}: must be one of {', '.join(a or repr(a) for a in allowed)}, got {value!r}")
    return value


def row_dict(row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
    """A plays row as a dict with ``local`` as bool and ``artist_keys`` as a list."""
    d = dict(row)
    d["local"] = bool(d["local"])
    if isinstance(d["artist_keys"], str):
        d["artist_keys"] = json.loads(d["artist_keys"])
    return d


INTERRUPTED_DETAIL = "not closed before restart"


def play_values(*, started_at_ms: int, source: str, usage: str, planned_start_ms: int | None = None,
                show: str = "", category: str = "", track_id: int | None = None,
                snapshot: Mapping[str, Any] | None = None, item_key: str | None = None, channel: str = "",
                exclusion: str = "", listeners: int | None = None, show_id: str = "") -> dict[str, Any]:
    """The column values of a new play row, checked (StoreError names a bad value)."""
    _choice("source", source, SOURCES)
    _choice("usage", usage, USAGES)
    _choice("exclusion", exclusion, EXCLUSIONS)
    snap = dict(snapshot or {})
    values = {k: snap.get(k, default) for k, default in SNAPSHOT_FIELDS.items()}
    values = {k: ("" if v is None and SNAPSHOT_FIELDS[k] == "" else v) for k, v in values.items()}
    if track_id is None:
        track_id = snap.get("track_id")
    values.update(
        item_key=item_key or None, started_at_ms=int(started_at_ms), planned_start_ms=planned_start_ms,
        start_error_ms=None if planned_start_ms is None else int(started_at_ms) - int(planned_start_ms),
        source=source, usage=usage, show=show or "", category=category or "", channel=channel or "",
        show_id=show_id or "",
        exclusion=exclusion, track_id=track_id, local=int(bool(values["local"])),
        artist_keys=json.dumps(list(values["artist_keys"] or []), ensure_ascii=False),
    )
    if listeners is not None:
        values.update(listeners_start=listeners, listeners_peak=listeners, performances=listeners, listener_ms=0,
                      listeners_last=listeners, listeners_last_ms=int(started_at_ms))
    return values


# What the daemon gives the play log to find a show file's tracklist: (show id, the row's
# snapshot) → the entries as TimedEntry dicts, or None. radiod.app.show_tracklists provides it.
TracklistLookup = Callable[[str, Mapping[str, Any]], "list[dict[str, Any]] | None"]


def with_tracklist(values: dict[str, Any], lookup: TracklistLookup | None, snapshot: Mapping[str, Any] | None) -> None:
    """Give a show row's values the tracklist of its file, if it has one (``values['tracklist']``).

    Never raises: a tracklist that cannot be found or read leaves the show as one row, said once.
    """
    if lookup is None or values["source"] != "show":
        return
    snap = dict(snapshot or {})
    try:
        entries = lookup(values["show_id"], snap)
    except Exception as exc:                   # the show goes on air whatever the tracklist does
        log.warning("play log: tracklist of %s not read (%s); the show is logged as one row", values["path"], exc)
        return
    if entries:
        values["tracklist"] = {"file_offset_ms": int(snap.get("file_offset_ms") or 0),
                               "file_length_ms": values["length_ms"], "entries": entries}


def check_close(play_id: int, played_ms: int, end_reason: str) -> None:
    """StoreError unless the figures of a close are valid."""
    _choice("end_reason", end_reason, END_REASONS)
    if played_ms < 0:
        raise StoreError(f"play log: play {play_id}: played_ms must not be negative, got {played_ms}")


HEARD_DETAIL = "not closed before restart; closed at the last heard position saved"


def heard_close(heard: Heard | None, play_id: int, started_at_ms: int,
                length_ms: int | None) -> tuple[int, int, str] | None:
    """(ended_at_ms, played_ms, detail) of an open play after a crash, from the heard positions
    saved every 100 ms; None when they do not name it (closed as ``interrupted_at`` says)."""
    h = heard.of(play_id) if heard is not None else None
    if h is None or h.started_at_ms != started_at_ms:
        return None
    played = max(0, h.played_ms if length_ms is None else min(h.played_ms, length_ms))
    return started_at_ms + played, played, HEARD_DETAIL


def interrupted_at(now_ms: int, started_at_ms: int, length_ms: int | None) -> tuple[int, int]:
    """(ended_at_ms, played_ms) of a play found open after a crash: played until now, at most its length."""
    ended = max(now_ms, started_at_ms)
    played = ended - started_at_ms
    return ended, played if length_ms is None else min(played, length_ms)


class PlayLog:
    """Writer side of the as-played log."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._lock = threading.RLock()
        self._listeners: int | None = None   # last count from the poller, used for plays that start later
        self.last_heard: Heard | None = None  # heard positions (kept in memory: a simulation cannot crash)
        self.tracklists: TracklistLookup | None = None     # set by whoever knows where tracklists are

    # -- writing -------------------------------------------------------------------------------

    def open_play(self, *, started_at_ms: int, source: str, usage: str,
                  planned_start_ms: int | None = None, show: str = "", category: str = "",
                  track_id: int | None = None, snapshot: Mapping[str, Any] | None = None,
                  item_key: str | None = None, channel: str = "", exclusion: str = "",
                  listeners: int | None = None, show_id: str = "") -> int:
        """Insert the row of an item that just started; returns its id.

        Raises DuplicatePlay when ``item_key`` already has a row. ``listeners`` is the current
        listener count; by default the last one the poller recorded (None when there is no poller).
        """
        values = play_values(started_at_ms=started_at_ms, source=source, usage=usage,
                             planned_start_ms=planned_start_ms, show=show, category=category, track_id=track_id,
                             snapshot=snapshot, item_key=item_key, channel=channel, exclusion=exclusion,
                             listeners=self._listeners if listeners is None else listeners, show_id=show_id)
        with_tracklist(values, self.tracklists, snapshot)
        with self._lock, transaction(self.conn):
            return self.insert(values)

    def insert(self, values: Mapping[str, Any], play_id: int | None = None) -> int:
        """Insert a row from ``play_values`` (inside the caller's transaction); returns its id.

        ``play_id`` gives the row a chosen id (the journal allocates ids before SQLite sees them).
        """
        item_key = values.get("item_key")
        if item_key:
            existing = self.conn.execute("SELECT id FROM plays WHERE item_key = ?", (item_key,)).fetchone()
            if existing:
                raise DuplicatePlay(item_key, existing[0])
        row = dict(values) if play_id is None else {"id": int(play_id), **values}
        tracklist = row.pop("tracklist", None)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = self.conn.execute(f"INSERT INTO plays ({columns}) VALUES ({marks})", list(row.values()))
        assert cur.lastrowid is not None
        if tracklist:
            self.conn.execute(
                "INSERT INTO play_tracklists (play_id, file_offset_ms, file_length_ms, entries) VALUES (?, ?, ?, ?)",
                (cur.lastrowid, int(tracklist["file_offset_ms"]), tracklist.get("file_length_ms"),
                 json.dumps(tracklist["entries"], ensure_ascii=False)))
        return cur.lastrowid

    def close_play(self, play_id: int, *, ended_at_ms: int, played_ms: int, end_reason: str,
                   detail: str = "") -> dict[str, Any]:
        """Close an open play (exactly once): fixes its end, listener figures and chain hash."""
        check_close(play_id, played_ms, end_reason)
        with self._lock, transaction(self.conn):
            return self.close(play_id, int(ended_at_ms), int(played_ms), end_reason, detail or "")

    def close(self, play_id: int, ended_at_ms: int, played_ms: int, end_reason: str, detail: str) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM plays WHERE id = ?", (play_id,)).fetchone()
        if row is None:
            raise StoreError(f"play log: no play {play_id}")
        if row["seq"] is not None:
            raise StoreError(f"play log: play {play_id} is already closed")
        d = dict(row)
        d.update(ended_at_ms=ended_at_ms, played_ms=played_ms, end_reason=end_reason, detail=detail)
        if d["listeners_last"] is not None:
            span = max(0, ended_at_ms - d["listeners_last_ms"])
            d["listener_ms"] += d["listeners_last"] * span
            d["listeners_end"] = d["listeners_last"]
        head = self.conn.execute("SELECT seq, hash FROM plays WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1").fetchone()
        d["seq"] = 1 if head is None else head["seq"] + 1
        d["prev_hash"] = GENESIS if head is None else head["hash"]
        d["hash"] = link(d["prev_hash"], d)
        self.conn.execute(
            "UPDATE plays SET ended_at_ms = ?, played_ms = ?, end_reason = ?, detail = ?, listeners_end = ?,"
            " listener_ms = ?, seq = ?, prev_hash = ?, hash = ? WHERE id = ?",
            (ended_at_ms, played_ms, end_reason, detail, d["listeners_end"], d["listener_ms"],
             d["seq"], d["prev_hash"], d["hash"], play_id))
        self._log_items(d)
        return row_dict(d)

    def _log_items(self, show: Mapping[str, Any]) -> int:
        """The songs that aired inside a closing show row, as item rows (same transaction)."""
        if show["source"] != "show":
            return 0
        kept = self.conn.execute("SELECT * FROM play_tracklists WHERE play_id = ?", (show["id"],)).fetchone()
        if kept is None:
            return 0
        entries = [TimedEntry(**{**e, "artist_keys": tuple(e.get("artist_keys", ()))})
                   for e in json.loads(kept["entries"])]
        items = aired_items(entries, started_at_ms=show["started_at_ms"], file_offset_ms=kept["file_offset_ms"],
                            played_ms=show["played_ms"], end_reason=show["end_reason"],
                            file_length_ms=kept["file_length_ms"], logged_lines=self._logged_lines(show))
        head = self.conn.execute("SELECT hash FROM play_items ORDER BY id DESC LIMIT 1").fetchone()
        prev = GENESIS if head is None else head["hash"]
        next_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM play_items").fetchone()[0]
        for n, item in enumerate(items):
            e = item.entry
            row = {"id": next_id + n, "play_id": show["id"], "entry_line": e.line, "file_offset_ms": e.offset_ms,
                   "started_at_ms": item.started_at_ms, "ended_at_ms": item.ended_at_ms, "played_ms": item.played_ms,
                   "end_reason": item.end_reason, "matched": int(e.matched), "track_id": e.track_id,
                   "title": e.title, "artist": e.artist, "album": e.album, "label": e.label, "isrc": e.isrc,
                   "local": int(e.local), "artist_keys": json.dumps(list(e.artist_keys), ensure_ascii=False)}
            row["prev_hash"] = prev
            row["hash"] = prev = link(prev, row, ITEM_FIELDS)
            self.conn.execute(f"INSERT INTO play_items ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                              list(row.values()))
        return len(items)

    def _logged_lines(self, show: Mapping[str, Any]) -> frozenset[int]:
        """Entries earlier rows of the same planned item logged (a show continued after a restart
        has the item key ``<key>@<offset>``)."""
        key = show["item_key"]
        if not key:
            return frozenset()
        base = key.split("@", 1)[0]
        rows = self.conn.execute(
            "SELECT i.entry_line FROM play_items i JOIN plays p ON p.id = i.play_id"
            " WHERE p.id != ? AND (p.item_key = ? OR p.item_key LIKE ? ESCAPE '\\')",
            (show["id"], base, base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "@%"))
        return frozenset(r[0] for r in rows)

    def close_open_as_interrupted(self, now_ms: int, detail: str = INTERRUPTED_DETAIL) -> int:
        """Close every open play (at start-up after a crash); returns how many were closed.

        A play the last heard positions name ends where it was last heard; any other plays
        until ``now_ms``, capped at the track length when known.
        """
        with self._lock, transaction(self.conn):
            return self.close_open(now_ms, detail)

    def close_open(self, now_ms: int, detail: str, below_id: int | None = None) -> int:
        """close_open_as_interrupted inside the caller's transaction, for ids below ``below_id``."""
        rows = self.conn.execute(
            "SELECT id, started_at_ms, length_ms FROM plays WHERE seq IS NULL AND id < ? ORDER BY id",
            (below_id if below_id is not None else 2**62,)).fetchall()
        for r in rows:
            close = heard_close(self.last_heard, r["id"], r["started_at_ms"], r["length_ms"])
            if close is not None:
                self.close(r["id"], close[0], close[1], "interrupted", close[2])
                continue
            ended, played = interrupted_at(int(now_ms), r["started_at_ms"], r["length_ms"])
            self.close(r["id"], ended, played, "interrupted", detail)
        return len(rows)

    def mark_heard(self, at_ms: int, plays: Sequence[HeardPlay]) -> None:
        """Keep the heard positions (in memory) for ``close_open_as_interrupted``."""
        self.last_heard = Heard(0, int(at_ms), tuple(plays))

    def outcomes(self, *, started_from_ms: int) -> list[tuple[str, str]]:
        """(item_key, end_reason) of the closed plays started since ``started_from_ms``, in start order."""
        return [(r["item_key"], r["end_reason"]) for r in self.plays(started_from_ms=started_from_ms)
                if r.get("item_key")]

    def record_listeners(self, at_ms: int, listeners: int) -> int:
        """Feed a listener count measured at ``at_ms`` to every open play; returns how many."""
        with self._lock, transaction(self.conn):
            self._listeners = int(listeners)
            return self.count_listeners(at_ms, listeners)

    def count_listeners(self, at_ms: int, listeners: int) -> int:
        """record_listeners inside the caller's transaction."""
        cur = self.conn.execute(
            "UPDATE plays SET"
            " listener_ms = COALESCE(listener_ms, 0)"
            "   + COALESCE(listeners_last, 0) * MAX(0, ?1 - COALESCE(listeners_last_ms, ?1)),"
            " listeners_start = COALESCE(listeners_start, ?2),"
            " listeners_peak = MAX(COALESCE(listeners_peak, ?2), ?2),"
            " performances = COALESCE(performances, ?2) + MAX(0, ?2 - COALESCE(listeners_last, ?2)),"
            " listeners_last = ?2, listeners_last_ms = MAX(?1, COALESCE(listeners_last_ms, ?1))"
            " WHERE seq IS NULL",
            (int(at_ms), int(listeners)))
        return cur.rowcount

    def correct(self, play_id: int, field: str, value: Any, *, changed_by: str, changed_at_ms: int,
                reason: str = "") -> dict[str, Any]:
        """Record a correction of one field of a closed play (the row itself never changes)."""
        if field not in CORRECTABLE:
            raise StoreError(f"play log: {field}: cannot be corrected (correctable: {', '.join(CORRECTABLE)})")
        if not changed_by:
            raise StoreError("play log: a correction needs the name of who made it")
        if field == "exclusion":
            _choice("exclusion", value, EXCLUSIONS)
        if field == "usage":
            _choice("usage", value, USAGES)
        if field == "local":
            value = bool(value)
        if field == "artist_keys":
            value = list(value)
        with self._lock, transaction(self.conn):
            rows = self.plays(ids=[play_id])
            if not rows:
                raise StoreError(f"play log: no play {play_id}")
            if rows[0]["seq"] is None:
                raise StoreError(f"play log: play {play_id} is still on air; correct it after it ends")
            head = self.conn.execute("SELECT hash FROM play_corrections ORDER BY id DESC LIMIT 1").fetchone()
            c = {
                "id": (self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM play_corrections").fetchone()[0]),
                "play_id": play_id, "field": field,
                "before": json.dumps(rows[0][field], ensure_ascii=False),
                "after": json.dumps(value, ensure_ascii=False),
                "changed_by": changed_by, "reason": reason, "changed_at_ms": int(changed_at_ms),
                "prev_hash": GENESIS if head is None else head["hash"],
            }
            c["hash"] = link(c["prev_hash"], c, CORRECTION_FIELDS)
            self.conn.execute(f"INSERT INTO play_corrections ({', '.join(c)}) VALUES ({', '.join('?' for _ in c)})",
                              list(c.values()))
            return c

    # -- reading -------------------------------------------------------------------------------

    def open_plays(self) -> list[dict[str, Any]]:
        """Plays on air (not yet closed), oldest first."""
        with self._lock:
            return [row_dict(r) for r in self.conn.execute("SELECT * FROM plays WHERE seq IS NULL ORDER BY id")]

    def last_play(self) -> dict[str, Any] | None:
        """The most recently started play (open or closed), or None."""
        with self._lock:
            row = self.conn.execute("SELECT * FROM plays ORDER BY started_at_ms DESC, id DESC LIMIT 1").fetchone()
            return row_dict(row) if row else None

    def plays(self, *, ids: Iterable[int] | None = None, started_from_ms: int | None = None,
              started_before_ms: int | None = None, corrected: bool = True) -> list[dict[str, Any]]:
        """Closed plays (by id, or started in [from, before)), in start order, corrections applied."""
        return read_plays(self.conn, ids=ids, started_from_ms=started_from_ms,
                          started_before_ms=started_before_ms, corrected=corrected)


def read_plays(conn: sqlite3.Connection, *, ids: Iterable[int] | None = None,
               started_from_ms: int | None = None, started_before_ms: int | None = None,
               corrected: bool = True, columns: Iterable[str] | None = None,
               artist_key: str | None = None) -> list[dict[str, Any]]:
    """Closed plays from any connection (read-only ones too), corrections applied unless told not.

    ``columns`` limits what is read (reading fewer columns is most of the cost of a year's report);
    ``id`` is always included. ``artist_key`` narrows the read to plays that may credit that artist
    (as logged, or with corrected artist keys); the caller still matches the key exactly.
    """
    where, args = closed_plays_where(from_ms=started_from_ms, before_ms=started_before_ms, ids=ids)
    if artist_key is not None:
        # artist_keys is a JSON list: the quoted key inside it (exact match left to the caller)
        where.append("(instr(artist_keys, ?) > 0 OR id IN"
                     " (SELECT play_id FROM play_corrections WHERE field = 'artist_keys'))")
        args.append(json.dumps(artist_key, ensure_ascii=False))
    selected = "*"
    if columns is not None:
        wanted = dict.fromkeys(["id", *columns])
        unknown = [c for c in wanted if c not in _COLUMNS]
        if unknown:
            raise StoreError(f"play log: unknown column(s): {', '.join(unknown)}")
        selected = ", ".join(wanted)
    sql = f"SELECT {selected} FROM plays WHERE {' AND '.join(where)} ORDER BY started_at_ms, id"
    cur = conn.execute(sql, args)
    cur.row_factory = None                     # plain tuples: a year of rows reads several times faster
    names = [d[0] for d in cur.description]
    keys: dict[str, list[str]] = {}            # artist_keys JSON repeats across plays; decode each once
    has_local, has_keys = "local" in names, "artist_keys" in names
    rows = [dict(zip(names, values)) for values in cur]
    if has_local or has_keys:
        for d in rows:
            if has_local:
                d["local"] = bool(d["local"])
            if has_keys:
                text = d["artist_keys"]
                if text not in keys:
                    keys[text] = json.loads(text)
                d["artist_keys"] = list(keys[text])
    if corrected and rows:
        ids = [r["id"] for r in rows]
        corrections = conn.execute(
            "SELECT play_id, field, after FROM play_corrections WHERE play_id BETWEEN ? AND ? ORDER BY id",
            (min(ids), max(ids))).fetchall()
        if corrections:
            apply_corrections(rows, [dict(c) for c in corrections])
    return rows


def closed_plays_where(*, column: str = "started_at_ms", from_ms: int | None = None,
                       before_ms: int | None = None,
                       ids: Iterable[int] | None = None) -> tuple[list[str], list[Any]]:
    """WHERE terms and arguments for closed plays: ``column`` in [from_ms, before_ms), by id."""
    where, args = ["seq IS NOT NULL"], []
    if ids is not None:
        ids = list(ids)
        where.append(f"id IN ({', '.join('?' for _ in ids)})")
        args += ids
    if from_ms is not None:
        where.append(f"{column} >= ?")
        args.append(from_ms)
    if before_ms is not None:
        where.append(f"{column} < ?")
        args.append(before_ms)
    return where, args


# show_id is an annotation beside the hashed columns (see schema migration 3 and docs/playlog.md).
def read_itemised(conn: sqlite3.Connection, *, started_from_ms: int | None = None,
                  started_before_ms: int | None = None, corrected: bool = True,
                  columns: Iterable[str] | None = None, artist_key: str | None = None) -> list[dict[str, Any]]:
    """read_plays for reports: a show row that has item rows is replaced by them (each a song, as
    a play row of the show), so the show's recording is never counted as one sound recording.

    An item takes the show row's other columns (show, channel, listener figures; its
    listener-milliseconds in proportion to its share of the show; ``seq`` and ``hash`` stay the
    show row's, the chained row that proves it aired). ``artist_key`` keeps the plays and items
    that credit that artist.
    """
    wanted = None if columns is None else tuple(dict.fromkeys([*columns, "played_ms", "listener_ms"]))
    rows = read_plays(conn, started_from_ms=started_from_ms, started_before_ms=started_before_ms,
                      corrected=corrected, columns=wanted, artist_key=artist_key)
    if artist_key is not None:
        # Shows whose items credit the artist (the show row itself does not)
        quoted = json.dumps(artist_key, ensure_ascii=False)
        shows = {r[0] for r in conn.execute("SELECT DISTINCT play_id FROM play_items WHERE instr(artist_keys, ?) > 0",
                                            (quoted,))} - {r["id"] for r in rows}
        if shows:
            rows += read_plays(conn, ids=sorted(shows), started_from_ms=started_from_ms,
                               started_before_ms=started_before_ms, corrected=corrected, columns=wanted)
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    found: dict[int, list[sqlite3.Row]] = {}
    for item in conn.execute("SELECT * FROM play_items WHERE play_id BETWEEN ? AND ? ORDER BY id",
                             (min(ids), max(ids))):
        found.setdefault(item["play_id"], []).append(item)
    out: list[dict[str, Any]] = []
    for row in rows:
        for item in found.get(row["id"], [None]):
            out.append(row if item is None else _item_row(row, item))
    if artist_key is not None:
        out = [r for r in out if artist_key in r.get("artist_keys", [])]
    if found:
        out.sort(key=lambda r: (r["started_at_ms"], r["id"]))
    return out


def _item_row(show: Mapping[str, Any], item: sqlite3.Row) -> dict[str, Any]:
    d = dict(show)
    share = item["played_ms"] / show["played_ms"] if show.get("played_ms") else 0.0
    values: dict[str, Any] = {
        "started_at_ms": item["started_at_ms"], "ended_at_ms": item["ended_at_ms"], "played_ms": item["played_ms"],
        "end_reason": item["end_reason"], "usage": "feature", "track_id": item["track_id"], "path": "",
        "title": item["title"], "artist": item["artist"], "album": item["album"], "label": item["label"],
        "isrc": item["isrc"], "composer": "", "lyricist": "", "local": bool(item["local"]),
        "artist_keys": json.loads(item["artist_keys"]), "length_ms": None,
        "listener_ms": None if show.get("listener_ms") is None else round(show["listener_ms"] * share),
    }
    d.update({k: v for k, v in values.items() if k in d})
    d["item_id"] = item["id"]
    d["show_played_ms"] = show["played_ms"]
    return d


_COLUMNS = frozenset(PLAY_FIELDS) | {"prev_hash", "hash", "listeners_last", "listeners_last_ms", "show_id"}

# The export of every column: the fields before artist_keys, artist_keys, the fields after it.
_KEYS_AT = PLAY_FIELDS.index("artist_keys")
_BEFORE_KEYS = PLAY_FIELDS[:_KEYS_AT]
_AFTER_KEYS = PLAY_FIELDS[_KEYS_AT + 1:] + ("prev_hash", "hash")
_SEP = "\x1f"            # joins a row's values in SQLite's printf; a value holding it is read the slow way
_IDS_PER_QUERY = 10_000   # well below SQLite's limit on bound parameters


def read_plays_csv(conn: sqlite3.Connection, *, started_from_ms: int | None = None,
                   started_before_ms: int | None = None,
                   corrected: bool = True) -> list[tuple[int, int, str, str, str] | dict[str, Any]]:
    """Closed plays in start order for an export of every column: read_plays, several times faster.

    Most rows come as a tuple ``(started_at_ms, ended_at_ms, before, artist_keys, after)``:
    ``before`` and ``after`` are the CSV text, exactly as the csv module writes it, of the
    PLAY_FIELDS before and after ``artist_keys`` (``after`` ending with prev_hash and hash), and
    ``artist_keys`` is the stored JSON. SQLite's printf joins each part's values, so Python makes
    three strings per row instead of one object per value. A row printf cannot print as Python
    would (a float, a NUL or the separator in a value, ``local`` other than 0 or 1) or that has
    corrections (unless ``corrected`` is false) comes as the dict read_plays gives.
    (A closed play never holds a blob: its hash could not have been computed.)
    """
    types = {r[1]: (r[2] or "").upper() for r in conn.execute("PRAGMA table_info(plays)")}
    texts = [c for c in _BEFORE_KEYS + _AFTER_KEYS if types[c] == "TEXT"]
    numbers = [c for c in _BEFORE_KEYS + _AFTER_KEYS if types[c] != "TEXT"]
    # printf stops a text at a NUL; a sum of numbers is real when one of them is
    odd = " OR ".join([f"instr({c}, char(0))" for c in texts]
                      + [f"typeof({' + '.join(f'coalesce({c}, 0)' for c in numbers)}) = 'real'",
                         "local NOT IN (0, 1)"])
    where, args = closed_plays_where(from_ms=started_from_ms, before_ms=started_before_ms)
    sql = (f"SELECT id, started_at_ms, ended_at_ms, {_printf(_BEFORE_KEYS)}, artist_keys, {_printf(_AFTER_KEYS)},"
           f" {odd} FROM plays WHERE {' AND '.join(where)} ORDER BY started_at_ms, id")
    with_corrections = set()
    if corrected:
        with_corrections = {r[0] for r in conn.execute("SELECT DISTINCT play_id FROM play_corrections")}
    cur = conn.execute(sql, args)
    cur.row_factory = None
    seps_before, seps_after = len(_BEFORE_KEYS) - 1, len(_AFTER_KEYS) - 1
    items: list[Any] = []
    slow: dict[int, int] = {}                  # play id → its place in items
    for play_id, started, ended, before, keys, after, is_odd in cur:
        if is_odd or play_id in with_corrections or before.count(_SEP) != seps_before \
                or after.count(_SEP) != seps_after:
            slow[play_id] = len(items)
            items.append(None)
        else:
            items.append((started, ended, _csv_text(before), keys, _csv_text(after)))
    ids = list(slow)
    for n in range(0, len(ids), _IDS_PER_QUERY):
        for row in read_plays(conn, ids=ids[n:n + _IDS_PER_QUERY], corrected=corrected):
            items[slow[row["id"]]] = row
    return items


def _printf(columns: tuple[str, ...]) -> str:
    """SQL printing the columns' values (NULL as empty) joined by _SEP."""
    return f"printf('{_SEP.join('%s' for _ in columns)}', {', '.join(columns)})"


def _csv_text(joined: str) -> str:
    """Values joined by _SEP → CSV fields (most need no quotes: one replace)."""
    # four substring tests are several times faster than csvfile.needs_quotes on a row's text
    if "," in joined or '"' in joined or "\r" in joined or "\n" in joined:
        return ",".join(csv_field(v) for v in joined.split(_SEP))
    return joined.replace(_SEP, ",")


def apply_corrections(rows: list[dict[str, Any]], corrections: Iterable[Mapping[str, Any]]) -> None:
    """Apply correction rows (in order) to play dicts in place; marks corrected rows."""
    by_id = {r["id"]: r for r in rows}
    for c in corrections:
        row = by_id.get(c["play_id"])
        if row is None:
            continue
        row[c["field"]] = json.loads(c["after"])
        row.setdefault("corrected_fields", [])
        if c["field"] not in row["corrected_fields"]:
            row["corrected_fields"].append(c["field"])


# -- readers for the panel and the API (read-only connections) ----------------------------------

PUBLIC_COLUMNS = ("id", "started_at_ms", "ended_at_ms", "played_ms", "end_reason", "source", "usage", "show",
                  "show_id", "title", "artist", "album", "label", "isrc", "local", "artist_keys", "length_ms",
                  "seq", "hash")


def recent_plays(conn: sqlite3.Connection, *, limit: int, before_ms: int | None = None) -> list[sqlite3.Row]:
    """Music plays (usage 'feature', open or closed), newest first; raw rows (see row_dict)."""
    where, args = ["usage = 'feature'"], []
    if before_ms is not None:
        where.append("started_at_ms < ?")
        args.append(before_ms)
    return conn.execute(f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM plays WHERE {' AND '.join(where)}"
                        " ORDER BY started_at_ms DESC, id DESC LIMIT ?", (*args, int(limit))).fetchall()


def aired_since(conn: sqlite3.Connection, since_ms: int, *, limit: int) -> list[sqlite3.Row]:
    """Every play (any usage, open or closed) on air at or after ``since_ms``, newest first: what a
    listener a few seconds behind the sound card may be hearing."""
    return conn.execute(f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM plays"
                        " WHERE ended_at_ms IS NULL OR ended_at_ms >= ?"
                        " ORDER BY started_at_ms DESC, id DESC LIMIT ?", (int(since_ms), int(limit))).fetchall()


def show_plays(conn: sqlite3.Connection, show_id: str, *, limit: int) -> list[sqlite3.Row]:
    """The plays of one show, by its stable id (whatever it was called then), newest first."""
    return conn.execute(f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM plays WHERE show_id = ?"
                        " ORDER BY started_at_ms DESC, id DESC LIMIT ?", (show_id, int(limit))).fetchall()


def artist_play_ids(conn: sqlite3.Connection, key: str, *, from_ms: int, before_ms: int) -> list[int]:
    """Closed plays started in [from_ms, before_ms) crediting the artist, also through a correction."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM plays WHERE seq IS NOT NULL AND started_at_ms >= ? AND started_at_ms < ? AND ("
        " EXISTS (SELECT 1 FROM json_each(plays.artist_keys) WHERE json_each.value = ?)"
        " OR id IN (SELECT play_id FROM play_corrections c WHERE c.field = 'artist_keys'"
        "   AND EXISTS (SELECT 1 FROM json_each(c.after) WHERE json_each.value = ?)))",
        (from_ms, before_ms, key, key))]


def credits_artist(conn: sqlite3.Connection, key: str) -> bool:
    """Whether any play, as logged, credits the artist."""
    return conn.execute("SELECT 1 FROM plays WHERE EXISTS (SELECT 1 FROM json_each(plays.artist_keys)"
                        " WHERE json_each.value = ?) LIMIT 1", (key,)).fetchone() is not None


# -- the show id of rows written before plays carried it -----------------------------------------

def fill_show_ids(conn: sqlite3.Connection, ids_by_title: Mapping[str, str]) -> int:
    """Give plays without a show id the id their show title stands for; returns how many rows.

    ``ids_by_title`` maps a title (or an id, as some old rows hold) to a show id
    (radiod.schedule.show_ids). Only '' is ever replaced, once: the schema refuses any other
    change to a closed row, and the id is not part of the row's hash, so the chain still verifies.
    """
    with transaction(conn):
        titles = [r[0] for r in conn.execute("SELECT DISTINCT show FROM plays WHERE show_id = '' AND show != ''")]
        filled = 0
        for title in titles:
            sid = ids_by_title.get(title)
            if sid:
                filled += conn.execute("UPDATE plays SET show_id = ? WHERE show_id = '' AND show = ?",
                                       (sid, title)).rowcount
    return filled


# -- the journal's mark and the writer's start-up view (radiod.playlog.drain, .writer) -----------

def journal_applied(conn: sqlite3.Connection) -> int:
    """The last journal record number this database holds (0 when none)."""
    row = conn.execute("SELECT applied_n FROM play_journal WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def set_journal_applied(conn: sqlite3.Connection, n: int) -> None:
    """Records up to ``n`` are in the tables (inside the transaction that wrote them)."""
    conn.execute("INSERT INTO play_journal (id, applied_n) VALUES (1, ?)"
                 " ON CONFLICT (id) DO UPDATE SET applied_n = excluded.applied_n", (n,))


def max_play_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM plays").fetchone()[0])


def recent_or_open(conn: sqlite3.Connection, since_ms: int) -> list[sqlite3.Row]:
    """(id, item_key, started_at_ms, length_ms, end_reason, seq) of plays started since
    ``since_ms`` or still open, in start order."""
    return conn.execute("SELECT id, item_key, started_at_ms, length_ms, end_reason, seq FROM plays"
                        " WHERE started_at_ms >= ? OR seq IS NULL ORDER BY started_at_ms, id", (since_ms,)).fetchall()


# -- what the chain's verifier reads (radiod.playlog.verify) --------------------------------------

def chain_rows(conn: sqlite3.Connection, *, from_ms: int | None = None,
               before_ms: int | None = None) -> Iterator[dict[str, Any]]:
    """Whole closed play rows ended in [from_ms, before_ms), in seq order, as plain dicts."""
    where, args = closed_plays_where(column="ended_at_ms", from_ms=from_ms, before_ms=before_ms)
    cur = conn.execute(f"SELECT * FROM plays WHERE {' AND '.join(where)} ORDER BY seq", args)
    cur.row_factory = None                      # tuples zipped into dicts: several times faster than Row
    names = [d[0] for d in cur.description]
    for values in cur:
        yield dict(zip(names, values))


def hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    """The hash of the closed row with this seq, or None when there is none."""
    row = conn.execute("SELECT hash FROM plays WHERE seq = ?", (seq,)).fetchone()
    return row[0] if row else None


def play_id_count(conn: sqlite3.Connection) -> tuple[int, int]:
    """(number of play rows, highest id)."""
    count, max_id = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM plays").fetchone()
    return int(count), int(max_id)


def play_ids(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM plays ORDER BY id")]


def item_rows(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every show item row, in id order."""
    cur = conn.execute("SELECT * FROM play_items ORDER BY id")
    names = [d[0] for d in cur.description]
    for values in cur:
        yield dict(zip(names, values))


def correction_rows(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every correction, in id order."""
    cur = conn.execute("SELECT * FROM play_corrections ORDER BY id")
    names = [d[0] for d in cur.description]
    for values in cur:
        yield dict(zip(names, values))


def chain_heads(conn: sqlite3.Connection, *, from_ms: int | None = None,
                before_ms: int | None = None) -> Iterator[tuple[int, int, str]]:
    """(seq, ended_at_ms, hash) of closed plays ended in [from_ms, before_ms), in seq order."""
    where, args = closed_plays_where(column="ended_at_ms", from_ms=from_ms, before_ms=before_ms)
    yield from conn.execute(f"SELECT seq, ended_at_ms, hash FROM plays WHERE {' AND '.join(where)} ORDER BY seq",
                            args)


def add_show_items(conn: sqlite3.Connection, play_id: int, items: Sequence[Mapping[str, Any]]) -> list[int]:
    """Item rows added to a closed show row after it aired (radiod.fingerprints: detections a
    person confirmed), chained after the items before them; call it inside a transaction. Each item gives ``entry_line`` (a
    fingerprint detection's is minus its id, so it never meets a tracklist line), ``file_offset_ms``,
    ``started_at_ms``, ``ended_at_ms``, ``played_ms``, ``track_id``, the track's ``title``,
    ``artist``, ``album``, ``label``, ``isrc``, ``local`` and ``artist_keys``. Returns their ids."""
    show = conn.execute("SELECT id, seq, source FROM plays WHERE id = ?", (play_id,)).fetchone()
    if show is None or show["seq"] is None or show["source"] != "show":
        raise StoreError(f"play log: play {play_id} is not a closed show row")
    head = conn.execute("SELECT hash FROM play_items ORDER BY id DESC LIMIT 1").fetchone()
    prev = GENESIS if head is None else head["hash"]
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM play_items").fetchone()[0]
    ids = []
    for n, item in enumerate(items):
        row: dict[str, Any] = {
            "id": next_id + n, "play_id": play_id, "entry_line": int(item["entry_line"]),
            "file_offset_ms": int(item["file_offset_ms"]), "started_at_ms": int(item["started_at_ms"]),
            "ended_at_ms": int(item["ended_at_ms"]), "played_ms": int(item["played_ms"]), "end_reason": "end",
            "matched": 1, "track_id": item["track_id"], "title": item["title"] or "", "artist": item["artist"] or "",
            "album": item["album"] or "", "label": item["label"] or "", "isrc": item["isrc"] or "",
            "local": int(bool(item["local"])),
            "artist_keys": json.dumps(list(item["artist_keys"]), ensure_ascii=False)}
        row["prev_hash"] = prev
        row["hash"] = prev = link(prev, row, ITEM_FIELDS)
        conn.execute(f"INSERT INTO play_items ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                     list(row.values()))
        ids.append(row["id"])
    return ids


def show_row(conn: sqlite3.Connection, play_id: int) -> dict[str, Any] | None:
    """A play row by id (a show's start, to place what was found in its audio)."""
    row = conn.execute("SELECT * FROM plays WHERE id = ?", (play_id,)).fetchone()
    return None if row is None else row_dict(row)
