"""The report formats and the play rows each one reads, shared by `radiod report` and the panel."""

from __future__ import annotations

import sqlite3
from typing import Any

from radiod.playlog.store import read_plays, read_plays_csv
from radiod.reports import (
    compliance,
    music_usage,
    plays,
    preflight,
    soundexchange,
    summary,
)
from radiod.reports.period import Period

MODULES = {"soundexchange": soundexchange, "music-usage": music_usage, "plays": plays, "summary": summary,
           "local-content": compliance, "preflight": preflight}
FORMATS = tuple(MODULES)


def read_report_rows(conn: sqlite3.Connection, format: str, period: Period,
                     corrected: bool = True) -> list[Any]:
    """The play rows report FORMAT reads for the period (only the columns it needs)."""
    if format == "plays":       # every column: as CSV text made by SQLite, several times faster than dicts
        return read_plays_csv(conn, started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                              corrected=corrected)
    columns = MODULES[format].COLUMNS
    if format == "music-usage":                      # also checked for metadata gaps
        columns = columns + preflight.COLUMNS
    return read_plays(conn, started_from_ms=period.start_ms, started_before_ms=period.end_ms,
                      columns=columns, corrected=corrected)
