"""The hash chain over closed play rows (and, separately, over corrections).

A row's hash is SHA-256 over the previous hash and a canonical JSON of the row's content, so
changing, removing or reordering any row breaks every link after it. The content is plain data
(ints, strings, None), so anyone holding an export of the rows can recompute the chain.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

GENESIS = "0" * 64

# Columns of a closed play covered by its hash (everything but the hash itself and the poller's
# working values). Adding a column to the table means adding it here in a new chain version.
PLAY_FIELDS: tuple[str, ...] = (
    "id", "seq", "item_key", "started_at_ms", "planned_start_ms", "start_error_ms",
    "ended_at_ms", "played_ms", "end_reason", "detail", "source", "usage", "show", "category",
    "channel", "exclusion", "track_id", "path", "title", "artist", "album", "label", "isrc",
    "composer", "lyricist", "release_date", "genre", "language", "local", "artist_keys",
    "length_ms", "listeners_start", "listeners_end", "listeners_peak", "performances", "listener_ms",
)

CORRECTION_FIELDS: tuple[str, ...] = (
    "id", "play_id", "field", "before", "after", "changed_by", "reason", "changed_at_ms",
)


# Columns of a show's item row (play_items) covered by its hash, in the items' own chain.
ITEM_FIELDS: tuple[str, ...] = (
    "id", "play_id", "entry_line", "file_offset_ms", "started_at_ms", "ended_at_ms", "played_ms",
    "end_reason", "matched", "track_id", "title", "artist", "album", "label", "isrc", "local", "artist_keys",
)


def _stored_form(name: str, value: Any) -> Any:
    """The value as SQLite stores it, so a row read back as a dict (bool, list) hashes the same."""
    if name == "local" and value is not None:
        return int(bool(value))
    if name == "artist_keys" and not isinstance(value, str):
        return json.dumps(list(value), ensure_ascii=False)
    return value


def canonical(row: Mapping[str, Any], fields: tuple[str, ...]) -> bytes:
    """The bytes a row's hash covers: its fields as sorted, compact JSON (UTF-8)."""
    content = {name: _stored_form(name, row[name]) for name in fields}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: str, row: Mapping[str, Any], fields: tuple[str, ...] = PLAY_FIELDS) -> str:
    """Hash of a row chained to ``prev_hash`` (hex)."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(row, fields))
    return digest.hexdigest()
