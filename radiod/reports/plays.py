"""Every field of every play in the period (corrections applied, and named)."""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any, Iterable, Mapping

from radiod.csvfile import LINE_END, Lines, field, neutral_line, risky
from radiod.localtimes import LocalTimes
from radiod.playlog.chain import PLAY_FIELDS
from radiod.reports.period import Period

COLUMNS = None   # every column (the commands read them with read_plays_csv, the fast way)

HEADER = ("started_at", "ended_at") + PLAY_FIELDS + ("prev_hash", "hash", "corrected_fields")
_FIELDS = itemgetter(*PLAY_FIELDS)
_KEYS = PLAY_FIELDS.index("artist_keys")
_LOCAL = PLAY_FIELDS.index("local")


def report(rows: Iterable[Mapping[str, Any] | tuple[int, int, str, str, str]], period: Period) -> bytes:
    """The CSV of the plays started in the period.

    ``rows`` are play dicts (read_plays) or what read_plays_csv gives: tuples whose values are
    CSV text already, and dicts for the rows it leaves to Python. Both give the same bytes.
    """
    lines = Lines()
    writer = lines.writer()
    writer.writerow(HEADER)
    write, iso = lines.append, LocalTimes(period.zone).iso
    start_ms, end_ms = period.start_ms, period.end_ms
    # artist keys repeat across plays: their JSON is made once per distinct value
    keys_json: dict[tuple[str, ...], str] = {}
    keys_field: dict[str, str] = {}      # stored JSON → its CSV field
    for r in rows:
        if isinstance(r, tuple):
            started, ended, before, keys, after = r
            if not start_ms <= started < end_ms:
                continue
            text = keys_field.get(keys)
            if text is None:
                text = keys_field[keys] = field(json.dumps(json.loads(keys), ensure_ascii=False))
            line = f"{iso(started)},{iso(ended)},{before},{text},{after},{LINE_END}"
            # only ``before`` holds text from tags (times, keys JSON, numbers and hashes are safe)
            write(neutral_line(line) if risky(before) else line)
            continue
        if not start_ms <= r["started_at_ms"] < end_ms:
            continue
        values = list(_FIELDS(r))
        artist_keys = tuple(r["artist_keys"])
        if artist_keys not in keys_json:
            keys_json[artist_keys] = json.dumps(list(artist_keys), ensure_ascii=False)
        values[_KEYS] = keys_json[artist_keys]
        values[_LOCAL] = int(bool(values[_LOCAL]))
        writer.writerow([iso(r["started_at_ms"]), iso(r["ended_at_ms"]), *values,
                         r["prev_hash"], r["hash"], " ".join(r.get("corrected_fields", []))])
    return lines.data()
