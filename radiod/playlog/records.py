"""What the play-log journal holds: one small record per change to the as-played log.

Each record has a number ``n`` (1, 2, 3 … across the journal's whole life, never reused): the
order the changes happened in, which is the order they are written into SQLite and so the order
of the hash chain. A record is one line on disk: the CRC-32 of its JSON (8 hex digits), a
space, the JSON, a newline, so a line cut short by a crash or a full disk is recognised.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class JournalBase:
    """First line of a journal file: where numbering and play ids go on (nothing before it is kept)."""

    n: int                  # the number the next record gets
    next_id: int            # the id the next play gets


@dataclass(frozen=True)
class PlayOpened:
    """An item went on air: a new plays row with the id the journal gave it."""

    n: int
    play_id: int
    values: dict[str, Any] = field(default_factory=dict)    # columns, from store.play_values


@dataclass(frozen=True)
class PlayClosed:
    """A play ended (closed once; the hash chain gets its link when this is written)."""

    n: int
    play_id: int
    ended_at_ms: int
    played_ms: int
    end_reason: str
    detail: str = ""


@dataclass(frozen=True)
class OpenPlaysInterrupted:
    """At start-up: every play with an id below ``below_id`` still open was cut by a crash."""

    n: int
    now_ms: int
    detail: str
    below_id: int


@dataclass(frozen=True)
class ListenersCounted:
    """A listener count measured at ``at_ms``, for every play open at that point."""

    n: int
    at_ms: int
    listeners: int


Record = Union[PlayOpened, PlayClosed, OpenPlaysInterrupted, ListenersCounted]
Line = Union[JournalBase, Record]

_TYPES: dict[str, type[Line]] = {"base": JournalBase, "open": PlayOpened, "close": PlayClosed,
                           "interrupted": OpenPlaysInterrupted, "listeners": ListenersCounted}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def encode(line: Line) -> bytes:
    """The record as one journal line (CRC, JSON, newline)."""
    body = json.dumps({"type": _NAMES[type(line)], **asdict(line)}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode(raw: bytes) -> Line:
    """A journal line back into its record; ValueError when it is torn or not a record."""
    if not raw.endswith(b"\n") or len(raw) < 11 or raw[8:9] != b" ":
        raise ValueError("incomplete line")
    body = raw[9:-1]
    try:
        crc = int(raw[:8], 16)
    except ValueError:
        raise ValueError("no checksum") from None
    if zlib.crc32(body) != crc:
        raise ValueError("checksum mismatch")
    data = json.loads(body)
    cls = _TYPES.get(data.pop("type", None))
    if cls is None or not isinstance(data, dict):
        raise ValueError("unknown record type")
    try:
        return cls(**data)
    except TypeError as exc:
        raise ValueError(f"bad record: {exc}") from None
