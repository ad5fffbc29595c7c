"""Every field of every play in the period (corrections applied, and named)."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from radiod.playlog.chain import PLAY_FIELDS
from radiod.reports.csvfile import to_csv
from radiod.reports.period import Period, iso_local

HEADER = ("started_at", "ended_at") + PLAY_FIELDS + ("prev_hash", "hash", "corrected_fields")


def report(rows: Iterable[Mapping[str, Any]], period: Period) -> bytes:
    lines = []
    for r in rows:
        if not period.contains(r["started_at_ms"]):
            continue
        values = [iso_local(r["started_at_ms"], period.zone), iso_local(r["ended_at_ms"], period.zone)]
        for name in PLAY_FIELDS:
            value = r[name]
            if name == "artist_keys":
                value = json.dumps(list(value), ensure_ascii=False)
            elif name == "local":
                value = int(bool(value))
            values.append(value)
        values += [r["prev_hash"], r["hash"], " ".join(r.get("corrected_fields", []))]
        lines.append(values)
    return to_csv(HEADER, lines)
