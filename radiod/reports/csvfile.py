"""CSV output shared by the CSV reports: RFC 4180 (comma, CR LF, quotes when needed), UTF-8."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Sequence

LINE_END = "\r\n"

# What makes the csv module quote a field (QUOTE_MINIMAL with our line end): the delimiter,
# the quote character, or a character of the line end.
needs_quotes = re.compile('[,"\r\n]').search


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow(header)
    writer.writerows(rows)      # the csv module writes None as an empty field
    return buffer.getvalue().encode("utf-8")


def field(text: str) -> str:
    """One text field exactly as the csv module writes it (for lines built without it)."""
    if needs_quotes(text):
        return '"' + text.replace('"', '""') + '"'
    return text
