"""Give play rows written before rows carried the show's stable id the id their title stands for."""

from __future__ import annotations

import sqlite3
from typing import Mapping

from radiod.playlog.store import fill_show_ids
from radiod.schedule.model import Show
from radiod.schedule.show_ids import ids_by_title
from radiod.schedule_history import History

SHOWS_FILE = "shows.toml"


def fill_play_show_ids(conn: sqlite3.Connection, shows: Mapping[str, Show]) -> int:
    """Fill the show id of plays that have none, from ``shows`` (the current schedule) and every
    version of shows.toml the panel's history kept (so old titles of renamed shows map too);
    returns how many rows got an id."""
    return fill_show_ids(conn, ids_by_title(shows, History(conn).file_versions(SHOWS_FILE)))
