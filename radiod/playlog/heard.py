"""The heard file: how much of each open play had been heard, rewritten in place every 100 ms.

The engine notes the heard position of every open play ten times a second; after a crash the
restarted daemon closes those plays at what was heard, not at the restart. Ten records a second
for years must neither grow a file nor wear a disk, so this is not the journal: it is one small
fixed-size file (two 512-byte slots, written in turn with ``pwrite``, each with a sequence number
and a CRC-32), never fsync'd.

What is guaranteed: a killed daemon (``kill -9``, a crash) loses nothing — the written page is
in the kernel's cache — so each row is closed within one heartbeat (100 ms) of what was heard.
After a power cut the file holds what the kernel last wrote back (usually seconds old): the rows
are then closed *short* of what was heard, never beyond it. A torn slot fails its CRC and the
other slot is used.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from radiod.playlog.positions import HeardPlay

log = logging.getLogger(__name__)

SLOT_BYTES = 512
MAX_PLAYS = 20                     # open at once: the current item, its follower, the outgoing one
_HEAD = struct.Struct("<4sQqH")    # magic, sequence, at_ms, count
_ENTRY = struct.Struct("<qqq")     # play_id, started_at_ms, played_ms
_CRC = struct.Struct("<I")
_MAGIC = b"RDH1"


@dataclass(frozen=True)
class Heard:
    """One heartbeat: at ``at_ms`` (epoch ms) these plays were open and heard this far."""

    seq: int
    at_ms: int
    plays: tuple[HeardPlay, ...]

    def of(self, play_id: int) -> HeardPlay | None:
        return next((p for p in self.plays if p.play_id == play_id), None)


def heard_path(database: Path) -> Path:
    """Where a database's heard file lives: beside it (``radiod.db`` → ``radiod.plays-heard``)."""
    return database.with_name(database.stem + ".plays-heard")


def encode(heard: Heard) -> bytes:
    plays = heard.plays[:MAX_PLAYS]
    body = _HEAD.pack(_MAGIC, heard.seq, heard.at_ms, len(plays)) + b"".join(
        _ENTRY.pack(p.play_id, p.started_at_ms, p.played_ms) for p in plays)
    body = body.ljust(SLOT_BYTES - _CRC.size, b"\0")
    return body + _CRC.pack(zlib.crc32(body))


def decode(raw: bytes) -> Heard | None:
    """A slot back into its heartbeat; None when it is empty, torn or not ours."""
    if len(raw) != SLOT_BYTES:
        return None
    body, (crc,) = raw[:-_CRC.size], _CRC.unpack(raw[-_CRC.size:])
    if zlib.crc32(body) != crc:
        return None
    magic, seq, at_ms, count = _HEAD.unpack_from(body)
    if magic != _MAGIC or count > MAX_PLAYS:
        return None
    plays = tuple(HeardPlay(*_ENTRY.unpack_from(body, _HEAD.size + i * _ENTRY.size)) for i in range(count))
    return Heard(seq, at_ms, plays)


def read(path: Path) -> Heard | None:
    """The newest whole heartbeat in the file, or None (no file, nothing whole in it)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("%s: cannot read the heard positions (%s); open plays are closed as before",
                    path, exc.strerror or exc)
        return None
    slots = [decode(data[i:i + SLOT_BYTES]) for i in (0, SLOT_BYTES)]
    whole = [s for s in slots if s is not None]
    return max(whole, key=lambda s: s.seq) if whole else None


class HeardFile:
    """Writes heartbeats into the two slots in turn (the engine thread; one ``pwrite`` each)."""

    def __init__(self, path: Path, *, after: Heard | None = None):
        self.path = Path(path)
        self._seq = after.seq + 1 if after is not None else 1
        self._fd: int | None = None
        self._failing = ""

    def write(self, at_ms: int, plays: Sequence[HeardPlay]) -> None:
        data = encode(Heard(self._seq, int(at_ms), tuple(plays)))
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            os.pwrite(self._fd, data, (self._seq % 2) * SLOT_BYTES)
        except OSError as exc:
            # Only the closing of rows after a crash depends on it: say so once, keep playing.
            if not self._failing:
                log.warning("%s: cannot save the heard positions (%s); after a crash the open plays "
                            "would be closed without them", self.path, exc.strerror or exc)
            self._failing = str(exc)
            return
        if self._failing:
            log.warning("%s: heard positions saved again", self.path)
            self._failing = ""
        self._seq += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
