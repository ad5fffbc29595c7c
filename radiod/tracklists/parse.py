"""Read a tracklist file of any supported format; every problem reported with its line.

``read_tracklist(data, duration_ms)`` decodes the bytes (BOMs for UTF-8/UTF-16, else UTF-8,
else Windows-1252 as older Windows DJ programs write), detects the format, parses each line and
checks the times against the show's file: unparsable lines, times past the end of the file and
times out of order are refused together, each as ``line N: ...``.
"""

from __future__ import annotations

import codecs
import csv
import re

from radiod.tracklists.model import MAX_BYTES, MAX_LINES, MAX_PROBLEMS, Entry, Tracklist, TracklistError, fmt_time

# Dashes DJs put between artist and title: en dash, em dash, or a hyphen with spaces around it.
_SEP = re.compile(r"\s+[–—-]\s+|\s*[–—]\s*")
_TIME = r"(?:\d{1,2}:)?\d{1,3}:\d{2}"
_TEXT_LINE = re.compile(rf"^\[?(?P<time>{_TIME})\]?\s+(?P<rest>.+)$")
_MIXXX_LINE = re.compile(rf"^(?P<nr>\d+)\.\s+(?P<time>\d+:\d{{2}}:\d{{2}})\s+(?P<rest>.*)$")
_CUE_CMD = re.compile(r"^(?P<cmd>[A-Z]+)\s*(?P<arg>.*)$")
_CUE_INDEX = re.compile(r"^(?P<nr>\d{2})\s+(?P<m>\d{1,4}):(?P<s>\d{2}):(?P<f>\d{2})$")
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def read_tracklist(data: bytes, duration_ms: int | None = None) -> Tracklist:
    """Parse and check a tracklist; raises TracklistError with every located problem."""
    lines = decode(data)
    kind = detect(lines)
    problems: list[str] = []
    if kind == "cue":
        entries = _parse_cue(lines, problems)
    elif kind == "rekordbox":
        entries = _parse_rekordbox(lines, problems)
    elif kind == "mixxx":
        entries = _parse_timed(lines, _MIXXX_LINE, "01. 0:00:00 Artist - Title", problems)
    else:
        entries = _parse_timed(lines, _TEXT_LINE, "[h:]mm:ss Artist – Title", problems)
    if not entries and not problems:
        problems.append("no songs found (expected lines like '0:00 Artist – Title')")
    problems += check_times(entries, duration_ms, lines if kind in ("text", "mixxx") else None)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise TracklistError(problems[:MAX_PROBLEMS] + ([f"... and {more} more"] if more > 0 else []))
    return Tracklist(kind, tuple(entries))


def decode(data: bytes) -> list[str]:
    """The file's lines, or TracklistError for a file too big, binary or too long."""
    if len(data) > MAX_BYTES:
        raise TracklistError([f"tracklist is {len(data) // 1024} KB; at most {MAX_BYTES // 1024} KB"])
    text: str | None = None
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise TracklistError([f"not valid {encoding} text (byte {exc.start + len(bom)})"]) from None
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TracklistError([f"line {line}: NUL byte; this is not a text tracklist"])
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise TracklistError([f"tracklist has {len(lines)} lines; at most {MAX_LINES}"])
    return lines


def detect(lines: list[str]) -> str:
    """'cue', 'rekordbox', 'mixxx' or 'text', from the first meaningful lines."""
    first = [line.strip() for line in lines if line.strip()][:20]
    if first and first[0].startswith("#\t"):
        return "rekordbox"
    if any(re.match(r"^(TRACK\s+\d+\s+AUDIO|FILE\s+\")", line) for line in first):
        return "cue"
    timed = [line for line in first if _TEXT_LINE.match(line) or _MIXXX_LINE.match(line)]
    if timed and all(_MIXXX_LINE.match(line) for line in timed):
        return "mixxx"
    return "text"


def parse_time(text: str) -> int | None:
    """'[h:]mm:ss' → ms; minutes may exceed 59 only when no hours are given (61:20)."""
    parts = [int(p) for p in text.split(":")]
    if parts[-1] > 59:
        return None
    if len(parts) == 3:
        h, m, s = parts
        if m > 59:
            return None
    else:
        h, (m, s) = 0, parts
    return ((h * 60 + m) * 60 + s) * 1000


def split_credit(rest: str) -> tuple[str, str] | None:
    """'Artist – Title' → ('Artist', 'Title'), or None when there is no dash between them."""
    parts = _SEP.split(rest.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return None
    return parts[0].strip(), parts[1].strip()


def _parse_timed(lines: list[str], pattern: re.Pattern[str], shape: str, problems: list[str]) -> list[Entry]:
    entries: list[Entry] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue                                    # blank lines and comments
        found = pattern.match(line)
        if not found:
            problems.append(f"line {number}: cannot read {_show(line)}; expected {shape}")
            continue
        offset = parse_time(found.group("time"))
        credit = split_credit(found.group("rest"))
        if offset is None:
            problems.append(f"line {number}: {found.group('time')} is not a time ([h:]mm:ss)")
        elif credit is None:
            problems.append(f"line {number}: no ' – ' between artist and title in {_show(found.group('rest'))}")
        else:
            entries.append(Entry(number, offset, *credit))
    return entries


def _parse_cue(lines: list[str], problems: list[str]) -> list[Entry]:
    """CUE sheet: TRACK blocks with TITLE, PERFORMER, ISRC and INDEX 01 mm:ss:ff (75 frames/s)."""
    entries: list[Entry] = []
    album_performer = ""
    current: dict[str, str] | None = None
    start_line = 0
    offset: int | None = None

    def close() -> None:
        if current is None:
            return
        artist = current.get("PERFORMER") or album_performer
        title = current.get("TITLE", "")
        if offset is None:
            problems.append(f"line {start_line}: track has no INDEX 01 (its start time)")
        elif not title or not artist:
            problems.append(f"line {start_line}: track has no {'TITLE' if not title else 'PERFORMER'}")
        else:
            entries.append(Entry(start_line, offset, artist, title, current.get("ISRC", "")))

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        found = _CUE_CMD.match(line)
        if not found:
            problems.append(f"line {number}: cannot read {_show(line)}; expected a CUE command")
            continue
        cmd, arg = found.group("cmd"), _unquote(found.group("arg"))
        if cmd == "TRACK":
            close()
            current, start_line, offset = {}, number, None
        elif cmd in ("TITLE", "PERFORMER", "ISRC") and current is not None:
            if cmd == "ISRC" and not _ISRC.match(arg.replace("-", "").upper()):
                problems.append(f"line {number}: {arg!r} is not an ISRC (e.g. CAXXX2400001)")
                continue
            current[cmd] = arg.replace("-", "").upper() if cmd == "ISRC" else arg
        elif cmd == "PERFORMER":
            album_performer = arg
        elif cmd == "INDEX" and current is not None:
            index = _CUE_INDEX.match(arg)
            if not index:
                problems.append(f"line {number}: cannot read INDEX {_show(arg)}; expected 01 mm:ss:ff")
            elif index.group("nr") == "01":
                if int(index.group("s")) > 59 or int(index.group("f")) > 74:
                    problems.append(f"line {number}: {arg[3:]} is not a CUE time (mm:ss:ff, ff < 75)")
                    continue
                offset = (int(index.group("m")) * 60 + int(index.group("s"))) * 1000 + int(index.group("f")) * 1000 // 75
        # REM, FILE, CATALOG, FLAGS, SONGWRITER, PREGAP, ... carry nothing a play row needs.
    close()
    return entries


def _parse_rekordbox(lines: list[str], problems: list[str]) -> list[Entry]:
    """rekordbox's exported .txt: columns as the DJ's view had them, so found by header name.

    It carries no start times, only each track's length ('Time', m:ss): songs are placed back to
    back and marked ``estimated``.
    """
    rows = list(csv.reader(lines, delimiter="\t"))
    header = [cell.strip().casefold() for cell in rows[0]]
    columns = {name: header.index(name) for name in ("track title", "artist", "time", "isrc") if name in header}
    if "track title" not in columns or "artist" not in columns:
        problems.append("line 1: rekordbox header has no 'Track Title' and 'Artist' columns")
        return []
    entries: list[Entry] = []
    at = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
        if not cell["track title"] or not cell["artist"]:
            problems.append(f"line {number}: no {'Track Title' if not cell['track title'] else 'Artist'}")
            continue
        entries.append(Entry(number, at, cell["artist"], cell["track title"], cell.get("isrc", ""), estimated=True))
        length = parse_time(cell["time"]) if re.fullmatch(_TIME, cell.get("time", "")) else None
        if length is None:
            problems.append(f"line {number}: Time {cell.get('time', '')!r} is not a length (m:ss)")
            continue
        at += length
    return entries


def check_times(entries: list[Entry], duration_ms: int | None, lines: list[str] | None = None) -> list[str]:
    """Times past the end of the file and times out of order, each at its line (quoting the
    time as the line wrote it when ``lines`` are given)."""
    problems: list[str] = []
    previous: Entry | None = None
    for entry in entries:
        written = (_written_time(lines[entry.line - 1]) if lines else "") or fmt_time(entry.offset_ms)
        if duration_ms is not None and entry.offset_ms >= duration_ms:
            problems.append(f"line {entry.line}: {written} is past the end of the file ({fmt_time(duration_ms)})")
        elif previous is not None and entry.offset_ms <= previous.offset_ms:
            problems.append(f"line {entry.line}: {written} is not after line {previous.line} "
                            f"({fmt_time(previous.offset_ms)}); songs must be in order")
        previous = entry
    return problems


def _written_time(line: str) -> str:
    found = re.search(r"\d+(?::\d{2}){1,2}", line)
    return found.group(0) if found else ""


def _unquote(arg: str) -> str:
    arg = arg.strip()
    return arg[1:-1] if len(arg) >= 2 and arg[0] == arg[-1] == '"' else arg


def _show(text: str) -> str:
    """A line quoted for a message, cut to a readable length."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
