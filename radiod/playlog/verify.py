"""Checking the play log's hash chain, and the daily digest anyone can hold it against."""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from radiod.csvfile import restore
from radiod.localtimes import LocalTimes
from radiod.playlog.chain import CORRECTION_FIELDS, GENESIS, ITEM_FIELDS, PLAY_FIELDS, link
from radiod.playlog.store import (chain_heads, chain_rows, correction_rows, hash_at, item_rows, play_id_count,
                                  play_ids)


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    table: str            # 'plays', 'play_corrections' or 'play_items'
    row_id: int | None    # play id / correction id (None when the row is missing)
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = {"plays": "play", "play_items": "show item"}.get(self.table, "correction") + f" {self.row_id}"
        if self.row_id is None:
            where = "play log"
        at = f" (seq {self.seq})" if self.seq is not None else ""
        return f"{where}{at}: {self.reason}"


@dataclass
class Verification:
    checked: int = 0                  # closed plays checked
    corrections_checked: int = 0
    items_checked: int = 0           # songs inside shows (their own chain)
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str = GENESIS
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_chain(conn: sqlite3.Connection, *, from_ms: int | None = None, to_ms: int | None = None) -> Verification:
    """Recompute the chain over closed plays (ended in [from_ms, to_ms) when given) and corrections.

    Detects edited rows (hash mismatch), removed rows (gaps in seq or ids, broken links) and
    reordered rows (seq/link mismatch). Stops at the first broken play row.
    """
    result = Verification()
    prev: dict[str, Any] | None = None
    for row in chain_rows(conn, from_ms=from_ms, before_ms=to_ms):
        if prev is None:
            expected_prev = _hash_before(conn, row["seq"])
            result.first_seq = row["seq"]
        else:
            expected_prev = prev["hash"]
            if row["seq"] != prev["seq"] + 1:
                result.breaks.append(Break("plays", row["id"], row["seq"],
                                           f"rows with seq {prev['seq'] + 1}..{row['seq'] - 1} are missing"))
                return result
        if expected_prev is None:
            result.breaks.append(Break("plays", row["id"], row["seq"], f"the row with seq {row['seq'] - 1} is missing"))
            return result
        if row["prev_hash"] != expected_prev:
            result.breaks.append(Break("plays", row["id"], row["seq"], "does not link to the previous row"
                                       " (a row before it was changed, removed or reordered)"))
            return result
        if link(row["prev_hash"], row) != row["hash"]:
            result.breaks.append(Break("plays", row["id"], row["seq"], "content does not match its hash (row was edited)"))
            return result
        result.checked += 1
        result.last_seq, result.last_hash = row["seq"], row["hash"]
        prev = row
    if from_ms is None and to_ms is None:
        _check_whole_log(conn, result)
    _check_corrections(conn, result)
    _check_items(conn, result)
    return result


def _hash_before(conn: sqlite3.Connection, seq: int) -> str | None:
    if seq == 1:
        return GENESIS
    return hash_at(conn, seq - 1)


def _check_whole_log(conn: sqlite3.Connection, result: Verification) -> None:
    """Checks only possible over the whole log: the chain starts at 1 and no id was removed."""
    if result.breaks:
        return
    if result.first_seq not in (None, 1):
        result.breaks.append(Break("plays", None, 1, f"rows with seq 1..{result.first_seq - 1} are missing"))
        return
    # Ids are handed out in order and never reused, so a gap means a deleted row (open or closed).
    count, max_id = play_id_count(conn)
    if count != max_id:
        ids = play_ids(conn)
        missing = next(i for i, v in enumerate(ids, start=1) if v != i)
        result.breaks.append(Break("plays", missing, None, "this play id is missing (row deleted)"))


def _check_corrections(conn: sqlite3.Connection, result: Verification) -> None:
    prev_hash, expected_id = GENESIS, 1
    for row in correction_rows(conn):
        if row["id"] != expected_id:
            result.breaks.append(Break("play_corrections", expected_id, None, "this correction is missing"))
            return
        if row["prev_hash"] != prev_hash or link(row["prev_hash"], row, CORRECTION_FIELDS) != row["hash"]:
            result.breaks.append(Break("play_corrections", row["id"], None, "does not match its hash (edited or reordered)"))
            return
        prev_hash, expected_id = row["hash"], expected_id + 1
        result.corrections_checked += 1


def _check_items(conn: sqlite3.Connection, result: Verification) -> None:
    prev_hash, expected_id = GENESIS, 1
    for row in item_rows(conn):
        if row["id"] != expected_id:
            result.breaks.append(Break("play_items", expected_id, None, "this show item is missing (row deleted)"))
            return
        if row["prev_hash"] != prev_hash or link(row["prev_hash"], row, ITEM_FIELDS) != row["hash"]:
            result.breaks.append(Break("play_items", row["id"], None, "does not match its hash (edited or reordered)"))
            return
        prev_hash, expected_id = row["hash"], expected_id + 1
        result.items_checked += 1


def daily_digest(conn: sqlite3.Connection, zone: ZoneInfo, *, from_ms: int | None = None,
                 to_ms: int | None = None) -> list[dict[str, Any]]:
    """Per local day (by end time): rows closed that day, the day's last seq and last hash.

    Published, these let anyone check that an export (or the station's own log later) is complete
    and unchanged up to each day's end.
    """
    days: dict[int, dict[str, Any]] = {}
    local = LocalTimes(zone)
    for seq, ended, digest in chain_heads(conn, from_ms=from_ms, before_ms=to_ms):
        day = local.split(ended)[0]
        entry = days.setdefault(day, {"date": local.date(day), "rows": 0, "last_seq": seq, "last_hash": digest})
        entry["rows"] += 1
        if seq >= entry["last_seq"]:
            entry["last_seq"], entry["last_hash"] = seq, digest
    return [days[d] for d in sorted(days)]


def check_digest(conn: sqlite3.Connection, zone: ZoneInfo, published: list[dict[str, Any]]) -> list[str]:
    """Compare the log with a published digest; one message per day that does not match."""
    current = {d["date"]: d for d in daily_digest(conn, zone)}
    problems = []
    for entry in published:
        now = current.get(entry["date"])
        if now is None:
            problems.append(f"{entry['date']}: the log has no rows for this day (published {entry['rows']})")
            continue
        for key in ("rows", "last_seq", "last_hash"):
            if now[key] != entry[key]:
                problems.append(f"{entry['date']}: {key} is {now[key]}, published {entry[key]}")
                break
    return problems


# Columns of an exported play that hold integers (empty = NULL) and text that may be NULL.
_INT_FIELDS = frozenset({"id", "seq", "started_at_ms", "planned_start_ms", "start_error_ms", "ended_at_ms",
                         "played_ms", "track_id", "local", "length_ms", "listeners_start", "listeners_end",
                         "listeners_peak", "performances", "listener_ms"})
_NULLABLE_TEXT = frozenset({"item_key", "end_reason"})


def verify_export(text: str, published: list[dict[str, Any]] | None = None) -> tuple[int, list[str]]:
    """Check an uncorrected `plays` CSV export (``radiod report plays --raw``) on its own.

    Recomputes every row's hash from the exported values, checks each row links to the one
    before it, and — given a published digest — that each day's last hash is the one published.
    Returns (rows checked, problems).
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [f for f in PLAY_FIELDS + ("prev_hash", "hash") if f not in (reader.fieldnames or [])]
    if missing:
        return 0, [f"not a plays export: missing column(s) {', '.join(missing)}"]
    rows: list[dict[str, Any]] = []
    for line, raw in enumerate(reader, start=2):
        if raw.get("corrected_fields"):
            return 0, [f"line {line}: play {raw['id']} carries corrections; export with --raw to verify"]
        try:
            rows.append({k: _typed(k, v) for k, v in raw.items() if k in PLAY_FIELDS or k in ("prev_hash", "hash")})
        except ValueError:
            return 0, [f"line {line}: a number column holds something else"]
    rows.sort(key=lambda r: r["seq"])
    problems: list[str] = []
    by_seq: dict[int, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        if i and row["seq"] != rows[i - 1]["seq"] + 1:
            problems.append(f"play {row['id']} (seq {row['seq']}): rows with seq {rows[i - 1]['seq'] + 1}.."
                            f"{row['seq'] - 1} are missing")
            break
        if (i and row["prev_hash"] != rows[i - 1]["hash"]) or (row["seq"] == 1 and row["prev_hash"] != GENESIS):
            problems.append(f"play {row['id']} (seq {row['seq']}): does not link to the previous row")
            break
        if link(row["prev_hash"], row) != row["hash"]:
            problems.append(f"play {row['id']} (seq {row['seq']}): content does not match its hash (row was edited)")
            break
        by_seq[row["seq"]] = row
    for entry in published or []:
        last = by_seq.get(entry["last_seq"])
        if last is not None and last["hash"] != entry["last_hash"]:
            problems.append(f"digest {entry['date']}: last_hash is {last['hash']}, published {entry['last_hash']}")
    return len(rows), problems


def _typed(name: str, value: str) -> int | str | None:
    if name in _INT_FIELDS:
        return int(value) if value != "" else None
    if name in _NULLABLE_TEXT and value == "":
        return None
    return restore(value)       # the export escapes text a spreadsheet would run as a formula
