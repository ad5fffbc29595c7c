"""`radiod scan`, `radiod analyze` and `radiod artists` end to end through radiod.cli.main."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from radiod.cli import main
from radiod.store import open_db

REGISTRY = """\
[[artist]]
name = "The Quiet Harbours"
local = true
city = "Halifax"
region = "NS"
country = "CA"

[[artist]]
name = "Bo"
local = false
country = "US"

[[artist]]
name = "Nobody Yet"
local = true
"""


@pytest.fixture
def station(media, tmp_path) -> Path:
    station = tmp_path / "station"
    media.copy_to(station / "media")
    shutil.copy(media.good["mp3"], station / "media" / "dup.mp3")
    (station / "schedules").mkdir()
    (station / "schedules" / "artists.toml").write_text(REGISTRY, encoding="utf-8")
    (station / "radiod.toml").write_text('[station]\nname = "Test FM"\n', encoding="utf-8")
    return station


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_scan_prints_a_summary_and_each_error(station, capsys):
    code, out, err = run(capsys, "--station", str(station), "scan", "--no-analyze")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "13 files: 13 new, 0 changed, 0 unchanged, 0 moved, 0 missing, 5 errors, 1 duplicate"
    media = station / "media"
    assert f"{media}/broken/empty.flac: empty file" in lines
    assert f"{media}/broken/readme.mp3: not an audio file (it contains text)" in lines
    assert f"{media}/broken/song.wma: cannot read Windows Media: Not an ASF file." in lines
    assert any(line.startswith(f"{media}/broken/cut.flac: truncated file (") for line in lines)
    assert f"duplicate content: {media}/dup.mp3 = {media}/good/harbour.mp3" in lines
    assert "analysis" not in out and "Traceback" not in err

    code, out, _ = run(capsys, "--station", str(station), "scan", "--no-analyze")
    assert out.splitlines()[0] == "13 files: 0 new, 0 changed, 13 unchanged, 0 moved, 0 missing, 5 errors, 1 duplicate"


def test_scan_json(station, capsys):
    code, out, err = run(capsys, "--station", str(station), "scan", "--json", "--no-analyze")
    assert code == 0, err
    objects = [json.loads(line) for line in out.splitlines()]
    files, summary = objects[:-1], objects[-1]["summary"]
    assert len(files) == 13
    by_name = {Path(f["path"]).name: f for f in files}
    flac = by_name["harbour.flac"]
    assert (flac["status"], flac["change"], flac["title"], flac["isrc"]) == ("ok", "new", "Harbour Lights (flac)", "CAD121900042")
    assert flac["local_tag"] is True and flac["release_date"] == "2019-03-04" and flac["codec"] == "flac"
    assert [a["key"] for a in flac["artists"]] == ["quiet harbours", "ana sol", "bo"]
    assert "reason" not in flac
    assert by_name["empty.flac"] == {"path": str(station / "media" / "broken" / "empty.flac"),
                                     "status": "error", "change": "new", "reason": "empty file"}
    assert summary["new"] == 13 and summary["errors"] == 5 and summary["duplicates"] == 1
    assert len(summary["error_files"]) == 5 and summary["skipped"] == 0
    assert "analysis" not in summary


def test_scan_runs_the_analysis_unless_told_not_to(station, capsys):
    code, out, err = run(capsys, "--station", str(station), "scan", "--json")
    assert code == 0, err
    summary = json.loads(out.splitlines()[-1])["summary"]
    # 8 playable files, two of them with the same content: 7 distinct contents measured.
    assert summary["analysis"] == {"analyzed": 7, "failed": 0, "cached": 0, "error_files": []}
    conn = open_db(station / "radiod.db")
    assert conn.execute("SELECT COUNT(*) FROM analysis WHERE error IS NULL").fetchone()[0] == 7
    code, out, _ = run(capsys, "--station", str(station), "analyze")
    assert out.splitlines() == ["analysis: 0 analysed, 0 failed, 8 already done"]


def test_library_analyze_false_skips_analysis(station, capsys):
    (station / "radiod.toml").write_text("[library]\nanalyze = false\n", encoding="utf-8")
    code, out, _ = run(capsys, "--station", str(station), "scan")
    assert code == 0 and "analysis" not in out


def test_scan_of_given_folders_and_the_uploads_folder(station, capsys, tone_file):
    uploads = station / "uploads" / "dj1"
    uploads.mkdir(parents=True)
    shutil.copy(tone_file("show.ogg", seconds=2, tags={"title": "The Show"}), uploads / "show.ogg")
    code, out, _ = run(capsys, "--station", str(station), "scan", "--no-analyze", str(uploads))
    assert out.splitlines()[0].startswith("1 files: 1 new,")
    code, out, _ = run(capsys, "--station", str(station), "scan", "--no-analyze")
    assert out.splitlines()[0].startswith("14 files: 13 new, 0 changed, 1 unchanged,")


def test_scan_of_a_folder_that_does_not_exist(station, capsys):
    code, _, err = run(capsys, "--station", str(station), "scan", str(station / "nope"))
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_artists_lists_counts_local_flags_and_unknown_artists(station, capsys):
    run(capsys, "--station", str(station), "scan", "--no-analyze")
    code, out, err = run(capsys, "--station", str(station), "artists")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ARTIST", "TRACKS", "LOCAL", "PLACE"]
    rows = {line.split("  ")[0].strip(): line.split() for line in lines[1:5]}
    assert " ".join(rows["The Quiet Harbours"]).endswith("8 yes Halifax, NS, CA")
    assert " ".join(rows["Bo"]).endswith("8 no US")
    assert " ".join(rows["Ana Sól"]).endswith("8 ? (not in the registry)")
    assert " ".join(rows["Nobody Yet"]).endswith("0 yes")
    assert "4 artists, 3 in the registry" in out
    assert "8 tracks with artists unknown to the registry:" in lines
    assert f"{station / 'media' / 'good' / 'harbour.ogg'}: Ana Sól" in lines

    code, out, _ = run(capsys, "--station", str(station), "artists", "--json")
    listing = json.loads(out)
    assert [(a["name"], a["tracks"], a["local"]) for a in listing["artists"]] == [
        ("Ana Sól", 8, None), ("Bo", 8, False), ("The Quiet Harbours", 8, True), ("Nobody Yet", 0, True)]
    assert len(listing["unknown_artist_tracks"]) == 8 and listing["untagged_tracks"] == []


def test_broken_registry_is_one_line_per_problem(station, capsys):
    (station / "schedules" / "artists.toml").write_text('[[artist]]\nname = "Bo"\nlocal = "no"\n', encoding="utf-8")
    code, out, err = run(capsys, "--station", str(station), "artists")
    assert code == 1 and out == ""
    assert err == f"{station / 'schedules' / 'artists.toml'}:1: artist[1].local: expected true or false, got 'no'\n"


def test_artists_keeps_a_registered_credit_whole(station, capsys, tone_file):
    shutil.copy(tone_file("ewf.flac", tags={"artist": "Earth, Wind & Fire", "title": "September"}),
                station / "media" / "ewf.flac")
    with open(station / "schedules" / "artists.toml", "a", encoding="utf-8") as f:
        f.write('\n[[artist]]\nname = "Earth, Wind & Fire"\nlocal = false\ncountry = "US"\n')
    run(capsys, "--station", str(station), "scan", "--no-analyze")
    code, out, _ = run(capsys, "--station", str(station), "artists", "--json")
    listing = json.loads(out)
    names = {a["name"]: a["tracks"] for a in listing["artists"]}
    assert names["Earth, Wind & Fire"] == 1 and "Earth" not in names and "Fire" not in names
    assert all(not t["path"].endswith("ewf.flac") for t in listing["unknown_artist_tracks"])


def test_progress_bars_go_to_stderr_when_stdout_is_a_terminal(station, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run(capsys, "--station", str(station), "scan")
    assert code == 0
    assert "Scanning" in err and "Analysing" in err
    assert "Scanning" not in out and out.splitlines()[0].startswith("13 files: 13 new")
