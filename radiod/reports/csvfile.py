"""CSV output shared by the CSV reports: RFC 4180 (comma, CR LF, quotes when needed), UTF-8."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)      # the csv module writes None as an empty field
    return buffer.getvalue().encode("utf-8")
