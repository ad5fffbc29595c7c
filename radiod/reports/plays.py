"""Every field of every play in the period (corrections applied, and named)."""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any, Iterable, Mapping

from radiod.playlog.chain import PLAY_FIELDS
from radiod.reports.csvfile import to_csv
from radiod.reports.period import LocalTimes, Period

COLUMNS = None   # every column

HEADER = ("started_at", "ended_at") + PLAY_FIELDS + ("prev_hash", "hash", "corrected_fields")
_FIELDS = itemgetter(*PLAY_FIELDS)
_KEYS = PLAY_FIELDS.index("artist_keys")
_LOCAL = PLAY_FIELDS.index("local")


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    lines = []
    local = LocalTimes(period.zone)
    start_ms, end_ms = period.start_ms, period.end_ms
    keys_text: dict[tuple, str] = {}
    for r in rows:
        if not start_ms <= r["started_at_ms"] < end_ms:
            continue
        values = list(_FIELDS(r))
        keys = tuple(r["artist_keys"])
        if keys not in keys_text:
            keys_text[keys] = json.dumps(list(keys), ensure_ascii=False)
        values[_KEYS] = keys_text[keys]
        values[_LOCAL] = int(bool(values[_LOCAL]))
        lines.append([local.iso(r["started_at_ms"]), local.iso(r["ended_at_ms"]), *values,
                      r["prev_hash"], r["hash"], " ".join(r.get("corrected_fields", []))])
    return to_csv(HEADER, lines)
