"""An artist's plays for the public artist page and API: the reports' artist ledger over the
play log, with the published daily chain digest it can be checked against."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from radiod.app import artist_ledger as build_ledger
from radiod.library import artist_name
from radiod.playlog import credits_artist
from radiod.reports import Period
from radiod_web.pagecache import Busy
from radiod_web.params import parse_day

DEFAULT_DAYS = 90
MAX_DAYS = 400


def period_from_args(first: str | None, last: str | None, today: date, zone: ZoneInfo) -> Period:
    """``?from=&to=`` (YYYY-MM-DD) → Period; by default the last 90 days. ValueError (one line) when wrong."""
    end = parse_day(last, "to") if last else today
    start = parse_day(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days >= MAX_DAYS:
        raise ValueError(f"from..to must be 1 to {MAX_DAYS} days")
    return Period(start, end, zone)


def known_artist(conn: sqlite3.Connection, key: str) -> bool:
    return artist_name(conn, key) is not None or credits_artist(conn, key)


def artist_ledger(conn: sqlite3.Connection, key: str, period: Period) -> dict[str, Any] | None:
    """The ledger of one artist (None when the station has never heard of them)."""
    if not known_artist(conn, key):
        return None
    ledger = build_ledger(conn, artist_name(conn, key) or key, period)
    ledger["artist_id"] = key.replace(" ", "-")
    return ledger


def ledger_for_request(artist_id: str, not_found: str) -> dict[str, Any]:
    """The ledger for ``/artists/<artist_id>`` pages and API calls, period from ``?from=&to=``.

    Aborts with 400 on a bad period and 404 (with ``not_found``) for an unknown artist.
    """
    from flask import abort, request

    from radiod_web import station
    from radiod_web.i18n import _
    from radiod_web.queries import unslug
    from radiod_web.security import reader

    radiod = station()
    zone = radiod.config.zone
    try:
        period = period_from_args(request.args.get("from"), request.args.get("to"),
                                  radiod.clock.now().astimezone(zone).date(), zone)
    except ValueError as exc:
        abort(400, description=str(exc))
    key = unslug(artist_id)
    try:
        # Per canonical (artist, period): ?junk=1 or a reordered query string computes nothing new.
        ledger = radiod.ledgers.get((key, period.first, period.last, str(period.zone)),
                                    lambda: artist_ledger(reader(), key, period))
    except Busy:
        abort(503, description=_("The station is busy; try again in a few seconds."))
    if ledger is None:
        abort(404, description=not_found)
    return ledger
