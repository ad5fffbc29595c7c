"""The report and log commands, run as a user runs them (a subprocess on a station directory)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .fixture import build

EXPECTED = Path(__file__).parent / "expected"

TOML = """\
[station]
name = "Radio Fjörd"
service_name = "Radio Fjörd"
timezone = "America/Toronto"

[reports]
local_preset = "australia"
contact_name = "Åsa Lindqvist"
"""


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    directory = tmp_path_factory.mktemp("station")
    (directory / "radiod.toml").write_text(TOML, encoding="utf-8")
    build(directory / "radiod.db")
    return directory


def radiod(station: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from radiod.cli import main; main()", "--station", str(station), *args],
                          capture_output=True, cwd=cwd or station, env={"PATH": "/usr/bin:/bin"})


def test_soundexchange_file_gets_the_regulation_name(station, tmp_path):
    done = radiod(station, "report", "soundexchange", "--from", "2026-03-01", "--to", "2026-03-31", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "RadioFjord20260301-20260331.txt"
    assert written.read_bytes() == (EXPECTED / "RadioFjord20260301-20260331.txt").read_bytes()
    err = done.stderr.decode()
    assert "transliterated: Zoë Ashcroft -> Zoe Ashcroft" in err and "3 sound recordings" in err


def test_csv_reports_go_to_stdout_or_a_file(station, tmp_path):
    done = radiod(station, "report", "music-usage", "--from", "2026-03-01", "--to", "2026-03-31")
    assert done.returncode == 0 and done.stdout == (EXPECTED / "music-usage-2026-03.csv").read_bytes()
    assert "warning: 2 recording(s) lack ISRC, label or composer" in done.stderr.decode()
    out = tmp_path / "lc.csv"
    done = radiod(station, "report", "local-content", "--from", "2026-03-01", "--to", "2026-03-31", "-o", str(out))
    assert done.returncode == 0 and out.read_bytes() == (EXPECTED / "local-content-australia-2026-03.csv").read_bytes()


def test_plays_export_is_the_expected_file(station):
    done = radiod(station, "report", "plays", "--from", "2026-03-01", "--to", "2026-03-31")
    assert done.returncode == 0 and done.stdout == (EXPECTED / "plays-2026-03.csv").read_bytes()


def test_refusing_gaps_stops_the_export(station):
    done = radiod(station, "report", "music-usage", "--from", "2026-03-01", "--to", "2026-03-31", "--gaps", "refuse")
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "radiod: 2 recording(s) lack ISRC, label or composer (run 'radiod report preflight');"
        " first: The Quiet Harbours - Harbour Lights (Live at the Rivoli)"]


@pytest.mark.parametrize("args,message", [
    (("--from", "2026-03-32", "--to", "2026-03-31"), "radiod: --from: expected a date as YYYY-MM-DD, got '2026-03-32'"),
    (("--from", "2026-03-02", "--to", "2026-03-01"), "radiod: --to 2026-03-01 is before --from 2026-03-02"),
    (("--from", "2026-03-01", "--to", "2026-03-31", "--daypart", "25:00-26:00"),
     "radiod: --daypart: '25:00-26:00' is not a range within one day (00:00-24:00)"),
])
def test_bad_input_is_one_line(station, args, message):
    done = radiod(station, "report", "local-content", *args)
    assert done.returncode == 1 and done.stderr.decode().splitlines() == [message]


def test_missing_database_is_one_line(tmp_path):
    (tmp_path / "radiod.toml").write_text(TOML, encoding="utf-8")
    done = radiod(tmp_path, "verify-log")
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        f"radiod: {tmp_path / 'radiod.db'}: database does not exist (run 'radiod scan' first)"]


def test_verify_log_digest_and_tampering(station, tmp_path):
    done = radiod(station, "verify-log")
    assert done.returncode == 0 and done.stdout.decode().startswith("ok: 12 plays (seq 1..12) and 0 corrections")
    digest = tmp_path / "digest.json"
    assert radiod(station, "log-digest", "-o", str(digest)).returncode == 0
    days = json.loads(digest.read_text())
    assert days[0] == {"date": "2026-03-01", "rows": 5, "last_seq": 5, "last_hash": days[0]["last_hash"]}

    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "radiod.toml").write_text(TOML, encoding="utf-8")
    (copy / "radiod.db").write_bytes((station / "radiod.db").read_bytes())
    raw = sqlite3.connect(copy / "radiod.db")
    raw.execute("DROP TRIGGER plays_closed_immutable")
    raw.execute("UPDATE plays SET isrc = 'XXXXX0000000' WHERE id = 7")
    raw.commit()
    raw.close()
    done = radiod(copy, "verify-log")
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        "BROKEN: play 7 (seq 7): content does not match its hash (row was edited)"]
    assert radiod(copy, "verify-log", "--from", "2026-03-15", "--to", "2026-04-01").returncode == 0

    rehash_from(copy / "radiod.db", 7)  # a careful forger recomputes the chain after the edit…
    assert radiod(copy, "verify-log").returncode == 0
    done = radiod(copy, "verify-log", "--digest", str(digest))  # …which the published digest still exposes
    assert done.returncode == 1
    assert done.stderr.decode().splitlines()[0].startswith("BROKEN: digest 2026-03-08: last_hash is ")


def rehash_from(path: Path, seq: int) -> None:
    from radiod.playlog.chain import link

    raw = sqlite3.connect(path)
    raw.row_factory = sqlite3.Row
    raw.execute("DROP TRIGGER IF EXISTS plays_closed_immutable")
    prev = raw.execute("SELECT hash FROM plays WHERE seq = ?", (seq - 1,)).fetchone()["hash"]
    for row in raw.execute("SELECT * FROM plays WHERE seq >= ? ORDER BY seq", (seq,)).fetchall():
        new = link(prev, row)
        raw.execute("UPDATE plays SET prev_hash = ?, hash = ? WHERE id = ?", (prev, new, row["id"]))
        prev = new
    raw.commit()
    raw.close()


def test_ledger_json_and_corrections(station, tmp_path):
    done = radiod(station, "ledger", "zoe ashcroft", "--from", "2026-03-01", "--to", "2026-03-31")
    ledger = json.loads(done.stdout)
    assert ledger["artist"] == "Zoë Ashcroft" and ledger["totals"] == {"plays": 2, "played_ms": 300_000, "tracks": 1}
    assert [p["started_at"] for p in ledger["plays"]] == ["2026-03-01T00:02:00.000-05:00",
                                                          "2026-03-08T01:59:00.000-05:00"]
    assert ledger["chain"]["digest"][0]["date"] == "2026-03-01"

    copy = tmp_path / "c"
    copy.mkdir()
    (copy / "radiod.toml").write_text(TOML, encoding="utf-8")
    (copy / "radiod.db").write_bytes((station / "radiod.db").read_bytes())
    done = radiod(copy, "correct-play", "4", "isrc", "CAXYZ2600003", "--by", "manager", "--reason", "from sleeve")
    assert done.returncode == 0 and done.stdout.decode().strip() == 'correction 1: play 4 isrc: "" -> "CAXYZ2600003"'
    done = radiod(copy, "report", "preflight", "--from", "2026-03-01", "--to", "2026-03-31")
    # the corrected play is now its own recording, still lacking a composer
    assert b"1,240000,The Quiet Harbours" in done.stdout and b",CAXYZ2600003,,composer,no,3\r\n" in done.stdout
    assert radiod(copy, "verify-log").stdout.decode().startswith("ok: 12 plays (seq 1..12) and 1 corrections")
    done = radiod(copy, "report", "plays", "--from", "2026-03-01", "--to", "2026-03-31")
    (play_4,) = [line for line in done.stdout.split(b"\r\n") if line.startswith(b"2026-03-01T00:10:16.000-05:00,")]
    assert b",CAXYZ2600003," in play_4 and play_4.endswith(b",isrc")
    raw = radiod(copy, "report", "plays", "--raw", "--from", "2026-03-01", "--to", "2026-03-31")
    assert raw.stdout == (EXPECTED / "plays-2026-03.csv").read_bytes()


def test_an_export_can_be_verified_without_the_database(station, tmp_path):
    export, digest = tmp_path / "plays.csv", tmp_path / "digest.json"
    assert radiod(station, "report", "plays", "--raw", "--from", "2026-02-01", "--to", "2026-04-30",
                  "-o", str(export)).returncode == 0
    assert radiod(station, "log-digest", "-o", str(digest)).returncode == 0
    done = radiod(tmp_path, "verify-export", str(export), "--digest", str(digest))
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == f"ok: 12 plays in {export} hash and link correctly and match the published digest"

    edited = tmp_path / "edited.csv"
    edited.write_bytes(export.read_bytes().replace(b"Ferry Tale Records | Harbour Co-op", b"Ferry Tale Records", 1))
    done = radiod(tmp_path, "verify-export", str(edited))
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        f"BROKEN: {edited}: play 4 (seq 4): content does not match its hash (row was edited)"]

    lines = export.read_bytes().split(b"\r\n")
    cut = tmp_path / "cut.csv"
    cut.write_bytes(b"\r\n".join(lines[:6] + lines[7:]))          # drop play 6
    done = radiod(tmp_path, "verify-export", str(cut))
    assert done.returncode == 1 and "play 7 (seq 7): rows with seq 6..6 are missing" in done.stderr.decode()
