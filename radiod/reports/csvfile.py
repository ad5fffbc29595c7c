"""CSV output shared by the CSV reports: RFC 4180 (comma, CR LF, quotes when needed), UTF-8."""

from __future__ import annotations

import csv
import re
from typing import Any, Iterable, Sequence

LINE_END = "\r\n"

# What makes the csv module quote a field (QUOTE_MINIMAL with our line end): the delimiter,
# the quote character, or a character of the line end.
needs_quotes = re.compile('[,"\r\n]').search


class Lines(list):
    """The lines of a CSV file as the csv writer writes them (it needs only ``write``).

    Joining a list once is several times faster than StringIO.getvalue() for a year's file.
    """

    write = list.append

    def writer(self) -> Any:
        return csv.writer(self, lineterminator=LINE_END)

    def data(self) -> bytes:
        return "".join(self).encode("utf-8")


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    lines = Lines()
    writer = lines.writer()
    writer.writerow(header)
    writer.writerows(rows)      # the csv module writes None as an empty field
    return lines.data()


def field(text: str) -> str:
    """One text field exactly as the csv module writes it (for lines built without it)."""
    if needs_quotes(text):
        return '"' + text.replace('"', '""') + '"'
    return text
