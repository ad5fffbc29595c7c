"""The manager's reports page: downloads, the local-content SVG chart with its quota line, log verification."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.store import open_db
from radiod_web import create_app
from radiod_web.reports import CHART_H, PAD, chart

from panel_support import add_play, login
from part2_support import add_part2_users, make_part2_station

ZONE = ZoneInfo("America/Toronto")


@pytest.fixture(scope="module")
def boss(tmp_path_factory):
    config = load_config(make_part2_station(tmp_path_factory.mktemp("reports") / "station"), env={})
    add_part2_users(config)
    conn = open_db(config.paths.database)
    for minute, local in ((0, True), (5, True), (10, False)):              # Thursday: 2 of 3 local
        add_play(conn, title=f"Thu {minute}", artist="Quiet Harbours", local=local,
                 started=datetime(2026, 11, 19, 10, minute, tzinfo=ZONE))
    for minute in (0, 5):                                                     # Friday: none local
        add_play(conn, title=f"Fri {minute}", artist="Far Away", started=datetime(2026, 11, 20, 10, minute, tzinfo=ZONE))
    conn.close()
    app = create_app(config, watch=False, clock=FakeClock(datetime(2026, 11, 21, 12, 0, tzinfo=ZONE)))
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    yield client
    app.extensions["radiod"].hub.stop()


def test_the_page_draws_the_daily_share_against_the_quota(boss):
    html = boss.get("/manager/reports/?from=2026-11-19&to=2026-11-20").get_data(as_text=True)
    svg = re.search(r'<svg id="chart-day".*?</svg>', html, re.S).group(0)
    bars = re.findall(r'<rect class="(bar[^"]*)" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"\s+'
                      r'data-period="([^"]+)" data-share="([^"]+)"', svg)
    assert [(b[0], b[3], b[4]) for b in bars] == [("bar", "2026-11-19", "66.7"), ("bar under", "2026-11-20", "0.0")]
    quota_y = float(re.search(r'class="quota"[^>]*y1="([^"]+)"', svg).group(1))
    assert quota_y == round(PAD + (CHART_H - 2 * PAD) * 0.65, 1)              # Canada: 35 %
    assert float(bars[0][1]) < quota_y                                        # above the line
    assert 'id="chart-week"' in html
    assert "The hash chain holds: 5 plays" in html


def test_a_report_downloads_as_a_file(boss):
    r = boss.get("/manager/reports/download?format=plays&from=2026-11-19&to=2026-11-20")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="TestFM-plays-20261119-20261120.csv"'
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [row["title"] for row in rows] == ["Thu 0", "Thu 5", "Thu 10", "Fri 0", "Fri 5"]
    local = boss.get("/manager/reports/download?format=local-content&from=2026-11-19&to=2026-11-20&per=day")
    assert "2026-11-19" in local.get_data(as_text=True) and "fail" in local.get_data(as_text=True)
    sx = boss.get("/manager/reports/download?format=soundexchange&from=2026-11-19&to=2026-11-20")
    assert sx.status_code == 400 and "listener figures are unavailable for 5 of 5 plays" in sx.get_data(as_text=True)
    sx = boss.get("/manager/reports/download?format=soundexchange&from=2026-11-19&to=2026-11-20&ath_hours=12.5")
    assert sx.status_code == 200 and 'filename="TestFM20261119-20261120.txt"' in sx.headers["Content-Disposition"]
    assert "12.50" in sx.get_data(as_text=True)


def test_bad_input_is_one_clear_line(boss):
    r = boss.get("/manager/reports/download?format=nope&from=2026-11-19&to=2026-11-20")
    assert r.status_code == 400 and "format: expected one of plays" in r.get_data(as_text=True)
    r = boss.get("/manager/reports/?from=2026-11-20&to=2026-11-19")
    assert "--to 2026-11-19 is before --from 2026-11-20" in r.get_data(as_text=True)


def test_chart_geometry():
    c = chart([{"period": "a", "share_by_count": "100.0", "result": "pass"},
               {"period": "b", "share_by_count": "", "result": "no music"},
               {"period": "total", "share_by_count": "50.0", "result": "pass"}], 25.0)
    assert [b["height"] for b in c["bars"]] == [CHART_H - 2 * PAD, 0]
    assert c["quota_y"] == PAD + (CHART_H - 2 * PAD) * 0.75


@pytest.mark.parametrize("hours", ["-5", "NaN", "Infinity"])
def test_an_ath_figure_that_is_not_a_number_of_hours_is_a_400_with_one_line(boss, hours):
    r = boss.get(f"/manager/reports/download?format=soundexchange&from=2026-11-19&to=2026-11-20&ath_hours={hours}")
    assert r.status_code == 400
    assert (f"ath_hours: expected a number of hours from 0 to 10,000,000,000, got &#39;{hours}&#39;"
            in r.get_data(as_text=True))
