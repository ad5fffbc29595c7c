"""The as-played log: a journal on disk drained into a hash-chained SQLite table, and its checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.playlog.chain import PLAY_FIELDS
    from radiod.playlog.drain import Drainer
    from radiod.playlog.journal import journal_path
    from radiod.playlog.store import CORRECTABLE, PlayLog, read_plays, read_plays_csv, row_dict
    from radiod.playlog.verify import check_digest, daily_digest, verify_chain, verify_export
    from radiod.playlog.writer import JournaledPlayLog, open_journaled
    from radiod.playlog.store import recent_plays, credits_artist, show_plays
    from radiod.playlog.store import aired_since

__all__ = [
    "check_digest", "CORRECTABLE", "daily_digest", "Drainer", "journal_path",
    "JournaledPlayLog", "open_journaled", "PLAY_FIELDS", "PlayLog", "read_plays",
    "read_plays_csv", "row_dict", "verify_chain", "verify_export", "recent_plays", "credits_artist", "show_plays",
    "aired_since",
]

# Imported on first use: the pure core imports radiod.playlog.chain, which must not load SQLite.
__getattr__ = lazy_face(__name__, {
    "PLAY_FIELDS": "chain",
    "Drainer": "drain",
    "journal_path": "journal",
    "CORRECTABLE": "store", "PlayLog": "store", "read_plays": "store", "read_plays_csv": "store",
    "row_dict": "store",
    "check_digest": "verify", "daily_digest": "verify", "verify_chain": "verify", "verify_export": "verify",
    "JournaledPlayLog": "writer", "open_journaled": "writer",
    "recent_plays": "store", "credits_artist": "store", "show_plays": "store",
    "aired_since": "store",
})
