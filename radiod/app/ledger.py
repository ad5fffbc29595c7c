"""The artist ledger (`radiod ledger`, the public artist page and API): an artist's plays in a period
with the published daily chain digest they can be checked against."""

from __future__ import annotations

import sqlite3
from typing import Any

from radiod.library.artists import artist_key
from radiod.playlog.store import read_itemised
from radiod.playlog.verify import daily_digest
from radiod.reports import ledger
from radiod.reports.period import Period


def artist_ledger(conn: sqlite3.Connection, artist: str, period: Period) -> dict[str, Any]:
    """Plays credited to ``artist`` (a name or key; corrections of artist keys applied) in the period."""
    rows = read_itemised(conn, started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                         columns=ledger.COLUMNS, artist_key=artist_key(artist))
    digest = daily_digest(conn, period.zone, from_ms=period.start_ms, to_ms=period.end_ms)
    return ledger.artist_ledger(rows, artist, period, digest)
