"""Every field of every play in the period (corrections applied, and named)."""

from __future__ import annotations

import csv
import io
import json
from operator import itemgetter
from typing import Any, Iterable, Mapping

from radiod.playlog.chain import PLAY_FIELDS
from radiod.reports.csvfile import LINE_END, field
from radiod.reports.period import LocalTimes, Period

COLUMNS = None   # every column (the commands read them with read_plays_csv, the fast way)

HEADER = ("started_at", "ended_at") + PLAY_FIELDS + ("prev_hash", "hash", "corrected_fields")
_FIELDS = itemgetter(*PLAY_FIELDS)
_KEYS = PLAY_FIELDS.index("artist_keys")
_LOCAL = PLAY_FIELDS.index("local")
_QUARTER_MS = 900_000
_MM_SS = tuple(f"{m:02d}:{s:02d}." for m in range(60) for s in range(60))


class _IsoTimes:
    """LocalTimes.iso for many instants: the date, hour and offset text made once per quarter hour.

    (A zone's offset changes only at a quarter hour, and is a whole number of quarter hours.)
    """

    def __init__(self, local: LocalTimes):
        self.local = local
        self.quarters: dict[int, tuple[str, int, str]] = {}

    def _quarter(self, quarter: int) -> tuple[str, int, str]:
        day, ms_of_day, offset = self.local.split(quarter * _QUARTER_MS)
        minute = ms_of_day // 60_000
        parts = (f"{self.local.date(day)}T{minute // 60:02d}:", minute % 60 * 60, self.local.offset_text(offset))
        self.quarters[quarter] = parts
        return parts

    def iso(self, instant_ms: int) -> str:
        quarter, ms = divmod(instant_ms, _QUARTER_MS)
        day_hour, second, offset = self.quarters.get(quarter) or self._quarter(quarter)
        return f"{day_hour}{_MM_SS[second + ms // 1000]}{ms % 1000:03d}{offset}"


def report(rows: Iterable[Mapping[str, Any] | tuple], period: Period) -> bytes:
    """The CSV of the plays started in the period.

    ``rows`` are play dicts (read_plays) or what read_plays_csv gives: tuples whose values are
    CSV text already, and dicts for the rows it leaves to Python. Both give the same bytes.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow(HEADER)
    write, iso = buffer.write, _IsoTimes(LocalTimes(period.zone)).iso
    start_ms, end_ms = period.start_ms, period.end_ms
    # artist keys repeat across plays: their JSON is made once per distinct value
    keys_json: dict[tuple, str] = {}
    keys_field: dict[str, str] = {}      # stored JSON → its CSV field
    for r in rows:
        if type(r) is tuple:
            started, ended, before, keys, after = r
            if not start_ms <= started < end_ms:
                continue
            text = keys_field.get(keys)
            if text is None:
                text = keys_field[keys] = field(json.dumps(json.loads(keys), ensure_ascii=False))
            write(f"{iso(started)},{iso(ended)},{before},{text},{after},{LINE_END}")
            continue
        if not start_ms <= r["started_at_ms"] < end_ms:
            continue
        values = list(_FIELDS(r))
        keys = tuple(r["artist_keys"])
        if keys not in keys_json:
            keys_json[keys] = json.dumps(list(keys), ensure_ascii=False)
        values[_KEYS] = keys_json[keys]
        values[_LOCAL] = int(bool(values[_LOCAL]))
        writer.writerow([iso(r["started_at_ms"]), iso(r["ended_at_ms"]), *values,
                         r["prev_hash"], r["hash"], " ".join(r.get("corrected_fields", []))])
    return buffer.getvalue().encode("utf-8")
