"""Hostile numbers and days in query strings, forms and URL paths, against a real `radiod web`:
each is a 4xx with one line naming the parameter, never a 500 (which is what huge epoch
milliseconds, year 9999 and year 1 were)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote
from datetime import datetime, timezone

import pytest

from radiod.config import load_config
from radiod.store import open_db

from http_support import Visitor
from panel_support import RadiodWeb, add_play, add_users, make_station
from part2_support import make_audio

HUGE = "99999999999999999999999"
NUMBERS = [HUGE, "9223372036854775808", "-5", "-99999999999999999999", "NaN", "inf", "1e5", "abc",
           "²", "٣", " 5", "1_000", "0x10"]
DAYS = ["9999-12-31", "9999-01-01", "0000-01-01", "0001-01-01", "1969-12-31", "2026-02-30", "20261201",
        "2026-W48-1", "abc", HUGE, "-5", "NaN"]


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    config = load_config(make_station(tmp_path_factory.mktemp("hostile") / "station"), env={})
    add_users(config)
    conn = open_db(config.paths.database)
    add_play(conn, title="Low Tide", artist="Quiet Harbours", started=datetime.now(timezone.utc))
    conn.commit()
    conn.close()
    for n in range(3):                                   # a library, so that a day can be planned
        make_audio(config.paths.media[0] / f"song{n}.mp3", 2)
    radiod = Path(sys.executable).parent / "radiod"
    subprocess.run([str(radiod), "--station", str(config.station_dir), "scan"], check=True, capture_output=True)
    server = RadiodWeb(config.station_dir)
    with server as url:
        boss = Visitor(url)
        assert boss.login("boss").status == 302
        yield url, boss, server
    assert "Traceback" not in server.log.read_text()


def one_line_error(answer, name: str) -> str:
    message = json.loads(answer.body)["error"]
    assert message.startswith(f"{name}: expected") and "\n" not in message and len(message) < 200
    return message


@pytest.mark.parametrize("value", NUMBERS)
@pytest.mark.parametrize("name", ["before_ms", "limit"])
def test_history_numbers_are_checked(panel, name, value):
    url, _, _ = panel
    answer = Visitor(url).get(f"/api/history?{name}={quote(value)}")
    assert answer.status == 400, answer.text
    one_line_error(answer, name)


def test_history_numbers_in_range_still_page(panel):
    url, _, _ = panel
    visitor = Visitor(url)
    plays = json.loads(visitor.get("/api/history?limit=200").body)["plays"]
    assert [p["title"] for p in plays] == ["Low Tide"]
    assert json.loads(visitor.get("/api/history?before_ms=0").body) == {"plays": []}
    assert json.loads(visitor.get("/api/history?before_ms=253402300800000&limit=1").body)["plays"] == plays
    assert visitor.get("/api/history?limit=201").status == 400
    assert visitor.get("/api/history?limit=0").status == 400


@pytest.mark.parametrize("value", DAYS)
@pytest.mark.parametrize("name", ["from", "to"])
def test_artist_ledger_days_are_checked(panel, name, value):
    url, _, _ = panel
    visitor = Visitor(url)
    other = "to=2026-12-01" if name == "from" else "from=2026-11-01"
    for query in (f"{name}={quote(value)}", f"{name}={quote(value)}&{other}"):
        answer = visitor.get(f"/api/artists/quiet-harbours/plays?{query}")
        assert answer.status == 400, (query, answer.text)
        one_line_error(answer, name)
        page = visitor.get(f"/artists/quiet-harbours?{query}")
        assert page.status == 400 and f"{name}: expected a day from 1970-01-01 to 9998-12-31" in page.text


def test_artist_ledger_at_the_edges_of_the_range(panel):
    url, _, _ = panel
    visitor = Visitor(url)
    assert visitor.get("/api/artists/quiet-harbours/plays?from=9998-12-01&to=9998-12-31").status == 200
    assert visitor.get("/api/artists/quiet-harbours/plays?from=1970-01-01&to=1970-01-31").status == 200
    assert visitor.get("/artists/quiet-harbours?to=1970-01-01").status == 200   # 90 days back: 1969
    plays = json.loads(visitor.get("/api/artists/quiet-harbours/plays").body)
    assert plays["plays"][0]["title"] == "Low Tide"


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "0000-01-01", HUGE])
def test_report_days_are_checked(panel, value):
    _, boss, _ = panel
    download = boss.get(f"/manager/reports/download?format=plays&from=2026-01-01&to={quote(value)}")
    assert download.status == 400 and "to: expected a day from 1970-01-01 to 9998-12-31" in download.text
    page = boss.get(f"/manager/reports/?from={quote(value)}&to=2026-01-01")
    assert page.status == 200 and "from: expected a day from 1970-01-01 to 9998-12-31" in page.text


@pytest.mark.parametrize("value", [HUGE, "9223372036854775808"])
def test_track_ids_beyond_sqlite_are_no_such_page(panel, value):
    _, boss, _ = panel
    assert boss.get(f"/manager/library/tracks/{value}").status == 404
    token = boss.csrf("/manager/controls/")
    assert boss.post("/manager/controls/insert", {"csrf_token": token, "track_id": value}).status == 404
    assert boss.post("/manager/controls/insert", {"csrf_token": token, "item": value}).status == 404


@pytest.mark.parametrize("value", ["²", "-1", " 1"])
def test_form_numbers_take_ascii_digits_only(panel, value):
    _, boss, _ = panel
    token = boss.csrf("/manager/controls/")
    assert boss.post("/manager/controls/insert", {"csrf_token": token, "track_id": value}).status == 404
    assert boss.post("/manager/controls/insert", {"csrf_token": token, "item": value}).status == 404


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "junk"])
def test_the_planned_log_preview_refuses_days_it_cannot_plan(panel, value):
    _, boss, _ = panel
    page = boss.get(f"/manager/grid/preview?day={quote(value)}")
    assert page.status == 200 and "day: expected a day from 1970-01-01 to 9998-12-31" in page.text
    assert "<h2>Items</h2>" not in page.text


def test_the_planned_log_preview_plans_days_in_range(panel):
    _, boss, _ = panel
    for day in ("2026-12-01", "9998-12-31", "1970-01-01"):
        page = boss.get(f"/manager/grid/preview?day={day}")
        assert page.status == 200 and "<h2>Items</h2>" in page.text, page.text[-800:]
