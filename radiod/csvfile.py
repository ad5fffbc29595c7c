"""CSV output shared by the CSV reports: RFC 4180 (comma, CR LF, quotes when needed), UTF-8.

Text from tags reaches these files, and managers open them in a spreadsheet, which runs a field
that starts with ``=``, ``+``, ``-``, ``@``, a tab, CR or NUL as a formula (``=HYPERLINK(...)``
sends data away, DDE starts programs). Such a field gets a leading ``'`` (OWASP's advice on CSV
injection, ASVS 1.2.10), except a signed number or UTC offset (``-12``, ``-05:00``), which is a
value. The escape is reversible: a field that already starts with quotes before such a character
gets one more, so ``restore`` gives back exactly what was logged (``verify-export`` hashes it).
"""

from __future__ import annotations

import csv
import re
from typing import Any, Iterable, Sequence

LINE_END = "\r\n"

# What makes the csv module quote a field (QUOTE_MINIMAL with our line end): the delimiter,
# the quote character, or a character of the line end.
needs_quotes = re.compile('[,"\r\n]').search

_FORMULA = re.compile(r"'*[=+\-@\t\r\0]")       # (quotes, then) what a spreadsheet runs
_VALUE = re.compile(r"[-+][0-9][0-9.:]*")        # a signed number or UTC offset: not a formula
# Which lines to redo field by field. A field starts the line or follows a comma. One search in C
# finds, after a comma: quotes then a formula character (quoted or not), an unquoted =, @, tab,
# NUL or +, or an unquoted - that is not a signed number (-05:00, -12 are common and safe: an
# unquoted field ends at a comma or the line end). It may say yes for a line that needs nothing
# (a quoted text that starts with ""=, a +1): redoing that line changes nothing.
_MAYBE = re.compile(r""",(?:["']['"]*[=+\-@\t\r\0]|[=@\t\0+]|-(?![0-9][0-9.:]*(?:,|\r\n|$)))""").search
_FIRST = frozenset("'\"-+=@\t\0")


def risky(line: str) -> bool:
    """Whether CSV text (a line, or the first fields of one) may hold a field that ``neutralise``
    changes: never a false no."""
    return line[:1] in _FIRST or _MAYBE(line) is not None


def neutralise(text: str) -> str:
    """``text`` safe to open in a spreadsheet (a leading ``'`` when it would run as a formula)."""
    if _FORMULA.match(text) and not _VALUE.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The value ``neutralise`` was given (for reading an export back)."""
    if text[:1] == "'" and _FORMULA.match(text):
        return text[1:]
    return text


class Lines(list[str]):
    """The lines of a CSV file as the csv writer writes them (it needs only ``write``), every
    field neutralised for spreadsheets.

    Joining a list once is several times faster than StringIO.getvalue() for a year's file.
    """

    def write(self, line: str) -> None:
        """Add one whole line (ending in LINE_END)."""
        self.append(neutral_line(line) if risky(line) else line)

    def writer(self) -> Any:
        return csv.writer(self, lineterminator=LINE_END)

    def data(self) -> bytes:
        return "".join(self).encode("utf-8")


def neutral_line(line: str) -> str:
    """A CSV line with every field neutralised, quoted as the csv module quotes."""
    out: list[str] = []
    csv.writer(_Appender(out), lineterminator=LINE_END).writerow(
        [neutralise(value) for value in next(csv.reader([line]))])
    return out[0]


class _Appender:
    """A file-like ``write`` into a plain list."""

    def __init__(self, target: list[str]):
        self.write = target.append


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
