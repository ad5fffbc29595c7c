"""One report registry: `radiod report` and the panel offer the same formats and write them the same
way, with the same options from config."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiod.app.reports import FORMATS, REGISTRY
from radiod.cli.playlog import report_command
from radiod.clock import FakeClock
from radiod.config import load_config
from radiod.store import open_db
from radiod_web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from panel_support import add_play, login  # noqa: E402
from part2_support import add_part2_users, make_part2_station  # noqa: E402

ZONE = ZoneInfo("America/Toronto")
RADIOD = [str(Path(sys.executable).parent / "radiod")]
REFUSE = {"RADIOD_REPORTS_ON_METADATA_GAPS": "refuse"}


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    root = make_part2_station(tmp_path_factory.mktemp("registry") / "station")
    config = load_config(root, env={})
    add_part2_users(config)
    conn = open_db(config.paths.database)
    add_play(conn, title="No ISRC", artist="Quiet Harbours", started=datetime(2026, 11, 19, 10, 0, tzinfo=ZONE))
    conn.close()
    return root


def panel(station: Path, env: dict[str, str]):
    app = create_app(load_config(station, env=env), watch=False,
                     clock=FakeClock(datetime(2026, 11, 21, 12, 0, tzinfo=ZONE)))
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    return app, client


def test_the_cli_and_the_panel_offer_the_formats_of_the_registry(station):
    choices = next(p for p in report_command.params if p.name == "format").type.choices
    assert list(choices) == list(FORMATS) == list(REGISTRY)
    app, client = panel(station, {})
    try:
        html = client.get("/manager/reports/?from=2026-11-19&to=2026-11-20").get_data(as_text=True)
    finally:
        app.extensions["radiod"].hub.stop()
    select = re.search(r'<select name="format">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option>([^<]+)</option>", select) == list(FORMATS)


def test_the_panel_applies_the_metadata_gap_policy_as_the_cli_does(station):
    """reports.on_metadata_gaps = refuse: music usage with a recording lacking ISRC is refused by both."""
    cli = subprocess.run([*RADIOD, "--station", str(station), "report", "music-usage", "--from", "2026-11-19",
                          "--to", "2026-11-20"], capture_output=True, text=True, env={**_env(), **REFUSE},
                         timeout=60)
    assert cli.returncode == 1
    message = "1 recording(s) lack ISRC, label or composer (run 'radiod report preflight'); " \
              "first: Quiet Harbours - No ISRC"
    assert message in cli.stderr
    app, client = panel(station, REFUSE)
    try:
        answer = client.get("/manager/reports/download?format=music-usage&from=2026-11-19&to=2026-11-20")
    finally:
        app.extensions["radiod"].hub.stop()
    assert answer.status_code == 400
    assert message.replace("'", "&#39;") in answer.get_data(as_text=True)
    # As configured by default (warn), both write the report.
    app, client = panel(station, {})
    try:
        answer = client.get("/manager/reports/download?format=music-usage&from=2026-11-19&to=2026-11-20")
    finally:
        app.extensions["radiod"].hub.stop()
    assert answer.status_code == 200 and "No ISRC" in answer.get_data(as_text=True)


def _env() -> dict[str, str]:
    import os
    return {k: v for k, v in os.environ.items() if not k.startswith("RADIOD_")}
